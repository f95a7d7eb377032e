// tests/core/test_procedures.cpp — the five shipped procedures, end to end.
//
// Each procedure (salford-ssab, buckinghamshire-bsab, bury-sab, shropshire-sscp,
// milton-keynes-mktogether) is taken from raising to resolution through the real Engine
// over a real SQLite file (Store on a TempFile), with ProcedureLibrary::builtin(), a
// FixedClock moved to each step's time and an IdSource with a fixed seed. Every step has
// an explicit `at` time; after a step the derived view is checked "as of" one or more
// moments: stage, stage name, the deadline (present or absent, due date, the exact UTC
// instant where it matters, words, what it is measured from, overdue just before and just
// after the end of the due day in UK local time), and every checklist item of the stage
// (done / not done, which items are notifications). At the end: status, resolution stage
// and working / calendar days taken.
//
// Table-driven (architecture style rule 7): a script is a table of steps, a step a table
// of checks. All times in the tables are UTC ("...Z"); the comments give UK local time.
// Dates were counted by hand (reasoning next to each table) and cross-checked with a
// plain working-day count over the same bank holidays.
//
// England and Wales bank holidays used: Thu 25 Dec 2025, Fri 26 Dec 2025, Thu 1 Jan 2026,
// Fri 3 Apr 2026 (Good Friday), Mon 6 Apr 2026 (Easter Monday), Mon 4 May 2026,
// Mon 25 May 2026, Mon 31 Aug 2026. BST runs from Sun 29 Mar 2026 01:00 UTC to
// Sun 25 Oct 2026 01:00 UTC; outside it UK local time is UTC.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/embedded.h"
#include "core/engine.h"
#include "tests/support.h"

using parley::Author;
using parley::ChallengeView;
using parley::CommandError;
using parley::Engine;
using parley::EventKind;
using parley::FixedClock;
using parley::IdSource;
using parley::Json;
using parley::Procedure;
using parley::ProcedureLibrary;
using parley::Store;
using parley::test::TempFile;

namespace {

constexpr std::uint64_t kSeed = 20251224;

std::int64_t T(const std::string& time) { return parley::test::at(time); }

// ---------------------------------------------------------------------------------------
// People (synthetic) and event bodies.

const Author kPractitioner = parley::test::practitioner();
const Author kManager{"Pat Manager", "Team Manager", "Northshire Council Adult Social Care", "line_manager"};
const Author kLead{"Lee Lead", "Named Professional for Safeguarding", "Northshire Community Health NHS Trust",
                   "safeguarding_lead"};
const Author kSenior{"Kim Senior", "Head of Service", "Northshire Council Adult Social Care", "senior_manager"};
const Author kDirector{"Dee Director", "Assistant Director", "Northshire Council Adult Social Care", "director"};
const Author kBoard{"Bo Board", "Business Unit Manager", "Northshire Safeguarding Partnership", "board"};

Json discussion(const char* method, bool agreed = false) {
  return Json{{"with", Json::array({Json{{"name", "Jo Sample"},
                                         {"job_title", "Community Nurse"},
                                         {"agency", "Northshire Community Health NHS Trust"}}})},
              {"method", method},
              {"summary", "Discussed the closed referral and each agency's view."},
              {"agreed", agreed}};
}
Json escalation() {
  return Json{{"reason", "Not resolved at this stage"}, {"tried", "Discussion between the parties, views shared"}};
}
// An event that explicitly says it fulfils checklist items (items done outside Parley).
Json fulfils(std::vector<std::string> ids) {
  return Json{{"text", "Done outside Parley, as the procedure asks."}, {"fulfils", ids}};
}
Json notification(const char* to) { return Json{{"to", to}, {"reason", "The procedure asks for it at this stage."}}; }
Json outcome() {
  return Json{{"outcome", "Care review reopened; joint visit agreed."},
              {"agreed_actions", "Joint visit within 5 days."},
              {"outstanding", "None."}};
}
Json feedback() { return Json{{"to", "Sam Example (raised the challenge)"}, {"summary", "Outcome explained."}}; }
Json action() {
  return Json{{"description", "Share the care plan with the community nurse"}, {"owner", "Pat Manager"}};
}
Json learning() { return Json{{"review", "multi_agency"}, {"lessons", "Close referrals only after contact."}}; }
Json referral(const char* route) { return Json{{"route", route}, {"reason", "Best-interests dispute."}}; }
Json closure() { return Json{{"note", "Closed."}}; }

// ---------------------------------------------------------------------------------------
// The table format.

// A deadline of one checklist item (only Milton Keynes stage 3 has one).
struct ItemDeadline {
  std::string item;
  std::string due_date;   // UK local date
  std::string due_at;     // exact UTC instant
  std::string words;
  bool overdue = false;
};

// What the view must show as of a moment. Empty / null fields are not checked, except:
// `due == nullptr` means "no deadline", and when `done` or `not_done` is given the
// checklist must hold exactly those ids, and its notification items must be exactly
// `notifications`.
struct Check {
  const char* as_of = nullptr;
  int stage = 0;
  const char* status = "open";
  const char* due = nullptr;          // YYYY-MM-DD (end of that UK day); nullptr = no deadline
  const char* due_at = nullptr;       // exact UTC instant of the deadline, when worth stating
  bool overdue = false;
  const char* words = nullptr;
  const char* measured_from = nullptr;
  bool pending = false;               // the timescale waits for an event not yet recorded
  std::vector<std::string> done = {};
  std::vector<std::string> not_done = {};
  std::vector<std::string> notifications = {};
  std::vector<ItemDeadline> item_deadlines = {};
  std::vector<std::string> no_item_deadline = {};
  int wd_at_stage = -1;               // -1: not checked
  int cd_at_stage = -1;
};

// One command. kind == ChallengeOpened opens the challenge with `body`. A rejected step
// must throw CommandError and write nothing.
struct Step {
  const char* at;
  EventKind kind;
  Json body;
  Author by;
  std::vector<Check> checks = {};
  bool rejected = false;
};

struct End {
  const char* as_of;
  const char* status;
  int resolution_stage;
  int working_days;
  int calendar_days;
};

struct Script {
  std::string name;
  std::string procedure;
  std::vector<Step> steps;
  End end;
};

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

void verify(const ChallengeView& v, const Check& c, const Procedure& p) {
  INFO("as of " << c.as_of);
  CHECK(to_string(v.status) == c.status);
  CHECK(v.stage == c.stage);
  CHECK_FALSE(v.stage_name.empty());
  REQUIRE(p.stage(c.stage) != nullptr);
  CHECK(v.stage_name == p.stage(c.stage)->name);

  if (c.due) {
    REQUIRE(v.deadline.has_value());
    CHECK(parley::to_string(v.deadline->due_date) == c.due);
    // Day-based timescales end at the end of the UK local day.
    CHECK(v.deadline->due == parley::uk_end_of_day_utc_ms(*parley::parse_date(c.due)));
    if (c.due_at) CHECK(parley::format_utc(v.deadline->due) == parley::format_utc(T(c.due_at)));
    if (c.due_at) CHECK(v.deadline->due == T(c.due_at));
    CHECK(v.deadline->overdue == c.overdue);
    if (c.words) CHECK(v.deadline->words == c.words);
    if (c.measured_from) CHECK(v.deadline->measured_from == c.measured_from);
  } else {
    CHECK_FALSE(v.deadline.has_value());
  }
  CHECK(v.overdue == c.overdue);
  CHECK(v.deadline_pending.empty() == !c.pending);

  if (!c.done.empty() || !c.not_done.empty()) {
    std::set<std::string> expected = as_set(c.done), listed, notes;
    expected.insert(c.not_done.begin(), c.not_done.end());
    for (const auto& item : v.checklist) {
      listed.insert(item.id);
      if (item.notification) notes.insert(item.id);
      CHECK_FALSE(item.text.empty());
    }
    CHECK(listed == expected);
    CHECK(notes == as_set(c.notifications));
  }
  auto item = [&](const std::string& id) -> const parley::ChecklistItem* {
    for (const auto& i : v.checklist)
      if (i.id == id) return &i;
    return nullptr;
  };
  for (const auto& id : c.done) {
    INFO("checklist item " << id << " should be done");
    const auto* i = item(id);
    REQUIRE(i != nullptr);
    CHECK(i->done);
    CHECK_FALSE(i->done_by.empty());
  }
  for (const auto& id : c.not_done) {
    INFO("checklist item " << id << " should not be done");
    const auto* i = item(id);
    REQUIRE(i != nullptr);
    CHECK_FALSE(i->done);
    CHECK(i->done_by.empty());
  }
  for (const auto& d : c.item_deadlines) {
    INFO("deadline of checklist item " << d.item);
    const auto* i = item(d.item);
    REQUIRE(i != nullptr);
    REQUIRE(i->deadline.has_value());
    CHECK(parley::to_string(i->deadline->due_date) == d.due_date);
    CHECK(parley::format_utc(i->deadline->due) == parley::format_utc(T(d.due_at)));
    CHECK(i->deadline->due == T(d.due_at));
    CHECK(i->deadline->words == d.words);
    CHECK(i->deadline->overdue == d.overdue);
  }
  for (const auto& id : c.no_item_deadline) {
    INFO("checklist item " << id << " should have no deadline yet");
    const auto* i = item(id);
    REQUIRE(i != nullptr);
    CHECK_FALSE(i->deadline.has_value());
  }
  if (c.wd_at_stage >= 0) CHECK(v.working_days_at_stage == c.wd_at_stage);
  if (c.cd_at_stage >= 0) CHECK(v.calendar_days_at_stage == c.cd_at_stage);
}

struct RunResult {
  std::string id;
  std::map<int, std::string> due_by_stage;   // first deadline seen at each stage ("" = none)
  std::string procedure_digest;
};

// Runs a script against a fresh database and checks every step.
RunResult run(const Script& sc, const ProcedureLibrary& lib) {
  INFO("script: " << sc.name);
  const Procedure* p = lib.find(sc.procedure);
  REQUIRE(p != nullptr);
  REQUIRE(!sc.steps.empty());
  REQUIRE(sc.steps.front().kind == EventKind::ChallengeOpened);

  TempFile file("parley-procedures");
  Store store(file.path);
  FixedClock clock(T(sc.steps.front().at));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);

  RunResult result;
  std::int64_t written = 0;
  for (std::size_t n = 0; n < sc.steps.size(); ++n) {
    const Step& st = sc.steps[n];
    INFO("step " << n + 1 << ": " << parley::to_string(st.kind) << " at " << st.at);
    clock.set(T(st.at));
    if (st.kind == EventKind::ChallengeOpened) {
      result.id = engine.open(st.body, st.by, T(st.at));
      written += 1;
    } else if (st.rejected) {
      const auto events = store.event_count(), outbox = store.outbox_count();
      const auto heads = engine.state(result.id).heads;
      CHECK_THROWS_AS(engine.record(result.id, st.kind, st.body, st.by, T(st.at)), CommandError);
      CHECK(store.event_count() == events);
      CHECK(store.outbox_count() == outbox);
      CHECK(engine.state(result.id).heads == heads);
    } else {
      engine.record(result.id, st.kind, st.body, st.by, T(st.at));
      written += 1;
    }
    CHECK(store.event_count() == written);
    for (const auto& c : st.checks) {
      ChallengeView v = engine.view(result.id, T(c.as_of));
      verify(v, c, *p);
      if (!result.due_by_stage.count(v.stage))
        result.due_by_stage[v.stage] = v.deadline ? parley::to_string(v.deadline->due_date) : "";
    }
  }

  INFO("end of script, as of " << sc.end.as_of);
  ChallengeView v = engine.view(result.id, T(sc.end.as_of));
  CHECK(to_string(v.status) == sc.end.status);
  REQUIRE(v.state.resolution_stage.has_value());
  CHECK(*v.state.resolution_stage == sc.end.resolution_stage);
  REQUIRE(v.working_days_taken.has_value());
  REQUIRE(v.calendar_days_taken.has_value());
  CHECK(*v.working_days_taken == sc.end.working_days);
  CHECK(*v.calendar_days_taken == sc.end.calendar_days);
  CHECK_FALSE(v.overdue);
  CHECK_FALSE(v.state.needs_review());
  CHECK(v.state.procedure_digest == p->digest);
  result.procedure_digest = v.state.procedure_digest;
  // The list projection agrees with the derived view.
  auto row = store.challenge(result.id);
  REQUIRE(row.has_value());
  CHECK(to_string(row->status) == sc.end.status);
  CHECK(row->stage == v.stage);
  CHECK(row->event_count == written);
  CHECK(store.outbox_count() == written);
  return result;
}

// ---------------------------------------------------------------------------------------
// Shropshire (shropshire-sscp), shipped reading: cumulative working days from the
// challenge being raised (2, 4, 5, 7, 9).
//
// Raised Wed 24 Dec 2025 10:00 (GMT, so UTC = local). Counting working days after it
// (24 Dec itself never counts): Thu 25 Dec bank holiday, Fri 26 Dec bank holiday, Sat 27,
// Sun 28 weekend, Mon 29 Dec = 1, Tue 30 Dec = 2, Wed 31 Dec = 3, Thu 1 Jan bank holiday,
// Fri 2 Jan = 4, Sat 3 / Sun 4 weekend, Mon 5 Jan = 5, Tue 6 = 6, Wed 7 = 7, Thu 8 = 8,
// Fri 9 Jan = 9. So: stage 1 due Tue 30 Dec 2025, stage 2 Fri 2 Jan 2026, stage 3 Mon 5 Jan,
// stage 4 Wed 7 Jan, stage 5 Fri 9 Jan 2026. Each deadline is 23:59:59.999 GMT that day.
// Bank holidays between raising and each due date: 25, 26 Dec (stage 1); 25, 26 Dec and
// 1 Jan (stages 2 to 5). Outcome agreed Fri 9 Jan: working days taken (24 Dec, 9 Jan] = 9,
// calendar days 16.
// ---------------------------------------------------------------------------------------
const char* const kShropWords1 = "due Tue 30 Dec 2025 (2 working days; 25, 26 Dec are bank holidays)";

Script shropshire_script() {
  const std::vector<std::string> s2 = {"ascertain-facts", "discuss-with-equivalent-manager-stage-2",
                                       "confirm-agreement-in-writing-stage-2"};
  const std::vector<std::string> s3 = {"formal-escalation-email-stage-3", "review-records-stage-3",
                                       "discuss-with-equivalent-manager-stage-3",
                                       "confirm-agreement-in-writing-stage-3"};
  const std::vector<std::string> s4 = {"formal-escalation-email-stage-4", "review-all-information-stage-4",
                                       "discuss-with-equivalent-manager-stage-4",
                                       "confirm-agreement-in-writing-stage-4", "notify-business-unit-stage-4"};
  const std::vector<std::string> s5 = {"inform-director", "convene-meeting-of-agencies", "review-and-conclude",
                                       "confirm-decision-in-writing", "notify-business-unit-stage-5"};
  const char* raised = "the challenge being raised";
  return Script{
      "shropshire-sscp from Wed 24 Dec 2025 (cumulative timescales)",
      "shropshire-sscp",
      {
          {"2025-12-24T10:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("shropshire-sscp"), kPractitioner,
           {{.as_of = "2025-12-24T10:00:00Z", .stage = 1, .due = "2025-12-30", .due_at = "2025-12-30T23:59:59.999Z",
             .words = kShropWords1, .measured_from = raised, .not_done = {"raise-with-professional"},
             .wd_at_stage = 0, .cd_at_stage = 0}}},
          // Mon 29 Dec: the phone call with the other professional.
          {"2025-12-29T11:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner,
           {{.as_of = "2025-12-29T11:00:00Z", .stage = 1, .due = "2025-12-30", .words = kShropWords1,
             .done = {"raise-with-professional"}, .wd_at_stage = 1, .cd_at_stage = 5},
            // Last millisecond of Tue 30 Dec (GMT): not yet overdue; the next instant it is.
            {.as_of = "2025-12-30T23:59:59.999Z", .stage = 1, .due = "2025-12-30", .overdue = false,
             .done = {"raise-with-professional"}, .wd_at_stage = 2, .cd_at_stage = 6},
            {.as_of = "2025-12-31T00:00:00.000Z", .stage = 1, .due = "2025-12-30", .overdue = true,
             .done = {"raise-with-professional"}, .wd_at_stage = 3, .cd_at_stage = 7}}},
          // Wed 31 Dec: the line manager takes it to stage 2 (due Fri 2 Jan).
          {"2025-12-31T09:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2025-12-31T09:00:00Z", .stage = 2, .due = "2026-01-02", .due_at = "2026-01-02T23:59:59.999Z",
             .words = "due Fri 2 Jan 2026 (4 working days; 25, 26 Dec, 1 Jan are bank holidays)",
             .measured_from = raised, .not_done = s2, .wd_at_stage = 0, .cd_at_stage = 0}}},
          {"2025-12-31T14:00:00Z", EventKind::Comment, fulfils({"ascertain-facts"}), kManager,
           {{.as_of = "2025-12-31T14:00:00Z", .stage = 2, .due = "2026-01-02", .done = {"ascertain-facts"},
             .not_done = {s2[1], s2[2]}}}},
          // Fri 2 Jan: the manager emails the equivalent manager. Thu 1 Jan is not a working day.
          {"2026-01-02T10:00:00Z", EventKind::DiscussionRecorded, discussion("email"), kManager,
           {{.as_of = "2026-01-02T23:59:59.999Z", .stage = 2, .due = "2026-01-02", .overdue = false,
             .done = {s2[0], s2[1]}, .not_done = {s2[2]}, .wd_at_stage = 1, .cd_at_stage = 2},
            {.as_of = "2026-01-03T00:00:00.000Z", .stage = 2, .due = "2026-01-02", .overdue = true,
             .done = {s2[0], s2[1]}, .not_done = {s2[2]}}}},
          // Mon 5 Jan: formal escalation by the line manager (stage 3 is due the same day).
          {"2026-01-05T09:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2026-01-05T09:00:00Z", .stage = 3, .due = "2026-01-05", .due_at = "2026-01-05T23:59:59.999Z",
             .words = "due Mon 5 Jan 2026 (5 working days; 25, 26 Dec, 1 Jan are bank holidays)",
             .measured_from = raised, .not_done = s3}}},
          {"2026-01-05T10:00:00Z", EventKind::Comment, fulfils({s3[0], s3[1]}), kManager,
           {{.as_of = "2026-01-05T10:00:00Z", .stage = 3, .due = "2026-01-05", .done = {s3[0], s3[1]},
             .not_done = {s3[2], s3[3]}}}},
          {"2026-01-05T15:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kManager,
           {{.as_of = "2026-01-05T23:59:59.999Z", .stage = 3, .due = "2026-01-05", .overdue = false,
             .done = {s3[0], s3[1], s3[2]}, .not_done = {s3[3]}},
            {.as_of = "2026-01-06T00:00:00.000Z", .stage = 3, .due = "2026-01-05", .overdue = true,
             .done = {s3[0], s3[1], s3[2]}, .not_done = {s3[3]}}}},
          // Tue 6 Jan: senior manager (stage 4 due Wed 7 Jan). The business-unit
          // notification is on the checklist, as a notification item.
          {"2026-01-06T09:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-01-06T09:00:00Z", .stage = 4, .due = "2026-01-07", .due_at = "2026-01-07T23:59:59.999Z",
             .words = "due Wed 7 Jan 2026 (7 working days; 25, 26 Dec, 1 Jan are bank holidays)",
             .measured_from = raised, .not_done = s4, .notifications = {"notify-business-unit-stage-4"}}}},
          // A notification to another contact does not tick the business-unit item.
          {"2026-01-06T10:00:00Z", EventKind::NotificationSent, notification("emergency-services"), kSenior,
           {{.as_of = "2026-01-06T10:00:00Z", .stage = 4, .due = "2026-01-07", .not_done = s4,
             .notifications = {"notify-business-unit-stage-4"}}}},
          {"2026-01-06T11:00:00Z", EventKind::NotificationSent, notification("business-unit"), kSenior,
           {{.as_of = "2026-01-06T11:00:00Z", .stage = 4, .due = "2026-01-07", .done = {s4[4]},
             .not_done = {s4[0], s4[1], s4[2], s4[3]}, .notifications = {"notify-business-unit-stage-4"}}}},
          {"2026-01-06T12:00:00Z", EventKind::Comment, fulfils({s4[0], s4[1]}), kSenior},
          {"2026-01-07T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kSenior,
           {{.as_of = "2026-01-07T23:59:59.999Z", .stage = 4, .due = "2026-01-07", .overdue = false,
             .done = {s4[0], s4[1], s4[2], s4[4]}, .not_done = {s4[3]},
             .notifications = {"notify-business-unit-stage-4"}},
            {.as_of = "2026-01-08T00:00:00.000Z", .stage = 4, .due = "2026-01-07", .overdue = true,
             .done = {s4[0], s4[1], s4[2], s4[4]}, .not_done = {s4[3]},
             .notifications = {"notify-business-unit-stage-4"}}}},
          // Thu 8 Jan: Assistant Director (stage 5 due Fri 9 Jan). Stage 4's notification
          // does not tick stage 5's.
          {"2026-01-08T09:00:00Z", EventKind::Escalated, escalation(), kDirector,
           {{.as_of = "2026-01-08T09:00:00Z", .stage = 5, .due = "2026-01-09", .due_at = "2026-01-09T23:59:59.999Z",
             .words = "due Fri 9 Jan 2026 (9 working days; 25, 26 Dec, 1 Jan are bank holidays)",
             .measured_from = raised, .not_done = s5, .notifications = {"notify-business-unit-stage-5"}}}},
          // Stage 5 is the last: escalating again is refused and writes nothing.
          {"2026-01-08T09:30:00Z", EventKind::Escalated, escalation(), kDirector,
           {{.as_of = "2026-01-08T09:30:00Z", .stage = 5, .due = "2026-01-09", .not_done = s5,
             .notifications = {"notify-business-unit-stage-5"}}},
           true},
          {"2026-01-08T10:00:00Z", EventKind::Comment, fulfils({"inform-director"}), kDirector},
          // A phone call is not the meeting of relevant agencies stage 5 asks for.
          {"2026-01-08T11:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kDirector,
           {{.as_of = "2026-01-08T11:00:00Z", .stage = 5, .due = "2026-01-09", .done = {s5[0]},
             .not_done = {s5[1], s5[2], s5[3], s5[4]}, .notifications = {"notify-business-unit-stage-5"}}}},
          {"2026-01-08T12:00:00Z", EventKind::NotificationSent, notification("business-unit"), kDirector},
          {"2026-01-09T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting", true), kDirector,
           {{.as_of = "2026-01-09T10:00:00Z", .stage = 5, .due = "2026-01-09", .done = {s5[0], s5[1], s5[4]},
             .not_done = {s5[2], s5[3]}, .notifications = {"notify-business-unit-stage-5"}}}},
          // Fri 9 Jan 15:00: concluded. Resolved, so never overdue afterwards.
          {"2026-01-09T15:00:00Z", EventKind::OutcomeAgreed, outcome(), kDirector,
           {{.as_of = "2026-01-09T15:00:00Z", .stage = 5, .status = "resolved", .due = "2026-01-09",
             .done = {s5[0], s5[1], s5[2], s5[4]}, .not_done = {s5[3]},
             .notifications = {"notify-business-unit-stage-5"}},
            {.as_of = "2026-01-10T00:00:00.000Z", .stage = 5, .status = "resolved", .due = "2026-01-09",
             .overdue = false}}},
          {"2026-01-09T16:00:00Z", EventKind::FeedbackGiven, feedback(), kDirector,
           {{.as_of = "2026-01-09T16:00:00Z", .stage = 5, .status = "resolved", .due = "2026-01-09", .done = s5,
             .notifications = {"notify-business-unit-stage-5"}}}},
          {"2026-01-12T09:00:00Z", EventKind::Closed, closure(), kDirector,
           {{.as_of = "2026-01-12T09:00:00Z", .stage = 5, .status = "closed", .due = "2026-01-09", .done = s5,
             .notifications = {"notify-business-unit-stage-5"}}}},
      },
      {"2026-01-12T09:00:00Z", "closed", 5, 9, 16}};
}

// ---------------------------------------------------------------------------------------
// Shropshire with a Board override: every stage's timescale measured from the start of
// that stage ("from": {"type": "stage_started"}), same escalation dates as above.
//
// Stage 1 entered Wed 24 Dec: 2 working days -> Mon 29 (1), Tue 30 Dec (2): unchanged.
// Stage 2 entered Wed 31 Dec: Thu 1 Jan holiday, Fri 2 (1), Mon 5 (2), Tue 6 (3),
//   Wed 7 Jan (4) -> due Wed 7 Jan 2026 (shipped reading: Fri 2 Jan).
// Stage 3 entered Mon 5 Jan: Tue 6 (1), Wed 7, Thu 8, Fri 9, Mon 12 Jan (5) -> Mon 12 Jan
//   (shipped: Mon 5 Jan).
// Stage 4 entered Tue 6 Jan: Wed 7 (1) ... Fri 9 (3), Mon 12 (4) ... Thu 15 Jan (7) ->
//   Thu 15 Jan (shipped: Wed 7 Jan).
// Stage 5 entered Thu 8 Jan: Fri 9 (1), Mon 12-Fri 16 (2-6), Mon 19 (7), Tue 20 (8),
//   Wed 21 Jan (9) -> Wed 21 Jan 2026 (shipped: Fri 9 Jan).
// Outcome Thu 22 Jan: working days (24 Dec, 22 Jan] = 9 (to 9 Jan) + 12..16 (5) + 19..22
// (4) = 18; calendar days 29.
// ---------------------------------------------------------------------------------------
Script shropshire_per_stage_script() {
  return Script{
      "shropshire-sscp with a Board override: per-stage windows",
      "shropshire-sscp",
      {
          {"2025-12-24T10:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("shropshire-sscp"), kPractitioner,
           {{.as_of = "2025-12-24T10:00:00Z", .stage = 1, .due = "2025-12-30", .words = kShropWords1,
             .measured_from = "the start of stage 1"}}},
          {"2025-12-29T11:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {"2025-12-31T09:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2025-12-31T09:00:00Z", .stage = 2, .due = "2026-01-07",
             .words = "due Wed 7 Jan 2026 (4 working days; 1 Jan is a bank holiday)",
             .measured_from = "the start of stage 2"},
            // The shipped reading would be overdue here (due Fri 2 Jan); the window is not.
            {.as_of = "2026-01-03T00:00:00.000Z", .stage = 2, .due = "2026-01-07", .overdue = false}}},
          {"2026-01-05T09:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2026-01-05T09:00:00Z", .stage = 3, .due = "2026-01-12",
             .words = "due Mon 12 Jan 2026 (5 working days)", .measured_from = "the start of stage 3"}}},
          {"2026-01-06T09:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-01-06T09:00:00Z", .stage = 4, .due = "2026-01-15",
             .words = "due Thu 15 Jan 2026 (7 working days)", .measured_from = "the start of stage 4"},
            {.as_of = "2026-01-08T00:00:00.000Z", .stage = 4, .due = "2026-01-15", .overdue = false}}},
          // Stage 4 asks for the business unit to be notified before the challenge moves on.
          {"2026-01-07T09:00:00Z", EventKind::NotificationSent, notification("business-unit"), kSenior},
          {"2026-01-08T09:00:00Z", EventKind::Escalated, escalation(), kDirector,
           {{.as_of = "2026-01-08T09:00:00Z", .stage = 5, .due = "2026-01-21", .due_at = "2026-01-21T23:59:59.999Z",
             .words = "due Wed 21 Jan 2026 (9 working days)", .measured_from = "the start of stage 5"},
            {.as_of = "2026-01-21T23:59:59.999Z", .stage = 5, .due = "2026-01-21", .overdue = false},
            {.as_of = "2026-01-22T00:00:00.000Z", .stage = 5, .due = "2026-01-21", .overdue = true}}},
          {"2026-01-22T10:00:00Z", EventKind::OutcomeAgreed, outcome(), kDirector,
           {{.as_of = "2026-01-22T10:00:00Z", .stage = 5, .status = "resolved", .due = "2026-01-21",
             .overdue = false}}},
          // Stage 5's items were done outside Parley; closing with them open records why.
          {"2026-01-22T11:00:00Z", EventKind::Closed,
           Json{{"note", "Closed."}, {"override_reason", "Director informed and parties written to outside Parley."}},
           kDirector},
      },
      {"2026-01-22T11:00:00Z", "closed", 5, 18, 29}};
}

// ---------------------------------------------------------------------------------------
// Buckinghamshire (buckinghamshire-bsab) across Easter 2026: one working week (5 working
// days) from the start of stage 2, shared by stages 2 to 5; stage 1 has no deadline.
//
// Raised Tue 31 Mar 2026 10:00 BST (09:00 UTC). Stage 2 entered Thu 2 Apr 2026 10:00 BST.
// Counting 5 working days after Thu 2 Apr: Fri 3 Apr Good Friday, Sat 4, Sun 5 weekend,
// Mon 6 Apr Easter Monday, Tue 7 (1), Wed 8 (2), Thu 9 (3), Fri 10 (4), Mon 13 Apr (5).
// So the deadline is Mon 13 Apr 2026, not Fri 10 Apr (that is only the 4th working day).
// In BST the end of Mon 13 Apr is 23:59:59.999 BST = 22:59:59.999 UTC: overdue from
// 23:00:00 UTC. Outcome agreed Wed 15 Apr: working days (31 Mar, 15 Apr] = 1, 2 Apr (2) +
// 7-10 Apr (4) + 13-15 Apr (3) = 9; calendar days 15.
// ---------------------------------------------------------------------------------------
Script buckinghamshire_script() {
  const char* words = "due Mon 13 Apr 2026 (5 working days; 3, 6 Apr are bank holidays)";
  const char* from2 = "the start of stage 2";
  const std::vector<std::string> s5 = {"independent-chair-review", "outcome-conveyed-to-referrer",
                                       "refer-to-independent-chair"};
  const char* learn = "consider-review-and-learning";   // after resolution, at any stage
  const std::vector<std::string> n5 = {"refer-to-independent-chair"};
  return Script{
      "buckinghamshire-bsab across Easter 2026",
      "buckinghamshire-bsab",
      {
          {"2026-03-31T09:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("buckinghamshire-bsab"),
           kPractitioner,
           {{.as_of = "2026-03-31T09:00:00Z", .stage = 1, .due = nullptr, .not_done = {"professional-discussion"},
             .wd_at_stage = 0}}},
          {"2026-04-01T13:00:00Z", EventKind::DiscussionRecorded, discussion("face_to_face"), kPractitioner,
           {{.as_of = "2026-04-01T13:00:00Z", .stage = 1, .due = nullptr, .done = {"professional-discussion"},
             .wd_at_stage = 1, .cd_at_stage = 1}}},
          // Thu 2 Apr 10:00 BST: the process is initiated (stage 2).
          {"2026-04-02T09:00:00Z", EventKind::Escalated, escalation(), kPractitioner,
           {{.as_of = "2026-04-02T09:00:00Z", .stage = 2, .due = "2026-04-13", .due_at = "2026-04-13T22:59:59.999Z",
             .words = words, .measured_from = from2, .not_done = {"discuss-with-own-manager"}}}},
          {"2026-04-02T13:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager,
           {{.as_of = "2026-04-02T13:00:00Z", .stage = 2, .due = "2026-04-13", .done = {"discuss-with-own-manager"}}}},
          // Tue 7 Apr: same deadline at stage 3 (cumulative from stage 2). Easter does not
          // count as time at stage: as of Tue 7 Apr, 1 working day at stage 2 had passed.
          {"2026-04-07T08:00:00Z", EventKind::Escalated, escalation(), kLead,
           {{.as_of = "2026-04-07T08:00:00Z", .stage = 3, .due = "2026-04-13", .words = words, .measured_from = from2,
             .not_done = {"discuss-with-equivalent-post", "la-named-professional-advises-outcome"},
             .wd_at_stage = 0, .cd_at_stage = 0}}},
          {"2026-04-08T09:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kLead},
          // The LA named professional advises the outcome.
          {"2026-04-09T09:00:00Z", EventKind::FeedbackGiven, feedback(), kLead,
           {{.as_of = "2026-04-09T09:00:00Z", .stage = 3, .due = "2026-04-13",
             .done = {"discuss-with-equivalent-post", "la-named-professional-advises-outcome"}}}},
          {"2026-04-10T08:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-04-10T08:00:00Z", .stage = 4, .due = "2026-04-13", .words = words,
             .not_done = {"heads-of-service-resolve"}}}},
          {"2026-04-13T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kSenior,
           // 22:59:59.999 UTC is still Mon 13 Apr in BST; 23:00 UTC is Tue 14 Apr 00:00.
           {{.as_of = "2026-04-13T22:59:59.999Z", .stage = 4, .due = "2026-04-13", .overdue = false,
             .done = {"heads-of-service-resolve"}, .wd_at_stage = 1, .cd_at_stage = 3},
            {.as_of = "2026-04-13T23:00:00.000Z", .stage = 4, .due = "2026-04-13", .overdue = true,
             .done = {"heads-of-service-resolve"}, .wd_at_stage = 2, .cd_at_stage = 4}}},
          {"2026-04-14T08:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-04-14T08:00:00Z", .stage = 5, .due = "2026-04-13", .overdue = true, .words = words,
             .not_done = s5, .notifications = n5}}},
          // Stage 5 is the last.
          {"2026-04-14T08:30:00Z", EventKind::Escalated, escalation(), kSenior, {}, true},
          {"2026-04-14T09:00:00Z", EventKind::NotificationSent, notification("bsab-independent-chair"), kSenior,
           {{.as_of = "2026-04-14T09:00:00Z", .stage = 5, .due = "2026-04-13", .overdue = true,
             .done = {"refer-to-independent-chair"}, .not_done = {s5[0], s5[1]}, .notifications = n5}}},
          {"2026-04-15T09:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kBoard},
          // Once an outcome is agreed, at whatever stage, the learning prompt joins the list.
          {"2026-04-15T14:00:00Z", EventKind::OutcomeAgreed, outcome(), kSenior,
           {{.as_of = "2026-04-15T14:00:00Z", .stage = 5, .status = "resolved", .due = "2026-04-13", .overdue = false,
             .done = {s5[0], s5[2]}, .not_done = {s5[1], learn}, .notifications = n5}}},
          // The Independent Chair conveys the outcome to the referrer.
          {"2026-04-15T15:00:00Z", EventKind::FeedbackGiven, feedback(), kBoard},
          // Consider a review and disseminate learning, then close with nothing left open.
          {"2026-04-16T08:00:00Z", EventKind::LearningRecorded, learning(), kBoard,
           {{.as_of = "2026-04-16T08:00:00Z", .stage = 5, .status = "resolved", .due = "2026-04-13",
             .done = {s5[0], s5[1], s5[2], learn}, .notifications = n5}}},
          {"2026-04-16T09:00:00Z", EventKind::Closed, closure(), kSenior,
           {{.as_of = "2026-04-16T09:00:00Z", .stage = 5, .status = "closed", .due = "2026-04-13", .overdue = false,
             .done = {s5[0], s5[1], s5[2], learn}, .notifications = n5}}},
      },
      {"2026-04-17T09:00:00Z", "closed", 5, 9, 15}};
}

// ---------------------------------------------------------------------------------------
// Milton Keynes (milton-keynes-mktogether): calendar days and hours, across the start of
// BST (Sun 29 Mar 2026, 01:00 UTC).
//
// Raised Wed 18 Mar 2026 09:00 GMT. Stage 1: 7 calendar days from raising -> Wed 25 Mar
// 2026, ends 23:59:59.999 GMT. First stage-1 discussion (the initial professionals meeting)
// Fri 20 Mar 10:00 GMT; a second one on Mon 23 Mar does not move the anchor. Stage 3: 10
// calendar days from Fri 20 Mar -> Mon 30 Mar 2026, which is in BST: ends 23:59:59.999
// BST = 22:59:59.999 UTC. Heads of Service meet (first stage-3 discussion) Fri 27 Mar
// 14:00 GMT; feedback is due 48 elapsed hours later, Sun 29 Mar 14:00 UTC, which is 15:00
// BST because the clocks went forward in between. Outcome Fri 3 Apr 2026 (Good Friday):
// working days (18 Mar, 3 Apr] = 19, 20 (2) + 23-27 (5) + 30 Mar-2 Apr (4) = 11; calendar
// days 16.
// ---------------------------------------------------------------------------------------
Script milton_keynes_script() {
  const std::vector<std::string> s1 = {"professionals-meeting", "document-concerns-and-actions-stage-1"};
  const std::vector<std::string> s2 = {"discuss-with-line-manager", "document-concerns-and-actions-stage-2"};
  const std::vector<std::string> s4 = {"multi-agency-discussion", "chair-shares-outcome",
                                       "refer-to-assurance-board-chair"};
  const std::vector<std::string> n4 = {"refer-to-assurance-board-chair"};
  const char* s3words = "due Mon 30 Mar 2026 (10 days)";
  const char* s3from = "the first discussion recorded at stage 1";
  const char* fbwords = "due Sun 29 Mar 2026 15:00 (48 hours)";
  return Script{
      "milton-keynes-mktogether across the start of BST 2026",
      "milton-keynes-mktogether",
      {
          {"2026-03-18T09:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("milton-keynes-mktogether"),
           kPractitioner,
           {{.as_of = "2026-03-18T09:00:00Z", .stage = 1, .due = "2026-03-25", .due_at = "2026-03-25T23:59:59.999Z",
             .words = "due Wed 25 Mar 2026 (7 days)", .measured_from = "the challenge being raised",
             .not_done = s1}}},
          {"2026-03-20T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner,
           {{.as_of = "2026-03-20T10:00:00Z", .stage = 1, .due = "2026-03-25", .done = {s1[0]}, .not_done = {s1[1]}}}},
          {"2026-03-23T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kPractitioner},
          {"2026-03-23T11:00:00Z", EventKind::ActionAgreed, action(), kPractitioner,
           {{.as_of = "2026-03-25T23:59:59.999Z", .stage = 1, .due = "2026-03-25", .overdue = false, .done = s1,
             .cd_at_stage = 7},
            // The professionals meeting was held on Mon 23 Mar, within the 7 days: the
            // timescale is met, so the stage is not overdue after its due day.
            {.as_of = "2026-03-26T00:00:00.000Z", .stage = 1, .due = "2026-03-25", .overdue = false, .done = s1,
             .cd_at_stage = 8}}},
          // Stage 2 has no timescale of its own: no deadline, nothing pending.
          {"2026-03-26T09:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2026-03-26T09:00:00Z", .stage = 2, .due = nullptr, .not_done = s2}}},
          {"2026-03-26T11:00:00Z", EventKind::DiscussionRecorded, discussion("face_to_face"), kManager},
          {"2026-03-26T12:00:00Z", EventKind::ActionAgreed, action(), kManager,
           {{.as_of = "2026-03-26T12:00:00Z", .stage = 2, .due = nullptr, .done = s2}}},
          // Stage 3: due 10 days after the first stage-1 discussion (Fri 20 Mar).
          {"2026-03-27T09:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-03-27T09:00:00Z", .stage = 3, .due = "2026-03-30", .due_at = "2026-03-30T22:59:59.999Z",
             .words = s3words, .measured_from = s3from,
             .not_done = {"heads-of-service-meet", "feedback-to-raisers"},
             .no_item_deadline = {"feedback-to-raisers"}}}},
          // Fri 27 Mar 14:00 GMT: the Heads of Service meet.
          {"2026-03-27T14:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kSenior,
           {{.as_of = "2026-03-27T14:00:00Z", .stage = 3, .due = "2026-03-30", .done = {"heads-of-service-meet"},
             .not_done = {"feedback-to-raisers"},
             .item_deadlines = {{"feedback-to-raisers", "2026-03-29", "2026-03-29T14:00:00Z", fbwords, false}}},
            {.as_of = "2026-03-29T14:00:00.000Z", .stage = 3, .due = "2026-03-30",
             .item_deadlines = {{"feedback-to-raisers", "2026-03-29", "2026-03-29T14:00:00Z", fbwords, false}}},
            // An item past its own deadline does not make the stage overdue.
            {.as_of = "2026-03-29T14:00:00.001Z", .stage = 3, .due = "2026-03-30", .overdue = false,
             .item_deadlines = {{"feedback-to-raisers", "2026-03-29", "2026-03-29T14:00:00Z", fbwords, true}}},
            {.as_of = "2026-03-30T22:59:59.999Z", .stage = 3, .due = "2026-03-30", .overdue = false,
             .item_deadlines = {{"feedback-to-raisers", "2026-03-29", "2026-03-29T14:00:00Z", fbwords, true}}},
            // The Heads of Service met on Fri 27 Mar, within 10 days of the first meeting:
            // stage 3's timescale is met, so not overdue after its due day either.
            {.as_of = "2026-03-30T23:00:00.000Z", .stage = 3, .due = "2026-03-30", .overdue = false,
             .item_deadlines = {{"feedback-to-raisers", "2026-03-29", "2026-03-29T14:00:00Z", fbwords, true}}}}},
          // Feedback given (late): the item is done, so no longer overdue (its timescale
          // is recorded as not met: see the stage history tests).
          {"2026-03-31T09:00:00Z", EventKind::FeedbackGiven, feedback(), kSenior,
           {{.as_of = "2026-03-31T09:00:00Z", .stage = 3, .due = "2026-03-30", .overdue = false,
             .done = {"heads-of-service-meet", "feedback-to-raisers"},
             .item_deadlines = {{"feedback-to-raisers", "2026-03-29", "2026-03-29T14:00:00Z", fbwords, false}}}}},
          // Stage 4: the Assurance Board Chair, no timescale.
          {"2026-04-01T08:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-04-01T08:00:00Z", .stage = 4, .due = nullptr, .not_done = s4, .notifications = n4}}},
          {"2026-04-01T08:30:00Z", EventKind::Escalated, escalation(), kSenior, {}, true},
          {"2026-04-01T09:00:00Z", EventKind::NotificationSent, notification("assurance-board-chair"), kSenior,
           {{.as_of = "2026-04-01T09:00:00Z", .stage = 4, .due = nullptr, .done = {s4[2]}, .not_done = {s4[0], s4[1]},
             .notifications = n4}}},
          {"2026-04-02T09:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kBoard},
          {"2026-04-03T10:00:00Z", EventKind::OutcomeAgreed, outcome(), kSenior,
           {{.as_of = "2026-04-03T10:00:00Z", .stage = 4, .status = "resolved", .due = nullptr,
             .done = {s4[0], s4[2]}, .not_done = {s4[1]}, .notifications = n4}}},
          {"2026-04-03T11:00:00Z", EventKind::FeedbackGiven, feedback(), kBoard},
          {"2026-04-07T08:00:00Z", EventKind::Closed, closure(), kSenior,
           {{.as_of = "2026-04-07T08:00:00Z", .stage = 4, .status = "closed", .due = nullptr, .done = s4,
             .notifications = n4}}},
      },
      {"2026-04-07T08:00:00Z", "closed", 4, 11, 16}};
}

// Milton Keynes without a stage-1 discussion: stage 3's timescale waits for it (no date,
// a pending explanation instead). Raised Mon 1 Jun 2026 09:00 BST; feedback due 48 hours
// after the Heads of Service meet on Thu 4 Jun 10:00 BST -> Sat 6 Jun 10:00 BST.
// Outcome Fri 5 Jun: working days (1 Jun, 5 Jun] = 4, calendar days 4.
Script milton_keynes_pending_script() {
  return Script{
      "milton-keynes-mktogether with no stage-1 discussion",
      "milton-keynes-mktogether",
      {
          {"2026-06-01T08:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("milton-keynes-mktogether"),
           kPractitioner,
           {{.as_of = "2026-06-01T08:00:00Z", .stage = 1, .due = "2026-06-08", .due_at = "2026-06-08T22:59:59.999Z",
             .words = "due Mon 8 Jun 2026 (7 days)"}}},
          {"2026-06-02T08:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2026-06-02T08:00:00Z", .stage = 2, .due = nullptr, .pending = false}}},
          {"2026-06-03T08:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-06-03T08:00:00Z", .stage = 3, .due = nullptr, .pending = true,
             .not_done = {"heads-of-service-meet", "feedback-to-raisers"},
             .no_item_deadline = {"feedback-to-raisers"}},
            // Without a date it can never be overdue.
            {.as_of = "2026-12-31T12:00:00Z", .stage = 3, .due = nullptr, .overdue = false, .pending = true}}},
          {"2026-06-04T09:00:00Z", EventKind::DiscussionRecorded, discussion("video"), kSenior,
           {{.as_of = "2026-06-04T09:00:00Z", .stage = 3, .due = nullptr, .pending = true,
             .done = {"heads-of-service-meet"}, .not_done = {"feedback-to-raisers"},
             .item_deadlines = {{"feedback-to-raisers", "2026-06-06", "2026-06-06T09:00:00Z",
                                 "due Sat 6 Jun 2026 10:00 (48 hours)", false}}}}},
          {"2026-06-05T09:00:00Z", EventKind::OutcomeAgreed, outcome(), kSenior},
          {"2026-06-05T10:00:00Z", EventKind::FeedbackGiven, feedback(), kSenior,
           {{.as_of = "2026-06-05T10:00:00Z", .stage = 3, .status = "resolved", .due = nullptr, .pending = true,
             .done = {"heads-of-service-meet", "feedback-to-raisers"}}}},
          {"2026-06-05T11:00:00Z", EventKind::Closed, closure(), kSenior},
      },
      {"2026-06-05T11:00:00Z", "closed", 3, 4, 4}};
}

// ---------------------------------------------------------------------------------------
// Salford (salford-ssab): no timescale at any stage, so never a deadline and never
// overdue; time at stage is counted in working days, across the May 2026 bank holidays.
//
// Raised Thu 30 Apr 2026 10:00 BST. As of Thu 7 May: working days at stage 1 = Fri 1 May,
// (Mon 4 May bank holiday), Tue 5, Wed 6, Thu 7 = 4; calendar days 7. Stage 2 entered
// Thu 7 May: as of Tue 12 May, Fri 8, Mon 11, Tue 12 = 3 working days, 5 calendar days.
// Stage 3 entered Thu 21 May: as of Tue 26 May, Fri 22, (Mon 25 May bank holiday), Tue 26
// = 2; calendar days 5. Outcome Thu 4 Jun: working days (30 Apr, 4 Jun] = May's 21
// weekdays less 4 and 25 May (19) + 1-4 Jun (4) = 23; calendar days 35.
// ---------------------------------------------------------------------------------------
Script salford_script() {
  const std::vector<std::string> n4 = {"refer-to-ssab"};
  return Script{
      "salford-ssab across the May 2026 bank holidays",
      "salford-ssab",
      {
          {"2026-04-30T09:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("salford-ssab"), kPractitioner,
           {{.as_of = "2026-04-30T09:00:00Z", .stage = 1, .due = nullptr, .not_done = {"discuss-between-professionals"},
             .wd_at_stage = 0, .cd_at_stage = 0}}},
          {"2026-05-01T09:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner,
           {{.as_of = "2026-05-07T12:00:00Z", .stage = 1, .due = nullptr, .overdue = false,
             .done = {"discuss-between-professionals"}, .wd_at_stage = 4, .cd_at_stage = 7}}},
          {"2026-05-07T13:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2026-05-07T13:00:00Z", .stage = 2, .due = nullptr, .not_done = {"discuss-between-line-managers"},
             .wd_at_stage = 0, .cd_at_stage = 0}}},
          {"2026-05-12T08:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager,
           {{.as_of = "2026-05-12T08:00:00Z", .stage = 2, .due = nullptr, .done = {"discuss-between-line-managers"},
             .wd_at_stage = 3, .cd_at_stage = 5}}},
          {"2026-05-21T08:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-05-21T08:00:00Z", .stage = 3, .due = nullptr,
             .not_done = {"discuss-between-senior-managers"}}}},
          {"2026-05-26T08:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kSenior,
           {{.as_of = "2026-05-26T08:00:00Z", .stage = 3, .due = nullptr, .done = {"discuss-between-senior-managers"},
             .wd_at_stage = 2, .cd_at_stage = 5},
            // However long it takes, no deadline and never overdue.
            {.as_of = "2027-05-26T08:00:00Z", .stage = 3, .due = nullptr, .overdue = false, .pending = false}}},
          {"2026-05-28T08:00:00Z", EventKind::Escalated, escalation(), kSenior,
           {{.as_of = "2026-05-28T08:00:00Z", .stage = 4, .due = nullptr, .not_done = {"ssab-mediation", "refer-to-ssab"},
             .notifications = n4}}},
          {"2026-05-28T08:30:00Z", EventKind::Escalated, escalation(), kSenior, {}, true},
          {"2026-05-28T09:00:00Z", EventKind::NotificationSent, notification("ssab"), kSenior,
           {{.as_of = "2026-05-28T09:00:00Z", .stage = 4, .due = nullptr, .done = {"refer-to-ssab"},
             .not_done = {"ssab-mediation"}, .notifications = n4}}},
          // The Independent Chair mediates; the statutory agencies agree the outcome.
          {"2026-06-03T08:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kBoard},
          {"2026-06-04T08:00:00Z", EventKind::OutcomeAgreed, outcome(), kSenior,
           {{.as_of = "2026-06-04T08:00:00Z", .stage = 4, .status = "resolved", .due = nullptr,
             .done = {"ssab-mediation", "refer-to-ssab"}, .notifications = n4}}},
          {"2026-06-05T08:00:00Z", EventKind::Closed, closure(), kSenior},
      },
      {"2026-06-05T08:00:00Z", "closed", 4, 23, 35}};
}

// ---------------------------------------------------------------------------------------
// Bury (bury-sab): no timescales; across the Summer bank holiday, Mon 31 Aug 2026. The
// "record on the adult's electronic record" items are ticked only explicitly.
//
// Raised Thu 27 Aug 2026 09:00 BST. As of Tue 1 Sep: working days at step 1 = Fri 28 Aug,
// (Mon 31 Aug bank holiday), Tue 1 Sep = 2; calendar days 5. Outcome Wed 16 Sep: working
// days (27 Aug, 16 Sep] = 28 Aug (1) + 1-4 Sep (4) + 7-11 Sep (5) + 14-16 Sep (3) = 13;
// calendar days 20.
// ---------------------------------------------------------------------------------------
Script bury_script() {
  const std::vector<std::string> n4 = {"refer-to-board"};
  return Script{
      "bury-sab across the Summer bank holiday 2026",
      "bury-sab",
      {
          {"2026-08-27T08:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("bury-sab"), kPractitioner,
           {{.as_of = "2026-08-27T08:00:00Z", .stage = 1, .due = nullptr,
             .not_done = {"discuss-between-practitioners", "record-on-adult-record-step-1"}}}},
          // A discussion in Parley is not a record on the adult's electronic record.
          {"2026-08-28T08:00:00Z", EventKind::DiscussionRecorded, discussion("face_to_face"), kPractitioner,
           {{.as_of = "2026-08-28T08:00:00Z", .stage = 1, .due = nullptr, .done = {"discuss-between-practitioners"},
             .not_done = {"record-on-adult-record-step-1"}}}},
          {"2026-08-28T09:00:00Z", EventKind::Comment, fulfils({"record-on-adult-record-step-1"}), kPractitioner,
           {{.as_of = "2026-09-01T11:00:00Z", .stage = 1, .due = nullptr, .overdue = false,
             .done = {"discuss-between-practitioners", "record-on-adult-record-step-1"}, .wd_at_stage = 2,
             .cd_at_stage = 5}}},
          {"2026-09-01T12:00:00Z", EventKind::Escalated, escalation(), kManager,
           {{.as_of = "2026-09-01T12:00:00Z", .stage = 2, .due = nullptr,
             .not_done = {"share-with-line-managers", "agree-appropriate-action", "record-on-adult-record-step-2"}}}},
          // Ticking an item of another step is refused.
          {"2026-09-01T12:30:00Z", EventKind::Comment, fulfils({"record-on-adult-record-step-1"}), kManager, {}, true},
          {"2026-09-02T08:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager},
          {"2026-09-02T09:00:00Z", EventKind::ActionAgreed, action(), kManager},
          {"2026-09-02T10:00:00Z", EventKind::Comment, fulfils({"record-on-adult-record-step-2"}), kManager,
           {{.as_of = "2026-09-02T10:00:00Z", .stage = 2, .due = nullptr,
             .done = {"share-with-line-managers", "agree-appropriate-action", "record-on-adult-record-step-2"},
             .wd_at_stage = 1, .cd_at_stage = 1}}},
          {"2026-09-04T08:00:00Z", EventKind::Escalated, escalation(), kLead,
           {{.as_of = "2026-09-04T08:00:00Z", .stage = 3, .due = nullptr,
             .not_done = {"safeguarding-leads-seek-resolution", "record-on-adult-record-step-3"}}}},
          {"2026-09-08T08:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kLead},
          {"2026-09-08T09:00:00Z", EventKind::Comment, fulfils({"record-on-adult-record-step-3"}), kLead,
           {{.as_of = "2026-09-08T09:00:00Z", .stage = 3, .due = nullptr,
             .done = {"safeguarding-leads-seek-resolution", "record-on-adult-record-step-3"}, .wd_at_stage = 2,
             .cd_at_stage = 4}}},
          {"2026-09-10T08:00:00Z", EventKind::Escalated, escalation(), kLead,
           {{.as_of = "2026-09-10T08:00:00Z", .stage = 4, .due = nullptr,
             .not_done = {"board-mediation", "record-on-adult-record-step-4", "refer-to-board"},
             .notifications = n4}}},
          {"2026-09-10T08:30:00Z", EventKind::Escalated, escalation(), kLead, {}, true},
          {"2026-09-10T09:00:00Z", EventKind::NotificationSent, notification("safeguarding-adults-board"), kLead,
           {{.as_of = "2026-09-10T09:00:00Z", .stage = 4, .due = nullptr, .done = {"refer-to-board"},
             .not_done = {"board-mediation", "record-on-adult-record-step-4"}, .notifications = n4}}},
          {"2026-09-15T08:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kBoard},
          {"2026-09-16T08:00:00Z", EventKind::OutcomeAgreed, outcome(), kLead},
          {"2026-09-16T09:00:00Z", EventKind::Comment, fulfils({"record-on-adult-record-step-4"}), kLead,
           {{.as_of = "2026-09-16T09:00:00Z", .stage = 4, .status = "resolved", .due = nullptr,
             .done = {"board-mediation", "record-on-adult-record-step-4", "refer-to-board"}, .notifications = n4}}},
          {"2026-09-17T08:00:00Z", EventKind::Closed, closure(), kLead},
      },
      {"2026-09-17T08:00:00Z", "closed", 4, 13, 20}};
}

// The shipped Shropshire file with every stage's timescale measured from the start of
// that stage, as docs/procedures.md describes for a Board override.
Procedure shropshire_per_stage_override() {
  std::string_view text = parley::embedded_file("procedures/shropshire-sscp.json");
  REQUIRE_FALSE(text.empty());
  Json j = Json::parse(text);
  int changed = 0;
  for (auto& st : j["stages"])
    if (st["timescale"].is_object()) {
      st["timescale"]["from"] = Json{{"type", "stage_started"}};
      ++changed;
    }
  REQUIRE(changed == 5);
  bool reworded = false;
  for (auto& i : j["interpretations"])
    if (i["id"] == "cumulative-timescales") {
      i["decision"] = "Board override: each stage's figure is a window of working days counted from the start of "
                      "that stage.";
      reworded = true;
    }
  REQUIRE(reworded);
  return parley::parse_procedure(j.dump(2));
}

}  // namespace

TEST_CASE("each shipped procedure runs from raising to resolution", "[procedures]") {
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  const std::vector<Script> scripts = {salford_script(),       buckinghamshire_script(),       bury_script(),
                                       shropshire_script(),    milton_keynes_script(),        milton_keynes_pending_script()};
  std::set<std::string> covered;
  for (const auto& sc : scripts) {
    DYNAMIC_SECTION(sc.name) {
      run(sc, lib);
    }
    covered.insert(sc.procedure);
  }
  CHECK(covered == std::set<std::string>{"salford-ssab", "buckinghamshire-bsab", "bury-sab", "shropshire-sscp",
                                         "milton-keynes-mktogether"});
  CHECK(lib.all().size() == 5);
}

TEST_CASE("a Board override switching Shropshire to per-stage windows gives different due dates", "[procedures]") {
  const ProcedureLibrary shipped = ProcedureLibrary::builtin();
  ProcedureLibrary board = ProcedureLibrary::builtin();
  board.add(shropshire_per_stage_override());
  const Procedure* over = board.find("shropshire-sscp");
  REQUIRE(over != nullptr);
  CHECK(over->digest != shipped.find("shropshire-sscp")->digest);
  for (const auto& st : over->stages) {
    REQUIRE(st.timescale.has_value());
    CHECK(st.timescale->from.type == parley::TimescaleFrom::Type::StageStarted);
    CHECK(st.timescale->from.stage == 0);
  }
  // The shipped library is untouched by the override.
  CHECK(shipped.find("shropshire-sscp")->stages[1].timescale->from.type ==
        parley::TimescaleFrom::Type::ChallengeRaised);

  RunResult cumulative = run(shropshire_script(), shipped);
  RunResult windows = run(shropshire_per_stage_script(), board);
  CHECK(windows.procedure_digest == over->digest);
  const std::map<int, std::string> expected_cumulative = {
      {1, "2025-12-30"}, {2, "2026-01-02"}, {3, "2026-01-05"}, {4, "2026-01-07"}, {5, "2026-01-09"}};
  const std::map<int, std::string> expected_windows = {
      {1, "2025-12-30"}, {2, "2026-01-07"}, {3, "2026-01-12"}, {4, "2026-01-15"}, {5, "2026-01-21"}};
  CHECK(cumulative.due_by_stage == expected_cumulative);
  CHECK(windows.due_by_stage == expected_windows);
  for (int stage = 2; stage <= 5; ++stage) CHECK(cumulative.due_by_stage[stage] != windows.due_by_stage[stage]);
}

TEST_CASE("Shropshire stage 1 deadline words around Christmas 2025", "[procedures]") {
  // The product brief's example, and its neighbours. Opened on ... -> 2 working days:
  //   Mon 22 Dec: Tue 23 (1), Wed 24 (2)                    -> Wed 24 Dec, no holiday skipped
  //   Tue 23 Dec: Wed 24 (1), [25, 26 Dec, weekend], Mon 29 -> Mon 29 Dec
  //   Wed 24 Dec: [25, 26 Dec, weekend], Mon 29 (1), Tue 30 -> Tue 30 Dec (product example)
  //   Sat 27 Dec: counting starts Mon 29 (1), Tue 30 (2)    -> Tue 30 Dec, no holiday in (27, 30]
  struct Row {
    const char* opened;
    const char* due;
    const char* words;
  };
  const Row rows[] = {
      {"2025-12-22T09:00:00Z", "2025-12-24", "due Wed 24 Dec 2025 (2 working days)"},
      {"2025-12-23T16:30:00Z", "2025-12-29", "due Mon 29 Dec 2025 (2 working days; 25, 26 Dec are bank holidays)"},
      {"2025-12-24T00:00:00Z", "2025-12-30", kShropWords1},
      {"2025-12-24T23:59:00Z", "2025-12-30", kShropWords1},
      {"2025-12-27T11:00:00Z", "2025-12-30", "due Tue 30 Dec 2025 (2 working days)"},
  };
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  TempFile file("parley-procedures-words");
  Store store(file.path);
  FixedClock clock(T("2025-12-28T00:00:00Z"));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);
  for (const auto& r : rows) {
    INFO("opened " << r.opened);
    std::string id = engine.open(parley::test::open_body("shropshire-sscp"), kPractitioner, T(r.opened));
    ChallengeView v = engine.view(id, T(r.opened));
    CHECK(v.stage == 1);
    REQUIRE(v.deadline.has_value());
    CHECK(parley::to_string(v.deadline->due_date) == r.due);
    CHECK(v.deadline->words == r.words);
    CHECK_FALSE(v.deadline->overdue);
  }
}

TEST_CASE("Shropshire stage 4 lists the business-unit notification, done by a notification to it",
          "[procedures]") {
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  const Procedure& p = *lib.find("shropshire-sscp");
  TempFile file("parley-procedures-notify");
  Store store(file.path);
  FixedClock clock(T("2026-02-02T09:00:00Z"));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);
  std::string id = engine.open(parley::test::open_body("shropshire-sscp"), kPractitioner, T("2026-02-02T09:00:00Z"));
  for (const char* when : {"2026-02-03T09:00:00Z", "2026-02-04T09:00:00Z", "2026-02-05T09:00:00Z"}) {
    clock.set(T(when));
    engine.record(id, EventKind::Escalated, escalation(), kSenior, T(when));
  }
  auto item = [&](const ChallengeView& v) -> const parley::ChecklistItem* {
    for (const auto& i : v.checklist)
      if (i.id == "notify-business-unit-stage-4") return &i;
    return nullptr;
  };
  ChallengeView v = engine.view(id, T("2026-02-05T09:00:00Z"));
  REQUIRE(v.stage == 4);
  const auto* before = item(v);
  REQUIRE(before != nullptr);
  CHECK(before->notification);
  CHECK_FALSE(before->done);
  CHECK_FALSE(before->text.empty());
  // The item is the stage's notification to the business-unit contact.
  const parley::Contact* unit = p.contact("business-unit");
  REQUIRE(unit != nullptr);
  CHECK(unit->email == "sscpbusinessunit@shropshire.gov.uk");
  bool listed = false;
  for (const auto& ra : p.stage(4)->required_actions)
    if (ra.id == "notify-business-unit-stage-4") listed = ra.notify == "business-unit";
  CHECK(listed);

  clock.set(T("2026-02-05T10:00:00Z"));
  std::string sent = engine.record(id, EventKind::NotificationSent, notification("business-unit"), kSenior,
                                   T("2026-02-05T10:00:00Z"));
  v = engine.view(id, T("2026-02-05T10:00:00Z"));
  const auto* after = item(v);
  REQUIRE(after != nullptr);
  CHECK(after->done);
  CHECK(after->done_by == std::vector<std::string>{sent});
}

TEST_CASE("an at-risk challenge is flagged and sorted first, with the procedure's own timescales", "[procedures]") {
  struct Row {
    const char* procedure;
    bool has_expedite_rule;
  };
  const Row rows[] = {{"salford-ssab", false},
                      {"buckinghamshire-bsab", false},
                      {"bury-sab", false},
                      {"shropshire-sscp", true},
                      {"milton-keynes-mktogether", false}};
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.procedure) {
      CHECK(lib.find(r.procedure)->expedite_text.has_value() == r.has_expedite_rule);
      TempFile file("parley-procedures-expedite");
      Store store(file.path);
      FixedClock clock(T("2025-12-24T10:00:00Z"));
      IdSource ids(kSeed);
      Engine engine(store, lib, clock, ids);
      std::string standard = engine.open(parley::test::open_body(r.procedure), kPractitioner, T("2025-12-24T09:00:00Z"));
      Json body = parley::test::open_body(r.procedure);
      body["risk"] = "at_risk";
      std::string urgent = engine.open(body, kPractitioner, T("2025-12-24T10:00:00Z"));

      ChallengeView u = engine.view(urgent, T("2025-12-24T10:00:00Z"));
      ChallengeView s = engine.view(standard, T("2025-12-24T10:00:00Z"));
      CHECK(u.expedited);
      CHECK(u.state.risk == "at_risk");
      CHECK_FALSE(s.expedited);
      CHECK(s.state.risk == "standard");
      // No shorter expedited timescales are invented: same deadline day as a standard one.
      REQUIRE(u.deadline.has_value() == s.deadline.has_value());
      if (u.deadline) CHECK(u.deadline->due_date == s.deadline->due_date);
      // Flagged in the list and sorted first, although opened later.
      auto rows_ = store.challenges();
      REQUIRE(rows_.size() == 2);
      CHECK(rows_[0].id == urgent);
      CHECK(rows_[0].expedited);
      CHECK_FALSE(rows_[1].expedited);

      // Expediting later flags a standard challenge; a second time is refused.
      engine.record(standard, EventKind::Expedited, Json{{"reason", "The adult is now at risk of harm."}}, kManager,
                    T("2025-12-24T10:00:00Z"));
      CHECK(engine.view(standard, T("2025-12-24T10:00:00Z")).expedited);
      CHECK(store.challenge(standard)->expedited);
      const auto count = store.event_count();
      CHECK_THROWS_AS(engine.record(standard, EventKind::Expedited, Json{{"reason", "Again."}}, kManager,
                                    T("2025-12-24T10:00:00Z")),
                      CommandError);
      CHECK(store.event_count() == count);
    }
  }
}

TEST_CASE("imminent risk: the Board's emergency guidance is recorded as shown, with its contacts", "[procedures]") {
  struct Row {
    const char* procedure;
    std::vector<std::string> contacts;
    std::map<std::string, std::string> phones;   // contact id -> phone shown
  };
  const std::vector<Row> rows = {
      {"salford-ssab",
       {"emergency-services", "adult-social-care-contact-team"},
       {{"emergency-services", "999"}, {"adult-social-care-contact-team", "0161 206 0604"}}},
      {"buckinghamshire-bsab", {"emergency-services", "la-safeguarding-adults-team"}, {{"emergency-services", "999"}}},
      {"bury-sab", {"emergency-services", "safeguarding-adults-referral"}, {{"emergency-services", "999"}}},
      {"shropshire-sscp", {"emergency-services"}, {{"emergency-services", "999"}}},
      {"milton-keynes-mktogether", {"emergency-services", "mash", "adults-at-risk"}, {{"emergency-services", "999"}}},
  };
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.procedure) {
      const Procedure& p = *lib.find(r.procedure);
      CHECK(p.emergency.contacts == r.contacts);
      TempFile file("parley-procedures-imminent");
      Store store(file.path);
      FixedClock clock(T("2026-02-10T10:00:00Z"));
      IdSource ids(kSeed);
      Engine engine(store, lib, clock, ids);

      // Not answered: refused, nothing written.
      Json unanswered = parley::test::open_body(r.procedure);
      unanswered.erase("imminent_risk");
      CHECK_THROWS_AS(engine.open(unanswered, kPractitioner, T("2026-02-10T10:00:00Z")), CommandError);
      CHECK(store.event_count() == 0);

      // Answered no: no guidance event.
      std::string no = engine.open(parley::test::open_body(r.procedure, false), kPractitioner, T("2026-02-10T10:00:00Z"));
      CHECK(store.event_count() == 1);
      CHECK_FALSE(engine.state(no).imminent_risk_guidance_shown);

      // Answered yes: the guidance and the procedure's contacts are recorded as shown.
      std::string yes = engine.open(parley::test::open_body(r.procedure, true), kPractitioner, T("2026-02-10T10:00:00Z"));
      CHECK(store.event_count() == 3);
      auto s = engine.state(yes);
      CHECK(s.imminent_risk_guidance_shown);
      REQUIRE(s.events.size() == 2);
      const parley::Event* shown = nullptr;
      for (const auto& e : s.events)
        if (e.kind == EventKind::ImminentRiskGuidanceShown) shown = &e;
      REQUIRE(shown != nullptr);
      CHECK(shown->at == T("2026-02-10T10:00:00Z"));
      CHECK(shown->body.value("guidance", "") == p.emergency.text);
      CHECK(shown->body.value("acknowledged", false));
      REQUIRE(shown->body["contacts"].is_array());
      std::vector<std::string> ids_shown;
      for (const auto& c : shown->body["contacts"]) {
        ids_shown.push_back(c.value("id", ""));
        CHECK_FALSE(c.value("label", "").empty());
        auto phone = r.phones.find(c.value("id", ""));
        if (phone != r.phones.end()) CHECK(c.value("phone", "") == phone->second);
      }
      CHECK(ids_shown == r.contacts);
      // The challenge itself is unaffected: stage 1, open.
      ChallengeView v = engine.view(yes, T("2026-02-10T10:00:00Z"));
      CHECK(v.stage == 1);
      CHECK(v.status == parley::Status::Open);
    }
  }
}

TEST_CASE("escalating past the last stage is refused and writes nothing", "[procedures]") {
  struct Row {
    const char* procedure;
    int last_stage;
  };
  const Row rows[] = {{"salford-ssab", 4},
                      {"buckinghamshire-bsab", 5},
                      {"bury-sab", 4},
                      {"shropshire-sscp", 5},
                      {"milton-keynes-mktogether", 4}};
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.procedure) {
      CHECK(lib.find(r.procedure)->last_stage() == r.last_stage);
      TempFile file("parley-procedures-last");
      Store store(file.path);
      FixedClock clock(T("2026-03-02T09:00:00Z"));
      IdSource ids(kSeed);
      Engine engine(store, lib, clock, ids);
      std::string id = engine.open(parley::test::open_body(r.procedure), kPractitioner, T("2026-03-02T09:00:00Z"));
      Json up = escalation();
      up["override_reason"] = "The stage's notification was sent by email outside Parley.";
      for (int stage = 1; stage < r.last_stage; ++stage)
        engine.record(id, EventKind::Escalated, up, kSenior, T("2026-03-02T10:00:00Z"));
      REQUIRE(engine.view(id, T("2026-03-02T10:00:00Z")).stage == r.last_stage);

      const auto events = store.event_count(), outbox = store.outbox_count();
      const auto row = store.challenge(id);
      CHECK_THROWS_AS(engine.record(id, EventKind::Escalated, escalation(), kSenior, T("2026-03-02T11:00:00Z")),
                      CommandError);
      CHECK(store.event_count() == events);
      CHECK(store.outbox_count() == outbox);
      CHECK(store.challenge(id)->event_count == row->event_count);
      CHECK(store.challenge(id)->stage == r.last_stage);
      CHECK(engine.view(id, T("2026-03-02T11:00:00Z")).stage == r.last_stage);
    }
  }
}

TEST_CASE("Buckinghamshire: a best-interests dispute goes to the Court of Protection and closes without an outcome",
          "[procedures]") {
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  const Procedure& p = *lib.find("buckinghamshire-bsab");
  bool has_route = false;
  for (const auto& route : p.routes)
    if (route.id == "court-of-protection")
      has_route = route.kind == "court_of_protection" && route.available_from_stage == 1;
  CHECK(has_route);

  TempFile file("parley-procedures-cop");
  Store store(file.path);
  FixedClock clock(T("2026-04-20T08:00:00Z"));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);
  Json body = parley::test::open_body("buckinghamshire-bsab");
  body["subject"]["lacks_capacity"] = true;
  body["category"] = "best_interests_decision";

  // Mon 20 Apr 2026 09:00 BST raised; Tue 21 Apr stage 2 (due 5 working days later: Wed 22,
  // Thu 23, Fri 24, Mon 27, Tue 28 Apr).
  struct Row {
    const char* at;
    EventKind kind;
    Json body;
  };
  const std::vector<Row> script = {
      {"2026-04-20T09:00:00Z", EventKind::DiscussionRecorded, discussion("meeting")},
      {"2026-04-21T08:00:00Z", EventKind::Escalated, escalation()},
      {"2026-04-22T08:00:00Z", EventKind::Referred, referral("mca_best_interests")},
      {"2026-04-23T08:00:00Z", EventKind::Referred, referral("court_of_protection")},
  };
  std::string id = engine.open(body, kPractitioner, T("2026-04-20T08:00:00Z"));
  for (const auto& row : script) {
    clock.set(T(row.at));
    engine.record(id, row.kind, row.body, kManager, T(row.at));
  }
  ChallengeView v = engine.view(id, T("2026-04-23T08:00:00Z"));
  // A referral does not close the challenge by itself.
  CHECK(v.status == parley::Status::Open);
  CHECK(v.stage == 2);
  CHECK(v.state.referrals == std::vector<std::string>{"mca_best_interests", "court_of_protection"});
  REQUIRE(v.deadline.has_value());
  CHECK(parley::to_string(v.deadline->due_date) == "2026-04-28");

  // An unknown route is refused.
  auto count = store.event_count();
  CHECK_THROWS_AS(engine.record(id, EventKind::Referred, referral("high_court"), kManager, T("2026-04-23T09:00:00Z")),
                  CommandError);
  CHECK(store.event_count() == count);

  // The subject lacks capacity: the MCA chapter 15 and Court of Protection routes are offered first.
  std::vector<std::string> suggested;
  for (const auto& offer : v.routes)
    if (offer.suggested) suggested.push_back(offer.route->kind);
  CHECK(suggested == std::vector<std::string>{"mca_best_interests", "court_of_protection"});

  clock.set(T("2026-04-24T08:00:00Z"));
  Json close = closure();
  close["override_reason"] = "Referred to the Court of Protection: the stage's discussion is for the court now.";
  engine.record(id, EventKind::Closed, close, kManager, T("2026-04-24T08:00:00Z"));
  v = engine.view(id, T("2026-04-30T12:00:00Z"));
  CHECK(v.status == parley::Status::Closed);
  CHECK_FALSE(v.state.outcome_recorded);
  REQUIRE(v.state.resolution_stage.has_value());
  CHECK(*v.state.resolution_stage == 2);
  // Past the stage deadline (Tue 28 Apr), but closed: not overdue.
  CHECK_FALSE(v.overdue);
  // Time taken runs to the closure: Tue 21 - Fri 24 Apr = 4 working days, 4 calendar days.
  CHECK(v.working_days_taken == 4);
  CHECK(v.calendar_days_taken == 4);
  CHECK(store.challenge(id)->status == parley::Status::Closed);

  // Without an outcome or a referral, closing is refused and writes nothing.
  std::string other = engine.open(parley::test::open_body("buckinghamshire-bsab"), kPractitioner,
                                   T("2026-04-24T08:00:00Z"));
  count = store.event_count();
  CHECK_THROWS_AS(engine.record(other, EventKind::Closed, closure(), kManager, T("2026-04-24T08:00:00Z")),
                  CommandError);
  CHECK(store.event_count() == count);
  CHECK(engine.view(other, T("2026-04-24T08:00:00Z")).status == parley::Status::Open);
}
