// ui/board_view.cpp — the Board dashboard's model on the client (see board_view.h).
#include "ui/board_view.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/calendar.h"
#include "ui/platform.h"

namespace parley::ui {

namespace {

using Json = nlohmann::json;

// The server's answer is read strictly enough that a wrong shape is reported, not drawn as
// zeros: a Board member must never take "could not read" for "nothing happened".
struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const Json& member(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw ShapeError(std::string("\"") + key + "\" is missing");
  return j.at(key);
}

std::string text_of(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return "";
  if (!j.at(key).is_string()) throw ShapeError(std::string("\"") + key + "\" is not text");
  return j.at(key).get<std::string>();
}

int int_of(const Json& j, const char* key, int fallback) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
  if (!j.at(key).is_number_integer()) throw ShapeError(std::string("\"") + key + "\" is not a whole number");
  return j.at(key).get<int>();
}

std::optional<double> number_of(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return std::nullopt;
  if (!j.at(key).is_number()) throw ShapeError(std::string("\"") + key + "\" is not a number");
  return j.at(key).get<double>();
}

BoardCell cell_of(const Json& j, const char* key) {
  const Json& c = member(j, key);
  BoardCell out;
  if (c.is_number_integer()) {   // a bare count is a shown count
    out.value = c.get<std::int64_t>();
    return out;
  }
  if (!c.is_object() || !c.contains("value")) throw ShapeError(std::string("\"") + key + "\" is not a count");
  const Json& v = c.at("value");
  if (v.is_number_integer()) out.value = v.get<std::int64_t>();
  else if (!v.is_null()) throw ShapeError(std::string("\"") + key + "\" is not a count");
  out.suppressed = c.value("suppressed", false) && !out.value;
  return out;
}

// Each element of an optional array (absent: none).
template <typename F>
void each(const Json& j, const char* key, F&& f) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  if (!j.at(key).is_array()) throw ShapeError(std::string("\"") + key + "\" is not a list");
  for (const Json& e : j.at(key)) f(e);
}

std::vector<BoardCount> counts_of(const Json& j, const char* key) {
  std::vector<BoardCount> out;
  each(j, key, [&](const Json& e) { out.push_back({text_of(e, "label"), cell_of(e, "count")}); });
  return out;
}

std::vector<BoardStageCount> stages_of(const Json& j, const char* key) {
  std::vector<BoardStageCount> out;
  each(j, key, [&](const Json& e) {
    BoardStageCount s{int_of(e, "stage", 0), text_of(e, "label"), cell_of(e, "count")};
    if (s.label.empty()) s.label = s.stage == 0 ? "Whole challenge" : "Stage " + std::to_string(s.stage);
    out.push_back(s);
  });
  return out;
}

BoardFigures figures_of(const Json& j) {
  if (!j.is_object()) throw ShapeError("the answer is not a JSON object");
  BoardFigures f;
  f.total = cell_of(j, "total");
  if (j.contains("period") && j.at("period").is_object()) {
    f.period_from = text_of(j.at("period"), "from");
    f.period_to = text_of(j.at("period"), "to");
  }
  f.agency = text_of(j, "agency");
  f.as_of = text_of(j, "as_of");
  if (j.contains("settings") && j.at("settings").is_object()) {
    const Json& s = j.at("settings");
    f.suppress_below = int_of(s, "suppress_below", 5);
    f.pattern_count = int_of(s, "pattern_count", 3);
    f.pattern_window_days = int_of(s, "pattern_window_days", 90);
  }
  each(j, "by_month", [&](const Json& e) {
    f.by_month.push_back({text_of(e, "month"), cell_of(e, "opened"), cell_of(e, "resolved"), cell_of(e, "open")});
  });
  f.by_category = counts_of(j, "by_category");
  f.by_agency_pair = counts_of(j, "by_agency_pair");
  f.missed_by_agency = counts_of(j, "missed_by_agency");
  f.resolved_at_stage = stages_of(j, "resolved_at_stage");
  f.missed_by_stage = stages_of(j, "missed_by_stage");
  if (j.contains("days_to_resolution") && j.at("days_to_resolution").is_object()) {
    const Json& d = j.at("days_to_resolution");
    f.resolved = cell_of(d, "resolved");
    f.median_days = number_of(d, "median");
    f.p90_days = number_of(d, "p90");
    f.days_suppressed = d.value("suppressed", false);
  }
  each(j, "patterns", [&](const Json& e) {
    f.patterns.push_back({text_of(e, "challenger"), text_of(e, "challenged"), text_of(e, "category"), cell_of(e, "count"),
                          int_of(e, "window_days", f.pattern_window_days), text_of(e, "from"), text_of(e, "to")});
  });
  f.suppressed_cells = int_of(j, "suppressed_cells", 0);
  each(j, "agencies", [&](const Json& e) {
    if (e.is_string()) f.agencies.push_back(e.get<std::string>());
  });
  return f;
}

std::string percent_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// "demo-police" for "Demo Police": safe in a file name on every system.
std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// The server's own sentence when it sent one ({"error": {"code", "message"}}), for the
// person to read.
std::string server_says(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  const Json& e = j.at("error");
  if (e.is_object() && e.contains("message") && e.at("message").is_string()) return ": " + e.at("message").get<std::string>();
  if (e.is_string()) return ": " + e.get<std::string>();
  return "";
}

const char* const kForbidden =
    "The Board dashboard is for the Board's business unit. Your account is not in it; ask the Board's business "
    "manager if you need these figures.";

}  // namespace

std::optional<BoardFigures> parse_board_figures(const std::string& body, std::string& error) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    error = "The office server's answer was not readable figures (not JSON). Try again; if it persists, tell the "
            "server's administrator.";
    return std::nullopt;
  }
  try {
    return figures_of(j);
  } catch (const std::exception& e) {
    error = std::string("The office server's figures could not be read (") + e.what() +
            "). Try again; if it persists, tell the server's administrator.";
    return std::nullopt;
  }
}

std::string cell_words(const BoardCell& c, int suppress_below, bool short_form) {
  if (c.value) return std::to_string(*c.value);
  if (c.suppressed)
    return short_form ? "hidden" : "not shown";   // under suppress_below, or hidden with one that is
  return "–";
}

std::string month_words(const std::string& m) {
  auto d = parse_date(m + "-01");
  if (!d) return m;
  return month_short(d->month) + " " + std::to_string(d->year);
}

const std::vector<std::string>& board_period_labels() {
  static const std::vector<std::string> labels = {"Last 12 months", "This year", "Last year", "Custom dates"};
  return labels;
}

std::optional<BoardDates> board_dates(BoardPeriod period, const std::string& custom_from, const std::string& custom_to,
                                      std::int64_t now, std::string& error) {
  error.clear();
  Date today = uk_local_date(now);
  switch (period) {
    case BoardPeriod::Last12Months: {
      Date from{today.year, today.month - 11, 1};
      if (from.month < 1) {
        from.month += 12;
        from.year -= 1;
      }
      return BoardDates{to_string(from), to_string(today)};
    }
    case BoardPeriod::ThisYear: return BoardDates{to_string(Date{today.year, 1, 1}), to_string(today)};
    case BoardPeriod::LastYear: return BoardDates{to_string(Date{today.year - 1, 1, 1}), to_string(Date{today.year - 1, 12, 31})};
    case BoardPeriod::Custom: break;
  }
  std::optional<Date> from, to;
  if (!custom_from.empty() && !(from = parse_date(custom_from))) {
    error = "Type the first day as YYYY-MM-DD, for example 2025-04-01.";
    return std::nullopt;
  }
  if (!custom_to.empty() && !(to = parse_date(custom_to))) {
    error = "Type the last day as YYYY-MM-DD, for example 2026-03-31.";
    return std::nullopt;
  }
  if (from && to && *to < *from) {
    error = "The first day is after the last day.";
    return std::nullopt;
  }
  return BoardDates{custom_from, custom_to};
}

std::string board_query(const BoardDates& dates, const std::string& agency) {
  std::string q;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "" : "&") + std::string(key) + "=" + percent_encode(value);
  };
  add("from", dates.from);
  add("to", dates.to);
  add("agency", agency);
  return q;
}

std::optional<HttpRequest> BoardDashboard::figures_request(std::int64_t now, bool force) {
  auto dates = board_dates(period, custom_from, custom_to, now, filter_error);
  if (!dates) return std::nullopt;
  std::string query = board_query(*dates, agency);
  // The same figures already shown or on their way (or failed: not retried every frame)
  // are asked for again only when told to (Retry, opening the screen).
  if (!force && !refresh_due_ && query == asked_query_) return std::nullopt;
  HttpRequest r{"GET", "/api/board/dashboard" + (query.empty() ? "" : "?" + query), "", true, next_id_++};
  figures_id_ = r.id;   // a newer request replaces the older: its answer is dropped
  asked_query_ = query;
  asked_dates_ = *dates;
  refresh_due_ = false;
  status = Status::Loading;
  return r;
}

std::optional<HttpRequest> BoardDashboard::report_request(BoardReport what, std::int64_t now) {
  if (report_id_) return std::nullopt;
  auto dates = board_dates(period, custom_from, custom_to, now, filter_error);
  if (!dates) return std::nullopt;
  std::string query = board_query(*dates, agency);
  const char* kind = what == BoardReport::Figures ? "figures" : "challenges";
  HttpRequest r{"GET", "/api/board/report.csv?" + query + (query.empty() ? "" : "&") + "what=" + kind, "", true, next_id_++};
  report_id_ = r.id;
  // The file says what it holds: "parley-board-figures-2025-06-01-to-2026-05-31-demo-police.csv".
  report_name_ = std::string("parley-board-") + (what == BoardReport::Figures ? "figures" : "rows");
  if (!dates->from.empty()) report_name_ += "-" + dates->from;
  if (!dates->to.empty()) report_name_ += "-to-" + dates->to;
  if (!agency.empty()) report_name_ += "-" + slug(agency);
  report_name_ += ".csv";
  return r;
}

BoardNotice BoardDashboard::on_response(std::uint64_t request_id, const HttpResponse& response) {
  if (figures_id_ && request_id == *figures_id_) {
    figures_id_.reset();
    return on_figures(response);
  }
  if (report_id_ && request_id == *report_id_) {
    report_id_.reset();
    return on_report(response);
  }
  return {};   // superseded by a newer request, or asked for before a sign-out
}

BoardNotice BoardDashboard::on_figures(const HttpResponse& response) {
  problem.clear();
  switch (response.status) {
    case 200: {
      auto parsed = parse_board_figures(response.body, problem);
      if (!parsed) {
        status = Status::Failed;
        return {};
      }
      figures = std::move(*parsed);
      // The period as asked, both days included: the server echoes "to" as the day after
      // (the exclusive bound it filters with), which would read as one day too many.
      figures->period_from = asked_dates_.from;
      figures->period_to = asked_dates_.to;
      status = Status::Shown;
      return {};
    }
    case 0:
      status = Status::Offline;
      problem = "The office server could not be reached.";
      return {};
    case 401:
      status = Status::SignInAgain;
      problem = "The office server no longer accepts this device's sign-in. Sign in again (Settings) to see the figures.";
      return {};
    case 403:
      status = Status::Forbidden;
      problem = kForbidden;
      figures.reset();   // figures of a role this account no longer has are not shown
      return {};
    case 404:
      status = Status::Failed;
      problem = "This office server has no Board dashboard yet (it may need updating).";
      return {};
    default:
      status = Status::Failed;
      problem = "The office server could not give the figures (HTTP " + std::to_string(response.status) + server_says(response.body) +
                "). Try again later.";
      return {};
  }
}

BoardNotice BoardDashboard::on_report(const HttpResponse& response) {
  if (response.status == 200) {
    try {
      return {platform::save_file(report_name_, "text/csv;charset=utf-8", response.body), false};
    } catch (const std::exception& e) {
      return {std::string("The report was not saved: ") + e.what(), true};
    }
  }
  if (response.status == 0) return {"Not downloaded: the office server could not be reached. Try again when online.", true};
  if (response.status == 403) return {kForbidden, true};
  return {"Not downloaded: the office server refused (HTTP " + std::to_string(response.status) + server_says(response.body) + ").",
          true};
}

void BoardDashboard::clear() {
  figures.reset();
  figures_id_.reset();
  report_id_.reset();
  asked_query_.clear();
  status = Status::Idle;
  problem.clear();
  agency.clear();
  refresh_due_ = true;
}

}  // namespace parley::ui
