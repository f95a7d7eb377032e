// ui/screen_home.cpp — my open challenges, most urgent first (expedited, then nearest
// deadline), overdue ones marked, counts by state, search and filters. The list is
// clipped so only visible rows are drawn: smooth with 10,000 challenges. On a phone a row
// stacks its parts and wraps them at spaces, so agency, due date and stage stay readable.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

std::string category_label(const std::string& id) {
  std::string s = id;
  for (auto& c : s) if (c == '_') c = ' ';
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

std::string due_words(const ChallengeRow& r, std::int64_t now) {
  if (r.status == Status::Closed) return "Closed";
  if (r.status == Status::Resolved) return "Resolved";
  if (!r.deadline) return "No deadline";
  Date d = uk_local_date(*r.deadline);
  std::string when = weekday_short(d) + " " + std::to_string(d.day) + " " + month_short(d.month);
  return now > *r.deadline ? "OVERDUE since " + when : "Due " + when;
}

std::string clock_words(std::int64_t ms) {
  std::int64_t minutes = (ms - uk_start_of_day_utc_ms(uk_local_date(ms))) / 60000;
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return hm;
}

std::string when_words(std::int64_t ms) {
  Date d = uk_local_date(ms);
  return weekday_short(d) + " " + std::to_string(d.day) + " " + month_short(d.month) + " " + std::to_string(d.year) + " " +
         clock_words(ms);
}

namespace {
// What a home row says. A wide screen shows two lines, "head — agencies" and "due · id ·
// stage · category"; a narrow one stacks head, agencies, due and stage, then id and
// category, wrapping at spaces so an agency or a stage is never cut mid-word (issue 12).
struct RowWords {
  std::string head;       // flags and the subject
  std::string agencies;   // "Challenger v Challenged"
  std::string due;        // "Due Tue 3 Mar", "OVERDUE since ..."
  std::string id, stage, category;   // "C-...", "stage 2", "Neglect"
  bool late = false;
};

RowWords row_words(const ChallengeRow& r, std::int64_t now) {
  RowWords w;
  w.head = std::string(r.expedited ? "EXPEDITED  " : "") + (r.needs_review ? "NEEDS REVIEW  " : "") + r.subject_name;
  w.agencies = r.challenger_agency + " v " + r.challenged_agency;
  w.due = due_words(r, now);
  w.stage = "stage " + std::to_string(r.stage);
  w.id = r.id;
  w.category = category_label(r.category);
  w.late = w.due.rfind("OVERDUE", 0) == 0;
  return w;
}

// One height for every row (the list is clipped, so rows must be alike): enough lines for
// the row with the longest agency names and for the longest due words.
struct RowLayout {
  bool wide = true;
  float room = 0;            // width for the words, device px
  int agency_lines = 1, due_lines = 1;
  float block_gap = 0;       // between the stacked parts of a narrow row
  float row_h = 0;
};

int lines_for(const std::string& text, float room) {
  float line = ImGui::GetTextLineHeight();
  return std::max(1, static_cast<int>(ImGui::CalcTextSize(text.c_str(), nullptr, false, room).y / line + 0.5f));
}

RowLayout row_layout(const std::vector<ChallengeRow>& rows, std::int64_t now) {
  const Metrics& m = metrics();
  const ImGuiStyle& style = ImGui::GetStyle();
  RowLayout l;
  // Longest names by characters: measuring every row's width each frame would cost more
  // than drawing the visible ones.
  const ChallengeRow* longest = &rows.front();
  for (const auto& r : rows)
    if (r.subject_name.size() + r.challenger_agency.size() + r.challenged_agency.size() >
        longest->subject_name.size() + longest->challenger_agency.size() + longest->challenged_agency.size())
      longest = &r;
  // The longest due words: overdue since a Wednesday in September.
  ChallengeRow worst = *longest;
  worst.status = Status::Open;
  worst.stage = 5;
  worst.deadline = uk_start_of_day_utc_ms(Date{2026, 9, 30});
  RowWords w = row_words(worst, *worst.deadline + 86400000);
  float avail = ImGui::GetContentRegionAvail().x - style.ScrollbarSize - m.gap() * 2;
  l.room = avail - style.WindowPadding.x * 2;
  l.wide = ImGui::CalcTextSize((w.head + " — " + w.agencies).c_str()).x <= l.room &&
           ImGui::CalcTextSize((w.due + " · " + w.id + " · " + w.stage + " · " + w.category).c_str()).x <= l.room;
  float text_h = ImGui::GetTextLineHeightWithSpacing() * 2;
  if (!l.wide) {
    l.room = avail - m.dpr * 8;   // the list's narrow padding (screen_home)
    l.agency_lines = lines_for(w.agencies, l.room);
    l.due_lines = lines_for(w.due + " · " + w.stage, l.room);
    l.block_gap = style.ItemSpacing.y * 0.4f;
    text_h = ImGui::GetTextLineHeight() * static_cast<float>(2 + l.agency_lines + l.due_lines) + l.block_gap * 3 +
             style.ItemSpacing.y;
  }
  // At least one touch target high.
  l.row_h = std::max(m.touch(), text_h + m.gap());
  return l;
}

void draw_row(const RowWords& w, const RowLayout& l, ImVec2 start) {
  const Metrics& m = metrics();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec4* c = ImGui::GetStyle().Colors;
  ImU32 ink = ImGui::GetColorU32(c[ImGuiCol_Text]), dim = ImGui::GetColorU32(c[ImGuiCol_TextDisabled]),
        warn = ImGui::GetColorU32(c[ImGuiCol_PlotLinesHovered]);
  float pad = m.gap(), x = start.x + pad, y = start.y + pad / 2, step = ImGui::GetTextLineHeightWithSpacing();
  ImFont* font = ImGui::GetFont();
  float size = ImGui::GetFontSize();
  // A row with longer names than the layout allowed for is cut at its own bottom edge,
  // never drawn over the next row.
  dl->PushClipRect(start, ImVec2(start.x + l.room + pad * 2, start.y + l.row_h - ImGui::GetStyle().ItemSpacing.y), true);
  if (l.wide) {
    // The due words come first on the second line: the most urgent part is never cut.
    dl->AddText(ImVec2(x, y), ink, fit_text(w.head + " — " + w.agencies, l.room).c_str());
    dl->AddText(ImVec2(x, y + step), w.late ? warn : dim, fit_text(w.due + " · " + w.id + " · " + w.stage + " · " + w.category, l.room).c_str());
  } else {
    float line = ImGui::GetTextLineHeight();
    dl->AddText(ImVec2(x, y), ink, fit_text(w.head, l.room).c_str());
    y += line + l.block_gap;
    dl->AddText(font, size, ImVec2(x, y), ink, w.agencies.c_str(), nullptr, l.room);
    y += line * static_cast<float>(l.agency_lines) + l.block_gap;
    std::string due = w.due + " · " + w.stage;
    dl->AddText(font, size, ImVec2(x, y), w.late ? warn : dim, due.c_str(), nullptr, l.room);
    y += line * static_cast<float>(l.due_lines) + l.block_gap;
    dl->AddText(ImVec2(x, y), dim, fit_text(w.id + " · " + w.category, l.room).c_str());
  }
  dl->PopClipRect();
}
}  // namespace

void screen_home(App& app, Drafts& d) {
  std::string& menu_for = d.row_menu;   // the challenge whose row menu is open
  const Metrics& m = metrics();
  std::int64_t now = app.now();
  if (button("Raise a challenge", true)) {
    app.screen = Screen::Raise;
    app.set_message("");
  }
  const auto& rows = app.rows();
  const App::Counts& n = app.counts();
  // Beside the button on a wide screen, below it on a phone.
  char counts[160];
  std::snprintf(counts, sizeof counts, "%d open · %d overdue · %d expedited · %d need review", n.open, n.overdue,
                n.expedited, n.review);
  same_line_if_fits(ImGui::CalcTextSize(counts).x);
  ImGui::AlignTextToFramePadding();
  ImGui::TextWrapped("%s", counts);
  mirror_last("text", counts);
  input_text("Search", app.filter.search, false, "subject, agency, category or id");
  // Filters on one line where there is room; each wraps to the next line on a phone.
  checkbox("Overdue only", app.filter.overdue_only);
  same_line_if_fits(checkbox_width("Missed a timescale"));
  checkbox("Missed a timescale", app.filter.missed_only);
  same_line_if_fits(checkbox_width("Show closed"));
  checkbox("Show closed", app.filter.include_closed);
  // Two filter lists side by side even on a phone: each at most half the line.
  float combo_w = std::min(180 * m.dpr * m.font_scale,
                           (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2 - 1);
  same_line_if_fits(combo_w);
  std::vector<std::string> stages = {"Any stage", "Stage 1", "Stage 2", "Stage 3", "Stage 4", "Stage 5"};
  choice("##stage filter", app.filter.stage, stages, combo_w);
  std::vector<std::string> procs = {"Any Board"};
  for (const auto* p : app.procedures().all()) procs.push_back(p->board.short_name);
  int proc = 0;
  for (std::size_t i = 1; i < procs.size(); ++i)
    if (app.procedures().all()[i - 1]->id == app.filter.procedure) proc = static_cast<int>(i);
  same_line_if_fits(combo_w);
  if (choice("##board filter", proc, procs, combo_w))
    app.filter.procedure = proc == 0 ? "" : app.procedures().all()[static_cast<std::size_t>(proc - 1)]->id;
  spacer(4);
  if (rows.empty()) {
    muted(app.filter.search.empty() && !app.filter.overdue_only ? "No challenges yet. Raise one when you disagree with "
                                                                   "another agency's decision."
                                                                 : "No challenge matches these filters.");
    return;
  }
  RowLayout layout = row_layout(rows, now);
  // The list fills the rest of the screen but shows at least four rows (two of the taller
  // stacked ones): with large text on a phone the page scrolls instead of squeezing the
  // list to nothing. On a narrow screen its padding shrinks: the width goes to the words.
  float min_rows = layout.wide ? 4.0f : 2.0f;
  float list_h = std::max(ImGui::GetContentRegionAvail().y, layout.row_h * min_rows + ImGui::GetStyle().WindowPadding.y * 2);
  if (!layout.wide) ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(m.dpr * 4, m.dpr * 4));
  ImGui::BeginChild("list", ImVec2(0, list_h), true);
  if (!layout.wide) ImGui::PopStyleVar();
  bool open_menu = false;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()), layout.row_h);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const ChallengeRow& r = rows[static_cast<std::size_t>(i)];
      ImGui::PushID(i);
      ImVec2 start = ImGui::GetCursorScreenPos();
      RowWords w = row_words(r, now);
      if (ImGui::Selectable("##row", false, 0, ImVec2(0, layout.row_h - ImGui::GetStyle().ItemSpacing.y)))
        app.open_challenge(r.id);
      mirror_last("link", r.subject_name + " — " + w.agencies, r.id + " · " + w.due);
      // Long press (or right click): the row's other actions.
      if (long_pressed() || ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
        menu_for = r.id;
        open_menu = true;   // opened below, outside this row's id scope
      }
      draw_row(w, layout, start);
      ImGui::PopID();
    }
  }
  if (open_menu) ImGui::OpenPopup("row actions");
  if (ImGui::BeginPopup("row actions")) {
    text(menu_for);
    if (button("Open", false, -1)) {
      app.open_challenge(menu_for);
      ImGui::CloseCurrentPopup();
    }
    if (button("Record form", false, -1)) {
      app.open_challenge(menu_for);
      app.screen = Screen::RecordForm;
      ImGui::CloseCurrentPopup();
    }
    if (button("Copy challenge id", false, -1)) {
      ImGui::SetClipboardText(menu_for.c_str());
      app.set_message("Copied " + menu_for);
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
  touch_scroll();
  ImGui::EndChild();
}

}  // namespace parley::ui
