// ui/widgets.cpp — finger-sized widgets and the DOM-mirror registry (see widgets.h).
#include "ui/widgets.h"

#include <imgui.h>
#include <imgui_internal.h>   // the input-text state and scratch buffer, cleared on a lock
#include <misc/cpp/imgui_stdlib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

#include "ui/platform.h"
#include "ui/text_editor.h"
#include "ui/theme.h"

namespace parley::ui {
namespace {

struct MirrorItem {
  std::string role, label, value;
  ImVec2 min, max;
  bool focused = false;
  ImGuiID id = 0;                    // 0: nothing to act on (text, headings)
  std::vector<std::string> options;  // a choice's options
  std::string kind;                  // a text field's FieldKind; "multiline" appended
};

std::string g_screen;
std::vector<MirrorItem> g_items;
std::string g_last_published;

struct PendingAction {
  ImGuiID id;
  MirrorActionKind kind;
  std::string text;
  int number;
  int frames_left;
};
std::vector<PendingAction> g_actions;
ImGuiID g_dom_focus = 0, g_scrolled_to = 0;
FieldKind g_next_kind = FieldKind::Prose;
bool g_next_kind_set = false;
std::string g_next_name;        // next_accessible_name, for the next recorded widget
float g_display_height = 0;     // last frame's, to notice an on-screen keyboard arriving
int g_shrunk_frames = 0;        // frames left in which a shrunk display re-shows the edited field
// The multi-line field being edited (one at a time, as Dear ImGui has one active item).
TextEditor g_editor;
ImGuiID g_editor_id = 0;

FieldKind take_field_kind(FieldKind fallback) {
  FieldKind k = g_next_kind_set ? g_next_kind : fallback;
  g_next_kind_set = false;
  return k;
}

// The action the DOM copy asked of the last item, if any (consumed).
std::optional<PendingAction> take_action(MirrorActionKind kind, ImGuiID id = ImGui::GetItemID()) {
  for (auto it = g_actions.begin(); it != g_actions.end(); ++it) {
    if (it->id == id && id != 0 && it->kind == kind) {
      PendingAction a = std::move(*it);
      g_actions.erase(it);
      return a;
    }
  }
  return std::nullopt;
}

// The keyboard focus of the DOM copy, drawn on the canvas: a two-tone ring (near-black
// outside, yellow inside, as GOV.UK's focus state) keeps 3:1 against any background.
// The item is scrolled into view once when it gains focus.
void draw_dom_focus(ImGuiID id) {
  if (id == 0 || id != g_dom_focus) return;
  if (g_scrolled_to != id) {
    g_scrolled_to = id;
    ImRect clip = ImGui::GetCurrentWindow()->ClipRect;
    if (ImGui::GetItemRectMin().y < clip.Min.y || ImGui::GetItemRectMax().y > clip.Max.y) ImGui::SetScrollHereY(0.3f);
  }
  float dpr = metrics().dpr;
  ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  dl->AddRect(ImVec2(a.x - 3 * dpr, a.y - 3 * dpr), ImVec2(b.x + 3 * dpr, b.y + 3 * dpr), IM_COL32(11, 12, 12, 255),
              4 * dpr, 0, 3 * dpr);
  dl->AddRect(ImVec2(a.x - 1 * dpr, a.y - 1 * dpr), ImVec2(b.x + 1 * dpr, b.y + 1 * dpr), IM_COL32(255, 221, 0, 255),
              3 * dpr, 0, 2 * dpr);
}

std::string visible(const char* label) {
  std::string s(label);
  auto pos = s.find("##");
  return pos == std::string::npos ? s : s.substr(0, pos);
}

MirrorItem& record(const char* role, const std::string& label, const std::string& value = {}, bool actionable = false,
                   ImGuiID known_id = 0) {
  ImGuiID id = !actionable ? 0 : known_id ? known_id : ImGui::GetItemID();
  std::string name = g_next_name.empty() ? label : std::move(g_next_name);
  g_next_name.clear();
  g_items.push_back({role, name, value, ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), ImGui::IsItemFocused(), id,
                     {}, {}});
  draw_dom_focus(id);
  return g_items.back();
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
  g_next_name.clear();
  // The display got shorter (an on-screen keyboard took the bottom of the viewport): for a
  // few frames, while the canvas settles, the field being edited is scrolled back into view.
  float height = ImGui::GetIO().DisplaySize.y;
  if (g_display_height > 0 && height < g_display_height - 1) g_shrunk_frames = 3;
  else if (g_shrunk_frames > 0) --g_shrunk_frames;
  g_display_height = height;
  // Actions for widgets no longer drawn (their screen has gone) are dropped.
  for (auto& a : g_actions) --a.frames_left;
  g_actions.erase(std::remove_if(g_actions.begin(), g_actions.end(), [](const PendingAction& a) { return a.frames_left < 0; }),
                  g_actions.end());
}

void mirror_action(unsigned id, MirrorActionKind kind, const std::string& text, int number) {
  g_actions.push_back({static_cast<ImGuiID>(id), kind, text, number, 4});
}

void mirror_focus(unsigned id) {
  g_dom_focus = static_cast<ImGuiID>(id);
  if (id == 0) g_scrolled_to = 0;
}

const std::string& last_published_mirror() { return g_last_published; }

void keep_typing_on_escape() {
  ImGuiContext& g = *GImGui;
  if (g.ActiveId != 0 && g.ActiveId == g.InputTextState.ID && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false))
    ImGui::ClearActiveID();
}

void next_accessible_name(const std::string& name) { g_next_name = name; }

void next_field_kind(FieldKind kind) {
  g_next_kind = kind;
  g_next_kind_set = true;
}

const char* field_kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::Prose: return "prose";
    case FieldKind::Name: return "name";
    case FieldKind::Code: return "code";
    case FieldKind::Number: return "number";
    case FieldKind::Url: return "url";
    case FieldKind::Username: return "username";
    case FieldKind::Password: return "password";
    case FieldKind::NewPassword: return "new-password";
  }
  return "prose";
}

void end_mirror() {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : g_items) {
    nlohmann::json item = {{"role", i.role},
                           {"label", i.label},
                           {"value", i.value},
                           {"focused", i.focused},
                           {"id", i.id},
                           // CSS pixels, relative to the canvas.
                           {"x", i.min.x / metrics().dpr},
                           {"y", i.min.y / metrics().dpr},
                           {"w", (i.max.x - i.min.x) / metrics().dpr},
                           {"h", (i.max.y - i.min.y) / metrics().dpr}};
    if (!i.options.empty()) item["options"] = i.options;
    if (!i.kind.empty()) item["kind"] = i.kind;
    items.push_back(std::move(item));
  }
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
  std::vector<PendingAction>().swap(g_actions);   // typed text the DOM copy sent, not yet applied
  platform::publish_mirror(R"({"screen":"unlock","items":[]})");
  // Dear ImGui's copies of text being edited and its scratch buffer (no context: nothing
  // was drawn, as in the app-model tests).
  if (ImGuiContext* g = GImGui) {
    ImGui::ClearActiveID();
    g->InputTextState.ClearFreeMemory();
    g_editor.forget();
    g_editor_id = 0;
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
  if (take_action(MirrorActionKind::Activate)) pressed = true;
  record("button", visible(label), {}, true);
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
// A text field's id, known before it is drawn: a multi-line field scrolled out of view
// reports no item id of its own (Dear ImGui skips its child window), and the DOM copy
// must still be able to type into it.
ImGuiID field_id(const char* label) { return ImGui::GetID((std::string("##field_") + label).c_str()); }

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

// A field's caption, wrapped at the window's edge: long ones ("With whom (names, job
// titles and agencies, separate people with ;)") were cut off on a phone.
void caption(const std::string& words) {
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(words.c_str());
  ImGui::PopTextWrapPos();
}

// Where a text field is and whether it is being edited. A multi-line field's own item is
// its child window, which Dear ImGui skips when scrolled out of view (even while it is
// being edited), so its box is measured by the caller.
struct FieldBox {
  bool active = false, opened = false;   // opened: became active this frame
  ImVec2 min, max;
};
FieldBox last_item_box() {
  return {ImGui::IsItemActive(), ImGui::IsItemActivated(), ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

// The text before the caret of the field `id` being edited (see platform::text_input).
std::string text_before_caret(ImGuiID id) {
  if (g_editor_id == id) return g_editor.text().substr(0, g_editor.caret());
  const ImGuiInputTextState& state = GImGui->InputTextState;
  if (state.ID != id) return {};
  int caret = std::clamp(state.Stb.cursor, 0, state.CurLenW);
  std::string out(static_cast<std::size_t>(caret) * 4 + 1, '\0');
  out.resize(static_cast<std::size_t>(ImTextStrToUtf8(out.data(), static_cast<int>(out.size()), state.TextW.Data,
                                                      state.TextW.Data + caret)));
  return out;
}

// `secret`: a PIN or password, whose text never leaves the canvas (whatever its kind).
void follow_caret(const std::string& label, FieldKind kind, const FieldBox& box, ImGuiID id, bool secret = false) {
  if (!box.active) return;
  // Just opened, or the display shrank under it (an on-screen keyboard): the field is
  // scrolled to the middle of what can be seen, not left under the keyboard.
  ImGuiWindow* window = ImGui::GetCurrentWindow();
  const ImRect& clip = window->ClipRect;
  bool hidden = box.max.y > clip.Max.y || box.min.y < clip.Min.y;
  if (hidden && (g_shrunk_frames > 0 || box.opened))
    ImGui::SetScrollY(window->Scroll.y + (box.min.y + box.max.y) / 2 - (clip.Min.y + clip.Max.y) / 2);
  // Keep the hidden text field (and so the on-screen keyboard) at the caret's line, named
  // after the field for screen readers, with the keyboard and autofill the field needs.
  const Metrics& m = metrics();
  std::string kind_name = std::string(field_kind_name(kind)) + (secret ? " secret" : "");
  platform::text_input(true, box.min.x / m.dpr, box.min.y / m.dpr, (box.max.y - box.min.y) / m.dpr, label,
                       kind_name.c_str(), secret ? std::string() : text_before_caret(id));
}

// Typed text the DOM copy sent for the last item (a screen reader's or password manager's
// field): applied as if typed here.
bool apply_text_action(std::string& value, ImGuiID id) {
  auto a = take_action(MirrorActionKind::SetText, id);
  if (!a) return false;
  value = a->text;
  return true;
}
Measure font_measure() {
  ImFont* font = ImGui::GetFont();
  float size = ImGui::GetFontSize();
  return [font, size](std::string_view s) { return font->CalcTextSizeA(size, FLT_MAX, 0, s.data(), s.data() + s.size()).x; };
}

bool key(ImGuiKey k) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k), true); }

// Starts editing when the field is tapped, or reached by Tab or keyboard navigation.
bool start_editing(ImGuiID id, bool hovered, const std::string& value) {
  ImGuiContext& g = *GImGui;
  bool tabbed = (g.LastItemData.StatusFlags & ImGuiItemStatusFlags_FocusedByTabbing) != 0;
  bool by_nav = g.NavActivateInputId == id || (g.NavActivateId == id && g.NavInputSource == ImGuiInputSource_Keyboard);
  if (!(hovered && g.IO.MouseClicked[0]) && !tabbed && !by_nav) return false;
  ImGuiWindow* window = g.CurrentWindow;
  ImGui::SetActiveID(id, window);
  ImGui::SetFocusID(id, window);
  ImGui::FocusWindow(window);
  // The arrows, Home/End, Page keys and Escape are the field's while it is edited.
  g.ActiveIdUsingNavDirMask |= (1 << ImGuiDir_Left) | (1 << ImGuiDir_Right) | (1 << ImGuiDir_Up) | (1 << ImGuiDir_Down);
  g.ActiveIdUsingNavInputMask |= (1 << ImGuiNavInput_Cancel);
  g.ActiveIdUsingKeyInputMask |= (ImU64{1} << ImGuiKey_Home) | (ImU64{1} << ImGuiKey_End) |
                                 (ImU64{1} << ImGuiKey_PageUp) | (ImU64{1} << ImGuiKey_PageDown);
  g_editor_id = id;
  g_editor.open(value);
  return true;
}

// Keys and typed characters for the field being edited; false when it should stop.
bool edit_keys(const std::vector<VisualLine>& lines, const Measure& measure) {
  ImGuiIO& io = ImGui::GetIO();
  bool shortcut = io.ConfigMacOSXBehaviors ? io.KeySuper : io.KeyCtrl;
  bool word = io.ConfigMacOSXBehaviors ? io.KeyAlt : io.KeyCtrl;
  bool shift = io.KeyShift;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) return false;   // keeps the text
  // Characters first, then keys (as Dear ImGui's fields): text delivered in the frame a
  // Backspace arrives was typed before it. Characters typed while Ctrl is held are
  // shortcuts, not text.
  if (!(io.KeyCtrl && !io.KeyAlt) && !(io.ConfigMacOSXBehaviors && io.KeySuper)) {
    std::string typed;
    for (ImWchar c : io.InputQueueCharacters) {
      char utf8[5] = {};
      ImTextCharToUtf8(utf8, c);
      typed += c == '\r' ? "\n" : utf8;
    }
    g_editor.type(typed);
  }
  struct Binding {
    ImGuiKey key;
    Move plain, with_word;
  };
  static const Binding moves[] = {{ImGuiKey_LeftArrow, Move::Left, Move::WordLeft},
                                  {ImGuiKey_RightArrow, Move::Right, Move::WordRight},
                                  {ImGuiKey_UpArrow, Move::Up, Move::TextStart},
                                  {ImGuiKey_DownArrow, Move::Down, Move::TextEnd},
                                  {ImGuiKey_Home, Move::LineStart, Move::TextStart},
                                  {ImGuiKey_End, Move::LineEnd, Move::TextEnd}};
  for (const Binding& b : moves)
    if (key(b.key)) g_editor.move(word || shortcut ? b.with_word : b.plain, shift, lines, measure);
  if (key(ImGuiKey_Backspace)) g_editor.erase(false, word);
  if (key(ImGuiKey_Delete)) g_editor.erase(true, word);
  if (key(ImGuiKey_Enter) || key(ImGuiKey_KeyPadEnter)) g_editor.type("\n");
  if (shortcut && key(ImGuiKey_A)) g_editor.select_all();
  if (shortcut && (key(ImGuiKey_C) || key(ImGuiKey_X)) && g_editor.has_selection()) {
    ImGui::SetClipboardText(g_editor.selected_text().c_str());
    if (key(ImGuiKey_X)) g_editor.erase(false, false);
  }
  if (shortcut && key(ImGuiKey_V))
    if (const char* pasted = ImGui::GetClipboardText()) g_editor.type(pasted);
  if (shortcut && key(ImGuiKey_Z)) shift ? g_editor.redo() : g_editor.undo();
  if (shortcut && key(ImGuiKey_Y)) g_editor.redo();
  return true;
}

// Where a tap or drag at `mouse` falls in the text.
std::size_t index_under(ImVec2 mouse, ImVec2 text_origin, const std::vector<VisualLine>& lines, const Measure& measure) {
  float row = std::floor((mouse.y - text_origin.y) / ImGui::GetTextLineHeight());
  if (row >= static_cast<float>(lines.size())) return g_editor.text().size();   // below the text: its end
  auto line = static_cast<std::size_t>(std::max(0.0f, row));
  return TextEditor::index_at(g_editor.text(), lines, line, mouse.x - text_origin.x, measure);
}

void edit_pointer(bool hovered, ImVec2 text_origin, const std::vector<VisualLine>& lines, const Measure& measure) {
  ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseClicked[0]) {
    std::size_t at = index_under(io.MousePos, text_origin, lines, measure);
    if (io.MouseDoubleClicked[0]) g_editor.select_word_at(at);
    else g_editor.place(at, io.KeyShift);
  } else if (io.MouseDown[0] && !touch_state().down && ImGui::IsMouseDragging(0)) {
    // A mouse drag selects; a finger drag scrolls the page (touch_scroll).
    g_editor.place(index_under(io.MousePos, text_origin, lines, measure), true);
  }
}

// Draws the text in its lines, the selection behind it and the caret.
void draw_editor_text(const std::string& text, const std::vector<VisualLine>& lines, ImVec2 origin, bool editing,
                      const Measure& measure) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float line = ImGui::GetTextLineHeight();
  const ImRect& clip = ImGui::GetCurrentWindow()->ClipRect;
  std::string_view all(text);
  auto [first, last] = editing ? g_editor.selection() : std::pair<std::size_t, std::size_t>{0, 0};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    float y = origin.y + static_cast<float>(i) * line;
    if (y + line < clip.Min.y || y > clip.Max.y) continue;
    const VisualLine& l = lines[i];
    // The selection's part on this line; one that runs on past the line's end also covers
    // a little of the space after it, as editors show a selected line break.
    std::size_t from = std::max(first, l.begin), to = std::min(last, l.end);
    bool runs_on = first <= l.end && last > l.end;
    if (first < last && from <= to && (from < to || runs_on)) {
      float x0 = measure(all.substr(l.begin, from - l.begin));
      float x1 = measure(all.substr(l.begin, to - l.begin)) + (runs_on ? ImGui::GetFontSize() / 4 : 0);
      dl->AddRectFilled(ImVec2(origin.x + x0, y), ImVec2(origin.x + x1, y + line), ImGui::GetColorU32(ImGuiCol_TextSelectedBg));
    }
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(origin.x, y), ImGui::GetColorU32(ImGuiCol_Text),
                text.data() + l.begin, text.data() + l.end);
  }
  if (!editing) return;
  std::size_t at = TextEditor::line_of(lines, g_editor.caret());
  float x = origin.x + measure(all.substr(lines[at].begin, g_editor.caret() - lines[at].begin));
  float y = origin.y + static_cast<float>(at) * line;
  dl->AddLine(ImVec2(x, y), ImVec2(x, y + line), ImGui::GetColorU32(ImGuiCol_Text), std::max(1.0f, metrics().dpr));
  GImGui->PlatformImePos = ImVec2(x, y + line);
}

// The caret's line kept in view while it moves: the field can be taller than the screen.
void scroll_to_caret(float caret_top, float caret_bottom) {
  ImGuiWindow* window = ImGui::GetCurrentWindow();
  const ImRect& clip = window->ClipRect;
  if (caret_bottom > clip.Max.y) ImGui::SetScrollY(window->Scroll.y + caret_bottom - clip.Max.y);
  else if (caret_top < clip.Min.y) ImGui::SetScrollY(window->Scroll.y - (clip.Min.y - caret_top));
}

// A multi-line field that wraps its text at its width, while it is typed and while it is
// not, and grows with it (at least 4 lines; the page scrolls, not the field). Dear ImGui
// 1.86 has no word-wrapped editor, so the editing is ui/text_editor.h's and only the
// frame, colours and focus rules are Dear ImGui's.
bool multiline_field(const std::string& id_text, std::string& value, FieldBox& box) {
  ImGuiContext& g = *GImGui;
  const ImGuiStyle& style = g.Style;
  ImGuiID id = ImGui::GetID(id_text.c_str());
  bool editing = g.ActiveId == id && g_editor_id == id;
  if (editing) g_editor.replace(value);   // typed into the DOM copy, or a draft restored
  Measure measure = font_measure();
  float width = ImGui::GetContentRegionAvail().x;
  float wrap = std::max(ImGui::GetFontSize(), width - style.FramePadding.x * 2);
  float line = ImGui::GetTextLineHeight();
  auto lines = wrap_text(editing ? g_editor.text() : value, wrap, measure);
  float rows = std::max(4.0f, static_cast<float>(lines.size()) + 1);
  float height = std::max(metrics().touch() * 2.5f, rows * line + style.FramePadding.y * 2);
  ImVec2 top = ImGui::GetCursorScreenPos();
  ImRect bb(top, ImVec2(top.x + width, top.y + height));
  ImVec2 origin(top.x + style.FramePadding.x, top.y + style.FramePadding.y);
  ImGui::ItemSize(bb, style.FramePadding.y);
  if (editing) ImGui::KeepAliveID(id);   // edited even while scrolled out of view
  bool shown = ImGui::ItemAdd(bb, id, nullptr, ImGuiItemFlags_Inputable);
  bool hovered = shown && ImGui::ItemHoverable(bb, id);
  if (hovered) g.MouseCursor = ImGuiMouseCursor_TextInput;
  box.min = bb.Min;
  box.max = bb.Max;
  box.opened = !editing && start_editing(id, hovered, value);
  if (editing && g.IO.MouseClicked[0] && !hovered) {
    ImGui::ClearActiveID();   // a tap elsewhere ends the edit
    editing = false;
  }
  bool changed = false;
  if (editing || box.opened) {
    std::size_t caret_before = g_editor.caret();
    edit_pointer(hovered, origin, lines, measure);
    if (!edit_keys(lines, measure)) ImGui::ClearActiveID();
    changed = g_editor.text() != value;
    if (changed) value = g_editor.text();
    lines = wrap_text(value, wrap, measure);
    g.WantTextInputNextFrame = 1;
    if (changed || g_editor.caret() != caret_before) {
      float caret_top = origin.y + static_cast<float>(TextEditor::line_of(lines, g_editor.caret())) * line;
      scroll_to_caret(caret_top, caret_top + line + style.FramePadding.y);
    }
  }
  box.active = g.ActiveId == id;
  if (!shown) return changed;
  ImGui::RenderNavHighlight(bb, id);
  ImGui::RenderFrame(bb.Min, bb.Max, ImGui::GetColorU32(ImGuiCol_FrameBg), true, style.FrameRounding);
  ImGui::PushClipRect(bb.Min, bb.Max, true);
  draw_editor_text(value, lines, origin, box.active, measure);
  ImGui::PopClipRect();
  return changed;
}
}  // namespace

bool input_secret(const char* label, std::string& value) {
  FieldKind kind = take_field_kind(FieldKind::Password);
  caption(visible(label));
  ImGuiID field = field_id(label);
  bool changed = single_line_field(label, value, nullptr, ImGuiInputTextFlags_Password);
  FieldBox box = last_item_box();
  changed |= apply_text_action(value, field);
  std::string masked;
  for (unsigned char c : value)
    if ((c & 0xC0) != 0x80) masked += "\u2022";
  record("textbox", visible(label), masked, true, field).kind = std::string(field_kind_name(kind)) + " secret";
  follow_caret(visible(label), kind, box, field, true);
  return changed;
}

bool input_text(const char* label, std::string& value, bool multiline, const char* hint) {
  FieldKind kind = take_field_kind(multiline ? FieldKind::Prose : FieldKind::Name);
  caption(visible(label));
  std::string id = std::string("##field_") + label;
  ImGuiID field = field_id(label);
  ImGui::SetNextItemWidth(-1);
  bool changed;
  FieldBox box;
  if (multiline) {
    changed = multiline_field(id, value, box);
  } else {
    changed = single_line_field(label, value, hint, 0);
    box = last_item_box();
  }
  changed |= apply_text_action(value, field);
  MirrorItem& item = record("textbox", visible(label), value, true, field);
  item.kind = std::string(field_kind_name(kind)) + (multiline ? " multiline" : "");
  item.min = box.min;   // a clipped multi-line field's last item is not the field
  item.max = box.max;
  follow_caret(visible(label), kind, box, field);
  return changed;
}

bool checkbox(const char* label, bool& value) {
  const Metrics& m = metrics();
  float pad = std::max(0.0f, (m.touch() - ImGui::GetTextLineHeight()) / 2);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(pad, pad));
  bool changed = ImGui::Checkbox(label, &value);
  ImGui::PopStyleVar();
  if (auto a = take_action(MirrorActionKind::SetChecked)) {
    changed = changed || value != (a->number != 0);
    value = a->number != 0;
  }
  record("checkbox", visible(label), value ? "checked" : "unchecked", true);
  return changed;
}

bool choice(const char* label, int& index, const std::vector<std::string>& options, float width) {
  const Metrics& m = metrics();
  if (!visible(label).empty()) caption(visible(label));
  std::string id = std::string("##choice_") + label;
  ImGui::SetNextItemWidth(width > 0 ? width : -1);
  float pad = std::max(ImGui::GetStyle().FramePadding.y, (m.touch() - ImGui::GetTextLineHeight()) / 2);
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, pad));
  bool changed = false;
  // The choice shown is shortened with an ellipsis to fit beside the arrow (a Board's long
  // name was cut mid-word on a phone).
  float box_width = width > 0 ? width : ImGui::GetContentRegionAvail().x;
  std::string preview = fit_text(index >= 0 && index < static_cast<int>(options.size()) ? options[index] : "Choose…",
                                 box_width - ImGui::GetFrameHeight() - ImGui::GetStyle().FramePadding.x * 2);
  if (ImGui::BeginCombo(id.c_str(), preview.c_str(), ImGuiComboFlags_HeightLarge)) {
    for (int i = 0; i < static_cast<int>(options.size()); ++i) {
      bool selected = i == index;
      if (ImGui::Selectable(options[i].c_str(), selected, 0, ImVec2(0, m.touch())) ||
          take_action(MirrorActionKind::Activate)) {
        index = i;
        changed = true;
        ImGui::CloseCurrentPopup();
      }
      record("option", options[i], selected ? "selected" : "", true);
    }
    ImGui::EndCombo();
  }
  ImGui::PopStyleVar();
  // A caption-less choice ("##stage filter") is still named for screen readers and tests.
  std::string name = visible(label).empty() ? std::string(label).substr(2) : visible(label);
  if (auto a = take_action(MirrorActionKind::SetIndex); a && a->number >= 0 && a->number < static_cast<int>(options.size())) {
    changed = changed || index != a->number;
    index = a->number;
  }
  record("combobox", name, index >= 0 && index < static_cast<int>(options.size()) ? options[index] : "", true).options =
      options;
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
  // The heading font is rasterised at its own size (theme.cpp); scaling the body font's
  // glyphs made headings soft at 1x.
  ImFont* font = heading_font();
  if (font) ImGui::PushFont(font);
  else ImGui::SetWindowFontScale(1.25f);
  ImGui::TextWrapped("%s", t.c_str());
  if (font) ImGui::PopFont();
  else ImGui::SetWindowFontScale(1.0f);
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

void mirror_last(const char* role, const std::string& label, const std::string& value) {
  std::string r(role);
  bool actionable = r == "link" || r == "button";
  // A press from the DOM copy reaches an item drawn without these widgets (a list row's
  // Selectable) through Dear ImGui's own programmatic activation, one frame later.
  if (actionable && take_action(MirrorActionKind::Activate)) ImGui::ActivateItem(ImGui::GetItemID());
  record(role, label, value, actionable);
}

void spacer(float css_px) { ImGui::Dummy(ImVec2(1, css_px * metrics().dpr)); }

void touch_scroll() {
  TouchState& t = touch_state();
  // A multi-line field being edited does not hold the page still: a finger drag that starts
  // on it scrolls, as in a native app (Dear ImGui counts the window as blocked by it).
  ImGuiHoveredFlags flags = ImGuiHoveredFlags_ChildWindows;
  if (GImGui->ActiveId != 0 && GImGui->ActiveId == g_editor_id) flags |= ImGuiHoveredFlags_AllowWhenBlockedByActiveItem;
  if (t.dragging && t.delta_y != 0.0f && ImGui::IsWindowHovered(flags)) {
    ImGui::SetScrollY(ImGui::GetScrollY() - t.delta_y);
    t.delta_y = 0.0f;
  }
}

bool long_pressed() {
  return touch_state().long_press && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem);
}

}  // namespace parley::ui
