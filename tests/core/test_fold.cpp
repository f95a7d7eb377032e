// tests/core/test_fold.cpp — the fold is a pure function of the event set: every order of
// arrival and any duplication give the same state, and concurrent incompatible
// transitions become visible conflicts that only a person's event settles.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {
// What must agree between replicas: the derived view as JSON at a fixed time.
std::string summary(const std::vector<Event>& events) {
  ChallengeState s = fold(events);
  static const ProcedureLibrary lib = ProcedureLibrary::builtin();
  return to_json(derive(s, *lib.find(s.procedure), at("2026-01-20T12:00"))).dump();
}

const Author kA = practitioner("Northshire Council Adult Social Care");
const Author kB = {"Jo Sample", "Safeguarding Lead", "Northshire Community Health NHS Trust", "safeguarding_lead"};
}  // namespace

TEST_CASE("every permutation and duplication of an event set folds to one state", "[fold]") {
  Device a("fold-a", 1, at("2025-12-24T10:00")), b("fold-b", 2, at("2025-12-24T10:00"));
  std::string id = a.engine.open(open_body("shropshire-sscp"), kA, at("2025-12-24T10:00"));
  a.engine.record(id, EventKind::DiscussionRecorded,
                  {{"with", {{{"name", "Jo Sample"}}}}, {"method", "phone"}, {"summary", "Talked"}, {"agreed", false}},
                  kA, at("2025-12-24T11:00"));
  b.pull(a, id);
  // Offline on both sides: A escalates while B records an outcome and a comment.
  a.clock.set(at("2025-12-29T09:00"));
  b.clock.set(at("2025-12-29T09:05"));
  a.engine.record(id, EventKind::Escalated, {{"reason", "No agreement"}, {"tried", "Phone call"}}, kA, at("2025-12-29T09:00"));
  b.engine.record(id, EventKind::OutcomeAgreed, {{"outcome", "Referral reopened"}}, kB, at("2025-12-29T09:05"));
  b.engine.record(id, EventKind::Comment, {{"text", "Agreed on the phone"}}, kB, at("2025-12-29T09:06"));
  a.pull(b, id);
  std::vector<Event> events = a.store.challenge_events(id);
  REQUIRE(events.size() == 5);
  std::string expected = summary(events);
  std::sort(events.begin(), events.end(), [](const Event& x, const Event& y) { return x.id < y.id; });
  int permutations = 0;
  do {
    ++permutations;
    REQUIRE(summary(events) == expected);
  } while (std::next_permutation(events.begin(), events.end(), [](const Event& x, const Event& y) { return x.id < y.id; }));
  CHECK(permutations == 120);
  std::vector<Event> doubled = events;
  doubled.insert(doubled.end(), events.rbegin(), events.rend());
  CHECK(summary(doubled) == expected);
  // And the other replica, which received the events in another order, agrees.
  b.pull(a, id);
  CHECK(summary(b.store.challenge_events(id)) == expected);
}

TEST_CASE("a causal parent always folds before its child, whatever the clocks say", "[fold]") {
  Device a("fold-clock", 3, at("2026-03-02T10:00"));
  std::string id = a.engine.open(open_body("bury-sab"), kA, at("2026-03-02T10:00"));
  a.clock.set(at("2026-03-01T12:00"));   // the device clock jumps back most of a day
  a.engine.record(id, EventKind::Comment, {{"text", "after the opening"}}, kA, at("2026-03-02T10:30"));
  auto order = causal_order(a.store.challenge_events(id));
  REQUIRE(order.size() == 2);
  CHECK(order[0].kind == EventKind::ChallengeOpened);
  CHECK(order[1].hlc > order[0].hlc);   // the hybrid clock never runs backwards
}

TEST_CASE("concurrent incompatible transitions need review until a person settles them", "[fold]") {
  struct Row {
    const char* name;
    EventKind a_kind;
    Json a_body;
    EventKind b_kind;
    Json b_body;
    const char* conflict;   // expected conflict kind, or "" for none
    int stage;
  };
  const Json esc = {{"reason", "No agreement"}, {"tried", "Discussion"}};
  const std::vector<Row> rows = {
      {"two escalations of one stage", EventKind::Escalated, esc, EventKind::Escalated, esc, "concurrent_escalations", 2},
      {"escalation and outcome", EventKind::Escalated, esc, EventKind::OutcomeAgreed, {{"outcome", "Agreed"}},
       "escalation_and_outcome", 2},
      {"two different outcomes", EventKind::OutcomeAgreed, {{"outcome", "Reopen the referral"}}, EventKind::OutcomeAgreed,
       {{"outcome", "Close the referral"}}, "different_outcomes", 1},
      {"the same outcome twice", EventKind::OutcomeAgreed, {{"outcome", "Reopen"}}, EventKind::OutcomeAgreed,
       {{"outcome", "Reopen"}}, "", 1},
      {"comment and escalation", EventKind::Comment, {{"text", "note"}}, EventKind::Escalated, esc, "", 2},
  };
  std::uint64_t seed = 100;
  for (const auto& r : rows) {
    INFO(r.name);
    Device a("conf-a", ++seed, at("2026-02-02T09:00")), b("conf-b", ++seed, at("2026-02-02T09:00"));
    std::string id = a.engine.open(open_body("salford-ssab"), kA, at("2026-02-02T09:00"));
    b.pull(a, id);
    a.clock.set(at("2026-02-03T10:00"));
    b.clock.set(at("2026-02-03T10:00"));
    a.engine.record(id, r.a_kind, r.a_body, kA, at("2026-02-03T09:00"));
    b.engine.record(id, r.b_kind, r.b_body, kB, at("2026-02-03T09:01"));
    a.pull(b, id);
    b.pull(a, id);
    ChallengeState sa = a.engine.state(id), sb = b.engine.state(id);
    CHECK(sa.stage == r.stage);
    CHECK(summary(a.store.challenge_events(id)) == summary(b.store.challenge_events(id)));
    if (std::string(r.conflict).empty()) {
      CHECK_FALSE(sa.needs_review());
      continue;
    }
    REQUIRE(sa.conflicts.size() == 1);
    CHECK(sa.conflicts[0].kind == r.conflict);
    CHECK(sa.needs_review());
    CHECK(a.store.challenge(id)->needs_review);   // the projection shows it in lists
    // A person settles it on B; A sees it settled after the next sync.
    b.clock.set(at("2026-02-04T10:00"));
    b.engine.record(id, EventKind::ReviewSettled, {{"conflict", sa.conflicts[0].id}, {"decision", "Spoke to both; stage stands"}},
                    kB, at("2026-02-04T09:00"));
    a.pull(b, id);
    CHECK_FALSE(a.engine.state(id).needs_review());
    CHECK_FALSE(a.store.challenge(id)->needs_review);
  }
}

TEST_CASE("a settlement that had not seen both sides does not settle", "[fold]") {
  Device a("settle-a", 7, at("2026-02-02T09:00")), b("settle-b", 8, at("2026-02-02T09:00"));
  std::string id = a.engine.open(open_body("salford-ssab"), kA, at("2026-02-02T09:00"));
  b.pull(a, id);
  a.clock.set(at("2026-02-03T10:00"));
  b.clock.set(at("2026-02-03T10:00"));
  const Json esc = {{"reason", "No agreement"}, {"tried", "Discussion"}};
  a.engine.record(id, EventKind::Escalated, esc, kA, at("2026-02-03T09:00"));
  b.engine.record(id, EventKind::Escalated, esc, kB, at("2026-02-03T09:00"));
  a.pull(b, id);
  ChallengeState s = a.engine.state(id);
  REQUIRE(s.needs_review());
  // Forge a settlement whose parents are only the opening: it did not see the conflict.
  Event forged = s.events.front();
  forged.id = "ffffffffffffffffffffffffffffffff";
  forged.kind = EventKind::ReviewSettled;
  forged.seq = 99;
  forged.parents = {s.events.front().id};
  forged.parent_hashes = {s.events.front().hash};
  forged.body = {{"conflict", s.conflicts[0].id}, {"decision", "blind"}};
  forged.hash = content_hash(forged);
  std::vector<Event> all = s.events;
  all.push_back(forged);
  CHECK(fold(all).needs_review());
}

TEST_CASE("events whose parents have not arrived still fold", "[fold]") {
  Device a("gap", 9, at("2026-02-02T09:00"));
  std::string id = a.engine.open(open_body("bury-sab"), kA, at("2026-02-02T09:00"));
  a.engine.record(id, EventKind::Comment, {{"text", "one"}}, kA, at("2026-02-02T10:00"));
  a.engine.record(id, EventKind::Comment, {{"text", "two"}}, kA, at("2026-02-02T11:00"));
  auto events = a.store.challenge_events(id);
  events.erase(events.begin() + 1);   // the middle one is still in transit
  ChallengeState s = fold(events);
  CHECK(s.opened);
  CHECK(s.events.size() == 2);
  CHECK(s.heads.size() == 2);          // the opening looks like a head: nothing received names it
}

TEST_CASE("a correction changes what is shown but keeps the original", "[fold]") {
  Device a("correct", 11, at("2026-02-02T09:00"));
  std::string id = a.engine.open(open_body("bury-sab"), kA, at("2026-02-02T09:00"));
  std::string opened = a.engine.state(id).events.front().id;
  a.engine.record(id, EventKind::Correction,
                  {{"corrects", opened}, {"reason", "Typo"}, {"changes", {{"summary", "Corrected summary"}}}}, kA,
                  at("2026-02-02T09:30"));
  ChallengeState s = a.engine.state(id);
  CHECK(s.opened_body["summary"] == "Corrected summary");
  CHECK(s.events.front().body["summary"] != "Corrected summary");
  REQUIRE(s.corrections.count(opened) == 1);
  CHECK(s.corrections.at(opened).size() == 1);
}
