// core/store.h — the device's SQLite database: an append-only event table, projections
// of each challenge for fast lists, the outbox of events not yet acknowledged by the
// server, a quarantine for input that failed validation, and the Board's agency directory.
//
// Model: events are the only truth. The `challenges` table is a projection, written in
// the same transaction as the events it derives from and rebuildable from them at any
// time. Events cannot be updated or deleted: triggers refuse it. Schema changes are
// numbered migrations (kMigrations in store.cpp); the version is in PRAGMA user_version.
// The same code runs natively and in WebAssembly (where the file lives in memory and is
// persisted by the web client).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/sqlite.h"
#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace parley {

// The store could not be opened, read or written (the message says what to do). A
// DatabaseError: callers that must never mistake a failed write for bad data catch that.
class StoreError : public sql::DatabaseError {
 public:
  explicit StoreError(const std::string& message, int code = 0) : sql::DatabaseError(message, code) {}
};

// One row of the challenges projection.
struct ChallengeRow {
  Status status = Status::Open;
  std::string id, procedure, subject_name, challenger_agency, challenged_agency, category;
  int stage = 0;
  bool expedited = false, needs_review = false;
  std::int64_t opened_at = 0, updated_at = 0;
  std::optional<std::int64_t> deadline;   // UTC ms; none when the stage has no timescale
  int event_count = 0;
  bool missed = false;                    // a timescale was not met (core/history.h)
};

// One unacknowledged event in the outbox: its place in upload order and its stored JSON
// (exactly as hashed and as sent; the sync engine does not re-serialise it).
struct OutboxEntry {
  std::int64_t position = 0;
  std::string challenge;
  std::string json;
};

class DataKey;

struct StoreOptions {
  bool create = true;          // create the file when missing
  std::string vfs;             // SQLite VFS name; empty = default (tests use "parley-fault")
  int max_version = -1;        // migrate only up to this version (tests of old versions)
  // Encrypted at rest (core/encryption.h): the data key the file's envelope wraps. The
  // file must already hold that envelope. Unset: a plain file (the office server's store,
  // tests of stores older Parleys wrote).
  std::shared_ptr<const DataKey> key;
};

class Store {
 public:
  static constexpr int kLatestVersion = 6;

  // Opens (and migrates) the database at `path`. Throws StoreError with a message saying
  // what to do: not a Parley database, newer than this Parley, locked by another
  // program, unreadable.
  explicit Store(const std::string& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const;
  const std::string& path() const { return path_; }

  // Runs `body` in one IMMEDIATE transaction; commits if it returns, rolls back and
  // rethrows if it throws. Nested calls join the outer transaction; a nested body that
  // throws is rolled back alone (a savepoint) before the error reaches the caller.
  void transaction(const std::function<void()>& body);

  // Meta values (device id, sequence, clock; the sync engine keeps its state here under
  // "sync_*" keys — see sync/client.h).
  std::string device_id();
  std::int64_t next_device_seq();           // call inside a transaction
  Hlc last_hlc();
  void set_last_hlc(const Hlc& h);
  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);
  bool projections_stale();                 // set by the migration that added projections
  void mark_projections_fresh();

  bool has_event(const std::string& id);
  std::optional<std::string> event_hash(const std::string& id);
  // Inserts one event; `local` also queues it in the outbox. Inside a transaction.
  void insert_event(const Event& e, bool local);
  std::vector<Event> challenge_events(const std::string& challenge);
  std::vector<std::string> challenge_ids();
  // Resolves a unique id prefix (>= 6 characters) to an event id of the challenge.
  std::optional<std::string> find_event_id(const std::string& challenge, const std::string& prefix);

  void upsert_challenge(const ChallengeRow& row);
  std::optional<ChallengeRow> challenge(const std::string& id);
  std::vector<ChallengeRow> challenges();  // ordered: expedited first, then deadline, then opened

  // The outbox: events written on this device that the server has not acknowledged.
  // outbox_count and outbox_oldest are cheap (the status bar asks every frame).
  std::int64_t outbox_count();
  std::optional<std::int64_t> outbox_oldest();   // earliest `at` of an unacknowledged event
  // Up to `limit` unacknowledged events after `position` (0: from the start), oldest
  // first. Read-only.
  std::vector<OutboxEntry> outbox_batch(std::int64_t after, std::size_t limit);
  // Removes the listed events from the outbox (ids not in it are ignored) in one
  // transaction; returns how many were removed.
  std::size_t acknowledge(const std::vector<std::string>& ids);
  // Puts every event written on this device back in the outbox (after the server lost
  // data: a new epoch). Returns how many were added back.
  std::size_t requeue_all_local();
  std::int64_t event_count();
  // Rows this connection has inserted, updated or deleted so far: a caller compares two
  // readings to learn whether something it called wrote to the database.
  std::int64_t change_count();
  // The Board's agency directory as the office server last sent it (core/agencies.h), in
  // name order; empty when this device never synced one. replace_agencies swaps the whole
  // list and its version (the server's, for "unchanged" answers) in one transaction.
  std::vector<std::string> agencies();
  std::string agencies_version();
  void replace_agencies(const std::vector<std::string>& names, const std::string& version);
  void quarantine(const std::string& reason, const std::string& payload, std::int64_t at_ms);
  std::int64_t quarantine_count();

  sqlite3* handle() { return db_; }

 private:
  void exec(const char* sql);
  void migrate(int max_version);
  void check_integrity_of_header();
  sqlite3* db_ = nullptr;
  std::string path_;
  bool encrypted_ = false;
  void prepare_encrypted();
  void close_after_failed_open();
  std::optional<sql::Transactions> transactions_;
};

}  // namespace parley
