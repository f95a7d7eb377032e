// tests/core/test_procedure_rules.cpp — each Board's own rules (core/procedure_rules.h),
// enforced through the real Engine on a real SQLite file.
//
// Model: one table. A row names a procedure, the events recorded before (each by an author
// whose role level acts at the stage it is recorded at), and one attempt — an opening or
// an event. A refused row gives the field at fault and the start of the procedure's own
// sentence, which the one-line message must quote after `<Board> says: "`, or other words
// the message must contain (a field's value, the procedure's route list); afterwards the
// event count, the outbox and the challenge's row in the list projection must be exactly as
// they were. An accepted row may check what the view then shows (same-agency warning,
// expedited flag, routes offered, the checklist, the override reason kept in the event).
//
// Rules covered, per procedure where the procedure has them: same agency (Bury refuses,
// the others warn), who acts at each stage, the Board mediates only (Salford, Bury) or
// acts only at stages that name it, notifications before moving on (Shropshire stage 4),
// items before closing (every procedure; Buckinghamshire's learning prompt after an
// outcome at any stage), routes (own kinds only, from their first stage; the lacks-capacity
// offers), notification recipients, signature dates (UK local day) and expedite.
//
// All times are UTC ("...Z"). Unless a row says otherwise the challenge is raised on
// Mon 1 Jun 2026 08:00 UTC (09:00 BST) and each later step is one hour after the previous.
// People and agencies are synthetic.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/procedure_rules.h"
#include "tests/support.h"

using parley::Author;
using parley::ChallengeView;
using parley::CommandError;
using parley::Engine;
using parley::EventKind;
using parley::FixedClock;
using parley::IdSource;
using parley::Json;
using parley::ProcedureLibrary;
using parley::RuleError;
using parley::Store;
using parley::test::TempFile;

namespace {

constexpr std::uint64_t kSeed = 20260601;
constexpr std::int64_t kHour = 3600 * 1000;
const char* const kRaised = "2026-06-01T08:00:00Z";

std::int64_t T(const std::string& time) { return parley::test::at(time); }

// ---------------------------------------------------------------------------------------
// People (synthetic). The Council and the Trust are the two sides of open_body().

const char* const kCouncil = "Northshire Council Adult Social Care";
const char* const kTrust = "Northshire Community Health NHS Trust";
const Author kPractitioner = parley::test::practitioner();
const Author kManager{"Pat Manager", "Team Manager", kCouncil, "line_manager"};
const Author kLead{"Lee Lead", "Named Professional for Safeguarding", kTrust, "safeguarding_lead"};
const Author kSenior{"Kim Senior", "Head of Service", kCouncil, "senior_manager"};
const Author kDirector{"Dee Director", "Assistant Director", kCouncil, "director"};
const Author kBoard{"Bo Board", "Business Unit Manager", "Northshire Safeguarding Partnership", "board"};
const Author kNoRole{"Nat Norole", "Social Worker", kCouncil, ""};

// Who acts at each stage, by procedure (the stages' "who" in procedures/*.json):
// Shropshire P, LM, LM, SM, D; Salford P, LM, lead, SM; Bury P, LM, lead, SM;
// Milton Keynes P, LM, SM, SM; Buckinghamshire P, P, lead, SM, SM.
const Author& actor(const std::string& procedure, int stage) {
  static const std::map<std::string, std::vector<const Author*>> table = {
      {"shropshire-sscp", {&kPractitioner, &kManager, &kManager, &kSenior, &kDirector}},
      {"salford-ssab", {&kPractitioner, &kManager, &kLead, &kSenior}},
      {"bury-sab", {&kPractitioner, &kManager, &kLead, &kSenior}},
      {"milton-keynes-mktogether", {&kPractitioner, &kManager, &kSenior, &kSenior}},
      {"buckinghamshire-bsab", {&kPractitioner, &kPractitioner, &kLead, &kSenior, &kSenior}},
  };
  return *table.at(procedure).at(static_cast<std::size_t>(stage - 1));
}

std::string short_name(const std::string& procedure) {
  static const std::map<std::string, std::string> names = {{"shropshire-sscp", "SSCP"},
                                                           {"salford-ssab", "SSAB"},
                                                           {"bury-sab", "Bury SAB"},
                                                           {"milton-keynes-mktogether", "MKTSP"},
                                                           {"buckinghamshire-bsab", "BSAB"}};
  return names.at(procedure);
}

// ---------------------------------------------------------------------------------------
// Event bodies.

Json escalation() { return Json{{"reason", "Not resolved at this stage"}, {"tried", "Discussion, views shared"}}; }
Json escalation_anyway(const char* why) {
  Json b = escalation();
  b["override_reason"] = why;
  return b;
}
Json discussion(const char* method) {
  return Json{{"with", Json::array({Json{{"name", "Jo Sample"}, {"job_title", "Community Nurse"}, {"agency", kTrust}}})},
              {"method", method},
              {"summary", "Discussed the closed referral."},
              {"agreed", false}};
}
Json outcome() { return Json{{"outcome", "Care review reopened; joint visit agreed."}}; }
Json feedback() { return Json{{"to", "Sam Example"}, {"summary", "Outcome explained."}}; }
Json fulfils(std::vector<std::string> ids) { return Json{{"text", "Done outside Parley."}, {"fulfils", ids}}; }
Json notify(const char* to) { return Json{{"to", to}, {"reason", "The procedure asks for it."}}; }
Json refer(const char* route) { return Json{{"route", route}, {"note", "As the procedure offers."}}; }
Json closure() { return Json{{"reason", "Resolved."}}; }
Json closure_anyway(const char* why) { return Json{{"reason", "Resolved."}, {"override_reason", why}}; }
Json learning() { return Json{{"review", "none"}, {"lessons", "Close referrals only after contact."}}; }
Json signature(const char* date) {
  return Json{{"side", "challenger"}, {"name", "Sam Example"}, {"job_title", "Social Worker"},
              {"agency", kCouncil},   {"date", date}};
}

Json opening(const std::string& procedure, const char* challenger_agency, const char* challenged_agency) {
  Json b = parley::test::open_body(procedure);
  b["challenger"]["agency"] = challenger_agency;
  b["challenged"]["agency"] = challenged_agency;
  return b;
}
Json opening_with(const std::string& procedure, const std::function<void(Json&)>& change) {
  Json b = parley::test::open_body(procedure);
  change(b);
  return b;
}

// ---------------------------------------------------------------------------------------
// The table format.

struct Step {
  EventKind kind;
  Json body;
  Author by;
  const char* at = nullptr;   // nullptr: one hour after the previous step
};

// Escalations from stage 1 up to `to`, each by someone acting at the stage it leaves, with
// the notification Shropshire's stage 4 asks for before moving on.
std::vector<Step> climb(const std::string& procedure, int to) {
  std::vector<Step> steps;
  for (int stage = 1; stage < to; ++stage) {
    if (procedure == "shropshire-sscp" && stage == 4)
      steps.push_back({EventKind::NotificationSent, notify("business-unit"), kSenior});
    steps.push_back({EventKind::Escalated, escalation(), actor(procedure, stage)});
  }
  return steps;
}
std::vector<Step> then(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
// Climbs to `stage` and records the outcome there (by someone acting at it).
std::vector<Step> resolved_at(const std::string& procedure, int stage, std::vector<Step> first = {}) {
  auto steps = then(climb(procedure, stage), first);
  steps.push_back({EventKind::OutcomeAgreed, outcome(), actor(procedure, stage)});
  return steps;
}

// What an accepted attempt left: the view as of its time, the event it wrote, the row.
struct After {
  ChallengeView view;
  parley::Event event;
  std::optional<parley::ChallengeRow> row;
};

struct Row {
  std::string name;
  std::string procedure;
  std::vector<Step> before;      // after the opening
  Step attempt;                  // ChallengeOpened: the opening itself is the attempt
  const char* refused = nullptr; // the field at fault; nullptr: accepted
  std::vector<std::string> quotes = {};     // starts of the procedure's sentences, quoted
  std::vector<std::string> mentions = {};   // other words the message must contain
  std::function<void(const After&)> check = {};
  Json opened = nullptr;         // the opening body; null: open_body(procedure)
  const char* raised = kRaised;
};

Step open_attempt(Json body, Author by = kPractitioner) { return {EventKind::ChallengeOpened, std::move(body), by}; }

// Everything a refusal must leave untouched in the list projection.
std::string row_text(const std::optional<parley::ChallengeRow>& r) {
  if (!r) return "(no row)";
  return std::string(to_string(r->status)) + " stage " + std::to_string(r->stage) + " events " +
         std::to_string(r->event_count) + " updated " + std::to_string(r->updated_at) + " deadline " +
         (r->deadline ? std::to_string(*r->deadline) : "none") + " expedited " + std::to_string(r->expedited) +
         " missed " + std::to_string(r->missed) + " review " + std::to_string(r->needs_review);
}

bool has(const std::vector<std::string>& list, const std::string& fragment) {
  for (const auto& s : list)
    if (s.find(fragment) != std::string::npos) return true;
  return false;
}

void run(const Row& row, const ProcedureLibrary& lib) {
  INFO("row: " << row.name << " (" << row.procedure << ")");
  TempFile file("parley-procedure-rules");
  Store store(file.path);
  std::int64_t when = T(row.raised);
  FixedClock clock(when);
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);
  const Json opened = row.opened.is_null() ? parley::test::open_body(row.procedure) : row.opened;

  std::string id;
  if (row.attempt.kind != EventKind::ChallengeOpened) {
    id = engine.open(opened, kPractitioner, when);
    for (std::size_t n = 0; n < row.before.size(); ++n) {
      const Step& st = row.before[n];
      when = st.at ? T(st.at) : when + kHour;
      clock.set(when);
      INFO("before, step " << n + 1 << ": " << parley::to_string(st.kind));
      REQUIRE_NOTHROW(engine.record(id, st.kind, st.body, st.by, when));
    }
  }
  when = row.attempt.at ? T(row.attempt.at) : when + kHour;
  clock.set(when);
  // A correction row names the event it corrects as "opening": the challenge_opened event.
  Json body = row.attempt.body;
  if (body.value("corrects", "") == "opening") body["corrects"] = engine.state(id).events.front().id;

  const auto events = store.event_count(), outbox = store.outbox_count();
  const std::string listed = id.empty() ? "" : row_text(store.challenge(id));
  std::string written, message, field;
  bool refused = false;
  try {
    written = row.attempt.kind == EventKind::ChallengeOpened
                  ? engine.open(row.attempt.body, row.attempt.by, when)
                  : engine.record(id, row.attempt.kind, body, row.attempt.by, when);
  } catch (const RuleError& e) {
    refused = true;
    message = e.what();
    field = e.field;
  } catch (const CommandError& e) {
    FAIL("refused, but not by a rule: " << e.what());
  }

  if (row.refused) {
    INFO("message: " << message);
    REQUIRE(refused);
    CHECK(field == row.refused);
    CHECK(message.find('\n') == std::string::npos);   // one line
    for (const auto& q : row.quotes) {
      const std::string quoted = short_name(row.procedure) + " says: \"" + q;
      CHECK(message.find(quoted) != std::string::npos);
      CHECK(message.back() == '"');
    }
    for (const auto& m : row.mentions) CHECK(message.find(m) != std::string::npos);
    // Nothing written: no event, nothing queued for the server, the listed row as it was.
    CHECK(store.event_count() == events);
    CHECK(store.outbox_count() == outbox);
    if (id.empty()) CHECK(store.challenge_ids().empty());
    else CHECK(row_text(store.challenge(id)) == listed);
    return;
  }

  INFO("refused: " << message);
  REQUIRE_FALSE(refused);
  if (id.empty()) id = written;
  CHECK(store.event_count() > events);
  CHECK(store.outbox_count() == store.event_count());
  ChallengeView v = engine.view(id, when);
  const parley::Event* e = v.state.find(written);
  if (row.attempt.kind == EventKind::ChallengeOpened)
    for (const auto& ev : v.state.events)
      if (ev.kind == EventKind::ChallengeOpened) e = &ev;
  REQUIRE(e != nullptr);
  CHECK(e->kind == row.attempt.kind);
  if (row.check) row.check(After{v, *e, store.challenge(id)});
}

// ---------------------------------------------------------------------------------------
// Checks for accepted rows.

auto same_agency_flagged = [](const After& a) {
  CHECK(a.view.same_agency);
  CHECK(has(a.view.warnings, "this procedure is for disagreements between agencies"));
  CHECK(has(a.view.warnings, "agency's own procedure"));
  CHECK(to_json(a.view)["same_agency"] == true);
};
auto two_agencies = [](const After& a) {
  CHECK_FALSE(a.view.same_agency);
  CHECK(a.view.warnings.empty());
};
auto at_stage = [](int n) { return [n](const After& a) { CHECK(a.view.stage == n); }; };
auto expedited_is = [](bool yes) {
  return [yes](const After& a) {
    CHECK(a.view.expedited == yes);
    REQUIRE(a.row.has_value());
    CHECK(a.row->expedited == yes);
    CHECK(to_json(a.view)["expedited"] == yes);
  };
};
auto keeps_override = [](const char* why) {
  return [why](const After& a) {
    CHECK(a.event.body.value("override_reason", "") == why);
    CHECK(a.view.state.find(a.event.id) != nullptr);
  };
};
auto closed = [](const After& a) { CHECK(a.view.status == parley::Status::Closed); };

// Which routes are offered first ("suggested") and which are open now.
auto routes_offered = [](std::vector<std::string> suggested, std::vector<std::string> closed_now) {
  return [=](const After& a) {
    std::vector<std::string> got, shut;
    for (const auto& r : a.view.routes) {
      if (r.suggested) got.push_back(r.route->kind);
      if (!r.available) shut.push_back(r.route->kind);
    }
    CHECK(got == suggested);
    CHECK(shut == closed_now);
    for (const auto& r : a.view.routes)
      if (r.suggested && r.available) CHECK(has(a.view.warnings, r.route->name));
    if (suggested.empty()) CHECK_FALSE(has(a.view.warnings, "lacks capacity"));
  };
};

// The checklist's ids, and which of them are done.
auto checklist_is = [](std::vector<std::string> done, std::vector<std::string> open) {
  return [=](const After& a) {
    std::vector<std::string> d, o;
    for (const auto& i : a.view.checklist) (i.done ? d : o).push_back(i.id);
    CHECK(d == done);
    CHECK(o == open);
  };
};

const char* const kSh = "shropshire-sscp";
const char* const kSa = "salford-ssab";
const char* const kBu = "bury-sab";
const char* const kMk = "milton-keynes-mktogether";
const char* const kBk = "buckinghamshire-bsab";

std::vector<Row> rows() {
  // Fragments of the procedures' sentences (the start of each, as in procedures/*.json).
  const std::string bury_same = "Disagreements between practitioners working in the same organisation should be dealt "
                                "with using that organisation\u2019s own procedures and processes.";
  const std::string salford_mediation = "In the unlikely event of escalation process needs to be implemented, the role "
                                        "of the Salford Safeguarding Adult Board (SSAB) and the Independent Chair is one "
                                        "of mediation; decision making responsibility remains with statutory agencies.";
  const std::string bury_mediation = "The role of the Safeguarding Partnership Team and the Independent Chair is one of "
                                     "mediation; decision making responsibility remains with statutory agencies.";
  const std::vector<Step> shrop_stage5_done = {
      {EventKind::Comment, fulfils({"inform-director"}), kDirector},
      {EventKind::DiscussionRecorded, discussion("meeting"), kDirector},
      {EventKind::NotificationSent, notify("business-unit"), kDirector},
  };
  const std::vector<Step> signed_after = {{EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
                                          {EventKind::OutcomeAgreed, outcome(), kPractitioner}};
  const char* sign_at = "2026-06-01T12:00:00Z";

  return {
      // ----- Same agency: Bury refuses it (compared by agency id); the others flag it.
      {"Bury: both sides one agency, in different letter case and spacing", kBu, {},
       open_attempt(opening(kBu, "Bury Council", "bury  COUNCIL"), {"Sam Example", "Social Worker", "Bury Council", "practitioner"}),
       "body.challenged.agency", {bury_same}, {"bury-sab"}},
      {"Bury: one agency, punctuation aside", kBu, {},
       open_attempt(opening(kBu, "Bury Council.", "BURY-COUNCIL"), {"Sam Example", "Social Worker", "Bury Council", "practitioner"}),
       "body.challenged.agency", {bury_same}},
      {"Bury: two agencies", kBu, {},
       open_attempt(opening(kBu, "Bury Council", "Bury Community Health"),
                    {"Sam Example", "Social Worker", "Bury Council", "practitioner"}),
       nullptr, {}, {}, two_agencies},
      {"Salford: one agency is accepted and flagged", kSa, {},
       open_attempt(opening(kSa, "Salford City Council", "salford city  council"),
                    {"Sam Example", "Social Worker", "Salford City Council", "practitioner"}),
       nullptr, {}, {}, same_agency_flagged},
      {"Shropshire: one agency is accepted and flagged", kSh, {},
       open_attempt(opening(kSh, kCouncil, "NORTHSHIRE COUNCIL ADULT SOCIAL CARE")), nullptr, {}, {}, same_agency_flagged},
      {"Milton Keynes: one agency is accepted and flagged", kMk, {},
       open_attempt(opening(kMk, kCouncil, "northshire council, adult social care")), nullptr, {}, {}, same_agency_flagged},
      {"Buckinghamshire: one agency is accepted and flagged", kBk, {},
       open_attempt(opening(kBk, kCouncil, kCouncil)), nullptr, {}, {}, same_agency_flagged},
      {"Salford: two agencies", kSa, {}, open_attempt(parley::test::open_body(kSa)), nullptr, {}, {}, two_agencies},
      // A correction may not do what the opening could not: make a Bury challenge one
      // inside a single agency.
      {"Bury: a correction that makes both sides one agency", kBu, {},
       {EventKind::Correction,
        Json{{"corrects", "opening"},
             {"reason", "Agency entered wrongly."},
             {"changes", {{"challenged", {{"agency", "NORTHSHIRE council adult social care"}}}}}},
        kPractitioner},
       "body.changes.challenged.agency", {bury_same}},
      {"Salford: a correction that makes both sides one agency is flagged", kSa, {},
       {EventKind::Correction,
        Json{{"corrects", "opening"},
             {"reason", "Agency entered wrongly."},
             {"changes", {{"challenged", {{"agency", "NORTHSHIRE council adult social care"}}}}}},
        kPractitioner},
       nullptr, {}, {}, same_agency_flagged},

      // ----- Who acts at each stage (escalating, recording the outcome).
      {"Shropshire: a practitioner escalates from stage 2", kSh, climb(kSh, 2),
       {EventKind::Escalated, escalation(), kPractitioner}, "author.role",
       {"Stage 2 within 4 working days Raise to Line Manager who should:"}, {"line manager", "Sam Example"}},
      {"Shropshire: a line manager escalates from stage 2", kSh, climb(kSh, 2),
       {EventKind::Escalated, escalation(), kManager}, nullptr, {}, {}, at_stage(3)},
      {"Shropshire: an author with no role level given is not checked", kSh, climb(kSh, 2),
       {EventKind::Escalated, escalation(), kNoRole}, nullptr, {}, {}, at_stage(3)},
      {"Shropshire: a practitioner records the stage-5 outcome", kSh, climb(kSh, 5),
       {EventKind::OutcomeAgreed, outcome(), kPractitioner}, "author.role",
       {"Stage 5 within 9 working days Assistant Director (or equivalent) should:"}, {"director"}},
      {"Shropshire: a senior manager records the stage-5 outcome", kSh, climb(kSh, 5),
       {EventKind::OutcomeAgreed, outcome(), kSenior}, "author.role", {"Stage 5 within 9 working days"}},
      {"Shropshire: the Assistant Director records the stage-5 outcome", kSh, climb(kSh, 5),
       {EventKind::OutcomeAgreed, outcome(), kDirector}, nullptr, {}, {},
       [](const After& a) { CHECK(a.view.status == parley::Status::Resolved); }},
      {"Shropshire: a practitioner records a stage-1 outcome", kSh, {},
       {EventKind::OutcomeAgreed, outcome(), kPractitioner}, nullptr},
      {"Salford: a practitioner escalates from stage 2", kSa, climb(kSa, 2),
       {EventKind::Escalated, escalation(), kPractitioner}, "author.role",
       {"Recorded clearly identifying the name of the staff member"}},
      {"Salford: a line manager records the stage-4 outcome", kSa, climb(kSa, 4),
       {EventKind::OutcomeAgreed, outcome(), kManager}, "author.role", {salford_mediation}, {"senior manager"}},
      {"Salford: a senior manager records the stage-4 outcome", kSa, climb(kSa, 4),
       {EventKind::OutcomeAgreed, outcome(), kSenior}, nullptr},
      {"Bury: a practitioner escalates from step 2", kBu, climb(kBu, 2),
       {EventKind::Escalated, escalation(), kPractitioner}, "author.role",
       {"Step 2 \u2013 Discussion between Line Managers"}},
      {"Milton Keynes: a practitioner escalates from stage 2", kMk, climb(kMk, 2),
       {EventKind::Escalated, escalation(), kPractitioner}, "author.role",
       {"If the issue is not resolved and there are still concerns"}},
      {"Milton Keynes: a practitioner records the stage-3 outcome", kMk, climb(kMk, 3),
       {EventKind::OutcomeAgreed, outcome(), kPractitioner}, "author.role", {"Where significant concerns remain"}},
      {"Buckinghamshire: a practitioner escalates from stage 2 (the member of staff)", kBk, climb(kBk, 2),
       {EventKind::Escalated, escalation(), kPractitioner}, nullptr, {}, {}, at_stage(3)},
      {"Buckinghamshire: a practitioner escalates from stage 3", kBk, climb(kBk, 3),
       {EventKind::Escalated, escalation(), kPractitioner}, "author.role",
       {"Manager / Named Professional / Safeguarding Lead in the referring agency"}},
      {"Buckinghamshire: a line manager escalates from stage 4 (Heads of Service)", kBk, climb(kBk, 4),
       {EventKind::Escalated, escalation(), kManager}, "author.role", {"If concern continues, escalation to respective"},
       {"senior manager"}},

      // ----- The Board: mediates only (Salford, Bury); elsewhere only at stages that name it.
      {"Salford: the Board records the stage-4 outcome", kSa, climb(kSa, 4),
       {EventKind::OutcomeAgreed, outcome(), kBoard}, "author.role", {salford_mediation}, {"mediates"}},
      {"Bury: the Board records the step-4 outcome", kBu, climb(kBu, 4), {EventKind::OutcomeAgreed, outcome(), kBoard},
       "author.role", {bury_mediation}, {"mediates"}},
      {"Bury: the Board records a step-1 outcome", kBu, {}, {EventKind::OutcomeAgreed, outcome(), kBoard}, "author.role",
       {bury_mediation}},
      {"Buckinghamshire: the Board (Independent Chair) records the stage-5 outcome", kBk, climb(kBk, 5),
       {EventKind::OutcomeAgreed, outcome(), kBoard}, nullptr, {}, {},
       [](const After& a) { CHECK(a.view.status == parley::Status::Resolved); }},
      {"Buckinghamshire: the Board records a stage-4 outcome", kBk, climb(kBk, 4),
       {EventKind::OutcomeAgreed, outcome(), kBoard}, "author.role",
       {"If concern continues, escalation to respective Head s of service for resolution"}, {"does not act at stage 4"}},
      {"Shropshire: the Board records the stage-5 outcome", kSh, climb(kSh, 5),
       {EventKind::OutcomeAgreed, outcome(), kBoard}, "author.role", {"Stage 5 within 9 working days"},
       {"does not act at stage 5"}},
      {"Milton Keynes: the Board (Assurance Board Chair) records the stage-4 outcome", kMk, climb(kMk, 4),
       {EventKind::OutcomeAgreed, outcome(), kBoard}, nullptr},

      // ----- Notifications before moving on: Shropshire's business unit at stage 4.
      {"Shropshire: escalating past stage 4 without notifying the business unit", kSh, climb(kSh, 4),
       {EventKind::Escalated, escalation(), kSenior}, "body.override_reason",
       {"Notify sscpbusinessunit@shropshire.gov.uk"}, {"notify --to business-unit"}},
      {"Shropshire: a notification to someone else is not the business unit's", kSh,
       then(climb(kSh, 4), {{EventKind::NotificationSent, notify("emergency-services"), kSenior}}),
       {EventKind::Escalated, escalation(), kSenior}, "body.override_reason", {"Notify sscpbusinessunit@shropshire.gov.uk"}},
      {"Shropshire: a blank override reason is no reason", kSh, climb(kSh, 4),
       {EventKind::Escalated, escalation_anyway("  \t "), kSenior}, "body.override_reason",
       {"Notify sscpbusinessunit@shropshire.gov.uk"}},
      {"Shropshire: escalating past stage 4 without notifying, with a reason", kSh, climb(kSh, 4),
       {EventKind::Escalated, escalation_anyway("Business unit mailbox down; phoned instead."), kSenior}, nullptr, {}, {},
       [](const After& a) {
         CHECK(a.view.stage == 5);
         keeps_override("Business unit mailbox down; phoned instead.")(a);
       }},
      {"Shropshire: escalating past stage 4 after notifying the business unit", kSh,
       then(climb(kSh, 4), {{EventKind::NotificationSent, notify("business-unit"), kSenior}}),
       {EventKind::Escalated, escalation(), kSenior}, nullptr, {}, {}, at_stage(5)},

      // ----- Items before closing.
      {"Shropshire: closing stage 5 with its items unticked", kSh, resolved_at(kSh, 5),
       {EventKind::Closed, closure(), kDirector}, "body.override_reason", {"Inform their Director (or equivalent)"},
       {"and 3 more item(s)"}},
      {"Shropshire: closing stage 5 with only the business-unit notification open", kSh,
       then(resolved_at(kSh, 5, {{EventKind::Comment, fulfils({"inform-director"}), kDirector},
                                 {EventKind::DiscussionRecorded, discussion("meeting"), kDirector}}),
            {{EventKind::FeedbackGiven, feedback(), kDirector}}),
       {EventKind::Closed, closure(), kDirector}, "body.override_reason", {"Notify sscpbusinessunit@shrops hire.gov.uk"}},
      {"Shropshire: closing stage 5 with items unticked, with a reason", kSh, resolved_at(kSh, 5),
       {EventKind::Closed, closure_anyway("Director informed and parties written to outside Parley."), kDirector}, nullptr,
       {}, {},
       [](const After& a) {
         closed(a);
         keeps_override("Director informed and parties written to outside Parley.")(a);
       }},
      {"Shropshire: closing stage 5 with every item done", kSh,
       then(resolved_at(kSh, 5, shrop_stage5_done), {{EventKind::FeedbackGiven, feedback(), kDirector}}),
       {EventKind::Closed, closure(), kDirector}, nullptr, {}, {}, closed},
      {"Buckinghamshire: resolved at stage 1, the learning prompt joins the checklist", kBk,
       {{EventKind::DiscussionRecorded, discussion("phone"), kPractitioner}},
       {EventKind::OutcomeAgreed, outcome(), kPractitioner}, nullptr, {}, {},
       checklist_is({"professional-discussion"}, {"consider-review-and-learning"})},
      {"Buckinghamshire: closing a stage-1 resolution without the learning prompt", kBk,
       {{EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
        {EventKind::OutcomeAgreed, outcome(), kPractitioner}},
       {EventKind::Closed, closure(), kPractitioner}, "body.override_reason",
       {"Consider a single or multi agency review at a later stage and disseminate relevant learning"}},
      {"Buckinghamshire: closing a stage-1 resolution after the learning is recorded", kBk,
       {{EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
        {EventKind::OutcomeAgreed, outcome(), kPractitioner},
        {EventKind::LearningRecorded, learning(), kPractitioner}},
       {EventKind::Closed, closure(), kPractitioner}, nullptr, {}, {}, closed},
      {"Salford: closing stage 4 without the referral to the Board", kSa,
       resolved_at(kSa, 4, {{EventKind::DiscussionRecorded, discussion("meeting"), kBoard}}),
       {EventKind::Closed, closure(), kSenior}, "body.override_reason", {salford_mediation}},
      {"Bury: closing step 1 without the record on the adult's file", kBu,
       {{EventKind::DiscussionRecorded, discussion("face_to_face"), kPractitioner},
        {EventKind::OutcomeAgreed, outcome(), kPractitioner}},
       {EventKind::Closed, closure(), kPractitioner}, "body.override_reason",
       {"All discussions and outcomes should be recorded on the adult\u2019s electronic record."}},
      {"Milton Keynes: closing stage 1 without the professionals meeting", kMk,
       {{EventKind::OutcomeAgreed, outcome(), kPractitioner}}, {EventKind::Closed, closure(), kPractitioner},
       "body.override_reason", {"Arrange a meeting with relevant professionals, within 7 days"}},

      // ----- Routes: the procedure's own kinds, from the stage each names.
      {"Shropshire: Court of Protection (Shropshire has no routes)", kSh, {},
       {EventKind::Referred, refer("court_of_protection"), kPractitioner}, "body.route", {},
       {"names no route 'court_of_protection'", "its routes: none"}},
      {"Salford: Court of Protection", kSa, {}, {EventKind::Referred, refer("court_of_protection"), kPractitioner},
       "body.route", {}, {"its routes: emergency_services, safeguarding_referral"}},
      {"Buckinghamshire: the care-provider route at stage 1", kBk, {},
       {EventKind::Referred, refer("care_provider"), kPractitioner}, "body.route",
       {"In the case of Care Providers, unresolved disputes should be raised"}, {"open from stage 2"}},
      {"Buckinghamshire: the care-provider route at stage 2", kBk, climb(kBk, 2),
       {EventKind::Referred, refer("care_provider"), kPractitioner}, nullptr, {}, {},
       [](const After& a) { CHECK(a.view.state.referrals == std::vector<std::string>{"care_provider"}); }},
      {"Buckinghamshire: the Court of Protection at stage 1", kBk, {},
       {EventKind::Referred, refer("court_of_protection"), kPractitioner}, nullptr},
      {"Milton Keynes: the education route at stage 1", kMk, {}, {EventKind::Referred, refer("education"), kPractitioner},
       "body.route", {"*Within education, this will be the Head"}, {"open from stage 3"}},
      {"Milton Keynes: the education route at stage 3", kMk, climb(kMk, 3),
       {EventKind::Referred, refer("education"), kSenior}, nullptr},
      {"Bury: the organisation's own procedure", kBu, {}, {EventKind::Referred, refer("own_agency_procedure"), kPractitioner},
       nullptr},
      {"Buckinghamshire: the subject lacks capacity: MCA chapter 15 and the Court of Protection offered", kBk, {},
       open_attempt(opening_with(kBk, [](Json& b) { b["subject"]["lacks_capacity"] = true; })), nullptr, {}, {},
       routes_offered({"mca_best_interests", "court_of_protection"}, {"care_provider"})},
      {"Buckinghamshire: capacity not in question: nothing offered first", kBk, {},
       open_attempt(parley::test::open_body(kBk)), nullptr, {}, {}, routes_offered({}, {"care_provider"})},
      {"Salford: the subject lacks capacity, but Salford names no such route", kSa, {},
       open_attempt(opening_with(kSa, [](Json& b) { b["subject"]["lacks_capacity"] = true; })), nullptr, {}, {},
       routes_offered({}, {})},

      // ----- Who may be notified: a contact of the procedure, or a party.
      {"Shropshire: notify a chief constable", kSh, {}, {EventKind::NotificationSent, notify("chief-constable"), kPractitioner},
       "body.to", {}, {"'chief-constable'", "shropshire-sscp (emergency-services, business-unit)"}},
      {"Bury: notify a chief constable", kBu, {}, {EventKind::NotificationSent, notify("chief-constable"), kPractitioner},
       "body.to", {}, {"'chief-constable'"}},
      {"Shropshire: notify a chief constable after closing", kSh,
       {{EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
        {EventKind::OutcomeAgreed, outcome(), kPractitioner},
        {EventKind::Closed, closure(), kPractitioner}},
       {EventKind::NotificationSent, notify("chief-constable"), kPractitioner}, "body.to", {}, {"'chief-constable'"}},
      {"Shropshire: notify the business unit", kSh, {}, {EventKind::NotificationSent, notify("business-unit"), kPractitioner},
       nullptr},
      {"Shropshire: notify the business unit, in capitals", kSh, {},
       {EventKind::NotificationSent, notify("BUSINESS-UNIT"), kPractitioner}, nullptr},
      {"Shropshire: notify the challenged agency by name", kSh, {},
       {EventKind::NotificationSent, notify(kTrust), kPractitioner}, nullptr},
      {"Shropshire: notify the challenged agency, spelt differently", kSh, {},
       {EventKind::NotificationSent, notify("northshire community health  NHS trust"), kPractitioner}, nullptr},
      {"Shropshire: notify the challenged professional by name", kSh, {},
       {EventKind::NotificationSent, notify("jo sample"), kPractitioner}, nullptr},
      {"Shropshire: notify an agency added as a party", kSh,
       {{EventKind::PartyAdded,
         Json{{"party", {{"name", "Ray Constable"}, {"agency", "Northshire Police"}, {"job_title", "Sergeant"}}}},
         kPractitioner}},
       {EventKind::NotificationSent, notify("Northshire Police"), kPractitioner}, nullptr},
      {"Milton Keynes: notify the Assurance Board Chair", kMk, {},
       {EventKind::NotificationSent, notify("assurance-board-chair"), kPractitioner}, nullptr},

      // ----- Signature dates: not after the UK day it is recorded, not before raising.
      {"Shropshire: signed tomorrow", kSh, signed_after, {EventKind::RecordSigned, signature("2026-06-02"), kPractitioner, sign_at},
       "body.date", {}, {"2026-06-02", "is after the day it is recorded (2026-06-01)"}},
      {"Shropshire: signed before the challenge was raised", kSh, signed_after,
       {EventKind::RecordSigned, signature("2026-05-31"), kPractitioner, sign_at}, "body.date", {},
       {"2026-05-31", "before challenge", "(2026-06-01)"}},
      {"Shropshire: signed the day it was raised and recorded", kSh, signed_after,
       {EventKind::RecordSigned, signature("2026-06-01"), kPractitioner, sign_at}, nullptr, {}, {},
       [](const After& a) { CHECK(a.view.state.signatures.count("challenger") == 1); }},
      // Raised Mon 1 Jun 23:30 UTC = Tue 2 Jun 00:30 BST: the UK day it was raised is 2 Jun.
      {"Salford: signed on the UTC day of raising, the UK day before", kSa, signed_after,
       {EventKind::RecordSigned, signature("2026-06-01"), kPractitioner, "2026-06-02T10:00:00Z"}, "body.date", {},
       {"(2026-06-02)"}, {}, nullptr, "2026-06-01T23:30:00Z"},
      // Recorded Tue 2 Jun 23:30 UTC = Wed 3 Jun 00:30 BST: signing "3 Jun" is not in the future.
      {"Salford: signed on the UK day it is recorded, the UTC day after", kSa, signed_after,
       {EventKind::RecordSigned, signature("2026-06-03"), kPractitioner, "2026-06-02T23:30:00Z"}, nullptr, {}, {}, {},
       nullptr, "2026-06-01T23:30:00Z"},
      {"Salford: signed the UK day after it is recorded", kSa, signed_after,
       {EventKind::RecordSigned, signature("2026-06-04"), kPractitioner, "2026-06-02T23:30:00Z"}, "body.date", {},
       {"(2026-06-03)"}, {}, nullptr, "2026-06-01T23:30:00Z"},

      // ----- Expedited: at risk everywhere; imminent risk only where the procedure says.
      {"Shropshire: imminent risk expedites", kSh, {}, open_attempt(parley::test::open_body(kSh, true)), nullptr, {}, {},
       expedited_is(true)},
      {"Salford: imminent risk does not expedite", kSa, {}, open_attempt(parley::test::open_body(kSa, true)), nullptr, {}, {},
       expedited_is(false)},
      {"Bury: imminent risk does not expedite", kBu, {}, open_attempt(parley::test::open_body(kBu, true)), nullptr, {}, {},
       expedited_is(false)},
      {"Milton Keynes: imminent risk does not expedite", kMk, {}, open_attempt(parley::test::open_body(kMk, true)), nullptr,
       {}, {}, expedited_is(false)},
      {"Buckinghamshire: imminent risk does not expedite", kBk, {}, open_attempt(parley::test::open_body(kBk, true)),
       nullptr, {}, {}, expedited_is(false)},
      {"Shropshire: no risk stated", kSh, {}, open_attempt(parley::test::open_body(kSh)), nullptr, {}, {},
       expedited_is(false)},
  };
}

std::vector<Row> at_risk_rows() {
  std::vector<Row> out;
  for (const char* p : {kSh, kSa, kBu, kMk, kBk})
    out.push_back({std::string(p) + ": at risk of harm expedites", p, {},
                   open_attempt(opening_with(p, [](Json& b) { b["risk"] = "at_risk"; })), nullptr, {}, {},
                   expedited_is(true)});
  return out;
}

}  // namespace

TEST_CASE("each Board's rules: refusals quote the procedure and write nothing", "[procedure_rules]") {
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  auto table = rows();
  for (auto& r : at_risk_rows()) table.push_back(std::move(r));
  std::map<std::string, int> refusals;
  for (const auto& row : table) {
    DYNAMIC_SECTION(row.name) { run(row, lib); }
    if (row.refused) ++refusals[row.procedure];
  }
  // Every procedure has refusals in the table.
  CHECK(refusals.size() == 5);
}

TEST_CASE("the quoted sentences are the procedures' own", "[procedure_rules]") {
  // The table above types the sentences out; here each is found, word for word, in the
  // shipped procedure it is quoted from (so a test cannot quote a sentence of its own).
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  for (const auto& row : rows()) {
    if (row.quotes.empty()) continue;
    INFO("row: " << row.name);
    const std::string file = lib.find(row.procedure)->raw.dump();   // UTF-8 kept as it is
    for (const auto& q : row.quotes) {
      INFO("quote: " << q);
      CHECK(file.find(q) != std::string::npos);
    }
  }
}

TEST_CASE("agency ids: letter case, spacing and punctuation aside", "[procedure_rules]") {
  struct Case {
    const char* a;
    const char* b;
    bool same;
  };
  const Case cases[] = {
      {"Bury Council", "bury  COUNCIL", true},
      {"Bury Council ", " Bury Council", true},
      {"Bury Council.", "BURY-COUNCIL", true},
      {"Bury Council", "Bury Councils", false},
      {"Bury Council", "Bury Community Health", false},
      {"", "", false},
  };
  for (const auto& c : cases) {
    INFO(c.a << " / " << c.b);
    Json body = {{"challenger", {{"agency", c.a}}}, {"challenged", {{"agency", c.b}}}};
    CHECK(parley::same_agency(body) == c.same);
  }
  CHECK(parley::agency_id("  Bury   Council!! ") == "bury-council");
}

// A contact added by the Board's contacts file (loaded from its procedures folder) is one
// `notify --to` accepts; without the file the same recipient is refused and nothing written.
TEST_CASE("a notification may go to a contact the Board's contacts file adds", "[procedure_rules][contacts]") {
  namespace fs = std::filesystem;
  parley::test::Device d("rules-contacts", 77, T("2026-06-02T09:00:00Z"));
  const std::string id = d.engine.open(parley::test::open_body("bury-sab"), kPractitioner, T("2026-06-01T09:00:00Z"));
  const Json body = {{"to", "board-business-unit"}, {"reason", "The Board asked to hear of every challenge."}};
  const auto before = d.store.event_count();
  CHECK_THROWS_WITH(d.engine.record(id, EventKind::NotificationSent, body, kPractitioner),
                    Catch::Contains("is neither a contact of bury-sab"));
  CHECK(d.store.event_count() == before);

  fs::path dir = fs::temp_directory_path() / ("parley-contacts-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  std::ofstream(dir / "bury-contacts.json")
      << R"({"format": "parley-board-contacts", "version": 1, "procedure": "bury-sab",
             "contacts": [{"id": "board-business-unit", "label": "Board business unit", "email": "unit@example.org"}]})";
  d.procedures.add_directory(dir.string());
  fs::remove_all(dir);
  CHECK_NOTHROW(d.engine.record(id, EventKind::NotificationSent, body, kPractitioner));
  CHECK(d.store.event_count() == before + 1);
}

// A signature's date, corrected later, is held to the same rule as when it was signed.
TEST_CASE("a correction may not date a signature in the future or before raising", "[procedure_rules]") {
  parley::test::Device d("rules-sign-correct", 78, T("2026-06-05T09:00:00Z"));
  const std::string id = d.engine.open(parley::test::open_body("salford-ssab"), kPractitioner, T("2026-06-01T09:00:00Z"));
  d.engine.record(id, EventKind::OutcomeAgreed, {{"outcome", "Agreed."}}, kPractitioner, T("2026-06-02T09:00:00Z"));
  const std::string signature = d.engine.record(
      id, EventKind::RecordSigned,
      {{"side", "challenger"}, {"name", "Pat Manager"}, {"job_title", "Team Manager"},
       {"agency", "Northshire Council Adult Social Care"}, {"date", "2026-06-02"}},
      kPractitioner, T("2026-06-02T10:00:00Z"));
  const auto before = d.store.event_count();
  for (const char* date : {"2026-06-09", "2026-05-31"}) {
    CAPTURE(date);
    try {
      d.engine.record(id, EventKind::Correction,
                      {{"corrects", signature}, {"reason", "Wrong date."}, {"changes", {{"date", date}}}}, kPractitioner,
                      T("2026-06-05T09:00:00Z"));
      FAIL("accepted");
    } catch (const RuleError& e) {
      CHECK(e.field == "body.changes.date");
    }
    CHECK(d.store.event_count() == before);
  }
  CHECK_NOTHROW(d.engine.record(id, EventKind::Correction,
                                {{"corrects", signature}, {"reason", "Signed the day after."}, {"changes", {{"date", "2026-06-03"}}}},
                                kPractitioner, T("2026-06-05T09:00:00Z")));
}
