// core/history.cpp — stage history and timescales (see history.h).
#include "core/history.h"

#include <algorithm>

#include "core/procedure_rules.h"

namespace parley {

std::string day_words(std::int64_t ms) {
  Date d = uk_local_date(ms);
  return weekday_short(d) + " " + std::to_string(d.day) + " " + month_short(d.month) + " " + std::to_string(d.year);
}

namespace {

std::string plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

std::string amount_words(const Timescale& t) {
  switch (t.unit) {
    case TimeUnit::WorkingDays: return plural(t.amount, "working day", "working days");
    case TimeUnit::CalendarDays: return plural(t.amount, "day", "days");
    case TimeUnit::Hours: return plural(t.amount, "hour", "hours");
  }
  return "";
}

std::string kind_words(EventKind k) {
  std::string s(to_string(k));
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

// "a discussion recorded (meeting, face to face or video)".
std::string match_words(const std::vector<EventMatch>& matches) {
  std::string out;
  for (const auto& m : matches) {
    std::string one = "a " + kind_words(m.kind);
    if (!m.methods.empty()) {
      std::string methods;
      for (std::size_t i = 0; i < m.methods.size(); ++i)
        methods += (i == 0 ? "" : i + 1 == m.methods.size() ? " or " : ", ") + m.methods[i];
      std::replace(methods.begin(), methods.end(), '_', ' ');
      one += " (" + methods + ")";
    }
    out += (out.empty() ? "" : " or ") + one;
  }
  return out;
}

struct Span {
  int working = 0, calendar = 0;
};

Span span(const Procedure& p, std::int64_t from, std::int64_t to, const Calendar& calendar) {
  Date a = uk_local_date(from), b = uk_local_date(std::max(from, to));
  return {calendar.working_days_between(p.board.region, a, b),
          static_cast<int>(std::max<std::int64_t>(0, day_number(b) - day_number(a)))};
}

std::string span_words(const Span& s) {
  return plural(s.working, "working day", "working days") + " (" + plural(s.calendar, "calendar day", "calendar days") + ")";
}

// How the stage's timescale went: the deadline, and whether leaving (or the named event) met it.
void judge_stage(StageRecord& r, const Timescale& t, const ChallengeState& s, const Procedure& p, std::int64_t as_of,
                 const Calendar& calendar) {
  auto from = reference_time(t.from, s, r.number);
  if (!from) {
    r.deadline_pending = "measured from " + describe_from(t.from, r.number) + ", not recorded yet";
    return;
  }
  Deadline d = make_deadline(t, p.board.region, *from, as_of, calendar);
  d.measured_from = describe_from(t.from, r.number);
  if (!t.met_by.empty()) {
    for (const auto& e : s.events) {
      auto at = s.event_stage.find(e.id);
      if (at == s.event_stage.end() || at->second != r.number) continue;
      if (std::any_of(t.met_by.begin(), t.met_by.end(), [&](const EventMatch& m) { return matches(m, e); })) {
        r.met_at = e.at;
        r.met_by_event = e.id;
        break;
      }
    }
    // Resolving the disagreement in time also meets it; moving on (or closing after a
    // referral) without the event does not.
    if (!r.met_at && r.left_at && r.left_how == "resolved") r.met_at = r.left_at;
    if (r.met_at) r.met = *r.met_at <= d.due;
    else if (r.left_at) r.met = false;
  } else if (r.left_at) {
    r.met_at = r.left_at;
    r.met = *r.left_at <= d.due;
  }
  d.overdue = !r.met_at && !r.left_at && as_of > d.due;
  r.deadline = d;
}

std::string met_words(const StageRecord& r, const Timescale& t) {
  if (r.met == true)
    return r.met_by_event.empty() ? ": met" : ": met — " + match_words(t.met_by) + " on " + day_words(*r.met_at);
  if (r.met == false) {
    if (t.met_by.empty()) return ": not met";
    if (r.met_by_event.empty()) return ": not met — no " + match_words(t.met_by).substr(2) + " at this stage";
    return ": not met — " + match_words(t.met_by) + " only on " + day_words(*r.met_at);
  }
  return r.deadline && r.deadline->overdue ? ": overdue" : "";
}

std::string stage_words(const StageRecord& r, const Stage* st) {
  std::string w = "Stage " + std::to_string(r.number) + (r.name.empty() ? "" : " (" + r.name + ")");
  Span time{r.working_days, r.calendar_days};
  if (r.left_at)
    w += " took " + span_words(time) + ", " + day_words(r.entered_at) + " to " + day_words(*r.left_at) + ", " + r.left_how;
  else
    w += ": " + span_words(time) + " so far, since " + day_words(r.entered_at);
  if (r.deadline)
    w += "; the procedure allows " + amount_words(r.deadline->timescale) + " from " + r.deadline->measured_from +
         ", due " + day_words(r.deadline->due) + met_words(r, *st->timescale);
  else if (!r.deadline_pending.empty())
    w += "; its timescale is " + r.deadline_pending;
  else
    w += "; the procedure sets no timescale for it";
  return w;
}

}  // namespace

std::string describe_from(const TimescaleFrom& f, int this_stage) {
  switch (f.type) {
    case TimescaleFrom::Type::ChallengeRaised: return "the challenge being raised";
    case TimescaleFrom::Type::StageStarted:
      return "the start of stage " + std::to_string(f.stage == 0 ? this_stage : f.stage);
    case TimescaleFrom::Type::Event:
      return std::string(f.last ? "the last " : "the first ") + kind_words(f.kind) + " at stage " + std::to_string(f.stage);
  }
  return "";
}

std::optional<std::int64_t> reference_time(const TimescaleFrom& f, const ChallengeState& s, int this_stage) {
  switch (f.type) {
    case TimescaleFrom::Type::ChallengeRaised: return s.opened_at;
    case TimescaleFrom::Type::StageStarted: {
      int want = f.stage == 0 ? this_stage : f.stage;
      std::optional<std::int64_t> t;
      for (const auto& v : s.stages)
        if (v.number == want) t = v.started_at;   // the latest entry into that stage
      return t;
    }
    case TimescaleFrom::Type::Event: {
      std::optional<std::int64_t> t;
      for (const auto& e : s.events) {
        auto it = s.event_stage.find(e.id);
        if (e.kind != f.kind || it == s.event_stage.end() || it->second != f.stage) continue;
        t = e.at;
        if (!f.last) break;
      }
      return t;
    }
  }
  return std::nullopt;
}

std::vector<StageRecord> stage_history(const ChallengeState& s, const Procedure& p, std::int64_t as_of,
                                       const Calendar& calendar) {
  std::vector<StageRecord> out;
  for (std::size_t i = 0; i < s.stages.size(); ++i) {
    const StageVisit& v = s.stages[i];
    const Stage* st = p.stage(v.number);
    StageRecord r;
    r.number = v.number;
    r.name = st ? st->name : "";
    r.entered_at = v.started_at;
    r.entered_by = v.event_id;
    if (i + 1 < s.stages.size()) {
      r.left_at = s.stages[i + 1].started_at;
      r.left_how = "escalated";
      r.left_by = s.stages[i + 1].event_id;
    } else if (s.resolved_at || s.closed_at) {
      r.left_at = s.resolved_at ? *s.resolved_at : *s.closed_at;
      r.left_how = s.resolved_at ? "resolved" : "closed";
    }
    Span time = span(p, r.entered_at, r.left_at.value_or(as_of), calendar);
    r.working_days = time.working;
    r.calendar_days = time.calendar;
    if (st && st->timescale) judge_stage(r, *st->timescale, s, p, as_of, calendar);
    r.words = stage_words(r, st);
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

TimescaleRecord from_stage(const StageRecord& r, const Stage& st) {
  TimescaleRecord t{"stage-" + std::to_string(r.number), "Stage " + std::to_string(r.number) + ": " + r.name,
                    st.timescale->source, r.number, r.deadline, r.met_at, r.met_by_event.empty() ? r.left_by : r.met_by_event,
                    r.met, r.words};
  return t;
}

TimescaleRecord from_item(const RequiredAction& ra, const StageRecord& r, const ChallengeState& s, const Procedure& p,
                          std::int64_t as_of, const Calendar& calendar) {
  TimescaleRecord t{ra.id, ra.text, ra.timescale->source, r.number, std::nullopt, std::nullopt, "", std::nullopt, ""};
  auto ids = done_by(s, ra, r.number);
  if (!ids.empty()) {
    t.done_by = ids.front();
    t.done_at = s.find(ids.front())->at;
  }
  auto from = reference_time(ra.timescale->from, s, r.number);
  std::string head = "Stage " + std::to_string(r.number) + ", \"" + ra.text + "\"";
  if (!from) {
    t.words = head + ": measured from " + describe_from(ra.timescale->from, r.number) + ", not recorded yet";
    return t;
  }
  Deadline d = make_deadline(*ra.timescale, p.board.region, *from, as_of, calendar);
  d.measured_from = describe_from(ra.timescale->from, r.number);
  d.overdue = !t.done_at && !r.left_at && as_of > d.due;
  // Not done: missed once the stage was escalated without it (it can no longer be done at
  // that stage), or once the challenge ended with its time passed; while the stage runs it
  // stays open (null, overdue once due) — feedback given after an outcome still counts.
  if (t.done_at) t.met = *t.done_at <= d.due;
  else if (r.left_how == "escalated" || (r.left_at && as_of > d.due)) t.met = false;
  t.deadline = d;
  t.words = head + ": " + amount_words(*ra.timescale) + " from " + d.measured_from + ", due " + day_words(d.due) +
            (t.done_at ? "; done " + day_words(*t.done_at) : "; not done") +
            (t.met == true ? ": met" : t.met == false ? ": not met" : d.overdue ? ": overdue" : "");
  return t;
}

TimescaleRecord whole(const ChallengeState& s, const Procedure& p, std::int64_t as_of, const Calendar& calendar) {
  TimescaleRecord t{"challenge", "The challenge as a whole", "", 0, std::nullopt, std::nullopt, "", std::nullopt, ""};
  std::optional<std::int64_t> end = s.resolved_at ? s.resolved_at : s.closed_at;
  t.done_at = end;
  Span time = span(p, s.opened_at, end.value_or(as_of), calendar);
  t.words = "The challenge as a whole: " +
            (end ? std::string(s.resolved_at ? "resolved" : "closed") + " after " + span_words(time)
                 : span_words(time) + " so far");
  const auto& ts = p.resolution_timescale;
  if (!ts) return t.words += "; the procedure sets no overall timescale", t;
  t.source = ts->source;
  auto from = reference_time(ts->from, s, 0);
  if (!from) return t.words += "; its timescale is measured from " + describe_from(ts->from, 0) + ", not recorded yet", t;
  Deadline d = make_deadline(*ts, p.board.region, *from, as_of, calendar);
  d.measured_from = describe_from(ts->from, 0);
  d.overdue = !end && as_of > d.due;
  if (end) t.met = *end <= d.due;
  t.deadline = d;
  t.words += "; the procedure allows " + amount_words(*ts) + " from " + d.measured_from + ", due " + day_words(d.due) +
             (t.met == true ? ": met" : t.met == false ? ": not met" : d.overdue ? ": overdue" : "");
  return t;
}

}  // namespace

std::vector<TimescaleRecord> timescale_records(const ChallengeState& s, const Procedure& p,
                                               const std::vector<StageRecord>& stages, std::int64_t as_of,
                                               const Calendar& calendar) {
  std::vector<TimescaleRecord> out;
  for (const auto& r : stages) {
    const Stage* st = p.stage(r.number);
    if (!st) continue;
    if (st->timescale) out.push_back(from_stage(r, *st));
    for (const auto& ra : st->required_actions)
      if (ra.timescale) out.push_back(from_item(ra, r, s, p, as_of, calendar));
  }
  out.push_back(whole(s, p, as_of, calendar));
  return out;
}

}  // namespace parley
