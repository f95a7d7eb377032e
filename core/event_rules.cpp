// core/event_rules.cpp — the description of each event kind and the checks that read it
// (see event_rules.h). The table is the rule; the functions below only interpret it.
#include "core/event_rules.h"

#include <algorithm>

#include "core/calendar.h"
#include "core/clock.h"
#include "core/fold.h"
#include "core/json_read.h"
#include "core/procedure.h"
#include "core/procedure_rules.h"

namespace parley {
namespace {

using T = FieldType;
using Category = RuleError::Category;

FieldRule text(std::string name, std::string label, bool required, std::string flag = "") {
  return FieldRule{std::move(name), T::Text, required, std::move(label), std::move(flag), {}, kNeedsNothing, {}, false};
}
FieldRule choice(std::string name, std::string label, std::vector<std::string> choices, bool required,
                 std::string flag = "") {
  return FieldRule{std::move(name), T::Choice, required, std::move(label), std::move(flag), std::move(choices),
                   kNeedsNothing, {}, false};
}
FieldRule of_type(std::string name, FieldType type, std::string label, bool required, std::string flag = "",
                  std::string missing = "") {
  return FieldRule{std::move(name), type, required, std::move(label), std::move(flag), {}, kNeedsNothing,
                   std::move(missing), false};
}
FieldRule person(std::string name, std::string label, unsigned needs, bool required) {
  return FieldRule{std::move(name), T::Person, required, std::move(label), "", {}, needs, {}, false};
}
FieldRule by_engine(FieldRule f) {
  f.set_by_engine = true;
  return f;
}

std::vector<std::string> with_other(std::vector<std::string> v) {
  v.push_back("other");
  return v;
}

std::vector<KindRule> build_rules() {
  using K = EventKind;
  const std::string kImminent = "answer the imminent-risk question first: is anyone at imminent risk of harm? (yes or no)";
  std::vector<KindRule> r;
  // kind, command, title, fields, after close, correctable, Board may author, may fulfil
  r.push_back({K::ChallengeOpened, "open", "Raise a challenge",
               {text("procedure", "procedure", true, "procedure"),
                of_type("imminent_risk", T::Bool, "imminent risk", true, "imminent-risk", kImminent),
                of_type("subject", T::Subject, "subject", true),
                person("challenger", "challenger", kNeedsName | kNeedsAgency, true),
                person("challenged", "challenged party", kNeedsAgency, true),
                choice("category", "category", challenge_categories(), true, "category"),
                text("summary", "summary of the reason for the dispute", true, "summary"),
                text("agency_views", "views of each agency", false, "agency-views"),
                choice("risk", "risk", {"standard", "at_risk"}, false, "risk"),
                of_type("copied_to", T::Texts, "copied to", false, "copied-to"),
                // The other agency is not in the Board's directory: core/agencies.h.
                of_type("agency_not_listed", T::Bool, "the other agency is not in the Board's list", false,
                        "agency-not-listed"),
                by_engine(text("procedure_digest", "procedure digest", false)),
                by_engine(text("board", "Board", false))},
               false, true, false, false});
  r.push_back({K::ImminentRiskGuidanceShown, "", "Imminent-risk guidance shown",
               {text("guidance", "guidance", false), of_type("contacts", T::List, "contacts", false),
                of_type("acknowledged", T::Bool, "acknowledged", false)},
               false, false, false, false});
  r.push_back({K::PartyAdded, "add-party", "Add a party",
               {person("party", "party", kNeedsName | kNeedsAgency, true),
                of_type("copied", T::Bool, "copied in only", false, "copied")},
               false, true, false, false});
  r.push_back({K::DiscussionRecorded, "record-discussion", "Record a discussion",
               {of_type("with", T::People, "person discussed with", true, "with",
                        "say who the discussion was with (name, job title, agency)"),
                choice("method", "how it was held", discussion_methods(), true, "method"),
                text("summary", "discussion summary", true, "summary"),
                of_type("agreed", T::Bool, "agreed", true, "agreed",
                        "say whether the discussion reached agreement (agreed: yes or no)"),
                text("subject_views", "the subject's views", false, "subject-views")},
               false, true, true, true});
  r.push_back({K::ActionAgreed, "agree-action", "Agree an action",
               {text("description", "action description", true, "description"),
                text("owner", "action owner", true, "owner"), of_type("due", T::Date, "action due date", false, "due")},
               false, true, true, true});
  r.push_back({K::ActionCompleted, "complete-action", "Complete an action",
               {text("action", "the agreed action being completed", true), text("note", "note", false, "note")},
               false, false, true, true});
  r.push_back({K::Escalated, "escalate", "Escalate to the next stage",
               {text("reason", "reason for escalating", true, "reason"),
                text("tried", "what was tried at this stage", true, "tried"),
                text("override_reason", "reason for going ahead without what the procedure requires", false,
                     "override-reason"),
                by_engine(of_type("from_stage", T::Stage, "stage escalated from", true)),
                by_engine(of_type("to_stage", T::Stage, "stage escalated to", true))},
               false, true, false, true});
  r.push_back({K::Expedited, "expedite", "Expedite",
               {text("reason", "reason for expediting (who is at risk of harm)", true, "reason")},
               false, true, false, false});
  r.push_back({K::NotificationSent, "notify", "Record a notification",
               {text("to", "who was notified", true, "to"), text("reason", "why they were notified", true, "reason")},
               true, true, true, true});
  r.push_back({K::OutcomeAgreed, "record-outcome", "Record the outcome",
               {text("outcome", "outcome", true, "outcome"),
                text("agreed_actions", "agreed actions", false, "agreed-actions"),
                text("outstanding", "what is outstanding", false, "outstanding")},
               false, true, true, true});
  r.push_back({K::FeedbackGiven, "feedback", "Record feedback given",
               {text("to", "who was given feedback", true, "to"), text("summary", "feedback summary", true, "summary")},
               true, true, true, true});
  r.push_back({K::RecordSigned, "sign", "Sign the record",
               {choice("side", "signing side", {"challenger", "challenged"}, true, "side"),
                text("name", "signatory name", true, "name"), text("job_title", "signatory job title", true, "job-title"),
                text("agency", "signatory agency", true, "agency"), of_type("date", T::Date, "date signed", true, "date")},
               true, true, false, false});
  r.push_back({K::Referred, "refer", "Refer elsewhere",
               {choice("route", "route", with_other(route_kinds()), true, "route"), text("note", "note", false, "note")},
               false, true, true, true});
  r.push_back({K::Closed, "close", "Close",
               {text("reason", "reason for closing", false, "reason"),
                text("override_reason", "reason for closing with required items not done", false, "override-reason")},
               false, false, true, false});
  r.push_back({K::LearningRecorded, "learning", "Record learning",
               {choice("review", "review considered", {"none", "single_agency", "multi_agency"}, true, "review"),
                text("lessons", "lessons to disseminate", true, "lessons")},
               true, true, true, true});
  r.push_back({K::ViewsRecorded, "views", "Record the subject's views",
               {text("views", "the subject's views and wishes", true, "views")}, true, true, true, true});
  r.push_back({K::Comment, "comment", "Comment", {text("text", "comment", true, "text")}, true, true, true, true});
  r.push_back({K::Correction, "correct", "Correct an earlier record",
               {text("corrects", "the event being corrected", true), text("reason", "reason for the correction", true, "reason"),
                of_type("changes", T::Object, "changes", false, "", "changes must be an object of corrected fields")},
               true, false, true, false});
  r.push_back({K::ReviewSettled, "settle", "Settle a conflict",
               {text("conflict", "the conflict being settled", true, "conflict"),
                text("decision", "the decision settling it", true, "decision")},
               true, false, false, false});
  return r;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

bool one_of(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

[[noreturn]] void refuse(Category c, const std::string& field, const std::string& message) {
  throw RuleError(c, field, message);
}
[[noreturn]] void bad_shape(const std::string& field, const std::string& message) { refuse(Category::Shape, field, message); }

// The words asking for a field a person left out or blank, by event kind and the field's
// path inside the body (list indexes dropped: "with.name"). These are what forms show at
// the field and what the office server and the CLI answer, so they are plain words to the
// person filling it in. A field not listed gets "Enter the <label>".
struct Ask {
  EventKind kind;
  const char* path;
  const char* words;
};
const Ask kAsks[] = {
    {EventKind::ChallengeOpened, "procedure", "Choose your Safeguarding Board's procedure"},
    {EventKind::ChallengeOpened, "subject", "Enter the name of the person this is about"},
    {EventKind::ChallengeOpened, "subject.name", "Enter the name of the person this is about"},
    {EventKind::ChallengeOpened, "challenger", "Say who is raising this: your name and agency are needed"},
    {EventKind::ChallengeOpened, "challenger.name", "Say who is raising this: your name is needed"},
    {EventKind::ChallengeOpened, "challenger.agency", "Say who is raising this: your agency is needed"},
    {EventKind::ChallengeOpened, "challenged", "Enter the other agency, whose decision you disagree with"},
    {EventKind::ChallengeOpened, "challenged.agency", "Enter the other agency, whose decision you disagree with"},
    {EventKind::ChallengeOpened, "category", "Choose what the disagreement is about"},
    {EventKind::ChallengeOpened, "summary", "Enter the reason for the dispute"},
    {EventKind::PartyAdded, "party", "Enter the name and agency of the party to add"},
    {EventKind::PartyAdded, "party.name", "Enter the name of the party to add"},
    {EventKind::PartyAdded, "party.agency", "Enter the agency of the party to add"},
    {EventKind::DiscussionRecorded, "with", "Say who the discussion was with (name, job title, agency)"},
    {EventKind::DiscussionRecorded, "with.name", "Say who the discussion was with (name, job title, agency)"},
    {EventKind::DiscussionRecorded, "method", "Choose how the discussion was held"},
    {EventKind::DiscussionRecorded, "summary", "Enter what was discussed"},
    {EventKind::ActionAgreed, "description", "Enter the action"},
    {EventKind::ActionAgreed, "owner", "Enter who will do it"},
    {EventKind::Escalated, "reason", "Enter why it is being escalated"},
    {EventKind::Escalated, "tried", "Enter what was tried at this stage"},
    {EventKind::Expedited, "reason", "Enter who is at risk of harm, and why"},
    {EventKind::NotificationSent, "to", "Choose who was notified"},
    {EventKind::NotificationSent, "reason", "Enter why they were notified"},
    {EventKind::OutcomeAgreed, "outcome", "Enter the outcome"},
    {EventKind::FeedbackGiven, "to", "Enter who the feedback was given to"},
    {EventKind::FeedbackGiven, "summary", "Enter the feedback"},
    {EventKind::RecordSigned, "side", "Choose whose manager is signing"},
    {EventKind::RecordSigned, "name", "Enter the name of the person signing"},
    {EventKind::RecordSigned, "job_title", "Enter the job title of the person signing"},
    {EventKind::RecordSigned, "agency", "Enter the agency of the person signing"},
    {EventKind::RecordSigned, "date", "Enter the date it was signed"},
    {EventKind::Referred, "route", "Choose where it is referred"},
    {EventKind::LearningRecorded, "lessons", "Enter the lessons to share"},
    {EventKind::ViewsRecorded, "views", "Enter the person's views and wishes"},
    {EventKind::Comment, "text", "Enter a comment"},
    {EventKind::Correction, "reason", "Enter the reason for the correction"},
    {EventKind::ReviewSettled, "decision", "Enter what was decided"},
};

// "body.with[0].name" -> "with.name".
std::string plain_path(const std::string& where) {
  std::string out;
  for (std::size_t i = where.rfind("body.", 0) == 0 ? 5 : 0; i < where.size(); ++i) {
    if (where[i] == '[') {
      while (i < where.size() && where[i] != ']') ++i;
      continue;
    }
    out += where[i];
  }
  return out;
}

const char* ask_for(EventKind kind, const std::string& path) {
  for (const auto& a : kAsks)
    if (a.kind == kind && path == a.path) return a.words;
  return nullptr;
}

// The words for a missing or blank field at `where`: the ask, else the field's own
// `missing`, else "Enter the <label>".
std::string missing_words(EventKind kind, const std::string& where, const std::string& label,
                          const std::string& missing = "") {
  if (const char* a = ask_for(kind, plain_path(where))) return a;
  return missing.empty() ? "Enter the " + label : missing;
}

// Text of `v` checked as a field: present and a string, non-blank when required, not too
// long. `where` is the path for the error; `label` the words.
void check_text(EventKind kind, const Json& v, bool required, const std::string& where, const std::string& label) {
  if (!v.is_string()) bad_shape(where, label + " must be text");
  const auto& s = v.get_ref<const std::string&>();
  if (required && blank(s)) bad_shape(where, missing_words(kind, where, label));
  if (s.size() > kMaxTextLength)
    bad_shape(where, label + " is longer than " + std::to_string(kMaxTextLength) + " characters");
}

// A named member of an object, checked as text when present.
void member_text(EventKind kind, const Json& obj, const char* key, bool required, const std::string& where,
                 const std::string& label) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) bad_shape(where + "." + key, missing_words(kind, where + "." + key, label));
    return;
  }
  check_text(kind, *it, required, where + "." + key, label);
}

void check_person(EventKind kind, const Json& p, unsigned needs, const std::string& where, const std::string& label) {
  if (!p.is_object()) bad_shape(where, missing_words(kind, where, label));
  member_text(kind, p, "name", needs & kNeedsName, where, label + " name");
  member_text(kind, p, "agency", needs & kNeedsAgency, where, label + " agency");
  member_text(kind, p, "job_title", false, where, label + " job title");
  auto role = p.find("role");
  if (role != p.end() && !role->is_null()) {
    check_text(kind, *role, false, where + ".role", label + " role");
    std::string r = role->get<std::string>();
    if (!r.empty() && !one_of(role_levels(), r))
      bad_shape(where + ".role", label + " role '" + r + "' is not one of: " + joined(role_levels()));
  }
}

void check_subject(EventKind kind, const Json& s, const std::string& where) {
  check_person(kind, s, kNeedsName, where, "subject");
  auto sk = s.find("kind");
  if (sk != s.end() && !sk->is_null() && !(sk->is_string() && one_of({"adult", "child"}, sk->get<std::string>())))
    bad_shape(where + ".kind", "subject kind " + sk->dump() + " is not one of: adult, child");
  auto dob = s.find("date_of_birth");
  if (dob != s.end() && !dob->is_null() && !(dob->is_string() && parse_date(dob->get<std::string>())))
    bad_shape(where + ".date_of_birth", "Enter the date of birth as year-month-day, for example 2001-04-30, or leave it out");
  auto cap = s.find("lacks_capacity");
  if (cap != s.end() && !cap->is_null() && !cap->is_boolean())
    bad_shape(where + ".lacks_capacity", "subject lacks_capacity must be true or false");
  member_text(kind, s, "views", false, where, "subject's views");
  auto ids = s.find("identifiers");
  if (ids == s.end() || ids->is_null()) return;
  if (!ids->is_array()) bad_shape(where + ".identifiers", "subject identifiers must be a list of {system, value}");
  for (std::size_t i = 0; i < ids->size(); ++i) {
    std::string w = where + ".identifiers[" + std::to_string(i) + "]";
    if (!(*ids)[i].is_object()) bad_shape(w, "each subject identifier must be {system, value}");
    member_text(kind, (*ids)[i], "system", true, w, "identifier system");
    member_text(kind, (*ids)[i], "value", true, w, "identifier value");
  }
}

void check_field(EventKind kind, const FieldRule& f, const Json& v, const std::string& where) {
  switch (f.type) {
    case T::Text: check_text(kind, v, f.required, where, f.label); break;
    case T::Choice: {
      check_text(kind, v, true, where, f.label);
      std::string s = v.get<std::string>();
      if (!one_of(f.choices, s)) bad_shape(where, f.label + " '" + s + "' is not one of: " + joined(f.choices));
      break;
    }
    case T::Bool:
      if (!v.is_boolean()) bad_shape(where, f.missing.empty() ? f.label + " must be true or false" : f.missing);
      break;
    case T::Date:
      if (!v.is_string() || !parse_date(v.get<std::string>()))
        bad_shape(where, "Enter the " + f.label + " as year-month-day, for example 2026-12-08");
      break;
    case T::Stage:
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 50)
        bad_shape(where, f.label + " must be a whole number from 1 to 50");
      break;
    case T::Person: check_person(kind, v, f.person_needs, where, f.label); break;
    case T::People:
      if (!v.is_array() || v.empty()) bad_shape(where, missing_words(kind, where, f.label, f.missing));
      for (std::size_t i = 0; i < v.size(); ++i)
        check_person(kind, v[i], kNeedsName, where + "[" + std::to_string(i) + "]", f.label);
      break;
    case T::Subject: check_subject(kind, v, where); break;
    case T::Texts:
      if (!v.is_array()) bad_shape(where, f.label + " must be a list of text");
      for (std::size_t i = 0; i < v.size(); ++i)
        check_text(kind, v[i], false, where + "[" + std::to_string(i) + "]", f.label);
      break;
    case T::Object:
      if (!v.is_object()) bad_shape(where, f.missing.empty() ? f.label + " must be an object" : f.missing);
      break;
    case T::List:
      if (!v.is_array()) bad_shape(where, f.label + " must be a list");
      break;
  }
}

// One of the kind's fields in `body`: given when required, and of its type.
void check_one(EventKind kind, const FieldRule& f, const Json& body) {
  auto it = body.find(f.name);
  if (it == body.end() || it->is_null()) {
    if (f.required) bad_shape("body." + f.name, missing_words(kind, "body." + f.name, f.label, f.missing));
    return;
  }
  check_field(kind, f, *it, "body." + f.name);
}

// Safe readers for rules over state: never throw on a type the shape check let through.
}  // namespace

const std::vector<std::string>& challenge_categories() {
  static const std::vector<std::string> v = {
      "response_to_referral",        "outcome_of_assessment",  "implementation_of_plan",
      "effectiveness_of_plan",       "information_sharing",    "levels_of_need",
      "referral_not_accepted",       "roles_and_responsibilities", "sufficiency_of_action",
      "care_planning",               "communication",          "section_42_enquiry_closure",
      "best_interests_decision",     "other"};
  return v;
}

const std::vector<KindRule>& kind_rules() {
  static const std::vector<KindRule> rules = build_rules();
  return rules;
}

const KindRule& kind_rule(EventKind kind) {
  for (const auto& r : kind_rules())
    if (r.kind == kind) return r;
  throw std::logic_error("no rule for event kind " + std::string(to_string(kind)));
}

const KindRule* kind_rule_for_command(std::string_view command) {
  for (const auto& r : kind_rules())
    if (!r.command.empty() && r.command == command) return &r;
  return nullptr;
}

const FieldRule* field_rule(const KindRule& rule, std::string_view name) {
  for (const auto& f : rule.fields)
    if (f.name == name) return &f;
  return nullptr;
}

const std::vector<std::string>& fixed_fields() {
  static const std::vector<std::string> v = {"procedure", "from_stage", "to_stage", "action", "corrects",
                                             "conflict", "side", "procedure_digest"};
  return v;
}

void check_body(EventKind kind, const Json& body) {
  if (!body.is_object()) bad_shape("body", "event details must be an object");
  const KindRule& rule = kind_rule(kind);
  for (const auto& f : rule.fields) check_one(kind, f, body);
  auto fulfils = body.find("fulfils");
  if (fulfils != body.end() && !fulfils->is_null()) {
    if (!rule.may_fulfil) bad_shape("body.fulfils", "a " + std::string(to_string(kind)) + " does not tick required actions");
    if (!fulfils->is_array()) bad_shape("body.fulfils", "fulfils must be a list of required action ids");
    for (std::size_t i = 0; i < fulfils->size(); ++i)
      if (!(*fulfils)[i].is_string()) bad_shape("body.fulfils[" + std::to_string(i) + "]", "fulfils must be a list of required action ids");
  }
  if (kind == EventKind::Correction) {
    auto changes = body.find("changes");
    if (changes != body.end() && changes->is_object())
      for (const auto& f : fixed_fields())
        if (changes->contains(f))
          bad_shape("body.changes." + f, "'" + f + "' cannot be corrected; record a new event instead");
  }
}

namespace {

void check_author_shape(const Json& author) {
  if (!author.is_object()) refuse(Category::Author, "author", "say who is recording this: a name and an agency are needed");
  for (const char* k : {"name", "agency"}) {
    auto it = author.find(k);
    if (it == author.end() || !it->is_string() || blank(it->get<std::string>()))
      refuse(Category::Author, std::string("author.") + k, "say who is recording this: a name and an agency are needed");
    if (it->get_ref<const std::string&>().size() > kMaxTextLength)
      refuse(Category::Author, std::string("author.") + k, "the author's " + std::string(k) + " is too long");
  }
  auto role = author.find("role");
  if (role != author.end() && !role->is_null()) {
    if (!role->is_string()) refuse(Category::Author, "author.role", "the author's role must be text");
    std::string r = role->get<std::string>();
    if (!r.empty() && !one_of(role_levels(), r))
      refuse(Category::Author, "author.role", "role '" + r + "' is not one of: " + joined(role_levels()));
  }
}

bool is_board(const Json& author) { return text_of(author, "role") == "board"; }

void check_board_may(EventKind kind, const Json& author) {
  if (is_board(author) && !kind_rule(kind).board_may_author)
    refuse(Category::Author, "author.role",
           "the Board does not record \"" + kind_rule(kind).title + "\": the agencies party to the challenge do");
}

}  // namespace

void check_author(EventKind kind, const Json& author, const ChallengeState& before) {
  check_author_shape(author);
  check_board_may(kind, author);
  if (is_board(author)) return;
  std::string agency = text_of(author, "agency");
  std::vector<std::string> parties = {text_of(before.opened_body.value("challenger", Json::object()), "agency"),
                                      text_of(before.opened_body.value("challenged", Json::object()), "agency")};
  for (const auto& p : before.parties)
    if (p.is_object() && p.contains("party") && p["party"].is_object()) parties.push_back(text_of(p["party"], "agency"));
  bool party = false;
  for (const auto& a : parties) party = party || (!a.empty() && agency_id(a) == agency_id(agency));
  if (!party)
    refuse(Category::Author, "author.agency",
           agency + " is not a party to challenge " + before.id + "; a party must add it first");
}

void check_opening(const Procedure* p, const Json& body, const Json& author) {
  check_author_shape(author);
  check_board_may(EventKind::ChallengeOpened, author);
  check_body(EventKind::ChallengeOpened, body);
  if (!p) refuse(Category::State, "body.procedure", "unknown procedure '" + text_of(body, "procedure") + "'");
  check_opening_rules(*p, body);
  std::string agency = agency_id(text_of(author, "agency"));
  if (agency != agency_id(text_of(body["challenger"], "agency")) && agency != agency_id(text_of(body["challenged"], "agency")))
    refuse(Category::Author, "author.agency",
           text_of(author, "agency") + " is neither the challenger's nor the challenged party's agency: a challenge is raised by a party");
}

namespace {

[[noreturn]] void broken(const std::string& field, const std::string& message) { refuse(Category::State, field, message); }

std::string closed_refusal(const ChallengeState& s, EventKind kind) {
  if (!s.closed || kind_rule(kind).allowed_after_close) return "";
  return "challenge " + s.id + " is closed; only comments, corrections, signatures, feedback, "
         "views, notifications and learning can be added";
}

// The rules of a kind against the state that hold whatever the event's details say.
std::string state_refusal(const ChallengeState& s, const Procedure& p, EventKind kind) {
  switch (kind) {
    case EventKind::ChallengeOpened:
      return "challenge " + s.id + " is already open; a challenge is opened once (raise a new one instead)";
    case EventKind::Escalated:
      if (s.outcome_recorded) return "an outcome is already agreed for " + s.id + "; record a correction or close it instead";
      if (s.stage >= p.last_stage())
        return "stage " + std::to_string(s.stage) + " is the last stage of " + p.id + "; record the outcome or refer it elsewhere";
      return "";
    case EventKind::Expedited:
      return expedited(s, p) ? "challenge " + s.id + " is already expedited" : "";
    case EventKind::OutcomeAgreed:
      return s.outcome_recorded ? "an outcome is already recorded for " + s.id + "; correct it instead of recording another" : "";
    case EventKind::RecordSigned:
      return !s.outcome_recorded && !s.closed ? "the record is signed once the outcome is recorded; record the outcome first" : "";
    case EventKind::Closed:
      return !s.outcome_recorded && s.referrals.empty() ? "record the outcome (or a referral elsewhere) before closing " + s.id : "";
    default:
      return "";
  }
}

// The rules of one kind against the state its author saw (the body's shape is checked).
void check_state(const ChallengeState& s, const Procedure& p, EventKind kind, const Json& body) {
  if (std::string why = state_refusal(s, p, kind); !why.empty()) broken("kind", why);
  switch (kind) {
    case EventKind::Escalated: {
      std::int64_t from = body["from_stage"].get<std::int64_t>(), to = body["to_stage"].get<std::int64_t>();
      if (from != s.stage)
        broken("body.from_stage", "an escalation from stage " + std::to_string(from) + ", but challenge " + s.id +
                                      " is at stage " + std::to_string(s.stage));
      if (to != from + 1) broken("body.to_stage", "an escalation goes to the next stage, " + std::to_string(from + 1));
      break;
    }
    case EventKind::ActionCompleted: {
      std::string ref = body["action"].get<std::string>();
      const AgreedAction* found = nullptr;
      for (const auto& a : s.actions)
        if (a.event_id == ref) found = &a;
      if (!found) broken("body.action", "no agreed action " + ref + " in challenge " + s.id);
      if (found->completed) broken("body.action", "action '" + found->description + "' is already complete");
      break;
    }
    case EventKind::Correction: {
      std::string target = body["corrects"].get<std::string>();
      const Event* e = s.find(target);
      if (!e) broken("body.corrects", "no event " + target + " in challenge " + s.id);
      if (!kind_rule(e->kind).correctable)
        broken("body.corrects", "a " + std::string(to_string(e->kind)) + " event cannot be corrected");
      // A correction may not give a field a value its kind does not allow.
      auto changes = body.find("changes");
      if (changes != body.end() && changes->is_object())
        for (auto it = changes->begin(); it != changes->end(); ++it)
          if (const FieldRule* f = field_rule(kind_rule(e->kind), it.key()); f && !it->is_null())
            check_field(e->kind, *f, *it, "body.changes." + it.key());
      break;
    }
    case EventKind::ReviewSettled: {
      std::string cid = body["conflict"].get<std::string>();
      bool open = false;
      for (const auto& c : s.conflicts) open = open || (c.id == cid && !c.settled);
      if (!open) broken("body.conflict", "no unsettled conflict " + cid + " in challenge " + s.id);
      break;
    }
    default:
      break;
  }
}

void check_fulfils(const ChallengeState& s, const Procedure& p, const Json& body) {
  auto it = body.find("fulfils");
  if (it == body.end() || it->is_null()) return;
  const auto entries = checklist_entries(s, p);
  for (std::size_t i = 0; i < it->size(); ++i) {
    std::string id = (*it)[i].get<std::string>();
    bool known = false;
    for (const auto& e : entries) known = known || e.action->id == id;
    if (!known)
      broken("body.fulfils[" + std::to_string(i) + "]",
             "'" + id + "' is not a required action of stage " + std::to_string(s.stage) + " of " + p.id);
  }
}

}  // namespace

void check_event(const ChallengeState& before, const Procedure& p, EventKind kind, const Json& body,
                 const Json& author, std::int64_t at) {
  if (!before.opened) broken("parents", "the challenge's opening is not among the events this one follows");
  check_author(kind, author, before);
  if (std::string why = closed_refusal(before, kind); !why.empty()) broken("kind", why);
  check_body(kind, body);
  if (at < before.opened_at)
    broken("at", "the time given (" + format_utc(at) + ") is before the challenge was raised (" +
                     format_utc(before.opened_at) + ")");
  check_state(before, p, kind, body);
  check_fulfils(before, p, body);
  check_procedure_rules(before, p, kind, body, author, at);
}

std::string kind_refusal(const ChallengeState& s, const Procedure& p, EventKind kind) {
  if (std::string why = closed_refusal(s, kind); !why.empty()) return why;
  return state_refusal(s, p, kind);
}

std::vector<FieldProblem> body_problems(EventKind kind, const Json& body) {
  std::vector<FieldProblem> out;
  if (!body.is_object()) return {{"", "event details must be an object"}};
  for (const auto& f : kind_rule(kind).fields) {
    if (f.set_by_engine) continue;
    try {
      check_one(kind, f, body);
    } catch (const RuleError& e) {
      out.push_back({e.field.rfind("body.", 0) == 0 ? e.field.substr(5) : e.field, e.what()});
    }
  }
  return out;
}

bool field_required(EventKind kind, std::string_view path) {
  const std::string_view top = path.substr(0, path.find('.'));
  const FieldRule* f = field_rule(kind_rule(kind), top);
  if (!f || !f->required) return false;
  if (top.size() == path.size()) return true;
  const std::string_view member = path.substr(top.size() + 1);
  unsigned needs = f->type == T::Subject || f->type == T::People ? unsigned(kNeedsName) : f->person_needs;
  if (member == "name") return needs & kNeedsName;
  if (member == "agency") return needs & kNeedsAgency;
  return false;
}

}  // namespace parley
