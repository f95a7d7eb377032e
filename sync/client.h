// sync/client.h — the client sync engine, shared by the CLI, the desktop client and the
// browser client (docs/sync-protocol.md, "The client engine").
//
// Model: a step-wise state machine with no I/O and no clock of its own. The driver asks
// next(now) for the one request to send (or nothing: idle, backing off, or waiting for a
// response), sends it however its platform does (cpp-httplib natively: client_native.h;
// fetch in the browser), and hands the answer back with on_response(request, response,
// now). So tests can drop, duplicate, delay or reorder any message and pin the time.
//
// One round: GET /api/health (online? same epoch?) → POST /api/push of the outbox in
// batches grouped into one bundle per challenge → GET /api/pull pages until more=false,
// each page merged and the new cursor written in one local transaction → GET
// /api/agencies?version=V (the Board's agency directory, kept in the store; a short
// "unchanged" answer when the device holds it) → idle. Rounds
// start on request_sync() (after a local save, when the network comes back) and every
// 60 s; network failures, 5xx, 429 and 408 back off (1 s doubling to 5 min).
//
// Wipe: 410 with "wipe": true, to any request including a sign-in, means the office's
// administrator asked this device to erase its records (revoke-device --wipe). The engine
// keeps nothing of that answer, sends nothing more, remembers it in the store (so a
// restart still knows) and reports it: wipe_requested() and SyncState::Wipe. It never
// erases anything itself: the app does.
//
// State kept in the store's meta table ("sync_*" keys: server, token, device, epoch,
// cursor, last_ok, last_error, events_seen, wipe_requested), so it survives restarts;
// the engine itself holds only the progress of the current round. One engine per store,
// one request in flight at a time.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/engine.h"

namespace parley {

struct HttpRequest {
  std::string method;         // "GET" or "POST"
  std::string path;           // with query, relative to the server URL: "/api/pull?cursor=0&limit=1000"
  std::string body;           // JSON for POST (send Content-Type: application/json), empty for GET
  bool needs_auth = false;    // send "Authorization: Bearer " + token()
  std::uint64_t id = 0;       // which request this is; hand it back unchanged with the response
};

struct HttpResponse {
  int status = 0;             // HTTP status; 0 = no response (network error, timeout, dropped)
  std::string body;
};

enum class SyncState {
  Idle,          // nothing to do until the next round
  Syncing,       // a round is under way
  Offline,       // the server could not be reached; retrying with backoff
  BackingOff,    // the server was busy or failed (429, 5xx, 408); retrying with backoff
  NeedsSignIn,   // no token, or the server refused it: sign in (login_request)
  Error,         // something needs a person: see last_error (events stay in the outbox)
  Wipe,          // the office asked this device to erase its records: see wipe_requested()
};
const char* to_string(SyncState state);   // "idle", "syncing", "offline", "backing off", ...

struct SyncStatus {
  SyncState state = SyncState::Idle;
  std::int64_t pending = 0;                    // events only on this device (the outbox)
  std::optional<std::int64_t> oldest_pending;  // earliest `at` among them, UTC ms
  std::optional<std::int64_t> last_ok;         // end of the last complete round, UTC ms
  std::optional<std::int64_t> next_attempt;    // when a backoff ends, UTC ms
  std::string last_error;                      // one line saying what went wrong and what to do
};

// Counts for the current (or last) round, for `parley sync` and tests.
struct SyncCounts {
  std::int64_t pushed = 0;   // events sent (a resend after a lost acknowledgement counts again)
  std::int64_t acked = 0;    // events the server acknowledged and that left the outbox
  std::int64_t pulled = 0;   // events received that were new to this device
  std::int64_t quarantined = 0;   // received bundles that failed checks (kept in quarantine)
};

class SyncEngine {
 public:
  static constexpr std::int64_t kRoundEveryMs = 60'000;
  static constexpr std::int64_t kFirstBackoffMs = 1'000;
  static constexpr std::int64_t kMaxBackoffMs = 300'000;
  static constexpr std::size_t kMaxPushEvents = 2'000;
  static constexpr std::size_t kMaxPushBytes = 3 * 1024 * 1024;
  static constexpr int kPullPage = 1'000;
  // How often a round also asks whether the Board's procedures or bank-holiday data
  // changed (GET /api/procedures?version=V: a short "unchanged" answer when they did not).
  static constexpr std::int64_t kProceduresEveryMs = 6 * 3'600'000;

  // `engine` merges what is pulled; its store holds the outbox and the sync state.
  explicit SyncEngine(Engine& engine);

  // The request to send now, or none (idle, backing off, stopped, or a request is in
  // flight). Call again after every on_response and on a timer (the engine says nothing
  // about when; polling every second is plenty).
  std::optional<HttpRequest> next(std::int64_t now_ms);
  // Applies the answer to a request from next(). Answers to a request that is no longer
  // the one in flight (duplicated or late) are ignored, except that acknowledgements in
  // a late push answer still remove those events from the outbox (they are durable).
  // Never throws; failures show in status().
  void on_response(const HttpRequest& request, const HttpResponse& response, std::int64_t now_ms);

  // Asks for a round as soon as possible (after a local save; when the network comes
  // back). Cuts short a wait after a network failure, not a backoff the server asked for.
  void request_sync();
  SyncStatus status();
  const SyncCounts& counts() const { return counts_; }
  // True once the server answered any request of this device, sign-in included, with 410
  // and "wipe": true (docs/sync-protocol.md "Errors"); kept in the store's meta table
  // (sync_wipe_requested: UTC ms when told), so it stays true after a restart until the
  // store itself is erased. From then on next() sends nothing and status().state is
  // SyncState::Wipe. The app must then erase the whole local store (records not yet at
  // the office are lost with it: status().pending says how many); this engine never does.
  bool wipe_requested() const { return wipe_requested_; }
  bool busy() const { return phase_ != Phase::Idle; }   // a round is under way

  // The server, without a trailing slash ("https://parley.example.org"). Changing it
  // forgets the token, epoch and cursor, and queues every local event again.
  // Both are kept in memory as well as in the store (the UI asks every frame).
  const std::string& server() const;
  void set_server(const std::string& url);
  const std::string& token() const;   // for the Authorization header; empty when signed out

  // Sign-in (POST /api/login, no token). The store's device id is sent with it.
  HttpRequest login_request(const std::string& username, const std::string& password, const std::string& device_name);
  // Stores the token and sets this device's profile ("identity": events are authored as
  // this user from then on). Returns the user profile JSON ({username, name, job_title,
  // agency, role, board}). Throws std::runtime_error with the server's message (or what
  // to check) when sign-in failed.
  Json on_login_response(const HttpResponse& response, std::int64_t now_ms);
  // Forgets the token (the server copy is revoked with POST /api/logout, needs_auth).
  void sign_out();

  // The Board's procedures and holiday data last received from the server, checked on
  // receipt (each procedure parses and validates, the holidays load) and kept in the
  // store's meta table as {"version", "procedures": [...], "holidays": {...}}; empty when
  // none was received. procedures_changed() is true once after a new copy was stored.
  std::string server_procedures();
  bool procedures_changed();
  // True once after a round stored a new copy of the Board's agency directory (the store's
  // `agencies`, core/agencies.h): the app re-reads it for the raise screen's picker.
  bool agencies_changed();

 private:
  enum class Phase { Idle, Probe, Push, Pull, Agencies, Procedures };
  enum class Failure { Network, Busy, SignIn, Stop, Wipe };
  void start_round(std::int64_t now_ms);
  void finish_round(std::int64_t now_ms);
  void fail(Failure kind, const std::string& message, std::int64_t now_ms);
  bool handle_common_failure(const HttpResponse& r, const std::string& what, std::int64_t now_ms);
  bool stop_if_wipe(const HttpResponse& r, std::int64_t now_ms);   // true: it was the wipe answer
  void reset_for_new_epoch(const std::string& epoch);
  bool same_epoch(const Json& body, std::int64_t now_ms);   // false: changed, round restarted
  void restart_after_epoch_change(const std::string& epoch, std::int64_t now_ms);
  std::optional<HttpRequest> next_push();
  void on_health(const HttpResponse& r, std::int64_t now_ms);
  void on_push(const HttpResponse& r, std::int64_t now_ms);
  void on_pull(const HttpResponse& r, std::int64_t now_ms);
  void on_procedures(const HttpResponse& r, std::int64_t now_ms);
  void on_agencies(const HttpResponse& r, std::int64_t now_ms);
  void end_pull(std::int64_t now_ms);         // the last page is in: the agency directory next
  void after_agencies(std::int64_t now_ms);   // check procedures if due, else finish
  void apply_acks(const Json& body);
  std::string guard_store();   // non-empty: why this store must not sync (guarantee 7)
  std::string meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);
  void record_error(const std::string& message);
  HttpRequest issue(HttpRequest r, std::int64_t now_ms);

  Engine& engine_;
  Store& store_;
  Phase phase_ = Phase::Idle;
  SyncState state_ = SyncState::Idle;
  bool requested_ = true;              // a round is due at the first next()
  bool needs_sign_in_ = false;         // no token, 401, device_seq_reused: until on_login_response
  bool stopped_ = false;               // not a Parley server, a guarded store: until request_sync
  bool wipe_requested_ = false;        // the server said erase: for good (the store is to go)
  std::int64_t next_round_at_ = 0;
  std::int64_t retry_at_ = 0;
  std::int64_t backoff_ms_ = 0;
  bool retry_on_request_ = false;      // the wait is for the network, not the server
  std::uint64_t last_id_ = 0;
  std::optional<HttpRequest> in_flight_;
  std::int64_t issued_at_ = 0;
  std::int64_t push_after_ = 0;        // outbox position the next batch starts after
  std::vector<std::int64_t> batch_positions_;   // the batch in flight
  std::vector<std::string> batch_challenges_;   // each of its events' challenge
  std::vector<std::string> batch_bundles_;      // its bundles' challenges, in the order sent
  std::size_t batch_limit_ = kMaxPushEvents;    // halved on 413
  std::set<std::int64_t> held_back_;   // outbox positions the server refused (kept, not resent)
  std::string pull_cursor_;            // the cursor of the pull in flight
  int epoch_resets_ = 0;               // in this round: a server that keeps changing is an error
  bool round_had_error_ = false;
  std::optional<std::int64_t> last_ok_;
  std::string last_error_;
  SyncCounts counts_;
  bool procedures_changed_ = false;
  bool agencies_changed_ = false;
  std::string server_, token_;         // copies of the sync_server and sync_token meta values
};

}  // namespace parley
