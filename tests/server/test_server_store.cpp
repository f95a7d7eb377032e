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

struct Fixture {
  ServerFile sf;
  std::unique_ptr<ServerStore> store = std::make_unique<ServerStore>(sf.file.path);
  Device asc{"srv-asc", 11, parley::test::at("2025-03-03T09:00:00Z")};
  std::string challenge;
  Caller sam, jo, police, board;
  std::unique_ptr<Device> extra;

  Fixture() {
    for (const auto& a : {kAsc, kHealth, kPolice, std::string("Northshire Board")}) store->add_agency(a);
    store->add_user("sam", "pw-sam", "Sam Example", "Social Worker", kAsc, "practitioner");
    store->add_user("jo", "pw-jo", "Jo Sample", "Community Nurse", kHealth, "practitioner");
    store->add_user("pc", "pw-pc", "Pat Constable", "Sergeant", kPolice, "safeguarding_lead");
    store->add_user("board", "pw-board", "Bo Manager", "Business Manager", "Northshire Board", "board");
    challenge = asc.engine.open(parley::test::open_body("salford-ssab"), parley::test::practitioner(kAsc));
    sam = sign_in("sam", "pw-sam", device());
    jo = sign_in("jo", "pw-jo", "jo-tablet");
    police = sign_in("pc", "pw-pc", "pc-tablet");
    board = sign_in("board", "pw-board", "board-pc");
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
      {"another user's events", 403, "forged_author",
       [](Fixture& f, Json&, Caller& who) { who = f.sign_in("jo", "pw-jo", f.device()); }},
      {"another device's events", 403, "forged_device",
       [](Fixture& f, Json&, Caller& who) { who = f.sign_in("sam", "pw-sam", "sams-other-tablet"); }},
      {"new challenge, caller not a party", 403, "not_a_party",
       [](Fixture& f, Json& r, Caller& who) {
         // The police open a challenge between two other agencies, as themselves.
         f.extra = std::make_unique<Device>("srv-police", 13, parley::test::at("2025-03-03T10:00:00Z"));
         std::string id = f.extra->engine.open(parley::test::open_body("salford-ssab"), parley::test::practitioner(kPolice));
         f.store->add_user("sam-police", "pw-sp", "Sam Example", "Sergeant", kPolice, "practitioner");
         r["bundles"][0] = Json::parse(to_text(export_bundle(f.extra->engine, id)));
         who = f.sign_in("sam-police", "pw-sp", f.extra->store.challenge_events(id).front().device);
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
  CHECK(f.store->aggregates(f.board)["aggregates"].size() == 1);
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
  Json r = f.store->login({{"username", "sam"}, {"password", "pw-sam"}, {"device", "d1"}}, 1);
  std::string token = r["token"];
  CHECK(f.store->authenticate(token, 1).device == "d1");
  CHECK(f.store->revoke_device("d1"));
  CHECK_THROWS_AS(f.store->authenticate(token, 1), ApiError);
  CHECK_THROWS_AS(f.store->login({{"username", "sam"}, {"password", "pw-sam"}, {"device", "d1"}}, 1), ApiError);

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
