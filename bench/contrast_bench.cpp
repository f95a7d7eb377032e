// bench/contrast_bench.cpp — parley-bench-contrast: prints every colour pair the themes
// promise (ui/theme.cpp contrast_pairs) with its WCAG 2.2 contrast ratio and PASS/FAIL
// against its minimum (4.5:1 text, 3:1 controls and focus), for the normal and the
// high-contrast theme. The colours come from the theme code itself, so the figures are
// those of what is drawn. docs/performance.md "Colour contrast" has the output; the same
// pairs are enforced by tests/ui/test_theme.cpp.
//
//   parley-bench-contrast            # both themes; exit status 1 if any pair fails
#include <cstdio>

#include "ui/theme.h"

namespace {
int print_theme(bool high_contrast) {
  std::printf("%s theme\n", high_contrast ? "High-contrast" : "Normal");
  std::printf("  %-54s %8s %6s  %s\n", "pair (foreground on background)", "ratio", "min", "result");
  int failed = 0;
  for (const auto& p : parley::ui::contrast_pairs(high_contrast)) {
    double r = parley::ui::contrast_ratio(p.fg, p.bg);
    bool ok = r >= p.minimum;
    failed += ok ? 0 : 1;
    std::printf("  %-54s %6.2f:1 %4.1f:1  %s\n", p.name.c_str(), r, p.minimum, ok ? "PASS" : "FAIL");
  }
  std::printf("\n");
  return failed;
}
}  // namespace

int main() {
  int failed = print_theme(false) + print_theme(true);
  std::printf("%d pair(s) below their WCAG 2.2 AA minimum\n", failed);
  return failed == 0 ? 0 : 1;
}
