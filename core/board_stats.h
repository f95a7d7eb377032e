// core/board_stats.h — the Board's pseudonymised view across challenges: one row per
// challenge with no names, no free text and no identifiers, the dashboard's figures over
// a period, and the CSV the Board's annual report takes.
//
// Model: the office server keeps one BoardRow per challenge, refreshed from the challenge's
// derived view in the same transaction as each push (sync/server_push.cpp), and answers
// GET /api/board/dashboard with board_dashboard() over the rows in the period; the client's
// dashboard screen draws that JSON, and `parley-server admin board-report` writes the same
// figures as CSV. Statistical disclosure control: every count from 1 to
// `suppress_below - 1` is shown as suppressed (a zero reveals no one and is shown), and so
// are percentiles over fewer than `suppress_below` challenges (docs/board.md).
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.h"

namespace parley {

// One challenge, pseudonymised. Agencies are organisations (not people) and are kept:
// the Board asks "which agency pair?".
struct BoardRow {
  std::string procedure;            // procedure id
  std::string category;             // the opening's category (a fixed list, not free text)
  std::string challenger_agency, challenged_agency;
  std::int64_t opened_at = 0;       // UTC ms
  std::string status;               // "open", "resolved" or "closed"
  std::int64_t ended_at = 0;        // resolution (or closure) time, UTC ms; 0 while open
  int stage = 0;                    // the stage it is at, or resolved or closed at
  std::optional<int> working_days_to_resolution;   // opened -> outcome agreed; none unless resolved
                                    //   (kept when closed after the outcome; none when closed without one)
  std::vector<int> missed_stages;   // one entry per missed timescale: its stage (0: the challenge as a whole)
                                    //   only timescales judged missed (met == false): a stage still running
                                    //   past its due date counts once it is left late
  bool expedited = false;
};

// The row for a challenge's derived view (view.procedure must be set). A row counts as
// resolved when an outcome was agreed: status "resolved", or "closed" with working days.
BoardRow board_row(const ChallengeView& view);

struct BoardSettings {
  int suppress_below = 5;           // counts 1..suppress_below-1 are suppressed
  int pattern_count = 3;            // "isolated or systemic?": this many challenges of one
  int pattern_window_days = 90;     //   agency pair and category within this many days
};

struct BoardFilter {
  std::int64_t from = 0;            // opened_at >= from (UTC ms)
  std::int64_t to = std::numeric_limits<std::int64_t>::max();   // opened_at < to
  std::string agency;               // non-empty: only challenges where it is either side
                                    //   (compared by agency_id: case and spacing do not matter)
};

// A filter from the days a person gives: "YYYY-MM-DD" each, both days included, in UK time;
// an empty day leaves that end open. Throws BoardFilterError ("to: give a date as
// YYYY-MM-DD (not '2026-13-01')", field "to") for a day that is not a date, or a `to`
// before `from`. The office's API and `admin board-report` both read their filter with it.
class BoardFilterError : public std::invalid_argument {
 public:
  BoardFilterError(std::string field, const std::string& message)
      : std::invalid_argument(field + ": " + message), field(std::move(field)) {}
  std::string field;
};
BoardFilter board_filter(std::string_view from, std::string_view to, std::string agency);

// The dashboard's figures for the rows the filter keeps. Shape (every count is a "cell":
// {"value": N} or {"value": null, "suppressed": true}):
// {
//   "period": {"from": "YYYY-MM-DD" | null, "to": "YYYY-MM-DD" | null}, "agency": "" | NAME,
//   "settings": {"suppress_below", "pattern_count", "pattern_window_days"},
//   "total": cell,                                          challenges opened in the period
//   "by_month": [{"month": "YYYY-MM", "opened": cell, "resolved": cell, "open": cell}],
//        every month of the period that has a challenge opened or resolved in it (UK time);
//        "open" = still open at the month's end
//   "by_category": [{"label", "count": cell}],              largest first
//   "by_agency_pair": [{"label": "A → B", "challenger", "challenged", "count": cell}],
//   "resolved_at_stage": [{"stage", "count": cell}],
//   "missed_by_stage": [{"stage", "label": "Stage 2" | "Whole challenge", "count": cell}],
//   "missed_by_agency": [{"label", "count": cell}],         a missed timescale counts for both sides
//   "days_to_resolution": {"resolved": cell, "median": number|null, "p90": number|null,
//                          "suppressed": bool},              working days, nearest-rank percentiles
//   "patterns": [{"challenger", "challenged", "category", "count": cell,
//                 "window_days", "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}],
//        agency pair + category with >= pattern_count openings inside one rolling window
//   "suppressed_cells": N                                    how many cells were suppressed
// }
// Notes: period.to is the filter's exclusive end, as a UK date. Complementary suppression:
// in by_category, by_agency_pair, resolved_at_stage, missed_by_stage, missed_by_agency and
// the months' "opened" and "resolved" columns, a lone suppressed cell would be found by
// subtraction from a total shown elsewhere, so the smallest non-zero shown cell of that
// section is suppressed too (and counted in suppressed_cells, which counts cells only, not
// the percentiles). Suppressed cells sort after shown ones, by label. An agency typed two
// ways (agency_id) is one agency, shown by its first spelling in sort order. A window of
// pattern_window_days holds openings whose UK dates are at most pattern_window_days - 1
// days apart; "from"/"to" are its first and last opening. With no resolved challenge the
// percentiles are null and not suppressed (there is no one to hide, as with a zero).
Json board_dashboard(const std::vector<BoardRow>& rows, const BoardFilter& filter, const BoardSettings& settings);

// The dashboard's figures as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a
// comma, quote, CR or LF; UTF-8, no BOM), one row per figure:
//   section,label,month,stage,value,suppressed
std::string board_figures_csv(const Json& dashboard);
// One pseudonymised row per challenge the filter keeps, ordered by opening time, numbered
// R1, R2, ... (a row number, not an identifier: it changes with the filter):
//   row,procedure,month_opened,category,challenger_agency,challenged_agency,status,stage,
//   working_days_to_resolution,timescales_missed,expedited
std::string board_rows_csv(const std::vector<BoardRow>& rows, const BoardFilter& filter);

// One CSV field, quoted as RFC 4180 requires. A field starting with = + - @, tab or CR
// gets a leading apostrophe first, so a spreadsheet does not run a user-typed agency name
// as a formula (OWASP "CSV Injection").
std::string csv_field(std::string_view text);

}  // namespace parley
