// core/fold.h — a challenge's state as a pure, deterministic fold over its events.
//
// Model (sync brief): the events of a challenge form a set; order of arrival and
// repetition do not matter. fold() sorts the set into causal order (an event always after
// the events it had seen), breaking ties by hybrid clock, then device, then id, and
// applies each event. Concurrent incompatible transitions — two escalations of the same
// stage, an escalation concurrent with an outcome or a closure, two different outcomes —
// are never settled silently: they become Conflicts ("needs review") until a person
// records a review_settled event that had seen them.
//
// The fold knows nothing of procedures, calendars or clocks; derived timing (deadlines,
// overdue, checklists) is computed by the engine from this state (engine.h).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event.h"

namespace parley {

struct StageVisit {
  int number = 0;
  std::int64_t started_at = 0;        // `at` of the event that entered it
  std::string event_id;               // challenge_opened or escalated
};

struct AgreedAction {
  std::string event_id, description, owner, due;   // due: YYYY-MM-DD or empty
  int stage = 0;
  bool completed = false;
  std::string completed_by_event;
};

struct Conflict {
  std::string id;                     // stable: "conflict-" + first 12 hex of sha256(sorted ids)
  std::string kind;                   // "concurrent_escalations", "escalation_and_outcome", ...
  std::string description;
  std::vector<std::string> events;    // the events in conflict
  bool settled = false;
  std::string settled_by;             // review_settled event id
};

struct ChallengeState {
  std::string id;
  bool opened = false;                // false until the challenge_opened event is present
  std::string procedure;              // procedure id
  std::string procedure_digest;
  Json opened_body = Json::object();  // challenge_opened body, with corrections applied
  std::int64_t opened_at = 0;
  int stage = 0;
  std::vector<StageVisit> stages;     // every stage entered, in order
  bool expedite_recorded = false;     // an `expedited` event was recorded (see expedited() in
                                      // core/procedure_rules.h for what the procedure adds)
  bool imminent_risk = false;         // the opening said someone was at imminent risk
  std::string risk;                   // "standard", "at_risk"
  bool imminent_risk_guidance_shown = false;
  bool outcome_recorded = false;
  Json outcome = Json::object();      // latest outcome_agreed body (corrections applied)
  std::optional<int> resolution_stage;
  std::optional<std::int64_t> resolved_at;
  bool closed = false;
  std::optional<std::int64_t> closed_at;
  std::vector<Json> parties;          // party_added bodies
  std::vector<AgreedAction> actions;
  std::map<std::string, Json> signatures;            // side -> record_signed body
  std::vector<std::string> referrals;                // route kinds referred to
  std::map<std::string, std::vector<std::string>> corrections;   // event id -> correcting ids
  std::vector<Conflict> conflicts;
  std::vector<Event> events;          // every event, in fold order (deduplicated)
  std::map<std::string, int> event_stage;            // event id -> stage it was recorded at
  std::vector<std::string> heads;     // ids no other event names as a parent (sorted)

  bool needs_review() const;
  const Event* find(const std::string& id) const;
  // The body of an event with every correction that names it merged in (JSON merge patch
  // of each correction's "changes", in fold order). The original is kept in `events`.
  Json corrected_body(const std::string& event_id) const;
};

// Folds any collection of events of one challenge (duplicates by id are ignored; events
// of other challenges are ignored). Deterministic for a given set.
ChallengeState fold(std::vector<Event> events);

// Adds one event that had seen every event of `s` (its parents are all of s.heads): the
// same state as folding everything again, for the fields the event rules read, in time
// that does not grow with the history (the office server checks long pushes this way).
// Such an event is concurrent with nothing, so it raises no conflict; a review_settled
// added this way is not applied to s.conflicts (fold again to see it settled).
void extend(ChallengeState& s, const Event& e);

// The order fold() applies events in; exposed for tests and the timeline.
std::vector<Event> causal_order(std::vector<Event> events);

}  // namespace parley
