// core/guide.h — what comes next on a challenge, for the person looking at it: when the
// current stage is due, in words for a coloured tag ("Due in 2 working days — Tue 8 Dec",
// "Overdue by 1 working day — was due Mon 7 Dec"); the actions that fit this stage and
// this person's role level, first, and the rest; and a hand-over when the stage (or the
// next one) belongs to someone else ("Stage 2 is for line managers: tell your line
// manager").
//
// Model: nothing here is a new rule. Whether an action would be accepted is asked of the
// rules that check the event (event_rules.h kind_refusal, procedure_rules.h
// stage_role_refusal); this file only orders what they allow and says it in words. The
// clock is the caller's `now`, so the words are tested at pinned times.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine.h"

namespace parley {

enum class DueTone {
  None,      // no timescale at this stage
  Due,       // due later than the next working day
  Soon,      // due on the next working day
  Today,     // due by the end of today
  Overdue,   // past its deadline
};

struct DueTag {
  DueTone tone = DueTone::None;
  std::string words;   // "" with DueTone::None
};

// The tag for a deadline as of `now` (UTC ms): counted in the deadline's own unit
// (working days across the region's bank holidays, calendar days; hours say the time).
//   "Due in 2 working days — Tue 8 Dec", "Due in 1 working day — Mon 7 Dec",
//   "Due today — Tue 8 Dec", "Overdue by 1 working day — was due Mon 7 Dec",
//   "Overdue — was due Fri 4 Dec" (late, with no whole working day gone since).
DueTag due_tag(const Deadline& deadline, Region region, std::int64_t now,
               const Calendar& calendar = Calendar::builtin());

// Where an action is offered on the challenge screen.
enum class Fit {
  Now,    // what this stage asks for next, by this person: shown first
  More,   // allowed, but not what comes next: under "More actions"
};

struct NextAction {
  EventKind kind;
  Fit fit = Fit::More;
};

struct NextSteps {
  DueTag due;                        // the current stage's deadline (None: no timescale)
  std::vector<NextAction> actions;   // every action that would be accepted; Now ones first
  // When the current stage (or the next one, after an escalation) is for a role level
  // above `author`'s: "Stage 2 is for line managers: tell your line manager". The
  // stage's `who` in the procedure's own words goes in handover_who.
  std::string handover, handover_who;
};

// What `author` ({name, agency, role}) can do next on the challenge `v` describes, as of
// `now`. Actions the rules would refuse (closed, last stage, not this role's stage, the
// Board where it does not act) are left out; a route out of the procedure is offered only
// once the challenge reaches it; a notification only when the procedure names someone to
// notify.
NextSteps next_steps(const ChallengeView& v, const Json& author, std::int64_t now,
                     const Calendar& calendar = Calendar::builtin());

// "line managers or safeguarding leads" / "your line manager or safeguarding lead": the role
// levels acting at a stage, for the hand-over.
std::string stage_people_words(const Stage& stage, bool plural);

}  // namespace parley
