// tests/ui/test_text_editor.cpp — the multi-line editing model (ui/text_editor.h): where
// text wraps, and what each key, tap and undo does to the text and the caret. Widths come
// from a fixed-width measure (every character 1 unit), so each row can be read by eye.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "ui/text_editor.h"

using namespace parley::ui;

namespace {

// One unit per character (UTF-8 sequences count once).
const Measure kFixed = [](std::string_view s) {
  float n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) n += 1;
  return n;
};

std::vector<std::string> shown(const std::string& text, float width) {
  std::vector<std::string> out;
  for (const VisualLine& l : wrap_text(text, width, kFixed)) out.push_back(text.substr(l.begin, l.end - l.begin));
  return out;
}

}  // namespace

TEST_CASE("text wraps after the last space that fits, inside a word longer than the line, and at each newline",
          "[text_editor]") {
  struct Row {
    const char* text;
    float width;
    std::vector<std::string> lines;
  };
  const std::vector<Row> rows = {
      {"", 10, {""}},
      {"short", 10, {"short"}},
      {"one two three four", 8, {"one two ", "three ", "four"}},
      {"the agreed assessment", 10, {"the agreed ", "assessment"}},   // a full line keeps its space
      {"discharged", 4, {"disc", "harg", "ed"}},
      {"a  b", 2, {"a  ", "b"}},                     // spaces at the break hang on the line
      {"first\n\nthird", 10, {"first", "", "third"}},
      {"ends with a newline\n", 30, {"ends with a newline", ""}},
      {"caf\xC3\xA9 au lait", 5, {"caf\xC3\xA9 ", "au ", "lait"}},   // é is one character
  };
  for (const auto& row : rows) {
    INFO(row.text << " at width " << row.width);
    CHECK(shown(row.text, row.width) == row.lines);
  }
}

TEST_CASE("keys move the caret through wrapped lines and edit at it", "[text_editor]") {
  // "one two three four" at width 8 shows as "one two " / "three " / "four".
  const std::string text = "one two three four";
  struct Row {
    const char* what;
    std::size_t start;
    std::vector<Move> moves;
    bool extend;
    std::size_t caret;
    std::string selected;
  };
  const std::vector<Row> rows = {
      {"Left from the end", 18, {Move::Left}, false, 17, ""},
      {"Up keeps the column", 16, {Move::Up}, false, 10, ""},   // "fo|ur" -> "th|ree"
      {"Up twice", 16, {Move::Up, Move::Up}, false, 2, ""},
      {"Up on the first line goes to the start", 2, {Move::Up}, false, 0, ""},
      {"Down on the last line goes to the end", 16, {Move::Down}, false, 18, ""},
      {"Down from a long column stops before the next line's space", 7, {Move::Down}, false, 13, ""},
      {"Home goes to the start of the wrapped line", 11, {Move::LineStart}, false, 8, ""},
      {"End on a wrapped line stops before its space", 1, {Move::LineEnd}, false, 7, ""},
      {"word left", 11, {Move::WordLeft}, false, 8, ""},
      {"word right", 0, {Move::WordRight}, false, 4, ""},
      {"Shift+word left selects", 18, {Move::WordLeft}, true, 14, "four"},
      {"Shift+Up selects up to the same column", 18, {Move::Up}, true, 12, "e four"},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    TextEditor editor;
    editor.open(text);
    editor.place(row.start, false);
    auto lines = wrap_text(editor.text(), 8, kFixed);
    for (Move m : row.moves) editor.move(m, row.extend, lines, kFixed);
    CHECK(editor.caret() == row.caret);
    CHECK(editor.selected_text() == row.selected);
  }
}

TEST_CASE("typing, erasing and undo change the text as a text field does", "[text_editor]") {
  struct Row {
    const char* what;
    std::string start;
    std::size_t caret, anchor;
    std::function<void(TextEditor&)> act;
    std::string text;
    std::size_t caret_after;
  };
  const std::vector<Row> rows = {
      {"types at the caret", "Discharge", 0, 0, [](TextEditor& e) { e.type("The "); }, "The Discharge", 4},
      {"replaces the selection", "Discharge went ahead", 10, 14, [](TextEditor& e) { e.type("did not go"); },
       "Discharge did not go ahead", 20},
      {"keeps newlines, drops other control characters", "", 0, 0, [](TextEditor& e) { e.type("a\tb\x01\nc"); },
       "ab\nc", 4},
      {"drops bytes that are not UTF-8", "", 0, 0, [](TextEditor& e) { e.type("a\xC3\x28z\xFF"); }, "a(z", 3},
      {"Backspace removes a whole character", "caf\xC3\xA9", 5, 5, [](TextEditor& e) { e.erase(false, false); }, "caf", 3},
      {"Ctrl+Backspace removes a word", "the agreed plan", 10, 10, [](TextEditor& e) { e.erase(false, true); },
       "the  plan", 4},
      {"Delete at the end does nothing", "plan", 4, 4, [](TextEditor& e) { e.erase(true, false); }, "plan", 4},
      {"Ctrl+Delete removes the next word and its space", "the agreed plan", 4, 4,
       [](TextEditor& e) { e.erase(true, true); }, "the plan", 4},
      {"one undo takes back a run of typing", "", 0, 0,
       [](TextEditor& e) {
         e.type("a");
         e.type("b");
         e.type("c");
         e.undo();
       },
       "", 0},
      {"undo, then redo", "x", 1, 1,
       [](TextEditor& e) {
         e.type("yz");
         e.undo();
         e.redo();
       },
       "xyz", 3},
      {"typing after an undo forgets the redo", "x", 1, 1,
       [](TextEditor& e) {
         e.type("y");
         e.undo();
         e.type("q");
         CHECK_FALSE(e.redo());
       },
       "xq", 2},
      {"a change from outside keeps the caret where it can", "long draft text", 15, 15,
       [](TextEditor& e) { e.replace("short"); }, "short", 5},
      {"double click selects a word", "the agreed plan", 0, 0,
       [](TextEditor& e) {
         e.select_word_at(6);
         e.type("new");
       },
       "the new plan", 7},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    TextEditor editor;
    editor.open(row.start);
    editor.place(row.anchor, false);
    editor.place(row.caret, true);
    row.act(editor);
    CHECK(editor.text() == row.text);
    CHECK(editor.caret() == row.caret_after);
  }
}

TEST_CASE("a tap past the end of a line or below the text lands where a person expects", "[text_editor]") {
  const std::string text = "one two three four";   // "one two " / "three " / "four"
  auto lines = wrap_text(text, 8, kFixed);
  struct Row {
    std::size_t line;
    float x;
    std::size_t at;
  };
  const std::vector<Row> rows = {{0, 0.2f, 0}, {0, 0.6f, 1}, {0, 99, 7}, {1, 2.4f, 10}, {2, 99, 18}};
  for (const auto& row : rows) {
    INFO("line " << row.line << " x " << row.x);
    CHECK(TextEditor::index_at(text, lines, row.line, row.x, kFixed) == row.at);
  }
}

TEST_CASE("forgetting leaves no text and no history to undo into", "[text_editor]") {
  TextEditor editor;
  editor.open("Zebedee Quartermaine");
  editor.type(" was discharged");
  editor.forget();
  CHECK(editor.text().empty());
  CHECK_FALSE(editor.undo());
  CHECK_FALSE(editor.redo());
}
