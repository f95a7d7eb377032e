// tests/core/test_engine.cpp — commands are checked against the state and procedure: a
// refused command names what to fix and writes nothing; deadlines are described in words.
#include <catch2/catch.hpp>

#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {
const Author kA = practitioner();
}

TEST_CASE("refused commands say what to fix and write nothing", "[engine]") {
  struct Row {
    const char* name;
    EventKind kind;
    Json body;
    const char* message;
  };
  const Json discussion = {{"with", {{{"name", "Jo Sample"}}}}, {"method", "phone"}, {"summary", "Talked"}, {"agreed", false}};
  auto without = [](Json j, const char* key) { j.erase(key); return j; };
  auto with = [](Json j, const char* key, const char* value) { j[key] = value; return j; };
  const std::vector<Row> rows = {
      {"outcome missing", EventKind::OutcomeAgreed, Json::object(), "Enter the outcome"},
      {"outcome blank", EventKind::OutcomeAgreed, {{"outcome", "   "}}, "Enter the outcome"},
      {"discussion with nobody", EventKind::DiscussionRecorded, without(discussion, "with"), "who the discussion was with"},
      {"discussion method unknown", EventKind::DiscussionRecorded, with(discussion, "method", "pigeon"), "'pigeon' is not one of"},
      {"discussion agreement unstated", EventKind::DiscussionRecorded, without(discussion, "agreed"), "whether the discussion reached agreement"},
      {"escalation without what was tried", EventKind::Escalated, {{"reason", "No agreement"}}, "what was tried"},
      {"expedite without reason", EventKind::Expedited, Json::object(), "Enter who is at risk of harm, and why"},
      {"signing before an outcome", EventKind::RecordSigned,
       {{"side", "challenger"}, {"name", "A"}, {"job_title", "B"}, {"agency", "C"}, {"date", "2026-01-05"}}, "record the outcome first"},
      {"closing before an outcome", EventKind::Closed, Json::object(), "record the outcome (or a referral elsewhere)"},
      {"unknown route", EventKind::Referred, {{"route", "ombudsman"}}, "'ombudsman' is not one of"},
      {"action without owner", EventKind::ActionAgreed, {{"description", "Visit"}}, "Enter who will do it"},
      {"action due date malformed", EventKind::ActionAgreed, {{"description", "Visit"}, {"owner", "Jo"}, {"due", "5/1/2026"}}, "as year-month-day, for example"},
      {"completing an unknown action", EventKind::ActionCompleted, {{"action", "0123456789abcdef0123456789abcdef"}}, "no agreed action"},
      {"settling no conflict", EventKind::ReviewSettled, {{"conflict", "conflict-000000000000"}, {"decision", "x"}}, "no unsettled conflict"},
      {"fulfilling an unknown step", EventKind::Comment, {{"text", "x"}, {"fulfils", {"make-tea"}}}, "'make-tea' is not a required action of stage 1"},
      {"opening twice", EventKind::ChallengeOpened, Json::object(), "opened once"},
      {"correcting a missing event", EventKind::Correction, {{"corrects", "0123456789abcdef0123456789abcdef"}, {"reason", "x"}}, "no event"},
      {"comment too long", EventKind::Comment, {{"text", std::string(kMaxTextLength + 1, 'x')}}, "longer than"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    Device d("engine-refuse", 41, at("2026-01-05T09:00"));
    std::string id = d.engine.open(open_body("shropshire-sscp"), kA, at("2026-01-05T09:00"));
    std::int64_t before = d.store.event_count();
    CHECK_THROWS_WITH(d.engine.record(id, r.kind, r.body, kA, at("2026-01-05T10:00")), Catch::Contains(r.message));
    CHECK(d.store.event_count() == before);
  }
}

TEST_CASE("opening checks the imminent-risk question and the details", "[engine]") {
  struct Row {
    const char* name;
    std::function<void(Json&)> edit;
    const char* message;
  };
  const std::vector<Row> rows = {
      {"unknown procedure", [](Json& j) { j["procedure"] = "nowhere-sab"; }, "unknown procedure 'nowhere-sab'"},
      {"question not answered", [](Json& j) { j.erase("imminent_risk"); }, "imminent-risk question"},
      {"no subject", [](Json& j) { j.erase("subject"); }, "Enter the name of the person this is about"},
      {"subject date of birth", [](Json& j) { j["subject"]["date_of_birth"] = "1950-02-30"; }, "date of birth"},
      {"no challenged agency", [](Json& j) { j["challenged"].erase("agency"); }, "Enter the other agency, whose decision you disagree with"},
      {"unknown category", [](Json& j) { j["category"] = "gossip"; }, "category 'gossip'"},
      {"no summary", [](Json& j) { j.erase("summary"); }, "Enter the reason for the dispute"},
      {"unknown risk", [](Json& j) { j["risk"] = "high"; }, "risk 'high'"},
      {"unknown role", [](Json& j) { j["challenger"]["role"] = "boss"; }, "challenger role 'boss'"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    Device d("engine-open", 42, at("2026-01-05T09:00"));
    Json body = open_body("bury-sab");
    r.edit(body);
    CHECK_THROWS_WITH(d.engine.open(body, kA), Catch::Contains(r.message));
    CHECK(d.store.event_count() == 0);
  }
}

TEST_CASE("times are checked against the clock and the challenge", "[engine]") {
  Device d("engine-time", 43, at("2026-01-05T09:00"));
  std::string id = d.engine.open(open_body("bury-sab"), kA, at("2026-01-05T09:00"));
  CHECK_THROWS_WITH(d.engine.record(id, EventKind::Comment, {{"text", "x"}}, kA, at("2026-01-07T09:00")),
                    Catch::Contains("in the future"));
  CHECK_THROWS_WITH(d.engine.record(id, EventKind::Comment, {{"text", "x"}}, kA, at("2026-01-04T09:00")),
                    Catch::Contains("before the challenge was raised"));
  CHECK_THROWS_WITH(d.engine.record(id, EventKind::Comment, {{"text", "x"}}, Author{"", "", "", ""}),
                    Catch::Contains("say who is recording"));
  CHECK_THROWS_WITH(d.engine.record("BURY-NOPE", EventKind::Comment, {{"text", "x"}}, kA), Catch::Contains("no challenge"));
  CHECK(d.store.event_count() == 1);
}

TEST_CASE("a closed challenge takes only what the record may still need", "[engine]") {
  Device d("engine-closed", 44, at("2026-01-05T09:00"));
  std::string id = d.engine.open(open_body("bury-sab"), kA, at("2026-01-05T09:00"));
  d.engine.record(id, EventKind::OutcomeAgreed, {{"outcome", "Agreed"}}, kA);
  d.engine.record(id, EventKind::Closed, {{"reason", "Resolved"}, {"override_reason", "Settled before a discussion was held."}}, kA);
  struct Row {
    EventKind kind;
    Json body;
    bool allowed;
  };
  const std::vector<Row> rows = {
      {EventKind::Comment, {{"text", "after closing"}}, true},
      {EventKind::LearningRecorded, {{"review", "none"}, {"lessons", "Share the referral route"}}, true},
      {EventKind::RecordSigned, {{"side", "challenged"}, {"name", "Jo"}, {"job_title", "Lead"}, {"agency", "NHS"}, {"date", "2026-01-05"}}, true},
      {EventKind::Escalated, {{"reason", "r"}, {"tried", "t"}}, false},
      {EventKind::DiscussionRecorded, {{"with", {{{"name", "Jo"}}}}, {"method", "phone"}, {"summary", "s"}, {"agreed", true}}, false},
      {EventKind::Closed, Json::object(), false},
  };
  for (const auto& r : rows) {
    INFO(to_string(r.kind));
    if (r.allowed) CHECK_NOTHROW(d.engine.record(id, r.kind, r.body, kA));
    else CHECK_THROWS_WITH(d.engine.record(id, r.kind, r.body, kA), Catch::Contains("is closed"));
  }
}

TEST_CASE("deadlines are described in words with the bank holidays they skip", "[engine]") {
  struct Row {
    int amount;
    TimeUnit unit;
    const char* from;
    const char* words;
  };
  const Row rows[] = {
      {2, TimeUnit::WorkingDays, "2025-12-24T10:00", "due Tue 30 Dec 2025 (2 working days; 25, 26 Dec are bank holidays)"},
      {4, TimeUnit::WorkingDays, "2025-12-24T10:00", "due Fri 2 Jan 2026 (4 working days; 25, 26 Dec, 1 Jan are bank holidays)"},
      {1, TimeUnit::WorkingDays, "2026-04-02T10:00", "due Tue 7 Apr 2026 (1 working day; 3, 6 Apr are bank holidays)"},
      {3, TimeUnit::WorkingDays, "2026-03-02T10:00", "due Thu 5 Mar 2026 (3 working days)"},
      {7, TimeUnit::CalendarDays, "2025-12-24T10:00", "due Wed 31 Dec 2025 (7 days)"},
      // Hours are elapsed time: 48 hours from 10:00 GMT on Sat 28 Mar end at 10:00 UTC on
      // Mon 30 Mar, which is 11:00 on the clock after the clocks went forward on 29 Mar.
      {48, TimeUnit::Hours, "2026-03-28T10:00", "due Mon 30 Mar 2026 11:00 (48 hours)"},
  };
  for (const auto& r : rows) {
    Timescale t;
    t.amount = r.amount;
    t.unit = r.unit;
    Deadline d = make_deadline(t, Region::EnglandAndWales, at(r.from), at(r.from));
    INFO(r.from);
    CHECK(d.words == r.words);
    CHECK_FALSE(d.overdue);
  }
}

TEST_CASE("a deadline is overdue only after the end of its UK day", "[engine]") {
  Timescale t;
  t.amount = 2;
  t.unit = TimeUnit::WorkingDays;
  // Due Tue 30 Dec 2025, GMT: overdue from 31 Dec 00:00 UTC. In summer, BST moves it an hour.
  CHECK_FALSE(make_deadline(t, Region::EnglandAndWales, at("2025-12-24T10:00"), at("2025-12-30T23:59:59Z")).overdue);
  CHECK(make_deadline(t, Region::EnglandAndWales, at("2025-12-24T10:00"), at("2025-12-31T00:00:00Z")).overdue);
  CHECK_FALSE(make_deadline(t, Region::EnglandAndWales, at("2026-06-01T10:00"), at("2026-06-03T22:59:59Z")).overdue);
  CHECK(make_deadline(t, Region::EnglandAndWales, at("2026-06-01T10:00"), at("2026-06-03T23:00:00Z")).overdue);
}
