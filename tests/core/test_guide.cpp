// tests/core/test_guide.cpp — what comes next on a challenge (core/guide.h): the due tag's
// words at pinned times, across weekends and bank holidays; the actions offered first for
// the stage and the person's role level; the hand-over; a form's problems all at once in
// plain words, and which fields are required.
#include <catch2/catch.hpp>

#include "core/guide.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {

Deadline deadline_on(const char* date, TimeUnit unit = TimeUnit::WorkingDays, const char* time = nullptr) {
  Deadline d;
  d.due_date = *parse_date(date);
  d.due = time ? at(std::string(date) + "T" + time) : uk_end_of_day_utc_ms(d.due_date);
  d.timescale.unit = unit;
  d.timescale.amount = 2;
  return d;
}

const char* tone_name(DueTone t) {
  switch (t) {
    case DueTone::None: return "none";
    case DueTone::Due: return "due";
    case DueTone::Soon: return "soon";
    case DueTone::Today: return "today";
    case DueTone::Overdue: return "overdue";
  }
  return "?";
}

std::vector<std::string> kinds(const NextSteps& n, Fit fit) {
  std::vector<std::string> out;
  for (const auto& a : n.actions)
    if (a.fit == fit) out.push_back(std::string(to_string(a.kind)));
  return out;
}

Json as(const char* role, const char* agency = "Northshire Council Adult Social Care") {
  return {{"name", "Sam Example"}, {"agency", agency}, {"role", role}};
}

}  // namespace

TEST_CASE("the due tag counts what is left, or how late, in the deadline's own unit", "[guide]") {
  struct Row {
    const char* name;
    Deadline d;
    const char* now;
    const char* tone;
    const char* words;
  };
  // 2026: Tue 8 Dec; Christmas Day is a Friday, Boxing Day's substitute Mon 28 Dec.
  const std::vector<Row> rows = {
      {"two working days left", deadline_on("2026-12-08"), "2026-12-04T12:00", "due", "Due in 2 working days — Tue 8 Dec"},
      {"one working day left", deadline_on("2026-12-08"), "2026-12-07T09:00", "soon", "Due in 1 working day — Tue 8 Dec"},
      {"over a weekend, one working day", deadline_on("2026-12-07"), "2026-12-05T10:00", "soon",
       "Due in 1 working day — Mon 7 Dec"},
      {"due today", deadline_on("2026-12-08"), "2026-12-08T16:30", "today", "Due today"},
      {"one working day late", deadline_on("2026-12-08"), "2026-12-09T09:00", "overdue",
       "Overdue by 1 working day — was due Tue 8 Dec"},
      {"three working days late", deadline_on("2026-12-08"), "2026-12-11T09:00", "overdue",
       "Overdue by 3 working days — was due Tue 8 Dec"},
      {"late on the weekend after", deadline_on("2026-12-04"), "2026-12-05T10:00", "overdue", "Overdue — was due Fri 4 Dec"},
      {"bank holidays are not counted", deadline_on("2026-12-30"), "2026-12-24T10:00", "due",
       "Due in 2 working days — Wed 30 Dec"},
      {"late across bank holidays", deadline_on("2026-12-24"), "2026-12-29T10:00", "overdue",
       "Overdue by 1 working day — was due Thu 24 Dec"},
      {"calendar days, due on a Saturday", deadline_on("2026-12-12", TimeUnit::CalendarDays), "2026-12-08T10:00", "due",
       "Due in 4 days — Sat 12 Dec"},
      {"calendar days, late", deadline_on("2026-12-12", TimeUnit::CalendarDays), "2026-12-14T10:00", "overdue",
       "Overdue by 2 days — was due Sat 12 Dec"},
      {"hours, due this afternoon", deadline_on("2026-12-08", TimeUnit::Hours, "14:00"), "2026-12-08T10:00", "today",
       "Due today — Tue 8 Dec 14:00"},
      {"hours, an hour late", deadline_on("2026-12-08", TimeUnit::Hours, "14:00"), "2026-12-08T15:00", "overdue",
       "Overdue — was due Tue 8 Dec 14:00"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    DueTag t = due_tag(r.d, Region::EnglandAndWales, at(r.now));
    CHECK(t.words == r.words);
    CHECK(std::string(tone_name(t.tone)) == r.tone);
  }
}

TEST_CASE("next steps put this stage's actions for this person first, and hand over", "[guide]") {
  Device d("guide-steps", 71, at("2026-12-07T09:00"));
  const Author manager{"Pat Manager", "Team Manager", "Northshire Council Adult Social Care", "line_manager"};
  std::string id = d.engine.open(open_body("shropshire-sscp"), manager, at("2026-12-07T09:00"));
  auto steps = [&](const Json& who, const char* now) { return next_steps(d.engine.view(id, at(now)), who, at(now)); };

  // Stage 1 (practitioners, 2 working days from raising): a practitioner's next steps, and
  // who takes stage 2.
  NextSteps s1 = steps(as("practitioner"), "2026-12-07T10:00");
  CHECK(s1.due.words == "Due in 2 working days — Wed 9 Dec");
  CHECK(kinds(s1, Fit::Now) == std::vector<std::string>{"discussion_recorded", "escalated", "outcome_agreed"});
  CHECK(kinds(s1, Fit::More) == std::vector<std::string>{"notification_sent", "action_agreed", "feedback_given",
                                                          "learning_recorded", "views_recorded", "expedited", "comment"});
  CHECK(s1.handover == "Stage 2 is for line managers: when you escalate, tell your line manager.");
  CHECK_FALSE(s1.handover_who.empty());
  // A line manager takes stage 2 themselves: no hand-over.
  CHECK(steps(as("line_manager"), "2026-12-07T10:00").handover.empty());

  d.clock.set(at("2026-12-08T09:00"));
  d.engine.record(id, EventKind::Escalated, {{"reason", "No agreement"}, {"tried", "A phone call"}}, manager,
                  at("2026-12-08T09:00"));
  // Stage 2 is the line managers': a practitioner records discussions; escalating and the
  // outcome are not offered (the rules would refuse them), and the hand-over says who.
  NextSteps s2 = steps(as("practitioner"), "2026-12-08T10:00");
  CHECK(kinds(s2, Fit::Now) == std::vector<std::string>{"discussion_recorded", "action_agreed"});
  for (const auto& a : s2.actions) {
    CHECK(a.kind != EventKind::Escalated);
    CHECK(a.kind != EventKind::OutcomeAgreed);
  }
  CHECK(s2.handover == "Stage 2 is for line managers: tell your line manager.");
  NextSteps m2 = steps(as("line_manager"), "2026-12-08T10:00");
  CHECK(kinds(m2, Fit::Now) == std::vector<std::string>{"discussion_recorded", "escalated", "outcome_agreed"});
  CHECK(m2.handover.empty());   // stage 3 is a line manager's too
  NextSteps p2 = steps(as("director"), "2026-12-08T10:00");
  CHECK(p2.handover.empty());
  // Past the deadline (stage 2: 4 working days from raising, Fri 11 Dec).
  CHECK(steps(as("line_manager"), "2026-12-14T10:00").due.words == "Overdue by 1 working day — was due Fri 11 Dec");

  // Resolved: feedback, signatures, learning and closing come first; no tag.
  d.clock.set(at("2026-12-09T09:00"));
  d.engine.record(id, EventKind::OutcomeAgreed, {{"outcome", "Referral reopened"}}, manager, at("2026-12-09T09:00"));
  NextSteps r = steps(as("line_manager"), "2026-12-09T10:00");
  CHECK(r.due.tone == DueTone::None);
  CHECK(kinds(r, Fit::Now) == std::vector<std::string>{"feedback_given", "record_signed", "learning_recorded", "closed"});
  CHECK(r.handover.empty());
}

TEST_CASE("a form's problems come all at once, in plain words, at their fields", "[guide][event_rules]") {
  Json open = open_body("shropshire-sscp");
  open["subject"]["name"] = " ";
  open["challenged"].erase("agency");
  open.erase("summary");
  std::vector<FieldProblem> got = body_problems(EventKind::ChallengeOpened, open);
  REQUIRE(got.size() == 3);
  CHECK(got[0].field == "subject.name");
  CHECK(got[0].message == "Enter the name of the person this is about");
  CHECK(got[1].field == "challenged.agency");
  CHECK(got[1].message == "Enter the other agency, whose decision you disagree with");
  CHECK(got[2].field == "summary");
  CHECK(got[2].message == "Enter the reason for the dispute");
  CHECK(body_problems(EventKind::ChallengeOpened, open_body("shropshire-sscp")).empty());

  // The same words from the rule that refuses the event (engine, office server, CLI).
  try {
    check_body(EventKind::ChallengeOpened, open);
    FAIL("refused");
  } catch (const RuleError& e) {
    CHECK(e.field == "body.subject.name");
    CHECK(std::string(e.what()) == "Enter the name of the person this is about");
  }

  struct Row {
    EventKind kind;
    const char* path;
    bool required;
  };
  const std::vector<Row> rows = {
      {EventKind::ChallengeOpened, "subject.name", true},       {EventKind::ChallengeOpened, "subject.date_of_birth", false},
      {EventKind::ChallengeOpened, "challenged.agency", true},  {EventKind::ChallengeOpened, "challenged.name", false},
      {EventKind::ChallengeOpened, "summary", true},            {EventKind::ChallengeOpened, "agency_views", false},
      {EventKind::DiscussionRecorded, "with", true},            {EventKind::DiscussionRecorded, "subject_views", false},
      {EventKind::Escalated, "reason", true},                   {EventKind::Escalated, "override_reason", false},
      {EventKind::ActionAgreed, "due", false},                  {EventKind::Closed, "reason", false},
  };
  for (const auto& r : rows) {
    INFO(r.path);
    CHECK(field_required(r.kind, r.path) == r.required);
  }
}
