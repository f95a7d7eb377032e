// sync/server_store.cpp — the office sync server's database (see server_store.h for the
// model). Schema, in one place:
//   meta(key, value)                  epoch, board
//   agencies(name)                    the Board's agency directory: users' agencies, and
//                                     what devices choose the other agency from (core/agencies.h)
//   agency_flags(challenge, typed, challenger, opened_at, user_id)   openings accepted naming an
//                                     agency not in the directory, for the administrator
//   users(id, username, name, job_title, agency, role, salt, password_hash, iterations,
//         disabled)                   password_hash: Argon2id string, or PBKDF2 hex (salt,
//                                     iterations) from before version 1, upgraded at sign-in
//   devices(device, name, user_id, first_seen, last_seen, revoked, wipe_requested, wipe_told)
//                                     bound to its first user; wipe_*: revoke-device --wipe
//                                     and when the device was first told (UTC ms or NULL)
//   tokens(hash, user_id, device, created, revoked, last_used)   only SHA-256 of each token
//   challenges(id, board, procedure, category, opened_at, stage, board_stage)
//   parties(challenge, audience)      agency names, and "#board" once the Board may see it
//   events(server_seq, id, challenge, device, seq, kind, hash, text, received_at, user_id)
//   feed(feed_seq, audience, event_seq)   what each audience may pull, in delivery order
//   quarantine(id, at, user_id, device, code, field, bytes)   refused requests
#include "sync/server_store.h"

#include "core/agencies.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <cstring>
#include <set>
#include <unordered_map>

#include "core/embedded.h"
#include "core/json_read.h"
#include "core/sqlite.h"
#include "core/sha256.h"
#include "sync/bundle.h"
#include "sync/server_store_impl.h"

namespace parley::server {

Json ApiError::to_json() const {
  Json e = {{"code", code}, {"message", what()}};
  if (!field.empty()) e["field"] = field;
  if (wipe) e["wipe"] = true;
  return Json{{"error", e}};
}

WipeRequested::WipeRequested(std::string device, std::int64_t user_id, bool first_time)
    : ApiError(410, "wipe_requested", "the Board's administrator asked this device to erase its Parley records"),
      device(std::move(device)), user_id(user_id), first_time(first_time) {
  wipe = true;
}

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = d[p[i] >> 4];
    s[2 * i + 1] = d[p[i] & 15];
  }
  return s;
}

using parley::sql::exec;
using Stmt = parley::sql::Statement;

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

std::int64_t parse_number(std::string_view s, const char* name, std::int64_t fallback) {
  if (s.empty()) return fallback;
  if (s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos)
    throw ApiError(400, "bad_request", std::string(name) + ": must be a whole number 0 or more", name);
  return std::stoll(std::string(s));
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) throw std::runtime_error("no random bytes from OpenSSL");
  return hex(buf.data(), bytes);
}

std::string need_text(const Json& j, const char* key, const std::string& where, std::size_t max) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw ApiError(400, "bad_request", where + key + ": missing or not text", where + key);
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max)
    throw ApiError(400, "too_long", where + key + ": longer than " + std::to_string(max) + " bytes", where + key);
  return s;
}

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
  } catch (const Json::exception& e) {   // parse_error, or out_of_range for a number like 1e456
    throw ApiError(400, "bad_json", std::string("the request body is not valid JSON: ") + e.what());
  }
}

ServerStore::Impl::~Impl() {
  for (auto* s : {&event_by_id, &event_by_device_seq, &insert_event, &feed_to_parties, &feed_backfill,
                  &challenge_by_id, &insert_challenge, &insert_party, &is_party, &set_stage, &pull_page,
                  &token_lookup, &max_feed, &challenge_events})
    s->reset();
  if (db) sqlite3_close_v2(db);
}

std::string ServerStore::Impl::meta(const std::string& key) {
  Stmt s(db, "SELECT value FROM meta WHERE key = ?1");
  s.bind(key);
  return s.step() ? s.text(0) : std::string();
}

void ServerStore::Impl::set_meta(const std::string& key, const std::string& value) {
  Stmt s(db, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(key, value).run();
}

void ServerStore::Impl::append_event(const Event& e, const std::string& text, std::int64_t now, std::int64_t user_id) {
  insert_event->bind(e.id, e.challenge, e.device, e.seq, to_string(e.kind), e.hash, text, now, user_id).run();
  feed_to_parties->bind(sqlite3_last_insert_rowid(db), e.challenge).run();
}

bool ServerStore::Impl::party(const std::string& challenge, const std::string& audience) {
  is_party->bind(challenge, audience);
  bool yes = is_party->step();
  is_party->reset();
  return yes;
}

void ServerStore::Impl::add_party(const std::string& challenge, const std::string& audience) {
  if (party(challenge, audience)) return;
  insert_party->bind(challenge, audience).run();
  feed_backfill->bind(audience, challenge).run();
}

namespace {

// Schema changes after the first release, in order; PRAGMA user_version counts those applied.
const char* const kMigrations[] = {
    // 1: accounts that can be closed, tokens that expire without use.
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN last_used INTEGER;"
    "UPDATE tokens SET last_used = created;",
    // 2: email (sync/server_notify.cpp) and the Board's pseudonymised rows (sync/server_board.cpp).
    // The office's own device signs the notifications it records; it is revoked so that no
    // one can sign in as it.
    "ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE challenges ADD COLUMN wake_at INTEGER;"
    "CREATE INDEX challenges_wake ON challenges(wake_at) WHERE wake_at IS NOT NULL;"
    "CREATE TABLE board_rows(challenge TEXT PRIMARY KEY, procedure TEXT NOT NULL, category TEXT NOT NULL,"
    "  challenger TEXT NOT NULL, challenged TEXT NOT NULL, opened_at INTEGER NOT NULL, status TEXT NOT NULL,"
    "  ended_at INTEGER NOT NULL, stage INTEGER NOT NULL, working_days INTEGER, missed TEXT NOT NULL,"
    "  expedited INTEGER NOT NULL);"
    "CREATE INDEX board_rows_opened ON board_rows(opened_at);"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, challenge TEXT NOT NULL,"
    "  rule TEXT NOT NULL, address TEXT NOT NULL, record_to TEXT NOT NULL, subject TEXT NOT NULL,"
    "  body TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  due_at INTEGER NOT NULL, expires_at INTEGER, next_attempt INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0, sent_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT NOT NULL DEFAULT '', event_id TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt);"
    "INSERT INTO meta(key, value) VALUES('office_device', 'office-' || lower(hex(randomblob(8))));"
    "INSERT INTO devices(device, name, user_id, first_seen, last_seen, revoked)"
    "  SELECT value, 'Parley office (records the emails it sends)', 0, 0, 0, 1 FROM meta WHERE key = 'office_device';",
    // 3: revoke-device --wipe: when the administrator asked the device to erase its records,
    // and when the server first told it so (UTC ms; NULL: not asked / not told yet).
    "ALTER TABLE devices ADD COLUMN wipe_requested INTEGER;"
    "ALTER TABLE devices ADD COLUMN wipe_told INTEGER;",
    // 4: openings accepted naming an agency not in the Board's directory (core/agencies.h,
    // "agency_not_listed"), for the Board's administrator: the name as typed, who raised it.
    "CREATE TABLE IF NOT EXISTS agency_flags(challenge TEXT PRIMARY KEY, typed TEXT NOT NULL, challenger TEXT NOT NULL,"
    "  opened_at INTEGER NOT NULL, user_id INTEGER NOT NULL);",
};

// The database and its WAL hold every agency's records: readable by the server's own user
// only. The directory is made 0700 by whoever creates it (tools/server); the files are
// created 0600 here before SQLite opens them (SQLite gives -wal and -shm the same mode).
void create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create the server database " + path);
  ::fchmod(fd, 0600);
  ::close(fd);
}

}  // namespace

ServerStore::ServerStore(const std::string& path) : impl_(std::make_unique<Impl>()) {
  auto& db = impl_->db;
  if (path != ":memory:") create_private_file(path);
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK)
    throw std::runtime_error("cannot open the server database " + path + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
  sqlite3_busy_timeout(db, 5000);
  exec(db, "PRAGMA journal_mode = WAL");
  // FULL: a COMMIT is on disk before we answer, so an acknowledged event is durable.
  exec(db, "PRAGMA synchronous = FULL");
  exec(db, "PRAGMA foreign_keys = ON");
  // 64 MiB of page cache: the Board's dashboard reads every row of a period (100,000 rows
  // re-read from the OS cost 0.4 s with SQLite's default 2 MiB; docs/performance.md).
  exec(db, "PRAGMA cache_size = -65536");
  impl_->transactions.emplace(db);
  impl_->log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  impl_->transaction([&] {
    exec(db, kSchema);
    if (impl_->meta("epoch").empty()) {
      created_ = true;
      impl_->set_meta("epoch", random_hex(16));
    }
    Stmt v(db, "PRAGMA user_version");
    v.step();
    int version = static_cast<int>(v.i64(0));
    v.reset();
    for (int i = version; i < static_cast<int>(std::size(kMigrations)); ++i) {
      exec(db, kMigrations[i]);
      exec(db, ("PRAGMA user_version = " + std::to_string(i + 1)).c_str());
    }
  });
  auto prep = [&](std::unique_ptr<Stmt>& s, const char* sql) { s = std::make_unique<Stmt>(db, sql, true); };
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
       "SELECT u.id, u.username, u.name, u.job_title, u.agency, u.role, t.device, coalesce(t.last_used, t.created) "
       "FROM tokens t JOIN users u ON u.id = t.user_id JOIN devices d ON d.device = t.device "
       "WHERE t.hash = ?1 AND t.revoked IS NULL AND d.revoked = 0 AND u.disabled = 0");
  prep(impl_->challenge_events, "SELECT text FROM events WHERE challenge = ?1 ORDER BY server_seq");
  prep(impl_->max_feed, "SELECT coalesce(max(feed_seq), 0) FROM feed");
  impl_->office_device = impl_->meta("office_device");
  backfill_board_rows();
}

ServerStore::~ServerStore() = default;

// ---- administration ---------------------------------------------------------------------

void ServerStore::add_agency(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (!valid_agency_name(name) || !valid_utf8(name))
    throw ApiError(400, "bad_request", "agency name: give 1 to 200 characters of text");
  impl_->transaction([&] {
    Stmt count(impl_->db, "SELECT COUNT(*) FROM agencies WHERE name <> ?1");
    count.bind(name).step();
    if (static_cast<std::size_t>(count.i64(0)) >= kMostAgencies)
      throw ApiError(400, "bad_request", "the Board's list already has " + std::to_string(kMostAgencies) +
                                             " agencies, the most a device takes: remove one first");
    Stmt(impl_->db, "INSERT OR IGNORE INTO agencies(name) VALUES(?1)").bind(name).run();
  });
}

std::vector<std::string> ServerStore::agencies() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  Stmt s(impl_->db, "SELECT name FROM agencies ORDER BY name");
  s.bind();
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<std::string> agency_names(ServerStore::Impl& im) {
  std::vector<std::string> out;
  Stmt s(im.db, "SELECT name FROM agencies ORDER BY name");
  s.bind();
  while (s.step()) out.push_back(s.text(0));
  return out;
}

Json ServerStore::agency_directory() {
  std::lock_guard lock(mutex_);
  auto names = agency_names(*impl_);
  // The version changes whenever the list does: a device holding it gets a short answer.
  std::string joined;
  for (const auto& n : names) joined += n + '\n';
  return Json{{"version", sha256_hex(joined).substr(0, 32)}, {"agencies", std::move(names)}};
}

std::vector<UnlistedAgencyRow> ServerStore::unlisted_agencies() {
  std::lock_guard lock(mutex_);
  std::vector<UnlistedAgencyRow> out;
  Stmt s(impl_->db,
         "SELECT challenge, typed, challenger, opened_at, user_id, typed IN (SELECT name FROM agencies) "
         "FROM agency_flags ORDER BY opened_at DESC, challenge");
  s.bind();
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4), s.i64(5) != 0});
  return out;
}

std::vector<UserRow> ServerStore::users() {
  std::lock_guard lock(mutex_);
  std::vector<UserRow> out;
  Stmt s(impl_->db, "SELECT id, username, name, job_title, agency, role, disabled FROM users ORDER BY agency, username");
  s.bind();
  while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.i64(6) != 0});
  return out;
}

std::vector<DeviceRow> ServerStore::devices() {
  std::lock_guard lock(mutex_);
  std::vector<DeviceRow> out;
  Stmt s(impl_->db,
         "SELECT d.device, d.name, coalesce(u.username, ''), d.first_seen, d.last_seen, d.revoked, "
         "coalesce(d.wipe_requested, 0), coalesce(d.wipe_told, 0) FROM devices d "
         "LEFT JOIN users u ON u.id = d.user_id ORDER BY d.first_seen, d.device");
  s.bind();
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4), s.i64(5) != 0, s.i64(6), s.i64(7)});
  return out;
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

void ServerStore::use_procedures(ProcedureLibrary library) {
  std::lock_guard lock(mutex_);
  impl_->procedures = std::move(library);
  impl_->procedures_json.clear();
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
    s.reset();
    if (rows > 0) out += "]}";
    if (rows == 0) {
      // A cursor past the end of everything this server holds means it lost data (restored
      // from a backup without a new epoch): answer the real end so the client can tell.
      im.max_feed->bind();
      im.max_feed->step();
      last = std::min(cursor, im.max_feed->i64(0));
      im.max_feed->reset();
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
  // The same disclosure control as the dashboard (docs/board.md): a small count is hidden,
  // or this older endpoint would show what the dashboard withholds.
  const int below = board_config_of(*impl_).stats.suppress_below;
  Stmt s(impl_->db,
         "SELECT procedure, stage, category, strftime('%Y-%m', opened_at / 1000, 'unixepoch') AS month, count(*) "
         "FROM challenges GROUP BY 1, 2, 3, 4 ORDER BY 4, 1, 2, 3");
  s.bind();
  Json rows = Json::array();
  while (s.step()) {
    Json row{{"procedure", s.text(0)}, {"stage", s.i64(1)}, {"category", s.text(2)}, {"month", s.text(3)},
             {"count", s.i64(4)}};
    if (s.i64(4) < below) row["count"] = nullptr, row["suppressed"] = true;
    rows.push_back(std::move(row));
  }
  return Json{{"aggregates", rows}};
}

}  // namespace parley::server
