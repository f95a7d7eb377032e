// core/event_rules.h — the one description of each event kind: its fields (name, type,
// limits, required or optional, the words a person sees, the CLI flag that sets it), who
// may author it, and the rules it must meet against the challenge's state.
//
// Model: every place that makes or receives an event asks this file and nothing else —
// the engine before it writes a command (core/engine.cpp), the office server before it
// stores a pushed event (sync/server_store.cpp, against its own fold of the event's causal
// past), the client before it merges a pulled one (shape only: a bad event is quarantined,
// never folded), the CLI for its flags (tools/cli) and the client's forms for their labels
// and required marks (ui/). The UI and CLI add presentation, never rules.
//
// A refusal is a RuleError: a message that says what to fix, the field at fault as a path
// inside the event ("body.from_stage", "author.role"), and its category — the event's
// shape (400 on the wire), the challenge's state or procedure (409), or who wrote it (403).
// Fields not described here are allowed and kept (a newer client may add optional ones);
// described fields must have their type.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace parley {

struct ChallengeState;
struct Procedure;

// Categories of disagreement named in the seed documents (the opening's "category").
const std::vector<std::string>& challenge_categories();

// A command the procedure or the state does not allow, or input that is missing or
// malformed. The message says what to fix; nothing was written.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RuleError : public CommandError {
 public:
  enum class Category { Shape, State, Author };
  RuleError(Category category, std::string field, const std::string& message)
      : CommandError(message), category(category), field(std::move(field)) {}
  Category category;
  std::string field;   // path inside the event: "body.with[0].name", "author.role", "kind"
};

enum class FieldType {
  Text,     // non-blank text when required; any text when optional
  Choice,   // one of `choices`
  Bool,
  Date,     // "YYYY-MM-DD"
  Stage,    // a whole number 1..50
  Person,   // {name, agency, job_title, role}: name and agency as `person_needs` says
  People,   // a non-empty list of Person
  Subject,  // the adult or child: {name, kind, date_of_birth, lacks_capacity, identifiers, views}
  Texts,    // a list of text
  Object,   // any JSON object (a correction's changes)
  List,     // any JSON list (contacts shown with the imminent-risk guidance)
};

enum PersonNeeds : unsigned { kNeedsNothing = 0, kNeedsName = 1, kNeedsAgency = 2 };

struct FieldRule {
  std::string name;                  // key in the event body
  FieldType type = FieldType::Text;
  bool required = false;
  std::string label;                 // "reason for escalating": messages and form labels
  std::string flag;                  // CLI flag without "--" ("job-title"); empty: none
  std::vector<std::string> choices;  // FieldType::Choice
  unsigned person_needs = kNeedsNothing;
  std::string missing;               // the message when it is missing, if not "<label> is missing"
  bool set_by_engine = false;        // filled in by the engine, never by a person
};

struct KindRule {
  EventKind kind;
  std::string command;               // the CLI's "challenge COMMAND" ("escalate"); empty: none
  std::string title;                 // "Escalate to the next stage"
  std::vector<FieldRule> fields;
  bool allowed_after_close = false;  // may be recorded on a closed challenge
  bool correctable = false;          // a correction may name it
  bool board_may_author = true;      // the Board role may record it
  bool may_fulfil = true;            // may tick the current stage's required actions ("fulfils")
};

const std::vector<KindRule>& kind_rules();
const KindRule& kind_rule(EventKind kind);
const KindRule* kind_rule_for_command(std::string_view command);
const FieldRule* field_rule(const KindRule& rule, std::string_view name);

// Fields that define a transition: a correction may not rewrite them (record a new event).
const std::vector<std::string>& fixed_fields();

// The event's body has the fields its kind describes, with their types and limits.
// Throws RuleError (Shape).
void check_body(EventKind kind, const Json& body);

// The author is a person with a role level that may record this kind, and of an agency
// that is a party to the challenge (the Board role excepted, where the kind allows it).
// Throws RuleError (Author).
void check_author(EventKind kind, const Json& author, const ChallengeState& before);

// All of it: author, shape, then the rules against `before` — the state of the challenge
// as the event's author saw it (the fold of the events it had seen) — and its procedure.
// `at` is the event's stated time. Throws RuleError.
void check_event(const ChallengeState& before, const Procedure& procedure, EventKind kind, const Json& body,
                 const Json& author, std::int64_t at);

// The same rules for an opening event, which has no state before it.
void check_opening(const Procedure* procedure, const Json& body, const Json& author);

// Why no event of `kind` can be recorded on the challenge as it stands, whatever its
// details say (closed, already expedited, the last stage, no outcome yet to sign, ...),
// in the words check_event refuses with; "" when one can. For offering only the actions
// that would be accepted (core/guide.h); who may record it is procedure_rules.h's
// stage_role_refusal.
std::string kind_refusal(const ChallengeState& state, const Procedure& procedure, EventKind kind);

// A form's problems all at once (check_body stops at the first): each described field of
// `body` checked on its own. `field` is the path inside the body ("subject.name",
// "challenged.agency", "with"); `message` the words check_body throws for it, which ask for
// what is missing in plain words ("Enter the name of the person this is about"). Empty
// when the fields are all right (state and procedure rules are not checked here).
struct FieldProblem {
  std::string field, message;
};
std::vector<FieldProblem> body_problems(EventKind kind, const Json& body);

// Whether a form must ask for the field at `path` ("reason", "subject.name",
// "challenged.agency"): forms mark the others "(optional)".
bool field_required(EventKind kind, std::string_view path);

}  // namespace parley
