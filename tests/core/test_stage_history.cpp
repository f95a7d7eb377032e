// tests/core/test_stage_history.cpp — a challenge's stage history and timescales
// (core/history.h), read "as of" moments before, between and after its events.
//
// Model: each scenario takes a challenge under one shipped procedure from raising to
// resolution or closure through the real Engine on a real SQLite file, then looks at it
// with Engine::view_as_of (only the events whose stated time is not after the moment), as
// `challenge show --as-of` does. A look checks every stage reached (number, entered and
// left, how it was left, its deadline as an exact UTC instant, met true / false / null,
// when it was met, working and calendar days at it, sometimes its words), every timescale
// of the challenge (ids in order, due, done, met, overdue) and whether the challenge
// missed a timescale; the same through to_json. After closure the numbers must not move
// however late one looks, and before raising there is nothing to look at.
//
// Dates were counted by hand and checked with `tools/parley deadline` and
// `tools/parley calendar add-working-days`. England and Wales bank holidays used:
// Fri 25 Dec 2026 (Christmas Day), Mon 28 Dec 2026 (Boxing Day, substitute day: 26 Dec is
// a Saturday), Fri 1 Jan 2027, Mon 31 May 2027 (Spring bank holiday), and in 2026 Mon 4 May
// and Mon 31 Aug. BST: 29 Mar to 25 Oct 2026, 28 Mar to 31 Oct 2027 (UK local time is
// UTC + 1 then, so a day-based deadline ends at 22:59:59.999 UTC). All times in the
// tables are UTC; comments give UK local time where it differs.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

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
using parley::ProcedureLibrary;
using parley::Store;
using parley::test::TempFile;

namespace {

constexpr std::uint64_t kSeed = 20270104;

std::int64_t T(const std::string& time) { return parley::test::at(time); }

const char* const kCouncil = "Northshire Council Adult Social Care";
const char* const kTrust = "Northshire Community Health NHS Trust";
const Author kPractitioner = parley::test::practitioner();
const Author kManager{"Pat Manager", "Team Manager", kCouncil, "line_manager"};
const Author kLead{"Lee Lead", "Named Professional for Safeguarding", kTrust, "safeguarding_lead"};
const Author kSenior{"Kim Senior", "Head of Service", kCouncil, "senior_manager"};
const Author kDirector{"Dee Director", "Assistant Director", kCouncil, "director"};
const Author kBoard{"Bo Board", "Business Unit Manager", "Northshire Safeguarding Partnership", "board"};

Json discussion(const char* method) {
  return Json{{"with", Json::array({Json{{"name", "Jo Sample"}, {"job_title", "Community Nurse"}, {"agency", kTrust}}})},
              {"method", method},
              {"summary", "Discussed the closed referral."},
              {"agreed", false}};
}
Json escalation() { return Json{{"reason", "Not resolved at this stage"}, {"tried", "Discussion, views shared"}}; }
Json outcome() { return Json{{"outcome", "Care review reopened; joint visit agreed."}}; }
Json feedback() { return Json{{"to", "Sam Example"}, {"summary", "Outcome explained."}}; }
Json action() { return Json{{"description", "Share the care plan"}, {"owner", "Pat Manager"}}; }
Json fulfils(std::vector<std::string> ids) { return Json{{"text", "Done outside Parley."}, {"fulfils", ids}}; }
Json notify(const char* to) { return Json{{"to", to}, {"reason", "The procedure asks for it."}}; }
Json learning() { return Json{{"review", "none"}, {"lessons", "Close referrals only after contact."}}; }
Json closure() { return Json{{"reason", "Resolved."}}; }

// ---------------------------------------------------------------------------------------
// The table format.

enum class Met { Null, Yes, No };

const char* words_of(Met m) { return m == Met::Null ? "null" : m == Met::Yes ? "true" : "false"; }
bool same(const std::optional<bool>& got, Met want) {
  return want == Met::Null ? !got.has_value() : got.has_value() && *got == (want == Met::Yes);
}

struct StageExp {
  int number = 0;
  const char* entered = nullptr;
  const char* left = nullptr;     // nullptr: still at it
  const char* how = "";           // "escalated", "resolved", "closed"; "" while at it
  const char* due = nullptr;      // exact UTC instant; nullptr: no deadline
  Met met = Met::Null;
  const char* met_at = nullptr;   // nullptr: none
  int wd = -1, cd = -1;           // -1: not checked
  const char* words = nullptr;    // exact; nullptr: not checked
};

struct TsExp {
  const char* id = nullptr;
  const char* due = nullptr;      // exact UTC instant; nullptr: no deadline (none, or start not recorded)
  const char* done_at = nullptr;
  Met met = Met::Null;
  bool overdue = false;
  const char* words = nullptr;
};

struct Look {
  const char* as_of = nullptr;
  const char* status = "open";
  int stage = 0;
  std::vector<StageExp> stages = {};
  std::vector<TsExp> timescales = {};   // every timescale, in order
  bool missed = false;
  bool overdue = false;                 // the current stage's deadline
};

struct Step {
  const char* at;
  EventKind kind;
  Json body;
  Author by;
};

struct Scenario {
  std::string name;
  std::string procedure;
  std::vector<Step> steps;
  std::vector<Look> looks;
  const char* not_raised;   // a moment before raising: view_as_of throws
  const char* long_after;   // long after the end: compared with the last look
};

std::string fmt(const std::optional<std::int64_t>& t) { return t ? parley::format_utc(*t) : "none"; }
std::string fmt(const char* t) { return t ? parley::format_utc(T(t)) : "none"; }

Json met_json(Met m) { return m == Met::Null ? Json(nullptr) : Json(m == Met::Yes); }

void verify(const ChallengeView& v, const Look& look) {
  INFO("as of " << look.as_of);
  CHECK(to_string(v.status) == std::string(look.status));
  CHECK(v.stage == look.stage);
  CHECK(v.missed_timescale == look.missed);
  CHECK(v.overdue == look.overdue);
  const Json j = to_json(v);
  CHECK(j["missed_timescale"] == look.missed);

  REQUIRE(v.stage_history.size() == look.stages.size());
  REQUIRE(j["stages"].size() == look.stages.size());
  for (std::size_t i = 0; i < look.stages.size(); ++i) {
    const auto& want = look.stages[i];
    const auto& got = v.stage_history[i];
    const Json& js = j["stages"][i];
    INFO("stage record " << i << " (stage " << want.number << "): " << got.words);
    CHECK(got.number == want.number);
    CHECK_FALSE(got.name.empty());
    CHECK(parley::format_utc(got.entered_at) == fmt(want.entered));
    CHECK(got.entered_at == T(want.entered));
    CHECK(fmt(got.left_at) == fmt(want.left));
    if (want.left) CHECK(got.left_at == T(want.left));
    CHECK(got.left_how == want.how);
    CHECK(got.deadline.has_value() == (want.due != nullptr));
    if (got.deadline && want.due) CHECK(parley::format_utc(got.deadline->due) == fmt(want.due));
    if (got.deadline && want.due) CHECK(got.deadline->due == T(want.due));
    INFO("met: " << (got.met ? (*got.met ? "true" : "false") : "null") << ", expected " << words_of(want.met));
    CHECK(same(got.met, want.met));
    CHECK(fmt(got.met_at) == fmt(want.met_at));
    if (want.wd >= 0) CHECK(got.working_days == want.wd);
    if (want.cd >= 0) CHECK(got.calendar_days == want.cd);
    if (want.words) CHECK(got.words == want.words);
    // The same in JSON (`challenge show --json`).
    CHECK(js["number"] == want.number);
    CHECK(js["entered_at"] == fmt(want.entered));
    CHECK(js["left_at"] == (want.left ? Json(fmt(want.left)) : Json(nullptr)));
    CHECK(js["left_how"] == (*want.how ? Json(want.how) : Json(nullptr)));
    CHECK(js["met"] == met_json(want.met));
    CHECK(js["deadline"].is_null() == (want.due == nullptr));
    if (want.due && js["deadline"].is_object()) CHECK(js["deadline"]["due"] == fmt(want.due));
    CHECK(js["current"] == (i + 1 == look.stages.size() && !want.left));
    CHECK(js["words"] == got.words);
  }

  std::vector<std::string> ids, want_ids;
  for (const auto& t : v.timescales) ids.push_back(t.id);
  for (const auto& t : look.timescales) want_ids.push_back(t.id);
  REQUIRE(ids == want_ids);
  REQUIRE(j["timescales"].size() == want_ids.size());
  for (std::size_t i = 0; i < look.timescales.size(); ++i) {
    const auto& want = look.timescales[i];
    const auto& got = v.timescales[i];
    const Json& jt = j["timescales"][i];
    INFO("timescale " << want.id << ": " << got.words);
    CHECK(got.deadline.has_value() == (want.due != nullptr));
    if (got.deadline && want.due) CHECK(got.deadline->due == T(want.due));
    CHECK(fmt(got.done_at) == fmt(want.done_at));
    INFO("met: " << (got.met ? (*got.met ? "true" : "false") : "null") << ", expected " << words_of(want.met));
    CHECK(same(got.met, want.met));
    CHECK((got.deadline && got.deadline->overdue) == want.overdue);
    if (want.words) CHECK(got.words == want.words);
    CHECK_FALSE(got.label.empty());
    CHECK(jt["id"] == want.id);
    CHECK(jt["due"] == (want.due ? Json(fmt(want.due)) : Json(nullptr)));
    CHECK(jt["done_at"] == (want.done_at ? Json(fmt(want.done_at)) : Json(nullptr)));
    CHECK(jt["met"] == met_json(want.met));
    CHECK(jt["overdue"] == want.overdue);
  }
}

// What must not move once the challenge is over, however late one looks.
std::string frozen(const ChallengeView& v) {
  std::string s = std::string(to_string(v.status)) + " stage " + std::to_string(v.stage) + " at stage " +
                  std::to_string(v.working_days_at_stage) + "/" + std::to_string(v.calendar_days_at_stage) + " taken " +
                  (v.working_days_taken ? std::to_string(*v.working_days_taken) : "-") + "/" +
                  (v.calendar_days_taken ? std::to_string(*v.calendar_days_taken) : "-") + "\n";
  for (const auto& r : v.stage_history)
    s += std::to_string(r.number) + ": " + std::to_string(r.working_days) + "/" + std::to_string(r.calendar_days) + " " +
         (r.met ? (*r.met ? "met" : "not met") : "null") + " " + r.words + "\n";
  for (const auto& t : v.timescales)
    s += t.id + ": " + (t.met ? (*t.met ? "met" : "not met") : "null") + " " + t.words + "\n";
  return s;
}

void run(const Scenario& sc, const ProcedureLibrary& lib) {
  INFO("scenario: " << sc.name);
  REQUIRE(sc.steps.front().kind == EventKind::ChallengeOpened);
  TempFile file("parley-stage-history");
  Store store(file.path);
  FixedClock clock(T(sc.steps.front().at));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);

  std::string id;
  for (std::size_t n = 0; n < sc.steps.size(); ++n) {
    const Step& st = sc.steps[n];
    INFO("step " << n + 1 << ": " << parley::to_string(st.kind) << " at " << st.at);
    clock.set(T(st.at));
    if (st.kind == EventKind::ChallengeOpened) id = engine.open(st.body, st.by, T(st.at));
    else REQUIRE_NOTHROW(engine.record(id, st.kind, st.body, st.by, T(st.at)));
  }
  const std::int64_t last = T(sc.steps.back().at);
  clock.set(T(sc.long_after));

  // Before it was raised there is nothing to show.
  CHECK_THROWS_AS(engine.view_as_of(id, T(sc.not_raised)), CommandError);

  for (const auto& look : sc.looks) {
    ChallengeView v = engine.view_as_of(id, T(look.as_of));
    verify(v, look);
    // Once every event has happened, the full view says the same as the view as of then.
    if (T(look.as_of) >= last) CHECK(frozen(engine.view(id, T(look.as_of))) == frozen(v));
  }

  // Time at each stage and since raising stop at the end: a year on, nothing has moved.
  INFO("long after: " << sc.long_after);
  const ChallengeView end = engine.view_as_of(id, T(sc.looks.back().as_of));
  const ChallengeView later = engine.view_as_of(id, T(sc.long_after));
  CHECK(frozen(later) == frozen(end));
  CHECK(frozen(engine.view(id, T(sc.long_after))) == frozen(end));
  CHECK(later.missed_timescale == end.missed_timescale);
  CHECK_FALSE(later.overdue);
}

Step open_by(const char* at, const std::string& procedure) {
  return {at, EventKind::ChallengeOpened, parley::test::open_body(procedure), kPractitioner};
}

// ---------------------------------------------------------------------------------------
// Shropshire (shropshire-sscp): cumulative working days from raising (2, 4, 5, 7, 9).
//
// The issue's example. Raised Wed 23 Dec 2026 10:00 (GMT). Working days after it:
// Thu 24 Dec (1), [Fri 25 Dec Christmas Day, Sat 26, Sun 27, Mon 28 Dec Boxing Day
// substitute], Tue 29 (2), Wed 30 (3), Thu 31 Dec (4), [Fri 1 Jan, Sat 2, Sun 3],
// Mon 4 Jan (5), Tue 5 (6), Wed 6 (7), Thu 7 (8), Fri 8 Jan 2027 (9). So stage 1 is due
// Tue 29 Dec, stage 2 Thu 31 Dec, stage 3 Mon 4 Jan, stage 4 Wed 6 Jan, stage 5 and the
// challenge Fri 8 Jan 2027. Stage 3 is escalated on Tue 5 Jan and stage 4 on Thu 7 Jan:
// both a day late, so both not met. (Mon 28 Dec 2026 cannot be the day of raising for
// these dates: it is a bank holiday, and from it stage 3 would be due Tue 5 Jan.)
// Days at each stage, (entered, left]: stage 1 (23, 29 Dec] 2 working / 6 calendar;
// stage 2 (29, 31 Dec] 2 / 2; stage 3 (31 Dec, 5 Jan] 2 / 5; stage 4 (5, 7 Jan] 2 / 2;
// stage 5 (7, 8 Jan] 1 / 1. The whole: (23 Dec, 8 Jan] 9 working days, 16 calendar days.
// ---------------------------------------------------------------------------------------
const char* const kSh1 = "2026-12-29T23:59:59.999Z";
const char* const kSh2 = "2026-12-31T23:59:59.999Z";
const char* const kSh3 = "2027-01-04T23:59:59.999Z";
const char* const kSh4 = "2027-01-06T23:59:59.999Z";
const char* const kSh5 = "2027-01-08T23:59:59.999Z";

Scenario shropshire_issue_dates() {
  const char* raised = "2026-12-23T10:00:00Z";
  const char* e2 = "2026-12-29T09:00:00Z";
  const char* e3 = "2026-12-31T15:00:00Z";
  const char* e4 = "2027-01-05T09:00:00Z";
  const char* e5 = "2027-01-07T09:00:00Z";
  const char* agreed = "2027-01-08T14:00:00Z";
  const StageExp s1_done{1, raised, e2, "escalated", kSh1, Met::Yes, e2, 2, 6};
  const StageExp s2_done{2, e2, e3, "escalated", kSh2, Met::Yes, e3, 2, 2};
  const StageExp s3_late{3, e3, e4, "escalated", kSh3, Met::No, e4, 2, 5,
                         "Stage 3 (Formal escalation by the line manager) took 2 working days (5 calendar days), "
                         "Thu 31 Dec 2026 to Tue 5 Jan 2027, escalated; the procedure allows 5 working days from the "
                         "challenge being raised, due Mon 4 Jan 2027: not met"};
  const StageExp s4_late{4, e4, e5, "escalated", kSh4, Met::No, e5, 2, 2,
                         "Stage 4 (Senior manager) took 2 working days (2 calendar days), Tue 5 Jan 2027 to "
                         "Thu 7 Jan 2027, escalated; the procedure allows 7 working days from the challenge being "
                         "raised, due Wed 6 Jan 2027: not met"};
  return Scenario{
      "shropshire-sscp: stages 3 and 4 each a day late (the issue's dates)",
      "shropshire-sscp",
      {
          open_by(raised, "shropshire-sscp"),
          {"2026-12-24T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {e2, EventKind::Escalated, escalation(), kPractitioner},
          {"2026-12-31T09:00:00Z", EventKind::DiscussionRecorded, discussion("email"), kManager},
          {e3, EventKind::Escalated, escalation(), kManager},
          {"2027-01-04T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kManager},
          {e4, EventKind::Escalated, escalation(), kManager},
          {"2027-01-05T11:00:00Z", EventKind::NotificationSent, notify("business-unit"), kSenior},
          {"2027-01-06T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kSenior},
          {e5, EventKind::Escalated, escalation(), kSenior},
          {"2027-01-07T10:00:00Z", EventKind::Comment, fulfils({"inform-director"}), kDirector},
          {"2027-01-07T11:00:00Z", EventKind::NotificationSent, notify("business-unit"), kDirector},
          {"2027-01-08T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kDirector},
          {agreed, EventKind::OutcomeAgreed, outcome(), kDirector},
          {"2027-01-08T15:00:00Z", EventKind::FeedbackGiven, feedback(), kDirector},
          {"2027-01-11T09:00:00Z", EventKind::Closed, closure(), kDirector},
      },
      {
          // The moment it was raised.
          {.as_of = raised, .stage = 1,
           .stages = {{1, raised, nullptr, "", kSh1, Met::Null, nullptr, 0, 0,
                       "Stage 1 (Raise concerns with the professional directly): 0 working days (0 calendar days) so "
                       "far, since Wed 23 Dec 2026; the procedure allows 2 working days from the challenge being "
                       "raised, due Tue 29 Dec 2026"}},
           .timescales = {{"stage-1", kSh1},
                          {"challenge", kSh5, nullptr, Met::Null, false,
                           "The challenge as a whole: 0 working days (0 calendar days) so far; the procedure allows 9 "
                           "working days from the challenge being raised, due Fri 8 Jan 2027"}}},
          // Mon 4 Jan, midday: stages 1 and 2 left in time; stage 3 due tonight.
          {.as_of = "2027-01-04T12:00:00Z", .stage = 3,
           .stages = {s1_done, s2_done, {3, e3, nullptr, "", kSh3, Met::Null, nullptr, 1, 4}},
           .timescales = {{"stage-1", kSh1, e2, Met::Yes}, {"stage-2", kSh2, e3, Met::Yes}, {"stage-3", kSh3},
                          {"challenge", kSh5}}},
          // Tue 5 Jan 00:00, before the escalation at 09:00: stage 3 is overdue, not yet judged.
          {.as_of = "2027-01-05T00:00:00Z", .stage = 3,
           .stages = {s1_done, s2_done, {3, e3, nullptr, "", kSh3, Met::Null}},
           .timescales = {{"stage-1", kSh1, e2, Met::Yes}, {"stage-2", kSh2, e3, Met::Yes},
                          {"stage-3", kSh3, nullptr, Met::Null, true}, {"challenge", kSh5}},
           .missed = true, .overdue = true},
          // Thu 7 Jan, midday: stages 3 and 4 were left late; stage 5 runs.
          {.as_of = "2027-01-07T12:00:00Z", .stage = 5,
           .stages = {s1_done, s2_done, s3_late, s4_late, {5, e5, nullptr, "", kSh5, Met::Null, nullptr, 0, 0}},
           .timescales = {{"stage-1", kSh1, e2, Met::Yes}, {"stage-2", kSh2, e3, Met::Yes},
                          {"stage-3", kSh3, e4, Met::No}, {"stage-4", kSh4, e5, Met::No}, {"stage-5", kSh5},
                          {"challenge", kSh5}},
           .missed = true},
          // Closed: resolved at stage 5 in time; the late stages stay late.
          {.as_of = "2027-01-11T09:00:00Z", .status = "closed", .stage = 5,
           .stages = {s1_done, s2_done, s3_late, s4_late,
                      {5, e5, agreed, "resolved", kSh5, Met::Yes, agreed, 1, 1,
                       "Stage 5 (Assistant Director (or equivalent)) took 1 working day (1 calendar day), Thu 7 Jan "
                       "2027 to Fri 8 Jan 2027, resolved; the procedure allows 9 working days from the challenge "
                       "being raised, due Fri 8 Jan 2027: met"}},
           .timescales = {{"stage-1", kSh1, e2, Met::Yes}, {"stage-2", kSh2, e3, Met::Yes},
                          {"stage-3", kSh3, e4, Met::No}, {"stage-4", kSh4, e5, Met::No},
                          {"stage-5", kSh5, agreed, Met::Yes},
                          {"challenge", kSh5, agreed, Met::Yes, false,
                           "The challenge as a whole: resolved after 9 working days (16 calendar days); the procedure "
                           "allows 9 working days from the challenge being raised, due Fri 8 Jan 2027: met"}},
           .missed = true},
      },
      "2026-12-23T09:59:59Z",
      "2028-06-30T12:00:00Z"};
}

// Shropshire, quick through stages 1 to 4 and late at stage 5: the outcome on Mon 11 Jan
// 2027 misses both stage 5's and the whole challenge's 9 working days (Fri 8 Jan).
// Stage 5 (31 Dec, 11 Jan]: Mon 4 to Fri 8 Jan (5) + Mon 11 (1) = 6 working days, 11
// calendar days. The whole (23 Dec, 11 Jan]: 10 working days, 19 calendar days.
Scenario shropshire_late_at_stage_5() {
  const char* raised = "2026-12-23T10:00:00Z";
  const char* e2 = "2026-12-24T09:00:00Z";
  const char* e3 = "2026-12-29T09:00:00Z";
  const char* e4 = "2026-12-30T09:00:00Z";
  const char* e5 = "2026-12-31T09:00:00Z";
  const char* agreed = "2027-01-11T10:00:00Z";
  const std::vector<StageExp> early = {{1, raised, e2, "escalated", kSh1, Met::Yes, e2, 1, 1},
                                       {2, e2, e3, "escalated", kSh2, Met::Yes, e3, 1, 5},
                                       {3, e3, e4, "escalated", kSh3, Met::Yes, e4, 1, 1},
                                       {4, e4, e5, "escalated", kSh4, Met::Yes, e5, 1, 1}};
  const std::vector<TsExp> early_ts = {{"stage-1", kSh1, e2, Met::Yes}, {"stage-2", kSh2, e3, Met::Yes},
                                       {"stage-3", kSh3, e4, Met::Yes}, {"stage-4", kSh4, e5, Met::Yes}};
  auto with = [](std::vector<StageExp> v, StageExp last) {
    v.push_back(last);
    return v;
  };
  auto with_ts = [](std::vector<TsExp> v, TsExp a, TsExp b) {
    v.push_back(a);
    v.push_back(b);
    return v;
  };
  return Scenario{
      "shropshire-sscp: stage 5 and the challenge as a whole late",
      "shropshire-sscp",
      {
          open_by(raised, "shropshire-sscp"),
          {e2, EventKind::Escalated, escalation(), kPractitioner},
          {e3, EventKind::Escalated, escalation(), kManager},
          {e4, EventKind::Escalated, escalation(), kManager},
          {"2026-12-30T10:00:00Z", EventKind::NotificationSent, notify("business-unit"), kSenior},
          {e5, EventKind::Escalated, escalation(), kSenior},
          {agreed, EventKind::OutcomeAgreed, outcome(), kDirector},
      },
      {
          // The last millisecond of Fri 8 Jan: due, not overdue.
          {.as_of = kSh5, .stage = 5, .stages = with(early, {5, e5, nullptr, "", kSh5, Met::Null}),
           .timescales = with_ts(early_ts, {"stage-5", kSh5}, {"challenge", kSh5})},
          // Sat 9 Jan 00:00: overdue, and still not judged (the stage is still running).
          {.as_of = "2027-01-09T00:00:00Z", .stage = 5, .stages = with(early, {5, e5, nullptr, "", kSh5, Met::Null}),
           .timescales = with_ts(early_ts, {"stage-5", kSh5, nullptr, Met::Null, true},
                                 {"challenge", kSh5, nullptr, Met::Null, true}),
           .missed = true, .overdue = true},
          {.as_of = agreed, .status = "resolved", .stage = 5,
           .stages = with(early, {5, e5, agreed, "resolved", kSh5, Met::No, agreed, 6, 11,
                                  "Stage 5 (Assistant Director (or equivalent)) took 6 working days (11 calendar "
                                  "days), Thu 31 Dec 2026 to Mon 11 Jan 2027, resolved; the procedure allows 9 working "
                                  "days from the challenge being raised, due Fri 8 Jan 2027: not met"}),
           .timescales = with_ts(early_ts, {"stage-5", kSh5, agreed, Met::No},
                                 {"challenge", kSh5, agreed, Met::No, false,
                                  "The challenge as a whole: resolved after 10 working days (19 calendar days); the "
                                  "procedure allows 9 working days from the challenge being raised, due Fri 8 Jan "
                                  "2027: not met"}),
           .missed = true},
      },
      "2026-12-22T10:00:00Z",
      "2027-12-31T12:00:00Z"};
}

// Shropshire resolved at stage 1, late for stage 1 (due Tue 29 Dec) but within the 9
// working days of the whole. Stage 1 (23, 31 Dec]: Thu 24, Tue 29, Wed 30, Thu 31 = 4
// working days, 8 calendar days.
Scenario shropshire_resolved_late_at_stage_1() {
  const char* raised = "2026-12-23T10:00:00Z";
  const char* agreed = "2026-12-31T11:00:00Z";
  return Scenario{
      "shropshire-sscp: resolved at stage 1, after its 2 working days",
      "shropshire-sscp",
      {
          open_by(raised, "shropshire-sscp"),
          {"2026-12-31T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {agreed, EventKind::OutcomeAgreed, outcome(), kPractitioner},
          {"2027-01-04T09:00:00Z", EventKind::Closed, closure(), kPractitioner},
      },
      {
          {.as_of = "2026-12-30T00:00:00Z", .stage = 1, .stages = {{1, raised, nullptr, "", kSh1, Met::Null}},
           .timescales = {{"stage-1", kSh1, nullptr, Met::Null, true}, {"challenge", kSh5}},
           .missed = true, .overdue = true},
          {.as_of = "2027-01-04T09:00:00Z", .status = "closed", .stage = 1,
           .stages = {{1, raised, agreed, "resolved", kSh1, Met::No, agreed, 4, 8}},
           .timescales = {{"stage-1", kSh1, agreed, Met::No}, {"challenge", kSh5, agreed, Met::Yes}},
           .missed = true},
      },
      "2026-12-01T00:00:00Z",
      "2027-03-01T00:00:00Z"};
}

// ---------------------------------------------------------------------------------------
// Buckinghamshire (buckinghamshire-bsab): stage 1 has no timescale; stages 2 to 5 and the
// challenge share "one week" = 5 working days from the start of stage 2.
//
// The issue's example, in BST (local = UTC + 1). Raised Mon 24 May 2027 09:00 BST.
// Stage 2 entered Thu 27 May 09:00 BST: Fri 28 May (1), [Mon 31 May Spring bank
// holiday], Tue 1 Jun (2), Wed 2 (3), Thu 3 (4), Fri 4 Jun (5) -> due Fri 4 Jun 2027,
// ending 23:59:59.999 BST = 22:59:59.999 UTC. Stages 2, 3 and 4 are left in time; stage 5
// is resolved on Wed 9 Jun by the Independent Chair (the Board acts at stage 5): late.
// Days: stage 1 (24, 27 May] 3 / 3; stage 2 (27 May, 1 Jun] 2 / 5; stage 3 (1, 3 Jun]
// 2 / 2; stage 4 (3, 4 Jun] 1 / 1; stage 5 (4, 9 Jun] 3 / 5; the whole (24 May, 9 Jun]
// 25-28 May (4) + 1-4 Jun (4) + 7-9 Jun (3) = 11 working days, 16 calendar days.
// As of Wed 26 May it is open at stage 1 (the issue saw "closed — stage 5").
// ---------------------------------------------------------------------------------------
const char* const kBk = "2027-06-04T22:59:59.999Z";

Scenario buckinghamshire_issue_dates() {
  const char* raised = "2027-05-24T08:00:00Z";
  const char* e2 = "2027-05-27T08:00:00Z";
  const char* e3 = "2027-06-01T08:00:00Z";
  const char* e4 = "2027-06-03T08:00:00Z";
  const char* e5 = "2027-06-04T12:00:00Z";
  const char* agreed = "2027-06-09T10:00:00Z";
  const StageExp s1_left{1, raised, e2, "escalated", nullptr, Met::Null, nullptr, 3, 3,
                         "Stage 1 (Pre-escalation: professional discussion) took 3 working days (3 calendar days), "
                         "Mon 24 May 2027 to Thu 27 May 2027, escalated; the procedure sets no timescale for it"};
  const StageExp s2_left{2, e2, e3, "escalated", kBk, Met::Yes, e3, 2, 5};
  const StageExp s3_left{3, e3, e4, "escalated", kBk, Met::Yes, e4, 2, 2};
  const StageExp s4_left{4, e4, e5, "escalated", kBk, Met::Yes, e5, 1, 1};
  return Scenario{
      "buckinghamshire-bsab: resolved Wed 9 Jun 2027 against Fri 4 Jun (the issue's dates)",
      "buckinghamshire-bsab",
      {
          open_by(raised, "buckinghamshire-bsab"),
          {"2027-05-25T08:00:00Z", EventKind::DiscussionRecorded, discussion("face_to_face"), kPractitioner},
          {e2, EventKind::Escalated, escalation(), kPractitioner},
          {"2027-05-27T12:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager},
          {e3, EventKind::Escalated, escalation(), kManager},
          {"2027-06-02T08:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kLead},
          {"2027-06-02T12:00:00Z", EventKind::FeedbackGiven, feedback(), kLead},
          {e4, EventKind::Escalated, escalation(), kLead},
          {"2027-06-04T08:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kSenior},
          {e5, EventKind::Escalated, escalation(), kSenior},
          {"2027-06-04T13:00:00Z", EventKind::NotificationSent, notify("bsab-independent-chair"), kSenior},
          {"2027-06-08T08:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kBoard},
          {agreed, EventKind::OutcomeAgreed, outcome(), kBoard},
          {"2027-06-09T11:00:00Z", EventKind::FeedbackGiven, feedback(), kBoard},
          {"2027-06-10T08:00:00Z", EventKind::LearningRecorded, learning(), kBoard},
          {"2027-06-10T09:00:00Z", EventKind::Closed, closure(), kSenior},
      },
      {
          // Wed 26 May: open at stage 1, which has no timescale; the week has not started.
          {.as_of = "2027-05-26T12:00:00Z", .stage = 1,
           .stages = {{1, raised, nullptr, "", nullptr, Met::Null, nullptr, 2, 2,
                       "Stage 1 (Pre-escalation: professional discussion): 2 working days (2 calendar days) so far, "
                       "since Mon 24 May 2027; the procedure sets no timescale for it"}},
           .timescales = {{"challenge", nullptr, nullptr, Met::Null, false,
                           "The challenge as a whole: 2 working days (2 calendar days) so far; its timescale is "
                           "measured from the start of stage 2, not recorded yet"}}},
          // A millisecond before the escalation, and at it: an event counts from its own time.
          {.as_of = "2027-05-27T07:59:59.999Z", .stage = 1, .stages = {{1, raised, nullptr, "", nullptr, Met::Null}},
           .timescales = {{"challenge"}}},
          {.as_of = e2, .stage = 2, .stages = {s1_left, {2, e2, nullptr, "", kBk, Met::Null, nullptr, 0, 0}},
           .timescales = {{"stage-2", kBk}, {"challenge", kBk}}},
          // The last millisecond of Fri 4 Jun (BST), at stage 5: due, not overdue.
          {.as_of = kBk, .stage = 5,
           .stages = {s1_left, s2_left, s3_left, s4_left, {5, e5, nullptr, "", kBk, Met::Null}},
           .timescales = {{"stage-2", kBk, e3, Met::Yes}, {"stage-3", kBk, e4, Met::Yes},
                          {"stage-4", kBk, e5, Met::Yes}, {"stage-5", kBk}, {"challenge", kBk}}},
          // Sat 5 Jun 00:00 BST: overdue.
          {.as_of = "2027-06-04T23:00:00Z", .stage = 5,
           .stages = {s1_left, s2_left, s3_left, s4_left, {5, e5, nullptr, "", kBk, Met::Null}},
           .timescales = {{"stage-2", kBk, e3, Met::Yes}, {"stage-3", kBk, e4, Met::Yes},
                          {"stage-4", kBk, e5, Met::Yes}, {"stage-5", kBk, nullptr, Met::Null, true},
                          {"challenge", kBk, nullptr, Met::Null, true}},
           .missed = true, .overdue = true},
          // Closed: stage 5 and the challenge as a whole were not met.
          {.as_of = "2027-06-10T09:00:00Z", .status = "closed", .stage = 5,
           .stages = {s1_left, s2_left, s3_left, s4_left,
                      {5, e5, agreed, "resolved", kBk, Met::No, agreed, 3, 5,
                       "Stage 5 (Independent Chair of the BSAB) took 3 working days (5 calendar days), Fri 4 Jun 2027 "
                       "to Wed 9 Jun 2027, resolved; the procedure allows 5 working days from the start of stage 2, "
                       "due Fri 4 Jun 2027: not met"}},
           .timescales = {{"stage-2", kBk, e3, Met::Yes}, {"stage-3", kBk, e4, Met::Yes},
                          {"stage-4", kBk, e5, Met::Yes}, {"stage-5", kBk, agreed, Met::No},
                          {"challenge", kBk, agreed, Met::No, false,
                           "The challenge as a whole: resolved after 11 working days (16 calendar days); the "
                           "procedure allows 5 working days from the start of stage 2, due Fri 4 Jun 2027: not met"}},
           .missed = true},
      },
      "2027-05-24T07:59:59.999Z",
      "2028-05-24T08:00:00Z"};
}

// Buckinghamshire resolved at stage 1: no stage timescale, and the week never started, so
// nothing is judged and nothing missed.
Scenario buckinghamshire_resolved_at_stage_1() {
  const char* raised = "2027-05-24T08:00:00Z";
  const char* agreed = "2027-05-24T11:00:00Z";
  return Scenario{
      "buckinghamshire-bsab: resolved at stage 1",
      "buckinghamshire-bsab",
      {
          open_by(raised, "buckinghamshire-bsab"),
          {"2027-05-24T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {agreed, EventKind::OutcomeAgreed, outcome(), kPractitioner},
          {"2027-05-25T08:00:00Z", EventKind::LearningRecorded, learning(), kPractitioner},
          {"2027-05-25T09:00:00Z", EventKind::Closed, closure(), kPractitioner},
      },
      {
          {.as_of = "2027-05-25T09:00:00Z", .status = "closed", .stage = 1,
           .stages = {{1, raised, agreed, "resolved", nullptr, Met::Null, nullptr, 0, 0,
                       "Stage 1 (Pre-escalation: professional discussion) took 0 working days (0 calendar days), "
                       "Mon 24 May 2027 to Mon 24 May 2027, resolved; the procedure sets no timescale for it"}},
           .timescales = {{"challenge", nullptr, agreed}}},
      },
      "2027-05-23T12:00:00Z",
      "2027-12-24T08:00:00Z"};
}

// ---------------------------------------------------------------------------------------
// Milton Keynes (milton-keynes-mktogether): calendar days and hours, met by meetings.
// Stage 1: "Arrange a meeting with relevant professionals, within 7 days of the challenge
// being raised" — met by a meeting (meeting, face to face or video) at stage 1 in time.
// Stage 3: "The relevant HoS should meet no later than 10 days after the intial
// professionals meeting" — 10 days from the first stage-1 discussion, met by a meeting at
// stage 3. Feedback "48 hours after the relevant HOS have met" — 48 elapsed hours from the
// first stage-3 discussion, met by the first feedback at stage 3. March 2027 is GMT (BST
// starts Sun 28 Mar 2027), so UTC = local. Milton Keynes sets no time for the whole.
//
// On time: raised Mon 1 Mar 09:00; professionals meeting Thu 4 Mar -> stage 1 (due Mon 8
// Mar) met; left only on Wed 10 Mar, after its due day, still met. Heads of Service meet
// Fri 12 Mar 14:00 -> stage 3 (due 10 days after Thu 4 Mar: Sun 14 Mar) met. Feedback due
// Sun 14 Mar 14:00; given 15:00, 49 hours after: not met. Days: stage 1 as of Tue 9 Mar
// 00:00 (1, 9 Mar] 6 working / 8 calendar; stage 3 (11, 15 Mar] 2 / 4.
// ---------------------------------------------------------------------------------------
const char* const kFeedbackText =
    "Give feedback on the outcome to the professionals who raised the original concern, within 48 hours of the Heads "
    "of Service meeting.";

Scenario milton_keynes_on_time() {
  const char* raised = "2027-03-01T09:00:00Z";
  const char* met1 = "2027-03-04T10:00:00Z";
  const char* e2 = "2027-03-10T09:00:00Z";
  const char* e3 = "2027-03-11T09:00:00Z";
  const char* hos = "2027-03-12T14:00:00Z";
  const char* fed = "2027-03-14T15:00:00Z";
  const char* agreed = "2027-03-15T10:00:00Z";
  const char* due1 = "2027-03-08T23:59:59.999Z";
  const char* due3 = "2027-03-14T23:59:59.999Z";
  const char* due_fb = "2027-03-14T14:00:00Z";
  const StageExp s1_left{1, raised, e2, "escalated", due1, Met::Yes, met1};
  const StageExp s2_left{2, e2, e3, "escalated", nullptr, Met::Null, nullptr, 1, 1};
  const std::string fb_words = std::string("Stage 3, \"") + kFeedbackText + "\": ";
  static const std::string pending = fb_words + "measured from the first discussion recorded at stage 3, not recorded yet";
  static const std::string late = fb_words + "48 hours from the first discussion recorded at stage 3, due Sun 14 Mar "
                                             "2027; done Sun 14 Mar 2027: not met";
  return Scenario{
      "milton-keynes-mktogether: meetings on time, feedback an hour late",
      "milton-keynes-mktogether",
      {
          open_by(raised, "milton-keynes-mktogether"),
          {met1, EventKind::DiscussionRecorded, discussion("meeting"), kPractitioner},
          {"2027-03-04T11:00:00Z", EventKind::ActionAgreed, action(), kPractitioner},
          {e2, EventKind::Escalated, escalation(), kPractitioner},
          {"2027-03-10T11:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager},
          {"2027-03-10T12:00:00Z", EventKind::ActionAgreed, action(), kManager},
          {e3, EventKind::Escalated, escalation(), kManager},
          {hos, EventKind::DiscussionRecorded, discussion("meeting"), kSenior},
          {fed, EventKind::FeedbackGiven, feedback(), kSenior},
          {agreed, EventKind::OutcomeAgreed, outcome(), kSenior},
          {"2027-03-15T11:00:00Z", EventKind::Closed, closure(), kSenior},
      },
      {
          // Before the meeting: running, not yet judged.
          {.as_of = "2027-03-03T12:00:00Z", .stage = 1, .stages = {{1, raised, nullptr, "", due1, Met::Null}},
           .timescales = {{"stage-1", due1}, {"challenge"}}},
          // After the due day, still at stage 1: met by the meeting on Thu 4 Mar, not overdue.
          {.as_of = "2027-03-09T00:00:00Z", .stage = 1,
           .stages = {{1, raised, nullptr, "", due1, Met::Yes, met1, 6, 8,
                       "Stage 1 (Professionals meeting): 6 working days (8 calendar days) so far, since Mon 1 Mar "
                       "2027; the procedure allows 7 days from the challenge being raised, due Mon 8 Mar 2027: met — "
                       "a discussion recorded (meeting, face to face or video) on Thu 4 Mar 2027"}},
           .timescales = {{"stage-1", due1, met1, Met::Yes}, {"challenge"}}},
          // Stage 3 entered: its 10 days run from the professionals meeting; the feedback's
          // 48 hours wait for the Heads of Service to meet.
          {.as_of = e3, .stage = 3,
           .stages = {s1_left, s2_left, {3, e3, nullptr, "", due3, Met::Null, nullptr, 0, 0}},
           .timescales = {{"stage-1", due1, met1, Met::Yes}, {"stage-3", due3},
                          {"feedback-to-raisers", nullptr, nullptr, Met::Null, false, pending.c_str()},
                          {"challenge"}}},
          // Sun 14 Mar 14:30: the Heads of Service met in time; the feedback is overdue.
          {.as_of = "2027-03-14T14:30:00Z", .stage = 3,
           .stages = {s1_left, s2_left, {3, e3, nullptr, "", due3, Met::Yes, hos}},
           .timescales = {{"stage-1", due1, met1, Met::Yes}, {"stage-3", due3, hos, Met::Yes},
                          {"feedback-to-raisers", due_fb, nullptr, Met::Null, true}, {"challenge"}},
           .missed = true},
          {.as_of = "2027-03-15T11:00:00Z", .status = "closed", .stage = 3,
           .stages = {s1_left, s2_left,
                      {3, e3, agreed, "resolved", due3, Met::Yes, hos, 2, 4,
                       "Stage 3 (Heads of Service) took 2 working days (4 calendar days), Thu 11 Mar 2027 to Mon 15 "
                       "Mar 2027, resolved; the procedure allows 10 days from the first discussion recorded at stage "
                       "1, due Sun 14 Mar 2027: met — a discussion recorded (meeting, face to face or video) on Fri "
                       "12 Mar 2027"}},
           .timescales = {{"stage-1", due1, met1, Met::Yes}, {"stage-3", due3, hos, Met::Yes},
                          {"feedback-to-raisers", due_fb, fed, Met::No, false, late.c_str()},
                          {"challenge", nullptr, agreed, Met::Null, false,
                           "The challenge as a whole: resolved after 10 working days (14 calendar days); the procedure "
                           "sets no overall timescale"}},
           .missed = true},
      },
      "2027-02-28T12:00:00Z",
      "2028-03-01T09:00:00Z"};
}

// Late: the stage-1 phone call on Tue 2 Mar is no meeting (but it starts stage 3's 10 days:
// due Fri 12 Mar); the professionals meet by video on Tue 9 Mar, a day late. At stage 3
// the Heads of Service only speak by phone (Thu 11 Mar 12:00, starting the feedback's 48
// hours: due Sat 13 Mar 12:00; feedback Fri 12 Mar, in time) and it moves to stage 4 on
// Mon 15 Mar without a meeting: not met.
Scenario milton_keynes_late() {
  const char* raised = "2027-03-01T09:00:00Z";
  const char* late_meeting = "2027-03-09T10:00:00Z";
  const char* e2 = "2027-03-10T09:00:00Z";
  const char* e3 = "2027-03-11T09:00:00Z";
  const char* fed = "2027-03-12T09:00:00Z";
  const char* e4 = "2027-03-15T09:00:00Z";
  const char* agreed = "2027-03-17T10:00:00Z";
  const char* due1 = "2027-03-08T23:59:59.999Z";
  const char* due3 = "2027-03-12T23:59:59.999Z";
  const char* due_fb = "2027-03-13T12:00:00Z";
  const StageExp s1_late{1, raised, e2, "escalated", due1, Met::No, late_meeting};
  const StageExp s2_left{2, e2, e3, "escalated", nullptr, Met::Null};
  return Scenario{
      "milton-keynes-mktogether: professionals meeting late, no Heads of Service meeting",
      "milton-keynes-mktogether",
      {
          open_by(raised, "milton-keynes-mktogether"),
          {"2027-03-02T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {late_meeting, EventKind::DiscussionRecorded, discussion("video"), kPractitioner},
          {"2027-03-09T11:00:00Z", EventKind::ActionAgreed, action(), kPractitioner},
          {e2, EventKind::Escalated, escalation(), kPractitioner},
          {"2027-03-10T11:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager},
          {e3, EventKind::Escalated, escalation(), kManager},
          {"2027-03-11T12:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kSenior},
          {fed, EventKind::FeedbackGiven, feedback(), kSenior},
          {e4, EventKind::Escalated, escalation(), kSenior},
          {"2027-03-15T10:00:00Z", EventKind::NotificationSent, notify("assurance-board-chair"), kSenior},
          {"2027-03-16T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kBoard},
          {agreed, EventKind::OutcomeAgreed, outcome(), kSenior},
          {"2027-03-17T11:00:00Z", EventKind::FeedbackGiven, feedback(), kBoard},
          {"2027-03-17T12:00:00Z", EventKind::Closed, closure(), kSenior},
      },
      {
          // Tue 9 Mar 00:00: no meeting yet, the 7 days are over.
          {.as_of = "2027-03-09T00:00:00Z", .stage = 1, .stages = {{1, raised, nullptr, "", due1, Met::Null}},
           .timescales = {{"stage-1", due1, nullptr, Met::Null, true}, {"challenge"}},
           .missed = true, .overdue = true},
          // The meeting is held, a day late: judged not met at once, and no longer overdue.
          {.as_of = "2027-03-09T12:00:00Z", .stage = 1,
           .stages = {{1, raised, nullptr, "", due1, Met::No, late_meeting, 6, 8,
                       "Stage 1 (Professionals meeting): 6 working days (8 calendar days) so far, since Mon 1 Mar "
                       "2027; the procedure allows 7 days from the challenge being raised, due Mon 8 Mar 2027: not "
                       "met — a discussion recorded (meeting, face to face or video) only on Tue 9 Mar 2027"}},
           .timescales = {{"stage-1", due1, late_meeting, Met::No}, {"challenge"}},
           .missed = true},
          // Sat 13 Mar: feedback given in time; stage 3 overdue with no meeting.
          {.as_of = "2027-03-13T12:00:00Z", .stage = 3,
           .stages = {s1_late, s2_left, {3, e3, nullptr, "", due3, Met::Null}},
           .timescales = {{"stage-1", due1, late_meeting, Met::No}, {"stage-3", due3, nullptr, Met::Null, true},
                          {"feedback-to-raisers", due_fb, fed, Met::Yes}, {"challenge"}},
           .missed = true, .overdue = true},
          {.as_of = "2027-03-17T12:00:00Z", .status = "closed", .stage = 4,
           .stages = {s1_late, s2_left,
                      {3, e3, e4, "escalated", due3, Met::No, nullptr, 2, 4,
                       "Stage 3 (Heads of Service) took 2 working days (4 calendar days), Thu 11 Mar 2027 to Mon 15 "
                       "Mar 2027, escalated; the procedure allows 10 days from the first discussion recorded at stage "
                       "1, due Fri 12 Mar 2027: not met — no discussion recorded (meeting, face to face or video) at "
                       "this stage"},
                      {4, e4, agreed, "resolved", nullptr, Met::Null, nullptr, 2, 2}},
           .timescales = {{"stage-1", due1, late_meeting, Met::No}, {"stage-3", due3, nullptr, Met::No},
                          {"feedback-to-raisers", due_fb, fed, Met::Yes}, {"challenge", nullptr, agreed}},
           .missed = true},
      },
      "2027-03-01T08:59:59.999Z",
      "2028-03-17T12:00:00Z"};
}

// Resolved at stage 1 within the 7 days after a phone call only: resolving in time meets
// the stage's timescale too (no meeting needed once it is resolved).
Scenario milton_keynes_resolved_in_time() {
  const char* raised = "2027-03-01T09:00:00Z";
  const char* agreed = "2027-03-03T10:00:00Z";
  const char* due1 = "2027-03-08T23:59:59.999Z";
  return Scenario{
      "milton-keynes-mktogether: resolved at stage 1 within 7 days, without a meeting",
      "milton-keynes-mktogether",
      {
          open_by(raised, "milton-keynes-mktogether"),
          {"2027-03-02T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {agreed, EventKind::OutcomeAgreed, outcome(), kPractitioner},
          {"2027-03-03T11:00:00Z", EventKind::Closed, closure(), kPractitioner},
      },
      {
          {.as_of = "2027-03-03T11:00:00Z", .status = "closed", .stage = 1,
           .stages = {{1, raised, agreed, "resolved", due1, Met::Yes, agreed, 2, 2}},
           .timescales = {{"stage-1", due1, agreed, Met::Yes}, {"challenge", nullptr, agreed}}},
      },
      "2027-02-01T00:00:00Z",
      "2027-09-01T00:00:00Z"};
}

// ---------------------------------------------------------------------------------------
// Salford (salford-ssab) and Bury (bury-sab): no timescales at all. Nothing is ever met,
// missed or overdue, but time at each stage is counted and stops at the end.
//
// Salford: raised Thu 30 Apr 2026 10:00 BST, referred to the Adult Social Care Contact Team
// and closed on Thu 7 May (closed, not resolved). (30 Apr, 5 May] = Fri 1 May, [Mon 4 May
// bank holiday], Tue 5 = 2 working, 5 calendar; (30 Apr, 7 May] = 4 / 7.
// ---------------------------------------------------------------------------------------
Scenario salford_referred_and_closed() {
  const char* raised = "2026-04-30T09:00:00Z";
  const char* closed = "2026-05-07T09:00:00Z";
  return Scenario{
      "salford-ssab: referred elsewhere and closed at stage 1",
      "salford-ssab",
      {
          open_by(raised, "salford-ssab"),
          {"2026-05-01T09:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
          {"2026-05-05T09:00:00Z", EventKind::Referred, Json{{"route", "safeguarding_referral"}}, kPractitioner},
          {closed, EventKind::Closed, closure(), kPractitioner},
      },
      {
          {.as_of = "2026-05-05T12:00:00Z", .stage = 1,
           .stages = {{1, raised, nullptr, "", nullptr, Met::Null, nullptr, 2, 5}},
           .timescales = {{"challenge", nullptr, nullptr, Met::Null, false,
                           "The challenge as a whole: 2 working days (5 calendar days) so far; the procedure sets no "
                           "overall timescale"}}},
          {.as_of = closed, .status = "closed", .stage = 1,
           .stages = {{1, raised, closed, "closed", nullptr, Met::Null, nullptr, 4, 7,
                       "Stage 1 (Discussion between professionals) took 4 working days (7 calendar days), Thu 30 Apr "
                       "2026 to Thu 7 May 2026, closed; the procedure sets no timescale for it"}},
           .timescales = {{"challenge", nullptr, closed, Met::Null, false,
                           "The challenge as a whole: closed after 4 working days (7 calendar days); the procedure sets "
                           "no overall timescale"}}},
      },
      "2026-04-30T08:59:59Z",
      "2027-05-07T09:00:00Z"};
}

// Bury: raised Thu 27 Aug 2026 09:00 BST, escalated Tue 1 Sep, resolved Wed 2 Sep.
// Step 1 (27 Aug, 1 Sep] = Fri 28 Aug, [Mon 31 Aug bank holiday], Tue 1 Sep = 2 working,
// 5 calendar; step 2 (1, 2 Sep] = 1 / 1.
Scenario bury_resolved_at_step_2() {
  const char* raised = "2026-08-27T08:00:00Z";
  const char* e2 = "2026-09-01T12:00:00Z";
  const char* agreed = "2026-09-02T09:00:00Z";
  return Scenario{
      "bury-sab: resolved at step 2",
      "bury-sab",
      {
          open_by(raised, "bury-sab"),
          {"2026-08-28T08:00:00Z", EventKind::DiscussionRecorded, discussion("face_to_face"), kPractitioner},
          {e2, EventKind::Escalated, escalation(), kPractitioner},
          {"2026-09-02T08:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kManager},
          {agreed, EventKind::OutcomeAgreed, outcome(), kManager},
      },
      {
          {.as_of = "2026-08-31T12:00:00Z", .stage = 1,
           .stages = {{1, raised, nullptr, "", nullptr, Met::Null, nullptr, 1, 4}}, .timescales = {{"challenge"}}},
          {.as_of = agreed, .status = "resolved", .stage = 2,
           .stages = {{1, raised, e2, "escalated", nullptr, Met::Null, nullptr, 2, 5},
                      {2, e2, agreed, "resolved", nullptr, Met::Null, nullptr, 1, 1}},
           .timescales = {{"challenge", nullptr, agreed}}},
      },
      "2026-08-26T12:00:00Z",
      "2027-08-27T08:00:00Z"};
}

}  // namespace

TEST_CASE("stage history and timescales, as of moments before, between and after events", "[history]") {
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  const std::vector<Scenario> scenarios = {
      shropshire_issue_dates(),       shropshire_late_at_stage_5(),        shropshire_resolved_late_at_stage_1(),
      buckinghamshire_issue_dates(),  buckinghamshire_resolved_at_stage_1(), milton_keynes_on_time(),
      milton_keynes_late(),           milton_keynes_resolved_in_time(),    salford_referred_and_closed(),
      bury_resolved_at_step_2(),
  };
  std::set<std::string> covered;
  for (const auto& sc : scenarios) {
    DYNAMIC_SECTION(sc.name) { run(sc, lib); }
    covered.insert(sc.procedure);
  }
  CHECK(covered.size() == 5);
}

TEST_CASE("as of a moment, later events are not used", "[history]") {
  // The issue: "As of 26 May the Buckinghamshire case already shows closed — stage 5".
  // The full view folds every event; the view as of 26 May folds only what had happened.
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  const Scenario sc = buckinghamshire_issue_dates();
  TempFile file("parley-stage-history-as-of");
  Store store(file.path);
  FixedClock clock(T(sc.steps.front().at));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);
  std::string id;
  for (const auto& st : sc.steps) {
    clock.set(T(st.at));
    if (st.kind == EventKind::ChallengeOpened) id = engine.open(st.body, st.by, T(st.at));
    else engine.record(id, st.kind, st.body, st.by, T(st.at));
  }
  const ChallengeView then = engine.view_as_of(id, T("2027-05-26T12:00:00Z"));
  CHECK(then.status == parley::Status::Open);
  CHECK(then.stage == 1);
  CHECK_FALSE(then.state.outcome_recorded);
  CHECK_FALSE(then.state.closed);
  CHECK(then.state.events.size() == 2);   // the opening and the discussion of 25 May
  CHECK_FALSE(then.working_days_taken.has_value());
  const Json j = to_json(then);
  CHECK(j["status"] == "open");
  CHECK(j["stage"] == 1);
  CHECK(j["resolution"].is_null());
  CHECK(j["outcome"].is_null());
  CHECK(j["timeline"].size() == 2);

  const ChallengeView now = engine.view(id, T("2027-06-10T09:00:00Z"));
  CHECK(now.status == parley::Status::Closed);
  CHECK(now.stage == 5);

  // Not raised yet: an error that says when it was.
  try {
    engine.view_as_of(id, T("2027-05-01T00:00:00Z"));
    FAIL("view_as_of before raising should throw");
  } catch (const CommandError& e) {
    CHECK(std::string(e.what()).find("was not raised yet") != std::string::npos);
    CHECK(std::string(e.what()).find("2027-05-24T08:00:00Z") != std::string::npos);
  }
  // No such challenge at all.
  CHECK_THROWS_AS(engine.view_as_of("BSAB-NOSUCH00", T("2027-06-01T00:00:00Z")), CommandError);
}

TEST_CASE("Milton Keynes feedback given after the outcome, within its 48 hours", "[history]") {
  // "Feedback on the outcome will be given ... 48 hours after the relevant HOS have met":
  // the feedback naturally follows the outcome. Heads of Service meet Fri 12 Mar 2027
  // 14:00 (GMT), the outcome is agreed at 16:00, feedback is due Sun 14 Mar 14:00 and
  // given Sat 13 Mar 10:00. Between the outcome and the feedback the item is neither met
  // nor missed: it is still running.
  const ProcedureLibrary lib = ProcedureLibrary::builtin();
  TempFile file("parley-stage-history-feedback");
  Store store(file.path);
  FixedClock clock(T("2027-03-01T09:00:00Z"));
  IdSource ids(kSeed);
  Engine engine(store, lib, clock, ids);
  const std::vector<Step> steps = {
      {"2027-03-01T09:00:00Z", EventKind::ChallengeOpened, parley::test::open_body("milton-keynes-mktogether"),
       kPractitioner},
      {"2027-03-04T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kPractitioner},
      {"2027-03-05T10:00:00Z", EventKind::Escalated, escalation(), kPractitioner},
      {"2027-03-06T10:00:00Z", EventKind::Escalated, escalation(), kManager},
      {"2027-03-12T14:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kSenior},
      {"2027-03-12T16:00:00Z", EventKind::OutcomeAgreed, outcome(), kSenior},
      {"2027-03-13T10:00:00Z", EventKind::FeedbackGiven, feedback(), kSenior},
  };
  std::string id;
  for (const auto& st : steps) {
    clock.set(T(st.at));
    if (st.kind == EventKind::ChallengeOpened) id = engine.open(st.body, st.by, T(st.at));
    else engine.record(id, st.kind, st.body, st.by, T(st.at));
  }
  auto feedback_item = [](const ChallengeView& v) -> const parley::TimescaleRecord& {
    for (const auto& t : v.timescales)
      if (t.id == "feedback-to-raisers") return t;
    FAIL("no feedback-to-raisers timescale");
    throw;
  };

  // Fri 12 Mar 17:00: resolved an hour ago, feedback due in 45 hours.
  const ChallengeView before = engine.view_as_of(id, T("2027-03-12T17:00:00Z"));
  CHECK(before.status == parley::Status::Resolved);
  const auto& waiting = feedback_item(before);
  REQUIRE(waiting.deadline.has_value());
  CHECK(waiting.deadline->due == T("2027-03-14T14:00:00Z"));
  CHECK_FALSE(waiting.done_at.has_value());
  CHECK_FALSE(waiting.deadline->overdue);
  // Resolving does not end the item's time: the feedback is still given at that stage and
  // counts, so it is not judged yet (null) and no timescale is missed.
  CHECK_FALSE(waiting.met.has_value());
  CHECK_FALSE(before.missed_timescale);

  // Sat 13 Mar 11:00: given in time.
  const ChallengeView after = engine.view_as_of(id, T("2027-03-13T11:00:00Z"));
  const auto& given = feedback_item(after);
  CHECK(given.done_at == T("2027-03-13T10:00:00Z"));
  REQUIRE(given.met.has_value());
  CHECK(*given.met);
  CHECK_FALSE(after.missed_timescale);
}
