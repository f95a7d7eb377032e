// core/sqlite.h — the one thin SQLite wrapper that the client store (core/store.cpp) and
// the office server's store (sync/server_store.cpp) both use: prepared statements,
// transactions with savepoints for nesting, and errors classified by type.
//
// Model: a failure from SQLite becomes a DatabaseError carrying SQLite's result code, and
// a busy or locked database becomes the subclass DatabaseBusy, so a caller decides on the
// type (the server answers 503 with Retry-After for DatabaseBusy, 500 otherwise), never
// by searching the message text.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::sql {

class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }   // SQLite's (extended) result code

 private:
  int code_;
};

// SQLITE_BUSY or SQLITE_LOCKED: another connection holds the database; try again later.
class DatabaseBusy : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

// Throws DatabaseBusy or DatabaseError for result code `rc` with `what` and SQLite's message.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what);

// Runs SQL with no results (several statements allowed). Throws as fail().
void exec(sqlite3* db, const char* sql);

class Statement {
 public:
  // `persistent`: kept for the life of the connection (the server's hot statements).
  Statement(sqlite3* db, const char* sql, bool persistent = false);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Starts a fresh use of the statement with these parameters (?1, ?2, ... in order).
  template <typename... A>
  Statement& bind(const A&... args) {
    reset();
    int i = 0;
    (bind_at(++i, args), ...);
    return *this;
  }
  // Any whole number (int, long, long long, bool): int64_t is long on x86-64 and long long
  // on wasm32, so one template rather than overloads that collide on one of them.
  template <typename I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  Statement& bind_at(int i, I v) {
    return bind_integer(i, static_cast<std::int64_t>(v));
  }
  Statement& bind_at(int i, std::string_view v);
  Statement& bind_at(int i, const std::string& v) { return bind_at(i, std::string_view(v)); }
  Statement& bind_at(int i, const char* v) { return bind_at(i, std::string_view(v)); }
  Statement& bind_at(int i, std::nullopt_t);
  Statement& bind_at(int i, const std::optional<std::int64_t>& v);

  bool step();   // true: a row is ready; false: done. Throws DatabaseError / DatabaseBusy.
  void run();    // step, then reset (a statement that returns no rows)
  std::int64_t i64(int col);
  std::string text(int col);
  std::string_view view(int col);   // valid until the next step or reset
  bool is_null(int col);
  void reset();  // ends this use (releases read locks); bindings cleared

 private:
  Statement& bind_integer(int i, std::int64_t v);
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// Runs `body` in one transaction: BEGIN IMMEDIATE at depth 0, a SAVEPOINT when nested (so
// a nested body that throws is undone on its own while the outer one goes on). Commits
// when `body` returns, rolls back and rethrows when it throws.
class Transactions {
 public:
  explicit Transactions(sqlite3* db) : db_(db) {}
  void run(const std::function<void()>& body);
  bool active() const { return depth_ > 0; }

 private:
  sqlite3* db_;
  int depth_ = 0;
};

}  // namespace parley::sql
