// core/report.cpp — record forms as rows and printable HTML (see report.h).
//
// One function per form source, found through one table (kSources). Each reads the view
// the engine derived — the events with corrections applied, the stage history and
// timescales, the procedure's contacts and routes — and says it in words, one item a
// line, oldest first. Rules (what counts as met, late, required) stay in the engine and
// core/procedure_rules: this file only words what they decided.
#include "core/report.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "core/json_read.h"
#include "core/procedure_rules.h"

namespace parley {
namespace {

using Source = std::string (*)(const ChallengeView&);

// "Name, Job title, Agency", leaving out what was not given.
std::string person(const Json& p) {
  if (!p.is_object()) return "";
  std::string out;
  for (const char* k : {"name", "job_title", "agency"}) {
    std::string v = text_of(p, k);
    if (!v.empty()) out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

std::string people(const Json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& p : list) out += (out.empty() ? "" : "; ") + person(p);
  return out;
}

// "face_to_face" -> "face to face": enum values as words for a printed form.
std::string words(std::string s) {
  for (auto& c : s) if (c == '_') c = ' ';
  return s;
}

std::string local_day(std::int64_t ms) {
  Date d = uk_local_date(ms);
  return std::to_string(d.day) + " " + month_short(d.month) + " " + std::to_string(d.year);
}

// A typed YYYY-MM-DD as "5 Feb 2026"; anything else as typed.
std::string typed_day(const std::string& text) {
  auto d = parse_date(text);
  return d ? std::to_string(d->day) + " " + month_short(d->month) + " " + std::to_string(d->year) : text;
}

// Text followed by ": detail" when there is a detail.
std::string with_detail(const std::string& text, const std::string& detail) {
  return detail.empty() ? text : text + ": " + detail;
}

// Text ending as a sentence: a full stop added unless it already ends in . ! or ?.
std::string sentence(const std::string& text) {
  return text.empty() || text.back() == '.' || text.back() == '!' || text.back() == '?' ? text : text + ".";
}

// "Label: text", or nothing when nothing was recorded (a line Lines leaves out).
std::string labelled(const std::string& label, const std::string& text) {
  return text.empty() ? "" : label + ": " + text;
}

// Lines of a multi-line field; `or_none` is what an empty field says.
struct Lines {
  std::string out;
  void add(const std::string& line) {
    if (!line.empty()) out += (out.empty() ? "" : "\n") + line;
  }
  std::string or_none(const std::string& none = "None recorded") const { return out.empty() ? none : out; }
};

int stage_of(const ChallengeState& s, const Event& e) {
  auto it = s.event_stage.find(e.id);
  return it == s.event_stage.end() ? 0 : it->second;
}

// "5 Jan 2027, stage 2": when an event happened and the stage it was recorded at.
std::string when_where(const ChallengeState& s, const Event& e) {
  return local_day(e.at) + ", stage " + std::to_string(stage_of(s, e));
}

// "stage 3 (Formal escalation by the line manager)"; `capital` to start a line.
std::string stage_label(const ChallengeView& v, int number, bool capital = false) {
  const Stage* st = v.procedure ? v.procedure->stage(number) : nullptr;
  return (capital ? "Stage " : "stage ") + std::to_string(number) + (st ? " (" + st->name + ")" : "");
}

// The events as they happened (their stated times), ties in fold order: a record reads
// in the order things were done, whatever order they were typed in.
std::vector<const Event*> in_time_order(const ChallengeState& s) {
  std::vector<const Event*> out;
  for (const auto& e : s.events) out.push_back(&e);
  std::stable_sort(out.begin(), out.end(), [](const Event* a, const Event* b) { return a->at < b->at; });
  return out;
}

std::string subject_kind_word(const ChallengeView& v) {
  std::string kind = text_of(v.state.opened_body.value("subject", Json::object()), "kind");
  return kind == "adult" || kind == "child" ? kind : "subject";
}

// Who a notification went to: a contact of the procedure (ids are compared in lower case,
// as the rules accept them) by its label and how to reach it; otherwise the party named,
// as typed.
std::string recipient(const ChallengeView& v, const std::string& to) {
  std::string id = to;
  for (auto& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const Contact* c = v.procedure ? v.procedure->contact(id) : nullptr;
  return c ? c->label + " (" + contact_words(*c) + ")" : to;
}

// A referral's route by the name the procedure gives it.
std::string route_name(const ChallengeView& v, const std::string& kind) {
  if (v.procedure)
    for (const auto& r : v.procedure->routes)
      if (r.kind == kind) return r.name;
  return kind == "other" ? "another route" : words(kind);
}

// What a person went ahead without: the items the procedure required before `e` (an
// escalation: the notifications of the stage it left; a closure: the checklist in force,
// as core/procedure_rules reads it) that no event recorded before `e` satisfied.
std::string items_open_before(const ChallengeView& v, const Event& e) {
  if (!v.procedure) return "";
  const auto entries = required_before(v.state, *v.procedure, e.kind, stage_of(v.state, e));
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < v.state.events.size(); ++i) position[v.state.events[i].id] = i;
  const std::size_t limit = position.count(e.id) ? position[e.id] : v.state.events.size();
  std::string out;
  for (const auto& entry : entries) {
    bool done = false;
    for (const auto& id : done_by(v.state, *entry.action, entry.stage)) done = done || position[id] < limit;
    if (!done) out += (out.empty() ? "" : "; ") + entry.action->text;
  }
  return out;
}

// "Went ahead without <what>: <reason>" for an escalation or closure that carried an
// override reason (core/procedure_rules.h); empty otherwise.
std::string override_words(const ChallengeView& v, const Event& e, const Json& body) {
  std::string reason = text_of(body, "override_reason");
  if (reason.empty()) return "";
  std::string what = items_open_before(v, e);
  // A reason given when nothing was left undone is kept, without claiming anything was.
  if (what.empty()) return "Reason given for going ahead (nothing required was left undone): " + reason;
  return "Went ahead without " + what + ": " + reason;
}

std::string action_words(const ChallengeState& s, const AgreedAction& a) {
  std::string out = a.description + " — " + a.owner + (a.due.empty() ? "" : ", due " + typed_day(a.due));
  out += " (agreed at stage " + std::to_string(a.stage);
  if (a.completed) {
    const Event* done = s.find(a.completed_by_event);
    out += done ? "; done " + local_day(done->at) : "; done";
  } else {
    out += "; not done yet";
  }
  return out + ")";
}

std::string escalation_words(const Event& e, const Json& body) {
  return "Escalated to stage " + std::to_string(body.value("to_stage", 0)) + " on " + local_day(e.at) + ": " +
         sentence(text_of(body, "reason")) + " Tried: " + text_of(body, "tried");
}

// What one event did, in words, for the timeline: "escalated to stage 2: reason".
std::string event_words(const ChallengeView& v, const Event& e, const Json& body) {
  const ChallengeState& s = v.state;
  switch (e.kind) {
    case EventKind::ChallengeOpened:
      return "raised the challenge (" + words(text_of(body, "category")) + ")" +
             (body.value("imminent_risk", false) ? "; someone was at imminent risk of harm" : "");
    case EventKind::ImminentRiskGuidanceShown: return "was shown the Board's guidance for imminent risk";
    case EventKind::PartyAdded:
      return (body.value("copied", false) ? "copied in " : "added as a party: ") + person(body.value("party", Json::object()));
    case EventKind::DiscussionRecorded:
      return "recorded a discussion (" + words(text_of(body, "method")) + ") with " + people(body.value("with", Json::array())) +
             (body.value("agreed", false) ? " — agreed" : " — not agreed");
    case EventKind::ActionAgreed:
      return "agreed an action: " + text_of(body, "description") + " — " + text_of(body, "owner");
    case EventKind::ActionCompleted: {
      const Event* agreed = s.find(text_of(body, "action"));
      std::string what = agreed ? text_of(s.corrected_body(agreed->id), "description") : "an agreed action";
      return with_detail("completed the action " + what, text_of(body, "note"));
    }
    case EventKind::Escalated: {
      std::string out = "escalated to stage " + std::to_string(body.value("to_stage", 0)) + ": " + text_of(body, "reason");
      std::string over = override_words(v, e, body);
      return over.empty() ? out : sentence(out) + " " + over;
    }
    case EventKind::Expedited: return with_detail("expedited the challenge", text_of(body, "reason"));
    case EventKind::NotificationSent:
      return with_detail("notified " + recipient(v, text_of(body, "to")), text_of(body, "reason"));
    case EventKind::OutcomeAgreed: return with_detail("recorded the agreed outcome", text_of(body, "outcome"));
    case EventKind::FeedbackGiven: return with_detail("gave feedback to " + text_of(body, "to"), text_of(body, "summary"));
    case EventKind::RecordSigned:
      return "signed the record for the " + text_of(body, "side") + " side (" + text_of(body, "name") + ")";
    case EventKind::Referred:
      return with_detail("referred to " + route_name(v, text_of(body, "route")), text_of(body, "note"));
    case EventKind::Closed: {
      std::string out = with_detail("closed the challenge", text_of(body, "reason"));
      std::string over = override_words(v, e, body);
      return over.empty() ? out : sentence(out) + " " + over;
    }
    case EventKind::LearningRecorded:
      return "recorded learning (review considered: " + words(text_of(body, "review")) + "): " + text_of(body, "lessons");
    case EventKind::ViewsRecorded: return "recorded the " + subject_kind_word(v) + "'s views: " + text_of(body, "views");
    case EventKind::Comment: return "commented: " + text_of(body, "text");
    case EventKind::Correction: return with_detail("corrected an earlier record", text_of(body, "reason"));
    case EventKind::ReviewSettled: return with_detail("settled a conflict", text_of(body, "decision"));
  }
  return words(std::string(to_string(e.kind)));
}

// ---- one function per form source ----------------------------------------------------

std::string subject_name(const ChallengeView& v) {
  return text_of(v.state.opened_body.value("subject", Json::object()), "name");
}

// Buckinghamshire: "Summary of reason for dispute – include views of all agencies".
std::string summary(const ChallengeView& v) {
  const Json& b = v.state.opened_body;
  Lines out;
  out.add(text_of(b, "summary"));
  out.add(labelled("Views of the agencies", text_of(b, "agency_views")));
  out.add("Raised by " + person(b.value("challenger", Json::object())) + "; challenged: " +
          person(b.value("challenged", Json::object())));
  return out.or_none();
}

// Buckinghamshire: "Agreed outcomes or actions if satisfactorily resolved / agreed next
// steps including escalation to next stage if unresolved".
std::string agreed_outcome(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  if (s.outcome_recorded) {
    out.add(text_of(s.outcome, "outcome"));
    out.add(labelled("Agreed actions", text_of(s.outcome, "agreed_actions")));
    out.add(labelled("Outstanding issues", text_of(s.outcome, "outstanding")));
    return out.or_none();
  }
  for (const Event* e : in_time_order(s)) {
    if (e->kind != EventKind::Escalated) continue;
    Json body = s.corrected_body(e->id);
    out.add(escalation_words(*e, body));
    out.add(override_words(v, *e, body));
  }
  for (const auto& a : s.actions) out.add("Agreed action: " + action_words(s, a));
  if (s.closed && s.closed_at) out.add("Closed on " + local_day(*s.closed_at) + " without an agreed outcome");
  else out.add("No outcome agreed yet");
  return out.out;
}

// The opening's copied_to list, comma-separated.
std::string copied_at_raising(const Json& opening) {
  std::string out;
  if (opening.contains("copied_to") && opening["copied_to"].is_array())
    for (const auto& c : opening["copied_to"]) if (c.is_string()) out += (out.empty() ? "" : ", ") + c.get<std::string>();
  return out;
}

std::string copied_to(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  std::string out = copied_at_raising(s.opened_body);
  for (const auto& p : s.parties)
    if (p.value("copied", false)) out += (out.empty() ? "" : ", ") + person(p.value("party", Json::object()));
  return out.empty() ? "No one" : out;
}

std::string resolution_stage(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  if (!s.resolution_stage) return "Not yet resolved";
  const Stage* st = v.procedure ? v.procedure->stage(*s.resolution_stage) : nullptr;
  return "Stage " + std::to_string(*s.resolution_stage) + (st ? ": " + st->name : "");
}

std::string days(int working, int calendar) {
  return std::to_string(working) + " working day" + (working == 1 ? "" : "s") + " (" + std::to_string(calendar) +
         " calendar day" + (calendar == 1 ? "" : "s") + ")";
}

// Overall time from raising to resolution or closure (it stops there), then each stage's.
std::string time_taken(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  if (v.working_days_taken) {
    bool by_outcome = s.resolved_at.has_value();
    std::int64_t end = by_outcome ? *s.resolved_at : s.closed_at.value_or(s.opened_at);
    out.add(days(*v.working_days_taken, v.calendar_days_taken.value_or(0)) + ", from raising on " +
            local_day(s.opened_at) + " to " + (by_outcome ? "the outcome being agreed" : "closure") + " on " + local_day(end));
  } else if (!v.stage_history.empty()) {
    int working = 0, calendar = 0;
    for (const auto& r : v.stage_history) working += r.working_days, calendar += r.calendar_days;
    out.add("Not yet resolved: " + days(working, calendar) + " so far since it was raised on " + local_day(s.opened_at));
  } else {
    out.add("Not yet resolved: " + days(v.working_days_at_stage, v.calendar_days_at_stage) + " at stage " +
            std::to_string(v.stage) + " so far");
  }
  for (const auto& r : v.stage_history)
    out.add(stage_label(v, r.number, true) + ": " + days(r.working_days, r.calendar_days) + (r.left_at ? "" : " so far"));
  return out.out;
}

// Comments, and learning recorded after resolution: what else the record should keep.
std::string notes(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const Event* e : in_time_order(s)) {
    Json body = s.corrected_body(e->id);
    if (e->kind == EventKind::Comment) out.add(local_day(e->at) + ": " + text_of(body, "text"));
    if (e->kind == EventKind::LearningRecorded)
      out.add(local_day(e->at) + ": learning recorded (review considered: " + words(text_of(body, "review")) + "): " +
              text_of(body, "lessons"));
  }
  return out.or_none();
}

std::string signature(const ChallengeState& s, const char* side) {
  auto it = s.signatures.find(side);
  if (it == s.signatures.end()) return "Not signed";
  const Json& b = it->second;
  return "Name: " + text_of(b, "name") + "\nJob title: " + text_of(b, "job_title") + "\nAgency: " + text_of(b, "agency") +
         "\nDate: " + typed_day(text_of(b, "date"));
}
std::string signature_challenger(const ChallengeView& v) { return signature(v.state, "challenger"); }
std::string signature_challenged(const ChallengeView& v) { return signature(v.state, "challenged"); }

// The steps taken: raised, each escalation (why, what was tried), resolution, closure.
std::string stages(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const Event* e : in_time_order(s)) {
    Json body = s.corrected_body(e->id);
    if (e->kind == EventKind::ChallengeOpened)
      out.add(local_day(e->at) + ": raised at " + stage_label(v, 1) + " by " + person(e->author));
    if (e->kind == EventKind::Escalated)
      out.add(local_day(e->at) + ": escalated to " + stage_label(v, body.value("to_stage", 0)) + ". Reason: " +
              sentence(text_of(body, "reason")) + " Tried: " + text_of(body, "tried"));
    if (e->kind == EventKind::OutcomeAgreed) out.add(local_day(e->at) + ": outcome agreed at stage " + std::to_string(stage_of(s, *e)));
    if (e->kind == EventKind::Closed)
      out.add(with_detail(local_day(e->at) + ": closed at stage " + std::to_string(stage_of(s, *e)), text_of(body, "reason")));
    if (e->kind == EventKind::Escalated || e->kind == EventKind::Closed) out.add(override_words(v, *e, body));
  }
  return out.or_none();
}

std::string discussions(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const Event* e : in_time_order(s)) {
    if (e->kind != EventKind::DiscussionRecorded) continue;
    Json body = s.corrected_body(e->id);
    std::string line = when_where(s, *e) + " (" + words(text_of(body, "method")) + ") with " +
                       people(body.value("with", Json::array())) + ": " + text_of(body, "summary") +
                       (body.value("agreed", false) ? " — agreed" : " — not agreed");
    std::string views = text_of(body, "subject_views");
    if (!views.empty()) line += ". The " + subject_kind_word(v) + "'s views: " + views;
    out.add(line);
  }
  return out.or_none();
}

std::string actions(const ChallengeView& v) {
  Lines out;
  for (const auto& a : v.state.actions) out.add(action_words(v.state, a));
  return out.or_none();
}

std::string timeline(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const Event* e : in_time_order(s))
    out.add(when_where(s, *e) + " — " + text_of(e->author, "name") + ": " + event_words(v, *e, s.corrected_body(e->id)));
  return out.or_none();
}

// Salford Appendix 1, "Voice of the adult": views given at raising, with a discussion, or
// recorded on their own, each with when and at which stage.
std::string views(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const Event* e : in_time_order(s)) {
    Json body = s.corrected_body(e->id);
    if (e->kind == EventKind::ChallengeOpened)
      out.add(labelled(when_where(s, *e) + ", when the challenge was raised",
                       text_of(body.value("subject", Json::object()), "views")));
    if (e->kind == EventKind::DiscussionRecorded && !text_of(body, "subject_views").empty())
      out.add(when_where(s, *e) + ", in a discussion with " + people(body.value("with", Json::array())) + ": " +
              text_of(body, "subject_views"));
    if (e->kind == EventKind::ViewsRecorded)
      out.add(when_where(s, *e) + ", recorded by " + person(e->author) + ": " + text_of(body, "views"));
  }
  return out.or_none();
}

// "stage-3" names a stage's own timescale, which its stage line already reports.
bool is_stage_timescale(const std::string& id) {
  if (id.rfind("stage-", 0) != 0 || id.size() == 6) return false;
  return std::all_of(id.begin() + 6, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Each stage against the procedure's timescale (the engine's words), the other
// timescales, the engine's warnings, and any override reasons.
std::string stage_history(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const auto& r : v.stage_history) out.add(r.words);
  for (const auto& t : v.timescales)
    if (t.stage == 0 || !is_stage_timescale(t.id)) out.add(t.words);
  for (const auto& w : v.warnings) out.add(w);
  for (const Event* e : in_time_order(s))
    if (e->kind == EventKind::Escalated || e->kind == EventKind::Closed) {
      std::string over = override_words(v, *e, s.corrected_body(e->id));
      if (!over.empty()) out.add(when_where(s, *e) + ": " + over);
    }
  return out.or_none();
}

// Who was told what and why: copies at raising, notifications, feedback, referrals, and
// any reason for going ahead without a required notification.
std::string correspondence(const ChallengeView& v) {
  const ChallengeState& s = v.state;
  Lines out;
  for (const Event* e : in_time_order(s)) {
    Json body = s.corrected_body(e->id);
    std::string what;
    if (e->kind == EventKind::ChallengeOpened && !copied_at_raising(body).empty())
      what = "copied to " + copied_at_raising(body) + " when the challenge was raised";
    if (e->kind == EventKind::NotificationSent || e->kind == EventKind::FeedbackGiven || e->kind == EventKind::Referred)
      what = event_words(v, *e, body);
    if (e->kind == EventKind::Escalated || e->kind == EventKind::Closed) what = override_words(v, *e, body);
    if (!what.empty()) out.add(sentence(when_where(s, *e) + ": " + what) + " Recorded by " + person(e->author) + ".");
  }
  return out.or_none();
}

const std::map<std::string, Source, std::less<>>& sources() {
  static const std::map<std::string, Source, std::less<>> kSources = {
      {"subject.name", subject_name},
      {"summary", summary},
      {"agreed_outcome", agreed_outcome},
      {"copied_to", copied_to},
      {"resolution_stage", resolution_stage},
      {"time_taken", time_taken},
      {"notes", notes},
      {"signature.challenger", signature_challenger},
      {"signature.challenged", signature_challenged},
      {"stages", stages},
      {"discussions", discussions},
      {"actions", actions},
      {"timeline", timeline},
      {"views", views},
      {"stage_history", stage_history},
      {"correspondence", correspondence},
  };
  return kSources;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n': out += "<br>"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<FormRow> fill_form(const ChallengeView& view, const Form& form) {
  std::vector<FormRow> rows;
  for (const auto& f : form.fields) {
    auto it = sources().find(f.from);
    // The procedure parser accepts only sources listed here; a newer file's source is
    // said plainly rather than printed as an empty box.
    rows.push_back({f.label, it != sources().end() ? it->second(view) : "(Parley cannot fill '" + f.from + "')"});
  }
  return rows;
}

std::string form_subtitle(const ChallengeView& view) {
  return (view.procedure ? view.procedure->board.name : std::string()) + " · Challenge " + view.state.id;
}

std::string form_footer(const ChallengeView& view, std::int64_t printed_at) {
  return "Printed from Parley on " + local_day(printed_at) + ". Status: " + std::string(to_string(view.status)) +
         ", stage " + std::to_string(view.stage) + ". Generated from the challenge's recorded events.";
}

std::string form_html(const ChallengeView& view, const Form& form, std::int64_t printed_at) {
  std::string h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(form.title) +
                  " — " + html_escape(view.state.id) + "</title><style>"
                  "body{font:11pt/1.4 'Liberation Sans',Arial,sans-serif;margin:2cm;color:#000}"
                  "h1{font-size:15pt;margin:0 0 .2em}h2{font-size:11pt;font-weight:normal;margin:0 0 1em;color:#333}"
                  "table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:6pt;vertical-align:top;text-align:left}"
                  "th{width:32%;background:#eee}tr{page-break-inside:avoid}.note{margin-top:1em;font-size:9pt}"
                  "footer{margin-top:2em;font-size:8pt;color:#444}@media print{body{margin:0}}</style></head><body>";
  h += "<h1>" + html_escape(form.title) + "</h1>";
  h += "<h2>" + html_escape(form_subtitle(view)) + "</h2><table>";
  for (const auto& row : fill_form(view, form))
    h += "<tr><th>" + html_escape(row.label) + "</th><td>" + html_escape(row.value) + "</td></tr>";
  h += "</table>";
  if (!form.note.empty()) h += "<p class=\"note\">" + html_escape(form.note) + "</p>";
  h += "<footer>" + html_escape(form_footer(view, printed_at)) + "</footer>";
  h += "</body></html>\n";
  return h;
}

}  // namespace parley
