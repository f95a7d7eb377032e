// sync/server_accounts.cpp — who may sign in to the office server, and for how long:
// passwords, sign-in with throttling, devices bound to their users, tokens that expire,
// accounts that can be disabled (see server_store.h and docs/security.md).
//
// Passwords: Argon2id through libsodium (crypto_pwhash_str, the "interactive" limits: 2
// passes over 64 MiB), so a stolen database costs an attacker that much per guess. Hashes
// written before (PBKDF2-HMAC-SHA256, 100,000 rounds) still verify and are replaced with
// Argon2id at the next successful sign-in. A password has at least kMinPasswordLength
// characters; the server never sees one in argv (tools/server reads it from stdin).
//
// Throttling: failures are counted per username and per client address in memory. After
// kFreeFailures (per user) or kFreeAddressFailures (per address) each further attempt must
// wait 2^(n - free) seconds after the last failure, capped at 15 minutes; while it waits,
// the answer is 429 too_many_attempts with Retry-After and the password is not even
// checked, so guessing gains nothing. A success clears the user's count (not the
// address's: one account's sign-in must not reset the guessing of another's).
//
// Devices: a device id is bound to the first user who signs in with it; anyone else is
// refused (device_taken), so a device id read from pulled events cannot be taken over. A
// new sign-in on a device revokes the device's older tokens. A token unused for
// token_idle_ms expires.
//
// Wipe: a device marked by revoke-device --wipe is answered 410 (WipeRequested) whenever
// it shows itself — any token ever issued to it, revoked or not, or a sign-in naming it
// with its user's right password — so that it erases its records at its next contact.
// Only the refusal path looks for it: a token never issued is still 401, and a wrong
// password still 401 bad_credentials, so nobody learns which devices were wiped without
// holding that device's token or its user's password. The first answer records when the
// device was told (`admin list-devices`).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/clock.h"
#include "core/sha256.h"
#include "sync/server_store_impl.h"

namespace parley::server {
namespace {

constexpr int kLegacyIterations = 100000;
constexpr int kFreeFailures = 5;
constexpr int kFreeAddressFailures = 20;
constexpr std::int64_t kMaxDelayMs = 15 * 60 * 1000;

const std::vector<std::string>& roles() {
  static const std::vector<std::string> r = {"practitioner", "line_manager", "safeguarding_lead",
                                             "senior_manager", "director", "board"};
  return r;
}

bool is_device_id(std::string_view s) {   // as core/event.cpp's ids: [A-Za-z0-9_-]{1,64}
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
      return false;
  return true;
}

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

std::string argon2id(const std::string& password) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("not enough memory to hash a password");
  return out;
}

bool is_argon2id(const std::string& stored) { return stored.rfind("$argon2id$", 0) == 0; }

std::string legacy_pbkdf2(const std::string& password, const std::string& salt, int iterations) {
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), sizeof out, out) != 1)
    throw std::runtime_error("PBKDF2 failed");
  static const char* d = "0123456789abcdef";
  std::string s(64, '0');
  for (int i = 0; i < 32; ++i) s[2 * i] = d[out[i] >> 4], s[2 * i + 1] = d[out[i] & 15];
  return s;
}

// The same work whether or not the user exists: an unknown user is checked against this.
const std::string& dummy_hash() {
  static const std::string h = argon2id("no such user: the same work either way");
  return h;
}

struct StoredPassword {
  std::string hash, salt;
  int iterations = 0;
};

bool password_matches(const std::string& password, const StoredPassword& p) {
  if (p.hash.empty() || is_argon2id(p.hash)) {
    init_sodium();
    const std::string& h = p.hash.empty() ? dummy_hash() : p.hash;
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0 && !p.hash.empty();
  }
  std::string given = legacy_pbkdf2(password, p.salt, p.iterations ? p.iterations : kLegacyIterations);
  return given.size() == p.hash.size() && CRYPTO_memcmp(given.data(), p.hash.data(), given.size()) == 0;
}

bool needs_rehash(const StoredPassword& p) {
  return !is_argon2id(p.hash) || crypto_pwhash_str_needs_rehash(p.hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

void check_password_policy(const std::string& password) {
  if (password.size() < kMinPasswordLength)
    throw ApiError(400, "bad_request",
                   "password: use at least " + std::to_string(kMinPasswordLength) +
                       " characters (a passphrase of three or four words is easiest to remember)");
  if (password.size() > 1000) throw ApiError(400, "bad_request", "password: at most 1000 characters");
}

std::int64_t delay_ms(int failures, int free) {
  if (failures < free) return 0;
  int doublings = std::min(failures - free, 20);
  return std::min<std::int64_t>(kMaxDelayMs, 1000LL << doublings);
}

// Admits one attempt for `key` (counted now, before the slow hash, so guesses sent in
// parallel are all counted), or throws 429 while `key` must wait. Check and count are one
// step under the lock: parallel requests cannot all pass the check first.
void admit_attempt(LoginThrottle& t, const std::string& key, int free, std::int64_t now) {
  std::lock_guard lock(t.mutex);
  auto it = t.entries.find(key);
  std::int64_t delay = it == t.entries.end() ? 0 : delay_ms(it->second.failures, free);
  if (delay > 0) {   // a clock read earlier than the last failure never blocks on its own
    std::int64_t until = it->second.last + delay;
    if (now < until) {
      int seconds = static_cast<int>((until - now + 999) / 1000);
      throw ApiError(429, "too_many_attempts",
                     "too many wrong sign-ins; wait " + std::to_string(seconds) + " s and try again", "", seconds);
    }
  }
  if (t.entries.size() > 100000) t.entries.clear();   // bounded: a flood forgets, never grows
  auto& e = t.entries[key];
  if (now - e.last > 24LL * 3600 * 1000) e.failures = 0;   // a day without failures starts again
  e.last = now;
  ++e.failures;
}

// A failure's delay runs from when its answer is given, after the hash, however long that took.
void stamp_failure(LoginThrottle& t, const std::string& key, std::int64_t when) {
  std::lock_guard lock(t.mutex);
  auto& e = t.entries[key];
  e.last = std::max(e.last, when);
}

void take_back_attempt(LoginThrottle& t, const std::string& key) {
  std::lock_guard lock(t.mutex);
  auto it = t.entries.find(key);
  if (it != t.entries.end() && it->second.failures > 0 && --it->second.failures == 0) t.entries.erase(it);
}

void forget(LoginThrottle& t, const std::string& key) {
  std::lock_guard lock(t.mutex);
  t.entries.erase(key);
}

}  // namespace

// ---- administration -------------------------------------------------------------------

std::int64_t ServerStore::add_user(const std::string& username, const std::string& password, const std::string& name,
                                   const std::string& job_title, const std::string& agency, const std::string& role) {
  for (const auto& [label, v] : {std::pair<const char*, const std::string*>{"username", &username}, {"name", &name},
                                 {"job title", &job_title}, {"agency", &agency}})
    if (v->size() > kMaxNameBytes || !valid_utf8(*v))
      throw ApiError(400, "bad_request", std::string(label) + ": at most 200 characters of text");
  if (username.empty() || name.empty()) throw ApiError(400, "bad_request", "a user needs a username and a name");
  check_password_policy(password);
  if (std::find(roles().begin(), roles().end(), role) == roles().end())
    throw ApiError(400, "bad_request",
                   "role: '" + role + "' is not one of practitioner, line_manager, safeguarding_lead, senior_manager, "
                   "director, board");
  std::string hash = argon2id(password);
  std::lock_guard lock(mutex_);
  return impl_->transaction([&] {
    Stmt a(impl_->db, "SELECT 1 FROM agencies WHERE name = ?1");
    a.bind(agency);
    if (!a.step())
      throw ApiError(400, "bad_request", "agency: '" + agency + "' is not known; add it first with add-agency");
    a.reset();
    Stmt u(impl_->db, "SELECT 1 FROM users WHERE username = ?1");
    u.bind(username);
    if (u.step()) throw ApiError(400, "bad_request", "username: '" + username + "' is already taken");
    u.reset();
    Stmt ins(impl_->db,
             "INSERT INTO users(username, name, job_title, agency, role, salt, password_hash, iterations) "
             "VALUES(?1, ?2, ?3, ?4, ?5, '', ?6, 0)");
    ins.bind(username, name, job_title, agency, role, hash).run();
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(impl_->db));
  });
}

namespace {
std::int64_t user_id(sqlite3* db, const std::string& username) {
  Stmt s(db, "SELECT id FROM users WHERE username = ?1");
  s.bind(username);
  if (!s.step()) throw ApiError(404, "not_found", "no user '" + username + "'; see list-users");
  return s.i64(0);
}

void revoke_tokens_of_user(sqlite3* db, std::int64_t id, std::int64_t now) {
  Stmt t(db, "UPDATE tokens SET revoked = ?2 WHERE user_id = ?1 AND revoked IS NULL");
  t.bind(id, now).run();
}
}  // namespace

void ServerStore::set_password(const std::string& username, const std::string& password, std::int64_t now) {
  check_password_policy(password);
  std::string hash = argon2id(password);
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    std::int64_t id = user_id(impl_->db, username);
    Stmt u(impl_->db, "UPDATE users SET salt = '', password_hash = ?2, iterations = 0 WHERE id = ?1");
    u.bind(id, hash).run();
    // A password is changed because it may be known: whoever signed in with it is signed out.
    revoke_tokens_of_user(impl_->db, id, now);
  });
  forget(impl_->throttle, "user:" + username);
}

void ServerStore::set_user_disabled(const std::string& username, bool disabled, std::int64_t now) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    std::int64_t id = user_id(impl_->db, username);
    Stmt u(impl_->db, "UPDATE users SET disabled = ?2 WHERE id = ?1");
    u.bind(id, std::int64_t{disabled}).run();
    if (!disabled) return;
    // Every device the person used is revoked with them: a device stays revoked even if
    // the account is enabled again (it may be lost; sign in on a fresh one).
    Stmt d(impl_->db, "UPDATE devices SET revoked = 1 WHERE user_id = ?1");
    d.bind(id).run();
    revoke_tokens_of_user(impl_->db, id, now);
  });
}

bool ServerStore::revoke_device(const std::string& device, std::int64_t now, bool and_wipe) {
  std::lock_guard lock(mutex_);
  return impl_->transaction([&] {
    Stmt d(impl_->db, "UPDATE devices SET revoked = 1 WHERE device = ?1");
    d.bind(device).run();
    bool known = sqlite3_changes(impl_->db) > 0;
    Stmt t(impl_->db, "UPDATE tokens SET revoked = ?2 WHERE device = ?1 AND revoked IS NULL");
    t.bind(device, now).run();
    if (and_wipe) {   // asked twice: the first request's time stands
      Stmt w(impl_->db, "UPDATE devices SET wipe_requested = coalesce(wipe_requested, ?2) WHERE device = ?1");
      w.bind(device, now).run();
    }
    return known;
  });
}

void ServerStore::refuse_device_to_wipe(const std::string& device, std::int64_t user_id, std::int64_t now) {
  Stmt d(impl_->db, "SELECT wipe_told FROM devices WHERE device = ?1 AND user_id = ?2 AND wipe_requested IS NOT NULL");
  d.bind(device, user_id);
  if (!d.step()) return;
  bool first_time = d.is_null(0);
  d.reset();
  // Written once: a device that keeps knocking costs no writes after the first answer.
  if (first_time)
    impl_->transaction([&] {
      Stmt(impl_->db, "UPDATE devices SET wipe_told = ?2 WHERE device = ?1 AND wipe_told IS NULL").bind(device, now).run();
    });
  throw WipeRequested(device, user_id, first_time);
}

void ServerStore::set_token_idle_days(int days) {
  if (days < 1 || days > 3650) throw ApiError(400, "bad_request", "token idle days: give 1 to 3650");
  impl_->token_idle_ms = std::int64_t(days) * 24 * 3600 * 1000;
}

void ServerStore::set_log(std::function<void(const std::string&)> log) { impl_->log = std::move(log); }

// ---- sign-in ------------------------------------------------------------------------------

namespace {

struct LoginRequest {
  std::string username, password, device, device_name;
};

LoginRequest read_login(const Json& req) {
  if (!req.is_object()) throw ApiError(400, "bad_request", "the login request must be a JSON object");
  LoginRequest r{need_text(req, "username", ""), need_text(req, "password", "", 1000), need_text(req, "device", ""), ""};
  if (!is_device_id(r.device))
    throw ApiError(400, "bad_request", "device: must be 1-64 letters, digits, '-' or '_' (the client store's device id)",
                   "device");
  if (req.contains("device_name")) r.device_name = need_text(req, "device_name", "");
  return r;
}

}  // namespace

void ServerStore::log_sign_in_failure(const std::string& username, const std::string& address, const char* reason,
                                      std::int64_t now) {
  Json line = {{"time", format_utc(now)}, {"event", "sign_in_failed"}, {"username", username},
               {"address", address}, {"reason", reason}};
  impl_->log(line.dump(-1, ' ', false, Json::error_handler_t::replace));
}

ServerStore::Account ServerStore::account(const std::string& username) {
  Account a;
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db,
         "SELECT id, username, name, job_title, agency, role, salt, password_hash, iterations, disabled FROM users "
         "WHERE username = ?1");
  s.bind(username);
  if (s.step()) {
    a.user = {s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.i64(9) != 0};
    a.hash = s.text(7);
    a.salt = s.text(6);
    a.iterations = static_cast<int>(s.i64(8));
  }
  return a;
}

Json ServerStore::login(const Json& req, std::int64_t now, const std::string& address) {
  LoginRequest r = read_login(req);
  const std::string user_key = "user:" + r.username, address_key = "address:" + address;
  try {
    admit_attempt(impl_->throttle, user_key, kFreeFailures, now);
    try {
      admit_attempt(impl_->throttle, address_key, kFreeAddressFailures, now);
    } catch (const ApiError&) {
      take_back_attempt(impl_->throttle, user_key);
      throw;
    }
  } catch (const ApiError&) {
    log_sign_in_failure(r.username, address, "throttled", now);
    throw;
  }
  auto started = std::chrono::steady_clock::now();
  Account a = account(r.username);
  // The slow part, outside the lock: the same work whether the username or the password is wrong.
  if (!password_matches(r.password, {a.hash, a.salt, a.iterations}) || a.user.id == 0) {
    std::int64_t answered =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    stamp_failure(impl_->throttle, user_key, answered);
    stamp_failure(impl_->throttle, address_key, answered);
    log_sign_in_failure(r.username, address, "bad_credentials", now);
    throw ApiError(401, "bad_credentials", "wrong username or password; check both and try again");
  }
  take_back_attempt(impl_->throttle, address_key);
  forget(impl_->throttle, user_key);
  try {   // before "disabled": a disabled person's lost device must still hear it
    std::lock_guard lock(mutex_);
    refuse_device_to_wipe(r.device, a.user.id, now);
  } catch (const WipeRequested&) {
    log_sign_in_failure(r.username, address, "wipe_requested", now);
    throw;
  }
  if (a.user.disabled) {
    log_sign_in_failure(r.username, address, "account_disabled", now);
    throw ApiError(403, "account_disabled", "this account was disabled by the administrator; ask them if you still need it");
  }
  std::string upgraded = needs_rehash({a.hash, a.salt, a.iterations}) ? argon2id(r.password) : std::string();
  return start_session(a.user, r.device, r.device_name, upgraded, now);
}

Json ServerStore::start_session(const UserRow& u, const std::string& device, const std::string& device_name,
                                const std::string& upgraded_hash, std::int64_t now) {
  std::string token = random_hex(32);
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt d(impl_->db, "SELECT revoked, user_id FROM devices WHERE device = ?1");
    d.bind(device);
    if (d.step()) {
      if (d.i64(0) != 0)
        throw ApiError(403, "forbidden",
                       "this device was signed out by the administrator; clear the app's data on it to sign in again",
                       "device");
      if (d.i64(1) != u.id)
        throw ApiError(403, "device_taken",
                       "this device id belongs to another person's device; clear the app's data on this device "
                       "(records not yet synced are lost) or ask the administrator",
                       "device");
    }
    d.reset();
    Stmt up(impl_->db,
            "INSERT INTO devices(device, name, user_id, first_seen, last_seen) VALUES(?1, ?2, ?3, ?4, ?4) "
            "ON CONFLICT(device) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen");
    up.bind(device, device_name, u.id, now).run();
    // One session per device: the newest sign-in ends the older ones.
    Stmt old(impl_->db, "UPDATE tokens SET revoked = ?2 WHERE device = ?1 AND revoked IS NULL");
    old.bind(device, now).run();
    Stmt t(impl_->db, "INSERT INTO tokens(hash, user_id, device, created, last_used) VALUES(?1, ?2, ?3, ?4, ?4)");
    t.bind(sha256_hex(token), u.id, device, now).run();
    if (!upgraded_hash.empty()) {
      Stmt p(impl_->db, "UPDATE users SET salt = '', password_hash = ?2, iterations = 0 WHERE id = ?1");
      p.bind(u.id, upgraded_hash).run();
    }
  });
  return Json{{"token", token},
              {"device", device},
              {"epoch", impl_->meta("epoch")},
              {"user", {{"username", u.username}, {"name", u.name}, {"job_title", u.job_title}, {"agency", u.agency},
                        {"role", u.role}, {"board", impl_->meta("board")}}}};
}

Caller ServerStore::authenticate(std::string_view token, std::int64_t now) {
  if (token.empty() || token.size() > 200)
    throw ApiError(401, "unauthorized", "sign in first: send Authorization: Bearer <token>");
  std::string hash = sha256_hex(token);
  std::lock_guard lock(mutex_);
  auto& s = *impl_->token_lookup;
  s.bind(hash);
  if (!s.step()) {
    // Refused: but a token once issued to a device marked for wipe is told so (410).
    Stmt t(impl_->db, "SELECT device, user_id FROM tokens WHERE hash = ?1");
    t.bind(hash);
    if (t.step()) {
      std::string device = t.text(0);
      std::int64_t user = t.i64(1);
      t.reset();
      refuse_device_to_wipe(device, user, now);
    }
    throw ApiError(401, "unauthorized", "this sign-in has ended or was revoked; sign in again");
  }
  Caller c{s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), hash};
  std::int64_t last_used = s.i64(7);
  s.reset();
  if (now - last_used > impl_->token_idle_ms) {
    impl_->transaction([&] { Stmt(impl_->db, "UPDATE tokens SET revoked = ?2 WHERE hash = ?1").bind(hash, now).run(); });
    throw ApiError(401, "unauthorized", "this sign-in expired after " +
                                            std::to_string(impl_->token_idle_ms / (24 * 3600 * 1000)) +
                                            " days without use; sign in again");
  }
  // Noted at most hourly: a write per request would put an fsync on every pull.
  if (now - last_used > 3600 * 1000)
    impl_->transaction([&] { Stmt(impl_->db, "UPDATE tokens SET last_used = ?2 WHERE hash = ?1").bind(hash, now).run(); });
  return c;
}

Json ServerStore::logout(const Caller& caller) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt t(impl_->db, "UPDATE tokens SET revoked = strftime('%s','now') * 1000 WHERE hash = ?1");
    t.bind(caller.token_hash).run();
  });
  return Json{{"ok", true}};
}

Json ServerStore::me(const Caller& c) {
  return Json{{"user", {{"username", c.username}, {"name", c.name}, {"job_title", c.job_title}, {"agency", c.agency},
                        {"role", c.role}, {"board", board()}}},
              {"device", c.device}};
}

}  // namespace parley::server
