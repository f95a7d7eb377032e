// core/sqlite.cpp — the thin SQLite wrapper (see sqlite.h).
#include "core/sqlite.h"

#include <sqlite3.h>

namespace parley::sql {

void fail(sqlite3* db, int rc, const std::string& what) {
  std::string message = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw DatabaseBusy(message, rc);
  throw DatabaseError(message, rc);
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw DatabaseBusy("database error: " + message, rc);
    throw DatabaseError("database error: " + message, rc);
  }
}

Statement::Statement(sqlite3* db, const char* sql, bool persistent) : db_(db) {
  int rc = sqlite3_prepare_v3(db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, std::string("database error in ") + sql);
}

Statement::~Statement() { sqlite3_finalize(s_); }

Statement& Statement::bind_integer(int i, std::int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Statement& Statement::bind_at(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_at(int i, std::nullopt_t) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Statement& Statement::bind_at(int i, const std::optional<std::int64_t>& v) {
  return v ? bind_at(i, *v) : bind_at(i, std::nullopt);
}

bool Statement::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(s_);
  fail(db_, rc, "database write failed");
}

void Statement::run() {
  step();
  sqlite3_reset(s_);
}

std::int64_t Statement::i64(int col) { return sqlite3_column_int64(s_, col); }

std::string Statement::text(int col) { return std::string(view(col)); }

std::string_view Statement::view(int col) {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string_view();
}

bool Statement::is_null(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

void Statement::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

void Transactions::run(const std::function<void()>& body) {
  if (depth_ > 0) {
    // A nested body that throws is undone on its own (a savepoint), so a caller that
    // catches the error inside its transaction — the sync engine quarantining one bad
    // bundle of a page — keeps nothing half-written of it.
    std::string name = "nested" + std::to_string(depth_);
    exec(db_, ("SAVEPOINT " + name).c_str());
    ++depth_;
    try {
      body();
    } catch (...) {
      --depth_;
      sqlite3_exec(db_, ("ROLLBACK TO " + name + "; RELEASE " + name).c_str(), nullptr, nullptr, nullptr);
      throw;
    }
    --depth_;
    exec(db_, ("RELEASE " + name).c_str());
    return;
  }
  exec(db_, "BEGIN IMMEDIATE");
  depth_ = 1;
  try {
    body();
    depth_ = 0;
    exec(db_, "COMMIT");
  } catch (...) {
    depth_ = 0;
    // After an I/O error SQLite may have rolled back already; ROLLBACK then just reports
    // "no transaction is active", which is what we want anyway.
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace parley::sql
