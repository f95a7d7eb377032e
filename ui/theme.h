// ui/theme.h — colours, sizes and fonts for both the normal and high-contrast themes,
// scaled for the device pixel ratio and the user's font-size setting, and the list of
// colour pairs the themes promise to keep at WCAG 2.2 AA contrast.
//
// The model: every colour the screens draw with is either a Dear ImGui style slot or a
// named Palette colour, both set here and nowhere else. contrast_pairs() names each
// foreground/background pair a person has to tell apart (text on its fills, borders and
// the focus ring on their background), so bench/contrast_bench.cpp can print the figures
// and tests/ui/test_theme.cpp can fail when a colour change breaks one.
#pragma once
#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::ui {
// Applies the style for the current metrics() and settings; call when they change.
void apply_theme(bool high_contrast, float dpr, float font_scale);
// Loads the UI font at the scale (re-call on DPR or font-size change, before NewFrame).
// `ttf_path` may be empty to use Dear ImGui's built-in font. The font is Liberation Sans
// (PARLEY_UI_FONT, /fonts/ui.ttf in the browser): it has arrows (U+2190..2193) but no
// check marks (U+2713..2717), so status icons are drawn with ImGui primitives.
void load_fonts(const std::string& ttf_path, float dpr, float font_scale);
// The same font rasterised 1.25 times larger, for headings; null before load_fonts or
// when Dear ImGui's built-in font is used.
ImFont* heading_font();

// Colours beyond Dear ImGui's slots, for the theme last applied.
struct Palette {
  ImVec4 on_accent;       // text on a primary button (its fill is ImGuiCol_ButtonActive)
  ImVec4 ok;              // "Online", "Saved": icon and words on the window background
  ImVec4 pending;         // fill of the "records only on this device" badge
  ImVec4 on_pending;      // the badge's icon and words
  ImVec4 draft;           // "Draft not saved yet": icon and words on the window background
};
const Palette& palette();

// A theme's colours without scaling or an ImGui context (for the contrast bench and test).
struct ThemeColours {
  ImVec4 style[ImGuiCol_COUNT];
  Palette palette;
};
ThemeColours theme_colours(bool high_contrast);

// One pair of colours a person must tell apart, and the WCAG 2.2 minimum it must meet:
// 4.5 for text (1.4.3), 3 for large text and for what identifies a control or its state
// (1.4.11).
struct ContrastPair {
  std::string name;
  ImVec4 fg, bg;
  double minimum;
};
std::vector<ContrastPair> contrast_pairs(bool high_contrast);
// WCAG 2.x contrast ratio (1..21) of two colours as drawn: each rounded to 8 bits per
// channel as Dear ImGui does, a translucent `fg` blended over `bg` first.
double contrast_ratio(const ImVec4& fg, const ImVec4& bg);

// "1 record", "2 records", "0 records": a count in correct English.
std::string count_words(std::int64_t n, const char* one, const char* many);
}  // namespace parley::ui
