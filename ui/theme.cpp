// ui/theme.cpp — see theme.h. A light theme for daylight use on tablets; high contrast is
// black on white with strong borders and focus colours. Both keep every pair listed in
// contrast_pairs() at WCAG 2.2 AA (bench/contrast_bench.cpp prints them, the test
// tests/ui/test_theme.cpp enforces them).
//
// Why the button colours sit where they do: widgets.cpp draws a primary button as
// on_accent (white) text on ImGuiCol_Button := ImGuiCol_ButtonActive, but leaves the
// hovered and pressed slots to the style, so a focused or pressed primary button and a
// focused or pressed secondary button (ImGuiCol_Text, black) share the same two fills.
// Those fills must reach 4.5:1 against both white and black, which only colours of
// relative luminance 0.175..0.183 do (about 4.6:1 each way), with ImGuiCol_Text pure black.
#include "ui/theme.h"

#include <cmath>
#include <cstdio>

#include "ui/widgets.h"

namespace parley::ui {

namespace {
Palette g_palette;

void set_normal(ImVec4* c, Palette& p) {
  const ImVec4 accent(0.0f, 0.51f, 0.54f, 1), hover(0.04f, 0.49f, 0.70f, 1), navy(0.08f, 0.16f, 0.30f, 1);
  c[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.96f, 1);
  c[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.30f, 0.32f, 0.35f, 1);
  c[ImGuiCol_Button] = ImVec4(0.86f, 0.90f, 0.91f, 1);
  c[ImGuiCol_ButtonHovered] = hover;
  c[ImGuiCol_ButtonActive] = accent;
  c[ImGuiCol_FrameBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Border] = ImVec4(0.46f, 0.48f, 0.50f, 1);   // fields, check boxes, buttons: 4:1
  c[ImGuiCol_PlotHistogram] = navy;                              // headings
  c[ImGuiCol_PlotLinesHovered] = ImVec4(0.70f, 0.10f, 0.05f, 1);  // warnings
  c[ImGuiCol_Header] = ImVec4(0.82f, 0.90f, 0.91f, 1);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.74f, 0.86f, 0.87f, 1);
  c[ImGuiCol_HeaderActive] = ImVec4(0.70f, 0.85f, 0.86f, 1);
  c[ImGuiCol_CheckMark] = accent;
  c[ImGuiCol_ScrollbarGrab] = ImVec4(0.46f, 0.48f, 0.50f, 1);
  c[ImGuiCol_ScrollbarGrabHovered] = ImVec4(0.36f, 0.38f, 0.40f, 1);
  c[ImGuiCol_ScrollbarGrabActive] = ImVec4(0.26f, 0.28f, 0.30f, 1);
  c[ImGuiCol_NavHighlight] = ImVec4(0.60f, 0.10f, 0.60f, 1);   // magenta: apart from teal, green, amber
  p.on_accent = ImVec4(1, 1, 1, 1);
  p.ok = ImVec4(0.0f, 0.42f, 0.18f, 1);
  p.pending = ImVec4(0.62f, 0.30f, 0.0f, 1);
  p.on_pending = ImVec4(1, 1, 1, 1);
  p.draft = ImVec4(0.62f, 0.30f, 0.0f, 1);
}

// On top of the normal colours: black on white, yellow buttons, strong borders.
void set_high_contrast(ImVec4* c, Palette& p) {
  c[ImGuiCol_WindowBg] = c[ImGuiCol_ChildBg] = c[ImGuiCol_FrameBg] = c[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.15f, 0.15f, 0.15f, 1);
  c[ImGuiCol_Border] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_Button] = ImVec4(1, 1, 0.6f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.40f, 0.38f, 0.96f, 1);
  c[ImGuiCol_ButtonActive] = ImVec4(0.0f, 0.44f, 0.94f, 1);
  c[ImGuiCol_CheckMark] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_PlotHistogram] = ImVec4(0, 0, 0, 1);
  c[ImGuiCol_PlotLinesHovered] = ImVec4(0.6f, 0, 0, 1);
  c[ImGuiCol_ScrollbarGrab] = ImVec4(0.2f, 0.2f, 0.2f, 1);
  c[ImGuiCol_NavHighlight] = ImVec4(0.55f, 0, 0.55f, 1);
  p.ok = ImVec4(0, 0.35f, 0, 1);
  p.pending = ImVec4(0.45f, 0.15f, 0, 1);
  p.draft = ImVec4(0.45f, 0.15f, 0, 1);
}

ImVec4 over(const ImVec4& fg, const ImVec4& bg) {
  float a = fg.w;
  return ImVec4(fg.x * a + bg.x * (1 - a), fg.y * a + bg.y * (1 - a), fg.z * a + bg.z * (1 - a), 1);
}

// WCAG 2.x relative luminance of an sRGB colour as drawn (8 bits per channel).
double luminance(const ImVec4& c) {
  auto channel = [](float v) {
    double s = std::round(std::fmin(std::fmax(v, 0.0f), 1.0f) * 255.0) / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * channel(c.x) + 0.7152 * channel(c.y) + 0.0722 * channel(c.z);
}
}  // namespace

ThemeColours theme_colours(bool high_contrast) {
  ImGuiStyle style;
  ImGui::StyleColorsLight(&style);
  ThemeColours t;
  set_normal(style.Colors, t.palette);
  if (high_contrast) set_high_contrast(style.Colors, t.palette);
  for (int i = 0; i < ImGuiCol_COUNT; ++i) t.style[i] = style.Colors[i];
  return t;
}

const Palette& palette() { return g_palette; }

void apply_theme(bool high_contrast, float dpr, float font_scale) {
  ImGuiStyle style;
  ImGui::StyleColorsLight(&style);
  style.WindowRounding = 0;
  style.FrameRounding = 6;
  style.GrabRounding = 6;
  style.FramePadding = ImVec2(12, 8);
  style.ItemSpacing = ImVec2(10, 10);
  style.ScrollbarSize = 18;
  style.WindowPadding = ImVec2(16, 14);
  style.SelectableTextAlign = ImVec2(0.0f, 0.5f);   // options are finger-high; centre their text
  ThemeColours t = theme_colours(high_contrast);
  for (int i = 0; i < ImGuiCol_COUNT; ++i) style.Colors[i] = t.style[i];
  g_palette = t.palette;
  style.FrameBorderSize = high_contrast ? 2 : 1;
  style.ScaleAllSizes(dpr * font_scale);
  ImGui::GetStyle() = style;
  metrics().dpr = dpr;
  metrics().font_scale = font_scale;
}

double contrast_ratio(const ImVec4& fg, const ImVec4& bg) {
  double a = luminance(over(fg, bg)), b = luminance(bg);
  return (std::fmax(a, b) + 0.05) / (std::fmin(a, b) + 0.05);
}

std::vector<ContrastPair> contrast_pairs(bool high_contrast) {
  const ThemeColours t = theme_colours(high_contrast);
  const ImVec4* c = t.style;
  const Palette& p = t.palette;
  const double text = 4.5, ui = 3.0;
  const ImVec4 window = c[ImGuiCol_WindowBg], card = c[ImGuiCol_ChildBg], field = c[ImGuiCol_FrameBg];
  return {
      {"text on the window", c[ImGuiCol_Text], window, text},
      {"text on a list or card", c[ImGuiCol_Text], card, text},
      {"text in a field", c[ImGuiCol_Text], field, text},
      {"text in a field being edited", c[ImGuiCol_Text], over(c[ImGuiCol_FrameBgActive], field), text},
      {"selected text in a field", c[ImGuiCol_Text], over(c[ImGuiCol_TextSelectedBg], field), text},
      {"text in a menu", c[ImGuiCol_Text], c[ImGuiCol_PopupBg], text},
      {"secondary button text", c[ImGuiCol_Text], c[ImGuiCol_Button], text},
      {"secondary button text, hovered or focused", c[ImGuiCol_Text], c[ImGuiCol_ButtonHovered], text},
      {"secondary button text, pressed", c[ImGuiCol_Text], c[ImGuiCol_ButtonActive], text},
      {"primary button text", p.on_accent, c[ImGuiCol_ButtonActive], text},
      {"primary button text, hovered or focused", p.on_accent, c[ImGuiCol_ButtonHovered], text},
      {"chosen option text", c[ImGuiCol_Text], c[ImGuiCol_Header], text},
      {"list row text, hovered", c[ImGuiCol_Text], c[ImGuiCol_HeaderHovered], text},
      {"list row text, pressed", c[ImGuiCol_Text], c[ImGuiCol_HeaderActive], text},
      {"secondary text on the window", c[ImGuiCol_TextDisabled], window, text},
      {"secondary text on a list or card", c[ImGuiCol_TextDisabled], card, text},
      {"field hint text", c[ImGuiCol_TextDisabled], field, text},
      {"secondary text in a list row, hovered", c[ImGuiCol_TextDisabled], c[ImGuiCol_HeaderHovered], text},
      {"secondary text in a list row, pressed", c[ImGuiCol_TextDisabled], c[ImGuiCol_HeaderActive], text},
      {"heading on the window", c[ImGuiCol_PlotHistogram], window, text},
      {"heading on a card", c[ImGuiCol_PlotHistogram], card, text},
      {"warning on the window", c[ImGuiCol_PlotLinesHovered], window, text},
      {"warning in a list", c[ImGuiCol_PlotLinesHovered], card, text},
      {"warning in a list row, hovered", c[ImGuiCol_PlotLinesHovered], c[ImGuiCol_HeaderHovered], text},
      {"warning in a list row, pressed", c[ImGuiCol_PlotLinesHovered], c[ImGuiCol_HeaderActive], text},
      {"status: online, saved", p.ok, window, text},
      {"status: draft not saved yet", p.draft, window, text},
      {"status: records only on this device (badge text)", p.on_pending, p.pending, text},
      {"border of fields, check boxes, buttons on the window", c[ImGuiCol_Border], window, ui},
      {"border of fields, check boxes on a card", c[ImGuiCol_Border], card, ui},
      {"check mark in its box", c[ImGuiCol_CheckMark], field, ui},
      {"primary button fill on the window", c[ImGuiCol_ButtonActive], window, ui},
      {"hovered or focused button fill on the window", c[ImGuiCol_ButtonHovered], window, ui},
      {"focus ring on the window", c[ImGuiCol_NavHighlight], window, ui},
      {"focus ring on a list or card", c[ImGuiCol_NavHighlight], card, ui},
      {"scroll bar thumb on its track", c[ImGuiCol_ScrollbarGrab], over(c[ImGuiCol_ScrollbarBg], card), ui},
      {"status badge on the window", p.pending, window, ui},
  };
}

std::string count_words(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

namespace {
ImFont* g_heading_font = nullptr;
}

ImFont* heading_font() { return g_heading_font; }

void load_fonts(const std::string& ttf_path, float dpr, float font_scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  g_heading_font = nullptr;
  // Rasterise at the device's pixel size so text is crisp (web-client brief item 11).
  float px = 17.0f * dpr * font_scale;
  ImFont* font = nullptr;
  if (!ttf_path.empty()) {
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x2193, 0x2713, 0x2717, 0};
    if (std::FILE* f = std::fopen(ttf_path.c_str(), "rb")) {
      std::fclose(f);
      font = io.Fonts->AddFontFromFileTTF(ttf_path.c_str(), px, &cfg, ranges);
      g_heading_font = io.Fonts->AddFontFromFileTTF(ttf_path.c_str(), px * 1.25f, &cfg, ranges);
    }
  }
  if (!font) {
    ImFontConfig cfg;
    cfg.SizePixels = px;
    io.Fonts->AddFontDefault(&cfg);
  }
}

}  // namespace parley::ui
