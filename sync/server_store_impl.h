// sync/server_store_impl.h — private to the office server's store: the connection, its
// prepared statements and the helpers that server_store.cpp (schema, feeds, pull,
// administration), server_accounts.cpp (passwords, sign-in, tokens) and server_push.cpp
// (checking and storing pushed events) share. Nothing outside sync/server_*.cpp includes it.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fold.h"
#include "core/json_read.h"
#include "core/procedure.h"
#include "core/sqlite.h"
#include "sync/server_store.h"

struct sqlite3;

namespace parley::server {

using Stmt = parley::sql::Statement;

constexpr const char* kBoardAudience = "#board";
constexpr std::size_t kMaxNameBytes = 200;   // board, procedure, device name, usernames

std::string random_hex(std::size_t bytes);
// A JSON object member that must be text of at most `max` bytes; throws ApiError 400 naming it.
std::string need_text(const Json& j, const char* key, const std::string& where, std::size_t max = kMaxNameBytes);

// Sign-in failures per user and per client address, in memory: after a few, each further
// attempt must wait a delay that doubles (sync/server_accounts.cpp).
struct LoginThrottle {
  struct Entry {
    int failures = 0;
    std::int64_t last = 0;   // UTC ms of the last failure
  };
  std::map<std::string, Entry> entries;   // "user:NAME" or "address:IP"
  std::mutex mutex;
};

struct ServerStore::Impl {
  sqlite3* db = nullptr;
  std::optional<parley::sql::Transactions> transactions;
  ProcedureLibrary procedures = ProcedureLibrary::builtin();
  std::string procedures_json;     // GET /api/procedures, built once
  std::string procedures_version;  // sha256 of its content
  std::unique_ptr<Stmt> event_by_id, event_by_device_seq, insert_event, feed_to_parties, feed_backfill,
      challenge_by_id, insert_challenge, insert_party, is_party, set_stage, pull_page, token_lookup, max_feed,
      challenge_events;
  std::string office_device;       // the device id the office's own events carry (sync/server_notify.cpp)
  LoginThrottle throttle;
  std::int64_t token_idle_ms = 30LL * 24 * 3600 * 1000;
  std::function<void(const std::string&)> log;   // one JSON line, no newline

  ~Impl();
  std::string meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  // The Board's rows in memory (sync/server_board.cpp): loaded by the first dashboard, then
  // kept current from each committed change. A change waits in `board_pending` until its
  // transaction commits, so a rolled-back push never shows in the figures.
  std::optional<std::vector<BoardRow>> board_cache;
  std::unordered_map<std::string, std::size_t> board_index;   // challenge -> position in board_cache
  std::vector<std::pair<std::string, BoardRow>> board_pending;
  void board_changed(const std::string& challenge, BoardRow row);
  void board_committed();
  // Runs `run` (a transaction); on failure forgets pending Board rows (and the whole cache
  // when a nested savepoint failed, since its share of the pending rows is not known).
  void guarded(bool outermost, const std::function<void()>& run);

  // Runs f in one IMMEDIATE transaction (a savepoint when nested); rolls back and rethrows
  // on any error. Returns what f returns.
  template <typename F>
  auto transaction(F&& f) {
    const bool outermost = !transactions->active();
    if constexpr (std::is_void_v<decltype(f())>) {
      guarded(outermost, [&] { transactions->run(f); });
    } else {
      std::optional<decltype(f())> r;
      guarded(outermost, [&] { transactions->run([&] { r.emplace(f()); }); });
      return std::move(*r);
    }
  }

  // Stores an event (as `text`, the JSON it arrived as) and appends it to the feed of every
  // party of its challenge. `user_id` 0: the office's own.
  void append_event(const Event& e, const std::string& text, std::int64_t now, std::int64_t user_id);

  // Makes `audience` a party to `challenge`; when it is new, every event of the challenge
  // stored so far is appended to its feed (it joins late but sees the whole history).
  void add_party(const std::string& challenge, const std::string& audience);
  bool party(const std::string& challenge, const std::string& audience);
};

// The Board's agency directory (admin add-agency), in name order.
std::vector<std::string> agency_names(ServerStore::Impl& im);

// The Board's settings as stored (defaults when none were set).
BoardConfig board_config_of(ServerStore::Impl& im);

// The fold of a challenge's stored events (events that no longer parse are left out).
ChallengeState stored_state(ServerStore::Impl& im, const std::string& challenge);

}  // namespace parley::server
