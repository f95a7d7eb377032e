// core/engine.cpp — derived view and validated commands (see engine.h).
#include "core/engine.h"

#include "core/agencies.h"
#include "core/history.h"
#include "core/json_read.h"
#include "core/procedure_rules.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace parley {
namespace {


std::string day_month(const Date& d) { return std::to_string(d.day) + " " + month_short(d.month); }

}  // namespace

Json Author::to_json() const {
  return Json{{"name", name}, {"job_title", job_title}, {"agency", agency}, {"role", role}};
}

Deadline make_deadline(const Timescale& t, Region region, std::int64_t from_ms, std::int64_t as_of,
                       const Calendar& calendar) {
  Deadline d;
  d.timescale = t;
  d.due = timescale_end(t, region, from_ms, calendar);
  d.due_date = uk_local_date(d.due);
  d.overdue = as_of > d.due;
  std::string when = weekday_short(d.due_date) + " " + day_month(d.due_date) + " " + std::to_string(d.due_date.year);
  std::string detail;
  switch (t.unit) {
    case TimeUnit::WorkingDays: {
      detail = std::to_string(t.amount) + (t.amount == 1 ? " working day" : " working days");
      auto hols = calendar.holidays_between(region, uk_local_date(from_ms), d.due_date);
      if (!hols.empty()) {
        std::string list;
        for (std::size_t i = 0; i < hols.size(); ++i) {
          bool same_month_as_next = i + 1 < hols.size() && hols[i + 1].date.month == hols[i].date.month;
          list += (i ? ", " : "") + (same_month_as_next ? std::to_string(hols[i].date.day) : day_month(hols[i].date));
        }
        detail += "; " + list + (hols.size() == 1 ? " is a bank holiday" : " are bank holidays");
      }
      break;
    }
    case TimeUnit::CalendarDays:
      detail = std::to_string(t.amount) + (t.amount == 1 ? " day" : " days");
      break;
    case TimeUnit::Hours: {
      std::int64_t local = d.due + std::int64_t(uk_utc_offset_minutes(d.due)) * 60000;
      char hm[8];
      std::snprintf(hm, sizeof hm, "%02d:%02d", int(local / 3600000 % 24), int(local / 60000 % 60));
      when += " " + std::string(hm);
      detail = std::to_string(t.amount) + " hours";
      break;
    }
  }
  d.words = "due " + when + " (" + detail + ")";
  return d;
}

namespace {

std::vector<RouteOffer> route_offers(const ChallengeState& s, const Procedure& p) {
  const Json subject = s.opened_body.value("subject", Json::object());
  const bool lacks = subject.is_object() && subject.value("lacks_capacity", false) == true;
  std::vector<RouteOffer> out;
  for (const auto& r : p.routes) {
    RouteOffer o{&r, s.stage >= r.available_from_stage, lacks && r.when_lacks_capacity, ""};
    if (!o.available) o.words = "open from stage " + std::to_string(r.available_from_stage);
    else if (o.suggested) o.words = "offered because the subject lacks capacity for the decision in dispute";
    out.push_back(o);
  }
  return out;
}

std::vector<std::string> warnings(const ChallengeView& v, const Procedure& p) {
  std::vector<std::string> out;
  const Json& b = v.state.opened_body;
  if (v.same_agency && !p.rule(RuleKind::SameAgencyRefused))
    out.push_back("Both sides are " + b["challenger"].value("agency", "") + ": this procedure is for disagreements "
                  "between agencies; check whether the agency's own procedure applies instead.");
  for (const auto& r : v.routes)
    if (r.suggested && r.available)
      out.push_back("The subject lacks capacity for the decision in dispute: consider " + r.route->name + " (" +
                    r.route->text + ")");
  return out;
}

void fill_checklist(ChallengeView& v, const ChallengeState& s, const Procedure& p, std::int64_t as_of,
                    const Calendar& calendar) {
  for (const auto& entry : checklist_entries(s, p)) {
    const RequiredAction& ra = *entry.action;
    ChecklistItem item{ra.id, ra.text, ra.source, false, done_by(s, ra, entry.stage), std::nullopt, !ra.notify.empty()};
    item.done = !item.done_by.empty();
    if (ra.timescale)
      if (auto from = reference_time(ra.timescale->from, s, s.stage)) {
        item.deadline = make_deadline(*ra.timescale, p.board.region, *from, as_of, calendar);
        item.deadline->measured_from = describe_from(ra.timescale->from, s.stage);
        item.deadline->overdue = !item.done && is_overdue(v.status, item.deadline->due, as_of);
      }
    v.checklist.push_back(std::move(item));
  }
}

}  // namespace

ChallengeView derive(const ChallengeState& s, const Procedure& p, std::int64_t as_of, const Calendar& calendar) {
  ChallengeView v;
  v.state = s;
  v.procedure = &p;
  v.status = s.closed ? Status::Closed : s.outcome_recorded ? Status::Resolved : Status::Open;
  v.stage = s.stage;
  v.expedited = expedited(s, p);
  v.same_agency = same_agency(s.opened_body);
  v.routes = route_offers(s, p);
  v.warnings = warnings(v, p);
  v.stage_history = stage_history(s, p, as_of, calendar);
  v.timescales = timescale_records(s, p, v.stage_history, as_of, calendar);
  for (const auto& t : v.timescales)
    v.missed_timescale = v.missed_timescale || t.met == false || (t.deadline && t.deadline->overdue);
  const Stage* st = p.stage(s.stage);
  if (!st) return v;
  v.stage_name = st->name;
  if (!v.stage_history.empty()) {
    const StageRecord& now = v.stage_history.back();
    v.deadline = now.deadline;
    v.deadline_pending = now.deadline_pending;
    if (v.deadline) v.deadline->overdue = v.deadline->overdue && is_overdue(v.status, v.deadline->due, as_of);
    v.overdue = v.deadline && v.deadline->overdue;
    v.working_days_at_stage = now.working_days;
    v.calendar_days_at_stage = now.calendar_days;
  }
  fill_checklist(v, s, p, as_of, calendar);
  std::optional<std::int64_t> end = s.resolved_at ? s.resolved_at : s.closed_at;
  if (end) {
    Date a = uk_local_date(s.opened_at), b = uk_local_date(*end);
    v.working_days_taken = calendar.working_days_between(p.board.region, a, b);
    v.calendar_days_taken = static_cast<int>(std::max<std::int64_t>(0, day_number(b) - day_number(a)));
  }
  return v;
}

namespace {
Json deadline_json(const Deadline& d) {
  return Json{{"due", format_utc(d.due)},          {"due_date", to_string(d.due_date)},
              {"overdue", d.overdue},              {"words", d.words},
              {"measured_from", d.measured_from},  {"amount", d.timescale.amount},
              {"unit", std::string(to_string(d.timescale.unit))}};
}
}  // namespace

Json to_json(const ChallengeView& v) {
  const auto& s = v.state;
  Json j;
  j["id"] = s.id;
  j["procedure"] = v.procedure ? v.procedure->id : s.procedure;
  j["board"] = v.procedure ? v.procedure->board.name : "";
  j["status"] = std::string(to_string(v.status));
  j["stage"] = v.stage;
  j["stage_name"] = v.stage_name;
  j["expedited"] = v.expedited;
  j["same_agency"] = v.same_agency;
  j["missed_timescale"] = v.missed_timescale;
  j["warnings"] = v.warnings;
  j["risk"] = s.risk;
  j["imminent_risk_guidance_shown"] = s.imminent_risk_guidance_shown;
  j["overdue"] = v.overdue;
  j["deadline"] = v.deadline ? deadline_json(*v.deadline) : Json(nullptr);
  if (!v.deadline_pending.empty()) j["deadline_pending"] = v.deadline_pending;
  j["time_at_stage"] = {{"working_days", v.working_days_at_stage}, {"calendar_days", v.calendar_days_at_stage}};
  auto time_or_null = [](const std::optional<std::int64_t>& t) { return t ? Json(format_utc(*t)) : Json(nullptr); };
  auto met_or_null = [](const std::optional<bool>& m) { return m ? Json(*m) : Json(nullptr); };
  Json stages = Json::array();
  for (const auto& r : v.stage_history)
    stages.push_back({{"number", r.number}, {"name", r.name}, {"entered_at", format_utc(r.entered_at)},
                      {"left_at", time_or_null(r.left_at)}, {"left_how", r.left_how.empty() ? Json(nullptr) : Json(r.left_how)},
                      {"deadline", r.deadline ? deadline_json(*r.deadline) : Json(nullptr)},
                      {"met", met_or_null(r.met)}, {"met_at", time_or_null(r.met_at)},
                      {"time_at_stage", {{"working_days", r.working_days}, {"calendar_days", r.calendar_days}}},
                      {"current", r.number == v.stage && !r.left_at}, {"words", r.words}});
  Json timescales = Json::array();
  for (const auto& t : v.timescales)
    timescales.push_back({{"id", t.id}, {"label", t.label}, {"stage", t.stage},
                          {"due", t.deadline ? Json(format_utc(t.deadline->due)) : Json(nullptr)},
                          {"done_at", time_or_null(t.done_at)}, {"done_by", t.done_by.empty() ? Json(nullptr) : Json(t.done_by)},
                          {"met", met_or_null(t.met)}, {"overdue", t.deadline && t.deadline->overdue},
                          {"source", t.source}, {"words", t.words}});
  j["timescales"] = timescales;
  Json routes = Json::array();
  for (const auto& r : v.routes)
    routes.push_back({{"id", r.route->id}, {"kind", r.route->kind}, {"name", r.route->name}, {"available", r.available},
                      {"suggested", r.suggested}, {"words", r.words}});
  j["routes"] = routes;
  j["stages"] = stages;
  Json checklist = Json::array();
  for (const auto& c : v.checklist) {
    Json item = {{"id", c.id}, {"text", c.text}, {"done", c.done}, {"done_by", c.done_by},
                 {"notification", c.notification}, {"source", c.source}};
    if (c.deadline) item["deadline"] = deadline_json(*c.deadline);
    checklist.push_back(item);
  }
  j["required_actions"] = checklist;
  j["needs_review"] = s.needs_review();
  Json conflicts = Json::array();
  for (const auto& c : s.conflicts)
    conflicts.push_back({{"id", c.id}, {"kind", c.kind}, {"description", c.description}, {"events", c.events},
                         {"settled", c.settled}, {"settled_by", c.settled_by}});
  j["conflicts"] = conflicts;
  Json resolution = nullptr;
  if (s.resolution_stage) {
    resolution = {{"stage", *s.resolution_stage},
                  {"at", format_utc(s.resolved_at ? *s.resolved_at : *s.closed_at)},
                  {"working_days", v.working_days_taken.value_or(0)},
                  {"calendar_days", v.calendar_days_taken.value_or(0)}};
  }
  j["resolution"] = resolution;
  j["outcome"] = s.outcome_recorded ? s.outcome : Json(nullptr);
  j["opened_at"] = format_utc(s.opened_at);
  for (const char* k : {"subject", "challenger", "challenged", "category", "summary", "agency_views", "copied_to"})
    j[k] = s.opened_body.contains(k) ? s.opened_body[k] : Json(nullptr);
  Json actions = Json::array();
  for (const auto& a : s.actions)
    actions.push_back({{"id", a.event_id}, {"description", a.description}, {"owner", a.owner}, {"due", a.due},
                       {"stage", a.stage}, {"completed", a.completed}});
  j["actions"] = actions;
  j["signatures"] = s.signatures;
  j["referrals"] = s.referrals;
  j["parties"] = s.parties;
  Json timeline = Json::array();
  for (const auto& e : s.events) {
    Json t = {{"id", e.id},
              {"kind", std::string(to_string(e.kind))},
              {"at", format_utc(e.at)},
              {"author", text_of(e.author, "name")},
              {"stage", s.event_stage.count(e.id) ? s.event_stage.at(e.id) : 0},
              {"body", e.body}};
    auto it = s.corrections.find(e.id);
    if (it != s.corrections.end()) t["corrected_by"] = it->second;
    timeline.push_back(t);
  }
  j["timeline"] = timeline;
  j["heads"] = s.heads;
  return j;
}

Engine::Engine(Store& store, const ProcedureLibrary& procedures, const Clock& clock, IdSource& ids,
               const Calendar& calendar)
    : store_(store), procedures_(procedures), clock_(clock), ids_(ids), calendar_(calendar) {
  if (store_.projections_stale()) rebuild_projections();
}

const Procedure& Engine::procedure_of(const ChallengeState& s) const {
  const Procedure* p = procedures_.find(s.procedure);
  if (!p)
    throw CommandError("challenge " + s.id + " follows procedure '" + s.procedure +
                       "', which this device does not have: install the Board's procedure file");
  return *p;
}

ChallengeState Engine::state(const std::string& challenge) {
  ChallengeState s = fold(store_.challenge_events(challenge));
  if (!s.opened) throw CommandError("no challenge '" + challenge + "' in " + store_.path() + " (see 'challenge list')");
  return s;
}

ChallengeView Engine::view(const std::string& challenge, std::int64_t as_of) {
  ChallengeState s = state(challenge);
  return derive(s, procedure_of(s), as_of, calendar_);
}

ChallengeView Engine::view_as_of(const std::string& challenge, std::int64_t as_of) {
  std::vector<Event> events = store_.challenge_events(challenge);
  if (events.empty()) state(challenge);   // throws: no such challenge
  std::int64_t raised = 0;
  for (const auto& e : events)
    if (e.kind == EventKind::ChallengeOpened) raised = e.at;
  std::erase_if(events, [&](const Event& e) { return e.at > as_of; });
  ChallengeState s = fold(std::move(events));
  if (!s.opened)
    throw CommandError("challenge " + challenge + " was not raised yet at " + format_utc(as_of) + " (it was raised at " +
                       format_utc(raised) + ")");
  return derive(s, procedure_of(s), as_of, calendar_);
}

std::string Engine::resolve_event(const std::string& challenge, const std::string& id_or_prefix) {
  auto id = store_.find_event_id(challenge, id_or_prefix);
  if (!id)
    throw CommandError("no single event of challenge " + challenge + " starts with '" + id_or_prefix +
                       "' (give at least 6 characters of an id from 'challenge show')");
  return *id;
}

void Engine::refresh_projection(const std::string& challenge) {
  ChallengeState s = fold(store_.challenge_events(challenge));
  if (!s.opened) return;   // events whose opening has not arrived yet: nothing to list
  const Procedure* p = procedures_.find(s.procedure);
  ChallengeRow row;
  row.id = s.id;
  row.procedure = s.procedure;
  row.stage = s.stage;
  row.expedited = false;
  row.needs_review = s.needs_review();
  row.opened_at = s.opened_at;
  row.updated_at = s.events.empty() ? s.opened_at : s.events.back().at;
  for (const auto& e : s.events) row.updated_at = std::max(row.updated_at, e.at);
  row.subject_name = text_of(s.opened_body.value("subject", Json::object()), "name");
  row.challenger_agency = text_of(s.opened_body.value("challenger", Json::object()), "agency");
  row.challenged_agency = text_of(s.opened_body.value("challenged", Json::object()), "agency");
  row.category = text_of(s.opened_body, "category");
  row.event_count = static_cast<int>(s.events.size());
  row.status = s.closed ? Status::Closed : s.outcome_recorded ? Status::Resolved : Status::Open;
  if (p) {
    ChallengeView v = derive(s, *p, clock_.now_ms(), calendar_);
    // A stage timescale already met (a meeting held in time) no longer makes the row overdue.
    if (v.deadline && !v.stage_history.back().met_at) row.deadline = v.deadline->due;
    row.expedited = v.expedited;
    for (const auto& t : v.timescales) row.missed = row.missed || t.met == false;
  }
  store_.upsert_challenge(row);
}

void Engine::rebuild_projections() {
  store_.transaction([&] {
    for (const auto& id : store_.challenge_ids()) refresh_projection(id);
    store_.mark_projections_fresh();
  });
}

Event Engine::make_event(const std::string& challenge, EventKind kind, Json body, const Author& author,
                         std::int64_t at, const std::vector<std::string>& parents, const ChallengeState* state) {
  Event e;
  e.id = ids_.hex(16);
  e.challenge = challenge;
  e.device = store_.device_id();
  e.seq = store_.next_device_seq();
  e.kind = kind;
  e.at = at;
  // Hybrid logical clock: never behind the last reading this device made or saw.
  Hlc last = store_.last_hlc();
  std::int64_t now = clock_.now_ms();
  e.hlc = now > last.ms ? Hlc{now, 0} : Hlc{last.ms, last.counter + 1};
  store_.set_last_hlc(e.hlc);
  e.author = author.to_json();
  e.parents = parents;
  for (const auto& p : parents) {
    const Event* pe = state ? state->find(p) : nullptr;
    auto h = pe ? std::optional<std::string>(pe->hash) : store_.event_hash(p);
    e.parent_hashes.push_back(h.value_or(""));
  }
  e.body = std::move(body);
  e.hash = content_hash(e);
  return e;
}

namespace {
std::int64_t checked_time(std::optional<std::int64_t> at, const Clock& clock) {
  std::int64_t now = clock.now_ms();
  if (!at) return now;
  if (*at < kMinEventTime || *at >= kMaxEventTime)
    throw CommandError("give a time between 1970 and 2199, not " + std::to_string(*at) + " ms");
  if (*at > now + 24LL * 3600 * 1000)
    throw CommandError("the time given (" + format_utc(*at) + ") is in the future; give when it happened");
  return *at;
}

}  // namespace

std::string Engine::open(Json body, const Author& author, std::optional<std::int64_t> at_opt) {
  if (!body.is_object()) throw CommandError("challenge details are missing");
  if (!body.contains("risk") || body["risk"].is_null()) body["risk"] = "standard";
  const Procedure* p = procedures_.find(text_of(body, "procedure"));
  if (!p && body.contains("procedure") && body["procedure"].is_string()) {
    std::string ids;
    for (const auto* q : procedures_.all()) ids += (ids.empty() ? "" : ", ") + q->id;
    throw CommandError("unknown procedure '" + text_of(body, "procedure") + "'; known: " + ids);
  }
  check_opening(p, body, author.to_json());
  // The other agency as the Board's directory names it, or marked as not listed.
  settle_challenged_agency(store_.agencies(), body);
  body["procedure_digest"] = p->digest;
  body["board"] = p->board.name;
  std::int64_t at = checked_time(at_opt, clock_);

  std::string id;
  store_.transaction([&] {
    // Challenge ids are random, so offline devices never need to agree on numbering.
    std::string prefix;
    for (char c : p->board.short_name)
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) prefix += c;
    do id = (prefix.empty() ? "CH" : prefix.substr(0, 12)) + "-" + ids_.base32(8);
    while (!store_.challenge_events(id).empty());
    Event opened = make_event(id, EventKind::ChallengeOpened, body, author, at, {}, nullptr);
    store_.insert_event(opened, true);
    if (body["imminent_risk"].get<bool>()) {
      std::vector<Json> contacts;
      for (const auto& cid : p->emergency.contacts)
        if (const Contact* c = p->contact(cid))
          contacts.push_back({{"id", c->id}, {"label", c->label}, {"phone", c->phone}, {"email", c->email}});
      Json shown = {{"guidance", p->emergency.text}, {"contacts", contacts}, {"acknowledged", true}};
      Event g = make_event(id, EventKind::ImminentRiskGuidanceShown, shown, author, at, {opened.id}, nullptr);
      store_.insert_event(g, true);
    }
    refresh_projection(id);
  });
  return id;
}

std::string Engine::record(const std::string& challenge, EventKind kind, Json body, const Author& author,
                           std::optional<std::int64_t> at_opt) {
  if (!body.is_object()) throw CommandError("event details must be an object");
  std::int64_t at = checked_time(at_opt, clock_);
  std::string id;
  store_.transaction([&] {
    ChallengeState s = state(challenge);
    const Procedure& p = procedure_of(s);
    if (kind == EventKind::ChallengeOpened)
      throw CommandError("a challenge is opened once; use 'challenge open' for a new one");
    if (kind == EventKind::Escalated && body.is_object()) {
      // Which stage is escalated is the state's to say, not the caller's.
      body["from_stage"] = s.stage;
      body["to_stage"] = s.stage + 1;
    }
    check_event(s, p, kind, body, author.to_json(), at);
    Event e = make_event(challenge, kind, body, author, at, s.heads, &s);
    store_.insert_event(e, true);
    refresh_projection(challenge);
    id = e.id;
  });
  return id;
}

std::size_t Engine::merge(const std::vector<Event>& events) {
  std::size_t added = 0;
  store_.transaction([&] {
    std::map<std::string, const Event*> batch;
    for (const auto& e : events) {
      // An event that breaks its kind's description is never folded: it is kept in the
      // quarantine with the reason, and the rest of the bundle goes on (event_rules.h).
      try {
        check_body(e.kind, e.body);
      } catch (const RuleError& bad) {
        store_.quarantine("event " + e.id + " (" + std::string(to_string(e.kind)) + ") " + bad.field + ": " + bad.what(),
                          to_json(e).dump(), clock_.now_ms());
        continue;
      }
      if (!verify_hash(e)) throw CommandError("event " + e.id + " does not match its hash: it was altered; nothing imported");
      auto [it, fresh] = batch.emplace(e.id, &e);
      if (!fresh && it->second->hash != e.hash)
        throw CommandError("event " + e.id + " appears twice with different content; nothing imported");
    }
    std::set<std::string> touched;
    Hlc seen = store_.last_hlc();
    for (const auto& [id, e] : batch) {
      for (std::size_t i = 0; i < e->parents.size(); ++i) {
        auto b = batch.find(e->parents[i]);
        std::optional<std::string> h = b != batch.end() ? std::optional<std::string>(b->second->hash)
                                                         : store_.event_hash(e->parents[i]);
        if (h && *h != e->parent_hashes[i])
          throw CommandError("event " + e->id + " names a parent whose hash differs (broken hash chain); nothing imported");
      }
      if (auto stored = store_.event_hash(id)) {
        if (*stored != e->hash)
          throw CommandError("event " + id + " differs from the copy already stored; nothing imported");
        continue;
      }
      store_.insert_event(*e, false);
      touched.insert(e->challenge);
      seen = std::max(seen, e->hlc);
      ++added;
    }
    store_.set_last_hlc(seen);
    for (const auto& c : touched) {
      ChallengeState s = fold(store_.challenge_events(c));
      if (s.opened && !procedures_.find(s.procedure))
        throw CommandError("challenge " + c + " follows procedure '" + s.procedure +
                           "', which this device does not have: install the Board's procedure file first");
      refresh_projection(c);
    }
  });
  return added;
}

}  // namespace parley
