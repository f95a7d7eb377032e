// tests/server/test_server_store.cpp — the office server's database (sync/server_store.h)
// on real SQLite files, with real events made by real client engines (tests/support.h).
// Table-driven: each refusal row changes one thing about a good push and names the
// status and code it must get; every row also checks nothing was stored.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "core/agencies.h"
#include "sync/bundle.h"
#include "sync/server_store.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::server;
using parley::test::Device;
using parley::test::TempFile;

namespace {

const std::string kAsc = "Northshire Council Adult Social Care";
const std::string kHealth = "Northshire Community Health NHS Trust";
const std::string kPolice = "Northshire Police";

// A server database file removed with its WAL files.
struct ServerFile {
  TempFile file{"server"};
  ~ServerFile() {
    std::error_code ec;
    std::filesystem::remove(file.path + "-wal", ec);
    std::filesystem::remove(file.path + "-shm", ec);
  }
};

// Users and three signed-in devices, made once: every Argon2id hash costs ~0.1 s, so each
// fixture copies this database instead of hashing eight passwords again.
struct Template {
  ServerFile sf;
  std::string jo, police, board;   // tokens
  Template() {
    ServerStore store(sf.file.path);
    for (const auto& a : {kAsc, kHealth, kPolice, std::string("Northshire Board")}) store.add_agency(a);
    store.add_user("sam", "pw-sam-passphrase", "Sam Example", "Social Worker", kAsc, "practitioner");
    store.add_user("jo", "pw-jo-passphrase", "Jo Sample", "Community Nurse", kHealth, "practitioner");
    store.add_user("pc", "pw-pc-passphrase", "Pat Constable", "Sergeant", kPolice, "safeguarding_lead");
    store.add_user("board", "pw-board-passphrase", "Bo Manager", "Business Manager", "Northshire Board", "board");
    auto token = [&](const char* user, const char* pw, const char* dev) {
      return store.login({{"username", user}, {"password", pw}, {"device", dev}}, 1000)["token"].get<std::string>();
    };
    jo = token("jo", "pw-jo-passphrase", "jo-tablet");
    police = token("pc", "pw-pc-passphrase", "pc-tablet");
    board = token("board", "pw-board-passphrase", "board-pc");
  }
  static const Template& get() {
    static const Template t;
    return t;
  }
};

std::unique_ptr<ServerStore> copy_of_template(const std::string& path) {
  std::filesystem::copy_file(Template::get().sf.file.path, path, std::filesystem::copy_options::overwrite_existing);
  return std::make_unique<ServerStore>(path);
}

struct Fixture {
  ServerFile sf;
  std::unique_ptr<ServerStore> store = copy_of_template(sf.file.path);
  Device asc{"srv-asc", 11, parley::test::at("2025-03-03T09:00:00Z")};
  std::string challenge;
  Caller sam, jo, police, board;
  std::unique_ptr<Device> extra;

  Fixture() {
    challenge = asc.engine.open(parley::test::open_body("salford-ssab"), parley::test::practitioner(kAsc));
    sam = sign_in("sam", "pw-sam-passphrase", device());
    jo = store->authenticate(Template::get().jo, 1000);
    police = store->authenticate(Template::get().police, 1000);
    board = store->authenticate(Template::get().board, 1000);
  }
  std::string device() { return asc.store.challenge_events(challenge).front().device; }
  Caller sign_in(const std::string& user, const std::string& pw, const std::string& dev) {
    Json r = store->login({{"username", user}, {"password", pw}, {"device", dev}}, 1000);
    return store->authenticate(r["token"].get<std::string>(), 1000);
  }
  Json bundle_json() { return Json::parse(to_text(export_bundle(asc.engine, challenge))); }
  Json push_of(std::vector<Json> bundles) {
    return Json{{"format", "parley-push"}, {"version", 1}, {"epoch", nullptr}, {"bundles", bundles}};
  }
  Json push(const Caller& c, const Json& req) { return store->push(c, req, req.dump().size(), 2000); }
  std::size_t pulled(const Caller& c) {
    std::size_t n = 0;
    std::string cursor = "0";
    for (;;) {
      Json r = store->pull(c, cursor, "");
      for (const auto& b : r["bundles"]) n += b["events"].size();
      cursor = r["cursor"];
      if (!r["more"].get<bool>()) return n;
    }
  }
};

// A comment after `parent` by Sam on `device`, hashed.
Event comment_after(const Event& parent, const std::string& device, std::int64_t seq, const std::string& text) {
  Event e;
  char id[33];
  std::snprintf(id, sizeof id, "%016llx%016llx", 0xabcdef00ULL + static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(seq) * 7919ULL);
  e.id = id;
  e.challenge = parent.challenge;
  e.device = device;
  e.seq = seq;
  e.kind = EventKind::Comment;
  e.at = parent.at + seq;
  e.hlc = {parent.hlc.ms + seq, 0};
  e.author = parley::test::practitioner(kAsc).to_json();
  e.parents = {parent.id};
  e.parent_hashes = {parent.hash};
  e.body = {{"text", text}};
  e.hash = content_hash(e);
  return e;
}

}  // namespace

TEST_CASE("a push is stored once and pulled by every party", "[server][push]") {
  Fixture f;
  Json req = f.push_of({f.bundle_json()});
  Json r = f.push(f.sam, req);
  CHECK(r["added"] == 1);
  CHECK(r["acked"].size() == 1);
  CHECK(r["epoch"] == f.store->epoch());
  // Replaying changes nothing and is acknowledged again.
  Json again = f.push(f.sam, req);
  CHECK(again["added"] == 0);
  CHECK(again["acked"] == r["acked"]);
  CHECK(f.store->event_count() == 1);
  CHECK(f.pulled(f.sam) == 1);
  CHECK(f.pulled(f.jo) == 1);      // the challenged agency
  CHECK(f.pulled(f.police) == 0);  // not a party
  // The pulled bundle imports into a fresh client (the event text is byte-exact).
  Device other{"srv-other", 12, parley::test::at("2025-03-04T09:00:00Z")};
  Json page = f.store->pull(f.jo, "0", "");
  CHECK(page["bundles"][0]["events"][0].dump() == to_json(f.asc.store.challenge_events(f.challenge).front()).dump());
  CHECK(f.store->pull_text(f.jo, "0", "").find(to_json(f.asc.store.challenge_events(f.challenge).front()).dump()) !=
        std::string::npos);
  Bundle b = parse_bundle(page["bundles"][0].dump());
  CHECK(import_bundle(other.engine, b).added == 1);
}

TEST_CASE("refused pushes store nothing", "[server][push][refusal]") {
  struct Row {
    const char* name;
    int status;
    const char* code;
    std::function<void(Fixture&, Json& req, Caller& who)> change;
  };
  const std::vector<Row> rows = {
      {"wrong format", 400, "bad_request", [](Fixture&, Json& r, Caller&) { r["format"] = "other"; }},
      {"newer push version", 400, "bad_request", [](Fixture&, Json& r, Caller&) { r["version"] = 2; }},
      {"newer bundle version", 400, "bad_request", [](Fixture&, Json& r, Caller&) { r["bundles"][0]["version"] = 7; }},
      {"empty events", 400, "bad_request", [](Fixture&, Json& r, Caller&) { r["bundles"][0]["events"] = Json::array(); }},
      {"altered body", 400, "bad_hash",
       [](Fixture&, Json& r, Caller&) { r["bundles"][0]["events"][0]["body"]["summary"] = "changed"; }},
      {"unknown field", 400, "bad_event", [](Fixture&, Json& r, Caller&) { r["bundles"][0]["events"][0]["x"] = 1; }},
      {"overlong text", 400, "too_long",
       [](Fixture&, Json& r, Caller&) { r["bundles"][0]["events"][0]["body"]["summary"] = std::string(30000, 'a'); }},
      {"too many events", 413, "too_large",
       [](Fixture&, Json& r, Caller&) {
         Json e = r["bundles"][0]["events"][0];
         r["bundles"][0]["events"] = Json::array();
         for (int i = 0; i < 2001; ++i) r["bundles"][0]["events"].push_back(e);
       }},
      {"written as another person", 403, "forged_author",
       [](Fixture&, Json& r, Caller&) {
         Event e = event_from_json(r["bundles"][0]["events"][0]);
         e.author["name"] = "Jo Sample";
         e.hash = content_hash(e);
         r["bundles"][0]["events"][0] = to_json(e);
       }},
      {"written with another role", 403, "forged_author",
       [](Fixture&, Json& r, Caller&) {
         Event e = event_from_json(r["bundles"][0]["events"][0]);
         e.author["role"] = "director";
         e.hash = content_hash(e);
         r["bundles"][0]["events"][0] = to_json(e);
       }},
      {"a field of the wrong type", 400, "bad_event",
       [](Fixture&, Json& r, Caller&) {
         Event e = event_from_json(r["bundles"][0]["events"][0]);
         e.body["procedure"] = 7;
         e.hash = content_hash(e);
         r["bundles"][0]["events"][0] = to_json(e);
       }},
      {"push format of the wrong type", 400, "bad_request", [](Fixture&, Json& r, Caller&) { r["format"] = 1; }},
      {"bundle format of the wrong type", 400, "bad_request", [](Fixture&, Json& r, Caller&) { r["bundles"][0]["format"] = 7; }},
      {"another device's events", 403, "forged_device",
       [](Fixture& f, Json&, Caller& who) { who = f.sign_in("sam", "pw-sam-passphrase", "sams-other-tablet"); }},
      {"new challenge, author not a party", 403, "not_allowed",
       [](Fixture& f, Json& r, Caller& who) {
         // The police push an opening between two other agencies, written as themselves
         // (their own client would refuse to write it: this is a hand-made one).
         f.extra = std::make_unique<Device>("srv-police", 13, parley::test::at("2025-03-03T10:00:00Z"));
         std::string id = f.extra->engine.open(parley::test::open_body("salford-ssab"), parley::test::practitioner(kAsc));
         f.store->add_user("sam-police", "pw-sp-passphrase", "Sam Example", "Sergeant", kPolice, "practitioner");
         Json bundle = Json::parse(to_text(export_bundle(f.extra->engine, id)));
         Event e = event_from_json(bundle["events"][0]);
         e.author["agency"] = kPolice;
         e.hash = content_hash(e);
         bundle["events"] = Json::array({to_json(e)});
         r["bundles"][0] = bundle;
         who = f.sign_in("sam-police", "pw-sp-passphrase", e.device);
       }},
      {"stale epoch", 409, "epoch_changed", [](Fixture&, Json& r, Caller&) { r["epoch"] = "0123"; }},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Fixture f;
      Json req = f.push_of({f.bundle_json()});
      Caller who = f.sam;
      row.change(f, req, who);
      try {
        f.push(who, req);
        FAIL("accepted");
      } catch (const ApiError& e) {
        CHECK(e.status == row.status);
        CHECK(e.code == row.code);
        CHECK(std::string(e.what()).size() > 10);
      }
      CHECK(f.store->event_count() == 0);
      CHECK(f.pulled(f.jo) == 0);
    }
  }
}

TEST_CASE("hash chain and device sequence are checked against what is stored", "[server][push]") {
  Fixture f;
  f.push(f.sam, f.push_of({f.bundle_json()}));
  Event opened = f.asc.store.challenge_events(f.challenge).front();
  Json b = f.bundle_json();

  SECTION("a parent hash that is not the stored one") {
    Event e = comment_after(opened, f.device(), 50, "chained wrongly");
    e.parent_hashes = {std::string(64, '0')};
    e.hash = content_hash(e);
    b["events"] = Json::array({to_json(e)});
    REQUIRE_THROWS_AS(f.push(f.sam, f.push_of({b})), ApiError);
    try { f.push(f.sam, f.push_of({b})); } catch (const ApiError& err) { CHECK(err.code == "hash_chain_broken"); }
  }
  SECTION("a (device, seq) already used by another event") {
    Event e = comment_after(opened, f.device(), opened.seq, "reused seq");
    b["events"] = Json::array({to_json(e)});
    try {
      f.push(f.sam, f.push_of({b}));
      FAIL("accepted");
    } catch (const ApiError& err) {
      CHECK(err.status == 409);
      CHECK(err.code == "device_seq_reused");
    }
  }
  SECTION("a whole batch is refused when one event is bad") {
    std::vector<Event> good;
    Event parent = opened;
    for (int i = 0; i < 10; ++i) good.push_back(parent = comment_after(parent, f.device(), 100 + i, "ok"));
    good[7].body["text"] = "altered";
    b["events"] = Json::array();
    for (const auto& e : good) b["events"].push_back(to_json(e));
    CHECK_THROWS_AS(f.push(f.sam, f.push_of({b})), ApiError);
  }
  CHECK(f.store->event_count() == 1);
}

TEST_CASE("party_added and the Board stage bring earlier events to the new audience", "[server][visibility]") {
  Fixture f;
  f.push(f.sam, f.push_of({f.bundle_json()}));
  CHECK(f.pulled(f.police) == 0);
  Json cursor_before = f.store->pull(f.police, "0", "")["cursor"];
  f.asc.engine.record(f.challenge, EventKind::PartyAdded,
                      {{"party", {{"name", "Pat Constable"}, {"job_title", "Sergeant"}, {"agency", kPolice}, {"role", "safeguarding_lead"}}}},
                      parley::test::practitioner(kAsc));
  Json r = f.push(f.sam, f.push_of({f.bundle_json()}));
  CHECK(r["added"] == 1);
  Json page = f.store->pull(f.police, cursor_before.get<std::string>(), "");
  CHECK(page["bundles"][0]["events"].size() == 2);
  // Now a party, the police may push to it.
  CHECK(f.pulled(f.police) == 2);
  // Stage 1 of salford-ssab does not notify the Board: it sees nothing.
  CHECK(f.pulled(f.board) == 0);
  CHECK_THROWS_AS(f.store->aggregates(f.sam), ApiError);
  Json aggregates = f.store->aggregates(f.board)["aggregates"];
  REQUIRE(aggregates.size() == 1);
  CHECK(aggregates[0]["count"].is_null());   // one challenge: under the Board's threshold of 5
  CHECK(aggregates[0]["suppressed"] == true);
}

namespace {
// The first stage at which a procedure notifies the Board (as the server reads it).
int board_stage(const std::string& procedure) {
  static const ProcedureLibrary library = ProcedureLibrary::builtin();
  const Procedure* p = library.find(procedure);
  for (const auto& st : p->stages)
    for (const auto& a : st.required_actions)
      if (!a.notify.empty()) return st.number;
  return 0;
}

Json escalation(const Event& parent, const std::string& device, std::int64_t seq, int from,
                const Json& author = parley::test::practitioner(kAsc).to_json()) {
  Event e = comment_after(parent, device, seq, "");
  e.kind = EventKind::Escalated;
  e.author = author;
  e.body = {{"reason", "no agreement"}, {"tried", "a discussion"}, {"from_stage", from}, {"to_stage", from + 1}};
  e.hash = content_hash(e);
  return to_json(e);
}
}  // namespace

TEST_CASE("the Board receives the whole history when the fold reaches its stage, never on a forged stage",
          "[server][visibility][board]") {
  ServerFile sf;
  ServerStore store(sf.file.path);
  for (const auto& a : {kAsc, kHealth, std::string("Northshire Board")}) store.add_agency(a);
  // A director: the escalations below pass stages 2 to 4, which practitioners do not act at.
  store.add_user("sam", "pw-sam-passphrase", "Sam Example", "Social Worker", kAsc, "director");
  const Author sam_author{"Sam Example", "Social Worker", kAsc, "director"};
  store.add_user("board", "pw-board-passphrase", "Bo Manager", "Business Manager", "Northshire Board", "board");
  Device asc{"board-asc", 21, parley::test::at("2025-03-03T09:00:00Z")};
  std::string ch = asc.engine.open(parley::test::open_body("shropshire-sscp"), sam_author);
  std::string dev = asc.store.challenge_events(ch).front().device;
  auto sign_in = [&](const char* user, const char* pw, const std::string& d) {
    Json r = store.login({{"username", user}, {"password", pw}, {"device", d}}, 1000);
    return store.authenticate(r["token"].get<std::string>(), 1000);
  };
  Caller sam = sign_in("sam", "pw-sam-passphrase", dev), board = sign_in("board", "pw-board-passphrase", "board-pc");
  auto push = [&](const Json& bundle) {
    Json req = {{"format", "parley-push"}, {"version", 1}, {"epoch", nullptr}, {"bundles", {bundle}}};
    return store.push(sam, req, 0, 2000);
  };
  auto board_events = [&] {
    std::size_t n = 0;
    Json page = store.pull(board, "0", "");
    for (const auto& b : page["bundles"]) n += b["events"].size();
    return n;
  };
  Json bundle = Json::parse(to_text(export_bundle(asc.engine, ch)));
  push(bundle);
  const int notify_at = board_stage("shropshire-sscp");
  REQUIRE(notify_at >= 3);

  SECTION("an escalation from a stage the challenge is not at is refused; the Board sees nothing") {
    Event opened = asc.store.challenge_events(ch).front();
    bundle["events"] = Json::array({escalation(opened, dev, 90, notify_at - 1, sam_author.to_json())});
    try {
      push(bundle);
      FAIL("accepted");
    } catch (const ApiError& e) {
      CHECK(e.status == 409);
      CHECK(e.code == "rule_broken");
      CHECK(e.field == "bundles[0].events[0].body.from_stage");
    }
    CHECK(board_events() == 0);
    CHECK(store.event_count() == 1);
  }
  SECTION("real escalations up to the Board's stage bring it every earlier event") {
    for (int stage = 1; stage < notify_at; ++stage) {
      CHECK(board_events() == 0);
      asc.engine.record(ch, EventKind::Escalated,
                        {{"reason", "no agreement"}, {"tried", "a discussion"}, {"override_reason", "notified by email"}},
                        sam_author);
      push(Json::parse(to_text(export_bundle(asc.engine, ch))));
    }
    std::size_t all = asc.store.challenge_events(ch).size();
    CHECK(board_events() == all);
  }
}

TEST_CASE("rules are checked against the state the author saw", "[server][push][rules]") {
  Fixture f;
  f.push(f.sam, f.push_of({f.bundle_json()}));
  Event opened = f.asc.store.challenge_events(f.challenge).front();
  Json b = f.bundle_json();
  auto refused = [&](const Json& event) -> std::string {
    b["events"] = Json::array({event});
    try {
      f.push(f.sam, f.push_of({b}));
    } catch (const ApiError& e) {
      return std::to_string(e.status) + " " + e.code + " " + e.field;
    }
    return "accepted";
  };
  SECTION("a second opening") {
    Event again = opened;
    again.id = std::string(32, 'c');
    again.seq = 77;
    again.at -= 3600 * 1000;
    again.body["subject"]["name"] = "Someone Else";
    again.hash = content_hash(again);
    CHECK(refused(to_json(again)) == "409 rule_broken bundles[0].events[0].kind");
  }
  SECTION("a poison field type") {
    Json e = escalation(opened, f.device(), 91, 1);
    Event ev = event_from_json(e);
    ev.body["from_stage"] = "1";
    ev.hash = content_hash(ev);
    CHECK(refused(to_json(ev)) == "400 bad_event bundles[0].events[0].body.from_stage");
  }
  SECTION("an event whose parents the server does not hold") {
    Event orphan = comment_after(opened, f.device(), 92, "after something unseen");
    orphan.parents = {std::string(32, 'd')};
    orphan.parent_hashes = {std::string(64, 'e')};
    orphan.hash = content_hash(orphan);
    CHECK(refused(to_json(orphan)) == "409 parents_missing bundles[0].events[0].parents[0]");
  }
  SECTION("two devices escalating the same stage offline both pass; the fold shows the conflict") {
    CHECK(refused(escalation(opened, f.device(), 93, 1)) == "accepted");
    Device other{"srv-asc-2", 31, parley::test::at("2025-03-03T09:30:00Z")};
    other.pull(f.asc, f.challenge);
    f.store->add_user("sam2", "pw-sam2-passphrase", "Sam Example", "Social Worker", kAsc, "practitioner");
    Caller sam2 = f.sign_in("sam2", "pw-sam2-passphrase", other.store.device_id());
    Json twin = escalation(opened, other.store.device_id(), 1, 1);
    Json b2 = b;
    b2["events"] = Json::array({twin});
    CHECK(f.store->push(sam2, f.push_of({b2}), 0, 3000)["added"] == 1);
    CHECK(f.store->event_count() == 3);
  }
  CHECK(f.store->event_count() >= 1);
}

TEST_CASE("an event stored before today's checks never blocks later pushes to its challenge", "[server][push][rules]") {
  Fixture f;
  f.push(f.sam, f.push_of({f.bundle_json()}));
  Event opened = f.asc.store.challenge_events(f.challenge).front();
  // As an older server stored it: an event time the core now refuses (before 1970).
  Event old = comment_after(opened, "old-device", 1, "from an older server");
  old.at = -5;
  old.hash = content_hash(old);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(f.sf.file.path.c_str(), &db) == SQLITE_OK);
  std::string text = to_json(old).dump();
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO events(id, challenge, device, seq, kind, hash, text, received_at, user_id) "
                     "VALUES(?1, ?2, 'old-device', 1, 'comment', ?3, ?4, 0, 0)",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, old.id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, old.challenge.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, old.hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, text.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
  Json b = f.bundle_json();
  b["events"] = Json::array({to_json(comment_after(opened, f.device(), 60, "after it"))});
  CHECK(f.push(f.sam, f.push_of({b}))["added"] == 1);
}

TEST_CASE("accounts: devices bound to users, one session per device, expiry, disabling, passwords",
          "[server][auth][accounts]") {
  Fixture f;
  auto login = [&](const char* user, const char* pw, const char* dev, std::int64_t now = 1000) {
    return f.store->login({{"username", user}, {"password", pw}, {"device", dev}}, now, "192.0.2.7");
  };
  auto code_of = [&](const std::function<void()>& call) -> std::string {
    try {
      call();
    } catch (const ApiError& e) {
      return e.code;
    }
    return "ok";
  };
  SECTION("a device id is its first user's") {
    CHECK(code_of([&] { login("jo", "pw-jo-passphrase", "jo-tablet"); }) == "ok");
    CHECK(code_of([&] { login("sam", "pw-sam-passphrase", "jo-tablet"); }) == "device_taken");
  }
  SECTION("a new sign-in on a device ends the older session") {
    std::string first = login("jo", "pw-jo-passphrase", "jo-tablet")["token"];
    std::string second = login("jo", "pw-jo-passphrase", "jo-tablet")["token"];
    CHECK(code_of([&] { f.store->authenticate(first, 2000); }) == "unauthorized");
    CHECK(f.store->authenticate(second, 2000).username == "jo");
  }
  SECTION("a token unused for longer than the idle limit expires; use keeps it alive") {
    const std::int64_t day = 24LL * 3600 * 1000;
    std::string token = login("jo", "pw-jo-passphrase", "jo-tablet", 0)["token"];
    CHECK(f.store->authenticate(token, 20 * day).username == "jo");   // noted as used on day 20
    CHECK(f.store->authenticate(token, 49 * day).username == "jo");   // 29 days after
    CHECK(code_of([&] { f.store->authenticate(token, 80 * day); }) == "unauthorized");
    f.store->set_token_idle_days(2);
    std::string t2 = login("jo", "pw-jo-passphrase", "jo-tablet", 100 * day)["token"];
    CHECK(code_of([&] { f.store->authenticate(t2, 103 * day); }) == "unauthorized");
  }
  SECTION("disabling refuses sign-in and revokes every device; enabling needs a new device") {
    std::string token = login("jo", "pw-jo-passphrase", "jo-tablet")["token"];
    f.store->set_user_disabled("jo", true, 1500);
    CHECK(code_of([&] { f.store->authenticate(token, 2000); }) == "unauthorized");
    CHECK(code_of([&] { login("jo", "pw-jo-passphrase", "jo-new"); }) == "account_disabled");
    CHECK(code_of([&] { login("jo", "wrong-password-1", "jo-new"); }) == "bad_credentials");
    f.store->set_user_disabled("jo", false, 2500);
    CHECK(code_of([&] { login("jo", "pw-jo-passphrase", "jo-tablet"); }) == "forbidden");
    CHECK(code_of([&] { login("jo", "pw-jo-passphrase", "jo-new"); }) == "ok");
    CHECK(code_of([&] { f.store->set_user_disabled("nobody", true, 1); }) == "not_found");
  }
  SECTION("a new password ends sessions; short ones are refused") {
    std::string token = login("jo", "pw-jo-passphrase", "jo-tablet")["token"];
    CHECK(code_of([&] { f.store->set_password("jo", "short", 1500); }) == "bad_request");
    f.store->set_password("jo", "a much longer new passphrase", 1500);
    CHECK(code_of([&] { f.store->authenticate(token, 2000); }) == "unauthorized");
    CHECK(code_of([&] { login("jo", "pw-jo-passphrase", "jo-tablet"); }) == "bad_credentials");
    CHECK(code_of([&] { login("jo", "a much longer new passphrase", "jo-tablet"); }) == "ok");
    CHECK(code_of([&] { f.store->add_user("x", "elevenchars", "X", "", kAsc, "practitioner"); }) == "bad_request");
  }
  SECTION("repeated failures are throttled with a growing delay; the right password waits too") {
    std::vector<std::string> codes;
    for (int i = 0; i < 7; ++i) codes.push_back(code_of([&] { login("jo", "wrong-password-1", "jo-tablet", 10000); }));
    CHECK(codes == std::vector<std::string>{"bad_credentials", "bad_credentials", "bad_credentials", "bad_credentials",
                                            "bad_credentials", "too_many_attempts", "too_many_attempts"});
    try {
      login("jo", "pw-jo-passphrase", "jo-tablet", 10000);
      FAIL("accepted while throttled");
    } catch (const ApiError& e) {
      CHECK(e.status == 429);
      CHECK(e.retry_after >= 1);
    }
    // Once the delay has passed, the right password works and clears the count.
    CHECK(code_of([&] { login("jo", "pw-jo-passphrase", "jo-tablet", 10000 + 60000); }) == "ok");
    CHECK(code_of([&] { login("jo", "wrong-password-1", "jo-tablet", 10000 + 61000); }) == "bad_credentials");
    // Another person's account is not throttled by it.
    CHECK(code_of([&] { login("sam", "pw-sam-passphrase", "sam-laptop", 10000); }) == "ok");
  }
  SECTION("a PBKDF2 hash from before Argon2id still signs in, and is replaced at that sign-in") {
    unsigned char out[32];
    PKCS5_PBKDF2_HMAC("old-password-1", 14, reinterpret_cast<const unsigned char*>("saltsalt"), 8, 100000, EVP_sha256(),
                      sizeof out, out);
    char hex[65];
    for (int i = 0; i < 32; ++i) std::snprintf(hex + 2 * i, 3, "%02x", out[i]);
    auto stored_hash = [&] {
      sqlite3* db = nullptr;
      sqlite3_open(f.sf.file.path.c_str(), &db);
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db, "SELECT password_hash FROM users WHERE username = 'jo'", -1, &st, nullptr);
      sqlite3_step(st);
      std::string h = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
      sqlite3_close(db);
      return h;
    };
    sqlite3* db = nullptr;
    sqlite3_open(f.sf.file.path.c_str(), &db);
    std::string sql = std::string("UPDATE users SET salt = 'saltsalt', iterations = 100000, password_hash = '") + hex +
                      "' WHERE username = 'jo'";
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(code_of([&] { login("jo", "wrong-password-1", "jo-tablet"); }) == "bad_credentials");
    CHECK(stored_hash() == hex);
    CHECK(code_of([&] { login("jo", "old-password-1", "jo-tablet"); }) == "ok");
    CHECK(stored_hash().rfind("$argon2id$", 0) == 0);
    CHECK(code_of([&] { login("jo", "old-password-1", "jo-tablet"); }) == "ok");
  }
  SECTION("one address guessing across many usernames is throttled too; another address is not") {
    auto from = [&](const std::string& user, const char* address) {
      return code_of([&] {
        f.store->login({{"username", user}, {"password", "wrong-password-1"}, {"device", "d-" + user}}, 20000, address);
      });
    };
    for (int i = 0; i < 20; ++i) CHECK(from("nobody-" + std::to_string(i), "198.51.100.9") == "bad_credentials");
    CHECK(from("nobody-20", "198.51.100.9") == "too_many_attempts");
    CHECK(from("nobody-21", "198.51.100.10") == "bad_credentials");
  }
  SECTION("failed sign-ins are logged with the username and the address, never the password") {
    std::vector<std::string> lines;
    f.store->set_log([&](const std::string& l) { lines.push_back(l); });
    code_of([&] { login("jo", "wrong-password-1", "jo-tablet"); });
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("\"username\":\"jo\"") != std::string::npos);
    CHECK(lines[0].find("192.0.2.7") != std::string::npos);
    CHECK(lines[0].find("wrong-password-1") == std::string::npos);
  }
}


TEST_CASE("pull pages follow the cursor without gaps or repeats", "[server][pull]") {
  Fixture f;
  f.push(f.sam, f.push_of({f.bundle_json()}));
  Event parent = f.asc.store.challenge_events(f.challenge).front();
  Json b = f.bundle_json();
  b["events"] = Json::array();
  for (int i = 0; i < 25; ++i) b["events"].push_back(to_json(parent = comment_after(parent, f.device(), 10 + i, "c")));
  f.push(f.sam, f.push_of({b}));
  struct Case { const char* limit; std::size_t pages; };
  for (Case c : {Case{"1", 26}, Case{"7", 4}, Case{"26", 1}, Case{"", 1}}) {
    std::string cursor = "0";
    std::size_t pages = 0, events = 0;
    std::set<std::string> ids;
    for (;;) {
      Json r = f.store->pull(f.jo, cursor, c.limit);
      ++pages;
      for (const auto& bb : r["bundles"])
        for (const auto& e : bb["events"]) ids.insert(e["id"].get<std::string>()), ++events;
      CHECK(std::stoll(r["cursor"].get<std::string>()) >= std::stoll(cursor));
      cursor = r["cursor"];
      if (!r["more"].get<bool>()) break;
    }
    CHECK(pages == c.pages);
    CHECK(events == 26);
    CHECK(ids.size() == 26);
    // A no-op pull is tiny.
    CHECK(f.store->pull_text(f.jo, cursor, "").size() < 120);
  }
  CHECK_THROWS_AS(f.store->pull(f.jo, "-1", ""), ApiError);
  CHECK_THROWS_AS(f.store->pull(f.jo, "0", "5001"), ApiError);
}

TEST_CASE("tokens, revocation, epochs and reopening", "[server][auth]") {
  Fixture f;
  CHECK_THROWS_AS(f.store->login({{"username", "sam"}, {"password", "wrong"}, {"device", "d1"}}, 1), ApiError);
  CHECK_THROWS_AS(f.store->login({{"username", "nobody"}, {"password", "x"}, {"device", "d1"}}, 1), ApiError);
  Json r = f.store->login({{"username", "sam"}, {"password", "pw-sam-passphrase"}, {"device", "d1"}}, 1);
  std::string token = r["token"];
  CHECK(f.store->authenticate(token, 1).device == "d1");
  CHECK(f.store->revoke_device("d1", 1));
  CHECK_THROWS_AS(f.store->authenticate(token, 1), ApiError);
  CHECK_THROWS_AS(f.store->login({{"username", "sam"}, {"password", "pw-sam-passphrase"}, {"device", "d1"}}, 1), ApiError);

  f.push(f.sam, f.push_of({f.bundle_json()}));
  std::string e1 = f.store->epoch();
  std::string e2 = f.store->new_epoch();
  CHECK(e1 != e2);
  std::string path = f.sf.file.path;
  f.store.reset();
  ServerStore reopened(path);
  CHECK_FALSE(reopened.was_created());
  CHECK(reopened.epoch() == e2);
  CHECK(reopened.event_count() == 1);
  CHECK(reopened.users().size() == 4);
}

TEST_CASE("request bodies: UTF-8 and JSON are checked before anything else", "[server][body]") {
  struct Row { std::string text; const char* code; };
  for (const auto& row : std::vector<Row>{{"{\"a\": \"\xff\"}", "bad_utf8"}, {"{\"a\": \"\xc0\xaf\"}", "bad_utf8"},
                                          {"{\"a\": \"\xed\xa0\x80\"}", "bad_utf8"}, {"{\"a\": ", "bad_json"},
                                          {"", "bad_json"}}) {
    try {
      parse_request_body(row.text);
      FAIL("accepted " << row.text);
    } catch (const ApiError& e) {
      CHECK(e.code == row.code);
    }
  }
  CHECK(parse_request_body("{\"a\": \"caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x98\x80\"}")["a"].is_string());
}

// Speed is measured by bench/sync_bench.mjs (figures, not assertions); this checks that
// full-size batches are taken whole.
TEST_CASE("five full batches of 2,000 events are each stored whole", "[server][push]") {
  Fixture f;
  f.push(f.sam, f.push_of({f.bundle_json()}));
  Event parent = f.asc.store.challenge_events(f.challenge).front();
  std::vector<Json> requests;
  std::int64_t seq = 1000;
  for (int r = 0; r < 5; ++r) {
    Json b = f.bundle_json();
    b["events"] = Json::array();
    for (int i = 0; i < 2000; ++i)
      b["events"].push_back(to_json(parent = comment_after(parent, f.device(), seq++, std::string(300, 'x'))));
    requests.push_back(f.push_of({b}));
  }
  for (const auto& req : requests) CHECK(f.push(f.sam, req)["added"] == 2000);
  CHECK(f.store->event_count() == 10001);
  // Sent again: every event acknowledged, none added.
  Json again = f.push(f.sam, requests.back());
  CHECK(again["added"] == 0);
  CHECK(again["acked"].size() == 2000);
  CHECK(f.store->event_count() == 10001);
}

// ---- the Board's agency directory (core/agencies.h) ---------------------------------------

namespace {

// An opening by Sam against `agency`, written by the Fixture's device as it would be with
// `device_directory` as its copy of the Board's list (empty: never synced).
Json opening_bundle(Fixture& f, const std::string& agency, const std::vector<std::string>& device_directory,
                    bool marked = false) {
  f.asc.store.replace_agencies(device_directory, "test");
  Json body = parley::test::open_body("salford-ssab");
  body["challenged"]["agency"] = agency;
  if (marked) body["agency_not_listed"] = true;
  std::string id = f.asc.engine.open(body, parley::test::practitioner(kAsc));
  return Json::parse(to_text(export_bundle(f.asc.engine, id)));
}

}  // namespace

TEST_CASE("every pushed opening is checked against the Board's directory; a marked one is flagged",
          "[server][push][agencies]") {
  const std::vector<std::string> server_list = {kAsc, kHealth, "Northshire Board", kPolice};
  struct Row {
    const char* name;
    std::string agency;
    std::vector<std::string> device_list;
    bool marked;
    const char* refused;   // code, or nullptr: stored
    bool flagged;
  };
  const std::vector<Row> rows = {
      {"listed, chosen from the list", kPolice, server_list, false, nullptr, false},
      {"unlisted, marked by the person", "Police", server_list, true, nullptr, true},
      {"never synced: marked by the device, but listed", kPolice, {}, false, nullptr, false},
      {"never synced: marked by the device, not listed", "Police", {}, false, nullptr, true},
      {"unlisted on the server, listed on a stale device, unmarked", "Northshire Fire", {"Northshire Fire"}, false,
       "agency_not_listed", false},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    Fixture f;
    Json bundle = opening_bundle(f, r.agency, r.device_list, r.marked);
    std::int64_t before = f.store->event_count();
    if (r.refused) {
      try {
        f.push(f.sam, f.push_of({bundle}));
        FAIL("stored");
      } catch (const ApiError& e) {
        CHECK(e.status == 409);
        CHECK(e.code == r.refused);
        CHECK(e.field == "bundles[0].events[0].body.challenged.agency");
        CHECK(std::string(e.what()).find("not in the Board's list of agencies") != std::string::npos);
      }
      CHECK(f.store->event_count() == before);
      CHECK(f.store->unlisted_agencies().empty());
      continue;
    }
    CHECK(f.push(f.sam, f.push_of({bundle}))["added"] == 1);
    auto flags = f.store->unlisted_agencies();
    REQUIRE(flags.size() == (r.flagged ? 1u : 0u));
    Json dashboard = f.store->board_dashboard(nullptr, {}, 3000);
    CHECK(dashboard["agencies_not_listed"] == (r.flagged ? 1 : 0));
    if (!r.flagged) continue;
    CHECK(flags[0].typed == r.agency);
    CHECK(flags[0].challenger == kAsc);
    CHECK(flags[0].challenge == bundle["challenge"]);
    CHECK(flags[0].user_id == f.sam.user_id);
    CHECK_FALSE(flags[0].listed_since);
    // The dashboard never shows the name as typed (it may be anything a device typed).
    CHECK(dashboard.dump().find("\"" + r.agency + "\"") == std::string::npos);
    // Once the administrator adds the agency, the flag is settled.
    f.store->add_agency(r.agency);
    CHECK(f.store->unlisted_agencies()[0].listed_since);
    CHECK(f.store->board_dashboard(nullptr, {}, 3000)["agencies_not_listed"] == 0);
  }
}

TEST_CASE("the directory for devices: every agency, with a version that changes only with the list",
          "[server][agencies]") {
  Fixture f;
  Json d = f.store->agency_directory();
  CHECK(d["agencies"] == Json::array({"Northshire Board", kHealth, kAsc, kPolice}));   // in name order
  const std::string version = d["version"];
  CHECK_FALSE(version.empty());
  CHECK(f.store->agency_directory()["version"] == version);
  f.store->add_agency("Northshire Fire and Rescue");
  Json after = f.store->agency_directory();
  CHECK(after["version"] != version);
  CHECK(after["agencies"].size() == 5);
}

TEST_CASE("an agency name and the directory's size are held to core/agencies.h's limits", "[server][agencies]") {
  Fixture f;
  struct Row {
    std::string name;
    bool accepted;
  };
  const std::vector<Row> rows = {
      {"", false},
      {std::string(kLongestAgencyName, 'a'), true},
      {std::string(kLongestAgencyName + 1, 'a'), false},
      {"Bad \xff byte", false},
  };
  for (const auto& r : rows) {
    INFO(r.name.size() << " bytes");
    if (r.accepted) CHECK_NOTHROW(f.store->add_agency(r.name));
    else CHECK_THROWS_AS(f.store->add_agency(r.name), ApiError);
  }
  // Filled to the most a device takes: one more is refused, one already there is not.
  const std::size_t have = f.store->agencies().size();
  for (std::size_t i = have; i < kMostAgencies; ++i) f.store->add_agency("Agency " + std::to_string(i));
  CHECK(f.store->agencies().size() == kMostAgencies);
  CHECK_THROWS_WITH(f.store->add_agency("One too many"), Catch::Contains("remove one first"));
  CHECK_NOTHROW(f.store->add_agency("Agency 10"));
  CHECK(f.store->agencies().size() == kMostAgencies);
}
