// tests/core/test_encryption.cpp — the store encrypted at rest (core/encryption.h,
// core/crypt_vfs.h), on real SQLite files: nothing readable in the raw bytes (store and
// journal), the right passphrase and only it, one changed byte anywhere detected, wrong
// attempts counted and the store erased after too many, encrypting an old store all or
// nothing under injected faults, and the policy for passphrases.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/crypt_vfs.h"
#include "core/encryption.h"
#include "core/fault_vfs.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {
const Author kA = practitioner();
const std::string kPass = "correct horse battery staple";
const std::string kName = "Zebedee Quartermaine";
const std::string kSummary = "Discharge went ahead without the agreed package of care in place";
const std::string kToken = "tok-3f9a1c0d5e7b24681357";

Json zebedee() {
  Json body = open_body("shropshire-sscp");
  body["subject"]["name"] = kName;
  body["summary"] = kSummary;
  return body;
}

// Writes a challenge about Zebedee and a sync token into `store`.
std::string fill(Store& store, std::uint64_t seed = 7) {
  FixedClock clock(at("2026-03-02T10:00"));
  IdSource ids(seed);
  ProcedureLibrary lib = ProcedureLibrary::builtin();
  Engine engine(store, lib, clock, ids);
  std::string id = engine.open(zebedee(), kA, at("2026-03-02T10:00"));
  engine.record(id, EventKind::Comment, {{"text", "phoned the ward"}}, kA, at("2026-03-02T11:00"));
  store.transaction([&] { store.set_meta("sync_token", kToken); });
  return id;
}

void expect_no_secrets(const std::string& path) {
  std::string raw = slurp(path);
  REQUIRE(!raw.empty());
  CHECK(raw.find(kName) == std::string::npos);
  CHECK(raw.find("Zebedee") == std::string::npos);
  CHECK(raw.find(kSummary) == std::string::npos);
  CHECK(raw.find(kToken) == std::string::npos);
  CHECK(raw.find("SQLite format 3") == std::string::npos);
}

void flip_byte(const std::string& path, std::int64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(offset);
  f.write(&c, 1);
}

// PRAGMA integrity_check reads every page: "ok", SQLite's list of problems, or the error
// code it stopped with.
std::string integrity(Store& store) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(store.handle(), "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK);
  int rc = sqlite3_step(s);
  std::string verdict = rc == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(s, 0))
                                         : "error " + std::to_string(rc);
  sqlite3_finalize(s);
  return verdict;
}

// The verdict names a page that could not be read because it failed its seal
// (SQLITE_IOERR_DATA from the VFS), not merely a b-tree that looks wrong.
bool failed_its_check(const std::string& verdict) {
  INFO(verdict);
  std::string code = std::to_string(SQLITE_IOERR_DATA);
  return verdict.find("error code=" + code) != std::string::npos || verdict == "error " + code;
}

std::int64_t events_in(const std::string& path, std::shared_ptr<const DataKey> key) {
  auto store = open_encrypted_store(path, std::move(key));
  return store->event_count();
}
}  // namespace

TEST_CASE("an encrypted store reads back, and its file holds no name, summary or token", "[encryption]") {
  TempFile f("enc-basic");
  auto key = create_encrypted_store(f.path, kPass, fastest_kdf());
  std::string id;
  {
    auto store = open_encrypted_store(f.path, key);
    id = fill(*store);
  }
  CHECK(inspect_store_file(f.path) == StoreFileKind::Encrypted);
  expect_no_secrets(f.path);
  auto again = unlock_store(f.path, kPass, 10);
  auto store = open_encrypted_store(f.path, again);
  CHECK_NOTHROW(verify_every_page(*store));
  CHECK(store->event_count() == 2);
  CHECK(store->meta("sync_token") == kToken);
  CHECK(store->challenge_events(id).front().body.dump().find(kName) != std::string::npos);
}

TEST_CASE("only the right passphrase opens the store; wrong ones are counted, then the store is erased",
          "[encryption]") {
  TempFile f("enc-wrong");
  {
    auto store = open_encrypted_store(f.path, create_encrypted_store(f.path, kPass, fastest_kdf()));
    fill(*store);
  }
  const std::vector<std::string> wrong = {"correct horse battery stapler", "Correct horse battery staple", "", kPass + " "};
  int left = 10;
  for (const auto& guess : wrong) {
    INFO(guess);
    try {
      unlock_store(f.path, guess, 10);
      FAIL("a wrong passphrase opened the store");
    } catch (const WrongPassphrase& e) {
      CHECK(e.attempts_left() == --left);
    }
    CHECK(lock_info(f.path).failed_attempts == 10 - left);
  }
  // The right one clears the count.
  CHECK(events_in(f.path, unlock_store(f.path, kPass, 10)) == 2);
  CHECK(lock_info(f.path).failed_attempts == 0);
  // Three in a row with a limit of 3: the third erases the store, key and all.
  CHECK_THROWS_AS(unlock_store(f.path, "nope nope nope", 3), WrongPassphrase);
  CHECK_THROWS_AS(unlock_store(f.path, "nope nope nope", 3), WrongPassphrase);
  CHECK_THROWS_WITH(unlock_store(f.path, "nope nope nope", 3), Catch::Contains("were erased"));
  CHECK(inspect_store_file(f.path) == StoreFileKind::Missing);
  CHECK_THROWS_AS(unlock_store(f.path, kPass, 3), StoreError);
}

TEST_CASE("one changed byte anywhere in an encrypted store is detected, never accepted or dropped", "[encryption]") {
  TempFile source("enc-tamper-src");
  auto key = create_encrypted_store(source.path, kPass, fastest_kdf());
  {
    auto store = open_encrypted_store(source.path, key);
    fill(*store);
  }
  std::int64_t size = static_cast<std::int64_t>(std::filesystem::file_size(source.path));
  REQUIRE(size >= kEnvelopeSize + 3 * kStorePageSize);
  // The key's wrapping: the passphrase no longer unwraps it. The key's cost: refused before
  // Argon2id runs (a changed byte could otherwise ask for hours or terabytes). A page:
  // unlocking works and reading the page fails.
  enum class Fails { Unwrap, Cost, Page };
  struct Case {
    const char* where;
    std::int64_t offset;
    Fails fails;
  };
  const std::int64_t page2 = kEnvelopeSize + kStorePageSize;
  const std::vector<Case> cases = {
      {"the KDF's salt", 48, Fails::Unwrap},
      {"the KDF's passes", 33, Fails::Cost},
      {"the KDF's memory", 45, Fails::Cost},
      {"the wrapped key", 100, Fails::Unwrap},
      {"page 1's first byte", kEnvelopeSize, Fails::Page},
      {"page 1's header (page size)", kEnvelopeSize + 16, Fails::Page},
      {"page 2's body", page2 + 1000, Fails::Page},
      {"page 2's nonce", page2 + kStorePageSize - kPageReserve + 3, Fails::Page},
      {"page 2's tag", page2 + kStorePageSize - 2, Fails::Page},
      {"the last page", size - kStorePageSize + 10, Fails::Page},
  };
  for (const auto& c : cases) {
    INFO(c.where);
    TempFile f("enc-tamper");
    std::filesystem::copy_file(source.path, f.path);
    flip_byte(f.path, c.offset);
    if (c.fails == Fails::Unwrap) {
      CHECK_THROWS_AS(unlock_store(f.path, kPass, 10), WrongPassphrase);
      continue;
    }
    if (c.fails == Fails::Cost) {
      CHECK_THROWS_WITH(unlock_store(f.path, kPass, 10), Catch::Matchers::Contains("damaged"));
      continue;
    }
    auto k = unlock_store(f.path, kPass, 10);
    try {
      auto store = open_encrypted_store(f.path, k);
      // Never accepted, never a quietly shorter store: the page itself is refused, and
      // reading every page (as the apps do on opening) finds it whichever page it is.
      CHECK(failed_its_check(integrity(*store)));
      try {
        verify_every_page(*store);
        FAIL("verify_every_page accepted a changed page");
      } catch (const StoreError& e) {
        CHECK(failed_integrity_check(e));
      }
    } catch (const StoreError& e) {
      INFO(e.what() << " code " << e.code());
      CHECK(std::string(e.what()).find("damaged") != std::string::npos);
    }
  }
}

TEST_CASE("a page moved to another place in the file fails its check", "[encryption]") {
  TempFile f("enc-swap");
  auto key = create_encrypted_store(f.path, kPass, fastest_kdf());
  {
    auto store = open_encrypted_store(f.path, key);
    fill(*store);
  }
  std::string raw = slurp(f.path);
  std::string page3 = raw.substr(kEnvelopeSize + 2 * kStorePageSize, kStorePageSize);
  raw.replace(kEnvelopeSize + kStorePageSize, kStorePageSize, page3);   // page 2 := page 3
  std::ofstream(f.path, std::ios::binary | std::ios::trunc) << raw;
  auto store = open_encrypted_store(f.path, key);
  CHECK(failed_its_check(integrity(*store)));
}

TEST_CASE("a command interrupted mid-write rolls back through the sealed journal", "[encryption][fault]") {
  register_fault_vfs();
  TempFile seed("enc-fault-seed");
  auto key = create_encrypted_store(seed.path, kPass, fastest_kdf());
  std::string id;
  {
    auto store = open_encrypted_store(seed.path, key);
    id = fill(*store);
  }
  int interrupted = 0;
  bool finished = false;
  for (int n = 1; n < 200 && !finished; ++n) {
    INFO("failing from write " << n);
    TempFile copy("enc-fault");
    std::filesystem::copy_file(seed.path, copy.path);
    {
      auto store = open_encrypted_store(copy.path, key, StoreOptions{false, kFaultVfsName, -1, nullptr});
      FixedClock clock(at("2026-03-03T10:00"));
      IdSource ids(static_cast<std::uint64_t>(n));
      ProcedureLibrary lib = ProcedureLibrary::builtin();
      Engine engine(*store, lib, clock, ids);
      fault_vfs_fail_after(n);
      try {
        engine.record(id, EventKind::Escalated, {{"reason", "no reply"}, {"tried", "phoned twice"}}, kA,
                      at("2026-03-03T10:00"));
        finished = !fault_vfs_tripped();
      } catch (const std::exception&) {
      }
      fault_vfs_fail_after(-1);
    }
    // What a crash leaves: a hot journal (sealed like the pages) beside the store.
    if (std::filesystem::exists(copy.path + "-journal")) {
      ++interrupted;
      std::string journal = slurp(copy.path + "-journal");
      CHECK(journal.find(kName) == std::string::npos);
      CHECK(journal.find(kSummary) == std::string::npos);
    }
    std::int64_t count = events_in(copy.path, key);
    CHECK((count == 2 || count == 3));
    if (finished) CHECK(count == 3);
  }
  CHECK(finished);
  CHECK(interrupted > 0);   // the journal path was exercised, not only clean failures
}

TEST_CASE("a store an older Parley wrote is encrypted all or nothing", "[encryption][migration]") {
  register_fault_vfs();
  TempFile seed("enc-plain-seed");
  std::string id;
  {
    Store plain(seed.path);
    id = fill(plain);
  }
  REQUIRE(inspect_store_file(seed.path) == StoreFileKind::Plain);
  REQUIRE(slurp(seed.path).find(kName) != std::string::npos);
  bool done = false;
  int failures = 0;
  for (int n = 1; n < 200 && !done; ++n) {
    INFO("failing from write " << n);
    TempFile f("enc-plain");
    std::filesystem::copy_file(seed.path, f.path);
    fault_vfs_fail_after(n);
    try {
      encrypt_plain_store(f.path, kPass, fastest_kdf(), kFaultVfsName);
      done = !fault_vfs_tripped();
    } catch (const StoreError& e) {
      ++failures;
      CHECK(std::string(e.what()).find("the old copy is unchanged") != std::string::npos);
    }
    fault_vfs_fail_after(-1);
    // Either the old store, whole, or the new one, whole: never neither.
    if (inspect_store_file(f.path) == StoreFileKind::Plain) {
      CHECK(!done);
      Store plain(f.path);
      CHECK(plain.event_count() == 2);
    } else {
      REQUIRE(inspect_store_file(f.path) == StoreFileKind::Encrypted);
      expect_no_secrets(f.path);
      auto store = open_encrypted_store(f.path, unlock_store(f.path, kPass, 10));
      CHECK(store->event_count() == 2);
      CHECK(store->meta("sync_token") == kToken);
      CHECK(store->schema_version() > 0);
    }
    CHECK(!std::filesystem::exists(f.path + ".encrypting"));
  }
  CHECK(done);
  CHECK(failures > 0);
}

TEST_CASE("the lock screen's numbers live in the envelope", "[encryption]") {
  TempFile f("enc-info");
  create_encrypted_store(f.path, kPass, fastest_kdf());
  CHECK(lock_info(f.path).unsynced == -1);
  CHECK(lock_info(f.path).max_attempts == 10);
  note_lock_state(f.path, 4, 5);
  CHECK(lock_info(f.path).unsynced == 4);
  CHECK(lock_info(f.path).max_attempts == 5);
  CHECK_THROWS_AS(unlock_store(f.path, "wrong wrong wrong", 5), WrongPassphrase);
  CHECK(lock_info(f.path).failed_attempts == 1);
  CHECK(lock_info(f.path).unsynced == 4);
  CHECK(events_in(f.path, unlock_store(f.path, kPass, 5)) == 0);   // the numbers are outside the seal
  CHECK(lock_info(f.path).kdf.ops == fastest_kdf().ops);
  CHECK(lock_info(f.path).kdf.mem == fastest_kdf().mem);
  // Outside the seal, so a changed limit is held to what Settings offers, never unlimited.
  note_lock_state(f.path, 0, 1000000);
  CHECK(lock_info(f.path).max_attempts == kMostAttempts);
  note_lock_state(f.path, 0, 1);
  CHECK(lock_info(f.path).max_attempts == kFewestAttempts);
}

TEST_CASE("no two sealed pages share a nonce, across writes and unlocks", "[encryption]") {
  TempFile f("enc-nonce");
  auto key = create_encrypted_store(f.path, kPass, fastest_kdf());
  std::size_t pages_seen = 0;
  for (int session = 0; session < 3; ++session) {
    {
      auto store = open_encrypted_store(f.path, session == 0 ? key : unlock_store(f.path, kPass, 10));
      fill(*store, 100 + static_cast<std::uint64_t>(session));   // rewrites pages as well as adding new ones
    }
    std::string raw = slurp(f.path);
    pages_seen = (raw.size() - kEnvelopeSize) / kStorePageSize;
  }
  INFO(pages_seen << " pages after three sessions");
  CHECK(pages_seen > 10);
  std::string raw = slurp(f.path);
  std::set<std::string> now;
  for (std::size_t at = kEnvelopeSize; at + kStorePageSize <= raw.size(); at += kStorePageSize)
    now.insert(raw.substr(at + kStorePageSize - kPageReserve, 24));
  CHECK(now.size() == (raw.size() - kEnvelopeSize) / kStorePageSize);
}

TEST_CASE("the encrypting VFS opens nothing it has no key for", "[encryption]") {
  TempFile f("enc-nokey");
  create_encrypted_store(f.path, kPass, fastest_kdf());
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(f.path.c_str(), &db, SQLITE_OPEN_READWRITE, crypt_vfs_name().c_str());
  CHECK(rc == SQLITE_CANTOPEN);   // never a plaintext file through this VFS
  sqlite3_close(db);
  CHECK(lock_info(f.path).failed_attempts == 0);   // and the envelope is untouched
}

TEST_CASE("erasing leaves nothing at the store's path", "[encryption]") {
  TempFile f("enc-erase");
  {
    auto store = open_encrypted_store(f.path, create_encrypted_store(f.path, kPass, fastest_kdf()));
    fill(*store);
  }
  erase_store(f.path);
  CHECK(inspect_store_file(f.path) == StoreFileKind::Missing);
  CHECK(!std::filesystem::exists(f.path + "-journal"));
  erase_store(f.path);   // again: nothing to do, no error
}

TEST_CASE("the passphrase policy", "[encryption][policy]") {
  struct Row {
    const char* passphrase;
    const char* problem;   // "" = accepted
  };
  const std::vector<Row> rows = {
      {"", "at least 12 characters"},
      {"1234", "at least 12 characters"},
      {"short words", "at least 12 characters"},
      {"aaaaaaaaaaaaaaaa", "too easy to guess"},
      {"123456789012", "too easy to guess"},
      {"1234 5678 9012", "too easy to guess"},
      {"héllo wörld ok", ""},            // 14 characters, some of two bytes
      {"ñññññññññññ", "at least 12 characters"},   // 11 characters, 22 bytes
      {"river lamp orbit", ""},
      {kPass.c_str(), ""},
  };
  for (const auto& r : rows) {
    INFO(r.passphrase);
    std::string problem = passphrase_problem(r.passphrase);
    if (std::string(r.problem).empty())
      CHECK(problem.empty());
    else
      CHECK(problem.find(r.problem) != std::string::npos);
  }
  TempFile f("enc-policy");
  CHECK_THROWS_WITH(create_encrypted_store(f.path, "1234", fastest_kdf()), Catch::Contains("at least 12"));
  CHECK(inspect_store_file(f.path) == StoreFileKind::Missing);   // nothing partial written
}
