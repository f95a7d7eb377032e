// ui/theme.h — colours, sizes and fonts for both the normal and high-contrast themes,
// scaled for the device pixel ratio and the user's font-size setting.
#pragma once
#include <string>

namespace parley::ui {
// Applies the style for the current metrics() and settings; call when they change.
void apply_theme(bool high_contrast, float dpr, float font_scale);
// Loads the UI font at the scale (re-call on DPR or font-size change, before NewFrame).
// `ttf_path` may be empty to use Dear ImGui's built-in font.
void load_fonts(const std::string& ttf_path, float dpr, float font_scale);
}  // namespace parley::ui
