// ui/screen_board.cpp — the Board dashboard, for the Board's business unit: the figures the
// office server computes over a period and an agency (opened and resolved by month,
// resolution and missed timescales by stage, categories, agency pairs, days to resolution,
// patterns worth asking "isolated or systemic?"), and the same figures or pseudonymised
// rows as CSV for the annual report.
//
// Model: App::board (ui/board_view.h) holds the filters and the figures last received; this
// screen draws them and sends the requests it asks for. The server has already suppressed
// small counts: a suppressed cell is drawn as a hatched, outlined bar "hidden" ("not shown" in words) and is
// never guessed at. Every chart is in the accessibility mirror as one text listing all of
// its values, and every table row as one text, so a screen reader hears every figure.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

namespace {

float css(float px) { return px * metrics().dpr * metrics().font_scale; }

// Sends the figures request when the filters changed (or when forced: Retry, opening).
void ask_for_figures(App& app, bool force) {
  if (auto request = app.board.figures_request(app.now(), force))
    platform::http_send(app.sync().server(), *request, app.sync().token());
}

void ask_for_report(App& app, BoardReport what) {
  if (auto request = app.board.report_request(what, app.now()))
    platform::http_send(app.sync().server(), *request, app.sync().token());
}

std::string date_words(const std::string& yyyy_mm_dd) {
  auto d = parse_date(yyyy_mm_dd);
  if (!d) return yyyy_mm_dd;
  return std::to_string(d->day) + " " + month_short(d->month) + " " + std::to_string(d->year);
}

std::string as_of_words(const BoardFigures& f) {
  std::int64_t ms = 0;
  return parse_time(f.as_of, ms) ? when_words(ms) : f.as_of.empty() ? "an unknown time" : f.as_of;
}

std::string days_words(double d) {
  char s[32];
  if (d == std::floor(d)) std::snprintf(s, sizeof s, "%.0f", d);
  else std::snprintf(s, sizeof s, "%.1f", d);
  return s;
}

// ---- Filters -------------------------------------------------------------------------

// Wide enough for the longest option and the combo's arrow, but never past the line.
float combo_width(const std::vector<std::string>& options) {
  float w = 0;
  for (const auto& o : options) w = std::max(w, ImGui::CalcTextSize(o.c_str()).x);
  w += ImGui::GetFrameHeight() + ImGui::GetStyle().FramePadding.x * 2 + css(8);
  return std::min(w, ImGui::GetContentRegionAvail().x);
}

void draw_filters(App& app) {
  BoardDashboard& b = app.board;
  int period = static_cast<int>(b.period);
  if (choice("##Period", period, board_period_labels(), combo_width(board_period_labels())))
    b.period = static_cast<BoardPeriod>(period);
  std::vector<std::string> agencies = {"All agencies"};
  if (b.figures) agencies.insert(agencies.end(), b.figures->agencies.begin(), b.figures->agencies.end());
  int agency = 0;
  for (std::size_t i = 1; i < agencies.size(); ++i)
    if (agencies[i] == b.agency) agency = static_cast<int>(i);
  if (agency == 0 && !b.agency.empty()) {   // chosen before the list changed: keep showing it
    agencies.push_back(b.agency);
    agency = static_cast<int>(agencies.size() - 1);
  }
  float agency_w = combo_width(agencies);
  same_line_if_fits(agency_w);
  if (choice("##Agency", agency, agencies, agency_w)) b.agency = agency == 0 ? "" : agencies[static_cast<std::size_t>(agency)];
  if (b.period == BoardPeriod::Custom) {
    input_text("From (first day opened, YYYY-MM-DD)", b.custom_from, false, "2025-04-01");
    input_text("To (last day opened, YYYY-MM-DD)", b.custom_to, false, "2026-03-31");
    // Half-typed dates are not errors yet: say what is wrong once typing stops.
    if (!b.filter_error.empty() && !ImGui::IsAnyItemActive()) warning(b.filter_error);
  }
}

// ---- Where the figures came from, and what went wrong -----------------------------------

// "challenges opened 1 Dec 2025 to 30 Nov 2026 · all agencies": what the figures cover.
std::string scope_words(const BoardFigures& f) {
  std::string period = f.period_from.empty() && f.period_to.empty()
                           ? "at any time"
                           : date_words(f.period_from.empty() ? "the start" : f.period_from) + " to " +
                                 date_words(f.period_to.empty() ? "today" : f.period_to);
  return "challenges opened " + period + " · " + (f.agency.empty() ? "all agencies" : f.agency);
}

void draw_state(App& app) {
  BoardDashboard& b = app.board;
  const BoardFigures* f = b.figures ? &*b.figures : nullptr;
  std::string as_of = f ? "Figures as of " + as_of_words(*f) : "";
  bool retry = false;
  switch (b.status) {
    case BoardDashboard::Status::Idle:
    case BoardDashboard::Status::Loading:
      muted(f ? as_of + " · refreshing…" : "Fetching the Board's figures from the office server…");
      break;
    case BoardDashboard::Status::Shown: muted(as_of + " · " + scope_words(*f)); break;
    case BoardDashboard::Status::Offline:
      warning(f ? as_of + "; offline — not refreshed." : "Offline — the office server could not be reached, so there are no figures yet.");
      retry = true;
      break;
    case BoardDashboard::Status::Failed:
      warning(f ? as_of + "; not refreshed. " + b.problem : b.problem);
      retry = true;
      break;
    case BoardDashboard::Status::Forbidden:
    case BoardDashboard::Status::SignInAgain:
      warning(b.problem);
      break;
  }
  // Figures kept from before a filter change that could not be fetched: say what they
  // cover, so they are not read as the period or agency the filters now show.
  if (f && b.status != BoardDashboard::Status::Shown) muted("Shown: " + scope_words(*f) + ".");
  if (retry && button("Retry")) ask_for_figures(app, true);
}

void draw_downloads(App& app) {
  if (button("Download figures (CSV)")) ask_for_report(app, BoardReport::Figures);
  same_line_if_fits(ImGui::CalcTextSize("Download rows (CSV)").x + ImGui::GetStyle().FramePadding.x * 2);
  if (button("Download rows (CSV)")) ask_for_report(app, BoardReport::Rows);
  if (app.board.downloading()) muted("Downloading the report…");
}

// ---- Charts ------------------------------------------------------------------------------

struct Series {
  std::string name;
  ImU32 colour;
};
struct BarGroup {
  std::string label, sublabel;     // "Jun", "2025" (the sublabel may be empty)
  std::vector<BoardCell> cells;    // one per series
};

ImU32 opened_colour() { return ImGui::GetColorU32(ImGui::GetStyle().Colors[ImGuiCol_ButtonActive]); }
ImU32 resolved_colour() { return ImGui::GetColorU32(ImVec4(0.85f, 0.42f, 0.05f, 1.0f)); }   // orange: apart from teal for colour-blind eyes

// An outlined, hatched box: a count the server did not show. Drawn as tall as the largest
// hidden count could be, and never filled, so it cannot be read as a value.
void hatched(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 colour) {
  float step = css(6), thick = std::max(1.0f, css(1.5f));
  dl->PushClipRect(a, b, true);
  for (float x = a.x - (b.y - a.y); x < b.x; x += step) dl->AddLine(ImVec2(x, b.y), ImVec2(x + (b.y - a.y), a.y), colour, thick * 0.7f);
  dl->PopClipRect();
  dl->AddRect(a, b, colour, 0, 0, thick);
}

// A zero is drawn as a sliver in its series' colour, so the "0" beside it says whose it is.
float stub(const BoardCell& c) { return c.value && *c.value == 0 ? std::max(1.0f, css(3)) : 0.0f; }

void bar(ImDrawList* dl, ImVec2 a, ImVec2 b, const BoardCell& c, ImU32 colour) {
  if (c.suppressed) hatched(dl, a, b, colour);
  else if (b.y - a.y >= 1 && b.x - a.x >= 1) dl->AddRectFilled(a, b, colour);
}

void legend(const std::vector<Series>& series, bool any_suppressed, int suppress_below) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float box = ImGui::GetTextLineHeight();
  auto item = [&](const std::string& name, ImU32 colour, bool hatch, bool first) {
    float w = box + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(name.c_str()).x;
    if (!first) same_line_if_fits(w);
    ImVec2 p = ImGui::GetCursorScreenPos();
    if (hatch) hatched(dl, p, ImVec2(p.x + box, p.y + box), ImGui::GetColorU32(ImGuiCol_TextDisabled));
    else dl->AddRectFilled(p, ImVec2(p.x + box, p.y + box), colour);
    ImGui::Dummy(ImVec2(box, box));
    ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
    ImGui::TextUnformatted(name.c_str());
  };
  for (std::size_t i = 0; i < series.size(); ++i) item(series[i].name, series[i].colour, false, i == 0);
  if (any_suppressed) item("not shown (see note)", 0, true, series.empty());
}

// The chart's text alternative: every value, in reading order.
std::string chart_words(const std::string& title, const std::vector<Series>& series, const std::vector<BarGroup>& groups,
                        int suppress_below) {
  std::string s = title + ". ";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    s += (g ? "; " : "") + groups[g].label + (groups[g].sublabel.empty() ? "" : " " + groups[g].sublabel) + ":";
    for (std::size_t k = 0; k < series.size(); ++k)
      s += (k ? "," : "") + std::string(" ") + series[k].name + " " + cell_words(groups[g].cells[k], suppress_below);
  }
  return s + ".";
}

// Columns side by side when each group's label and values fit under it (tablet, desktop).
void vertical_bars(const std::vector<Series>& series, const std::vector<BarGroup>& groups, int suppress_below, double top) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float line = ImGui::GetTextLineHeight(), gap = css(8);
  float w = ImGui::GetContentRegionAvail().x, h = css(190);
  ImVec2 p = ImGui::GetCursorScreenPos();
  float base = p.y + h - line * 2 - gap, plot = base - (p.y + line + gap / 2);
  // Groups stay close together on a wide screen, rather than a few bars spread edge to edge.
  float slot = std::min(w / static_cast<float>(groups.size()), css(120));
  float bar_w = std::min((slot - gap) / static_cast<float>(series.size()), css(40));
  ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    float x0 = p.x + slot * static_cast<float>(g);
    float start = x0 + (slot - bar_w * static_cast<float>(series.size())) / 2;
    for (std::size_t k = 0; k < series.size(); ++k) {
      const BoardCell& c = groups[g].cells[k];
      double v = c.value ? static_cast<double>(*c.value) : c.suppressed ? suppress_below - 1 : 0;
      float bh = std::max(static_cast<float>(v / top) * plot, stub(c)), bx = start + bar_w * static_cast<float>(k);
      bar(dl, ImVec2(bx + 1, base - bh), ImVec2(bx + bar_w - 1, base), c, series[k].colour);
      std::string label = cell_words(c, suppress_below, true);
      float tw = ImGui::CalcTextSize(label.c_str()).x;
      dl->AddText(ImVec2(bx + (bar_w - tw) / 2, base - bh - line), c.suppressed ? dim : ink, label.c_str());
    }
    for (int row = 0; row < 2; ++row) {
      const std::string& t = row == 0 ? groups[g].label : groups[g].sublabel;
      float tw = ImGui::CalcTextSize(t.c_str()).x;
      dl->AddText(ImVec2(x0 + (slot - tw) / 2, base + gap / 2 + line * static_cast<float>(row)), row ? dim : ink, t.c_str());
    }
  }
  dl->AddLine(ImVec2(p.x, base), ImVec2(p.x + slot * static_cast<float>(groups.size()), base), dim, std::max(1.0f, css(1)));
  ImGui::Dummy(ImVec2(w, h));
}

// One row per group, its bars under its label, values at the bars' ends (a phone).
void horizontal_bars(const std::vector<Series>& series, const std::vector<BarGroup>& groups, int suppress_below, double top) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float line = ImGui::GetTextLineHeight(), gap = css(6);
  float w = ImGui::GetContentRegionAvail().x;
  float value_w = ImGui::CalcTextSize(("fewer than " + std::to_string(suppress_below)).c_str()).x + gap;
  float bar_h = line * 0.9f, room = std::max(css(20), w - value_w - gap);
  float group_h = line + (bar_h + gap / 2) * static_cast<float>(series.size()) + gap;
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    float y = p.y + group_h * static_cast<float>(g);
    std::string label = groups[g].label + (groups[g].sublabel.empty() ? "" : " " + groups[g].sublabel);
    dl->AddText(ImVec2(p.x, y), ink, fit_text(label, w).c_str());
    y += line + gap / 4;
    for (std::size_t k = 0; k < series.size(); ++k) {
      const BoardCell& c = groups[g].cells[k];
      double v = c.value ? static_cast<double>(*c.value) : c.suppressed ? suppress_below - 1 : 0;
      float len = std::max(static_cast<float>(v / top) * room, stub(c));
      bar(dl, ImVec2(p.x, y), ImVec2(p.x + len, y + bar_h), c, series[k].colour);
      dl->AddText(ImVec2(p.x + len + gap, y + (bar_h - line) / 2), c.suppressed ? dim : ink, cell_words(c, suppress_below).c_str());
      y += bar_h + gap / 2;
    }
  }
  ImGui::Dummy(ImVec2(w, group_h * static_cast<float>(groups.size())));
}

void bar_chart(const std::string& title, const std::vector<Series>& series, const std::vector<BarGroup>& groups,
               int suppress_below, const std::string& empty_words) {
  heading(title);
  if (groups.empty()) {
    muted(empty_words);
    return;
  }
  double top = 1;
  bool any_suppressed = false;
  float label_w = 0, value_w = 0;
  for (const auto& g : groups) {
    label_w = std::max({label_w, ImGui::CalcTextSize(g.label.c_str()).x, ImGui::CalcTextSize(g.sublabel.c_str()).x});
    for (const auto& c : g.cells) {
      top = std::max(top, c.value ? static_cast<double>(*c.value) : c.suppressed ? suppress_below - 1.0 : 0.0);
      any_suppressed = any_suppressed || c.suppressed;
      value_w = std::max(value_w, ImGui::CalcTextSize(cell_words(c, suppress_below, true).c_str()).x);
    }
  }
  legend(series, any_suppressed, suppress_below);
  float slot = ImGui::GetContentRegionAvail().x / static_cast<float>(groups.size());
  bool columns = slot >= std::max(label_w, value_w * static_cast<float>(series.size())) + css(10);
  ImGui::BeginGroup();
  if (columns) vertical_bars(series, groups, suppress_below, top);
  else horizontal_bars(series, groups, suppress_below, top);
  ImGui::EndGroup();
  mirror_last("img", chart_words(title, series, groups, suppress_below));
}

void month_chart(const BoardFigures& f) {
  std::vector<BarGroup> groups;
  for (std::size_t i = 0; i < f.by_month.size(); ++i) {
    const BoardMonth& m = f.by_month[i];
    auto d = parse_date(m.month + "-01");
    // The year under the first month and under each January, so a label is never ambiguous.
    std::string year = d && (i == 0 || d->month == 1) ? std::to_string(d->year) : "";
    groups.push_back({d ? month_short(d->month) : m.month, d ? year : "", {m.opened, m.resolved}});
  }
  bar_chart("Opened and resolved, by month", {{"Opened", opened_colour()}, {"Resolved", resolved_colour()}}, groups,
            f.suppress_below, "No challenge was opened or resolved in this period.");
}

std::vector<BarGroup> stage_groups(const std::vector<BoardStageCount>& stages) {
  std::vector<BarGroup> groups;
  for (const auto& s : stages) groups.push_back({s.label, "", {s.count}});
  return groups;
}

// ---- Tables ------------------------------------------------------------------------------

// Label and figure, one row each; long labels wrap inside their column on a phone.
void count_table(const char* id, const std::string& title, const std::vector<BoardCount>& rows, int suppress_below,
                 const std::string& empty_words, bool categories = false) {
  heading(title);
  if (rows.empty()) {
    muted(empty_words);
    return;
  }
  float value_w = ImGui::CalcTextSize(("fewer than " + std::to_string(suppress_below)).c_str()).x;
  // Not wider than a label and its figure need on a desktop: the eye should not have to
  // cross the whole window from a name to its count.
  float width = std::min(ImGui::GetContentRegionAvail().x, css(640));
  if (!ImGui::BeginTable(id, 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_NoSavedSettings |
                                    ImGuiTableFlags_PadOuterX,
                         ImVec2(width, 0)))
    return;
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthFixed, value_w);
  for (const auto& r : rows) {
    std::string label = categories ? category_label(r.label) : r.label, value = cell_words(r.count, suppress_below);
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextWrapped("%s", label.c_str());
    ImGui::TableSetColumnIndex(1);
    // Figures right-aligned, so their digits line up.
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + value_w - ImGui::CalcTextSize(value.c_str()).x);
    if (r.count.suppressed) ImGui::TextDisabled("%s", value.c_str());
    else ImGui::TextUnformatted(value.c_str());
    mirror_last("text", label + ": " + value);
  }
  ImGui::EndTable();
}

void days_to_resolution(const BoardFigures& f) {
  heading("Days to resolution");
  text("Resolved in the period: " + cell_words(f.resolved, f.suppress_below));
  if (f.days_suppressed || (!f.median_days && !f.p90_days)) {
    bool none = f.resolved.value && *f.resolved.value == 0;
    text(none ? "Median and 90th percentile: none resolved yet."
              : "Median and 90th percentile: suppressed (fewer than " + std::to_string(f.suppress_below) + " resolved).");
    return;
  }
  if (f.median_days) text("Median: " + days_words(*f.median_days) + " working days");
  if (f.p90_days) text("90th percentile: " + days_words(*f.p90_days) + " working days");
}

void patterns(const BoardFigures& f) {
  heading("Patterns flagged");
  std::string rule = std::to_string(f.pattern_count) + " or more challenges between the same two agencies in one category within " +
                     std::to_string(f.pattern_window_days) + " days";
  if (f.patterns.empty()) {
    muted("None: no " + rule + ".");
    return;
  }
  muted("Flagged: " + rule + ".");
  for (const auto& p : f.patterns)
    text("Isolated or systemic? " + p.challenger + " → " + p.challenged + ", category " + category_label(p.category) + ": " +
         cell_words(p.count, f.suppress_below) + " within " + std::to_string(p.window_days) + " days (" + date_words(p.from) +
         " to " + date_words(p.to) + ")");
}

void figures(const BoardFigures& f) {
  std::string n = std::to_string(f.suppress_below);
  text("Challenges opened: " + cell_words(f.total, f.suppress_below));
  std::string why = "Counts under " + n + " are not shown, so no one can be identified; where one is hidden, the "
                    "next smallest is hidden too, so it cannot be worked out by subtraction.";
  muted(f.suppressed_cells == 0 ? "No figure is suppressed. " + why
        : std::to_string(f.suppressed_cells) + (f.suppressed_cells == 1 ? " figure is" : " figures are") +
              " suppressed (shown as \"not shown\"). " + why);
  if (f.total.value && *f.total.value == 0 && f.by_month.empty()) {
    text("No challenges were opened in this period" + (f.agency.empty() ? std::string(".") : " involving " + f.agency + "."));
    return;
  }
  month_chart(f);
  bar_chart("Resolved, by the stage reached", {{"Resolved", opened_colour()}}, stage_groups(f.resolved_at_stage),
            f.suppress_below, "None resolved in this period.");
  bar_chart("Timescales missed, by stage", {{"Missed", resolved_colour()}}, stage_groups(f.missed_by_stage),
            f.suppress_below, "No timescale was missed.");
  count_table("by category", "By category", f.by_category, f.suppress_below, "No challenges.", true);
  count_table("by agency pair", "By agency pair (challenger → challenged)", f.by_agency_pair, f.suppress_below,
              "No challenges.");
  count_table("missed by agency", "Timescales missed, by agency", f.missed_by_agency, f.suppress_below,
              "No timescale was missed.");
  days_to_resolution(f);
  patterns(f);
}

}  // namespace

void screen_board(App& app, Drafts&) {
  heading("Board dashboard");
  if (!app.board_member()) {
    text("The Board dashboard is for the Board's business unit.");
    return;
  }
  if (!app.signed_in()) {
    text("Sign in to the office server (Settings) to see the Board's figures.");
    return;
  }
  draw_filters(app);
  ask_for_figures(app, false);   // after the filters: a change is asked for in the same frame
  draw_state(app);
  if (!app.board.figures) return;
  draw_downloads(app);
  figures(*app.board.figures);
}

}  // namespace parley::ui
