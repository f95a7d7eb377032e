// ui/screen_home.cpp — my open challenges, most urgent first (expedited, then nearest
// deadline), overdue ones marked, counts by state, search and filters. The list is
// clipped so only visible rows are drawn: smooth with 10,000 challenges.
#include <imgui.h>

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
  // Two lines per row, at least one touch target high.
  float row_h = std::max(m.touch(), ImGui::GetTextLineHeightWithSpacing() * 2 + m.gap());
  // The list fills the rest of the screen but shows at least four rows: with large text on
  // a phone the page scrolls instead of squeezing the list to nothing.
  float list_h = std::max(ImGui::GetContentRegionAvail().y, row_h * 4 + ImGui::GetStyle().WindowPadding.y * 2);
  ImGui::BeginChild("list", ImVec2(0, list_h), true);
  bool open_menu = false;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()), row_h);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const ChallengeRow& r = rows[static_cast<std::size_t>(i)];
      ImGui::PushID(i);
      ImVec2 start = ImGui::GetCursorScreenPos();
      std::string label = r.subject_name + " — " + r.challenger_agency + " v " + r.challenged_agency;
      std::string due = due_words(r, now);
      if (ImGui::Selectable("##row", false, 0, ImVec2(0, row_h - ImGui::GetStyle().ItemSpacing.y))) app.open_challenge(r.id);
      mirror_last("link", label, r.id + " · " + due);
      // Long press (or right click): the row's other actions.
      if (long_pressed() || ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
        menu_for = r.id;
        open_menu = true;   // opened below, outside this row's id scope
      }
      bool late = due.rfind("OVERDUE", 0) == 0;
      ImDrawList* dl = ImGui::GetWindowDrawList();
      float pad = m.gap();
      ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled),
            warn = ImGui::GetColorU32(ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered]);
      std::string flags = std::string(r.expedited ? "EXPEDITED  " : "") + (r.needs_review ? "NEEDS REVIEW  " : "");
      // Long lines end in an ellipsis rather than running under the scroll bar; the due
      // words come first on the second line so a phone still shows them.
      float room = ImGui::GetContentRegionAvail().x - pad * 2;
      dl->AddText(ImVec2(start.x + pad, start.y + pad / 2), text_col, fit_text(flags + label, room).c_str());
      std::string second = due + " · " + r.id + " · stage " + std::to_string(r.stage) + " · " + category_label(r.category);
      dl->AddText(ImVec2(start.x + pad, start.y + pad / 2 + ImGui::GetTextLineHeightWithSpacing()), late ? warn : dim,
                  fit_text(second, room).c_str());
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
