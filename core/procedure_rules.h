// core/procedure_rules.h — the rules each Board states in its procedure, read from the
// procedure's data and enforced for every event, wherever it is made or received.
//
// Model: core/event_rules.h describes each event kind and the rules that hold under any
// procedure (an escalation goes to the next stage, an outcome is recorded once). This file
// adds what a particular procedure says: who acts at each stage (the stages' `who`), who
// records an outcome (the Board "mediates only" where it says so), the items that must be
// done before a stage is left (its notifications) or the challenge closed (its checklist),
// same-agency challenges, which routes out exist and from which stage, who may be
// notified, and when a challenge is expedited. Each refusal is one line that quotes the
// procedure's sentence. Where a person may go ahead anyway (escalating without a required
// notification, closing with items open) the event carries `override_reason`, which is
// recorded and printed on the record form.
//
// event_rules.cpp calls check_procedure_rules / check_opening_rules after its own checks,
// so the engine, the office server and the CLI all ask here and nowhere else.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/event_rules.h"
#include "core/fold.h"
#include "core/procedure.h"

namespace parley {

// An agency's identity for comparisons: lower case, runs of anything but letters and
// digits as one '-', trimmed ("Bury Council " and "bury  council" are one agency).
std::string agency_id(std::string_view name);

// Both sides of the opening are one agency.
bool same_agency(const Json& opened_body);

// Flagged by an `expedited` event, raised "at risk of harm" (the brief's risk level that
// means expedite), or raised with someone at imminent risk under a procedure that says a
// challenge is expedited when someone is at risk of harm (Shropshire).
bool expedited(const ChallengeState& s, const Procedure& p);

// Whether an event is of the kind (and method, recipient, route) a match describes.
bool matches(const EventMatch& m, const Event& e);

// Whether an event satisfies a required action: it matches one of the action's
// `satisfied_by` descriptions or names the action in its `fulfils` list.
bool satisfies(const RequiredAction& action, const Event& e);

// The ids of events recorded at `stage` (0: at any stage) that satisfy `action`.
std::vector<std::string> done_by(const ChallengeState& s, const RequiredAction& action, int stage);

// The checklist in force: the current stage's required actions, then — once an outcome is
// agreed — the procedure's after-resolution items.
struct ChecklistEntry {
  const RequiredAction* action = nullptr;
  int stage = 0;                      // 0 for after-resolution items (done at any stage)
};
std::vector<ChecklistEntry> checklist_entries(const ChallengeState& s, const Procedure& p);

// What must be done before an event of `kind` at `stage`, unless a reason is given: for an
// escalation, that stage's notifications; for a closure, the checklist in force. Empty for
// other kinds.
std::vector<ChecklistEntry> required_before(const ChallengeState& s, const Procedure& p, EventKind kind, int stage);

// A role level's rank for "who acts at this stage" (practitioner 0 ... director 3; the
// Board is not ranked: it acts only where a stage names it).
int role_rank(std::string_view role);

// Why `author` may not record `kind` at the challenge's current stage — their role level is
// below the stage's, or the Board does not act or decide there — quoting the procedure;
// "" when they may (and for kinds the stage's role does not govern). check_procedure_rules
// refuses with these words; the challenge screen offers only what would be accepted.
std::string stage_role_refusal(const ChallengeState& s, const Procedure& p, EventKind kind, const Json& author);

// The lowest rank acting at a stage (practitioner when only the Board does), and the role
// levels of that rank the stage names, in its order ("line_manager", "safeguarding_lead").
int stage_role_rank(const Stage& st);
std::vector<std::string> stage_roles(const Stage& st);

// The procedure's rules for an event against the state its author saw (its shape and the
// general rules are already checked). Throws RuleError (State or Author).
void check_procedure_rules(const ChallengeState& before, const Procedure& p, EventKind kind, const Json& body,
                           const Json& author, std::int64_t at);

// The procedure's rules for an opening. Throws RuleError.
void check_opening_rules(const Procedure& p, const Json& body);

}  // namespace parley
