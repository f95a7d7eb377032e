// tests/server/test_server_accounts.cpp — revoke and wipe (sync/server_accounts.cpp,
// issue 11 item 4) on real SQLite files: what a device marked by `admin revoke-device
// --wipe` is answered whenever it shows itself, what everyone else is still answered, and
// the time it was told. (Sign-in, throttling, expiry and disabling are tested in
// test_server_store.cpp, "accounts: ...".)
//
// Table-driven: each row is what the administrator did, one contact, and the answer it
// must get: status and code, whether it carries "wipe": true, and whether the time told
// was recorded. The HTTP answer and the real client are tested by wipe.test.mjs.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <memory>

#include <sqlite3.h>

#include "sync/server_store.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::server;
using parley::test::TempFile;

namespace {

const std::string kAsc = "Northshire Council Adult Social Care";
const std::string kHealth = "Northshire Community Health NHS Trust";
constexpr std::int64_t kSignedIn = 1000, kAdmin = 5000, kContact = 7000;

struct ServerFile {
  TempFile file{"server-accounts"};
  ~ServerFile() {
    std::error_code ec;
    std::filesystem::remove(file.path + "-wal", ec);
    std::filesystem::remove(file.path + "-shm", ec);
  }
};

Json sign_in_request(const std::string& user, const std::string& device) {
  return {{"username", user}, {"password", "pw-" + user + "-passphrase"}, {"device", device}};
}

// Sam signed in on two devices (the tablet twice: its first token was ended by the
// second), Jo on none; made once, copied for each row (Argon2id costs ~0.1 s a hash).
struct Template {
  ServerFile sf;
  std::string tablet_old, tablet, laptop;   // tokens
  Template() {
    ServerStore store(sf.file.path);
    store.add_agency(kAsc);
    store.add_agency(kHealth);
    store.add_user("sam", "pw-sam-passphrase", "Sam Example", "Social Worker", kAsc, "practitioner");
    store.add_user("jo", "pw-jo-passphrase", "Jo Sample", "Community Nurse", kHealth, "practitioner");
    auto token = [&](const char* device) { return store.login(sign_in_request("sam", device), kSignedIn)["token"]; };
    tablet_old = token("sam-tablet");
    tablet = token("sam-tablet");
    laptop = token("sam-laptop");
  }
  static const Template& get() {
    static const Template t;
    return t;
  }
};

struct Fixture {
  ServerFile sf;
  std::unique_ptr<ServerStore> store;
  Fixture() {
    std::filesystem::copy_file(Template::get().sf.file.path, sf.file.path,
                               std::filesystem::copy_options::overwrite_existing);
    store = std::make_unique<ServerStore>(sf.file.path);
  }
  DeviceRow device(const std::string& id) {
    for (const auto& d : store->devices())
      if (d.device == id) return d;
    FAIL("no device " << id);
    return {};
  }
};

// What one contact was answered.
struct Answer {
  int status = 200;
  std::string code;
  bool wipe = false;         // "wipe": true in the error body
  bool first_time = false;   // WipeRequested: this answer recorded the time told
};

Answer answer_to(const std::function<void()>& contact) {
  try {
    contact();
  } catch (const WipeRequested& e) {
    return {e.status, e.code, e.to_json()["error"].value("wipe", false), e.first_time};
  } catch (const ApiError& e) {
    return {e.status, e.code, e.to_json()["error"].contains("wipe"), false};
  }
  return {};
}

}  // namespace

TEST_CASE("revoke and wipe: the marked device is told 410 at any contact; nobody else is", "[server][accounts][wipe]") {
  const Template& t = Template::get();
  using Admin = std::function<void(ServerStore&)>;
  using Contact = std::function<void(ServerStore&)>;
  const Admin revoke_and_wipe = [](ServerStore& s) { s.revoke_device("sam-tablet", kAdmin, true); };
  const Admin revoke = [](ServerStore& s) { s.revoke_device("sam-tablet", kAdmin); };
  const Admin revoke_then_wipe = [](ServerStore& s) {   // marked after the plain revoke
    s.revoke_device("sam-tablet", kAdmin - 1000);
    s.revoke_device("sam-tablet", kAdmin, true);
  };
  const Admin disable_then_wipe = [](ServerStore& s) {
    s.set_user_disabled("sam", true, kAdmin - 1000);
    s.revoke_device("sam-tablet", kAdmin, true);
  };
  auto token = [](const std::string& tok) -> Contact { return [tok](ServerStore& s) { s.authenticate(tok, kContact); }; };
  auto sign_in = [](const std::string& user, const std::string& device, const std::string& password = "") -> Contact {
    return [=](ServerStore& s) {
      Json r = sign_in_request(user, device);
      if (!password.empty()) r["password"] = password;
      s.login(r, kContact, "192.0.2.7");
    };
  };
  struct Row {
    const char* name;
    Admin admin;
    Contact contact;
    int status;
    const char* code;
    bool wipe_requested;   // the tablet is marked
    bool told;             // and this contact told it
  };
  const std::vector<Row> rows = {
      {"wipe: the device's token", revoke_and_wipe, token(t.tablet), 410, "wipe_requested", true, true},
      {"wipe: an older token of the device", revoke_and_wipe, token(t.tablet_old), 410, "wipe_requested", true, true},
      {"wipe: signing in on the device", revoke_and_wipe, sign_in("sam", "sam-tablet"), 410, "wipe_requested", true, true},
      {"wipe: the wrong password on the device", revoke_and_wipe, sign_in("sam", "sam-tablet", "wrong-password-1"), 401,
       "bad_credentials", true, false},
      {"wipe: another user naming the device", revoke_and_wipe, sign_in("jo", "sam-tablet"), 403, "forbidden", true,
       false},
      {"wipe: the same user's other device", revoke_and_wipe, token(t.laptop), 200, "", true, false},
      {"wipe: a token never issued", revoke_and_wipe, token(std::string(64, 'f')), 401, "unauthorized", true, false},
      {"wipe of a device already revoked", revoke_then_wipe, token(t.tablet), 410, "wipe_requested", true, true},
      {"wipe of a disabled user's device: told before account_disabled", disable_then_wipe, sign_in("sam", "sam-tablet"),
       410, "wipe_requested", true, true},
      {"plain revoke: the device's token", revoke, token(t.tablet), 401, "unauthorized", false, false},
      {"plain revoke: signing in on the device", revoke, sign_in("sam", "sam-tablet"), 403, "forbidden", false, false},
      {"plain revoke: the same user's other device", revoke, token(t.laptop), 200, "", false, false},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    Fixture f;
    f.store->set_log([](const std::string&) {});   // refused sign-ins: tested below
    row.admin(*f.store);
    Answer a = answer_to([&] { row.contact(*f.store); });
    CHECK(a.status == row.status);
    CHECK(a.code == row.code);
    CHECK(a.wipe == (row.status == 410));   // "wipe": true exactly on the 410
    CHECK(a.first_time == row.told);
    DeviceRow tablet = f.device("sam-tablet");
    CHECK(tablet.revoked);
    CHECK(tablet.wipe_requested == (row.wipe_requested ? kAdmin : 0));
    CHECK(tablet.wipe_told == (row.told ? kContact : 0));
    CHECK(f.device("sam-laptop").wipe_requested == 0);
  }
}

TEST_CASE("revoke and wipe: the first request and the first telling are the times kept", "[server][accounts][wipe]") {
  Fixture f;
  const Template& t = Template::get();
  std::vector<std::string> log;
  f.store->set_log([&](const std::string& line) { log.push_back(line); });
  CHECK_FALSE(f.store->revoke_device("no-such-device", kAdmin, true));
  CHECK(f.store->revoke_device("sam-tablet", kAdmin, true));
  CHECK(f.store->revoke_device("sam-tablet", kAdmin + 1, true));   // asked again: the first time stands
  CHECK(f.device("sam-tablet").wipe_requested == kAdmin);

  Answer first = answer_to([&] { f.store->authenticate(t.tablet, kContact); });
  Answer again = answer_to([&] { f.store->authenticate(t.tablet, kContact + 60'000); });
  Answer sign_in = answer_to([&] { f.store->login(sign_in_request("sam", "sam-tablet"), kContact + 120'000, "192.0.2.7"); });
  for (const Answer& a : {first, again, sign_in}) CHECK(a.status == 410);
  CHECK(first.first_time);
  CHECK_FALSE(again.first_time);
  CHECK_FALSE(sign_in.first_time);
  CHECK(f.device("sam-tablet").wipe_told == kContact);
  // The sign-in answered 410 is logged like any refused sign-in, with its reason.
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("\"reason\":\"wipe_requested\"") != std::string::npos);
  CHECK(log[0].find("pw-sam-passphrase") == std::string::npos);

  // The answer as the HTTP layer sends it: the usual error shape plus "wipe": true.
  try {
    f.store->authenticate(t.tablet, kContact);
    FAIL("a wiped device's token was accepted");
  } catch (const ApiError& e) {
    Json body = e.to_json();
    CHECK(body["error"]["code"] == "wipe_requested");
    CHECK(body["error"]["wipe"] == true);
    CHECK_THAT(body["error"]["message"].get<std::string>(), Catch::Contains("erase its Parley records"));
  }
}

TEST_CASE("revoke and wipe: a database from before the wipe columns is upgraded", "[server][accounts][wipe][migration]") {
  Fixture f;
  f.store.reset();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(f.sf.file.path.c_str(), &db) == SQLITE_OK);
  // As the release before: no wipe columns, schema version 2.
  CHECK(sqlite3_exec(db,
                     "ALTER TABLE devices DROP COLUMN wipe_requested; ALTER TABLE devices DROP COLUMN wipe_told;"
                     "PRAGMA user_version = 2;",
                     nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  f.store = std::make_unique<ServerStore>(f.sf.file.path);
  CHECK(f.device("sam-tablet").wipe_requested == 0);
  CHECK(f.store->revoke_device("sam-tablet", kAdmin, true));
  CHECK(answer_to([&] { f.store->authenticate(Template::get().tablet, kContact); }).status == 410);
}
