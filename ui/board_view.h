// ui/board_view.h — the Board dashboard's model on the client: the figures the office
// server sends (GET /api/board/dashboard, shaped as core/board_stats.h describes) parsed
// into plain structs, the period and agency filters, and the dashboard's own requests.
//
// Model: the server computes every figure and applies disclosure control; the client only
// draws what it is given and never recomputes or un-suppresses anything. The dashboard's
// requests carry ids from their own range (kBoardFirstRequestId up), so App::tick_sync can
// route their answers here and the sync engine never sees them. Nothing here touches the
// store: the figures are a view of the server, kept in memory, not domain data. Pure
// except on_response, which hands a downloaded report to platform::save_file.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sync/client.h"

namespace parley::ui {

// A count the server may have suppressed (a "cell"): a value, or suppressed (1..N-1).
struct BoardCell {
  std::optional<std::int64_t> value;
  bool suppressed = false;
};

struct BoardMonth {
  std::string month;                 // "YYYY-MM"
  BoardCell opened, resolved, open;
};
struct BoardCount {
  std::string label;
  BoardCell count;
};
struct BoardStageCount {
  int stage = 0;                     // 0: the challenge as a whole
  std::string label;                 // "Stage 2", "Whole challenge"
  BoardCell count;
};
struct BoardPattern {
  std::string challenger, challenged, category;
  BoardCell count;
  int window_days = 0;
  std::string from, to;              // "YYYY-MM-DD"
};

// Everything one dashboard answer holds.
struct BoardFigures {
  std::string period_from, period_to;   // "" = open-ended
  std::string agency;                   // "" = all agencies
  std::string as_of;                    // "YYYY-MM-DDTHH:MM:SSZ" as the server sent it
  int suppress_below = 5, pattern_count = 3, pattern_window_days = 90;
  BoardCell total;
  std::vector<BoardMonth> by_month;
  std::vector<BoardCount> by_category, by_agency_pair, missed_by_agency;
  std::vector<BoardStageCount> resolved_at_stage, missed_by_stage;
  BoardCell resolved;                   // days_to_resolution.resolved
  std::optional<double> median_days, p90_days;
  bool days_suppressed = false;
  std::vector<BoardPattern> patterns;
  int suppressed_cells = 0;
  std::vector<std::string> agencies;    // every agency the server knows (the filter's list)
};

// Parses a dashboard answer. On anything malformed returns nullopt and sets `error` to a
// sentence a person can act on (never throws).
std::optional<BoardFigures> parse_board_figures(const std::string& body, std::string& error);

// "12", "0", or "not shown" for a suppressed cell (`short_form`: "hidden", for chart labels):
// never "fewer than 5", since a cell hidden by complementary suppression may be larger.
std::string cell_words(const BoardCell& c, int suppress_below, bool short_form = false);
// "Jun 2025" for "2025-06" (the text unchanged if it is not a month).
std::string month_words(const std::string& yyyy_mm);

// The period filter's presets, in the order the screen lists them.
enum class BoardPeriod { Last12Months, ThisYear, LastYear, Custom };
const std::vector<std::string>& board_period_labels();

// Dates for a period at `now` (UTC ms; UK calendar). Both inclusive, "YYYY-MM-DD"; "" =
// open-ended. Last 12 months: this month and the 11 before it, to today, so the month
// chart has twelve whole bars.
struct BoardDates {
  std::string from, to;
};
// nullopt with `error` set when a custom date is not a real YYYY-MM-DD or from > to.
std::optional<BoardDates> board_dates(BoardPeriod period, const std::string& custom_from, const std::string& custom_to,
                                      std::int64_t now, std::string& error);
// "from=…&to=…&agency=…" (percent-encoded; empty parts left out).
std::string board_query(const BoardDates& dates, const std::string& agency);

// Requests to the office server made for this screen start here: far above anything the
// sync engine counts to, and exact as a JS number (the web bridge passes ids as doubles).
inline constexpr std::uint64_t kBoardFirstRequestId = std::uint64_t{1} << 52;

enum class BoardReport { Figures, Rows };

// What an answer means for the status bar (empty: nothing to say there).
struct BoardNotice {
  std::string text;
  bool error = false;
};

// The dashboard's state between frames: its filters, the figures last received, and
// which of its requests are in flight.
class BoardDashboard {
 public:
  // Filters the screen edits.
  BoardPeriod period = BoardPeriod::Last12Months;
  std::string custom_from, custom_to;
  std::string agency;                  // "" = all agencies

  // The figures last received: kept, and shown as not refreshed, when a later request fails.
  std::optional<BoardFigures> figures;
  enum class Status { Idle, Loading, Shown, Offline, Forbidden, SignInAgain, Failed };
  Status status = Status::Idle;
  std::string problem;                 // why the last request for figures failed, in words
  std::string filter_error;            // why the filters cannot be asked for (a bad date)

  // The request for the current filters' figures, when they differ from the ones shown or
  // asked for, or when `force` (Retry, opening the screen); nullopt otherwise. The caller
  // sends it with platform::http_send.
  std::optional<HttpRequest> figures_request(std::int64_t now, bool force = false);
  // The request for a CSV report over the current filters; nullopt while one is in flight
  // or the filters are invalid.
  std::optional<HttpRequest> report_request(BoardReport what, std::int64_t now);
  bool loading() const { return figures_id_.has_value(); }
  bool downloading() const { return report_id_.has_value(); }
  // Marks the figures to be asked for again the next time the screen draws.
  void open() { refresh_due_ = true; }
  bool refresh_due() const { return refresh_due_; }

  bool owns(std::uint64_t request_id) const { return request_id >= kBoardFirstRequestId; }
  // Takes an answer to one of this dashboard's requests (a stale one is dropped).
  BoardNotice on_response(std::uint64_t request_id, const HttpResponse& response);
  // Forgets the figures (signing out: the next person must not see them).
  void clear();

 private:
  std::uint64_t next_id_ = kBoardFirstRequestId;
  std::optional<std::uint64_t> figures_id_, report_id_;
  std::string asked_query_;            // the query of the figures shown or being fetched
  BoardDates asked_dates_;             // and its period, as the person chose it
  std::string report_name_;            // the file name the report in flight is saved as
  bool refresh_due_ = true;
  BoardNotice on_figures(const HttpResponse& response);
  BoardNotice on_report(const HttpResponse& response);
};

}  // namespace parley::ui
