// core/store.cpp — SQLite schema, migrations and queries (see store.h).
#include "core/store.h"

#include "core/crypt_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace parley {
namespace {

// Each migration takes the schema from version i to i+1. Never edit a released entry:
// add a new one. tests/core/test_store.cpp upgrades from every earlier version.
const char* const kMigrations[] = {
    // 1: the append-only event log and device identity.
    R"SQL(
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE events(
      local_seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      challenge TEXT NOT NULL,
      device TEXT NOT NULL,
      device_seq INTEGER NOT NULL,
      kind TEXT NOT NULL,
      at INTEGER NOT NULL,
      hash TEXT NOT NULL,
      json TEXT NOT NULL,
      UNIQUE(device, device_seq));
    CREATE INDEX events_by_challenge ON events(challenge, local_seq);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction instead'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only: record a correction instead'); END;
    INSERT INTO meta VALUES('device_id', 'dev-' || lower(hex(randomblob(8))));
    INSERT INTO meta VALUES('device_seq', '0');
    INSERT INTO meta VALUES('hlc_ms', '0');
    INSERT INTO meta VALUES('hlc_counter', '0');
    )SQL",
    // 2: projection of each challenge for lists; rebuilt from the events by the engine.
    R"SQL(
    CREATE TABLE challenges(
      id TEXT PRIMARY KEY,
      procedure TEXT NOT NULL,
      stage INTEGER NOT NULL,
      status TEXT NOT NULL,
      expedited INTEGER NOT NULL,
      needs_review INTEGER NOT NULL,
      opened_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      deadline INTEGER,
      subject_name TEXT NOT NULL,
      challenger_agency TEXT NOT NULL,
      challenged_agency TEXT NOT NULL,
      category TEXT NOT NULL,
      event_count INTEGER NOT NULL);
    CREATE INDEX challenges_by_urgency ON challenges(status, expedited DESC, deadline, opened_at);
    INSERT INTO meta VALUES('projections_stale', '1');
    )SQL",
    // 3: the outbox of events not yet acknowledged by the server (every event this device
    // wrote so far is unacknowledged: there was no sync before), and the quarantine.
    R"SQL(
    CREATE TABLE outbox(event_id TEXT PRIMARY KEY REFERENCES events(id));
    INSERT INTO outbox SELECT id FROM events WHERE device = (SELECT value FROM meta WHERE key = 'device_id');
    CREATE TABLE quarantine(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      received_at INTEGER NOT NULL,
      reason TEXT NOT NULL,
      payload TEXT NOT NULL);
    )SQL",
    // 4: the outbox keyed by upload order (the event's local_seq, so a batch is a range
    // scan, oldest first) and carrying the event's `at`, indexed, so the status bar's
    // count and "oldest pending" every frame do not join the event log.
    R"SQL(
    CREATE TABLE outbox_v4(
      local_seq INTEGER PRIMARY KEY,
      event_id TEXT NOT NULL UNIQUE REFERENCES events(id),
      at INTEGER NOT NULL);
    INSERT INTO outbox_v4 SELECT e.local_seq, e.id, e.at FROM outbox o JOIN events e ON e.id = o.event_id;
    DROP TABLE outbox;
    ALTER TABLE outbox_v4 RENAME TO outbox;
    CREATE INDEX outbox_by_at ON outbox(at);
    )SQL",
    // 5: the projection says whether a timescale was missed (core/history.h), for Home's
    // filter; projections are rebuilt from the events to fill it.
    R"SQL(
    ALTER TABLE challenges ADD COLUMN missed INTEGER NOT NULL DEFAULT 0;
    INSERT OR REPLACE INTO meta VALUES('projections_stale', '1');
    )SQL",
    // 6: the Board's agency directory as the office server last sent it (core/agencies.h),
    // so the other agency is chosen from it offline; empty until the first sync.
    R"SQL(
    CREATE TABLE agencies(name TEXT PRIMARY KEY);
    )SQL",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == Store::kLatestVersion);

using Stmt = sql::Statement;

std::string explain_open_error(const std::string& path, int rc, const std::string& detail) {
  // A page of an encrypted store that failed its seal (core/crypt_vfs.h).
  if (rc == SQLITE_IOERR_DATA)
    return path + " is damaged: part of it failed its integrity check (it was changed outside Parley, or the disk "
                  "is failing); restore it from a backup, or erase it and sign in again to get the synced records back";
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return path + " is not a Parley database, or it is damaged (" + detail + "); check the path or restore it from a backup";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return path + " is locked by another program; close it and try again";
    case SQLITE_CANTOPEN:
      return "cannot open " + path + ": check that the folder exists and you may write to it";
    case SQLITE_READONLY:
      return path + " is read-only; Parley needs to write to it";
    case SQLITE_CORRUPT:
      return path + " is damaged (" + detail + "); restore it from a backup";
    default:
      return "cannot use " + path + ": " + detail;
  }
}

}  // namespace

Store::Store(const std::string& path, StoreOptions options) : path_(path) {
  if (!options.create && path != ":memory:" && !std::filesystem::exists(path))
    throw StoreError("no Parley database at " + path + ": check the path (or create one by opening a challenge)");
  // A new database is created readable by its owner only (0600): it holds special-category
  // personal data and, once signed in, the sync token. SQLite gives its journal the same mode.
  if (options.create && path != ":memory:" && !path.empty() && !std::filesystem::exists(path)) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  int flags = SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0);
  std::string vfs = options.vfs;
  if (options.key) {
    vfs = crypt_vfs_name(options.vfs);
    crypt_vfs_attach(path, options.key);
    encrypted_ = true;
  }
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string detail = db_ ? sqlite3_errmsg(db_) : "out of memory";
    if (db_) rc = sqlite3_extended_errcode(db_);   // open reads page 1: say why it failed
    close_after_failed_open();
    throw StoreError(explain_open_error(path, rc, detail), rc);
  }
  sqlite3_extended_result_codes(db_, 1);
  transactions_.emplace(db_);
  sqlite3_busy_timeout(db_, 2000);
  try {
    exec("PRAGMA foreign_keys = ON");
    // A rollback journal, synced fully: a command is durable when it returns.
    exec("PRAGMA synchronous = FULL");
    if (encrypted_) prepare_encrypted();
    check_integrity_of_header();
    migrate(options.max_version < 0 ? kLatestVersion : options.max_version);
  } catch (const StoreError&) {
    close_after_failed_open();
    throw;
  } catch (const sql::DatabaseError& e) {
    // Said in the store's words (a page that failed its check reads as damaged).
    close_after_failed_open();
    throw StoreError(explain_open_error(path, e.code(), e.what()), e.code());
  } catch (...) {
    close_after_failed_open();
    throw;
  }
}

void Store::close_after_failed_open() {
  sqlite3_close(db_);
  db_ = nullptr;
  if (encrypted_) crypt_vfs_detach(path_);
}

Store::~Store() {
  if (db_) sqlite3_close(db_);
  if (encrypted_) crypt_vfs_detach(path_);
}

void Store::prepare_encrypted() {
  // Temporary tables, sorts and statement journals stay in memory: the VFS refuses to
  // write any file but the store and its journal, which it seals.
  exec("PRAGMA temp_store = MEMORY");
  int reserve = -1;   // negative: only ask
  sqlite3_file_control(db_, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
  Stmt pages(db_, "PRAGMA page_count");
  pages.step();
  if (pages.i64(0) == 0) {
    // A new store: every page keeps room for its nonce and tag (core/crypt_vfs.h).
    reserve = kPageReserve;
    exec(("PRAGMA page_size = " + std::to_string(kStorePageSize)).c_str());
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
    reserve = -1;
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
  }
  Stmt size(db_, "PRAGMA page_size");
  size.step();
  if (reserve != kPageReserve || size.i64(0) != kStorePageSize)
    throw StoreError(path_ + " is not laid out as an encrypted Parley store; restore it from a backup");
}

void Store::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError(explain_open_error(path_, rc, msg), rc);
  }
}

void Store::check_integrity_of_header() {
  // Reading the schema forces SQLite to read page 1: a file that is not a database fails
  // here with SQLITE_NOTADB rather than later in the middle of a command.
  Stmt s(db_, "SELECT count(*) FROM sqlite_schema");
  s.step();
  std::int64_t tables = s.i64(0);
  if (tables > 0 && schema_version() == 0)
    throw StoreError(path_ + " is a SQLite database but not a Parley one; choose another file");
}

int Store::schema_version() const {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr);
  int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
  sqlite3_finalize(s);
  return v;
}

void Store::migrate(int max_version) {
  int v = schema_version();
  if (v > kLatestVersion)
    throw StoreError(path_ + " was written by a newer Parley (database version " + std::to_string(v) +
                     ", this Parley reads up to " + std::to_string(kLatestVersion) + "); update Parley");
  for (; v < max_version; ++v) {
    transaction([&] {
      exec(kMigrations[v]);
      exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
    });
  }
}

void Store::transaction(const std::function<void()>& body) {
  try {
    transactions_->run(body);
  } catch (const StoreError&) {
    throw;
  } catch (const sql::DatabaseError& e) {
    // Said in the store's words (locked, read-only, damaged), keeping SQLite's code.
    throw StoreError(explain_open_error(path_, e.code(), e.what()), e.code());
  }
}

std::string Store::device_id() {
  Stmt s(db_, "SELECT value FROM meta WHERE key = 'device_id'");
  if (!s.step()) throw StoreError(path_ + ": device id missing; the database is damaged");
  return s.text(0);
}

std::int64_t Store::next_device_seq() {
  // Never reuse a number already in the log, even if the counter lags it (a file put
  // back from a copy): the pair (device, seq) must stay unique.
  Stmt u(db_, "UPDATE meta SET value = max(CAST(value AS INTEGER), coalesce((SELECT max(device_seq) FROM events "
              "WHERE device = (SELECT value FROM meta WHERE key = 'device_id')), 0)) + 1 WHERE key = 'device_seq'");
  u.step();
  Stmt s(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'device_seq'");
  s.step();
  return s.i64(0);
}

Hlc Store::last_hlc() {
  Stmt s(db_, "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc_ms'),"
              "       (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc_counter')");
  s.step();
  return Hlc{s.i64(0), static_cast<std::int32_t>(s.i64(1))};
}

void Store::set_last_hlc(const Hlc& h) {
  Stmt a(db_, "UPDATE meta SET value = ? WHERE key = 'hlc_ms'");
  a.bind_at(1, std::to_string(h.ms)).step();
  Stmt b(db_, "UPDATE meta SET value = ? WHERE key = 'hlc_counter'");
  b.bind_at(1, std::to_string(h.counter)).step();
}

std::optional<std::string> Store::meta(const std::string& key) {
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
  s.bind_at(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void Store::set_meta(const std::string& key, const std::string& value) {
  Stmt s(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind_at(1, key).bind_at(2, value).step();
}

bool Store::projections_stale() {
  Stmt s(db_, "SELECT value FROM meta WHERE key = 'projections_stale'");
  return s.step() && s.text(0) == "1";
}

void Store::mark_projections_fresh() {
  Stmt s(db_, "DELETE FROM meta WHERE key = 'projections_stale'");
  s.step();
}

bool Store::has_event(const std::string& id) { return event_hash(id).has_value(); }

std::optional<std::string> Store::event_hash(const std::string& id) {
  Stmt s(db_, "SELECT hash FROM events WHERE id = ?");
  s.bind_at(1, id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void Store::insert_event(const Event& e, bool local) {
  Stmt s(db_, "INSERT INTO events(id, challenge, device, device_seq, kind, at, hash, json) VALUES(?,?,?,?,?,?,?,?)");
  s.bind_at(1, e.id).bind_at(2, e.challenge).bind_at(3, e.device).bind_at(4, e.seq).bind_at(5, std::string(to_string(e.kind)));
  s.bind_at(6, e.at).bind_at(7, e.hash).bind_at(8, to_json(e).dump());
  s.step();
  if (local) {
    Stmt o(db_, "INSERT INTO outbox(local_seq, event_id, at) VALUES(last_insert_rowid(), ?, ?)");
    o.bind_at(1, e.id).bind_at(2, e.at).step();
  }
}

std::vector<Event> Store::challenge_events(const std::string& challenge) {
  Stmt s(db_, "SELECT json FROM events WHERE challenge = ? ORDER BY local_seq");
  s.bind_at(1, challenge);
  std::vector<Event> out;
  while (s.step()) out.push_back(event_from_json(Json::parse(s.text(0))));
  return out;
}

std::vector<std::string> Store::challenge_ids() {
  Stmt s(db_, "SELECT DISTINCT challenge FROM events ORDER BY challenge");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::optional<std::string> Store::find_event_id(const std::string& challenge, const std::string& prefix) {
  if (prefix.size() < 6) return std::nullopt;
  Stmt s(db_, "SELECT id FROM events WHERE challenge = ? AND substr(id, 1, ?) = ? LIMIT 2");
  s.bind_at(1, challenge).bind_at(2, static_cast<std::int64_t>(prefix.size())).bind_at(3, prefix);
  std::vector<std::string> found;
  while (s.step()) found.push_back(s.text(0));
  if (found.size() != 1) return std::nullopt;
  return found.front();
}

void Store::upsert_challenge(const ChallengeRow& r) {
  Stmt s(db_, R"SQL(INSERT INTO challenges(id, procedure, stage, status, expedited, needs_review, opened_at,
      updated_at, deadline, subject_name, challenger_agency, challenged_agency, category, event_count, missed)
      VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
      ON CONFLICT(id) DO UPDATE SET procedure = excluded.procedure, stage = excluded.stage,
      status = excluded.status, expedited = excluded.expedited, needs_review = excluded.needs_review,
      opened_at = excluded.opened_at, updated_at = excluded.updated_at, deadline = excluded.deadline,
      subject_name = excluded.subject_name, challenger_agency = excluded.challenger_agency,
      challenged_agency = excluded.challenged_agency, category = excluded.category,
      event_count = excluded.event_count, missed = excluded.missed)SQL");
  s.bind_at(1, r.id).bind_at(2, r.procedure).bind_at(3, std::int64_t(r.stage)).bind_at(4, std::string(to_string(r.status)));
  s.bind_at(5, std::int64_t(r.expedited)).bind_at(6, std::int64_t(r.needs_review)).bind_at(7, r.opened_at).bind_at(8, r.updated_at);
  if (r.deadline) s.bind_at(9, *r.deadline); else s.bind_at(9, std::nullopt);
  s.bind_at(10, r.subject_name).bind_at(11, r.challenger_agency).bind_at(12, r.challenged_agency).bind_at(13, r.category);
  s.bind_at(14, std::int64_t(r.event_count)).bind_at(15, std::int64_t(r.missed));
  s.step();
}

namespace {
const char* kRowColumns =
    "id, procedure, stage, status, expedited, needs_review, opened_at, updated_at, deadline, subject_name, "
    "challenger_agency, challenged_agency, category, event_count, missed";
ChallengeRow read_row(Stmt& s) {
  ChallengeRow r;
  r.id = s.text(0);
  r.procedure = s.text(1);
  r.stage = static_cast<int>(s.i64(2));
  r.status = parse_status(s.text(3));
  r.expedited = s.i64(4) != 0;
  r.needs_review = s.i64(5) != 0;
  r.opened_at = s.i64(6);
  r.updated_at = s.i64(7);
  if (!s.is_null(8)) r.deadline = s.i64(8);
  r.subject_name = s.text(9);
  r.challenger_agency = s.text(10);
  r.challenged_agency = s.text(11);
  r.category = s.text(12);
  r.event_count = static_cast<int>(s.i64(13));
  r.missed = s.i64(14) != 0;
  return r;
}
}  // namespace

std::optional<ChallengeRow> Store::challenge(const std::string& id) {
  Stmt s(db_, (std::string("SELECT ") + kRowColumns + " FROM challenges WHERE id = ?").c_str());
  s.bind_at(1, id);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

std::vector<ChallengeRow> Store::challenges() {
  // Urgency: open before resolved/closed, expedited first, then nearest deadline (none
  // last), then oldest.
  Stmt s(db_, (std::string("SELECT ") + kRowColumns +
               " FROM challenges ORDER BY status != 'open', expedited DESC, deadline IS NULL, deadline, opened_at, id")
                  .c_str());
  std::vector<ChallengeRow> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

std::int64_t Store::outbox_count() {
  Stmt s(db_, "SELECT count(*) FROM outbox");
  s.step();
  return s.i64(0);
}

std::optional<std::int64_t> Store::outbox_oldest() {
  Stmt s(db_, "SELECT min(at) FROM outbox");   // answered from the outbox_by_at index
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return s.i64(0);
}

std::vector<OutboxEntry> Store::outbox_batch(std::int64_t after, std::size_t limit) {
  Stmt s(db_, "SELECT o.local_seq, e.challenge, e.json FROM outbox o JOIN events e ON e.local_seq = o.local_seq "
              "WHERE o.local_seq > ? ORDER BY o.local_seq LIMIT ?");
  s.bind_at(1, after).bind_at(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEntry> out;
  while (s.step()) {
    OutboxEntry entry;
    entry.position = s.i64(0);
    entry.challenge = s.text(1);
    entry.json = s.text(2);
    out.push_back(std::move(entry));
  }
  return out;
}

std::size_t Store::acknowledge(const std::vector<std::string>& ids) {
  std::size_t removed = 0;
  transaction([&] {
    Stmt s(db_, "DELETE FROM outbox WHERE event_id = ?");
    for (const auto& id : ids) {
      s.bind_at(1, id);
      s.step();
      removed += static_cast<std::size_t>(sqlite3_changes(db_));
      s.reset();
    }
  });
  return removed;
}

std::size_t Store::requeue_all_local() {
  std::size_t added = 0;
  transaction([&] {
    Stmt s(db_, "INSERT OR IGNORE INTO outbox(local_seq, event_id, at) SELECT local_seq, id, at FROM events "
                "WHERE device = (SELECT value FROM meta WHERE key = 'device_id')");
    s.step();
    added = static_cast<std::size_t>(sqlite3_changes(db_));
  });
  return added;
}

std::int64_t Store::change_count() { return sqlite3_total_changes64(db_); }

std::int64_t Store::event_count() {
  Stmt s(db_, "SELECT count(*) FROM events");
  s.step();
  return s.i64(0);
}

std::vector<std::string> Store::agencies() {
  Stmt s(db_, "SELECT name FROM agencies ORDER BY name");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::string Store::agencies_version() { return meta("agencies_version").value_or(""); }

void Store::replace_agencies(const std::vector<std::string>& names, const std::string& version) {
  transaction([&] {
    exec("DELETE FROM agencies");
    Stmt s(db_, "INSERT OR IGNORE INTO agencies(name) VALUES(?)");
    for (const auto& name : names) {
      s.bind_at(1, name);
      s.step();
      s.reset();
    }
    set_meta("agencies_version", version);
  });
}

void Store::quarantine(const std::string& reason, const std::string& payload, std::int64_t at_ms) {
  Stmt s(db_, "INSERT INTO quarantine(received_at, reason, payload) VALUES(?,?,?)");
  s.bind_at(1, at_ms).bind_at(2, reason).bind_at(3, payload).step();
}

std::int64_t Store::quarantine_count() {
  Stmt s(db_, "SELECT count(*) FROM quarantine");
  s.step();
  return s.i64(0);
}

}  // namespace parley
