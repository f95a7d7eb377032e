// ui/text_editor.h — the editing model behind multi-line fields: text, caret, selection,
// undo, and the word-wrapped layout the field draws and the caret moves through.
//
// Dear ImGui 1.86 (Debian's) has no word-wrapped editor: its multi-line field scrolls the
// line being typed sideways. Parley's multi-line fields are drawn by widgets.cpp on top of
// this model instead, so the text wraps at the field's width while it is typed, the same
// way it is shown when it is not (issue 12, item 4). Nothing here knows Dear ImGui: widths
// come from a Measure the caller passes (the font's), so the tests use a fixed-width one.
//
// Positions are byte offsets into UTF-8 text, always on a character boundary.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::ui {

// The width of a run of text, in the caller's units.
using Measure = std::function<float(std::string_view)>;

// One line as drawn: bytes [begin, end) of the text. A line broken by the wrap keeps the
// spaces it was broken at (end == next line's begin); a line ended by '\n' stops before it.
struct VisualLine {
  std::size_t begin = 0, end = 0;
};

// Breaks `text` into lines no wider than `width`: after the last space that fits, or
// inside a word longer than the whole width. Empty text (or an empty last line) still has
// a line, where the caret goes.
std::vector<VisualLine> wrap_text(std::string_view text, float width, const Measure& measure);

enum class Move { Left, Right, WordLeft, WordRight, Up, Down, LineStart, LineEnd, TextStart, TextEnd };

class TextEditor {
 public:
  // Starts editing `text` with the caret at its end and no history.
  void open(const std::string& text);
  // The text changed from outside while being edited (a screen reader's copy, a draft
  // restored): take it, keep the caret where it can be.
  void replace(const std::string& text);
  // Wipes the text and its history (a lock: no copy of a record is left behind).
  void forget();

  const std::string& text() const { return text_; }
  std::size_t caret() const { return caret_; }
  std::pair<std::size_t, std::size_t> selection() const;   // [first, last); empty if none
  bool has_selection() const { return caret_ != anchor_; }
  std::string selected_text() const;

  // Typing: replaces the selection. Control characters other than '\n' are dropped, as
  // are bytes that are not UTF-8.
  void type(std::string_view typed);
  void erase(bool forward, bool whole_word);   // Backspace / Delete (with Ctrl: a word)
  void move(Move how, bool extend, const std::vector<VisualLine>& lines, const Measure& measure);
  void place(std::size_t at, bool extend);      // a tap or click
  void select_word_at(std::size_t at);          // a double click
  void select_all();
  bool undo();
  bool redo();

  // Which line the caret is on (at a wrap, the start of the next line), and where in
  // the text a point (line, x) falls.
  static std::size_t line_of(const std::vector<VisualLine>& lines, std::size_t at);
  static std::size_t index_at(std::string_view text, const std::vector<VisualLine>& lines, std::size_t line, float x,
                              const Measure& measure);

 private:
  enum class Edit { None, Typing, Erasing, Other };
  void remember(Edit kind);
  void replace_selection(std::string_view with);

  std::string text_;
  std::size_t caret_ = 0, anchor_ = 0;
  float wanted_x_ = -1;   // Up/Down keep the column they started from
  Edit last_edit_ = Edit::None;
  struct Snapshot {
    std::string text;
    std::size_t caret;
  };
  std::vector<Snapshot> undo_, redo_;
  bool step(std::vector<Snapshot>& from, std::vector<Snapshot>& to);
};

}  // namespace parley::ui
