// tests/core/test_event_rules.cpp — the one description of each event kind
// (core/event_rules.h): every kind is described; bodies of the wrong shape are refused
// naming the field; authors the kind does not allow are refused; the rules against the
// state hold. Table-driven: each row changes one thing about a good event.
#include <catch2/catch.hpp>

#include <functional>
#include <set>

#include "core/event_rules.h"
#include "core/fold.h"
#include "core/procedure.h"
#include "tests/support.h"

using namespace parley;

namespace {

const std::string kAsc = "Northshire Council Adult Social Care";
const std::string kHealth = "Northshire Community Health NHS Trust";

Json author(const std::string& agency = kAsc, const std::string& role = "practitioner") {
  return Author{"Sam Example", "Social Worker", agency, role}.to_json();
}

// A challenge at stage 1 of shropshire-sscp, opened on a real device.
struct Opened {
  test::Device device{"rules", 41, test::at("2026-03-02T09:00:00Z")};
  std::string id = device.engine.open(test::open_body("shropshire-sscp"), test::practitioner(kAsc));
  ChallengeState state() { return fold(device.store.challenge_events(id)); }
  const Procedure& procedure() { return *device.procedures.find("shropshire-sscp"); }
};

std::string refusal(const std::function<void()>& check) {
  try {
    check();
  } catch (const RuleError& e) {
    const char* c = e.category == RuleError::Category::Shape ? "shape" : e.category == RuleError::Category::State ? "state" : "author";
    return std::string(c) + " " + e.field;
  }
  return "accepted";
}

}  // namespace

TEST_CASE("every event kind is described once, with a CLI command where a person records it", "[rules]") {
  std::set<EventKind> seen;
  for (const auto& r : kind_rules()) CHECK(seen.insert(r.kind).second);
  CHECK(seen.size() == all_event_kinds().size());
  for (EventKind k : all_event_kinds()) {
    const KindRule& r = kind_rule(k);
    CHECK_FALSE(r.title.empty());
    if (!r.command.empty()) CHECK(kind_rule_for_command(r.command) == &r);
    for (const auto& f : r.fields) CHECK_FALSE(f.label.empty());
  }
  CHECK(kind_rule_for_command("no-such-command") == nullptr);
}

TEST_CASE("bodies of the wrong shape are refused, naming the field", "[rules][shape]") {
  struct Row {
    EventKind kind;
    Json body;
    const char* expect;
  };
  const Json ok_escalation = {{"reason", "r"}, {"tried", "t"}, {"from_stage", 1}, {"to_stage", 2}};
  auto with = [](Json j, const char* k, Json v) {
    j[k] = std::move(v);
    return j;
  };
  const std::vector<Row> rows = {
      {EventKind::Escalated, ok_escalation, "accepted"},
      {EventKind::Escalated, with(ok_escalation, "from_stage", "1"), "shape body.from_stage"},
      {EventKind::Escalated, with(ok_escalation, "from_stage", 0), "shape body.from_stage"},
      {EventKind::Escalated, with(ok_escalation, "reason", 5), "shape body.reason"},
      {EventKind::Escalated, with(ok_escalation, "reason", "   "), "shape body.reason"},
      {EventKind::Escalated, with(ok_escalation, "tried", nullptr), "shape body.tried"},
      {EventKind::Escalated, with(ok_escalation, "fulfils", "x"), "shape body.fulfils"},
      {EventKind::Escalated, with(ok_escalation, "fulfils", Json::array({3})), "shape body.fulfils[0]"},
      {EventKind::Escalated, with(ok_escalation, "reason", std::string(kMaxTextLength + 1, 'a')), "shape body.reason"},
      {EventKind::Comment, {{"text", "fine"}, {"extra", {{"kept", true}}}}, "accepted"},
      {EventKind::Comment, Json::array(), "shape body"},
      {EventKind::DiscussionRecorded, {{"with", Json::array()}, {"method", "phone"}, {"summary", "s"}, {"agreed", true}},
       "shape body.with"},
      {EventKind::DiscussionRecorded,
       {{"with", {{{"name", 7}}}}, {"method", "phone"}, {"summary", "s"}, {"agreed", true}}, "shape body.with[0].name"},
      {EventKind::DiscussionRecorded,
       {{"with", {{{"name", "Jo"}}}}, {"method", "carrier pigeon"}, {"summary", "s"}, {"agreed", true}}, "shape body.method"},
      {EventKind::DiscussionRecorded, {{"with", {{{"name", "Jo"}}}}, {"method", "phone"}, {"summary", "s"}, {"agreed", "yes"}},
       "shape body.agreed"},
      {EventKind::ActionAgreed, {{"description", "d"}, {"owner", "o"}, {"due", "31/12/2026"}}, "shape body.due"},
      {EventKind::RecordSigned,
       {{"side", "referee"}, {"name", "n"}, {"job_title", "j"}, {"agency", "a"}, {"date", "2026-03-04"}}, "shape body.side"},
      {EventKind::Referred, {{"route", "nowhere"}}, "shape body.route"},
      {EventKind::Correction, {{"corrects", "x"}, {"reason", "r"}, {"changes", {{"from_stage", 4}}}}, "shape body.changes.from_stage"},
      {EventKind::Correction, {{"corrects", "x"}, {"reason", "r"}, {"changes", "all of it"}}, "shape body.changes"},
      {EventKind::ChallengeOpened, with(test::open_body("salford-ssab"), "procedure", 7), "shape body.procedure"},
      {EventKind::ChallengeOpened, with(test::open_body("salford-ssab"), "subject", "Alex"), "shape body.subject"},
      {EventKind::ChallengeOpened, with(test::open_body("salford-ssab"), "imminent_risk", "no"), "shape body.imminent_risk"},
      {EventKind::ChallengeOpened, with(test::open_body("salford-ssab"), "category", "gossip"), "shape body.category"},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i, rows[i].body.dump());
    CHECK(refusal([&] { check_body(rows[i].kind, rows[i].body); }) == rows[i].expect);
  }
}

TEST_CASE("who may author each kind", "[rules][author]") {
  Opened c;
  ChallengeState s = c.state();
  const Procedure& p = c.procedure();
  const Json comment = {{"text", "a note"}};
  const Json escalate = {{"reason", "r"}, {"tried", "t"}, {"from_stage", 1}, {"to_stage", 2}};
  auto check = [&](EventKind k, const Json& body, const Json& who) {
    return refusal([&] { check_event(s, p, k, body, who, s.opened_at + 1000); });
  };
  CHECK(check(EventKind::Comment, comment, author(kAsc)) == "accepted");
  CHECK(check(EventKind::Comment, comment, author(kHealth)) == "accepted");   // the challenged agency
  CHECK(check(EventKind::Comment, comment, author("Northshire Police")) == "author author.agency");
  CHECK(check(EventKind::Comment, comment, author("Northshire Board", "board")) == "accepted");
  CHECK(check(EventKind::Escalated, escalate, author("Northshire Board", "board")) == "author author.role");
  CHECK(check(EventKind::Comment, comment, author(kAsc, "chief")) == "author author.role");
  CHECK(check(EventKind::Comment, comment, Json{{"agency", kAsc}}) == "author author.name");
  // An opening is written by one of its two sides.
  Json body = test::open_body("salford-ssab");
  const Procedure* salford = c.device.procedures.find("salford-ssab");
  CHECK(refusal([&] { check_opening(salford, body, author(kAsc)); }) == "accepted");
  CHECK(refusal([&] { check_opening(salford, body, author("Northshire Police")); }) == "author author.agency");
  CHECK(refusal([&] { check_opening(salford, body, author(kAsc, "board")); }) == "author author.role");
  CHECK(refusal([&] { check_opening(nullptr, body, author(kAsc)); }) == "state body.procedure");
}

TEST_CASE("rules against the state the author saw", "[rules][state]") {
  Opened c;
  const Procedure& p = c.procedure();
  auto at = [&](const ChallengeState& s) { return s.opened_at + 60000; };
  ChallengeState s1 = c.state();
  struct Row {
    const char* name;
    EventKind kind;
    Json body;
    const char* expect;
  };
  const std::vector<Row> at_stage_1 = {
      {"escalation from the current stage", EventKind::Escalated,
       {{"reason", "r"}, {"tried", "t"}, {"from_stage", 1}, {"to_stage", 2}}, "accepted"},
      {"escalation from a later stage", EventKind::Escalated,
       {{"reason", "r"}, {"tried", "t"}, {"from_stage", 3}, {"to_stage", 4}}, "state body.from_stage"},
      {"escalation skipping a stage", EventKind::Escalated,
       {{"reason", "r"}, {"tried", "t"}, {"from_stage", 1}, {"to_stage", 3}}, "state body.to_stage"},
      {"a second opening", EventKind::ChallengeOpened, test::open_body("shropshire-sscp"), "state kind"},
      {"closing with no outcome", EventKind::Closed, Json::object(), "state kind"},
      {"signing with no outcome", EventKind::RecordSigned,
       {{"side", "challenger"}, {"name", "n"}, {"job_title", "j"}, {"agency", "a"}, {"date", "2026-03-04"}}, "state kind"},
      {"completing an action never agreed", EventKind::ActionCompleted, {{"action", "nope"}}, "state body.action"},
      {"correcting an unknown event", EventKind::Correction, {{"corrects", "nope"}, {"reason", "r"}}, "state body.corrects"},
      {"settling no conflict", EventKind::ReviewSettled, {{"conflict", "conflict-x"}, {"decision", "d"}}, "state body.conflict"},
      {"ticking another stage's action", EventKind::Comment, {{"text", "t"}, {"fulfils", {"formal-escalation-email-stage-4"}}},
       "state body.fulfils[0]"},
  };
  for (const auto& row : at_stage_1) {
    CAPTURE(row.name);
    CHECK(refusal([&] { check_event(s1, p, row.kind, row.body, author(), at(s1)); }) == row.expect);
  }
  CHECK(refusal([&] { check_event(s1, p, EventKind::Comment, {{"text", "t"}}, author(), s1.opened_at - 1); }) == "state at");
  ChallengeState nothing;
  CHECK(refusal([&] { check_event(nothing, p, EventKind::Comment, {{"text", "t"}}, author(), 0); }) == "state parents");

  // Closed: only the kinds allowed after closure.
  c.device.engine.record(c.id, EventKind::OutcomeAgreed, {{"outcome", "agreed"}}, test::practitioner(kAsc));
  c.device.engine.record(c.id, EventKind::Closed, {{"override_reason", "Resolved before any discussion was needed."}},
                         test::practitioner(kAsc));
  ChallengeState closed = c.state();
  CHECK(refusal([&] { check_event(closed, p, EventKind::Comment, {{"text", "t"}}, author(), at(closed)); }) == "accepted");
  CHECK(refusal([&] {
          check_event(closed, p, EventKind::ActionAgreed, {{"description", "d"}, {"owner", "o"}}, author(), at(closed));
        }) == "state kind");
  CHECK(refusal([&] { check_event(closed, p, EventKind::OutcomeAgreed, {{"outcome", "again"}}, author(), at(closed)); }) ==
        "state kind");
}

TEST_CASE("the fold reads a field of the wrong type as absent and never throws", "[rules][fold]") {
  Opened c;
  std::vector<Event> events = c.device.store.challenge_events(c.id);
  Event bad = events.front();
  bad.id = std::string(32, 'f');
  bad.kind = EventKind::Escalated;
  bad.parents = {events.front().id};
  bad.parent_hashes = {events.front().hash};
  bad.body = {{"from_stage", "1"}, {"to_stage", {{"x", 1}}}};
  bad.hash = content_hash(bad);
  events.push_back(bad);
  ChallengeState s;
  REQUIRE_NOTHROW(s = fold(events));
  CHECK(s.stage == 1);
  // Merging it on a device quarantines it and keeps the rest.
  test::Device other{"rules-other", 42, test::at("2026-03-02T10:00:00Z")};
  CHECK(other.engine.merge(events) == events.size() - 1);
  CHECK(other.store.quarantine_count() == 1);
  CHECK(other.engine.view(c.id, test::at("2026-03-02T10:00:00Z")).stage == 1);
}
