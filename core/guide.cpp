// core/guide.cpp — what comes next on a challenge (see guide.h). Whether an action is
// offered is the rules' answer; this file orders the answers and words the deadline.
#include "core/guide.h"

#include <cstdio>

#include "core/json_read.h"
#include "core/procedure_rules.h"

namespace parley {
namespace {

std::string counted(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

// "Tue 8 Dec", with the time for an hours timescale ("Tue 8 Dec 14:00").
std::string when_words(const Deadline& d) {
  std::string when = weekday_short(d.due_date) + " " + std::to_string(d.due_date.day) + " " + month_short(d.due_date.month);
  if (d.timescale.unit == TimeUnit::Hours) {
    std::int64_t local = d.due + std::int64_t(uk_utc_offset_minutes(d.due)) * 60000;
    char hm[8];
    std::snprintf(hm, sizeof hm, "%02d:%02d", int(local / 3600000 % 24), int(local / 60000 % 60));
    when += std::string(" ") + hm;
  }
  return when;
}

std::string role_noun(const std::string& role, bool plural) {
  std::string r = role;
  for (auto& c : r) c = c == '_' ? ' ' : c;
  return plural ? r + "s" : r;
}

}  // namespace

DueTag due_tag(const Deadline& d, Region region, std::int64_t now, const Calendar& calendar) {
  const Date today = uk_local_date(now), due = d.due_date;
  const bool working = d.timescale.unit == TimeUnit::WorkingDays;
  const char* one = working ? "working day" : "day";
  const char* many = working ? "working days" : "days";
  const std::string when = when_words(d);
  if (now > d.due) {
    int late = working ? calendar.working_days_between(region, due, today)
                       : static_cast<int>(day_number(today) - day_number(due));
    if (late <= 0) return {DueTone::Overdue, "Overdue — was due " + when};
    return {DueTone::Overdue, "Overdue by " + counted(late, one, many) + " — was due " + when};
  }
  if (today == due)
    return {DueTone::Today, d.timescale.unit == TimeUnit::Hours ? "Due today — " + when : std::string("Due today")};
  int left = working ? calendar.working_days_between(region, today, due) : static_cast<int>(day_number(due) - day_number(today));
  // A calendar-day deadline falling on a weekend is still "in N days"; a working-day one
  // is never on a non-working day, so `left` is at least 1 here.
  if (left < 1) left = 1;
  return {left <= 1 ? DueTone::Soon : DueTone::Due, "Due in " + counted(left, one, many) + " — " + when};
}

std::string stage_people_words(const Stage& stage, bool plural) {
  const auto roles = stage_roles(stage);
  if (roles.empty()) return "the Board";
  std::string out;
  for (std::size_t i = 0; i < roles.size(); ++i) out += (i ? " or " : "") + role_noun(roles[i], plural);
  return out;
}

NextSteps next_steps(const ChallengeView& v, const Json& author, std::int64_t now, const Calendar& calendar) {
  NextSteps out;
  const Procedure& p = *v.procedure;
  const ChallengeState& s = v.state;
  const std::string role = text_of(author, "role");
  const bool board = role == "board";
  const bool open = !s.outcome_recorded && !s.closed;
  if (v.deadline && open) out.due = due_tag(*v.deadline, p.board.region, now, calendar);

  bool route_open = false, route_suggested = false, notify_due = false;
  for (const auto& r : v.routes) {
    route_open = route_open || r.available;
    route_suggested = route_suggested || (r.available && r.suggested);
  }
  for (const auto& item : v.checklist) notify_due = notify_due || (item.notification && !item.done);

  auto allowed = [&](EventKind k) {
    if (!kind_refusal(s, p, k).empty() || !stage_role_refusal(s, p, k, author).empty()) return false;
    if (board && !kind_rule(k).board_may_author) return false;
    if (k == EventKind::Referred) return route_open;
    if (k == EventKind::NotificationSent) return !p.board.contacts.empty();
    return true;
  };
  auto now_fits = [&](EventKind k) {
    using K = EventKind;
    if (k == K::NotificationSent) return notify_due;
    if (s.closed) return k == K::Comment;
    if (!open) return k == K::FeedbackGiven || k == K::RecordSigned || k == K::LearningRecorded || k == K::Closed;
    if (k == K::Referred) return route_suggested;
    // Someone whose role level is below this stage's still records what they discussed
    // and agreed; the rest waits for the people the stage is for (the hand-over says who).
    const bool mine = stage_role_refusal(s, p, K::Escalated, author).empty();
    if (!mine) return k == K::DiscussionRecorded || k == K::ActionAgreed;
    return k == K::DiscussionRecorded || k == K::Escalated || k == K::OutcomeAgreed;
  };
  using K = EventKind;
  const EventKind order[] = {K::DiscussionRecorded, K::NotificationSent, K::Escalated,   K::OutcomeAgreed, K::Referred,
                             K::ActionAgreed,       K::FeedbackGiven,    K::RecordSigned, K::LearningRecorded,
                             K::Closed,             K::ViewsRecorded,    K::Expedited,    K::Comment};
  for (int pass = 0; pass < 2; ++pass)
    for (EventKind k : order)
      if (allowed(k) && now_fits(k) == (pass == 0)) out.actions.push_back({k, pass == 0 ? Fit::Now : Fit::More});

  // The hand-over: this stage is above the person, or the next one will be.
  if (!open || board) return out;
  const int mine = role_rank(role);
  const Stage* here = p.stage(s.stage);
  const Stage* next = p.stage(s.stage + 1);
  if (here && !role.empty() && !stage_role_refusal(s, p, K::Escalated, author).empty()) {
    out.handover = "Stage " + std::to_string(here->number) + " is for " + stage_people_words(*here, true) +
                   ": tell your " + stage_people_words(*here, false) + ".";
    out.handover_who = here->who_description;
  } else if (next && !stage_roles(*next).empty() && stage_role_rank(*next) > mine) {
    out.handover = "Stage " + std::to_string(next->number) + " is for " + stage_people_words(*next, true) +
                   ": when you escalate, tell your " + stage_people_words(*next, false) + ".";
    out.handover_who = next->who_description;
  }
  return out;
}

}  // namespace parley
