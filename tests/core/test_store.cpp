// tests/core/test_store.cpp — the SQLite store: migrations from every earlier version,
// append-only events, clear errors for unusable files, and the fault-simulation loop:
// a write failing at any point of a command leaves nothing of it behind.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "core/fault_vfs.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {
const Author kA = practitioner();

int exec(sqlite3* db, const std::string& sql) { return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); }

// A database at an old schema version holding `events` (raw rows, as that version
// stored them), with `own_device` as its device id.
void make_old_database(const std::string& path, int version, const std::vector<Event>& events,
                       const std::string& own_device) {
  {
    Store old(path, StoreOptions{true, "", version});
    REQUIRE(old.schema_version() == version);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(exec(db, "UPDATE meta SET value = '" + own_device + "' WHERE key = 'device_id'") == SQLITE_OK);
  for (const auto& e : events) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO events(id, challenge, device, device_seq, kind, at, hash, json) VALUES(?,?,?,?,?,?,?,?)",
                       -1, &s, nullptr);
    std::string kind(to_string(e.kind)), json = to_json(e).dump();
    sqlite3_bind_text(s, 1, e.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, e.challenge.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, e.device.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, e.seq);
    sqlite3_bind_text(s, 5, kind.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, e.at);
    sqlite3_bind_text(s, 7, e.hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 8, json.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(s) == SQLITE_DONE);
    sqlite3_finalize(s);
    // Version 3 kept this device's unacknowledged events in outbox(event_id).
    if (version == 3 && e.device == own_device)
      REQUIRE(exec(db, "INSERT INTO outbox(event_id) VALUES('" + e.id + "')") == SQLITE_OK);
    // Versions 4 and 5 kept them in outbox(local_seq, event_id, at).
    if ((version == 4 || version == 5) && e.device == own_device)
      REQUIRE(exec(db, "INSERT INTO outbox(local_seq, event_id, at) SELECT local_seq, id, at FROM events WHERE id = '" +
                           e.id + "'") == SQLITE_OK);
  }
  sqlite3_close(db);
}
}  // namespace

TEST_CASE("a new database is at the latest version with a device id", "[store]") {
  TempFile f("store-new");
  Store s(f.path);
  CHECK(s.schema_version() == Store::kLatestVersion);
  CHECK(s.device_id().rfind("dev-", 0) == 0);
  CHECK(s.device_id().size() == 20);
  CHECK(s.event_count() == 0);
}

TEST_CASE("every earlier version upgrades to the latest and keeps every event", "[store]") {
  // Events written by today's code, stored as each old version stored them.
  Device source("store-src", 21, at("2026-01-05T09:00"));
  std::string id = source.engine.open(open_body("shropshire-sscp"), kA, at("2026-01-05T09:00"));
  source.clock.set(at("2026-01-06T12:00"));
  source.engine.record(id, EventKind::Escalated, {{"reason", "No agreement"}, {"tried", "Call"}}, kA, at("2026-01-06T09:00"));
  source.engine.record(id, EventKind::Comment, {{"text", "Waiting for the manager"}}, kA, at("2026-01-06T10:00"));
  std::vector<Event> events = source.store.challenge_events(id);
  REQUIRE(events.size() == 3);

  for (int version = 1; version < Store::kLatestVersion; ++version) {
    INFO("from version " << version);
    TempFile f("store-old");
    make_old_database(f.path, version, events, events.front().device);
    Store store(f.path);   // migrates
    CHECK(store.schema_version() == Store::kLatestVersion);
    FixedClock clock(at("2026-01-07T09:00"));
    IdSource ids(5);
    ProcedureLibrary lib = ProcedureLibrary::builtin();
    Engine engine(store, lib, clock, ids);   // rebuilds projections the migration marked stale
    CHECK(store.event_count() == 3);
    auto row = store.challenge(id);
    REQUIRE(row);
    CHECK(row->stage == 2);
    CHECK(row->event_count == 3);
    CHECK(row->deadline.has_value());
    CHECK_FALSE(store.projections_stale());
    // Events this device wrote before the outbox existed (or queued in the version 3
    // outbox) are queued for upload, oldest first.
    CHECK(store.outbox_count() == 3);
    CHECK(store.outbox_oldest() == events.front().at);
    auto batch = store.outbox_batch(0, 10);
    REQUIRE(batch.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(event_from_json(Json::parse(batch[i].json)).id == events[i].id);
    // And the upgraded database keeps working.
    engine.record(id, EventKind::Comment, {{"text", "after the upgrade"}}, kA, at("2026-01-07T09:00"));
    CHECK(store.event_count() == 4);
    CHECK(store.outbox_count() == 4);
    // Version 6 added the Board's agency directory: empty until the first sync.
    CHECK(store.agencies().empty());
    CHECK(store.agencies_version().empty());
  }
}

TEST_CASE("the agency directory: an old store upgrades to an empty one, which is kept whole across reopening",
          "[store][agencies]") {
  TempFile f("store-agencies");
  {
    Store old(f.path, StoreOptions{true, "", 5});
    REQUIRE(old.schema_version() == 5);
  }
  {
    Store store(f.path);
    CHECK(store.schema_version() == Store::kLatestVersion);
    CHECK(store.agencies().empty());
    store.replace_agencies({"Demo Police", "Demo Housing Trust", "Demo Police"}, "v1");
  }
  Store again(f.path);
  CHECK(again.agencies() == std::vector<std::string>{"Demo Housing Trust", "Demo Police"});
  CHECK(again.agencies_version() == "v1");
  // A new list replaces the old one whole (an agency the Board removed goes).
  again.replace_agencies({"Demo Community Health"}, "v2");
  CHECK(again.agencies() == std::vector<std::string>{"Demo Community Health"});
  CHECK(again.agencies_version() == "v2");
}

TEST_CASE("the outbox: batches oldest first, acknowledgements, requeue, merged events stay out", "[store][outbox]") {
  Device a("store-outbox-a", 31, at("2026-01-05T09:00"));
  std::string id = a.engine.open(open_body("shropshire-sscp"), kA, at("2026-01-05T09:00"));
  a.clock.set(at("2026-01-06T12:00"));
  for (int i = 0; i < 4; ++i)
    a.engine.record(id, EventKind::Comment, {{"text", "note " + std::to_string(i)}}, kA, at("2026-01-06T09:00") + i);
  const std::vector<Event> written = a.store.challenge_events(id);
  REQUIRE(written.size() == 5);
  CHECK(a.store.outbox_count() == 5);
  CHECK(a.store.outbox_oldest() == at("2026-01-05T09:00"));

  // Batches page by position, oldest first.
  auto first = a.store.outbox_batch(0, 2);
  REQUIRE(first.size() == 2);
  auto rest = a.store.outbox_batch(first.back().position, 10);
  REQUIRE(rest.size() == 3);
  CHECK(first[0].position < first[1].position);
  CHECK(event_from_json(Json::parse(rest[2].json)).id == written[4].id);

  // Acknowledging removes only the listed ids; unknown and repeated ids are harmless.
  CHECK(a.store.acknowledge({written[0].id, written[1].id, "0123456789abcdef0123456789abcdef"}) == 2);
  CHECK(a.store.acknowledge({written[0].id}) == 0);
  CHECK(a.store.outbox_count() == 3);
  CHECK(a.store.outbox_oldest() == at("2026-01-06T09:00") + 1);

  // Events merged from elsewhere never enter this device's outbox...
  Device b("store-outbox-b", 32, at("2026-01-06T12:00"));
  b.pull(a, id);
  b.engine.record(id, EventKind::Comment, {{"text", "from b"}}, kA, at("2026-01-06T11:00"));
  a.engine.merge(b.store.challenge_events(id));
  CHECK(a.store.event_count() == 6);
  CHECK(a.store.outbox_count() == 3);
  // ...and a requeue puts back only this device's own events.
  CHECK(a.store.requeue_all_local() == 2);
  CHECK(a.store.outbox_count() == 5);
  CHECK(a.store.requeue_all_local() == 0);
  CHECK(b.store.outbox_count() == 1);
}

TEST_CASE("a nested transaction that throws is undone alone", "[store]") {
  Device d("store-nested", 33, at("2026-01-05T09:00"));
  d.store.transaction([&] {
    d.store.set_meta("kept", "1");
    CHECK_THROWS(d.store.transaction([&] {
      d.store.set_meta("undone", "1");
      throw StoreError("no");
    }));
    d.store.set_meta("kept too", "1");
  });
  CHECK(d.store.meta("kept") == "1");
  CHECK(d.store.meta("kept too") == "1");
  CHECK_FALSE(d.store.meta("undone"));
}

TEST_CASE("events cannot be updated or deleted", "[store]") {
  Device d("store-append", 22, at("2026-01-05T09:00"));
  d.engine.open(open_body("bury-sab"), kA, at("2026-01-05T09:00"));
  char* err = nullptr;
  for (const char* sql : {"UPDATE events SET kind = 'comment'", "DELETE FROM events"}) {
    INFO(sql);
    CHECK(sqlite3_exec(d.store.handle(), sql, nullptr, nullptr, &err) != SQLITE_OK);
    REQUIRE(err);
    CHECK(std::string(err).find("append-only") != std::string::npos);
    sqlite3_free(err);
    err = nullptr;
  }
  CHECK(d.store.event_count() == 1);
}

TEST_CASE("unusable files are refused with a message saying what to do", "[store]") {
  struct Row {
    const char* name;
    std::function<void(const std::string&)> make;
    bool create;
    const char* message;
  };
  const std::vector<Row> rows = {
      {"missing, not creating", [](const std::string&) {}, false, "no Parley database at"},
      {"random bytes",
       [](const std::string& p) {
         std::ofstream(p, std::ios::binary) << std::string(4096, '\x5a');
       },
       true, "is not a Parley database"},
      {"another program's SQLite database",
       [](const std::string& p) {
         sqlite3* db;
         sqlite3_open(p.c_str(), &db);
         exec(db, "CREATE TABLE invoices(id INTEGER)");
         sqlite3_close(db);
       },
       true, "not a Parley one"},
      {"written by a newer Parley",
       [](const std::string& p) {
         { Store s(p); }
         sqlite3* db;
         sqlite3_open(p.c_str(), &db);
         exec(db, "PRAGMA user_version = 99");
         sqlite3_close(db);
       },
       true, "newer Parley"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    TempFile f("store-bad");
    r.make(f.path);
    CHECK_THROWS_WITH(Store(f.path, StoreOptions{r.create, "", -1}), Catch::Contains(r.message));
  }
}

#ifndef __EMSCRIPTEN__
TEST_CASE("a database locked by another program is reported as locked", "[store]") {
  TempFile f("store-locked");
  { Store s(f.path); }
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(f.path.c_str(), &other) == SQLITE_OK);
  REQUIRE(exec(other, "BEGIN EXCLUSIVE") == SQLITE_OK);
  CHECK_THROWS_WITH(Store(f.path), Catch::Contains("locked by another program"));
  exec(other, "ROLLBACK");
  sqlite3_close(other);
}
#endif

TEST_CASE("a write failing anywhere in a command leaves nothing of it behind", "[store][fault]") {
  register_fault_vfs();
  // A database with one open challenge, copied fresh for every injected failure point.
  Device seed("store-fault-seed", 23, at("2026-01-05T09:00"));
  std::string id = seed.engine.open(open_body("shropshire-sscp"), kA, at("2026-01-05T09:00"));
  const std::vector<Event> before = seed.store.challenge_events(id);

  struct Command {
    const char* name;
    std::function<void(Engine&)> run;
    std::size_t events_added;
  };
  const std::vector<Command> commands = {
      {"escalate", [&](Engine& e) { e.record(id, EventKind::Escalated, {{"reason", "r"}, {"tried", "t"}}, kA, at("2026-01-06T09:00")); }, 1},
      {"open with imminent risk", [&](Engine& e) { e.open(open_body("shropshire-sscp", true), kA, at("2026-01-06T09:00")); }, 2},
      {"merge", [](Engine&) {}, 2},   // built inside the loop: the incoming device must write unfaulted
  };
  for (const auto& cmd : commands) {
    int failures = 0;
    bool succeeded = false;
    for (int n = 1; n < 400 && !succeeded; ++n) {
      INFO(cmd.name << ", failing from write " << n);
      TempFile copy("store-fault");
      seed.store.transaction([] {});   // nothing pending in the seed
      std::filesystem::copy_file(seed.file.path, copy.path);
      {
        Store store(copy.path, StoreOptions{false, kFaultVfsName, -1});
        FixedClock clock(at("2026-01-06T12:00"));
        IdSource ids(n);
        ProcedureLibrary lib = ProcedureLibrary::builtin();
        Engine engine(store, lib, clock, ids);
        fault_vfs_fail_after(n);
        try {
          if (std::string(cmd.name) == "merge") {
            // Build the incoming events without the fault armed, then arm it for the merge.
            fault_vfs_fail_after(-1);
            Device other("store-fault-other", 24, at("2026-01-06T12:00"));
            other.engine.merge(before);
            other.engine.record(id, EventKind::Comment, {{"text", "from elsewhere"}}, kA, at("2026-01-06T09:00"));
            other.engine.record(id, EventKind::Comment, {{"text", "and again"}}, kA, at("2026-01-06T09:10"));
            auto all = other.store.challenge_events(id);
            fault_vfs_fail_after(n);
            engine.merge(all);
          } else {
            cmd.run(engine);
          }
          succeeded = !fault_vfs_tripped();
        } catch (const std::exception&) {
          ++failures;
        }
        fault_vfs_fail_after(-1);
      }
      // Reopen normally, as after a crash: SQLite rolls back any hot journal.
      Store after(copy.path);
      std::int64_t count = after.event_count();
      if (succeeded) {
        CHECK(count == static_cast<std::int64_t>(before.size() + cmd.events_added));
      } else {
        CHECK((count == static_cast<std::int64_t>(before.size()) ||
               count == static_cast<std::int64_t>(before.size() + cmd.events_added)));
        // Projection and outbox agree with the events: no half-written command.
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(after.handle(), "SELECT coalesce(sum(event_count), 0) FROM challenges", -1, &s, nullptr);
        REQUIRE(sqlite3_step(s) == SQLITE_ROW);
        CHECK(sqlite3_column_int64(s, 0) == count);
        sqlite3_finalize(s);
        // integrity_check answers SQLITE_OK on a damaged file too: the row must say "ok".
        sqlite3_stmt* ic = nullptr;
        REQUIRE(sqlite3_prepare_v2(after.handle(), "PRAGMA integrity_check", -1, &ic, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(ic) == SQLITE_ROW);
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(ic, 0))) == "ok");
        sqlite3_finalize(ic);
      }
    }
    INFO(cmd.name);
    CHECK(succeeded);
    CHECK(failures >= 3);   // the loop really injected failures at several points
  }
}
