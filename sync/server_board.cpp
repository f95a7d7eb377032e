// sync/server_board.cpp — the Board's dashboard and its CSV from the office server's
// pseudonymised rows (one per challenge, kept by sync/server_notify.cpp in each push's
// transaction). Only the Board role (or the administrator at the console) may read them;
// the figures themselves are core/board_stats.cpp's, so the client, the API and the CSV
// never differ.
#include <chrono>

#include "core/clock.h"
#include "sync/server_store_impl.h"

namespace parley::server {
namespace {

std::vector<BoardRow> read_rows(ServerStore::Impl& im, const BoardFilter& f) {
  Stmt s(im.db,
         "SELECT procedure, category, challenger, challenged, opened_at, status, ended_at, stage, working_days, missed, "
         "expedited FROM board_rows WHERE opened_at >= ?1 AND opened_at < ?2 "
         "AND (?3 = '' OR challenger = ?3 OR challenged = ?3) ORDER BY opened_at");
  s.bind(f.from, f.to, f.agency);
  std::vector<BoardRow> out;
  while (s.step()) {
    BoardRow r;
    r.procedure = s.text(0), r.category = s.text(1), r.challenger_agency = s.text(2), r.challenged_agency = s.text(3);
    r.opened_at = s.i64(4), r.status = s.text(5), r.ended_at = s.i64(6), r.stage = static_cast<int>(s.i64(7));
    if (!s.is_null(8)) r.working_days_to_resolution = static_cast<int>(s.i64(8));
    for (const auto& m : Json::parse(s.view(9))) r.missed_stages.push_back(m.get<int>());
    r.expedited = s.i64(10) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

void only_board(const Caller* caller) {
  if (caller && !caller->is_board())
    throw ApiError(403, "forbidden", "the Board's dashboard is for the Board business unit (role board)");
}

}  // namespace

Json ServerStore::board_dashboard(const Caller* caller, const BoardFilter& filter, std::int64_t now) {
  only_board(caller);
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  BoardConfig config = board_config_of(im);
  Json out = parley::board_dashboard(read_rows(im, filter), filter, config.stats);
  out["as_of"] = format_utc(now);
  Json agencies = Json::array();
  Stmt s(im.db, "SELECT name FROM agencies ORDER BY name");
  s.bind();
  while (s.step()) agencies.push_back(s.text(0));
  out["agencies"] = std::move(agencies);
  return out;
}

std::string ServerStore::board_csv(const Caller* caller, const BoardFilter& filter, const std::string& what) {
  if (what != "figures" && what != "challenges")
    throw ApiError(400, "bad_request", "what: give figures or challenges", "what");
  only_board(caller);
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  BoardConfig config = board_config_of(im);
  auto rows = read_rows(im, filter);
  if (what == "challenges") return board_rows_csv(rows, filter);
  return board_figures_csv(parley::board_dashboard(rows, filter, config.stats));
}

}  // namespace parley::server
