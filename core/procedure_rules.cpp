// core/procedure_rules.cpp — each Board's stated rules, read from its procedure data (see
// procedure_rules.h). Messages quote the procedure: `<what is wrong> — <Board> says: "..."`.
#include "core/procedure_rules.h"

#include <algorithm>
#include <cctype>

#include "core/calendar.h"
#include "core/json_read.h"

namespace parley {
namespace {

using Category = RuleError::Category;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The procedure's own words, to end a refusal with.
std::string says(const Procedure& p, const std::string& source) {
  return " — " + (p.board.short_name.empty() ? p.board.name : p.board.short_name) + " says: \"" + source + "\"";
}

[[noreturn]] void refuse(Category c, const std::string& field, const std::string& message) {
  throw RuleError(c, field, message);
}

bool has_role(const Stage& st, const std::string& role) {
  auto in = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), role) != v.end(); };
  return in(st.challenger_roles) || in(st.challenged_roles);
}

// The lowest rank that acts at a stage, on either side; practitioner when only the Board does.
int stage_rank(const Stage& st) {
  int lowest = 99;
  for (const auto* side : {&st.challenger_roles, &st.challenged_roles})
    for (const auto& r : *side)
      if (r != "board") lowest = std::min(lowest, role_rank(r));
  return lowest == 99 ? 0 : lowest;
}

std::string role_words(std::string r) {
  std::replace(r.begin(), r.end(), '_', ' ');
  return r;
}

// "a line manager or safeguarding lead, or above": the lowest level acting at the stage.
std::string stage_level_words(const Stage& st) {
  const int rank = stage_rank(st);
  std::vector<std::string> names;
  for (const auto* side : {&st.challenger_roles, &st.challenged_roles})
    for (const auto& r : *side)
      if (r != "board" && role_rank(r) == rank && std::find(names.begin(), names.end(), role_words(r)) == names.end())
        names.push_back(role_words(r));
  std::string out = "a ";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? " or " : "") + names[i];
  return (names.empty() ? "a practitioner" : out) + ", or above";
}

// Who acts at the stage an escalation leaves or an outcome is recorded at.
void check_stage_role(const ChallengeState& s, const Procedure& p, EventKind kind, const Json& author) {
  if (std::string why = stage_role_refusal(s, p, kind, author); !why.empty()) refuse(Category::Author, "author.role", why);
}

// Items of `entries` not yet done.
std::vector<const RequiredAction*> not_done(const ChallengeState& s, const std::vector<ChecklistEntry>& entries) {
  std::vector<const RequiredAction*> open;
  for (const auto& e : entries)
    if (done_by(s, *e.action, e.stage).empty()) open.push_back(e.action);
  return open;
}

// Leaving a stage with what the procedure requires undone needs a recorded reason.
void check_gates(const ChallengeState& s, const Procedure& p, EventKind kind, const Json& body) {
  if (kind != EventKind::Escalated && kind != EventKind::Closed) return;
  if (!blank(text_of(body, "override_reason"))) return;
  const bool escalating = kind == EventKind::Escalated;
  auto open = not_done(s, required_before(s, p, kind, s.stage));
  if (open.empty()) return;
  const RequiredAction& first = *open.front();
  std::string more = open.size() > 1 ? " and " + std::to_string(open.size() - 1) + " more item(s)" : "";
  if (escalating)
    refuse(Category::State, "body.override_reason",
           "stage " + std::to_string(s.stage) + " requires \"" + first.text + "\"" + more +
               " before the challenge moves on: record it (notify --to " + first.notify +
               "), or give a reason for going ahead without it" + says(p, first.source));
  refuse(Category::State, "body.override_reason",
         "\"" + first.text + "\"" + more + " is not done yet: do it, or give a reason for closing without it" +
             says(p, first.source));
}

void check_route(const ChallengeState& s, const Procedure& p, const Json& body) {
  const std::string kind = text_of(body, "route");
  std::string known;
  const Route* found = nullptr;
  for (const auto& r : p.routes) {
    known += (known.empty() ? "" : ", ") + r.kind;
    if (r.kind == kind && (!found || r.available_from_stage < found->available_from_stage)) found = &r;
  }
  if (!found)
    refuse(Category::State, "body.route",
           p.id + " names no route '" + kind + "'; its routes: " + (known.empty() ? "none" : known));
  if (s.stage < found->available_from_stage)
    refuse(Category::State, "body.route",
           found->name + " is open from stage " + std::to_string(found->available_from_stage) + "; challenge " + s.id +
               " is at stage " + std::to_string(s.stage) + says(p, found->source));
}

// A party of the challenge, by name or agency (letter case and spacing aside).
bool is_party(const ChallengeState& s, const std::string& who) {
  auto same = [&](const Json& person) {
    return person.is_object() && ((!text_of(person, "name").empty() && lower(text_of(person, "name")) == lower(who)) ||
                                  (!text_of(person, "agency").empty() && agency_id(text_of(person, "agency")) == agency_id(who)));
  };
  if (same(s.opened_body.value("challenger", Json::object())) || same(s.opened_body.value("challenged", Json::object())))
    return true;
  for (const auto& party : s.parties)
    if (party.is_object() && same(party.value("party", Json::object()))) return true;
  return false;
}

void check_recipient(const ChallengeState& s, const Procedure& p, const Json& body) {
  const std::string to = text_of(body, "to");
  for (const auto& c : p.board.contacts)
    if (lower(c.id) == lower(to)) return;
  if (is_party(s, to)) return;
  std::string ids;
  for (const auto& c : p.board.contacts) ids += (ids.empty() ? "" : ", ") + c.id;
  refuse(Category::State, "body.to",
         "'" + to + "' is neither a contact of " + p.id + " (" + ids + ") nor a party to challenge " + s.id +
             "; notify a contact by its id, or a party by name or agency");
}

void check_signature_date(const ChallengeState& s, const Json& body, std::int64_t at) {
  auto date = parse_date(text_of(body, "date"));
  if (!date) return;   // the shape check has refused it already
  Date today = uk_local_date(at), raised = uk_local_date(s.opened_at);
  if (day_number(*date) > day_number(today))
    refuse(Category::State, "body.date",
           "the date signed (" + to_string(*date) + ") is after the day it is recorded (" + to_string(today) +
               "): give the date it was signed");
  if (day_number(*date) < day_number(raised))
    refuse(Category::State, "body.date",
           "the date signed (" + to_string(*date) + ") is before challenge " + s.id + " was raised (" + to_string(raised) +
               "): give the date it was signed");
}

}  // namespace

std::string stage_role_refusal(const ChallengeState& s, const Procedure& p, EventKind kind, const Json& author) {
  if (kind != EventKind::Escalated && kind != EventKind::OutcomeAgreed) return "";
  const Stage* st = p.stage(s.stage);
  if (!st) return "";
  const std::string role = text_of(author, "role");
  const std::string what = kind == EventKind::Escalated ? "escalates" : "records the outcome";
  if (role == "board") {
    const BoardRule* mediates = p.rule(RuleKind::BoardMediatesOnly);
    if (kind == EventKind::OutcomeAgreed && mediates)
      return "the Board mediates and does not decide: an agency party records the outcome" + says(p, mediates->source);
    if (!has_role(*st, "board"))
      return "the Board does not act at stage " + std::to_string(st->number) + " of " + p.id + " (" + st->name + ")" +
             says(p, st->source);
    return "";
  }
  // An author with no role level given is not checked: that happens only on a device's own
  // database (the office server gives every account a role and checks events carry it).
  if (role.empty() || role_rank(role) >= stage_rank(*st)) return "";
  return "stage " + std::to_string(st->number) + " of " + p.id + " (" + st->name + ") is for " + stage_level_words(*st) +
         "; " + text_of(author, "name") + " is a " + role_words(role) + ": someone acting at this stage " + what +
         says(p, st->source);
}

std::vector<std::string> stage_roles(const Stage& st) {
  const int rank = stage_rank(st);
  std::vector<std::string> out;
  for (const auto* side : {&st.challenger_roles, &st.challenged_roles})
    for (const auto& r : *side)
      if (r != "board" && role_rank(r) == rank && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  return out;
}

int stage_role_rank(const Stage& st) { return stage_rank(st); }

std::string agency_id(std::string_view name) {
  std::string out;
  bool gap = false;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c >= 0x80) {   // bytes of non-ASCII letters are kept as they are
      if (gap && !out.empty()) out += '-';
      out += static_cast<char>(std::tolower(c));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

bool same_agency(const Json& opened) {
  if (!opened.is_object()) return false;
  std::string a = agency_id(text_of(opened.value("challenger", Json::object()), "agency"));
  std::string b = agency_id(text_of(opened.value("challenged", Json::object()), "agency"));
  return !a.empty() && a == b;
}

bool expedited(const ChallengeState& s, const Procedure& p) {
  const Json& b = s.opened_body;
  if (s.expedite_recorded || text_of(b, "risk") == "at_risk") return true;
  bool imminent = b.contains("imminent_risk") && b["imminent_risk"].is_boolean() && b["imminent_risk"].get<bool>();
  return imminent && p.expedite_text.has_value();
}

bool satisfies(const RequiredAction& action, const Event& e) {
  auto f = e.body.find("fulfils");
  if (f != e.body.end() && f->is_array())
    for (const auto& id : *f)
      if (id.is_string() && id.get<std::string>() == action.id) return true;
  for (const auto& m : action.satisfied_by)
    if (matches(m, e)) return true;
  return false;
}

bool matches(const EventMatch& m, const Event& e) {
  if (e.kind != m.kind) return false;
  if (!m.methods.empty() && std::find(m.methods.begin(), m.methods.end(), text_of(e.body, "method")) == m.methods.end())
    return false;
  if (!m.to.empty() && lower(text_of(e.body, "to")) != lower(m.to)) return false;
  return m.route.empty() || text_of(e.body, "route") == m.route;
}

std::vector<std::string> done_by(const ChallengeState& s, const RequiredAction& action, int stage) {
  std::vector<std::string> ids;
  for (const auto& e : s.events) {
    auto it = s.event_stage.find(e.id);
    if (stage != 0 && (it == s.event_stage.end() || it->second != stage)) continue;
    if (satisfies(action, e)) ids.push_back(e.id);
  }
  return ids;
}

std::vector<ChecklistEntry> checklist_entries(const ChallengeState& s, const Procedure& p) {
  std::vector<ChecklistEntry> out;
  if (const Stage* st = p.stage(s.stage))
    for (const auto& ra : st->required_actions) out.push_back({&ra, st->number});
  if (s.outcome_recorded)
    for (const auto& ra : p.after_resolution) out.push_back({&ra, 0});
  return out;
}

std::vector<ChecklistEntry> required_before(const ChallengeState& s, const Procedure& p, EventKind kind, int stage) {
  std::vector<ChecklistEntry> out;
  if (kind == EventKind::Closed) return checklist_entries(s, p);
  if (kind != EventKind::Escalated) return out;
  if (const Stage* st = p.stage(stage))
    for (const auto& ra : st->required_actions)
      if (!ra.notify.empty()) out.push_back({&ra, st->number});
  return out;
}

int role_rank(std::string_view role) {
  if (role == "line_manager" || role == "safeguarding_lead") return 1;
  if (role == "senior_manager") return 2;
  if (role == "director") return 3;
  return 0;   // practitioner, or no role given
}

namespace {

// A correction may not do what the event it corrects could not: make a Bury challenge one
// inside a single agency, or date a signature in the future or before the challenge.
void check_correction(const ChallengeState& s, const Procedure& p, const Json& body, std::int64_t at) {
  const Event* target = s.find(text_of(body, "corrects"));
  auto changes = body.find("changes");
  if (!target || changes == body.end() || !changes->is_object()) return;
  if (target->kind == EventKind::RecordSigned && changes->contains("date")) {
    // Nor may it move a signature's date into the future or before the challenge.
    Json signed_body = s.corrected_body(target->id);
    signed_body.merge_patch(*changes);
    try {
      check_signature_date(s, signed_body, at);
    } catch (const RuleError& e) {
      throw RuleError(e.category, "body.changes.date", e.what());
    }
    return;
  }
  if (target->kind != EventKind::ChallengeOpened) return;
  Json opening = s.corrected_body(target->id);
  opening.merge_patch(*changes);
  try {
    check_opening_rules(p, opening);
  } catch (const RuleError& e) {
    std::string field = e.field.rfind("body.", 0) == 0 ? "body.changes." + e.field.substr(5) : e.field;
    throw RuleError(e.category, field, e.what());
  }
}

}  // namespace

void check_procedure_rules(const ChallengeState& s, const Procedure& p, EventKind kind, const Json& body,
                           const Json& author, std::int64_t at) {
  check_stage_role(s, p, kind, author);
  if (kind == EventKind::Correction) check_correction(s, p, body, at);
  check_gates(s, p, kind, body);
  if (kind == EventKind::Referred) check_route(s, p, body);
  if (kind == EventKind::NotificationSent) check_recipient(s, p, body);
  if (kind == EventKind::RecordSigned) check_signature_date(s, body, at);
}

void check_opening_rules(const Procedure& p, const Json& body) {
  const BoardRule* rule = p.rule(RuleKind::SameAgencyRefused);
  if (rule && same_agency(body))
    refuse(Category::State, "body.challenged.agency",
           "both sides are " + text_of(body["challenger"], "agency") +
               ": a disagreement inside one agency goes through that agency's own procedure, not " + p.id +
               says(p, rule->source));
}

}  // namespace parley
