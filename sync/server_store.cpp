// sync/server_store.cpp — the office sync server's database (see server_store.h for the
// model). Schema, in one place:
//   meta(key, value)                  epoch, board
//   agencies(name)                    agencies users may belong to
//   users(id, username, name, job_title, agency, role, salt, password_hash, iterations)
//   devices(device, name, user_id, first_seen, last_seen, revoked)
//   tokens(hash, user_id, device, created, revoked)   only SHA-256 of each token
//   challenges(id, board, procedure, category, opened_at, stage, board_stage)
//   parties(challenge, audience)      agency names, and "#board" once the Board may see it
//   events(server_seq, id, challenge, device, seq, kind, hash, text, received_at, user_id)
//   feed(feed_seq, audience, event_seq)   what each audience may pull, in delivery order
//   quarantine(id, at, user_id, device, code, field, bytes)   refused requests
#include "sync/server_store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <unordered_map>

#include "core/embedded.h"
#include "core/sha256.h"
#include "sync/bundle.h"

namespace parley::server {

Json ApiError::to_json() const {
  Json e = {{"code", code}, {"message", what()}};
  if (!field.empty()) e["field"] = field;
  return Json{{"error", e}};
}

namespace {

constexpr const char* kBoardAudience = "#board";
constexpr int kPasswordIterations = 100000;
constexpr std::size_t kMaxNameBytes = 200;   // board, procedure, device name, usernames

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = d[p[i] >> 4];
    s[2 * i + 1] = d[p[i] & 15];
  }
  return s;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) throw std::runtime_error("no random bytes from OpenSSL");
  return hex(buf.data(), bytes);
}

std::string stretch_password(const std::string& password, const std::string& salt, int iterations) {
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), sizeof out, out) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return hex(out, sizeof out);
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_device_id(std::string_view s) {   // as core/event.cpp's ids: [A-Za-z0-9_-]{1,64}
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
      return false;
  return true;
}

const std::vector<std::string>& roles() {
  static const std::vector<std::string> r = {"practitioner", "line_manager", "safeguarding_lead",
                                             "senior_manager", "director", "board"};
  return r;
}

// ---- SQLite, thinly ------------------------------------------------------------------

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("server database: ") + sqlite3_errmsg(db) + " in " + sql);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  // Starts a fresh use of the statement with these parameters.
  template <typename... A>
  Stmt& bind(const A&... args) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(s_);
    throw std::runtime_error("server database: " + msg);
  }
  void run() {
    step();
    sqlite3_reset(s_);
  }
  std::int64_t i64(int col) { return sqlite3_column_int64(s_, col); }
  std::string text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::string_view view(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string_view();
  }
  bool null(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  void done() { sqlite3_reset(s_); }

 private:
  void bind_one(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind_one(int i, int v) { sqlite3_bind_int64(s_, i, v); }
  void bind_one(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_one(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("server database: " + msg);
  }
}

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agencies(name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  job_title TEXT NOT NULL, agency TEXT NOT NULL, role TEXT NOT NULL, salt TEXT NOT NULL,
  password_hash TEXT NOT NULL, iterations INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices(device TEXT PRIMARY KEY, name TEXT NOT NULL, user_id INTEGER NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS tokens(hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, device TEXT NOT NULL,
  created INTEGER NOT NULL, revoked INTEGER);
CREATE INDEX IF NOT EXISTS tokens_device ON tokens(device);
CREATE TABLE IF NOT EXISTS challenges(id TEXT PRIMARY KEY, board TEXT NOT NULL, procedure TEXT NOT NULL,
  category TEXT NOT NULL, opened_at INTEGER NOT NULL, stage INTEGER NOT NULL, board_stage INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parties(challenge TEXT NOT NULL, audience TEXT NOT NULL,
  PRIMARY KEY(challenge, audience)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(server_seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  challenge TEXT NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, hash TEXT NOT NULL,
  text TEXT NOT NULL, received_at INTEGER NOT NULL, user_id INTEGER NOT NULL, UNIQUE(device, seq));
CREATE INDEX IF NOT EXISTS events_challenge ON events(challenge, server_seq);
CREATE TABLE IF NOT EXISTS feed(feed_seq INTEGER PRIMARY KEY AUTOINCREMENT, audience TEXT NOT NULL,
  event_seq INTEGER NOT NULL, UNIQUE(audience, event_seq));
CREATE INDEX IF NOT EXISTS feed_audience ON feed(audience, feed_seq);
CREATE TABLE IF NOT EXISTS quarantine(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, user_id INTEGER,
  device TEXT, code TEXT NOT NULL, field TEXT NOT NULL, bytes INTEGER NOT NULL);
)sql";

// The first stage at which the procedure notifies the Board (a required notification);
// 0 when it never does.
int board_stage_of(const ProcedureLibrary& lib, const std::string& procedure) {
  const Procedure* p = lib.find(procedure);
  if (!p) return 0;
  for (const auto& s : p->stages)
    for (const auto& a : s.required_actions)
      if (!a.notify.empty()) return s.number;
  return 0;
}

// The first string longer than the core limit anywhere in `v`, as a field path. The path
// is only built on the way out of a hit: this runs over every value of every event.
bool overlong_at(const Json& v, std::string& path, int depth) {
  if (depth > 16) return false;   // event_from_json refuses deep nesting itself
  if (v.is_string()) return v.get_ref<const std::string&>().size() > kMaxTextLength;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      if (overlong_at(*it, path, depth + 1)) {
        path = "." + it.key() + path;
        return true;
      }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (overlong_at(v[i], path, depth + 1)) {
        path = "[" + std::to_string(i) + "]" + path;
        return true;
      }
  }
  return false;
}

std::optional<std::string> overlong(const Json& v, const std::string& where) {
  std::string path;
  if (!overlong_at(v, path, 0)) return std::nullopt;
  return where + path;
}

// EventError messages start with the field ("body.summary: ..."); pull it out.
std::string field_of(const std::string& message) {
  auto colon = message.find(": ");
  if (colon == std::string::npos) return {};
  std::string f = message.substr(0, colon);
  if (f.find(' ') != std::string::npos) return {};
  return f;
}

std::string need_text(const Json& j, const char* key, const std::string& where, std::size_t max = kMaxNameBytes) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw ApiError(400, "bad_request", where + key + ": missing or not text", where + key);
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max)
    throw ApiError(400, "too_long", where + key + ": longer than " + std::to_string(max) + " bytes", where + key);
  return s;
}

std::string text_at(const Json& j, const char* a, const char* b) {
  auto i = j.find(a);
  if (i == j.end() || !i->is_object()) return {};
  auto k = i->find(b);
  return k != i->end() && k->is_string() ? k->get<std::string>() : std::string();
}

std::int64_t parse_number(std::string_view s, const char* name, std::int64_t fallback) {
  if (s.empty()) return fallback;
  if (s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos)
    throw ApiError(400, "bad_request", std::string(name) + ": must be a whole number 0 or more", name);
  return std::stoll(std::string(s));
}

// The canonical text (core/event.h: sorted keys, no "hash") with "hash" put back in its
// sorted place, between "device" and "hlc": the same text to_json(e).dump() gives. The
// last `,"hlc":[` is the top-level key: only id, kind, parents, parent_hashes and seq
// follow it, and none of those holds an object; inside a JSON string a quote is escaped.
std::string with_hash(std::string canonical, const std::string& hash) {
  auto at = canonical.rfind(",\"hlc\":[");
  if (at == std::string::npos) throw std::logic_error("canonical event text without hlc");
  canonical.insert(at, ",\"hash\":\"" + hash + "\"");
  return canonical;
}

// One event of a push, checked and ready to store.
struct Incoming {
  Event event;
  std::string text;        // to_json(event).dump(): what is stored and pulled
  std::string where;       // "bundles[0].events[3]"
};

struct IncomingBundle {
  std::string board, procedure, challenge, where;
  std::vector<Incoming> events;
};

}  // namespace

bool valid_utf8(std::string_view s) {
  std::size_t i = 0, n = s.size();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

Json parse_request_body(std::string_view text) {
  if (!valid_utf8(text)) {
    // Name the first bad byte so a client author can find it.
    std::size_t lo = 0, hi = text.size();
    while (hi - lo > 1) {
      std::size_t mid = (lo + hi) / 2;
      if (valid_utf8(text.substr(0, mid))) lo = mid; else hi = mid;
    }
    throw ApiError(400, "bad_utf8", "the request body is not valid UTF-8 (near byte " + std::to_string(lo) +
                                        "); send text as UTF-8");
  }
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw ApiError(400, "bad_json", std::string("the request body is not valid JSON: ") + e.what());
  }
}

struct ServerStore::Impl {
  sqlite3* db = nullptr;
  ProcedureLibrary procedures = ProcedureLibrary::builtin();
  std::string procedures_json;   // GET /api/procedures, built once
  std::string procedures_version;  // sha256 of its content
  std::unique_ptr<Stmt> event_by_id, event_by_device_seq, insert_event, feed_to_parties, feed_backfill,
      challenge_by_id, insert_challenge, insert_party, is_party, set_stage, pull_page, token_lookup, max_feed;

  ~Impl() {
    event_by_id.reset(); event_by_device_seq.reset(); insert_event.reset(); feed_to_parties.reset();
    feed_backfill.reset(); challenge_by_id.reset(); insert_challenge.reset(); insert_party.reset();
    is_party.reset(); set_stage.reset(); pull_page.reset(); token_lookup.reset(); max_feed.reset();
    if (db) sqlite3_close_v2(db);
  }

  std::string meta(const std::string& key) {
    Stmt s(db, "SELECT value FROM meta WHERE key = ?1");
    s.bind(key);
    return s.step() ? s.text(0) : std::string();
  }
  void set_meta(const std::string& key, const std::string& value) {
    Stmt s(db, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    s.bind(key, value).run();
  }

  // Runs f in one IMMEDIATE transaction; rolls back and rethrows on any error.
  template <typename F>
  auto transaction(F&& f) {
    exec(db, "BEGIN IMMEDIATE");
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        exec(db, "COMMIT");
      } else {
        auto r = f();
        exec(db, "COMMIT");
        return r;
      }
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // Makes `audience` a party to `challenge`; when it is new, every event of the challenge
  // stored so far is appended to its feed (it joins late but sees the whole history).
  void add_party(const std::string& challenge, const std::string& audience) {
    is_party->bind(challenge, audience);
    bool already = is_party->step();
    is_party->done();
    if (already) return;
    insert_party->bind(challenge, audience).run();
    feed_backfill->bind(audience, challenge).run();
  }
};

ServerStore::ServerStore(const std::string& path) : impl_(std::make_unique<Impl>()) {
  auto& db = impl_->db;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK)
    throw std::runtime_error("cannot open the server database " + path + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
  sqlite3_busy_timeout(db, 5000);
  exec(db, "PRAGMA journal_mode = WAL");
  // FULL: a COMMIT is on disk before we answer, so an acknowledged event is durable.
  exec(db, "PRAGMA synchronous = FULL");
  exec(db, "PRAGMA foreign_keys = ON");
  impl_->transaction([&] {
    exec(db, kSchema);
    if (impl_->meta("epoch").empty()) {
      created_ = true;
      impl_->set_meta("epoch", random_hex(16));
    }
  });
  auto prep = [&](std::unique_ptr<Stmt>& s, const char* sql) { s = std::make_unique<Stmt>(db, sql); };
  prep(impl_->event_by_id, "SELECT hash FROM events WHERE id = ?1");
  prep(impl_->event_by_device_seq, "SELECT id FROM events WHERE device = ?1 AND seq = ?2");
  prep(impl_->insert_event,
       "INSERT INTO events(id, challenge, device, seq, kind, hash, text, received_at, user_id) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  prep(impl_->feed_to_parties,
       "INSERT OR IGNORE INTO feed(audience, event_seq) SELECT audience, ?1 FROM parties WHERE challenge = ?2");
  prep(impl_->feed_backfill,
       "INSERT OR IGNORE INTO feed(audience, event_seq) "
       "SELECT ?1, server_seq FROM events WHERE challenge = ?2 ORDER BY server_seq");
  prep(impl_->challenge_by_id, "SELECT stage, board_stage FROM challenges WHERE id = ?1");
  prep(impl_->insert_challenge,
       "INSERT INTO challenges(id, board, procedure, category, opened_at, stage, board_stage) "
       "VALUES(?1, ?2, ?3, ?4, ?5, 1, ?6)");
  prep(impl_->insert_party, "INSERT INTO parties(challenge, audience) VALUES(?1, ?2)");
  prep(impl_->is_party, "SELECT 1 FROM parties WHERE challenge = ?1 AND audience = ?2");
  prep(impl_->set_stage, "UPDATE challenges SET stage = ?2 WHERE id = ?1");
  prep(impl_->pull_page,
       "SELECT f.feed_seq, e.challenge, e.text, c.board, c.procedure FROM feed f "
       "JOIN events e ON e.server_seq = f.event_seq JOIN challenges c ON c.id = e.challenge "
       "WHERE f.audience = ?1 AND f.feed_seq > ?2 ORDER BY f.feed_seq LIMIT ?3");
  prep(impl_->token_lookup,
       "SELECT u.id, u.username, u.name, u.job_title, u.agency, u.role, t.device FROM tokens t "
       "JOIN users u ON u.id = t.user_id JOIN devices d ON d.device = t.device "
       "WHERE t.hash = ?1 AND t.revoked IS NULL AND d.revoked = 0");
  prep(impl_->max_feed, "SELECT coalesce(max(feed_seq), 0) FROM feed");
}

ServerStore::~ServerStore() = default;

// ---- administration ---------------------------------------------------------------------

void ServerStore::add_agency(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (name.empty() || name.size() > kMaxNameBytes || !valid_utf8(name))
    throw ApiError(400, "bad_request", "agency name: give 1 to 200 characters of text");
  impl_->transaction([&] { Stmt(impl_->db, "INSERT OR IGNORE INTO agencies(name) VALUES(?1)").bind(name).run(); });
}

std::vector<std::string> ServerStore::agencies() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  Stmt s(impl_->db, "SELECT name FROM agencies ORDER BY name");
  s.bind();
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::int64_t ServerStore::add_user(const std::string& username, const std::string& password, const std::string& name,
                                   const std::string& job_title, const std::string& agency, const std::string& role) {
  for (const auto& [label, v] : {std::pair<const char*, const std::string*>{"username", &username}, {"name", &name},
                                 {"job title", &job_title}, {"agency", &agency}})
    if (v->size() > kMaxNameBytes || !valid_utf8(*v))
      throw ApiError(400, "bad_request", std::string(label) + ": at most 200 characters of text");
  if (username.empty() || name.empty()) throw ApiError(400, "bad_request", "a user needs a username and a name");
  if (password.size() < 4) throw ApiError(400, "bad_request", "password: use at least 4 characters");
  if (std::find(roles().begin(), roles().end(), role) == roles().end())
    throw ApiError(400, "bad_request",
                   "role: '" + role + "' is not one of practitioner, line_manager, safeguarding_lead, senior_manager, "
                   "director, board");
  std::string salt = random_hex(16);
  std::string hash = stretch_password(password, salt, kPasswordIterations);
  std::lock_guard lock(mutex_);
  return impl_->transaction([&] {
    Stmt a(impl_->db, "SELECT 1 FROM agencies WHERE name = ?1");
    a.bind(agency);
    if (!a.step())
      throw ApiError(400, "bad_request", "agency: '" + agency + "' is not known; add it first with add-agency");
    a.done();
    Stmt u(impl_->db, "SELECT 1 FROM users WHERE username = ?1");
    u.bind(username);
    if (u.step()) throw ApiError(400, "bad_request", "username: '" + username + "' is already taken");
    u.done();
    Stmt ins(impl_->db,
             "INSERT INTO users(username, name, job_title, agency, role, salt, password_hash, iterations) "
             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    ins.bind(username, name, job_title, agency, role, salt, hash, kPasswordIterations).run();
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(impl_->db));
  });
}

std::vector<UserRow> ServerStore::users() {
  std::lock_guard lock(mutex_);
  std::vector<UserRow> out;
  Stmt s(impl_->db, "SELECT id, username, name, job_title, agency, role FROM users ORDER BY agency, username");
  s.bind();
  while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
  return out;
}

std::vector<DeviceRow> ServerStore::devices() {
  std::lock_guard lock(mutex_);
  std::vector<DeviceRow> out;
  Stmt s(impl_->db,
         "SELECT d.device, d.name, coalesce(u.username, ''), d.first_seen, d.last_seen, d.revoked FROM devices d "
         "LEFT JOIN users u ON u.id = d.user_id ORDER BY d.first_seen, d.device");
  s.bind();
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4), s.i64(5) != 0});
  return out;
}

bool ServerStore::revoke_device(const std::string& device) {
  std::lock_guard lock(mutex_);
  return impl_->transaction([&] {
    Stmt d(impl_->db, "UPDATE devices SET revoked = 1 WHERE device = ?1");
    d.bind(device).run();
    bool known = sqlite3_changes(impl_->db) > 0;
    Stmt t(impl_->db, "UPDATE tokens SET revoked = strftime('%s','now') * 1000 WHERE device = ?1 AND revoked IS NULL");
    t.bind(device).run();
    return known;
  });
}

std::string ServerStore::new_epoch() {
  std::lock_guard lock(mutex_);
  std::string e = random_hex(16);
  impl_->transaction([&] { impl_->set_meta("epoch", e); });
  return e;
}

std::string ServerStore::epoch() {
  std::lock_guard lock(mutex_);
  return impl_->meta("epoch");
}

void ServerStore::set_board(const std::string& name) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] { impl_->set_meta("board", name); });
}

std::string ServerStore::board() {
  std::lock_guard lock(mutex_);
  return impl_->meta("board");
}

std::vector<QuarantineRow> ServerStore::quarantine() {
  std::lock_guard lock(mutex_);
  std::vector<QuarantineRow> out;
  Stmt s(impl_->db, "SELECT at, coalesce(user_id, 0), bytes, coalesce(device, ''), code, field FROM quarantine ORDER BY id");
  s.bind();
  while (s.step()) out.push_back({s.i64(0), s.i64(1), s.i64(2), s.text(3), s.text(4), s.text(5)});
  return out;
}

void ServerStore::record_refusal(const ApiError& e, const Caller* caller, std::size_t request_bytes, std::int64_t now) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt s(impl_->db, "INSERT INTO quarantine(at, user_id, device, code, field, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(now, caller ? caller->user_id : std::int64_t{0}, caller ? caller->device : std::string(), e.code,
           e.field.substr(0, 200), static_cast<std::int64_t>(request_bytes))
        .run();
  });
}

std::int64_t ServerStore::event_count() {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, "SELECT count(*) FROM events");
  s.bind();
  s.step();
  return s.i64(0);
}

std::int64_t ServerStore::feed_count(const std::string& audience) {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, "SELECT count(*) FROM feed WHERE audience = ?1");
  s.bind(audience);
  s.step();
  return s.i64(0);
}

// ---- API ----------------------------------------------------------------------------------

Json ServerStore::health() { return Json{{"ok", true}, {"epoch", epoch()}, {"version", kProtocolVersion}}; }

Json ServerStore::login(const Json& req, std::int64_t now) {
  if (!req.is_object()) throw ApiError(400, "bad_request", "the login request must be a JSON object");
  std::string username = need_text(req, "username", "");
  std::string password = need_text(req, "password", "", 1000);
  std::string device = need_text(req, "device", "");
  if (!is_device_id(device))
    throw ApiError(400, "bad_request", "device: must be 1-64 letters, digits, '-' or '_' (the client store's device id)",
                   "device");
  std::string device_name = req.contains("device_name") ? need_text(req, "device_name", "") : std::string();

  std::string salt, stored;
  int iterations = 0;
  UserRow u;
  {
    std::lock_guard lock(mutex_);
    Stmt s(impl_->db,
           "SELECT id, username, name, job_title, agency, role, salt, password_hash, iterations FROM users "
           "WHERE username = ?1");
    s.bind(username);
    if (s.step()) {
      u = {s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
      salt = s.text(6);
      stored = s.text(7);
      iterations = static_cast<int>(s.i64(8));
    }
  }
  // The same work and the same answer whether the username or the password is wrong.
  std::string given = stretch_password(password, salt.empty() ? "no-such-user" : salt,
                                       iterations ? iterations : kPasswordIterations);
  if (u.id == 0 || !same_secret(given, stored))
    throw ApiError(401, "bad_credentials", "wrong username or password; check both and try again");

  std::string token = random_hex(32);
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt d(impl_->db, "SELECT revoked FROM devices WHERE device = ?1");
    d.bind(device);
    if (d.step() && d.i64(0) != 0)
      throw ApiError(403, "forbidden",
                     "this device was signed out by the administrator; clear the app's data on it to sign in again",
                     "device");
    d.done();
    Stmt up(impl_->db,
            "INSERT INTO devices(device, name, user_id, first_seen, last_seen) VALUES(?1, ?2, ?3, ?4, ?4) "
            "ON CONFLICT(device) DO UPDATE SET name = excluded.name, user_id = excluded.user_id, last_seen = excluded.last_seen");
    up.bind(device, device_name, u.id, now).run();
    Stmt t(impl_->db, "INSERT INTO tokens(hash, user_id, device, created) VALUES(?1, ?2, ?3, ?4)");
    t.bind(sha256_hex(token), u.id, device, now).run();
  });
  return Json{{"token", token},
              {"device", device},
              {"epoch", impl_->meta("epoch")},
              {"user", {{"username", u.username}, {"name", u.name}, {"job_title", u.job_title}, {"agency", u.agency},
                        {"role", u.role}, {"board", impl_->meta("board")}}}};
}

Caller ServerStore::authenticate(std::string_view token, std::int64_t) {
  if (token.empty() || token.size() > 200)
    throw ApiError(401, "unauthorized", "sign in first: send Authorization: Bearer <token>");
  std::string hash = sha256_hex(token);
  std::lock_guard lock(mutex_);
  auto& s = *impl_->token_lookup;
  s.bind(hash);
  if (!s.step()) throw ApiError(401, "unauthorized", "this sign-in has ended or was revoked; sign in again");
  Caller c{s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), hash};
  s.done();
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

Json ServerStore::push(const Caller& caller, const Json& req, std::size_t request_bytes, std::int64_t now) {
  // ---- 1. shape, limits, hashes, who: no database needed, so outside the lock ----
  if (!req.is_object()) throw ApiError(400, "bad_request", "the push request must be a JSON object");
  if (req.value("format", "") != "parley-push")
    throw ApiError(400, "bad_request", "format: expected \"parley-push\"", "format");
  if (!req.contains("version") || !req["version"].is_number_integer())
    throw ApiError(400, "bad_request", "version: missing or not a whole number", "version");
  if (req["version"].get<std::int64_t>() != kProtocolVersion)
    throw ApiError(400, "bad_request",
                   "version: push version " + req["version"].dump() + " is not one this server reads (" +
                       std::to_string(kProtocolVersion) + "); update Parley",
                   "version");
  std::string client_epoch;
  if (req.contains("epoch") && !req["epoch"].is_null()) {
    if (!req["epoch"].is_string()) throw ApiError(400, "bad_request", "epoch: must be text or null", "epoch");
    client_epoch = req["epoch"].get<std::string>();
  }
  auto bundles_it = req.find("bundles");
  if (bundles_it == req.end() || !bundles_it->is_array())
    throw ApiError(400, "bad_request", "bundles: missing or not a list", "bundles");
  std::size_t total = 0;
  for (const auto& b : *bundles_it)
    if (b.is_object() && b.contains("events") && b["events"].is_array()) total += b["events"].size();
  if (total > kMaxPushEvents)
    throw ApiError(413, "too_large",
                   "the push holds " + std::to_string(total) + " events; send at most " +
                       std::to_string(kMaxPushEvents) + " per request",
                   "bundles");

  std::vector<IncomingBundle> bundles;
  std::unordered_map<std::string, std::string> request_hashes;   // event id -> hash, in this request
  std::set<std::pair<std::string, std::int64_t>> seen_device_seq;
  for (std::size_t i = 0; i < bundles_it->size(); ++i) {
    const Json& b = (*bundles_it)[i];
    std::string where = "bundles[" + std::to_string(i) + "]";
    if (!b.is_object()) throw ApiError(400, "bad_request", where + ": must be a parley-bundle object", where);
    if (b.value("format", "") != "parley-bundle")
      throw ApiError(400, "bad_request", where + ".format: expected \"parley-bundle\"", where + ".format");
    if (!b.contains("version") || !b["version"].is_number_integer())
      throw ApiError(400, "bad_request", where + ".version: missing or not a whole number", where + ".version");
    auto version = b["version"].get<std::int64_t>();
    if (version < 1 || version > kBundleVersion)
      throw ApiError(400, "bad_request",
                     where + ".version: bundle version " + std::to_string(version) +
                         " is newer than this server reads (" + std::to_string(kBundleVersion) + "); update Parley",
                     where + ".version");
    IncomingBundle in;
    in.where = where;
    in.board = need_text(b, "board", where + ".");
    in.procedure = need_text(b, "procedure", where + ".");
    in.challenge = need_text(b, "challenge", where + ".", 64);
    auto ev = b.find("events");
    if (ev == b.end() || !ev->is_array() || ev->empty())
      throw ApiError(400, "bad_request", where + ".events: missing, not a list, or empty", where + ".events");
    for (std::size_t j = 0; j < ev->size(); ++j) {
      std::string ew = where + ".events[" + std::to_string(j) + "]";
      const Json& ej = (*ev)[j];
      if (auto f = overlong(ej, ew))
        throw ApiError(400, "too_long",
                       *f + ": text longer than " + std::to_string(kMaxTextLength) + " bytes; shorten it", *f);
      Incoming inc;
      try {
        inc.event = event_from_json(ej);
      } catch (const EventError& e) {
        std::string f = field_of(e.what());
        std::string msg = e.what();
        bool size = msg.find("larger than") != std::string::npos;
        throw ApiError(400, size ? "too_long" : "bad_event", ew + "." + msg, f.empty() ? ew : ew + "." + f);
      }
      Event& e = inc.event;
      if (e.challenge != in.challenge)
        throw ApiError(400, "bad_event", ew + ".challenge: not the bundle's challenge '" + in.challenge + "'",
                       ew + ".challenge");
      if (e.hash.empty()) throw ApiError(400, "bad_hash", ew + ".hash: missing", ew + ".hash");
      // The canonical text is hashed once and, with the hash put in its sorted place, is
      // also what is stored and pulled: no second serialisation per event.
      std::string canonical = canonical_text(e);
      if (sha256_hex(canonical) != e.hash)
        throw ApiError(400, "bad_hash", ew + ".hash: does not match the event's content (it was altered)", ew + ".hash");
      if (e.device != caller.device)
        throw ApiError(403, "forged_device",
                       ew + ".device: written by device '" + e.device + "', but this token is for device '" +
                           caller.device + "'; a device pushes only its own events",
                       ew + ".device");
      auto it_name = e.author.find("name");
      auto it_agency = e.author.find("agency");
      bool name_ok = it_name != e.author.end() && it_name->is_string() && it_name->get<std::string>() == caller.name;
      bool agency_ok =
          it_agency != e.author.end() && it_agency->is_string() && it_agency->get<std::string>() == caller.agency;
      if (!name_ok || !agency_ok)
        throw ApiError(403, "forged_author",
                       ew + ".author: not the signed-in user (" + caller.username +
                           "); events are pushed by the person who wrote them",
                       ew + ".author");
      auto [prev, fresh] = request_hashes.emplace(e.id, e.hash);
      if (!fresh && prev->second != e.hash)
        throw ApiError(400, "bad_event", ew + ".id: the request holds two different events with this id", ew + ".id");
      if (fresh && !seen_device_seq.emplace(e.device, e.seq).second)
        throw ApiError(409, "device_seq_reused",
                       ew + ".seq: two events of this request use device sequence " + std::to_string(e.seq) +
                           "; sign in again so this device gets a new id",
                       ew + ".seq");
      inc.text = with_hash(std::move(canonical), e.hash);
      inc.where = ew;
      in.events.push_back(std::move(inc));
    }
    bundles.push_back(std::move(in));
  }

  // ---- 2. against what is stored, then store: one transaction ----
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  std::string epoch = im.meta("epoch");
  if (!client_epoch.empty() && client_epoch != epoch)
    throw ApiError(409, "epoch_changed",
                   "the server was restored from a backup (epoch changed); reset the cursor and push every local event again",
                   "epoch");
  Json acked = Json::array();
  std::size_t added = 0;
  im.transaction([&] {
    std::set<std::string> done_ids;
    for (auto& b : bundles) {
      // Is the caller a party (or, for a new challenge, its challenger or challenged)?
      im.challenge_by_id->bind(b.challenge);
      bool known = im.challenge_by_id->step();
      std::int64_t stage = known ? im.challenge_by_id->i64(0) : 1;
      std::int64_t board_stage = known ? im.challenge_by_id->i64(1) : 0;
      im.challenge_by_id->done();
      if (known) {
        im.is_party->bind(b.challenge, caller.agency);
        bool party = im.is_party->step();
        im.is_party->done();
        if (!party)
          throw ApiError(403, "not_a_party",
                         b.where + ".challenge: " + caller.agency + " is not a party to this challenge; ask a party to add it",
                         b.where + ".challenge");
      } else {
        const Incoming* opened = nullptr;
        for (const auto& inc : b.events)
          if (inc.event.kind == EventKind::ChallengeOpened) opened = &inc;
        if (!opened)
          throw ApiError(400, "bad_request",
                         b.where + ".events: the server does not know challenge " + b.challenge +
                             "; include its challenge_opened event",
                         b.where + ".events");
        const Json& body = opened->event.body;
        std::string challenger = text_at(body, "challenger", "agency"), challenged = text_at(body, "challenged", "agency");
        if (caller.agency != challenger && caller.agency != challenged)
          throw ApiError(403, "not_a_party",
                         b.where + ".challenge: " + caller.agency +
                             " is neither the challenger nor the challenged agency of this new challenge",
                         b.where + ".challenge");
        std::string procedure = body.value("procedure", b.procedure);
        board_stage = board_stage_of(im.procedures, procedure);
        std::string category = body.contains("category") && body["category"].is_string() ? body["category"].get<std::string>() : "";
        im.insert_challenge->bind(b.challenge, b.board, procedure, category, opened->event.at, board_stage).run();
        if (!challenger.empty()) im.insert_party->bind(b.challenge, challenger).run();
        if (!challenged.empty() && challenged != challenger) im.insert_party->bind(b.challenge, challenged).run();
      }
      auto reach_stage = [&](std::int64_t s) {
        if (s <= stage) return;
        stage = s;
        im.set_stage->bind(b.challenge, stage).run();
      };
      if (board_stage > 0 && stage >= board_stage) im.add_party(b.challenge, kBoardAudience);

      for (auto& inc : b.events) {
        const Event& e = inc.event;
        if (!done_ids.insert(e.id).second) continue;   // twice in this request
        acked.push_back(e.id);
        im.event_by_id->bind(e.id);
        if (im.event_by_id->step()) {
          bool same = im.event_by_id->view(0) == e.hash;
          im.event_by_id->done();
          if (!same)
            throw ApiError(400, "bad_event", inc.where + ".id: the server holds a different event with this id",
                           inc.where + ".id");
          continue;   // already stored: acknowledged again, nothing written
        }
        im.event_by_device_seq->bind(e.device, e.seq);
        if (im.event_by_device_seq->step()) {
          im.event_by_device_seq->done();
          throw ApiError(409, "device_seq_reused",
                         inc.where + ".seq: device " + e.device + " already used sequence " + std::to_string(e.seq) +
                             " for a different event (was its store reset?); sign in again so it gets a new device id",
                         inc.where + ".seq");
        }
        for (std::size_t k = 0; k < e.parents.size(); ++k) {
          std::string held;
          if (auto r = request_hashes.find(e.parents[k]); r != request_hashes.end()) {
            held = r->second;
          } else {
            im.event_by_id->bind(e.parents[k]);
            if (im.event_by_id->step()) held = im.event_by_id->text(0);
            im.event_by_id->done();
          }
          if (!held.empty() && held != e.parent_hashes[k])
            throw ApiError(400, "hash_chain_broken",
                           inc.where + ".parent_hashes[" + std::to_string(k) + "]: hash chain broken: parent " +
                               e.parents[k] + " is held with a different hash",
                           inc.where + ".parent_hashes[" + std::to_string(k) + "]");
        }
        im.insert_event
            ->bind(e.id, e.challenge, e.device, e.seq, to_string(e.kind), e.hash, inc.text, now, caller.user_id)
            .run();
        std::int64_t seq = sqlite3_last_insert_rowid(im.db);
        im.feed_to_parties->bind(seq, e.challenge).run();
        ++added;
        if (e.kind == EventKind::PartyAdded) {
          std::string agency = text_at(e.body, "party", "agency");
          if (!agency.empty() && agency.size() <= kMaxNameBytes && agency != kBoardAudience)
            im.add_party(e.challenge, agency);
        } else if (e.kind == EventKind::Escalated) {
          auto from = e.body.find("from_stage");
          if (from != e.body.end() && from->is_number_integer()) reach_stage(from->get<std::int64_t>() + 1);
          if (board_stage > 0 && stage >= board_stage) im.add_party(b.challenge, kBoardAudience);
        }
      }
    }
    Stmt seen(im.db, "UPDATE devices SET last_seen = ?2 WHERE device = ?1");
    seen.bind(caller.device, now).run();
  });
  (void)request_bytes;
  return Json{{"epoch", epoch}, {"acked", std::move(acked)}, {"added", added}};
}

std::string ServerStore::pull_text(const Caller& caller, std::string_view cursor_text, std::string_view limit_text,
                                   std::string_view client_epoch) {
  std::int64_t cursor = parse_number(cursor_text, "cursor", 0);
  std::int64_t limit = parse_number(limit_text, "limit", kDefaultPullLimit);
  if (limit < 1 || limit > kMaxPullLimit)
    throw ApiError(400, "bad_request", "limit: ask for 1 to " + std::to_string(kMaxPullLimit) + " events", "limit");
  std::string audience = caller.is_board() ? kBoardAudience : caller.agency;
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  std::string epoch = im.meta("epoch");
  if (!client_epoch.empty() && client_epoch != epoch)
    throw ApiError(409, "epoch_changed",
                   "the server was restored from a backup (epoch changed); reset the cursor and push every local event again",
                   "epoch");
  // A read transaction, so the page and the cursor come from one snapshot.
  exec(im.db, "BEGIN");
  std::string out;
  try {
    out.reserve(256);
    out += "{\"epoch\":\"" + epoch + "\",\"bundles\":[";
    auto& s = *im.pull_page;
    s.bind(audience, cursor, limit + 1);
    std::int64_t rows = 0, last = cursor;
    std::string current;
    bool more = false;
    while (s.step()) {
      if (rows == limit) {
        more = true;
        break;
      }
      ++rows;
      last = s.i64(0);
      std::string_view challenge = s.view(1);
      if (rows == 1 || challenge != current) {
        if (rows > 1) out += "]},";
        current = std::string(challenge);
        Json head = {{"format", "parley-bundle"}, {"version", kBundleVersion}, {"board", s.text(3)},
                     {"procedure", s.text(4)},     {"challenge", current}};
        std::string h = head.dump();
        h.pop_back();   // reopen the object to append the events
        out += h + ",\"events\":[";
      } else {
        out += ',';
      }
      out += s.view(2);
    }
    s.done();
    if (rows > 0) out += "]}";
    if (rows == 0) {
      // A cursor past the end of everything this server holds means it lost data (restored
      // from a backup without a new epoch): answer the real end so the client can tell.
      im.max_feed->bind();
      im.max_feed->step();
      last = std::min(cursor, im.max_feed->i64(0));
      im.max_feed->done();
    }
    out += "],\"cursor\":\"" + std::to_string(last) + "\",\"more\":" + (more ? "true" : "false") + "}";
    exec(im.db, "COMMIT");
  } catch (...) {
    sqlite3_exec(im.db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return out;
}

Json ServerStore::pull(const Caller& caller, std::string_view cursor, std::string_view limit, std::string_view epoch) {
  return Json::parse(pull_text(caller, cursor, limit, epoch));
}

std::string ServerStore::procedures_text() {
  std::lock_guard lock(mutex_);
  if (impl_->procedures_json.empty()) {
    Json list = Json::array();
    for (const Procedure* p : impl_->procedures.all()) list.push_back(p->raw);
    Json holidays = Json::parse(embedded_file("core/data/holidays.json"));
    std::string content = Json{{"procedures", list}, {"holidays", holidays}}.dump();
    impl_->procedures_version = sha256_hex(content);
    impl_->procedures_json =
        Json{{"version", impl_->procedures_version}, {"procedures", std::move(list)}, {"holidays", std::move(holidays)}}.dump();
  }
  return impl_->procedures_json;
}

std::string ServerStore::procedures_version() {
  procedures_text();
  std::lock_guard lock(mutex_);
  return impl_->procedures_version;
}

Json ServerStore::procedures() { return Json::parse(procedures_text()); }

Json ServerStore::aggregates(const Caller& caller) {
  if (!caller.is_board())
    throw ApiError(403, "forbidden", "aggregates are for the Board business unit (role board)");
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db,
         "SELECT procedure, stage, category, strftime('%Y-%m', opened_at / 1000, 'unixepoch') AS month, count(*) "
         "FROM challenges GROUP BY 1, 2, 3, 4 ORDER BY 4, 1, 2, 3");
  s.bind();
  Json rows = Json::array();
  while (s.step())
    rows.push_back({{"procedure", s.text(0)}, {"stage", s.i64(1)}, {"category", s.text(2)}, {"month", s.text(3)},
                    {"count", s.i64(4)}});
  return Json{{"aggregates", rows}};
}

}  // namespace parley::server
