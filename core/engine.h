// core/engine.h — the procedure engine: what a challenge's state means under its
// procedure (stage, deadline, checklist, time taken), and the commands that change it.
//
// Model: a command is validated against the challenge's current state and its procedure,
// becomes one or more new events (with this device's id and sequence, the hybrid clock,
// and the current heads as parents), and is stored with the refreshed projection in one
// transaction — all of it or none of it. Derived values are never stored as truth: they
// are computed from the fold, the procedure, the calendar and an "as of" time.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/clock.h"
#include "core/event_rules.h"
#include "core/fold.h"
#include "core/procedure.h"
#include "core/store.h"

namespace parley {

struct Deadline {
  std::int64_t due = 0;              // UTC ms (end of the UK day for day-based units)
  Date due_date;                     // UK local date it falls on
  bool overdue = false;              // as of the time asked
  std::string measured_from;         // "the challenge being raised", "the start of stage 3", ...
  std::string words;                 // "due Tue 30 Dec 2025 (2 working days; 25, 26 Dec are bank holidays)"
  Timescale timescale;
};

struct ChecklistItem {
  std::string id, text, source;
  bool done = false;
  std::vector<std::string> done_by;  // event ids
  std::optional<Deadline> deadline;  // for items with their own timescale
  bool notification = false;
};

// One stage the challenge reached: when it was entered and left, its timescale as the
// procedure sets it, and whether that was met.
struct StageRecord {
  int number = 0;
  std::string name;
  std::int64_t entered_at = 0;
  std::string entered_by;                 // event id (challenge_opened or escalated)
  std::optional<std::int64_t> left_at;    // none while the challenge is still at it
  std::string left_how;                   // "escalated", "resolved", "closed"; empty while running
  std::string left_by;                    // the escalation that left it (empty otherwise)
  std::optional<Deadline> deadline;       // none when the procedure sets no timescale
  std::string deadline_pending;           // why the timescale has no date yet
  std::optional<std::int64_t> met_at;     // the moment that counts: leaving, or the named event
  std::string met_by_event;               // the named event that met it (timescale met_by)
  std::optional<bool> met;                // null: no timescale, or running and not yet met
  int working_days = 0, calendar_days = 0;   // at the stage, up to leaving it (or as of)
  std::string words;                      // "Stage 3 took 6 working days; the procedure allows 5 (...)"
};

// A timescale and whether it was met: each stage's, each checklist item's (feedback within
// 48 hours of a meeting) and the challenge's as a whole (id "challenge").
struct TimescaleRecord {
  std::string id, label, source;
  int stage = 0;                          // 0: the challenge as a whole
  std::optional<Deadline> deadline;       // none: no timescale, or its start not recorded yet
  std::optional<std::int64_t> done_at;
  std::string done_by;                    // event id
  std::optional<bool> met;                // null: no timescale, or not done and not yet due
  std::string words;
};

// A route out of the procedure (complaints, Court of Protection, ...) and whether it is
// open to this challenge now.
struct RouteOffer {
  const Route* route = nullptr;
  bool available = false;                 // the challenge has reached the route's first stage
  bool suggested = false;                 // offered first: the subject lacks capacity, say
  std::string words;                      // "available from stage 2", "the adult lacks capacity ..."
};

struct ChallengeView {
  ChallengeState state;
  const Procedure* procedure = nullptr;
  Status status = Status::Open;
  int stage = 0;
  std::string stage_name;
  std::optional<Deadline> deadline;  // current stage's deadline; none without a timescale
  std::string deadline_pending;      // why a timescale has no date yet (named event not recorded)
  std::vector<ChecklistItem> checklist;
  bool overdue = false;
  int working_days_at_stage = 0;
  int calendar_days_at_stage = 0;
  std::optional<int> working_days_taken;   // opened -> outcome (or closure)
  std::optional<int> calendar_days_taken;
  std::vector<StageRecord> stage_history;  // every stage reached, in order (re-entries included)
  std::vector<TimescaleRecord> timescales;
  bool missed_timescale = false;           // some timescale met == false, or running past due
  bool expedited = false;                  // flagged, or at risk where the procedure expedites
  bool same_agency = false;                // both sides are one agency (by agency id)
  std::vector<std::string> warnings;       // plain sentences for the challenge screen and form
  std::vector<RouteOffer> routes;
};

// Derives the view as of `as_of` (UTC ms). `procedure` must be the challenge's.
ChallengeView derive(const ChallengeState& state, const Procedure& procedure, std::int64_t as_of,
                     const Calendar& calendar = Calendar::builtin());
Json to_json(const ChallengeView& view);

// Describes a timescale's end in words, listing bank holidays it skipped.
Deadline make_deadline(const Timescale& t, Region region, std::int64_t from_ms, std::int64_t as_of,
                       const Calendar& calendar = Calendar::builtin());

struct Author {
  std::string name, job_title, agency, role;
  Json to_json() const;
};

class Engine {
 public:
  Engine(Store& store, const ProcedureLibrary& procedures, const Clock& clock, IdSource& ids,
         const Calendar& calendar = Calendar::builtin());

  // Opens a challenge. `body` holds: procedure, subject{name, kind, identifiers,
  // date_of_birth, lacks_capacity, views}, challenger{name, job_title, agency, role},
  // challenged{name, job_title, agency, role}, category, summary, agency_views, risk
  // ("standard" | "at_risk"), imminent_risk (bool: the question was asked and answered),
  // copied_to[], agency_not_listed (bool: the person chose "not in the list"). The other
  // agency is settled against the store's agency directory (core/agencies.h
  // settle_challenged_agency): an unlisted one without the marker is a RuleError at
  // "body.challenged.agency". When imminent_risk is true the Board's emergency guidance is
  // recorded as shown (the caller shows it). Returns the new challenge id.
  std::string open(Json body, const Author& author, std::optional<std::int64_t> at = {});

  // Records one event of `kind` on a challenge after checking it against the state and
  // procedure. Returns the new event id.
  std::string record(const std::string& challenge, EventKind kind, Json body, const Author& author,
                     std::optional<std::int64_t> at = {});

  // Merges events from elsewhere (a bundle). Each must verify (hash, shape, challenge);
  // all are stored or none. Returns how many were new.
  std::size_t merge(const std::vector<Event>& events);

  ChallengeState state(const std::string& challenge);
  ChallengeView view(const std::string& challenge, std::int64_t as_of);
  // The challenge as it stood at `as_of`: only events whose stated time (`at`, when it
  // happened) is not after as_of are folded. Throws CommandError if it was not yet raised.
  ChallengeView view_as_of(const std::string& challenge, std::int64_t as_of);
  const Procedure& procedure_of(const ChallengeState& s) const;
  void rebuild_projections();
  // Resolves an event id or unique prefix in a challenge; throws CommandError.
  std::string resolve_event(const std::string& challenge, const std::string& id_or_prefix);

  const Clock& clock() const { return clock_; }
  Store& store() { return store_; }
  const ProcedureLibrary& procedures() const { return procedures_; }

 private:
  Event make_event(const std::string& challenge, EventKind kind, Json body, const Author& author,
                   std::int64_t at, const std::vector<std::string>& parents, const ChallengeState* state);
  void refresh_projection(const std::string& challenge);

  Store& store_;
  const ProcedureLibrary& procedures_;
  const Clock& clock_;
  IdSource& ids_;
  const Calendar& calendar_;
};

}  // namespace parley
