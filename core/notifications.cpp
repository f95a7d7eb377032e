// core/notifications.cpp — which messages a challenge calls for, and their words (see
// notifications.h). Keys never hold anything but ids, rule ids and times, so the outbox
// and the logs can show them.
#include "core/notifications.h"

#include <algorithm>

#include "core/event_rules.h"
#include "core/history.h"
#include "core/json_read.h"
#include "core/procedure_rules.h"

namespace parley {
namespace {

using When = MessageRule::When;

std::string stage_words(const Procedure& p, int number) {
  const Stage* s = p.stage(number);
  return "stage " + std::to_string(number) + (s ? " (" + s->name + ")" : "");
}

// One trigger of a rule: when, a key suffix, what happened in words, and by when.
struct Trigger {
  std::int64_t at = 0;
  std::string suffix;                      // appended to "<challenge>/<rule>"
  std::string what;                        // "reached stage 4 (Senior manager)"
  std::string by_when;                     // deadline words, or ""
  int stage = 0;                           // whose people act
  std::optional<std::int64_t> expires_at;
};

const StageRecord* first_visit(const ChallengeView& v, int stage) {
  for (const auto& r : v.stage_history)
    if (r.number == stage) return &r;
  return nullptr;
}

// A timescale still running: not done, its stage not left, the challenge not ended.
bool running(const ChallengeView& v, const TimescaleRecord& t) {
  if (t.done_at || t.met.has_value() || !t.deadline) return false;
  if (v.state.outcome_recorded || v.state.closed) return false;
  return t.stage == 0 || t.stage == v.stage;
}

// The moment a reminder for `t` falls due: N working days before a day-based deadline at
// the configured hour (UK), or some hours before an hours-based one.
std::int64_t reminder_time(const Procedure& p, const Deadline& d, const MessageSettings& s, const Calendar& calendar) {
  if (d.timescale.unit == TimeUnit::Hours) return d.due - std::int64_t{s.reminder_hours_before} * 3600 * 1000;
  Date day = d.due_date;
  for (int n = 0; n < s.reminder_working_days;) {
    day = add_days(day, -1);
    if (calendar.is_working_day(p.board.region, day)) ++n;
  }
  return uk_start_of_day_utc_ms(day) + std::int64_t{s.reminder_hour} * 3600 * 1000;
}

std::vector<Trigger> stage_and_outcome_triggers(const ChallengeView& v, const MessageRule& r) {
  const Procedure& p = *v.procedure;
  std::vector<Trigger> out;
  if (r.when == When::StageEntered) {
    if (const StageRecord* s = first_visit(v, r.stage))
      out.push_back({s->entered_at, "", "reached " + stage_words(p, r.stage),
                     s->deadline ? s->deadline->words : "The procedure sets no timescale for this stage.", r.stage, {}});
  } else if (r.when == When::OutcomeAgreed) {
    int stage = v.state.resolution_stage.value_or(0);
    if (v.state.outcome_recorded && v.state.resolved_at && (r.stage == 0 || r.stage == stage))
      out.push_back({*v.state.resolved_at, "", "outcome agreed at " + stage_words(p, stage), "", stage, {}});
  } else if (r.when == When::EventRecorded) {
    for (const auto& e : v.state.events) {
      auto at = v.state.event_stage.find(e.id);
      int stage = at == v.state.event_stage.end() ? 0 : at->second;
      if (e.kind != r.kind || (r.stage != 0 && r.stage != stage)) continue;
      out.push_back({e.at, "/" + e.id, kind_rule(e.kind).title + " recorded at " + stage_words(p, stage), "", stage, {}});
    }
  }
  return out;
}

std::vector<Trigger> timescale_triggers(const ChallengeView& v, const MessageRule& r, std::int64_t now,
                                        const MessageSettings& s, std::optional<std::int64_t>& wake,
                                        const Calendar& calendar) {
  std::vector<Trigger> out;
  auto later = [&](std::int64_t t) { wake = wake ? std::min(*wake, t) : t; };
  for (const auto& t : v.timescales) {
    if (!t.deadline) continue;
    const Deadline& d = *t.deadline;
    int stage = t.stage == 0 ? v.stage : t.stage;
    if (r.when == When::TimescaleDue && running(v, t)) {
      std::int64_t at = reminder_time(*v.procedure, d, s, calendar);
      if (now >= d.due) continue;
      if (at > now) later(at);
      else out.push_back({at, "/" + t.id + "/" + std::to_string(d.due), "reminder: " + t.label + " is due " + day_words(d.due),
                          d.words, stage, d.due});
    } else if (r.when == When::TimescaleMissed) {
      bool missed = t.met == false || (running(v, t) && now > d.due);
      if (missed) out.push_back({d.due + 1, "/" + t.id, "timescale missed: " + t.label, d.words, stage, {}});
      else if (running(v, t)) later(d.due + 1);
    }
  }
  return out;
}

// "acting" is each side's people: two recipients, so each record names one agency.
std::vector<std::string> expand(const std::vector<std::string>& to) {
  std::vector<std::string> out;
  for (const auto& t : to) {
    if (t == "acting") {
      out.push_back("acting:challenger");
      out.push_back("acting:challenged");
    } else {
      out.push_back(t);
    }
  }
  return out;
}

Recipient recipient(const std::string& to, int stage) {
  Recipient r;
  if (to.rfind("contact:", 0) == 0) {
    r.kind = Recipient::Kind::Contact;
    r.contact = to.substr(8);
  } else if (to == "raiser") {
    r.kind = Recipient::Kind::Raiser;
  } else {
    r.kind = Recipient::Kind::Acting;
    r.side = to.size() > 7 ? to.substr(7) : "";
    r.stage = stage;
  }
  return r;
}

// What was done so far, by kind, stage and date: never the words typed (Bury's referral
// "should contain details of the disagreement and action which has already been taken").
std::string actions_taken(const ChallengeView& v) {
  std::string out = "Action already taken:\n";
  for (const auto& e : v.state.events) {
    if (e.kind == EventKind::Correction || e.kind == EventKind::Comment) continue;
    auto at = v.state.event_stage.find(e.id);
    std::string what = e.kind == EventKind::Escalated && e.body.contains("to_stage") && e.body["to_stage"].is_number()
                           ? "Escalated to stage " + std::to_string(e.body["to_stage"].get<int>())
                           : kind_rule(e.kind).title;
    if (e.kind == EventKind::DiscussionRecorded && e.body.contains("method") && e.body["method"].is_string())
      what += " (" + e.body["method"].get<std::string>() + ")";
    std::string line = "- " + day_words(e.at) + ", stage " +
                       std::to_string(at == v.state.event_stage.end() ? 0 : at->second) + ": " + what;
    out += line + "\n";
  }
  return out;
}

std::string agency_words(const Json& opened, const char* side, const MessageSettings& s) {
  std::string typed = text_at(opened, side, "agency");
  return s.directory.empty() ? typed : directory_agency(s.directory, typed);
}

std::string message_body(const ChallengeView& v, const MessageRule& r, const Trigger& t, const MessageSettings& s) {
  const Procedure& p = *v.procedure;
  const Json& o = v.state.opened_body;
  std::string b = "Parley — " + p.title + "\n\n";
  b += "Challenge " + v.state.id + " " + t.what + ".\n\n";
  b += "Procedure: " + p.board.name + "\n";
  b += "Stage now: " + stage_words(p, v.stage) + " of " + std::to_string(p.last_stage()) + "\n";
  const std::string challenger = agency_words(o, "challenger", s), challenged = agency_words(o, "challenged", s);
  b += "Agencies: " + challenger + " (raised the challenge) → " + challenged + "\n";
  b += "Category: " + o.value("category", std::string("not given")) + "\n";
  b += "Raised: " + day_words(v.state.opened_at) + "\n\n";
  b += "What is asked of you: " + r.asks + "\n";
  if (!t.by_when.empty()) b += "By when: " + t.by_when + "\n";
  if (!r.source.empty()) b += "The procedure says: \"" + r.source + "\"\n";
  if (r.actions_taken)
    b += "\nThe disagreement: " + o.value("category", std::string("not given")) + ", between " +
         challenger + " and " + challenged + ".\n" + actions_taken(v);
  if (s.full_detail)
    b += "\nSubject: " + text_at(o, "subject", "name") + "\nSummary: " + o.value("summary", std::string()) + "\n";
  else
    b += "\nNames and what was written are not sent by email (" + p.board.short_name +
         "'s setting); read them in Parley.\n";
  if (!s.link_base.empty()) b += "Open the challenge: " + s.link_base + "/#challenge=" + v.state.id + "\n";
  return b + "\nSent by Parley for " + p.board.name + ".\n";
}

}  // namespace

std::string directory_agency(const std::map<std::string, std::string>& directory, const std::string& typed) {
  auto it = directory.find(agency_id(typed));
  return it == directory.end() ? "an agency not in the Board's directory" : it->second;
}

std::string Recipient::record_to(const ChallengeView& view) const {
  const Json& o = view.state.opened_body;
  switch (kind) {
    case Kind::Contact: return contact;
    case Kind::Raiser: return text_at(o, "challenger", "name");
    case Kind::Acting: return text_at(o, side == "challenged" ? "challenged" : "challenger", "agency");
  }
  return contact;
}

std::string Recipient::words() const {
  switch (kind) {
    case Kind::Contact: return "contact " + contact;
    case Kind::Raiser: return "the person who raised the challenge";
    case Kind::Acting:
      return "the people acting at stage " + std::to_string(stage) + (side.empty() ? "" : " (" + side + ")");
  }
  return {};
}

std::vector<PlannedMessage> messages_due(const ChallengeView& view, std::int64_t now, const MessageSettings& settings,
                                         std::optional<std::int64_t>* next_wake, const Calendar& calendar) {
  std::vector<PlannedMessage> out;
  std::optional<std::int64_t> wake;
  if (!view.procedure || !view.state.opened) return out;
  for (const auto& rule : view.procedure->messages) {
    bool timed = rule.when == When::TimescaleDue || rule.when == When::TimescaleMissed;
    auto triggers = timed ? timescale_triggers(view, rule, now, settings, wake, calendar) : stage_and_outcome_triggers(view, rule);
    for (const auto& t : triggers) {
      if (t.at > now) {   // stated as happening later (a device clock ahead): plan it then
        wake = wake ? std::min(*wake, t.at) : t.at;
        continue;
      }
      for (const auto& to : expand(rule.to)) {
        PlannedMessage m;
        m.key = view.state.id + "/" + rule.id + t.suffix + "/" + to;
        m.rule = rule.id;
        m.due_at = t.at;
        m.expires_at = t.expires_at;
        m.to = recipient(to, t.stage);
        m.subject = "[Parley] " + view.procedure->board.short_name + ": challenge " + view.state.id + " " + t.what;
        m.body = message_body(view, rule, t, settings);
        m.reason = "Emailed by Parley to " + m.to.words() + ": " + t.what + ". " + rule.asks;
        out.push_back(std::move(m));
      }
    }
  }
  if (next_wake) *next_wake = wake;
  return out;
}

}  // namespace parley
