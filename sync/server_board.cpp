// sync/server_board.cpp — the Board's dashboard and its CSV from the office server's
// pseudonymised rows (one per challenge, kept by sync/server_notify.cpp in each push's
// transaction). Only the Board role (or the administrator at the console) may read them;
// the figures themselves are core/board_stats.cpp's, so the client, the API and the CSV
// never differ. The rows are held in memory after the first read (re-reading 100,000 rows
// for each dashboard cost 0.25-0.6 s; docs/performance.md), updated when each change commits.
#include <chrono>

#include "core/clock.h"
#include "sync/server_store_impl.h"

namespace parley::server {
namespace {

// The rows of a period (and their challenges' ids when `ids` is given).
std::vector<BoardRow> read_rows(ServerStore::Impl& im, const BoardFilter& f, std::vector<std::string>* ids = nullptr) {
  Stmt s(im.db,
         "SELECT procedure, category, challenger, challenged, opened_at, status, ended_at, stage, working_days, missed, "
         "expedited, challenge FROM board_rows WHERE opened_at >= ?1 AND opened_at < ?2 "
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
    if (ids) ids->push_back(s.text(11));
    out.push_back(std::move(r));
  }
  return out;
}

void only_board(const Caller* caller) {
  if (caller && !caller->is_board())
    throw ApiError(403, "forbidden", "the Board's dashboard is for the Board business unit (role board)");
}

// The rows the figures are computed from: the cache, loaded on first use (the challenge
// ids come with it so later changes find their row).
const std::vector<BoardRow>& cached_rows(ServerStore::Impl& im) {
  if (!im.board_cache) {
    std::vector<std::string> ids;
    im.board_cache = read_rows(im, BoardFilter{}, &ids);
    im.board_index.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) im.board_index[ids[i]] = i;
  }
  return *im.board_cache;
}

}  // namespace

void ServerStore::Impl::board_changed(const std::string& challenge, BoardRow row) {
  board_pending.emplace_back(challenge, std::move(row));
}

void ServerStore::Impl::board_committed() {
  if (board_cache)
    for (auto& [id, row] : board_pending) {
      auto [it, fresh] = board_index.emplace(id, board_cache->size());
      if (fresh) board_cache->push_back(std::move(row));
      else (*board_cache)[it->second] = std::move(row);
    }
  board_pending.clear();
}

void ServerStore::Impl::guarded(bool outermost, const std::function<void()>& run) {
  try {
    run();
  } catch (...) {
    board_pending.clear();
    if (!outermost) board_cache.reset();
    throw;
  }
  if (outermost) board_committed();
}

Json ServerStore::board_dashboard(const Caller* caller, const BoardFilter& filter, std::int64_t now) {
  only_board(caller);
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  BoardConfig config = board_config_of(im);
  Json out = parley::board_dashboard(cached_rows(im), filter, config.stats);
  out["as_of"] = format_utc(now);
  Json agencies = Json::array();
  Stmt s(im.db, "SELECT name FROM agencies ORDER BY name");
  s.bind();
  while (s.step()) agencies.push_back(s.text(0));
  out["agencies"] = std::move(agencies);
  // Challenges raised against an agency not in the directory (core/agencies.h), still not
  // added: no one at that agency sees them until the administrator acts. A count only: the
  // names as typed are for the administrator (`admin list-unlisted`), never the dashboard.
  Stmt flagged(im.db, "SELECT count(*) FROM agency_flags WHERE typed NOT IN (SELECT name FROM agencies)");
  flagged.bind();
  out["agencies_not_listed"] = flagged.step() ? flagged.i64(0) : 0;
  return out;
}

std::string ServerStore::board_csv(const Caller* caller, const BoardFilter& filter, const std::string& what) {
  if (what != "figures" && what != "challenges")
    throw ApiError(400, "bad_request", "what: give figures or challenges", "what");
  only_board(caller);
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  BoardConfig config = board_config_of(im);
  const auto& rows = cached_rows(im);
  if (what == "challenges") return board_rows_csv(rows, filter);
  return board_figures_csv(parley::board_dashboard(rows, filter, config.stats));
}

}  // namespace parley::server
