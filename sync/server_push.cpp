// sync/server_push.cpp — checking and storing a push (POST /api/push; model in
// server_store.h and docs/sync-protocol.md "Push").
//
// Every event is checked in two passes before anything is written:
//   1. on its own, outside the lock: shape, limits, hash, that the caller's device wrote
//      it and the caller is its author, and its body against its kind's description
//      (core/event_rules.h) — the same rules the client's engine applied;
//   2. in the transaction, against the challenge as the server's own fold computes it:
//      an opening only when the challenge has none; any other event against the state its
//      author saw, i.e. the fold of the events it names as parents and their ancestors
//      (so two devices escalating the same stage offline both pass, and the fold shows the
//      conflict; an escalation "from stage 3" of a challenge its author saw at stage 1 is
//      refused). An event whose parents the server does not hold yet is refused with
//      parents_missing (the device retries later); it cannot be checked.
// An opening must also name its other agency as the Board's directory does, or carry
// "agency_not_listed" (core/agencies.h): one that does not is refused (409
// agency_not_listed); a marked one is stored and flagged for the administrator.
// Any refusal refuses the whole push (nothing written) and is quarantined by the HTTP
// layer; its `field` names the bundle, so the client holds back that challenge only and
// sends the rest again (sync/client.cpp). After storing, the challenge's stage is the fold's stage, and that — never a
// number taken from an event — decides when the Board's feed receives the challenge.
#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/agencies.h"
#include "core/event_rules.h"
#include "core/fold.h"
#include "core/sha256.h"
#include "sync/bundle.h"
#include "sync/server_store_impl.h"

namespace parley::server {

struct Incoming {
  Event event;
  std::string text;    // to_json(event).dump(): what is stored and pulled
  std::string where;   // "bundles[0].events[3]"
};

struct IncomingBundle {
  std::string board, procedure, challenge, where;
  std::vector<Incoming> events;
};

struct PushRequest {
  std::string epoch;
  std::vector<std::string> directory;   // the Board's agencies, read in the push's transaction
  std::vector<IncomingBundle> bundles;
  std::unordered_map<std::string, std::string> hashes;   // event id -> hash, in this request
  std::set<std::pair<std::string, std::int64_t>> device_seqs;
};

namespace {

// A member that must be this exact text; any other value or type is a 400 naming it.
void need_literal(const Json& j, const char* key, const char* want, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>() != want)
    throw ApiError(400, "bad_request", where + key + ": expected \"" + want + "\"", where + key);
}

std::int64_t need_whole_number(const Json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer())
    throw ApiError(400, "bad_request", where + key + ": missing or not a whole number", where + key);
  return it->get<std::int64_t>();
}

ApiError refusal(const RuleError& e, const std::string& where) {
  std::string field = e.field.empty() ? where : where + "." + e.field;
  std::string message = field + ": " + e.what();
  switch (e.category) {
    case RuleError::Category::Shape: return ApiError(400, "bad_event", message, field);
    case RuleError::Category::Author: return ApiError(403, "not_allowed", message, field);
    case RuleError::Category::State: break;
  }
  return ApiError(409, "rule_broken", message, field);
}

// The first string longer than the core limit anywhere in `v`, as a field path. The path
// is only built on the way out of a hit: this runs over every value of every event.
bool overlong_at(const Json& v, std::string& path, int depth) {
  if (depth > 16) return false;   // event_from_json refuses deep nesting itself
  if (v.is_string()) return v.get_ref<const std::string&>().size() > kMaxTextLength;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      if (overlong_at(*it, path, depth + 1)) {
        path = "." + it.key() + path;
        return true;
      }
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (overlong_at(v[i], path, depth + 1)) {
        path = "[" + std::to_string(i) + "]" + path;
        return true;
      }
  }
  return false;
}

// The canonical text (core/event.h: sorted keys, no "hash") with "hash" put back in its
// sorted place, between "device" and "hlc": the same text to_json(e).dump() gives. The
// last `,"hlc":[` is the top-level key: only id, kind, parents, parent_hashes and seq
// follow it, and none of those holds an object; inside a JSON string a quote is escaped.
std::string with_hash(std::string canonical, const std::string& hash) {
  auto at = canonical.rfind(",\"hlc\":[");
  if (at == std::string::npos) throw std::logic_error("canonical event text without hlc");
  canonical.insert(at, ",\"hash\":\"" + hash + "\"");
  return canonical;
}

Event parse_event(const Json& ej, const std::string& ew) {
  std::string path;
  if (overlong_at(ej, path, 0))
    throw ApiError(400, "too_long", ew + path + ": text longer than " + std::to_string(kMaxTextLength) + " bytes; shorten it",
                   ew + path);
  try {
    return event_from_json(ej);
  } catch (const EventError& e) {
    std::string field = e.field.empty() ? ew : ew + "." + e.field;
    throw ApiError(400, e.too_large ? "too_long" : "bad_event", ew + "." + e.what(), field);
  }
}

// The author must be the caller: name, agency and role as the server knows them.
void check_caller_wrote(const Event& e, const Caller& caller, const std::string& ew) {
  if (e.device != caller.device)
    throw ApiError(403, "forged_device",
                   ew + ".device: written by device '" + e.device + "', but this token is for device '" +
                       caller.device + "'; a device pushes only its own events",
                   ew + ".device");
  auto same = [&](const char* key, const std::string& want) {
    auto it = e.author.find(key);
    return it != e.author.end() && it->is_string() && it->get<std::string>() == want;
  };
  if (!same("name", caller.name) || !same("agency", caller.agency) || !same("role", caller.role))
    throw ApiError(403, "forged_author",
                   ew + ".author: not the signed-in user (" + caller.username +
                       "); events are pushed by the person who wrote them, with their agency and role",
                   ew + ".author");
}

Incoming read_event(const Json& ej, const std::string& ew, const IncomingBundle& in, const Caller& caller,
                    PushRequest& request) {
  Incoming inc;
  inc.where = ew;
  inc.event = parse_event(ej, ew);
  Event& e = inc.event;
  if (e.challenge != in.challenge)
    throw ApiError(400, "bad_event", ew + ".challenge: not the bundle's challenge '" + in.challenge + "'",
                   ew + ".challenge");
  if (e.hash.empty()) throw ApiError(400, "bad_hash", ew + ".hash: missing", ew + ".hash");
  // The canonical text is hashed once and, with the hash put in its sorted place, is
  // also what is stored and pulled: no second serialisation per event.
  std::string canonical = canonical_text(e);
  if (sha256_hex(canonical) != e.hash)
    throw ApiError(400, "bad_hash", ew + ".hash: does not match the event's content (it was altered)", ew + ".hash");
  check_caller_wrote(e, caller, ew);
  try {
    check_body(e.kind, e.body);
  } catch (const RuleError& r) {
    throw refusal(r, ew);
  }
  auto [prev, fresh] = request.hashes.emplace(e.id, e.hash);
  if (!fresh && prev->second != e.hash)
    throw ApiError(400, "bad_event", ew + ".id: the request holds two different events with this id", ew + ".id");
  if (fresh && !request.device_seqs.emplace(e.device, e.seq).second)
    throw ApiError(409, "device_seq_reused",
                   ew + ".seq: two events of this request use device sequence " + std::to_string(e.seq) +
                       "; sign in again so this device gets a new id",
                   ew + ".seq");
  inc.text = with_hash(std::move(canonical), e.hash);
  return inc;
}

IncomingBundle read_bundle(const Json& b, const std::string& where, const Caller& caller, PushRequest& request) {
  if (!b.is_object()) throw ApiError(400, "bad_request", where + ": must be a parley-bundle object", where);
  need_literal(b, "format", "parley-bundle", where + ".");
  std::int64_t version = need_whole_number(b, "version", where + ".");
  if (version < 1 || version > kBundleVersion)
    throw ApiError(400, "bad_request",
                   where + ".version: bundle version " + std::to_string(version) + " is not one this server reads (1 to " +
                       std::to_string(kBundleVersion) + "); update Parley",
                   where + ".version");
  IncomingBundle in;
  in.where = where;
  in.board = need_text(b, "board", where + ".");
  in.procedure = need_text(b, "procedure", where + ".");
  in.challenge = need_text(b, "challenge", where + ".", 64);
  auto ev = b.find("events");
  if (ev == b.end() || !ev->is_array() || ev->empty())
    throw ApiError(400, "bad_request", where + ".events: missing, not a list, or empty", where + ".events");
  for (std::size_t j = 0; j < ev->size(); ++j)
    in.events.push_back(read_event((*ev)[j], where + ".events[" + std::to_string(j) + "]", in, caller, request));
  return in;
}

// Pass 1: everything that needs no database.
PushRequest read_push(const Caller& caller, const Json& req) {
  if (!req.is_object()) throw ApiError(400, "bad_request", "the push request must be a JSON object");
  need_literal(req, "format", "parley-push", "");
  std::int64_t version = need_whole_number(req, "version", "");
  if (version != kProtocolVersion)
    throw ApiError(400, "bad_request",
                   "version: push version " + std::to_string(version) + " is not one this server reads (" +
                       std::to_string(kProtocolVersion) + "); update Parley",
                   "version");
  PushRequest request;
  if (req.contains("epoch") && !req["epoch"].is_null()) {
    if (!req["epoch"].is_string()) throw ApiError(400, "bad_request", "epoch: must be text or null", "epoch");
    request.epoch = req["epoch"].get<std::string>();
  }
  auto bundles = req.find("bundles");
  if (bundles == req.end() || !bundles->is_array())
    throw ApiError(400, "bad_request", "bundles: missing or not a list", "bundles");
  std::size_t total = 0;
  for (const auto& b : *bundles)
    if (b.is_object() && b.contains("events") && b["events"].is_array()) total += b["events"].size();
  if (total > kMaxPushEvents)
    throw ApiError(413, "too_large",
                   "the push holds " + std::to_string(total) + " events; send at most " +
                       std::to_string(kMaxPushEvents) + " per request",
                   "bundles");
  for (std::size_t i = 0; i < bundles->size(); ++i)
    request.bundles.push_back(read_bundle((*bundles)[i], "bundles[" + std::to_string(i) + "]", caller, request));
  return request;
}

// The first stage at which the procedure notifies the Board (a required notification);
// 0 when it never does.
int board_stage_of(const Procedure* p) {
  if (!p) return 0;
  for (const auto& s : p->stages)
    for (const auto& a : s.required_actions)
      if (!a.notify.empty()) return s.number;
  return 0;
}

// The events `e` had seen: its parents and their ancestors among `known`.
std::vector<Event> causal_past(const Event& e, const std::unordered_map<std::string, Event>& known) {
  std::vector<Event> out;
  std::set<std::string> seen;
  std::vector<std::string> todo = e.parents;
  while (!todo.empty()) {
    std::string id = std::move(todo.back());
    todo.pop_back();
    auto it = known.find(id);
    if (it == known.end() || !seen.insert(id).second) continue;
    out.push_back(it->second);
    todo.insert(todo.end(), it->second.parents.begin(), it->second.parents.end());
  }
  return out;
}

}  // namespace

Json ServerStore::push(const Caller& caller, const Json& req, std::size_t, std::int64_t now) {
  PushRequest request = read_push(caller, req);
  Json out;
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    outbox_added_ = 0;
    out = push_checked(caller, request, now);
    if (outbox_added_ && wake_sender_) wake = wake_sender_;
  }
  if (wake) wake();   // outside the lock: the sender takes it to read the outbox
  return out;
}

namespace {

bool same_set(std::vector<std::string> a, const std::vector<std::string>& sorted) {
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a == sorted;
}

}  // namespace

// The events of one challenge the server knows of (stored, then accepted from this push)
// and the fold of them, kept up to date cheaply while events arrive in a line (each having
// seen all the others, the usual case); a concurrent event costs a fold of its past.
class History {
 public:
  // The challenge's events as stored, parsed (the server wrote each text itself).
  History(Stmt& s, const std::string& challenge) {
    s.bind(challenge);
    while (s.step()) {
      // An event stored before today's checks (an older server) that no longer parses is
      // left out of the fold: it must never block later pushes to its challenge. It stays
      // stored and pulled; devices quarantine it (core/engine.cpp merge).
      try {
        add(event_from_json(Json::parse(s.view(0))));
      } catch (const EventError&) {
      } catch (const Json::exception&) {
      }
    }
    s.reset();
  }
  const std::unordered_map<std::string, Event>& events() const { return events_; }
  const Event* find(const std::string& id) const {
    auto it = events_.find(id);
    return it == events_.end() ? nullptr : &it->second;
  }
  bool has_opening() const { return opening_; }

  const ChallengeState& state() {
    if (!state_) {
      std::vector<Event> all;
      all.reserve(events_.size());
      for (const auto& [id, e] : events_) all.push_back(e);
      state_ = fold(std::move(all));
    }
    return *state_;
  }

  // The state the author of `e` saw: the fold of the events it had seen.
  const ChallengeState& before(const Event& e, ChallengeState& scratch) {
    if (same_set(e.parents, state().heads)) return state();
    scratch = fold(causal_past(e, events_));
    return scratch;
  }

  void add(const Event& e) {
    if (state_ && same_set(e.parents, state_->heads)) extend(*state_, e);
    else state_.reset();
    opening_ = opening_ || e.kind == EventKind::ChallengeOpened;
    events_.emplace(e.id, e);
  }

 private:
  std::unordered_map<std::string, Event> events_;
  std::optional<ChallengeState> state_ = ChallengeState{};   // the fold of events_, when up to date
  bool opening_ = false;
};

ChallengeState stored_state(ServerStore::Impl& im, const std::string& challenge) {
  History history(*im.challenge_events, challenge);
  return history.state();
}

namespace {

// An opening's other agency against the Board's directory (core/agencies.h): one not in
// it must say so, or no one would ever see the challenge (agency_not_listed).
void check_agency_listed(const Incoming& inc, const std::vector<std::string>& directory) {
  try {
    check_challenged_agency(directory, inc.event.body);
  } catch (const RuleError& r) {
    std::string field = inc.where + "." + r.field;
    throw ApiError(409, "agency_not_listed", field + ": " + r.what(), field);
  }
}

// Pass 2 for one event against the events already known (stored, or earlier in this push).
void check_against_history(const Incoming& inc, History& history, const ProcedureLibrary& procedures,
                           const std::vector<std::string>& directory) {
  const Event& e = inc.event;
  try {
    if (e.kind == EventKind::ChallengeOpened) {
      if (history.has_opening())
        throw RuleError(RuleError::Category::State, "kind",
                        "challenge " + e.challenge + " is already open; a challenge is opened once");
      check_opening(procedures.find(e.body.value("procedure", "")), e.body, e.author);
      check_agency_listed(inc, directory);
      return;
    }
    for (std::size_t k = 0; k < e.parents.size(); ++k)
      if (!history.find(e.parents[k]))
        throw ApiError(409, "parents_missing",
                       inc.where + ".parents[" + std::to_string(k) + "]: the server does not hold event " + e.parents[k] +
                           " yet (another device has not synced it); this is sent again later",
                       inc.where + ".parents[" + std::to_string(k) + "]");
    ChallengeState scratch;
    const ChallengeState& before = history.before(e, scratch);
    if (!before.opened)
      throw RuleError(RuleError::Category::State, "parents", "the challenge's opening is not among the events this one follows");
    const Procedure* p = procedures.find(before.procedure);
    if (!p)
      throw RuleError(RuleError::Category::State, "challenge",
                      "the challenge follows procedure '" + before.procedure + "', which this server does not have");
    check_event(before, *p, e.kind, e.body, e.author, e.at);
  } catch (const RuleError& r) {
    throw refusal(r, inc.where);
  }
}

}  // namespace

Json ServerStore::push_checked(const Caller& caller, PushRequest& request, std::int64_t now) {
  auto& im = *impl_;
  std::string epoch = im.meta("epoch");
  if (!request.epoch.empty() && request.epoch != epoch)
    throw ApiError(409, "epoch_changed",
                   "the server was restored from a backup (epoch changed); reset the cursor and push every local event again",
                   "epoch");
  Json acked = Json::array();
  std::size_t added = 0;
  im.transaction([&] {
    request.directory = agency_names(im);
    std::set<std::string> done_ids;
    for (auto& b : request.bundles) added += store_bundle(caller, b, request, done_ids, acked, now);
    Stmt seen(im.db, "UPDATE devices SET last_seen = ?2 WHERE device = ?1");
    seen.bind(caller.device, now).run();
  });
  return Json{{"epoch", epoch}, {"acked", std::move(acked)}, {"added", added}};
}

// Pass 2 and the writes for one bundle. Returns how many events were new.
std::size_t ServerStore::store_bundle(const Caller& caller, IncomingBundle& b, PushRequest& request,
                                      std::set<std::string>& done_ids, Json& acked, std::int64_t now) {
  auto& im = *impl_;
  im.challenge_by_id->bind(b.challenge);
  bool known = im.challenge_by_id->step();
  im.challenge_by_id->reset();
  const std::string audience = caller.is_board() ? kBoardAudience : caller.agency;
  if (known && !im.party(b.challenge, audience))
    throw ApiError(403, "not_a_party",
                   b.where + ".challenge: " + caller.agency + " is not a party to this challenge; ask a party to add it",
                   b.where + ".challenge");
  History history(*im.challenge_events, b.challenge);
  std::size_t added = 0;
  for (auto& inc : b.events) {
    const Event& e = inc.event;
    if (!done_ids.insert(e.id).second) continue;   // twice in this request
    acked.push_back(e.id);
    if (stored_already(inc, history)) continue;     // acknowledged again, nothing written
    check_new_event(inc, request);
    check_against_history(inc, history, im.procedures, request.directory);
    if (!known) {
      if (e.kind != EventKind::ChallengeOpened)
        throw ApiError(400, "bad_request",
                       b.where + ".events: the server does not know challenge " + b.challenge +
                           "; include its challenge_opened event first",
                       b.where + ".events");
      create_challenge(b, e);
      flag_if_not_listed(caller, e, request.directory);
      known = true;
    }
    im.append_event(e, inc.text, now, caller.user_id);
    ++added;
    if (e.kind == EventKind::PartyAdded) {
      std::string agency = text_at(e.body, "party", "agency");
      if (!agency.empty() && agency.size() <= kMaxNameBytes && agency != kBoardAudience) im.add_party(e.challenge, agency);
    }
    history.add(e);
  }
  if (added) {
    follow_stage(b.challenge, history.state());
    outbox_added_ += after_change(b.challenge, history.state(), now);
  }
  return added;
}

bool ServerStore::stored_already(const Incoming& inc, const History& history) {
  auto& im = *impl_;
  const Event& e = inc.event;
  std::string held;
  if (const Event* known = history.find(e.id)) {
    held = known->hash;
  } else {
    im.event_by_id->bind(e.id);   // ids are unique across challenges too
    if (im.event_by_id->step()) held = im.event_by_id->text(0);
    im.event_by_id->reset();
  }
  if (held.empty()) return false;
  if (held != e.hash)
    throw ApiError(400, "bad_event", inc.where + ".id: the server holds a different event with this id", inc.where + ".id");
  return true;
}

// A new event's sequence number is its device's own, and its parent hashes match.
void ServerStore::check_new_event(const Incoming& inc, const PushRequest& request) {
  auto& im = *impl_;
  const Event& e = inc.event;
  im.event_by_device_seq->bind(e.device, e.seq);
  if (im.event_by_device_seq->step()) {
    im.event_by_device_seq->reset();
    throw ApiError(409, "device_seq_reused",
                   inc.where + ".seq: device " + e.device + " already used sequence " + std::to_string(e.seq) +
                       " for a different event (was its store reset?); sign in again so it gets a new device id",
                   inc.where + ".seq");
  }
  for (std::size_t k = 0; k < e.parents.size(); ++k) {
    std::string held;
    if (auto r = request.hashes.find(e.parents[k]); r != request.hashes.end()) {
      held = r->second;
    } else {
      im.event_by_id->bind(e.parents[k]);
      if (im.event_by_id->step()) held = im.event_by_id->text(0);
      im.event_by_id->reset();
    }
    if (!held.empty() && held != e.parent_hashes[k])
      throw ApiError(400, "hash_chain_broken",
                     inc.where + ".parent_hashes[" + std::to_string(k) + "]: hash chain broken: parent " + e.parents[k] +
                         " is held with a different hash",
                     inc.where + ".parent_hashes[" + std::to_string(k) + "]");
  }
}

void ServerStore::create_challenge(const IncomingBundle& b, const Event& opened) {
  auto& im = *impl_;
  std::string procedure = opened.body.value("procedure", b.procedure);
  std::string category = opened.body.value("category", "");
  int board_stage = board_stage_of(im.procedures.find(procedure));
  im.insert_challenge->bind(b.challenge, b.board, procedure, category, opened.at, board_stage).run();
  std::string challenger = text_at(opened.body, "challenger", "agency"), challenged = text_at(opened.body, "challenged", "agency");
  if (!challenger.empty()) im.add_party(b.challenge, challenger);
  if (!challenged.empty() && challenged != challenger) im.add_party(b.challenge, challenged);
}

// An opening accepted with its other agency marked as not listed, and really not in the
// directory, is flagged for the Board's administrator (docs/board.md); a marked one naming a
// listed agency (a device that had no directory yet) is an ordinary challenge.
void ServerStore::flag_if_not_listed(const Caller& caller, const Event& opened, const std::vector<std::string>& directory) {
  std::string typed = text_at(opened.body, "challenged", "agency");
  if (!marked_not_listed(opened.body) || agency_listed(directory, typed)) return;
  Stmt(impl_->db,
       "INSERT OR IGNORE INTO agency_flags(challenge, typed, challenger, opened_at, user_id) VALUES(?1, ?2, ?3, ?4, ?5)")
      .bind(opened.challenge, typed, text_at(opened.body, "challenger", "agency"), opened.at, caller.user_id)
      .run();
}

// The stage is the fold's, and the Board's feed receives the challenge once the fold says
// it reached the stage at which its procedure notifies the Board.
void ServerStore::follow_stage(const std::string& challenge, const ChallengeState& s) {
  auto& im = *impl_;
  if (!s.opened) return;
  im.set_stage->bind(challenge, s.stage).run();
  int board_stage = board_stage_of(im.procedures.find(s.procedure));
  if (board_stage > 0 && s.stage >= board_stage) im.add_party(challenge, kBoardAudience);
}

}  // namespace parley::server
