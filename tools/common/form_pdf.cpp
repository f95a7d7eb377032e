// tools/common/form_pdf.cpp — record forms as PDF through libharu (see form_pdf.h).
//
// Model: the rows come from fill_form and the title, subtitle and footer from
// core/report.h, so the PDF says exactly what the HTML and the screen say; this file only
// lays them out. Layout is a top-down cursor on A4 in points: a row is wrapped first
// (label and value separately, greedy by words, a word wider than its column broken
// between characters), then drawn as one cell pair if it fits on the page, else moved to
// a new page, else (taller than a page) split line by line with the label repeated as
// "(continued)". Footers are drawn last, when the page count is known.
//
// libharu reports errors through a C callback. Throwing from it would unwind through
// libharu's C frames, so the callback only records the first error and every step here
// checks it and throws PdfError with words for the common causes.
#include "tools/common/form_pdf.h"

#include <hpdf.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/report.h"

#ifndef PARLEY_PDF_FONT
#define PARLEY_PDF_FONT "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"
#endif
#ifndef PARLEY_PDF_FONT_BOLD
#define PARLEY_PDF_FONT_BOLD "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"
#endif

namespace parley::tools {
namespace {

// A4 portrait, in points (1/72 inch).
constexpr float kPageWidth = 595.276f, kPageHeight = 841.89f;
constexpr float kMargin = 50, kFooterSpace = 18;            // between the footer and the lowest row
constexpr float kContentWidth = kPageWidth - 2 * kMargin;
constexpr float kLabelWidth = kContentWidth * 0.32f;        // as the HTML's th{width:32%}
constexpr float kPad = 5;                                   // inside each cell
constexpr float kHanging = 10;                              // later lines of one listed item
constexpr float kBodySize = 10, kBodyLeading = 13;
constexpr float kTitleSize = 15, kTitleLeading = 19;
constexpr float kSmallSize = 8, kSmallLeading = 10;
constexpr float kBottom = kMargin + kFooterSpace;           // lowest y a row may reach

// The first error libharu reported, kept until a step checks it.
struct HaruError {
  HPDF_STATUS code = 0, detail = 0;
};

void on_haru_error(HPDF_STATUS code, HPDF_STATUS detail, void* user) {
  auto* e = static_cast<HaruError*>(user);
  if (e->code == 0) *e = {code, detail};
}

std::string haru_words(const HaruError& e, const std::string& doing) {
  std::string why;
  switch (e.code) {
    case HPDF_FAILD_TO_ALLOC_MEM: why = "out of memory"; break;
    case HPDF_FILE_OPEN_ERROR: why = "a font file could not be opened (install fonts-liberation: tools/setup)"; break;
    case HPDF_TTF_CANNOT_EMBEDDING_FONT: why = "the font does not allow embedding"; break;
    case HPDF_TTF_INVALID_CMAP: case HPDF_TTF_INVALID_FOMAT: case HPDF_TTF_MISSING_TABLE: case HPDF_INVALID_FONTDEF_DATA:
      why = "the font file is not a usable TrueType font";
      break;
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%04X, detail %u", static_cast<unsigned>(e.code), static_cast<unsigned>(e.detail));
      why = std::string("libharu error ") + hex;
    }
  }
  return "cannot make the PDF while " + doing + ": " + why;
}

struct DocDeleter {
  void operator()(HPDF_Doc d) const { HPDF_Free(d); }
};

// User text as one line of printable characters: tabs as spaces, other control
// characters dropped (a PDF text string has no use for them).
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\t') out += ' ';
    else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(printable(text.substr(start, nl - start)));
  out.push_back(printable(text.substr(start)));
  return out;
}

// Length in bytes of the UTF-8 character starting at s[i].
std::size_t char_length(const std::string& s, std::size_t i) {
  std::size_t n = 1;
  while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
  return n;
}

// One wrapped line and how far it is indented (a hanging indent) in its column.
struct Line {
  std::string text;
  float indent = 0;
};

class Writer {
 public:
  Writer() : doc_(HPDF_New(on_haru_error, &error_)) {
    if (!doc_) throw PdfError("cannot make the PDF: libharu could not start (out of memory)");
    HPDF_SetCompressionMode(doc_.get(), HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(doc_.get());
    regular_ = load_font(PARLEY_PDF_FONT);
    bold_ = load_font(PARLEY_PDF_FONT_BOLD);
    check("loading the fonts");
  }

  void info(const std::string& title) {
    HPDF_SetInfoAttr(doc_.get(), HPDF_INFO_CREATOR, "Parley");
    HPDF_SetInfoAttr(doc_.get(), HPDF_INFO_TITLE, title.c_str());
  }

  void heading(const std::string& title, const std::string& subtitle) {
    new_page();
    paragraph(bold_, kTitleSize, kTitleLeading, title, 0.0f);
    y_ -= 2;
    paragraph(regular_, kBodySize, kBodyLeading, subtitle, 0.2f);
    y_ -= 10;
  }

  void row(const std::string& label, const std::string& value) {
    std::vector<Line> labels = wrap(bold_, kBodySize, label, kLabelWidth - 2 * kPad);
    const bool list = value.find('\n') != std::string::npos;
    const std::vector<Line> values =
        wrap(regular_, kBodySize, value, kContentWidth - kLabelWidth - 2 * kPad, list ? kHanging : 0);
    const std::size_t lines = std::max(labels.size(), values.size());
    // A row that fits on a fresh page moves there whole; a longer one starts at the top of
    // a page unless a good part of it fits here.
    if (lines > lines_that_fit() && (lines <= lines_per_page() || lines_that_fit() < 3)) new_page();
    std::size_t next = 0;   // first value line not drawn yet
    do {
      if (lines_that_fit() == 0) new_page();
      std::size_t count = part_length(labels, values, next);
      cell_pair(labels, values, next, count);
      next += count;
      labels = wrap(bold_, kBodySize, label + " (continued)", kLabelWidth - 2 * kPad);
    } while (next < values.size());
  }

  void note(const std::string& text) {
    if (text.empty()) return;
    y_ -= 8;
    paragraph(regular_, kSmallSize + 1, kSmallLeading + 1, text, 0.0f);
  }

  // Footers on every page, now that the count is known; then the file's bytes.
  std::string finish(const std::string& footer) {
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      std::string number = "Page " + std::to_string(i + 1) + " of " + std::to_string(pages_.size());
      float number_width = width(regular_, kSmallSize, number);
      std::vector<Line> lines = wrap(regular_, kSmallSize, footer, kContentWidth - number_width - 16);
      float y = kMargin - kSmallSize + kSmallLeading * (lines.size() - 1);
      gray(pages_[i], 0.27f);
      text(pages_[i], regular_, kSmallSize, kPageWidth - kMargin - number_width, y, number);
      for (const auto& line : lines) {
        text(pages_[i], regular_, kSmallSize, kMargin, y, line.text);
        y -= kSmallLeading;
      }
    }
    check("writing the footers");
    return bytes();
  }

 private:
  HPDF_Font load_font(const char* path) {
    if (!std::filesystem::exists(path))
      throw PdfError(std::string("cannot make the PDF: the font ") + path + " is missing (install fonts-liberation: tools/setup)");
    const char* name = HPDF_LoadTTFontFromFile(doc_.get(), path, HPDF_TRUE);
    check(std::string("loading the font ") + path);
    HPDF_Font font = HPDF_GetFont(doc_.get(), name, "UTF-8");
    check(std::string("loading the font ") + path);
    return font;
  }

  void check(const std::string& doing) const {
    if (error_.code != 0) throw PdfError(haru_words(error_, doing));
  }

  void new_page() {
    page_ = HPDF_AddPage(doc_.get());
    check("adding a page");
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    pages_.push_back(page_);
    y_ = kPageHeight - kMargin;
  }

  float width(HPDF_Font font, float size, const std::string& s) const {
    HPDF_TextWidth tw = HPDF_Font_TextWidth(font, reinterpret_cast<const HPDF_BYTE*>(s.data()), static_cast<HPDF_UINT>(s.size()));
    return static_cast<float>(tw.width) * size / 1000.0f;
  }

  // Greedy wrapping by words, paragraph by paragraph (a newline starts one); a word wider
  // than the column is broken between characters. With `hanging`, a paragraph's later
  // lines are indented by it, so that in a value listing one item a line each item's start
  // stands out.
  std::vector<Line> wrap(HPDF_Font font, float size, const std::string& text, float max_width, float hanging = 0) const {
    std::vector<Line> out;
    for (const auto& para : split_lines(text)) {
      const std::size_t first = out.size();
      auto limit = [&] { return out.size() == first ? max_width : max_width - hanging; };
      auto push = [&](std::string line) { out.push_back({std::move(line), out.size() == first ? 0.0f : hanging}); };
      std::string line;
      for (std::size_t i = 0; i < para.size();) {
        std::size_t end = std::min(para.find(' ', i), para.size());
        std::string word = para.substr(i, end - i);
        i = end + 1;
        std::string candidate = line.empty() ? word : line + " " + word;
        if (width(font, size, candidate) <= limit()) {
          line = candidate;
          continue;
        }
        if (!line.empty()) push(line);
        line.clear();
        for (std::size_t j = 0; j < word.size(); j += char_length(word, j)) {   // a word too wide
          std::string next = line + word.substr(j, char_length(word, j));
          if (!line.empty() && width(font, size, next) > limit()) {
            push(line);
            next = word.substr(j, char_length(word, j));
          }
          line = next;
        }
      }
      push(line);
    }
    return out;
  }

  std::size_t lines_that_fit() const {
    float room = y_ - kBottom - 2 * kPad;
    return room < kBodyLeading ? 0 : static_cast<std::size_t>(room / kBodyLeading);
  }

  // How many lines of a row, from value line `next`, go on this page: what fits, ending
  // between listed items where it can rather than inside one.
  std::size_t part_length(const std::vector<Line>& labels, const std::vector<Line>& values, std::size_t next) const {
    std::size_t count = std::min(std::max(labels.size(), values.size() - next), lines_that_fit());
    std::size_t item_start = next + count;
    while (item_start < values.size() && item_start > next && values[item_start].indent > 0) --item_start;
    if (item_start > next && item_start < next + count) count = std::max(item_start - next, std::min(labels.size(), count));
    return count;
  }

  static std::size_t lines_per_page() {
    return static_cast<std::size_t>((kPageHeight - kMargin - kBottom - 2 * kPad) / kBodyLeading);
  }

  // One table row (or the part of it that fits): shaded label cell, value cell, borders.
  void cell_pair(const std::vector<Line>& labels, const std::vector<Line>& values, std::size_t from,
                 std::size_t count) {
    const float height = count * kBodyLeading + 2 * kPad, bottom = y_ - height;
    HPDF_Page_SetGrayFill(page_, 0.93f);
    HPDF_Page_Rectangle(page_, kMargin, bottom, kLabelWidth, height);
    HPDF_Page_Fill(page_);
    HPDF_Page_SetLineWidth(page_, 0.6f);
    HPDF_Page_SetGrayStroke(page_, 0.0f);
    HPDF_Page_Rectangle(page_, kMargin, bottom, kLabelWidth, height);
    HPDF_Page_Rectangle(page_, kMargin + kLabelWidth, bottom, kContentWidth - kLabelWidth, height);
    HPDF_Page_Stroke(page_);
    gray(page_, 0.0f);
    float baseline = y_ - kPad - kBodySize * 0.9f;
    for (std::size_t i = 0; i < count && i < labels.size(); ++i)
      text(page_, bold_, kBodySize, kMargin + kPad, baseline - i * kBodyLeading, labels[i].text);
    for (std::size_t i = 0; i < count && from + i < values.size(); ++i)
      text(page_, regular_, kBodySize, kMargin + kLabelWidth + kPad + values[from + i].indent, baseline - i * kBodyLeading,
           values[from + i].text);
    y_ = bottom;
    check("drawing a row");
  }

  void paragraph(HPDF_Font font, float size, float leading, const std::string& s, float shade) {
    gray(page_, shade);
    for (const auto& line : wrap(font, size, s, kContentWidth)) {
      if (y_ - leading < kBottom) new_page();
      text(page_, font, size, kMargin, y_ - size, line.text);
      y_ -= leading;
    }
    gray(page_, 0.0f);
  }

  void gray(HPDF_Page page, float shade) { HPDF_Page_SetGrayFill(page, shade); }

  void text(HPDF_Page page, HPDF_Font font, float size, float x, float y, const std::string& s) {
    if (s.empty()) return;
    HPDF_Page_BeginText(page);
    HPDF_Page_SetFontAndSize(page, font, size);
    HPDF_Page_TextOut(page, x, y, s.c_str());
    HPDF_Page_EndText(page);
  }

  std::string bytes() {
    HPDF_SaveToStream(doc_.get());
    check("saving");
    std::string out(HPDF_GetStreamSize(doc_.get()), '\0');
    HPDF_ResetStream(doc_.get());
    HPDF_UINT32 n = static_cast<HPDF_UINT32>(out.size());
    HPDF_ReadFromStream(doc_.get(), reinterpret_cast<HPDF_BYTE*>(out.data()), &n);
    if (error_.code == HPDF_STREAM_EOF) error_ = {};   // libharu reports reaching the end as an error
    check("reading the saved file");
    out.resize(n);
    return out;
  }

  HaruError error_;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocDeleter> doc_;
  HPDF_Font regular_ = nullptr, bold_ = nullptr;
  std::vector<HPDF_Page> pages_;
  HPDF_Page page_ = nullptr;
  float y_ = 0;
};

}  // namespace

std::string form_pdf(const ChallengeView& view, const Form& form, std::int64_t printed_at) {
  Writer w;
  w.info(form.id + " " + view.state.id);   // ASCII: the info dictionary is not UTF-8
  w.heading(form.title, form_subtitle(view));
  for (const auto& r : fill_form(view, form)) w.row(r.label, r.value);
  w.note(form.note);
  return w.finish(form_footer(view, printed_at));
}

}  // namespace parley::tools
