// ui/widgets.h — the few widgets every screen uses, sized for fingers, and the registry
// behind the hidden DOM mirror.
//
// Each widget draws with Dear ImGui and records what it is (id, role, label, value,
// options, rect) in the frame's mirror list. At the end of the frame the list goes to the
// platform, which keeps an accessible DOM copy of the screen laid over the canvas
// (web-client brief item 18; docs/web-client.md "Accessibility"). It works both ways:
// screen readers and the keyboard use the DOM copy, and what they do there comes back as
// a mirror action the widget applies (a press, typed text, a tick, a choice). The
// end-to-end tests use it too: by role and name, or by a widget's rectangle.
#pragma once
#include <string>
#include <vector>

struct ImVec2;

namespace parley::ui {

// Scale factors for this frame: device pixels per CSS pixel, and the user's font choice.
struct Metrics {
  float dpr = 1.0f;        // devicePixelRatio (1 on most desktops)
  float font_scale = 1.0f;
  float touch() const { return 44.0f * dpr; }   // minimum touch target, device pixels
  float gap() const { return 8.0f * dpr * font_scale; }
};
Metrics& metrics();

// What a text field holds, so the platform offers the right keyboard, autocorrect and
// autofill (web: the DOM field's inputmode, autocapitalize, autocorrect, autocomplete).
enum class FieldKind { Prose, Name, Code, Number, Url, Username, Password, NewPassword };
// Applies to the next input_text / input_secret only. Defaults: multi-line fields are
// Prose, single-line ones Name, secrets Password.
void next_field_kind(FieldKind kind);
const char* field_kind_name(FieldKind kind);
// The name screen readers get for the next widget when its visible label is not enough on
// its own: three "Mark done" buttons become "Mark done: Notify the Board ...". Applies to
// the next widget only.
void next_accessible_name(const std::string& name);

void begin_mirror(const std::string& screen_name);
void end_mirror();            // publishes the frame's list if it changed
// On a lock: drops every copy of the screen's text the UI layer keeps (the last mirror,
// Dear ImGui's edit buffers) and publishes an empty mirror.
void forget_screen_text();

// Widgets. Labels may carry an ImGui id suffix ("Save##discussion"); the mirror strips it.
bool button(const char* label, bool primary = false, float width = 0.0f);
bool danger_button(const char* label, float width = 0.0f);
// A multi-line field wraps its text at the field's width, while it is edited and while it
// is not, and grows with it (ui/text_editor.h is its editor: Dear ImGui 1.86 has none that
// wraps).
bool input_text(const char* label, std::string& value, bool multiline = false, const char* hint = nullptr);
// A PIN or password: drawn masked, and the mirror carries one "•" per character so screen
// readers and tests can tell how much was typed without the secret leaving the canvas.
bool input_secret(const char* label, std::string& value);
bool checkbox(const char* label, bool& value);
// A drop-down list. A label of only "##id" draws no caption (for compact filter rows);
// `width` 0 fills the line.
bool choice(const char* label, int& index, const std::vector<std::string>& options, float width = 0.0f);
// Puts the next item on the current line only if `next_width` (device px) still fits, so
// rows of controls wrap on a phone instead of running past the edge.
void same_line_if_fits(float next_width);
// Width of a checkbox with its label, and of a compact choice showing `text`.
float checkbox_width(const char* label);
// `text` shortened with an ellipsis to fit `max_width` device pixels.
std::string fit_text(const std::string& text, float max_width);
void heading(const std::string& text);
void text(const std::string& text);          // wrapped body text
void muted(const std::string& text);         // secondary text
void warning(const std::string& text);       // coloured, for overdue / needs review
void spacer(float css_px = 8.0f);
// Records the last ImGui item in the mirror (for items drawn without these widgets).
void mirror_last(const char* role, const std::string& label, const std::string& value = {});
// Finger-drag scrolling for the current scrollable window (ImGui 1.86 has none).
void touch_scroll();
// True in the frame a long press lands on the last item (its secondary action).
bool long_pressed();

// For the platform layer: what a person did to the accessible DOM copy of a widget (a
// screen reader, a keyboard, a password manager), by the widget's id in the mirror. The
// widget with that id applies it the next time it is drawn, whether or not it is scrolled
// into view; one not drawn within a few frames is dropped (its screen has gone).
enum class MirrorActionKind { Activate, SetText, SetChecked, SetIndex };
void mirror_action(unsigned id, MirrorActionKind kind, const std::string& text, int number);
// The widget whose DOM copy has keyboard focus (0: none): it is scrolled into view once
// and drawn with the focus ring.
void mirror_focus(unsigned id);
// The mirror JSON last published (for tests).
const std::string& last_published_mirror();
// Escape while a text field is being edited ends the edit and keeps what was typed (Dear
// ImGui's own Escape puts back the old text). Called by the frame before any widget.
void keep_typing_on_escape();

// For the platform layer: the touch drag state it feeds, in device pixels.
struct TouchState {
  bool down = false;
  bool dragging = false;          // moved past the drag threshold: a scroll, not a tap
  float last_y = 0.0f;
  float delta_y = 0.0f;           // accumulated since the last frame
  double down_time = 0.0;
  bool long_press = false;        // this frame carries a long press (at the mouse position)
};
TouchState& touch_state();

}  // namespace parley::ui
