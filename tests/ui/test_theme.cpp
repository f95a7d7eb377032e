// tests/ui/test_theme.cpp — both themes keep every colour pair they promise at its WCAG
// 2.2 AA minimum (ui/theme.cpp contrast_pairs; 4.5:1 text, 3:1 controls and focus), and
// the contrast formula and count words behave as WCAG and English say.
#include <catch2/catch.hpp>

#include "ui/theme.h"

using namespace parley::ui;

TEST_CASE("contrast ratio follows WCAG 2.x", "[ui][theme]") {
  const ImVec4 white(1, 1, 1, 1), black(0, 0, 0, 1);
  CHECK(contrast_ratio(black, white) == Approx(21.0));
  CHECK(contrast_ratio(white, white) == Approx(1.0));
  CHECK(contrast_ratio(white, black) == contrast_ratio(black, white));
  // #767676 on white is the well-known 4.54:1.
  CHECK(contrast_ratio(ImVec4(0x76 / 255.0f, 0x76 / 255.0f, 0x76 / 255.0f, 1), white) == Approx(4.54).margin(0.01));
  // Half-transparent black over white is drawn as mid grey (#808080, 3.95:1).
  CHECK(contrast_ratio(ImVec4(0, 0, 0, 0.5f), white) == Approx(3.95).margin(0.01));
}

TEST_CASE("every theme colour pair meets its WCAG AA minimum", "[ui][theme]") {
  for (bool high_contrast : {false, true}) {
    auto pairs = contrast_pairs(high_contrast);
    REQUIRE(pairs.size() >= 30);
    for (const auto& p : pairs) {
      INFO((high_contrast ? "high-contrast: " : "normal: ") << p.name);
      CHECK(contrast_ratio(p.fg, p.bg) >= p.minimum);
    }
  }
}

TEST_CASE("counts are in correct English", "[ui][theme]") {
  CHECK(count_words(0, "record", "records") == "0 records");
  CHECK(count_words(1, "record", "records") == "1 record");
  CHECK(count_words(2, "record", "records") == "2 records");
}
