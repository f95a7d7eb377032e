// core/board_stats.cpp — the Board's pseudonymised rows, dashboard figures and CSV (see
// board_stats.h).
//
// Model: a BoardRow is cut from a derived view and keeps only what the Board counts by
// (procedure, category, agencies, times, stage, timescales missed). The dashboard counts
// the rows the filter keeps, turns every count into a cell by one rule (cell()), then
// hides one more cell wherever a lone hidden cell could be worked out by subtraction
// (protect()), and last counts the hidden cells by walking the finished JSON, so the count
// cannot drift from what is shown. Times are read as UK local dates and months (the
// calendar's GMT/BST rule, which also runs in WebAssembly), as the Board's reports are.
#include "core/board_stats.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <set>
#include <tuple>

#include "core/calendar.h"
#include "core/json_read.h"
#include "core/procedure_rules.h"

namespace parley {
namespace {

std::string agency_of(const Json& opened_body, const char* side) {
  auto it = opened_body.find(side);
  return it != opened_body.end() && it->is_object() ? text_of(*it, "agency") : std::string();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// One row per challenge.

BoardRow board_row(const ChallengeView& view) {
  const ChallengeState& s = view.state;
  BoardRow r;
  r.procedure = s.procedure;
  r.category = text_of(s.opened_body, "category");
  r.challenger_agency = agency_of(s.opened_body, "challenger");
  r.challenged_agency = agency_of(s.opened_body, "challenged");
  r.opened_at = s.opened_at;
  r.status = std::string(to_string(view.status));
  const std::optional<std::int64_t> end = s.resolved_at ? s.resolved_at : s.closed_at;
  if (view.status != Status::Open) r.ended_at = end.value_or(0);
  r.stage = view.status != Status::Open && s.resolution_stage ? *s.resolution_stage : view.stage;
  // A challenge resolved and then closed was still resolved: it keeps its time to the
  // outcome. One closed without an outcome (referred elsewhere) has none — its
  // working_days_taken runs to the closure, which is not a resolution.
  if (s.resolved_at) r.working_days_to_resolution = view.working_days_taken;
  // Only timescales judged missed (met == false). A stage still running past its due date
  // (met null, overdue) is not counted yet: it is counted once it is left late, so a row's
  // missed list only grows and the Board's figures do not count a stage twice.
  for (const auto& t : view.timescales)
    if (t.met == false) r.missed_stages.push_back(t.stage);
  r.expedited = view.expedited;
  return r;
}

// ---------------------------------------------------------------------------------------
// The dashboard: which rows count, and the one rule for showing a count.

namespace {

constexpr const char* kArrow = " \xE2\x86\x92 ";   // " → " between challenger and challenged

// The filter's agency matches either side by agency_id ("Bury Council" and "bury  council"
// are one agency), worked out once per spelling rather than twice per row.
std::vector<const BoardRow*> keep(const std::vector<BoardRow>& rows, const BoardFilter& f) {
  const std::string want = f.agency.empty() ? std::string() : agency_id(f.agency);
  std::unordered_map<std::string, bool> matches;
  auto match = [&](const std::string& a) {
    auto [it, fresh] = matches.emplace(a, false);
    if (fresh) it->second = agency_id(a) == want;
    return it->second;
  };
  std::vector<const BoardRow*> out;
  for (const auto& r : rows)
    if (r.opened_at >= f.from && r.opened_at < f.to &&
        (want.empty() || match(r.challenger_agency) || match(r.challenged_agency)))
      out.push_back(&r);
  return out;
}

// An outcome was agreed (it may have been closed since).
bool resolved(const BoardRow& r) { return r.status == "resolved" || r.working_days_to_resolution.has_value(); }

Json suppressed_cell() { return Json{{"value", nullptr}, {"suppressed", true}}; }

// A zero reveals no one and is shown; 1 .. suppress_below-1 might, and is hidden.
Json cell(int n, const BoardSettings& s) {
  if (n > 0 && n < s.suppress_below) return suppressed_cell();
  return Json{{"value", n}};
}

bool is_suppressed(const Json& c) { return c.is_object() && c.value("suppressed", false); }

// Complementary suppression. A section's cells add up to a figure shown (or worked out)
// elsewhere: categories and agency pairs to "total", stages resolved at to "resolved", the
// months' openings to "total" and resolutions to at most "resolved", and the two missed
// sections to each other (every missed timescale counts once by stage, and once for each
// side by agency). So a section with exactly one hidden cell would give it away by
// subtraction; the smallest non-zero shown cell is hidden too. (Where the total itself is
// hidden, every non-zero cell is below the threshold and already hidden, so this costs
// nothing there.) The extra cells count in suppressed_cells like any other.
void protect(Json& items, const char* key) {
  int hidden = 0;
  Json* smallest = nullptr;
  for (auto& item : items) {
    Json& c = item[key];
    if (is_suppressed(c)) ++hidden;
    else if (c["value"].get<int>() > 0 && (!smallest || c["value"] < (*smallest)["value"])) smallest = &c;
  }
  if (hidden == 1 && smallest) *smallest = suppressed_cell();
}

// Largest shown count first, then label; hidden counts last (their order would rank them,
// and a complementary one placed among the shown counts would say its range).
bool by_count(const Json& a, const Json& b) {
  const Json &ca = a["count"], &cb = b["count"];
  if (is_suppressed(ca) != is_suppressed(cb)) return is_suppressed(cb);
  if (!is_suppressed(ca) && ca["value"] != cb["value"]) return ca["value"] > cb["value"];
  const std::string la = a.value("label", ""), lb = b.value("label", "");
  return la != lb ? la < lb : a < b;
}

bool by_stage(const Json& a, const Json& b) { return a["stage"] < b["stage"]; }

// Items (each without its count) and their counts -> the section: cells, protected, sorted.
Json section(std::vector<std::pair<Json, int>> items, const BoardSettings& s, bool (*order)(const Json&, const Json&)) {
  Json out = Json::array();
  for (auto& [item, n] : items) {
    item["count"] = cell(n, s);
    out.push_back(std::move(item));
  }
  protect(out, "count");
  std::sort(out.begin(), out.end(), order);
  return out;
}

// Agencies typed differently ("Bury Council", "bury council ") are one agency (agency_id).
// Each is shown by one spelling, the first in sort order, so the figures do not depend on
// the order of the rows.
// `by_raw` remembers each spelling's shown name, so agency_id runs once per spelling, not
// several times per row (100,000 rows: docs/performance.md).
struct AgencyNames {
  std::map<std::string, std::string> by_id;                  // agency_id -> shown spelling
  std::unordered_map<std::string, const std::string*> by_raw;   // as typed -> shown spelling
};

AgencyNames agency_names(const std::vector<const BoardRow*>& rows) {
  AgencyNames names;
  std::unordered_map<std::string, std::string> id_of;
  for (const BoardRow* r : rows)
    for (const std::string* a : {&r->challenger_agency, &r->challenged_agency}) {
      auto [seen, fresh] = id_of.emplace(*a, std::string());
      if (fresh) seen->second = agency_id(*a);
      auto [it, added] = names.by_id.emplace(seen->second, *a);
      if (!added && *a < it->second) it->second = *a;
    }
  for (const auto& [raw, id] : id_of) names.by_raw[raw] = &names.by_id.at(id);
  return names;
}

const std::string& name_of(const AgencyNames& names, const std::string& agency) { return *names.by_raw.at(agency); }

std::vector<std::pair<Json, int>> labelled(const std::map<std::string, int>& counts) {
  std::vector<std::pair<Json, int>> out;
  for (const auto& [label, n] : counts) out.push_back({Json{{"label", label}}, n});
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// The dashboard's sections.

namespace {

Date month_of(std::int64_t utc_ms) {
  Date d = uk_local_date(utc_ms);
  d.day = 1;
  return d;
}

std::string month_text(const Date& month) { return to_string(month).substr(0, 7); }

// The last millisecond of the UK month.
std::int64_t month_end(const Date& month) {
  const Date next = month.month == 12 ? Date{month.year + 1, 1, 1} : Date{month.year, month.month + 1, 1};
  return uk_start_of_day_utc_ms(next) - 1;
}

// Resolved within the period (a resolution after `to` belongs to a later period's months).
bool resolved_by(const BoardRow& r, const BoardFilter& f) { return resolved(r) && r.ended_at && r.ended_at < f.to; }

// Each row's UK months are worked out once (a conversion per row per month shown cost
// 0.4 s at 100,000 rows); "open at the month's end" is a comparison of times.
struct RowMonths {
  std::map<Date, std::pair<int, int>> counts;   // month -> opened, resolved
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;   // opened_at, ended_at (0: open)
};

RowMonths row_months(const std::vector<const BoardRow*>& rows, const BoardFilter& f) {
  RowMonths m;
  m.spans.reserve(rows.size());
  for (const BoardRow* r : rows) {
    ++m.counts[month_of(r->opened_at)].first;
    if (resolved_by(*r, f)) ++m.counts[month_of(r->ended_at)].second;
    m.spans.push_back({r->opened_at, r->ended_at});
  }
  return m;
}

Json month_figures(const Date& m, const RowMonths& rows, const BoardSettings& s) {
  const std::int64_t end = month_end(m);
  int open = 0;
  for (const auto& [opened_at, ended_at] : rows.spans) open += opened_at <= end && (ended_at == 0 || ended_at > end);
  const auto& [opened, resolutions] = rows.counts.at(m);
  return Json{{"month", month_text(m)}, {"opened", cell(opened, s)}, {"resolved", cell(resolutions, s)},
              {"open", cell(open, s)}};
}

Json by_month(const std::vector<const BoardRow*>& rows, const BoardFilter& f, const BoardSettings& s) {
  const RowMonths months = row_months(rows, f);   // its keys ascend
  Json out = Json::array();
  for (const auto& [m, counts] : months.counts) out.push_back(month_figures(m, months, s));
  protect(out, "opened");
  protect(out, "resolved");
  return out;
}

Json by_category(const std::vector<const BoardRow*>& rows, const BoardSettings& s) {
  std::map<std::string, int> counts;
  for (const BoardRow* r : rows) ++counts[r->category];
  return section(labelled(counts), s, by_count);
}

Json by_agency_pair(const std::vector<const BoardRow*>& rows, const AgencyNames& names, const BoardSettings& s) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const BoardRow* r : rows) ++counts[{name_of(names, r->challenger_agency), name_of(names, r->challenged_agency)}];
  std::vector<std::pair<Json, int>> items;
  for (const auto& [pair, n] : counts)
    items.push_back({Json{{"label", pair.first + kArrow + pair.second}, {"challenger", pair.first}, {"challenged", pair.second}}, n});
  return section(std::move(items), s, by_count);
}

Json resolved_at_stage(const std::vector<const BoardRow*>& rows, const BoardSettings& s) {
  std::map<int, int> counts;
  for (const BoardRow* r : rows)
    if (resolved(*r)) ++counts[r->stage];
  std::vector<std::pair<Json, int>> items;
  for (const auto& [stage, n] : counts) items.push_back({Json{{"stage", stage}}, n});
  return section(std::move(items), s, by_stage);
}

Json missed_by_stage(const std::vector<const BoardRow*>& rows, const BoardSettings& s) {
  std::map<int, int> counts;
  for (const BoardRow* r : rows)
    for (int stage : r->missed_stages) ++counts[stage];
  std::vector<std::pair<Json, int>> items;
  for (const auto& [stage, n] : counts)
    items.push_back({Json{{"stage", stage}, {"label", stage == 0 ? "Whole challenge" : "Stage " + std::to_string(stage)}}, n});
  return section(std::move(items), s, by_stage);
}

// A missed timescale counts for both sides (once where both sides are one agency).
Json missed_by_agency(const std::vector<const BoardRow*>& rows, const AgencyNames& names, const BoardSettings& s) {
  std::map<std::string, int> counts;
  for (const BoardRow* r : rows) {
    const std::string &a = name_of(names, r->challenger_agency), &b = name_of(names, r->challenged_agency);
    const int n = static_cast<int>(r->missed_stages.size());
    if (n == 0) continue;
    counts[a] += n;
    if (b != a) counts[b] += n;
  }
  return section(labelled(counts), s, by_count);
}

// Nearest rank: the smallest value with at least p% of the values at or below it.
int nearest_rank(const std::vector<int>& sorted, int p) {
  const std::size_t rank = (static_cast<std::size_t>(p) * sorted.size() + 99) / 100;
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

// Percentiles over fewer than suppress_below challenges are hidden; over none there is
// nothing to hide (null, not suppressed), as a zero count is shown.
Json days_to_resolution(const std::vector<const BoardRow*>& rows, const BoardSettings& s) {
  std::vector<int> days;
  int count = 0;
  for (const BoardRow* r : rows) {
    count += resolved(*r);
    if (r->working_days_to_resolution) days.push_back(*r->working_days_to_resolution);
  }
  std::sort(days.begin(), days.end());
  const int n = static_cast<int>(days.size());
  const bool shown = n > 0 && n >= s.suppress_below;
  return Json{{"resolved", cell(count, s)},
              {"median", shown ? Json(nearest_rank(days, 50)) : Json(nullptr)},
              {"p90", shown ? Json(nearest_rank(days, 90)) : Json(nullptr)},
              {"suppressed", n > 0 && !shown}};
}

struct Window {
  int count = 0;
  std::int64_t first = 0, last = 0;   // UK day numbers of its first and last opening
};

// The window holding the most openings (the earliest on a tie). A window of W days holds
// W calendar days: openings whose UK dates differ by at most W - 1 days.
Window busiest(std::vector<std::int64_t> days, int window_days) {
  Window best;
  if (window_days < 1) return best;
  std::sort(days.begin(), days.end());
  for (std::size_t i = 0, j = 0; j < days.size(); ++j) {
    while (days[j] - days[i] >= window_days) ++i;
    const int n = static_cast<int>(j - i + 1);
    if (n > best.count) best = {n, days[i], days[j]};
  }
  return best;
}

Json patterns(const std::vector<const BoardRow*>& rows, const AgencyNames& names, const BoardSettings& s) {
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::int64_t>> openings;
  for (const BoardRow* r : rows)
    openings[{name_of(names, r->challenger_agency), name_of(names, r->challenged_agency), r->category}].push_back(
        day_number(uk_local_date(r->opened_at)));
  std::vector<std::pair<Json, int>> items;
  for (const auto& [key, days] : openings) {
    const Window w = busiest(days, s.pattern_window_days);
    if (w.count == 0 || w.count < s.pattern_count) continue;
    items.push_back({Json{{"challenger", std::get<0>(key)}, {"challenged", std::get<1>(key)}, {"category", std::get<2>(key)},
                          {"window_days", s.pattern_window_days},
                          {"from", to_string(date_from_day_number(w.first))}, {"to", to_string(date_from_day_number(w.last))}},
                     w.count});
  }
  Json out = Json::array();
  for (auto& [item, n] : items) {   // no subtotal to protect: patterns overlap and need not add up
    item["count"] = cell(n, s);
    out.push_back(std::move(item));
  }
  std::sort(out.begin(), out.end(), by_count);
  return out;
}

// A pattern counts openings of one agency pair, so where that pair's own count is hidden
// the pattern's count is hidden too: otherwise the pair's count (at least the pattern's)
// and the total would give away the other hidden pairs by subtraction. The flag stays.
void withhold_hidden_pairs(Json& d) {
  for (auto& p : d["patterns"]) {
    for (const auto& pair : d["by_agency_pair"])
      if (pair.value("challenger", "") == p.value("challenger", "") &&
          pair.value("challenged", "") == p.value("challenged", "") && is_suppressed(pair["count"]))
        p["count"] = Json{{"value", nullptr}, {"suppressed", true}};
  }
}

// Hidden cells ({"value": null, "suppressed": true}) anywhere in the dashboard. The
// percentiles are not cells (days_to_resolution says "suppressed" for them itself).
int suppressed_cells(const Json& j) {
  int n = 0;
  if (j.is_object() && j.contains("value")) return is_suppressed(j) ? 1 : 0;
  if (j.is_object() || j.is_array())
    for (const auto& v : j) n += suppressed_cells(v);
  return n;
}

Json uk_day_or_null(std::int64_t ms, std::int64_t unset) {
  return ms == unset ? Json(nullptr) : Json(to_string(uk_local_date(ms)));
}

}  // namespace

BoardFilter board_filter(std::string_view from, std::string_view to, std::string agency) {
  auto day = [](std::string_view text, const char* field, int after) -> std::optional<std::int64_t> {
    if (text.empty()) return std::nullopt;
    auto d = parse_date(text);
    if (!d) throw BoardFilterError(field, "give a date as YYYY-MM-DD (not '" + std::string(text.substr(0, 40)) + "')");
    return uk_start_of_day_utc_ms(add_days(*d, after));
  };
  BoardFilter f;
  if (auto ms = day(from, "from", 0)) f.from = *ms;
  if (auto ms = day(to, "to", 1)) f.to = *ms;
  if (f.to <= f.from) throw BoardFilterError("to", "the last day must not be before the first");
  f.agency = std::move(agency);
  return f;
}

Json board_dashboard(const std::vector<BoardRow>& rows, const BoardFilter& filter, const BoardSettings& settings) {
  const std::vector<const BoardRow*> kept_rows = keep(rows, filter);
  const AgencyNames names = agency_names(kept_rows);
  Json d;
  d["period"] = Json{{"from", uk_day_or_null(filter.from, 0)},
                     {"to", uk_day_or_null(filter.to, std::numeric_limits<std::int64_t>::max())}};
  d["agency"] = filter.agency;
  d["settings"] = Json{{"suppress_below", settings.suppress_below}, {"pattern_count", settings.pattern_count},
                       {"pattern_window_days", settings.pattern_window_days}};
  d["total"] = cell(static_cast<int>(kept_rows.size()), settings);
  d["by_month"] = by_month(kept_rows, filter, settings);
  d["by_category"] = by_category(kept_rows, settings);
  d["by_agency_pair"] = by_agency_pair(kept_rows, names, settings);
  d["resolved_at_stage"] = resolved_at_stage(kept_rows, settings);
  d["missed_by_stage"] = missed_by_stage(kept_rows, settings);
  d["missed_by_agency"] = missed_by_agency(kept_rows, names, settings);
  d["days_to_resolution"] = days_to_resolution(kept_rows, settings);
  d["patterns"] = patterns(kept_rows, names, settings);
  withhold_hidden_pairs(d);
  d["suppressed_cells"] = suppressed_cells(d);
  return d;
}

// ---------------------------------------------------------------------------------------
// CSV.

// Spreadsheet formula injection (OWASP "CSV Injection"): agency names are typed by users,
// and a field starting with = + - @ (or a tab or CR, which some spreadsheets skip before
// reading a formula) would run as a formula when the Board opens the file. A leading
// apostrophe makes the spreadsheet read it as text. Our own numbers are never negative, so
// no figure is changed by this.
std::string csv_field(std::string_view text) {
  std::string s(text);
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) s.insert(0, 1, '\'');
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

namespace {

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_field(fields[i]);
  return line + "\r\n";
}

// One figure: its value is empty when hidden (or when there is none, like a median of no
// challenges).
std::string figure(const std::string& section, const std::string& label, const std::string& month, const Json& stage,
                   const Json& cell) {
  const Json value = cell.is_object() ? cell.value("value", Json(nullptr)) : Json(nullptr);
  return csv_line({section, label, month, stage.is_number() ? stage.dump() : "", value.is_number() ? value.dump() : "",
                   is_suppressed(cell) ? "yes" : "no"});
}

Json list_of(const Json& d, const char* key) { return d.contains(key) && d[key].is_array() ? d[key] : Json::array(); }

std::string listed_figures(const Json& d, const char* key, const std::string& section) {
  std::string out;
  for (const auto& item : list_of(d, key))
    out += figure(section, item.value("label", ""), "", item.value("stage", Json(nullptr)), item.value("count", Json()));
  return out;
}

std::string month_figures_csv(const Json& d) {
  std::string out;
  for (const auto& m : list_of(d, "by_month"))
    for (const char* column : {"opened", "resolved", "open"})
      out += figure(column, "", m.value("month", ""), Json(), m.value(column, Json()));
  return out;
}

std::string resolution_figures(const Json& d) {
  const Json t = d.value("days_to_resolution", Json::object());
  const bool hidden = t.value("suppressed", false);
  auto percentile = [&](const char* key) {
    return hidden ? suppressed_cell() : Json{{"value", t.value(key, Json(nullptr))}};
  };
  return figure("days_to_resolution_median", "", "", Json(), percentile("median")) +
         figure("days_to_resolution_p90", "", "", Json(), percentile("p90")) +
         figure("resolved_count", "", "", Json(), t.value("resolved", Json()));
}

// "A → B; category; 2026-01-05 to 2026-03-20": the label says which pattern it is.
std::string pattern_figures(const Json& d) {
  std::string out;
  for (const auto& p : list_of(d, "patterns")) {
    const std::string label = p.value("challenger", "") + kArrow + p.value("challenged", "") + "; " +
                              p.value("category", "") + "; " + p.value("from", "") + " to " + p.value("to", "");
    out += figure("pattern", label, "", Json(), p.value("count", Json()));
  }
  return out;
}

}  // namespace

std::string board_figures_csv(const Json& dashboard) {
  const Json& d = dashboard;
  return csv_line({"section", "label", "month", "stage", "value", "suppressed"}) +
         figure("total", "", "", Json(), d.value("total", Json())) + month_figures_csv(d) +
         listed_figures(d, "by_category", "category") + listed_figures(d, "by_agency_pair", "agency_pair") +
         listed_figures(d, "resolved_at_stage", "resolved_at_stage") + listed_figures(d, "missed_by_stage", "missed_by_stage") +
         listed_figures(d, "missed_by_agency", "missed_by_agency") + resolution_figures(d) + pattern_figures(d);
}

std::string board_rows_csv(const std::vector<BoardRow>& rows, const BoardFilter& filter) {
  std::vector<const BoardRow*> kept_rows = keep(rows, filter);
  std::stable_sort(kept_rows.begin(), kept_rows.end(),
                   [](const BoardRow* a, const BoardRow* b) { return a->opened_at < b->opened_at; });
  std::string out = csv_line({"row", "procedure", "month_opened", "category", "challenger_agency", "challenged_agency",
                              "status", "stage", "working_days_to_resolution", "timescales_missed", "expedited"});
  int n = 0;
  for (const BoardRow* r : kept_rows) {
    const auto& days = r->working_days_to_resolution;
    out += csv_line({"R" + std::to_string(++n), r->procedure, month_text(month_of(r->opened_at)), r->category,
                     r->challenger_agency, r->challenged_agency, r->status, std::to_string(r->stage),
                     days ? std::to_string(*days) : "", std::to_string(r->missed_stages.size()),
                     r->expedited ? "yes" : "no"});
  }
  return out;
}

}  // namespace parley
