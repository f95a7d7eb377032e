// core/fold.cpp — causal ordering, state and conflict detection (see fold.h).
#include "core/fold.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "core/json_read.h"
#include "core/sha256.h"

namespace parley {
namespace {

// Tie-break for events with no causal relation: clock, then device, then id.
bool before(const Event& a, const Event& b) {
  if (a.hlc != b.hlc) return a.hlc < b.hlc;
  if (a.device != b.device) return a.device < b.device;
  return a.id < b.id;
}

std::string conflict_id(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  std::string joined;
  for (const auto& id : ids) joined += id;
  return "conflict-" + sha256_hex(joined).substr(0, 12);
}

// The fold never throws on what it is given: a field of the wrong type reads as absent.
// (Events are checked against core/event_rules.h before they are stored, but a store may
// hold events from before those checks.)
int int_of(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_number_integer()) return 0;
  auto v = it->get<std::int64_t>();
  return v < 0 || v > 1000 ? 0 : static_cast<int>(v);
}

}  // namespace

std::vector<Event> causal_order(std::vector<Event> events) {
  // Deduplicate by id (the first copy wins; copies of one id are identical when hashes
  // verify, which the store and bundle import check before an event gets here).
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.id < b.id; });
  events.erase(std::unique(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.id == b.id; }),
               events.end());
  const std::size_t n = events.size();
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index.emplace(events[i].id, i);
  // Kahn's algorithm over the parent edges that are present; a parent not (yet) in the set
  // imposes nothing. Ready events come out in tie-break order.
  std::vector<std::vector<std::size_t>> children(n);
  std::vector<int> waiting(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& p : events[i].parents) {
      auto it = index.find(p);
      if (it != index.end() && it->second != i) {
        children[it->second].push_back(i);
        ++waiting[i];
      }
    }
  auto later = [&](std::size_t a, std::size_t b) { return before(events[b], events[a]); };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
  for (std::size_t i = 0; i < n; ++i)
    if (waiting[i] == 0) ready.push(i);
  std::vector<Event> out;
  out.reserve(n);
  std::vector<bool> done(n, false);
  while (!ready.empty()) {
    std::size_t i = ready.top();
    ready.pop();
    done[i] = true;
    out.push_back(events[i]);
    for (std::size_t c : children[i])
      if (--waiting[c] == 0) ready.push(c);
  }
  // A cycle can only come from forged parents (hashes make it impossible otherwise); keep
  // such events rather than drop them, in tie-break order after the rest.
  std::vector<std::size_t> rest;
  for (std::size_t i = 0; i < n; ++i)
    if (!done[i]) rest.push_back(i);
  std::sort(rest.begin(), rest.end(), [&](std::size_t a, std::size_t b) { return before(events[a], events[b]); });
  for (std::size_t i : rest) out.push_back(events[i]);
  return out;
}

bool ChallengeState::needs_review() const {
  for (const auto& c : conflicts)
    if (!c.settled) return true;
  return false;
}

const Event* ChallengeState::find(const std::string& id) const {
  for (const auto& e : events)
    if (e.id == id) return &e;
  return nullptr;
}

Json ChallengeState::corrected_body(const std::string& event_id) const {
  const Event* e = find(event_id);
  if (!e) return Json::object();
  Json body = e->body;
  auto it = corrections.find(event_id);
  if (it == corrections.end()) return body;
  for (const auto& cid : it->second) {
    const Event* c = find(cid);
    if (c && c->body.contains("changes") && c->body["changes"].is_object()) body.merge_patch(c->body["changes"]);
  }
  return body;
}

namespace {

void apply(ChallengeState& s, const Event& e) {
  s.event_stage[e.id] = s.stage;
  switch (e.kind) {
    case EventKind::ChallengeOpened:
      if (!s.opened) {
        s.opened = true;
        s.opened_body = e.body;
        s.opened_at = e.at;
        s.procedure = text_of(e.body, "procedure");
        s.procedure_digest = text_of(e.body, "procedure_digest");
        s.risk = text_of(e.body, "risk");
        s.imminent_risk = e.body.contains("imminent_risk") && e.body["imminent_risk"].is_boolean() &&
                          e.body["imminent_risk"].get<bool>();
        s.stage = 1;
        s.event_stage[e.id] = 1;
        s.stages.push_back({1, e.at, e.id});
      }
      break;
    case EventKind::ImminentRiskGuidanceShown:
      s.imminent_risk_guidance_shown = true;
      break;
    case EventKind::PartyAdded:
      s.parties.push_back(e.body);
      break;
    case EventKind::ActionAgreed:
      s.actions.push_back({e.id, text_of(e.body, "description"), text_of(e.body, "owner"), text_of(e.body, "due"),
                           s.stage, false, {}});
      break;
    case EventKind::ActionCompleted: {
      std::string ref = text_of(e.body, "action");
      for (auto& a : s.actions)
        if (a.event_id == ref && !a.completed) {
          a.completed = true;
          a.completed_by_event = e.id;
        }
      break;
    }
    case EventKind::Escalated: {
      int from = int_of(e.body, "from_stage");
      if (!s.closed && from == s.stage) {
        s.stage = from + 1;
        s.stages.push_back({s.stage, e.at, e.id});
      }
      break;
    }
    case EventKind::Expedited:
      s.expedite_recorded = true;
      break;
    case EventKind::OutcomeAgreed:
      s.outcome_recorded = true;
      s.outcome = e.body;
      s.resolution_stage = s.stage;
      s.resolved_at = e.at;
      break;
    case EventKind::RecordSigned:
      s.signatures[text_of(e.body, "side")] = e.body;
      break;
    case EventKind::Referred:
      s.referrals.push_back(text_of(e.body, "route"));
      break;
    case EventKind::Closed:
      if (!s.closed) {
        s.closed = true;
        s.closed_at = e.at;
        if (!s.resolution_stage) s.resolution_stage = s.stage;
      }
      break;
    case EventKind::Correction:
      s.corrections[text_of(e.body, "corrects")].push_back(e.id);
      break;
    case EventKind::ReviewSettled:
      break;
    case EventKind::DiscussionRecorded:
    case EventKind::NotificationSent:
    case EventKind::FeedbackGiven:
    case EventKind::LearningRecorded:
    case EventKind::ViewsRecorded:
    case EventKind::Comment:
      break;
  }
}

void apply_corrections(ChallengeState& s) {
  // Corrections of the opening or the outcome change what the state shows.
  if (s.opened) {
    for (const auto& e : s.events)
      if (e.kind == EventKind::ChallengeOpened) {
        s.opened_body = s.corrected_body(e.id);
        break;
      }
  }
  for (auto it = s.events.rbegin(); it != s.events.rend(); ++it)
    if (it->kind == EventKind::OutcomeAgreed) {
      s.outcome = s.corrected_body(it->id);
      break;
    }
}

}  // namespace

void extend(ChallengeState& s, const Event& e) {
  if (s.id.empty()) s.id = e.challenge;
  s.events.push_back(e);
  apply(s, e);
  std::erase_if(s.heads, [&](const std::string& h) { return std::find(e.parents.begin(), e.parents.end(), h) != e.parents.end(); });
  s.heads.insert(std::upper_bound(s.heads.begin(), s.heads.end(), e.id), e.id);
  if (e.kind == EventKind::Correction) apply_corrections(s);
}

ChallengeState fold(std::vector<Event> input) {
  ChallengeState s;
  if (input.empty()) return s;
  // All events of one challenge: take the id of the opening event if present, otherwise
  // the most common id, so a stray event from elsewhere cannot hijack the state.
  std::string challenge;
  for (const auto& e : input)
    if (e.kind == EventKind::ChallengeOpened) challenge = challenge.empty() || e.challenge < challenge ? e.challenge : challenge;
  if (challenge.empty()) challenge = input.front().challenge;
  std::erase_if(input, [&](const Event& e) { return e.challenge != challenge; });
  s.id = challenge;
  s.events = causal_order(std::move(input));
  const std::size_t n = s.events.size();

  // Ancestor sets as bit rows in fold order: ancestors of i are ancestors of its parents.
  std::unordered_map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < n; ++i) pos.emplace(s.events[i].id, i);
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t> anc(n * words, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& p : s.events[i].parents) {
      auto it = pos.find(p);
      if (it == pos.end() || it->second >= i) continue;
      std::size_t j = it->second;
      anc[i * words + j / 64] |= std::uint64_t(1) << (j % 64);
      for (std::size_t w = 0; w < words; ++w) anc[i * words + w] |= anc[j * words + w];
    }
  auto is_ancestor = [&](std::size_t a, std::size_t b) {   // a happened-before b
    return (anc[b * words + a / 64] >> (a % 64)) & 1;
  };
  auto concurrent = [&](std::size_t a, std::size_t b) { return a != b && !is_ancestor(a, b) && !is_ancestor(b, a); };

  std::set<std::string> named_as_parent;
  std::vector<std::size_t> escalations, outcomes, closures, settlements;
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = s.events[i];
    for (const auto& p : e.parents) named_as_parent.insert(p);
    apply(s, e);
    if (e.kind == EventKind::Escalated) escalations.push_back(i);
    if (e.kind == EventKind::OutcomeAgreed) outcomes.push_back(i);
    if (e.kind == EventKind::Closed) closures.push_back(i);
    if (e.kind == EventKind::ReviewSettled) settlements.push_back(i);
  }
  for (const auto& e : s.events)
    if (!named_as_parent.count(e.id)) s.heads.push_back(e.id);
  std::sort(s.heads.begin(), s.heads.end());

  apply_corrections(s);

  // Conflicts: pairs of concurrent incompatible transitions.
  auto add_conflict = [&](const char* kind, std::string description, std::size_t a, std::size_t b) {
    std::vector<std::string> ids = {s.events[a].id, s.events[b].id};
    std::sort(ids.begin(), ids.end());
    Conflict c{conflict_id(ids), kind, std::move(description), ids, false, {}};
    s.conflicts.push_back(std::move(c));
  };
  for (std::size_t x = 0; x < escalations.size(); ++x)
    for (std::size_t y = x + 1; y < escalations.size(); ++y) {
      std::size_t a = escalations[x], b = escalations[y];
      int fa = int_of(s.events[a].body, "from_stage"), fb = int_of(s.events[b].body, "from_stage");
      if (fa == fb && concurrent(a, b))
        add_conflict("concurrent_escalations",
                     "Stage " + std::to_string(fa) + " was escalated twice at the same time, on different devices", a, b);
    }
  for (std::size_t a : escalations) {
    for (std::size_t b : outcomes)
      if (concurrent(a, b))
        add_conflict("escalation_and_outcome", "An escalation and an agreed outcome were recorded at the same time", a, b);
    for (std::size_t b : closures)
      if (concurrent(a, b))
        add_conflict("escalation_and_closure", "An escalation and a closure were recorded at the same time", a, b);
  }
  for (std::size_t x = 0; x < outcomes.size(); ++x)
    for (std::size_t y = x + 1; y < outcomes.size(); ++y) {
      std::size_t a = outcomes[x], b = outcomes[y];
      if (concurrent(a, b) && text_of(s.events[a].body, "outcome") != text_of(s.events[b].body, "outcome"))
        add_conflict("different_outcomes", "Two different outcomes were recorded at the same time", a, b);
    }
  // An escalation from a stage the challenge was no longer at (not explained by a
  // concurrent twin) cannot be applied; show it instead of dropping it.
  for (std::size_t a : escalations) {
    const Event& e = s.events[a];
    int from = int_of(e.body, "from_stage");
    bool applied = false;
    for (const auto& v : s.stages) applied = applied || v.event_id == e.id;
    bool twin = false;
    for (const auto& c : s.conflicts)
      twin = twin || (c.kind == "concurrent_escalations" &&
                      std::find(c.events.begin(), c.events.end(), e.id) != c.events.end());
    if (!applied && !twin) {
      Conflict c{conflict_id({e.id}), "escalation_not_applied",
                 "An escalation from stage " + std::to_string(from) + " arrived when the challenge was elsewhere",
                 {e.id}, false, {}};
      s.conflicts.push_back(std::move(c));
    }
  }
  // A conflict is settled by a review_settled that names it and had seen all its events.
  for (auto& c : s.conflicts)
    for (std::size_t i : settlements) {
      const Event& e = s.events[i];
      if (text_of(e.body, "conflict") != c.id) continue;
      bool saw_all = true;
      for (const auto& id : c.events) saw_all = saw_all && is_ancestor(pos[id], i);
      if (saw_all) {
        c.settled = true;
        c.settled_by = e.id;
        break;
      }
    }
  std::sort(s.conflicts.begin(), s.conflicts.end(), [](const Conflict& a, const Conflict& b) { return a.id < b.id; });
  return s;
}

}  // namespace parley
