// ui/text_editor.cpp — the multi-line editing model and its word-wrapped layout (see
// text_editor.h).
#include "ui/text_editor.h"

#include <algorithm>
#include <limits>

namespace parley::ui {
namespace {

constexpr std::size_t kMostUndoSteps = 100;

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::size_t next_char(std::string_view text, std::size_t at) {
  if (at >= text.size()) return text.size();
  ++at;
  while (at < text.size() && continuation(static_cast<unsigned char>(text[at]))) ++at;
  return at;
}

std::size_t previous_char(std::string_view text, std::size_t at) {
  if (at == 0) return 0;
  --at;
  while (at > 0 && continuation(static_cast<unsigned char>(text[at]))) --at;
  return at;
}

bool blank(char c) { return c == ' ' || c == '\n' || c == '\t'; }

// Ctrl+Left / Ctrl+Backspace: to the start of this word (or of the previous one).
std::size_t word_start(std::string_view text, std::size_t at) {
  while (at > 0 && blank(text[at - 1])) --at;
  while (at > 0 && !blank(text[at - 1])) at = previous_char(text, at);
  return at;
}

// Ctrl+Right / Ctrl+Delete: past this word and the spaces after it.
std::size_t word_end(std::string_view text, std::size_t at) {
  while (at < text.size() && !blank(text[at])) at = next_char(text, at);
  while (at < text.size() && blank(text[at])) ++at;
  return at;
}

// The length of a valid UTF-8 sequence starting at `at`, or 0.
std::size_t utf8_length(std::string_view s, std::size_t at) {
  auto c = static_cast<unsigned char>(s[at]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || at + n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if (!continuation(static_cast<unsigned char>(s[at + i]))) return 0;
  return n;
}

// Lines of one paragraph [begin, end) (no '\n' inside), appended to `out`.
void wrap_paragraph(std::string_view text, std::size_t begin, std::size_t end, float width, const Measure& measure,
                    std::vector<VisualLine>& out) {
  std::size_t at = begin;
  while (true) {
    float used = 0;
    std::size_t j = at, after_space = std::string_view::npos;
    while (j < end) {
      std::size_t k = next_char(text, j);
      float w = measure(text.substr(j, k - j));
      if (used + w > width && j > at) break;
      used += w;
      if (text[j] == ' ') after_space = k;
      j = k;
    }
    if (j >= end) {
      out.push_back({at, end});
      return;
    }
    // Spaces where the line is full hang at its end, as in a word processor.
    if (text[j] == ' ') {
      while (j < end && text[j] == ' ') ++j;
      out.push_back({at, j});
      if (j >= end) return;
      at = j;
      continue;
    }
    std::size_t cut = after_space != std::string_view::npos ? after_space : j;
    out.push_back({at, cut});
    at = cut;
  }
}

}  // namespace

std::vector<VisualLine> wrap_text(std::string_view text, float width, const Measure& measure) {
  std::vector<VisualLine> lines;
  std::size_t begin = 0;
  while (true) {
    std::size_t newline = text.find('\n', begin);
    std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    if (begin == end) lines.push_back({begin, end});
    else wrap_paragraph(text, begin, end, width, measure, lines);
    if (newline == std::string_view::npos) return lines;
    begin = newline + 1;
  }
}

std::size_t TextEditor::line_of(const std::vector<VisualLine>& lines, std::size_t at) {
  std::size_t line = 0;
  for (std::size_t i = 0; i < lines.size() && lines[i].begin <= at; ++i) line = i;
  return line;
}

std::size_t TextEditor::index_at(std::string_view text, const std::vector<VisualLine>& lines, std::size_t line, float x,
                                 const Measure& measure) {
  if (lines.empty()) return 0;
  const VisualLine& l = lines[std::min(line, lines.size() - 1)];
  float used = 0;
  for (std::size_t j = l.begin; j < l.end;) {
    std::size_t k = next_char(text, j);
    float w = measure(text.substr(j, k - j));
    if (x < used + w / 2) return j;
    used += w;
    j = k;
  }
  // Past the end of a wrapped line: before the space it was broken at, so the caret stays
  // on this line (its end is also the next line's start).
  bool wrapped = l.end < text.size() && l.end > l.begin && text[l.end] != '\n' && line + 1 < lines.size() &&
                 lines[line + 1].begin == l.end;
  return wrapped ? previous_char(text, l.end) : l.end;
}

void TextEditor::open(const std::string& text) {
  forget();
  text_ = text;
  caret_ = anchor_ = text_.size();
}

void TextEditor::replace(const std::string& text) {
  if (text == text_) return;
  remember(Edit::Other);
  text_ = text;
  caret_ = std::min(caret_, text_.size());
  while (caret_ > 0 && caret_ < text_.size() && continuation(static_cast<unsigned char>(text_[caret_]))) --caret_;
  anchor_ = caret_;
  wanted_x_ = -1;
}

void TextEditor::forget() {
  // Overwritten before being let go: short strings live inside the object, not on the heap
  // that ui/zero_on_free.cpp clears.
  auto wipe = [](std::string& s) {
    std::fill(s.begin(), s.end(), '\0');
    std::string().swap(s);
  };
  wipe(text_);
  for (auto* list : {&undo_, &redo_}) {
    for (auto& s : *list) wipe(s.text);
    std::vector<Snapshot>().swap(*list);
  }
  caret_ = anchor_ = 0;
  wanted_x_ = -1;
  last_edit_ = Edit::None;
}

std::pair<std::size_t, std::size_t> TextEditor::selection() const {
  return {std::min(caret_, anchor_), std::max(caret_, anchor_)};
}

std::string TextEditor::selected_text() const {
  auto [first, last] = selection();
  return text_.substr(first, last - first);
}

void TextEditor::remember(Edit kind) {
  // A run of typing (or of erasing) is undone in one step; any other change is its own.
  if (kind == last_edit_ && kind != Edit::Other) return;
  undo_.push_back({text_, caret_});
  if (undo_.size() > kMostUndoSteps) undo_.erase(undo_.begin());
  redo_.clear();
  last_edit_ = kind;
}

void TextEditor::replace_selection(std::string_view with) {
  auto [first, last] = selection();
  text_.replace(first, last - first, with);
  caret_ = anchor_ = first + with.size();
  wanted_x_ = -1;
}

void TextEditor::type(std::string_view typed) {
  std::string clean;
  for (std::size_t i = 0; i < typed.size();) {
    std::size_t n = utf8_length(typed, i);
    if (n == 0) {
      ++i;
      continue;
    }
    auto c = static_cast<unsigned char>(typed[i]);
    if (n > 1 || c == '\n' || (c >= 0x20 && c != 0x7F)) clean.append(typed.substr(i, n));
    i += n;
  }
  if (clean.empty()) return;
  remember(has_selection() || clean.find('\n') != std::string::npos ? Edit::Other : Edit::Typing);
  replace_selection(clean);
}

void TextEditor::erase(bool forward, bool whole_word) {
  if (!has_selection()) {
    if (forward) caret_ = whole_word ? word_end(text_, caret_) : next_char(text_, caret_);
    else caret_ = whole_word ? word_start(text_, caret_) : previous_char(text_, caret_);
    if (caret_ == anchor_) return;
  }
  remember(Edit::Erasing);
  replace_selection({});
}

void TextEditor::move(Move how, bool extend, const std::vector<VisualLine>& lines, const Measure& measure) {
  last_edit_ = Edit::None;
  auto [first, last] = selection();
  bool collapse = has_selection() && !extend;
  std::size_t line = line_of(lines, caret_);
  float x = lines.empty() ? 0 : measure(std::string_view(text_).substr(lines[line].begin, caret_ - lines[line].begin));
  std::size_t to = caret_;
  switch (how) {
    case Move::Left: to = collapse ? first : previous_char(text_, caret_); break;
    case Move::Right: to = collapse ? last : next_char(text_, caret_); break;
    case Move::WordLeft: to = word_start(text_, caret_); break;
    case Move::WordRight: to = word_end(text_, caret_); break;
    case Move::LineStart: to = lines.empty() ? 0 : lines[line].begin; break;
    case Move::LineEnd: to = index_at(text_, lines, line, std::numeric_limits<float>::max(), measure); break;
    case Move::TextStart: to = 0; break;
    case Move::TextEnd: to = text_.size(); break;
    case Move::Up:
    case Move::Down: {
      float column = wanted_x_ >= 0 ? wanted_x_ : x;
      bool up = how == Move::Up;
      if (up ? line == 0 : line + 1 >= lines.size()) to = up ? 0 : text_.size();
      else to = index_at(text_, lines, up ? line - 1 : line + 1, column, measure);
      caret_ = to;
      if (!extend) anchor_ = caret_;
      wanted_x_ = column;
      return;
    }
  }
  caret_ = to;
  if (!extend) anchor_ = caret_;
  wanted_x_ = -1;
}

void TextEditor::place(std::size_t at, bool extend) {
  last_edit_ = Edit::None;
  caret_ = std::min(at, text_.size());
  if (!extend) anchor_ = caret_;
  wanted_x_ = -1;
}

void TextEditor::select_word_at(std::size_t at) {
  at = std::min(at, text_.size());
  std::size_t first = at, last = at;
  while (first > 0 && !blank(text_[first - 1])) first = previous_char(text_, first);
  while (last < text_.size() && !blank(text_[last])) last = next_char(text_, last);
  anchor_ = first;
  caret_ = last;
  last_edit_ = Edit::None;
}

void TextEditor::select_all() {
  anchor_ = 0;
  caret_ = text_.size();
  last_edit_ = Edit::None;
}

// Undo and redo are the same step in opposite directions: the text now goes on one list,
// the last on the other comes back.
bool TextEditor::step(std::vector<Snapshot>& from, std::vector<Snapshot>& to) {
  if (from.empty()) return false;
  to.push_back({text_, caret_});
  text_ = std::move(from.back().text);
  caret_ = anchor_ = from.back().caret;
  from.pop_back();
  last_edit_ = Edit::None;
  return true;
}

bool TextEditor::undo() { return step(undo_, redo_); }
bool TextEditor::redo() { return step(redo_, undo_); }

}  // namespace parley::ui
