// core/procedure.h — a Board's escalation procedure, as data.
//
// Model: a procedure is an ordered ladder of stages. Each stage says who acts on each
// side, an optional timescale (amount, unit, and what it is measured from), the actions
// the procedure requires at that stage (each satisfied by events of given kinds, or by an
// event that says it fulfils it), and who must be notified. A procedure also carries the
// Board's contacts and emergency guidance, special routes (complaints, Court of
// Protection, ...), its record forms, and every interpretation Parley made of the source
// document — each rule quoting the sentence it encodes. The format is documented in
// docs/procedures.md and published as procedures/procedure.schema.json; this file's
// validator is the one the app uses (no C++ JSON-Schema library is packaged in Debian),
// and tests check the two agree on the shipped files.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/event.h"

namespace parley {

class ProcedureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class TimeUnit { WorkingDays, CalendarDays, Hours };
std::string_view to_string(TimeUnit u);

struct TimescaleFrom {
  enum class Type { ChallengeRaised, StageStarted, Event } type = Type::ChallengeRaised;
  int stage = 0;                 // StageStarted: 0 = this stage; Event: stage the event is at
  EventKind kind = EventKind::DiscussionRecorded;   // Event only
  bool last = false;             // Event only: the last such event rather than the first
};

struct EventMatch {
  EventKind kind = EventKind::Comment;
  std::vector<std::string> methods;   // discussion methods; empty = any
  std::string to;                     // notification_sent: contact id; empty = any
  std::string route;                  // referred: route kind; empty = any
};

struct Timescale {
  int amount = 0;
  TimeUnit unit = TimeUnit::WorkingDays;
  TimescaleFrom from;
  std::string source;
  // What meets it. Empty: leaving the stage (escalated, resolved or closed). Otherwise a
  // named event recorded at the stage, such as a meeting held ("Arrange a meeting ...
  // within 7 days of the challenge being raised").
  std::vector<EventMatch> met_by;
};

struct RequiredAction {
  std::string id, text, source;
  std::vector<EventMatch> satisfied_by;
  std::optional<Timescale> timescale;
  std::string notify;                 // non-empty: this item is a notification to that contact
};

struct Stage {
  int number = 0;
  std::string name, who_description, source;
  std::vector<std::string> challenger_roles, challenged_roles;
  std::optional<Timescale> timescale;
  std::vector<RequiredAction> required_actions;   // notifications included, after the rest
};

struct Contact {
  std::string id, label, phone, email, url, address, note, source;
  bool configured = false;            // an address was filled in by the Board's contacts file
  bool has_address() const { return !phone.empty() || !email.empty() || !url.empty() || !address.empty(); }
};

struct Route {
  std::string id, kind, name, text, source;
  int available_from_stage = 1;
  std::vector<std::string> contacts;  // board contact ids to show with the route
  bool when_lacks_capacity = false;   // offered first when the subject lacks capacity ("offered_when")
};

// A rule a Board states in words that is not a stage, a timescale or a checklist item.
// Each kind is read by core/procedure_rules.cpp; `source` quotes the sentence.
enum class RuleKind {
  SameAgencyRefused,    // a challenge within one agency belongs to that agency's own procedure
  BoardMediatesOnly,    // the Board mediates; an outcome is recorded by the agencies
};
std::string_view to_string(RuleKind k);

struct BoardRule {
  std::string id;
  RuleKind kind = RuleKind::SameAgencyRefused;
  std::string source;
};

// An email the office server sends (core/notifications.h). Each stage notification is one
// (sent when its stage is entered, to its contact); a procedure's `messages` add others
// (an outcome conveyed to the referrer); reminders before a deadline and a missed
// timescale are rules too, with defaults when a procedure names none.
struct MessageRule {
  enum class When { StageEntered, OutcomeAgreed, EventRecorded, TimescaleDue, TimescaleMissed };
  std::string id;
  When when = When::StageEntered;
  int stage = 0;                        // StageEntered: the stage; otherwise 0 = any stage
  EventKind kind = EventKind::Comment;  // EventRecorded only
  // "contact:ID", "raiser" (who raised the challenge), "acting" (the people acting at the
  // stage on both sides), "acting:challenger", "acting:challenged".
  std::vector<std::string> to;
  std::string asks, source;
  bool actions_taken = false;           // "include": ["actions_taken"] — what was done so far (Bury's referral)
};
std::string_view to_string(MessageRule::When w);

struct FormField {
  std::string id, label, from, source;   // source: optional sentence the field rests on
};

struct Form {
  std::string id, title, note, source;
  std::vector<FormField> fields;
};

struct Interpretation {
  std::string id, decision, source;
};

struct Procedure {
  std::string id, title, source_document;
  struct {
    std::string name, short_name, audience;
    Region region = Region::EnglandAndWales;
    std::vector<Contact> contacts;
  } board;
  struct {
    std::string text, source;
    std::vector<std::string> contacts;
  } emergency;
  std::optional<std::string> expedite_text;   // null when the document does not say
  std::vector<Stage> stages;
  // Items asked for once an outcome is agreed, at whichever stage ("Consider a single or
  // multi agency review ... and disseminate relevant learning").
  std::vector<RequiredAction> after_resolution;
  // The challenge as a whole, if the procedure sets a time for it ("resolved within one
  // working week"); stage timescales are on each stage.
  std::optional<Timescale> resolution_timescale;
  std::vector<BoardRule> rules;
  // Every email rule: the stage notifications', the file's `messages`, and the default
  // reminder and missed-timescale rules unless the file gives its own.
  std::vector<MessageRule> messages;
  std::vector<Route> routes;
  std::vector<Form> forms;
  std::vector<Interpretation> interpretations;
  std::string digest;                         // sha256 of the file text it was read from
  Json raw;                                   // the file as parsed, for `procedure show --json`

  const Stage* stage(int number) const;
  const Contact* contact(std::string_view id) const;
  const BoardRule* rule(RuleKind kind) const;
  int last_stage() const { return stages.empty() ? 0 : stages.back().number; }
};

// Parses and validates a procedure definition. Throws ProcedureError whose message
// names the field and what is wrong, e.g.
//   "stages[2].timescale.unit: 'weeks' is not one of working_days, calendar_days, hours".
Procedure parse_procedure(std::string_view json_text);

// How to reach a contact, in words: "phone 999 · email x@y · web https://..." — or, when
// neither the document nor the Board's configuration gives an address, a sentence saying
// so and what to do.
std::string contact_words(const Contact& c);

// The roles, discussion methods, route kinds and form sources the format allows.
const std::vector<std::string>& role_levels();
const std::vector<std::string>& discussion_methods();
const std::vector<std::string>& route_kinds();

// The procedures a device knows: the shipped seeds, overridden or extended by a Board's
// own files (same id replaces the shipped one).
class ProcedureLibrary {
 public:
  static ProcedureLibrary builtin();          // throws if a shipped file is invalid
  void add(Procedure p);                      // replaces any procedure with the same id
  // Loads every *.json in a directory; throws ProcedureError naming the file on error.
  // A file of format "parley-board-contacts" fills or adds contacts of a procedure
  // already loaded (the Board's own addresses where the document publishes none).
  void add_directory(const std::string& dir);
  // Applies a "parley-board-contacts" document; throws ProcedureError naming the field.
  void add_contacts(std::string_view json_text);
  const Procedure* find(std::string_view id) const;
  std::vector<const Procedure*> all() const;  // sorted by id
 private:
  std::map<std::string, Procedure, std::less<>> procedures_;
};

// When a timescale that starts at `from_ms` (UTC) ends, as UTC ms: working and calendar
// days end at the end of the UK local day; hours are elapsed time.
std::int64_t timescale_end(const Timescale& t, Region region, std::int64_t from_ms,
                           const Calendar& calendar = Calendar::builtin());

}  // namespace parley
