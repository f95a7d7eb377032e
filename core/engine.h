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
  // copied_to[]. When imminent_risk is true the Board's emergency guidance is recorded as
  // shown (the caller shows it). Returns the new challenge id.
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
