// tests/server/test_notify.cpp — the office server's email: which messages a push plans
// (core/notifications.h through sync/server_notify.cpp), that asking again never adds a
// second, that the sender (sync/notifier.h) delivers each once to a real SMTP server on
// loopback (tests/server/smtp_sink.py) through retries, and that sending is recorded on
// the challenge where it ticks the procedure's notify item. Real SQLite files, real
// events from real client engines, a pinned clock.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "core/history.h"
#include "core/sqlite.h"
#include "sync/bundle.h"
#include "sync/notifier.h"
#include "sync/server_store.h"
#include "tests/server/smtp_sink.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::server;
using parley::test::at;
using parley::test::Device;
using parley::test::Sink;
using parley::test::SinkOptions;
using parley::test::TempFile;

namespace {

const std::string kAsc = "Northshire Council Adult Social Care";
const std::string kHealth = "Northshire Community Health NHS Trust";
const std::string kSubject = "Alex Testperson";   // parley::test::open_body's synthetic subject
const std::string kSummary = "Referral for a care review was closed without contact";

Author person(const std::string& agency, const std::string& name, const std::string& role) {
  return Author{name, "Synthetic", agency, role};
}

// A server with a director and a practitioner on each side, all with email addresses, and
// the device of the raising director.
struct World {
  TempFile db{"notify-server"};
  std::unique_ptr<ServerStore> store = std::make_unique<ServerStore>(db.path);
  std::int64_t now;
  Device dev;
  Caller dee;   // ASC director, who raises and escalates
  std::string challenge;

  // `against`: the other agency as the raising device typed it.
  explicit World(const std::string& procedure, const std::string& raised, const std::string& against = kHealth)
      : now(at(raised)), dev("notify-dev", 7, at(raised)) {
    for (const auto& a : {kAsc, kHealth}) store->add_agency(a);
    store->add_user("dee", "pw-dee-passphrase", "Dee Director", "Director", kAsc, "director");
    store->add_user("sam", "pw-sam-passphrase", "Sam Example", "Social Worker", kAsc, "practitioner");
    store->add_user("jo", "pw-jo-passphrase", "Jo Sample", "Community Nurse", kHealth, "practitioner");
    store->set_email("dee", "dee@asc.example");
    store->set_email("sam", "sam@asc.example");
    store->set_email("jo", "jo@health.example");
    Json body = parley::test::open_body(procedure);
    body["challenger"] = {{"name", "Dee Director"}, {"job_title", "Director"}, {"agency", kAsc}, {"role", "director"}};
    body["challenged"]["agency"] = against;
    challenge = dev.engine.open(body, person(kAsc, "Dee Director", "director"));
    Json r = store->login({{"username", "dee"}, {"password", "pw-dee-passphrase"}, {"device", device()}}, now);
    dee = store->authenticate(r["token"].get<std::string>(), now);
  }
  std::string device() { return dev.store.challenge_events(challenge).front().device; }
  void escalate_to(int stage, const std::string& when) {
    dev.clock.set(at(when));
    while (dev.engine.state(challenge).stage < stage)
      dev.engine.record(challenge, EventKind::Escalated,
                        {{"reason", "not agreed"}, {"tried", "discussion"}, {"override_reason", "synthetic test"}},
                        person(kAsc, "Dee Director", "director"));
  }
  Json push(std::int64_t when) {
    now = when;
    Json bundle = Json::parse(to_text(export_bundle(dev.engine, challenge)));
    Json req{{"format", "parley-push"}, {"version", 1}, {"epoch", nullptr}, {"bundles", {bundle}}};
    return store->push(dee, req, req.dump().size(), when);
  }
  // Sends through the SMTP server at `url`, giving up on an attempt after `timeout` seconds.
  void mail_to(const std::string& url, int timeout = 5) {
    SmtpSettings smtp;
    smtp.url = url;
    smtp.from = "parley@office.example";
    smtp.timeout_seconds = timeout;
    store->set_smtp(smtp);
  }
  std::vector<OutboxRow> rows(const std::string& rule) {
    std::vector<OutboxRow> out;
    for (auto& r : store->outbox())
      if (r.rule == rule) out.push_back(r);
    return out;
  }
  // The challenge as the server holds it, pulled into a fresh device.
  ChallengeView server_view() {
    Device reader("notify-reader", 9, now);
    Json req = Json::parse(store->pull_text(dee, "0", ""));
    for (const auto& b : req["bundles"]) reader.engine.merge(bundle_from_json(b).events);
    return reader.engine.view(challenge, now);
  }
  Notifier notifier(std::int64_t& clock) {
    NotifierOptions o;
    o.now_ms = [&clock] { return clock; };
    o.first_backoff_ms = 60'000;
    o.senders = 2;
    o.log = [](const std::string&) {};
    return Notifier(*store, o);
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("Shropshire stage 4 reached offline: one message to the business unit, sent once, recorded", "[notify]") {
  World w("shropshire-sscp", "2026-12-01T10:00:00Z");
  w.escalate_to(4, "2026-12-07T11:00:00Z");   // on the tablet, no signal
  w.push(at("2026-12-08T09:00:00Z"));        // reconnected the next day
  auto rows = w.rows("notify-business-unit-stage-4");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].address == "sscpbusinessunit@shropshire.gov.uk");
  CHECK(rows[0].state == "pending");
  CHECK(rows[0].due_at == at("2026-12-07T11:00:00Z"));
  CHECK_FALSE(contains(rows[0].body, kSubject));
  CHECK_FALSE(contains(rows[0].body, kSummary));
  CHECK(contains(rows[0].body, "reached stage 4 (Senior manager)"));
  CHECK(w.rows("notify-business-unit-stage-5").empty());

  // Pushed again (a lost acknowledgement) and asked again on the timer: still one row.
  w.push(at("2026-12-08T09:05:00Z"));
  w.store->plan_due(at("2026-12-08T09:06:00Z"));
  CHECK(w.rows("notify-business-unit-stage-4").size() == 1);

  Sink sink(SinkOptions{});
  w.mail_to(sink.url());
  std::int64_t clock = at("2026-12-08T09:10:00Z");
  auto n = w.notifier(clock);
  n.round();
  n.round();   // nothing left to send
  auto mail = sink.mailbox_when(1, 5);
  std::size_t to_unit = 0;
  for (const auto& m : mail)
    if (m["rcpt_tos"].dump().find("sscpbusinessunit") != std::string::npos) {
      ++to_unit;
      CHECK_FALSE(contains(m["data"].get<std::string>(), kSubject));
      CHECK(m["message_id"].get<std::string>().find(w.rows("notify-business-unit-stage-4")[0].message_id()) !=
            std::string::npos);
    }
  CHECK(to_unit == 1);
  auto sent = w.rows("notify-business-unit-stage-4");
  REQUIRE(sent[0].state == "sent");
  REQUIRE_FALSE(sent[0].event_id.empty());

  // Every party sees it, and it ticks stage 4's notify item.
  ChallengeView v = w.server_view();
  const Event* e = v.state.find(sent[0].event_id);
  REQUIRE(e);
  CHECK(e->kind == EventKind::NotificationSent);
  CHECK(e->body["to"] == "business-unit");
  CHECK(e->author["role"] == "board");
  bool ticked = false;
  for (const auto& item : v.checklist)
    if (item.id == "notify-business-unit-stage-4") ticked = item.done;
  CHECK(ticked);
}

TEST_CASE("Bury's referral lists the disagreement and the actions taken, never the words typed", "[notify]") {
  World w("bury-sab", "2026-12-01T10:00:00Z");
  w.dev.clock.set(at("2026-12-02T10:00:00Z"));
  w.dev.engine.record(w.challenge, EventKind::DiscussionRecorded,
                      {{"method", "phone"},
                       {"with", {{{"name", "Jo Sample"}, {"job_title", "Community Nurse"}, {"agency", kHealth}}}},
                       {"summary", "Jo said the referral was closed in error"}, {"agreed", false}},
                      person(kAsc, "Dee Director", "director"));
  w.escalate_to(4, "2026-12-09T10:00:00Z");
  // Without an address for the Board (the document's is not published in the seed):
  // the row says so rather than disappearing.
  w.push(at("2026-12-09T11:00:00Z"));
  auto rows = w.rows("refer-to-board");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "no_address");

  // With the Board's contacts file, the next challenge's referral has an address.
  TempFile dir{"notify-procedures"};
  std::filesystem::create_directories(dir.path);
  std::ofstream(dir.path + "/contacts.json")
      << R"({"format": "parley-board-contacts", "version": 1, "procedure": "bury-sab",
            "contacts": [{"id": "safeguarding-adults-board", "email": "board@bury.example"}]})";
  ProcedureLibrary library = ProcedureLibrary::builtin();
  library.add_directory(dir.path);
  w.store->use_procedures(std::move(library));
  w.dev.clock.set(at("2026-12-10T10:00:00Z"));
  w.dev.engine.record(w.challenge, EventKind::Comment, {{"text", "Jo Sample still disagrees"}},
                      person(kAsc, "Dee Director", "director"));
  w.push(at("2026-12-10T11:00:00Z"));
  rows = w.rows("refer-to-board");
  REQUIRE(rows.size() == 2);
  const OutboxRow& r = rows[0].state == "pending" ? rows[0] : rows[1];
  CHECK(r.address == "board@bury.example");
  CHECK(contains(r.body, "The disagreement: response_to_referral, between " + kAsc + " and " + kHealth));
  CHECK(contains(r.body, "Wed 2 Dec 2026, stage 1: Record a discussion (phone)"));
  CHECK(contains(r.body, "stage 3: Escalated to stage 4"));
  for (const auto& secret : {kSubject, kSummary, std::string("closed in error"), std::string("still disagrees")})
    CHECK_FALSE(contains(r.body, secret));
  std::filesystem::remove_all(dir.path);
}

TEST_CASE("a reminder the working day before a deadline, then a missed-timescale message", "[notify]") {
  // Shropshire stage 1: 2 working days from raising. Raised Thu 3 Dec 2026 → due Mon 7 Dec;
  // the working day before is Fri 4 Dec, reminders at 08:00 UK time.
  World w("shropshire-sscp", "2026-12-03T10:00:00Z");
  w.push(at("2026-12-03T10:05:00Z"));
  CHECK(w.rows("reminder").empty());
  w.store->plan_due(at("2026-12-04T07:59:00Z"));
  CHECK(w.rows("reminder").empty());
  w.store->plan_due(at("2026-12-04T08:00:00Z"));
  auto reminders = w.rows("reminder");
  std::set<std::string> to;
  for (const auto& r : reminders)
    if (contains(r.key, "/stage-1/")) to.insert(r.address);
  // Acting at stage 1: practitioners on both sides (the director is not a stage-1 role).
  CHECK(to == std::set<std::string>{"jo@health.example", "sam@asc.example"});
  for (const auto& r : reminders)
    if (contains(r.key, "/stage-1/")) CHECK(contains(r.subject, "is due Mon 7 Dec 2026"));
  w.store->plan_due(at("2026-12-04T12:00:00Z"));
  CHECK(w.rows("reminder").size() == reminders.size());

  CHECK(w.rows("missed").empty());
  w.store->plan_due(at("2026-12-08T00:00:01Z"));   // Mon 7 Dec ended with no escalation
  std::set<std::string> missed;
  for (const auto& r : w.rows("missed"))
    if (contains(r.key, "/stage-1/")) missed.insert(r.address);
  CHECK(missed == std::set<std::string>{"jo@health.example", "sam@asc.example", "dee@asc.example"});

  // A reminder still unsent when its deadline passes is expired, never sent late.
  Sink sink(SinkOptions{});
  w.mail_to(sink.url());
  std::int64_t clock = at("2026-12-08T00:01:00Z");
  auto n = w.notifier(clock);
  n.round();
  for (const auto& r : w.rows("reminder"))
    if (contains(r.key, "/stage-1/")) CHECK(r.state == "expired");
  for (const auto& r : w.rows("missed")) CHECK(r.state == "sent");
}

TEST_CASE("a refusing, dropping or silent SMTP server: nothing lost, nothing sent twice", "[notify]") {
  struct Row {
    const char* mode;
    const char* state_after;   // after one round against it
  };
  const Row rows[] = {{"tempfail", "pending"}, {"drop", "pending"}, {"stall", "pending"}, {"refuse", "refused"}};
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.mode) {
      World w("shropshire-sscp", "2026-12-01T10:00:00Z");
      w.escalate_to(4, "2026-12-07T11:00:00Z");
      w.push(at("2026-12-08T09:00:00Z"));
      SinkOptions bad;
      bad.mode = row.mode;
      Sink failing(bad);
      w.mail_to(failing.url(), 2);
      std::int64_t clock = at("2026-12-08T09:10:00Z");
      auto n = w.notifier(clock);
      n.round();
      auto r = w.rows("notify-business-unit-stage-4");
      REQUIRE(r.size() == 1);
      CHECK(r[0].state == row.state_after);
      CHECK(r[0].attempts == 1);
      CHECK_FALSE(r[0].last_error.empty());
      CHECK(failing.mailbox().empty());

      // The server comes back: a pending row goes once the backoff has passed, a refused one never.
      Sink good(SinkOptions{});
      w.mail_to(good.url(), 2);
      n.round();   // still backing off
      CHECK(good.mailbox().empty());
      clock += 61'000;
      n.round();
      n.round();
      std::size_t expected = std::string(row.state_after) == "pending" ? 1 : 0;
      std::size_t got = 0;
      for (const auto& m : good.mailbox_when(expected, 3))
        if (m["rcpt_tos"].dump().find("sscpbusinessunit") != std::string::npos) ++got;
      CHECK(got == expected);
      CHECK(w.rows("notify-business-unit-stage-4")[0].state == (expected ? "sent" : "refused"));
    }
  }
}

TEST_CASE("the Board's figures follow every committed push (rows held in memory after the first read)", "[notify][board]") {
  World w("shropshire-sscp", "2026-12-01T10:00:00Z");
  w.push(at("2026-12-01T10:05:00Z"));
  BoardConfig config;
  config.stats.suppress_below = 1;
  w.store->set_board_config(config);
  auto total = [&] { return w.store->board_dashboard(nullptr, {}, w.now)["total"]["value"].get<int>(); };
  auto missed = [&] {
    int n = 0;
    const Json d = w.store->board_dashboard(nullptr, {}, w.now);
    for (const auto& s : d["missed_by_stage"]) n += s["count"]["value"].get<int>();
    return n;
  };
  CHECK(total() == 1);   // the first read fills the memory
  CHECK(missed() == 0);
  w.escalate_to(2, "2026-12-09T10:00:00Z");   // stage 1's two working days long gone
  w.push(at("2026-12-09T10:05:00Z"));
  CHECK(missed() == 1);
  w.dev.clock.set(at("2026-12-09T11:00:00Z"));
  Json body = parley::test::open_body("shropshire-sscp");
  body["challenger"] = {{"name", "Dee Director"}, {"job_title", "Director"}, {"agency", kAsc}, {"role", "director"}};
  w.challenge = w.dev.engine.open(body, person(kAsc, "Dee Director", "director"));
  w.push(at("2026-12-09T11:05:00Z"));
  CHECK(total() == 2);
  // A second server process (the administrator's board-report) reads the same figures.
  ServerStore other(w.db.path);
  CHECK(other.board_dashboard(nullptr, {}, w.now)["total"]["value"] == 2);
}

TEST_CASE("a sent email whose record cannot be made stays sent, and is never sent again", "[notify]") {
  struct Row {
    const char* name;
    const char* change;   // SQL for what the record would say
  };
  const Row rows[] = {{"the rules refuse it (not a contact or a party)", "record_to = 'nobody at all'"},
                      {"it cannot be encoded (not UTF-8)", "reason = CAST(X'4E6FC328' AS TEXT)"}};
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      World w("shropshire-sscp", "2026-12-01T10:00:00Z");
      w.escalate_to(4, "2026-12-07T11:00:00Z");
      w.push(at("2026-12-08T09:00:00Z"));
      {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(w.db.path.c_str(), &db) == SQLITE_OK);
        parley::sql::Statement(db, (std::string("UPDATE outbox SET ") + row.change +
                                    " WHERE rule = 'notify-business-unit-stage-4'")
                                       .c_str())
            .bind()
            .run();
        sqlite3_close(db);
      }
      Sink sink(SinkOptions{});
      w.mail_to(sink.url());
      std::int64_t clock = at("2026-12-08T09:10:00Z");
      auto n = w.notifier(clock);
      n.round();
      clock += 2 * 3600'000;
      n.round();
      auto sent = w.rows("notify-business-unit-stage-4");
      REQUIRE(sent.size() == 1);
      CHECK(sent[0].state == "sent");
      CHECK(sent[0].event_id.empty());
      CHECK(contains(sent[0].last_error, "not recorded on the challenge"));
      std::size_t to_unit = 0;
      for (const auto& m : sink.mailbox_when(1, 5))
        if (m["rcpt_tos"].dump().find("sscpbusinessunit") != std::string::npos) ++to_unit;
      CHECK(to_unit == 1);
    }
  }
}

TEST_CASE("the office's own device cannot be signed in as", "[notify][security]") {
  World w("shropshire-sscp", "2026-12-01T10:00:00Z");
  std::string office;
  for (const auto& d : w.store->devices())
    if (d.device.rfind("office-", 0) == 0) {
      office = d.device;
      CHECK(d.revoked);
    }
  REQUIRE_FALSE(office.empty());
  CHECK_THROWS_AS(w.store->login({{"username", "sam"}, {"password", "pw-sam-passphrase"}, {"device", office}}, w.now),
                  ApiError);
}

TEST_CASE("an address that is not an email address is refused; an unknown user is named", "[notify]") {
  World w("shropshire-sscp", "2026-12-01T10:00:00Z");
  for (const char* bad : {"sam", "sam@", "sam @asc.example", "<sam@asc.example>", "sam@asc.example\r\nBcc: x@y.z"}) {
    INFO(bad);
    CHECK_THROWS_AS(w.store->set_email("sam", bad), ApiError);
  }
  CHECK(w.store->email("sam") == "sam@asc.example");
  CHECK_THROWS_WITH(w.store->set_email("nobody", "n@asc.example"), Catch::Contains("no user 'nobody'"));
}

TEST_CASE("messages already due when email is first set up are recorded as skipped, never sent late", "[notify]") {
  // The upgrade plans with the system clock (the store's constructor has no other), so
  // these times are in the past.
  World w("shropshire-sscp", "2025-11-03T10:00:00Z");
  w.escalate_to(4, "2025-11-17T11:00:00Z");
  w.push(at("2025-11-18T09:00:00Z"));
  BoardConfig every_count;
  every_count.stats.suppress_below = 1;
  w.store->set_board_config(every_count);
  {   // the database as an earlier version left it: no outbox rows, no Board rows planned yet
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(w.db.path.c_str(), &db) == SQLITE_OK);
    for (const char* sql : {"DELETE FROM outbox", "DELETE FROM board_rows", "DELETE FROM meta WHERE key = 'board_rows'"})
      parley::sql::Statement(db, sql).bind().run();
    sqlite3_close(db);
  }
  w.store = std::make_unique<ServerStore>(w.db.path);   // the upgrade's first start
  auto rows = w.rows("notify-business-unit-stage-4");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "skipped");
  CHECK(w.store->board_dashboard(nullptr, {}, w.now)["total"]["value"] == 1);
  Sink sink(SinkOptions{});
  w.mail_to(sink.url());
  std::int64_t clock = at("2025-11-18T09:10:00Z");
  auto n = w.notifier(clock);
  n.round();
  for (const auto& m : sink.mailbox_when(1, 2)) CHECK(m["rcpt_tos"].dump().find("sscpbusinessunit") == std::string::npos);
}

TEST_CASE("an agency typed on a device, not in the Board's directory, is never emailed or charted as typed",
          "[notify][security]") {
  const std::string typed = "Zebedee Quartermaine's family, 4 Acacia Road";   // what a careless or hostile device could type
  World w("shropshire-sscp", "2026-12-01T10:00:00Z", typed);
  w.escalate_to(4, "2026-12-07T11:00:00Z");
  w.push(at("2026-12-08T09:00:00Z"));
  auto rows = w.rows("notify-business-unit-stage-4");
  REQUIRE(rows.size() == 1);
  CHECK_FALSE(contains(rows[0].body, "Zebedee"));
  CHECK(contains(rows[0].body, kAsc + " (raised the challenge) → an agency not in the Board's directory"));
  BoardConfig every_count;
  every_count.stats.suppress_below = 1;
  w.store->set_board_config(every_count);
  const Json d = w.store->board_dashboard(nullptr, {}, w.now);
  CHECK(d.dump().find("Zebedee") == std::string::npos);
  CHECK(d["by_agency_pair"][0]["challenged"] == "an agency not in the Board's directory");
  CHECK(w.store->board_csv(nullptr, {}, "challenges").find("Zebedee") == std::string::npos);
}
