// ui/widgets.cpp — finger-sized widgets and the DOM-mirror registry (see widgets.h).
#include "ui/widgets.h"

#include <imgui.h>
#include <imgui_internal.h>   // the input-text state and scratch buffer, cleared on a lock
#include <misc/cpp/imgui_stdlib.h>

#include <nlohmann/json.hpp>

#include <cstring>

#include "ui/platform.h"

namespace parley::ui {
namespace {

struct MirrorItem {
  std::string role, label, value;
  ImVec2 min, max;
  bool focused = false;
};

std::string g_screen;
std::vector<MirrorItem> g_items;
std::string g_last_published;

std::string visible(const char* label) {
  std::string s(label);
  auto pos = s.find("##");
  return pos == std::string::npos ? s : s.substr(0, pos);
}

void record(const char* role, const std::string& label, const std::string& value = {}) {
  g_items.push_back({role, label, value, ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), ImGui::IsItemFocused()});
}

ImVec4 accent() { return ImGui::GetStyle().Colors[ImGuiCol_ButtonActive]; }

}  // namespace

Metrics& metrics() {
  static Metrics m;
  return m;
}

TouchState& touch_state() {
  static TouchState t;
  return t;
}

void begin_mirror(const std::string& screen_name) {
  g_screen = screen_name;
  g_items.clear();
}

void end_mirror() {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : g_items)
    items.push_back({{"role", i.role},
                     {"label", i.label},
                     {"value", i.value},
                     {"focused", i.focused},
                     // CSS pixels, relative to the canvas.
                     {"x", i.min.x / metrics().dpr},
                     {"y", i.min.y / metrics().dpr},
                     {"w", (i.max.x - i.min.x) / metrics().dpr},
                     {"h", (i.max.y - i.min.y) / metrics().dpr}});
  std::string json = nlohmann::json{{"screen", g_screen}, {"items", items}}.dump();
  if (json != g_last_published) {
    // Swapped, not assigned: assigning reuses the old buffer and would leave the tail of a
    // longer earlier screen (names, summaries) in memory after a lock.
    g_last_published.swap(json);
    platform::publish_mirror(g_last_published);
  }
}

void forget_screen_text() {
  std::string().swap(g_last_published);   // freed, and zeroed (ui/zero_on_free.cpp)
  std::vector<MirrorItem>().swap(g_items);
  platform::publish_mirror(R"({"screen":"unlock","items":[]})");
  // Dear ImGui's copies of text being edited and its scratch buffer (no context: nothing
  // was drawn, as in the app-model tests).
  if (ImGuiContext* g = GImGui) {
    ImGui::ClearActiveID();
    g->InputTextState.ClearFreeMemory();
    std::memset(g->TempBuffer, 0, sizeof g->TempBuffer);
  }
}

bool button(const char* label, bool primary, float width) {
  const Metrics& m = metrics();
  ImVec2 text = ImGui::CalcTextSize(label, nullptr, true);
  ImVec2 pad = ImGui::GetStyle().FramePadding;
  ImVec2 size(width > 0 ? width : text.x + pad.x * 2, std::max(m.touch(), text.y + pad.y * 2));
  if (width < 0) size.x = ImGui::GetContentRegionAvail().x;
  if (primary) {
    ImGui::PushStyleColor(ImGuiCol_Button, accent());
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
  }
  bool pressed = ImGui::Button(label, size);
  if (primary) ImGui::PopStyleColor(2);
  record("button", visible(label));
  return pressed;
}

bool danger_button(const char* label, float width) {
  ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.70f, 0.16f, 0.16f, 1.0f));
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(0.80f, 0.22f, 0.22f, 1.0f));
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
  bool pressed = button(label, false, width);
  ImGui::PopStyleColor(3);
  return pressed;
}

namespace {
bool single_line_field(const char* label, std::string& value, const char* hint, ImGuiInputTextFlags flags) {
  const Metrics& m = metrics();
  std::string id = std::string("##field_") + label;
  ImGui::SetNextItemWidth(-1);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding,
                      ImVec2(ImGui::GetStyle().FramePadding.x, std::max(ImGui::GetStyle().FramePadding.y, (m.touch() - ImGui::GetTextLineHeight()) / 2)));
  bool changed = hint ? ImGui::InputTextWithHint(id.c_str(), hint, &value, flags) : ImGui::InputText(id.c_str(), &value, flags);
  ImGui::PopStyleVar();
  return changed;
}

void follow_caret() {
  if (!ImGui::IsItemActive()) return;
  // Keep the hidden text field (and so the on-screen keyboard) at the caret's line.
  const Metrics& m = metrics();
  ImVec2 r = ImGui::GetItemRectMin();
  platform::text_input(true, r.x / m.dpr, r.y / m.dpr, ImGui::GetItemRectSize().y / m.dpr);
}
}  // namespace

bool input_secret(const char* label, std::string& value) {
  ImGui::TextUnformatted(visible(label).c_str());
  bool changed = single_line_field(label, value, nullptr, ImGuiInputTextFlags_Password);
  std::string masked;
  for (unsigned char c : value)
    if ((c & 0xC0) != 0x80) masked += "\u2022";
  record("textbox", visible(label), masked);
  follow_caret();
  return changed;
}

bool input_text(const char* label, std::string& value, bool multiline, const char* hint) {
  const Metrics& m = metrics();
  ImGui::TextUnformatted(visible(label).c_str());
  std::string id = std::string("##field_") + label;
  ImGui::SetNextItemWidth(-1);
  bool changed;
  if (multiline) {
    changed = ImGui::InputTextMultiline(id.c_str(), &value, ImVec2(-1, std::max(m.touch() * 2.5f, ImGui::GetTextLineHeight() * 4)));
  } else {
    changed = single_line_field(label, value, hint, 0);
  }
  record("textbox", visible(label), value);
  follow_caret();
  return changed;
}

bool checkbox(const char* label, bool& value) {
  const Metrics& m = metrics();
  float pad = std::max(0.0f, (m.touch() - ImGui::GetTextLineHeight()) / 2);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(pad, pad));
  bool changed = ImGui::Checkbox(label, &value);
  ImGui::PopStyleVar();
  record("checkbox", visible(label), value ? "checked" : "unchecked");
  return changed;
}

bool choice(const char* label, int& index, const std::vector<std::string>& options, float width) {
  const Metrics& m = metrics();
  if (!visible(label).empty()) ImGui::TextUnformatted(visible(label).c_str());
  std::string id = std::string("##choice_") + label;
  ImGui::SetNextItemWidth(width > 0 ? width : -1);
  float pad = std::max(ImGui::GetStyle().FramePadding.y, (m.touch() - ImGui::GetTextLineHeight()) / 2);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, pad));
  bool changed = false;
  const char* preview = index >= 0 && index < static_cast<int>(options.size()) ? options[index].c_str() : "Choose…";
  if (ImGui::BeginCombo(id.c_str(), preview, ImGuiComboFlags_HeightLarge)) {
    for (int i = 0; i < static_cast<int>(options.size()); ++i) {
      bool selected = i == index;
      if (ImGui::Selectable(options[i].c_str(), selected, 0, ImVec2(0, m.touch()))) {
        index = i;
        changed = true;
      }
      record("option", options[i], selected ? "selected" : "");
    }
    ImGui::EndCombo();
  }
  ImGui::PopStyleVar();
  // A caption-less choice ("##stage filter") is still named for screen readers and tests.
  std::string name = visible(label).empty() ? std::string(label).substr(2) : visible(label);
  record("combobox", name, index >= 0 && index < static_cast<int>(options.size()) ? options[index] : "");
  return changed;
}

void same_line_if_fits(float next_width) {
  float spacing = ImGui::GetStyle().ItemSpacing.x;
  float right = ImGui::GetItemRectMax().x + spacing + next_width;
  float limit = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (right <= limit) ImGui::SameLine();
}

float checkbox_width(const char* label) {
  const Metrics& m = metrics();
  float box = std::max(m.touch(), ImGui::GetTextLineHeight());
  return box + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label, nullptr, true).x;
}

std::string fit_text(const std::string& t, float max_width) {
  if (ImGui::CalcTextSize(t.c_str()).x <= max_width) return t;
  const char* ellipsis = "…";
  float room = std::max(0.0f, max_width - ImGui::CalcTextSize(ellipsis).x);
  // CalcTextSizeA stops at the last whole character that fits within `room`.
  const char* stop = nullptr;
  ImGui::GetFont()->CalcTextSizeA(ImGui::GetFontSize(), room, 0.0f, t.data(), t.data() + t.size(), &stop);
  std::size_t cut = stop ? static_cast<std::size_t>(stop - t.data()) : 0;
  return t.substr(0, cut) + ellipsis;
}

void heading(const std::string& t) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_PlotHistogram]);
  ImGui::SetWindowFontScale(1.25f);
  ImGui::TextWrapped("%s", t.c_str());
  ImGui::SetWindowFontScale(1.0f);
  ImGui::PopStyleColor();
  record("heading", t);
}

void text(const std::string& t) {
  ImGui::TextWrapped("%s", t.c_str());
  record("text", t);
}

void muted(const std::string& t) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
  ImGui::TextWrapped("%s", t.c_str());
  ImGui::PopStyleColor();
  record("text", t);
}

void warning(const std::string& t) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered]);
  ImGui::TextWrapped("%s", t.c_str());
  ImGui::PopStyleColor();
  record("alert", t);
}

void mirror_last(const char* role, const std::string& label, const std::string& value) { record(role, label, value); }

void spacer(float css_px) { ImGui::Dummy(ImVec2(1, css_px * metrics().dpr)); }

void touch_scroll() {
  TouchState& t = touch_state();
  if (t.dragging && t.delta_y != 0.0f && ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows)) {
    ImGui::SetScrollY(ImGui::GetScrollY() - t.delta_y);
    t.delta_y = 0.0f;
  }
}

bool long_pressed() {
  return touch_state().long_press && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);
}

}  // namespace parley::ui
