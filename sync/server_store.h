// sync/server_store.h — the office sync server's database: who may sign in, which devices
// hold tokens, every event ever pushed, and what each audience may pull.
//
// Model (docs/sync-protocol.md): the server stores each event once, in arrival order
// (`server_seq`), as the canonical JSON text it was pushed as, and appends it to the feed
// of every audience allowed to see it: each agency that is a party to its challenge, and
// the Board business unit ("#board") once the challenge reaches a stage at which the
// procedure notifies the Board. When an audience joins a challenge late (party_added, or
// the Board stage reached) every earlier event is appended to its feed, so it arrives
// after any cursor that audience already holds. A cursor is a position in one audience's
// feed; it only grows. Nothing is ever updated or deleted except tokens being revoked.
//
// A push is validated completely (shape, limits, hashes, hash chain, the caller's device
// and name, party membership, (device, seq) reuse) before anything is written; then it is
// stored in one transaction, so a crash leaves the bundle stored whole or not at all. A
// refused request leaves one row in `quarantine` (reason code, field, user, device, size;
// never subject details) so refusals are visible, not silently dropped.
//
// This file has no HTTP: every entry point takes the caller (from authenticate()) and the
// request JSON and returns the response JSON, or throws ApiError{status, code, message,
// field}, which sync/server_http.cpp turns into the JSON error body. Calls are serialised
// by one mutex: SQLite has one writer anyway, and a push is one short transaction.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/board_stats.h"
#include "core/event.h"
#include "core/notifications.h"
#include "core/procedure.h"
#include "sync/mailer.h"

struct sqlite3;

namespace parley {
struct ChallengeState;
}

namespace parley::server {

struct PushRequest;      // sync/server_push.cpp
struct IncomingBundle;
struct Incoming;
class History;

// Limits (docs/sync-protocol.md "Limits").
constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxPushEvents = 2000;
constexpr int kDefaultPullLimit = 1000;
constexpr int kMaxPullLimit = 5000;
constexpr int kProtocolVersion = 1;
constexpr std::size_t kMinPasswordLength = 12;   // docs/security.md "Passwords"

// A refused request: HTTP status, stable code (clients branch on it), a message that says
// what to fix, and the field at fault when there is one ("bundles[0].events[3].hash").
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, std::string field = {}, int retry_after = 0)
      : std::runtime_error(message), status(status), code(std::move(code)), field(std::move(field)),
        retry_after(retry_after) {}
  int status;
  std::string code, field;
  int retry_after;        // seconds; when > 0 the HTTP layer sends a Retry-After header
  bool wipe = false;      // the device must erase its records (WipeRequested)
  Json to_json() const;   // {"error": {"code", "message", "field"?, "wipe"?}}
};

// The answer to a device the administrator asked to erase its records (`admin revoke-device
// --wipe`), whenever it shows itself: a token ever issued to it, or a sign-in naming it
// with the right password. 410 wipe_requested with "wipe": true. `first_time` is true only
// for the answer that recorded the time the device was told.
class WipeRequested : public ApiError {
 public:
  WipeRequested(std::string device, std::int64_t user_id, bool first_time);
  std::string device;
  std::int64_t user_id;
  bool first_time;
};

// Who is calling: the signed-in user and the device its token was issued to.
struct Caller {
  std::int64_t user_id = 0;
  std::string username, name, job_title, agency, role;
  std::string device;
  std::string token_hash;
  bool is_board() const { return role == "board"; }
};

struct UserRow {
  std::int64_t id = 0;
  std::string username, name, job_title, agency, role;
  bool disabled = false;
};

struct DeviceRow {
  std::string device, name, username;
  std::int64_t first_seen = 0, last_seen = 0;
  bool revoked = false;
  std::int64_t wipe_requested = 0, wipe_told = 0;   // UTC ms; 0: no wipe asked for / not told yet
};

// One email in the office's outbox (sync/server_notify.cpp). `key` is the idempotency key:
// the trigger's (core/notifications.h) and the address; one row per key, ever.
struct OutboxRow {
  std::int64_t id = 0;
  std::string key, challenge, rule, address, record_to, subject, body, reason;
  std::string state;            // pending, sent, refused (5xx: a person must look), no_address, expired
  std::int64_t created_at = 0, due_at = 0, next_attempt = 0, sent_at = 0;
  std::optional<std::int64_t> expires_at;
  int attempts = 0;
  std::string last_error, event_id;
  std::string message_id() const;   // "<sha256(key)[0..32]>@parley": the same on every resend
};

// The Board's settings for email and its dashboard (`admin board-settings`).
struct BoardConfig {
  MessageSettings messages;
  BoardSettings stats;
  Json to_json() const;
  static BoardConfig from_json(const Json& j);   // missing members keep their defaults
};

// An opening the server accepted with its other agency marked as not in the Board's
// directory (core/agencies.h): flagged for the Board's administrator to act on.
struct UnlistedAgencyRow {
  std::string challenge, typed, challenger;   // the name as the device typed it; the raising agency
  std::int64_t opened_at = 0, user_id = 0;    // the event's time (UTC ms); who pushed it
  bool listed_since = false;                  // the administrator has since added that name
};

struct QuarantineRow {
  std::int64_t at = 0, user_id = 0, bytes = 0;
  std::string device, code, field;
};

// Checks `text` is valid UTF-8 and parses it as JSON. Throws ApiError 400 bad_utf8 /
// bad_json naming the byte offset.
Json parse_request_body(std::string_view text);
bool valid_utf8(std::string_view text);

class ServerStore {
 public:
  // Opens (creating when absent) the database at `path` (WAL, synchronous=FULL). A new
  // database gets a random epoch. `board` names the Board this server serves.
  explicit ServerStore(const std::string& path);
  ~ServerStore();
  ServerStore(const ServerStore&) = delete;
  ServerStore& operator=(const ServerStore&) = delete;

  bool was_created() const { return created_; }

  // ---- administration (parley-server admin) ----
  void add_agency(const std::string& name);
  std::vector<std::string> agencies();
  // GET /api/agencies: {"version", "agencies": [names, in order]}; the version is a digest
  // of the list, so it changes exactly when the list does.
  Json agency_directory();
  // Openings accepted naming an agency not in the directory (marked "agency_not_listed"),
  // newest first: what the Board's administrator must resolve (docs/board.md).
  std::vector<UnlistedAgencyRow> unlisted_agencies();
  // Throws ApiError 400 bad_request for an unknown agency, role or a duplicate username.
  std::int64_t add_user(const std::string& username, const std::string& password, const std::string& name,
                        const std::string& job_title, const std::string& agency, const std::string& role);
  std::vector<UserRow> users();
  // A new password (at least kMinPasswordLength characters) for a user; every session of
  // theirs ends. Throws ApiError 404 for an unknown user, 400 for a short password.
  void set_password(const std::string& username, const std::string& password, std::int64_t now);
  // Disabling refuses the user's sign-ins and revokes all their devices and tokens at once;
  // enabling lets them sign in again on a new device.
  void set_user_disabled(const std::string& username, bool disabled, std::int64_t now);
  // A token unused for this many days stops working (default 30).
  void set_token_idle_days(int days);
  // Where security events (failed sign-ins) are logged: one JSON line each. Default stderr.
  void set_log(std::function<void(const std::string&)> log);
  std::vector<DeviceRow> devices();
  // Revokes every token of the device and refuses it future sign-ins. With `and_wipe` the
  // device is also told to erase its records at its next contact (410, see WipeRequested);
  // an already revoked device can be marked so too. False if the device is unknown.
  bool revoke_device(const std::string& device, std::int64_t now, bool and_wipe = false);
  // Replaces the epoch (after restoring a backup) and returns the new one.
  std::string new_epoch();
  std::string epoch();
  std::vector<QuarantineRow> quarantine();
  void set_board(const std::string& name);
  std::string board();
  // The procedures this server checks against (default: the shipped ones); a Board's own
  // directory (`serve --procedures DIR`) adds its files and contacts file.
  void use_procedures(ProcedureLibrary library);

  // ---- email and the Board (sync/server_notify.cpp, sync/server_board.cpp) ----
  // A user's email address for messages ("" removes it). Throws ApiError 404 / 400.
  void set_email(const std::string& username, const std::string& address);
  std::string email(const std::string& username);
  void set_smtp(const SmtpSettings& settings);     // kept in the database (0600), never logged
  std::optional<SmtpSettings> smtp();
  BoardConfig board_config();
  void set_board_config(const BoardConfig& config);
  // Plans the messages of challenges whose next reminder or missed timescale has come
  // (each challenge's wake time is set after every push); returns how many challenges it
  // looked at (call again until 0).
  std::size_t plan_due(std::int64_t now, std::size_t max_challenges = 1000);
  // Pending rows whose next attempt has come, oldest first, at most `limit`.
  std::vector<OutboxRow> due_outbox(std::int64_t now, std::size_t limit);
  // After the SMTP server accepted row `id`: marks it sent and records a notification_sent
  // event on its challenge (authored by the office, seen by every party), in one transaction.
  void mark_sent(std::int64_t id, const std::string& detail, std::int64_t now);
  // A failed attempt: `permanent` (5xx) stops retrying; otherwise the next attempt waits
  // `retry_after_ms`.
  void mark_failed(std::int64_t id, bool permanent, const std::string& detail, std::int64_t retry_after_ms,
                   std::int64_t now);
  void mark_expired(std::int64_t id, std::int64_t now);
  // Every row, newest first (`admin list-outbox`), or only those in `state`.
  std::vector<OutboxRow> outbox(const std::string& state = "", std::size_t limit = 1000);
  // Called (outside the store's lock) after a push added outbox rows: wakes the sender.
  void on_outbox(std::function<void()> wake);

  // The Board's dashboard (core/board_stats.h) over the challenges opened in the filter's
  // period, plus "as_of" and "agencies"; and the same as CSV (`what`: figures | challenges).
  // Only for the Board role (403 otherwise); `caller` null: the administrator.
  Json board_dashboard(const Caller* caller, const BoardFilter& filter, std::int64_t now);
  std::string board_csv(const Caller* caller, const BoardFilter& filter, const std::string& what);

  // ---- API (docs/sync-protocol.md "Endpoints"); `now` is UTC ms ----
  Json health();
  // `address` is the client's IP address as the HTTP layer saw it: sign-in attempts are
  // throttled per user and per address (429 too_many_attempts with retry_after), and each
  // failure is logged with both. The right password naming a device marked for wipe gets
  // WipeRequested (410), before any other refusal.
  Json login(const Json& request, std::int64_t now, const std::string& address = "");
  // Resolves "Bearer <token>"'s token; throws ApiError 401 unauthorized, or WipeRequested
  // (410) for any token ever issued to a device marked by revoke-device --wipe.
  Caller authenticate(std::string_view token, std::int64_t now);
  Json logout(const Caller& caller);
  Json push(const Caller& caller, const Json& request, std::size_t request_bytes, std::int64_t now);
  // `cursor` and `limit` as given in the query string ("" when absent).
  Json pull(const Caller& caller, std::string_view cursor, std::string_view limit, std::string_view epoch = {});
  // Pull answers as text: the stored event texts are spliced in without re-parsing.
  std::string pull_text(const Caller& caller, std::string_view cursor, std::string_view limit,
                        std::string_view epoch = {});
  Json me(const Caller& caller);
  Json procedures();
  // The same as text, and its version (sha256 of the content), computed once.
  std::string procedures_text();
  std::string procedures_version();
  Json aggregates(const Caller& caller);

  // Records a refused request (no subject details: code, field, size, who).
  void record_refusal(const ApiError& e, const Caller* caller, std::size_t request_bytes, std::int64_t now);

  // Counts, for tests and the admin tool.
  std::int64_t event_count();
  std::int64_t feed_count(const std::string& audience);

 public:
  struct Impl;   // sync/server_store_impl.h, shared by the sync/server_*.cpp files only
 private:
  std::unique_ptr<Impl> impl_;
  struct Account {
    UserRow user;
    std::string hash, salt;   // salt and iterations: PBKDF2 hashes from before Argon2id
    int iterations = 0;
  };
  Account account(const std::string& username);
  Json start_session(const UserRow& user, const std::string& device, const std::string& device_name,
                     const std::string& upgraded_hash, std::int64_t now);
  void log_sign_in_failure(const std::string& username, const std::string& address, const char* reason,
                           std::int64_t now);
  // Throws WipeRequested when `device` is `user_id`'s and marked for wipe; the lock is held.
  void refuse_device_to_wipe(const std::string& device, std::int64_t user_id, std::int64_t now);
  Json push_checked(const Caller& caller, PushRequest& request, std::int64_t now);
  std::size_t store_bundle(const Caller& caller, IncomingBundle& bundle, PushRequest& request,
                           std::set<std::string>& done_ids, Json& acked, std::int64_t now);
  bool stored_already(const Incoming& event, const History& history);
  void check_new_event(const Incoming& event, const PushRequest& request);
  void create_challenge(const IncomingBundle& bundle, const Event& opened);
  void flag_if_not_listed(const Caller& caller, const Event& opened, const std::vector<std::string>& directory);
  void follow_stage(const std::string& challenge, const ChallengeState& state);
  // After a push changed a challenge: its Board row, its messages and its wake time.
  std::size_t after_change(const std::string& challenge, const ChallengeState& state, std::int64_t now);
  // Once, after the upgrade that added email: a Board row for every challenge, and each
  // message already due recorded as skipped (never sent late for old events).
  void backfill_board_rows();
  std::function<void()> wake_sender_;
  std::size_t outbox_added_ = 0;   // rows added by the push under way
  bool created_ = false;
  std::mutex mutex_;
};

}  // namespace parley::server
