// ui/theme.cpp — see theme.h. A light theme for daylight use on tablets; high contrast is
// black on white with strong borders and focus colours.
#include "ui/theme.h"

#include <imgui.h>

#include <cstdio>

#include "ui/widgets.h"

namespace parley::ui {

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
  ImVec4* c = style.Colors;
  const ImVec4 teal(0.05f, 0.42f, 0.45f, 1.0f), navy(0.08f, 0.16f, 0.30f, 1.0f);
  c[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.96f, 1);
  c[ImGuiCol_ChildBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Text] = ImVec4(0.08f, 0.08f, 0.10f, 1);
  c[ImGuiCol_TextDisabled] = ImVec4(0.36f, 0.38f, 0.42f, 1);
  c[ImGuiCol_Button] = ImVec4(0.86f, 0.90f, 0.91f, 1);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.78f, 0.86f, 0.87f, 1);
  c[ImGuiCol_ButtonActive] = teal;
  c[ImGuiCol_FrameBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_Border] = ImVec4(0.70f, 0.72f, 0.75f, 1);
  c[ImGuiCol_PlotHistogram] = navy;                              // headings
  c[ImGuiCol_PlotLinesHovered] = ImVec4(0.70f, 0.10f, 0.05f, 1);  // warnings
  c[ImGuiCol_Header] = ImVec4(0.82f, 0.90f, 0.91f, 1);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.74f, 0.86f, 0.87f, 1);
  c[ImGuiCol_HeaderActive] = ImVec4(0.66f, 0.82f, 0.83f, 1);
  c[ImGuiCol_CheckMark] = teal;
  c[ImGuiCol_NavHighlight] = ImVec4(0.95f, 0.55f, 0.0f, 1);
  style.FrameBorderSize = 1;
  if (high_contrast) {
    c[ImGuiCol_WindowBg] = c[ImGuiCol_ChildBg] = c[ImGuiCol_FrameBg] = c[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
    c[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
    c[ImGuiCol_TextDisabled] = ImVec4(0.15f, 0.15f, 0.15f, 1);
    c[ImGuiCol_Border] = ImVec4(0, 0, 0, 1);
    c[ImGuiCol_Button] = ImVec4(1, 1, 0.6f, 1);
    c[ImGuiCol_ButtonHovered] = ImVec4(1, 0.9f, 0.3f, 1);
    c[ImGuiCol_ButtonActive] = ImVec4(0, 0, 0.55f, 1);
    c[ImGuiCol_PlotHistogram] = ImVec4(0, 0, 0, 1);
    c[ImGuiCol_PlotLinesHovered] = ImVec4(0.6f, 0, 0, 1);
    c[ImGuiCol_NavHighlight] = ImVec4(0, 0, 1, 1);
    style.FrameBorderSize = 2;
  }
  style.ScaleAllSizes(dpr * font_scale);
  ImGui::GetStyle() = style;
  metrics().dpr = dpr;
  metrics().font_scale = font_scale;
}

void load_fonts(const std::string& ttf_path, float dpr, float font_scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
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
    }
  }
  if (!font) {
    ImFontConfig cfg;
    cfg.SizePixels = px;
    io.Fonts->AddFontDefault(&cfg);
  }
}

}  // namespace parley::ui
