// sync/client.cpp — the client sync engine (see client.h and docs/sync-protocol.md).
//
// Every decision the error table of the protocol asks for is made here, once, so the
// native driver and the browser's fetch loop stay thin. Nothing here blocks or reads a
// clock: time comes in as now_ms.
#include "sync/client.h"

#include "core/agencies.h"

#include <algorithm>
#include <map>

#include "sync/bundle.h"

namespace parley {
namespace {

constexpr std::int64_t kRequestTimeoutMs = 120'000;   // a response never delivered counts as lost
constexpr int kMaxEpochResetsPerRound = 2;

const char* const kServer = "sync_server";
const char* const kToken = "sync_token";
const char* const kDevice = "sync_device";     // the device id the token was issued to
const char* const kEpoch = "sync_epoch";
const char* const kCursor = "sync_cursor";
const char* const kLastOk = "sync_last_ok";
const char* const kLastError = "sync_last_error";
const char* const kEventsSeen = "sync_events_seen";   // events held at the last sync: the count only grows
const char* const kUser = "sync_user";
const char* const kServerProcedures = "sync_procedures";           // the server's procedures + holidays
const char* const kProceduresChecked = "sync_procedures_checked";  // when we last asked, UTC ms
const char* const kWipeRequested = "sync_wipe_requested";   // when the server said erase, UTC ms

struct ServerError {
  std::string code, message;
  bool wipe = false;   // "wipe": true — the device must erase its records
  std::string field;   // the field at fault, when one is: "bundles[2].events[0].body.challenged.agency"
};

// The {"error": {code, message, wipe?}} body, or a message saying what the status means.
ServerError server_error(const HttpResponse& r) {
  try {
    Json j = Json::parse(r.body);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
      const Json& e = j["error"];
      bool wipe = e.contains("wipe") && e["wipe"].is_boolean() && e["wipe"].get<bool>();
      std::string field = e.contains("field") && e["field"].is_string() ? e["field"].get<std::string>() : "";
      return {e.value("code", ""), e.value("message", ""), wipe, field};
    }
  } catch (const std::exception&) {
  }
  return {"", "the server answered " + std::to_string(r.status) + " without saying why", false, ""};
}

std::optional<Json> json_object(const std::string& text) {
  try {
    Json j = Json::parse(text);
    if (j.is_object()) return j;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

bool is_transient(int status) { return status == 0 || status == 408 || status == 429 || status >= 500; }

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

std::optional<std::int64_t> as_int(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(s);
}

std::string seconds(std::int64_t ms) { return std::to_string((ms + 999) / 1000) + " s"; }

// The bundle a refusal names ("bundles[2].events[0]..." -> 2), if it names one.
std::optional<std::size_t> refused_bundle(const std::string& field) {
  if (field.rfind("bundles[", 0) != 0) return std::nullopt;
  auto close = field.find(']');
  if (close == std::string::npos) return std::nullopt;
  auto n = as_int(field.substr(8, close - 8));
  if (!n) return std::nullopt;
  return static_cast<std::size_t>(*n);
}

// The Board's agency directory as sent ({"version", "agencies": [names]}), checked against
// core/agencies.h's limits before it replaces the device's copy.
std::optional<std::vector<std::string>> directory_names(const Json& body) {
  auto list = body.find("agencies");
  const std::string& version = body["version"].get_ref<const std::string&>();
  if (list == body.end() || !list->is_array() || list->size() > kMostAgencies || version.empty() ||
      version.size() > kLongestDirectoryVersion)
    return std::nullopt;
  std::vector<std::string> names;
  for (const auto& a : *list) {
    if (!a.is_string() || !valid_agency_name(a.get_ref<const std::string&>())) return std::nullopt;
    names.push_back(a.get<std::string>());
  }
  return names;
}

}  // namespace

const char* to_string(SyncState state) {
  switch (state) {
    case SyncState::Idle: return "idle";
    case SyncState::Syncing: return "syncing";
    case SyncState::Offline: return "offline";
    case SyncState::BackingOff: return "backing off";
    case SyncState::NeedsSignIn: return "needs sign-in";
    case SyncState::Error: return "error";
    case SyncState::Wipe: return "wipe requested";
  }
  return "unknown";
}

SyncEngine::SyncEngine(Engine& engine) : engine_(engine), store_(engine.store()) {
  server_ = meta(kServer);
  token_ = meta(kToken);
  needs_sign_in_ = token_.empty();
  if (auto ok = as_int(meta(kLastOk))) last_ok_ = *ok;
  last_error_ = meta(kLastError);
  wipe_requested_ = !meta(kWipeRequested).empty();
  state_ = needs_sign_in_ ? SyncState::NeedsSignIn : last_error_.empty() ? SyncState::Idle : SyncState::Error;
}

std::string SyncEngine::meta(const std::string& key) { return store_.meta(key).value_or(""); }

void SyncEngine::set_meta(const std::string& key, const std::string& value) {
  store_.transaction([&] { store_.set_meta(key, value); });
}

const std::string& SyncEngine::server() const { return server_; }
const std::string& SyncEngine::token() const { return token_; }

void SyncEngine::set_server(const std::string& url) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (u == server()) return;
  // Another server holds none of what this one acknowledged: start over with it.
  store_.transaction([&] {
    store_.set_meta(kServer, u);
    store_.set_meta(kToken, "");
    store_.set_meta(kEpoch, "");
    store_.set_meta(kCursor, "0");
    store_.set_meta(kProceduresChecked, "");   // a new server: ask for its procedures
    store_.requeue_all_local();
  });
  server_ = u;
  token_.clear();
  needs_sign_in_ = true;
  state_ = SyncState::NeedsSignIn;
}

void SyncEngine::record_error(const std::string& message) {
  last_error_ = message;
  try {
    set_meta(kLastError, message);
  } catch (const std::exception&) {
    // The store refusing a write is reported by whatever failed first; the message is
    // still shown from memory.
  }
}

HttpRequest SyncEngine::issue(HttpRequest r, std::int64_t now_ms) {
  r.id = ++last_id_;
  in_flight_ = r;
  issued_at_ = now_ms;
  return r;
}

void SyncEngine::request_sync() {
  requested_ = true;
  if (retry_on_request_) retry_at_ = 0;   // a network wait: try now; a server-requested backoff stands
  if (stopped_) stopped_ = false;         // the round re-checks whatever stopped it
}

std::string SyncEngine::guard_store() {
  std::int64_t events = store_.event_count();
  auto seen = as_int(meta(kEventsSeen)).value_or(0);
  if (events < seen)
    return "this device's database holds " + std::to_string(events) + " events but held " + std::to_string(seen) +
           " at its last sync: it was reset or replaced by an older copy. Nothing was synced; restore the latest "
           "copy, or start a new database (what the server holds comes back on its first sync)";
  auto written = as_int(meta("device_seq")).value_or(0);
  if (events == 0 && written > 0)
    return "this device wrote " + std::to_string(written) +
           " events that are no longer in its database (it was emptied or evicted). Nothing was synced; restore the "
           "latest copy, or start a new database";
  return "";
}

void SyncEngine::start_round(std::int64_t now_ms) {
  requested_ = false;
  next_round_at_ = now_ms + kRoundEveryMs;
  counts_ = {};
  round_had_error_ = false;
  epoch_resets_ = 0;
  push_after_ = 0;
  if (server().empty()) {
    needs_sign_in_ = true;
    state_ = SyncState::NeedsSignIn;
    record_error("no server is set: sign in to your office's Parley server");
    return;
  }
  if (token().empty()) {
    needs_sign_in_ = true;
    state_ = SyncState::NeedsSignIn;
    return;
  }
  if (meta(kDevice) != store_.device_id()) {
    needs_sign_in_ = true;
    state_ = SyncState::NeedsSignIn;
    record_error("this database's device id is not the one signed in; sign in again");
    return;
  }
  std::string why = guard_store();
  if (!why.empty()) {
    stopped_ = true;
    state_ = SyncState::Error;
    record_error(why);
    return;
  }
  try {
    set_meta(kEventsSeen, std::to_string(store_.event_count()));
  } catch (const std::exception& e) {
    fail(Failure::Busy, std::string("could not write to this device's database: ") + e.what(), now_ms);
    return;
  }
  phase_ = Phase::Probe;
  state_ = SyncState::Syncing;
}

void SyncEngine::finish_round(std::int64_t now_ms) {
  phase_ = Phase::Idle;
  backoff_ms_ = 0;
  retry_at_ = 0;
  retry_on_request_ = false;
  next_round_at_ = now_ms + kRoundEveryMs;
  if (round_had_error_) {
    state_ = SyncState::Error;   // last_error already says which batch was refused and why
    return;
  }
  state_ = SyncState::Idle;
  last_ok_ = now_ms;
  last_error_.clear();
  try {
    store_.transaction([&] {
      store_.set_meta(kLastOk, std::to_string(now_ms));
      store_.set_meta(kLastError, "");
    });
  } catch (const std::exception&) {
  }
}

void SyncEngine::fail(Failure kind, const std::string& message, std::int64_t now_ms) {
  phase_ = Phase::Idle;
  record_error(message);
  switch (kind) {
    case Failure::Network:
    case Failure::Busy: {
      backoff_ms_ = backoff_ms_ == 0 ? kFirstBackoffMs : std::min(backoff_ms_ * 2, kMaxBackoffMs);
      retry_at_ = now_ms + backoff_ms_;
      retry_on_request_ = kind == Failure::Network;
      requested_ = true;   // the round is owed: run it when the wait ends
      state_ = kind == Failure::Network ? SyncState::Offline : SyncState::BackingOff;
      record_error(message + "; retrying in " + seconds(backoff_ms_) + " (changes stay on this device meanwhile)");
      break;
    }
    case Failure::SignIn:
      needs_sign_in_ = true;
      state_ = SyncState::NeedsSignIn;
      break;
    case Failure::Stop:
      stopped_ = true;
      state_ = SyncState::Error;
      break;
    case Failure::Wipe:
      in_flight_.reset();
      wipe_requested_ = true;
      state_ = SyncState::Wipe;
      try {   // the first time stands; if the store cannot take it, memory still knows
        if (meta(kWipeRequested).empty()) set_meta(kWipeRequested, std::to_string(now_ms));
      } catch (const std::exception&) {
      }
      break;
  }
}

// 410 with "wipe": true, from any phase or a sign-in: nothing of the answer is kept and
// nothing more is sent. Any other 410 is an ordinary refusal (never retried).
bool SyncEngine::stop_if_wipe(const HttpResponse& r, std::int64_t now_ms) {
  if (r.status != 410) return false;
  ServerError e = server_error(r);
  if (!e.wipe) return false;
  fail(Failure::Wipe,
       e.message.empty() ? "the Board's administrator asked this device to erase its Parley records" : e.message, now_ms);
  return true;
}

void SyncEngine::reset_for_new_epoch(const std::string& epoch) {
  // The server lost data (restored from a backup): everything this device wrote goes
  // back in the outbox (pushes are idempotent, so nothing is duplicated) and the feed is
  // read again from the start.
  store_.transaction([&] {
    store_.set_meta(kEpoch, epoch);
    store_.set_meta(kCursor, "0");
    store_.requeue_all_local();
  });
  push_after_ = 0;
}

bool SyncEngine::same_epoch(const Json& body, std::int64_t now_ms) {
  if (!body.contains("epoch") || !body["epoch"].is_string()) return true;
  std::string theirs = body["epoch"].get<std::string>(), ours = meta(kEpoch);
  if (ours.empty()) {
    set_meta(kEpoch, theirs);
    return true;
  }
  if (theirs == ours) return true;
  restart_after_epoch_change(theirs, now_ms);
  return false;
}

void SyncEngine::restart_after_epoch_change(const std::string& epoch, std::int64_t now_ms) {
  if (++epoch_resets_ > kMaxEpochResetsPerRound) {
    fail(Failure::Busy, "the server's epoch keeps changing during a sync; tell whoever runs the server", now_ms);
    return;
  }
  reset_for_new_epoch(epoch);
  phase_ = Phase::Probe;   // sync again from the start
}

std::optional<HttpRequest> SyncEngine::next(std::int64_t now_ms) {
  if (wipe_requested_) return std::nullopt;   // for good: the app erases the store
  if (in_flight_) {
    if (now_ms - issued_at_ < kRequestTimeoutMs) return std::nullopt;
    // The driver never delivered an answer: treat it as lost.
    HttpRequest lost = *in_flight_;
    on_response(lost, HttpResponse{0, ""}, now_ms);
  }
  if (phase_ == Phase::Idle) {
    if (stopped_ || needs_sign_in_) return std::nullopt;
    if (now_ms < retry_at_) return std::nullopt;
    if (!requested_ && now_ms < next_round_at_) return std::nullopt;
    start_round(now_ms);
  }
  for (;;) {
    switch (phase_) {
      case Phase::Idle:
        return std::nullopt;
      case Phase::Probe:
        return issue(HttpRequest{"GET", "/api/health", "", false, 0}, now_ms);
      case Phase::Push: {
        try {
          if (auto r = next_push()) return issue(std::move(*r), now_ms);
        } catch (const std::exception& e) {
          fail(Failure::Busy, std::string("could not read the outbox: ") + e.what(), now_ms);
          return std::nullopt;
        }
        phase_ = Phase::Pull;
        continue;
      }
      case Phase::Pull: {
        std::string cursor = meta(kCursor);
        if (cursor.empty()) cursor = "0";
        pull_cursor_ = cursor;
        return issue(HttpRequest{"GET", "/api/pull?cursor=" + url_encode(cursor) + "&limit=" + std::to_string(kPullPage),
                                 "", true, 0},
                     now_ms);
      }
      case Phase::Agencies:
        return issue(HttpRequest{"GET", "/api/agencies?version=" + url_encode(store_.agencies_version()), "", true, 0},
                     now_ms);
      case Phase::Procedures: {
        std::string known;
        if (auto j = json_object(server_procedures())) known = j->value("version", "");
        return issue(HttpRequest{"GET", "/api/procedures?version=" + url_encode(known), "", true, 0}, now_ms);
      }
    }
  }
}

void SyncEngine::end_pull(std::int64_t now_ms) {
  // Every round: the request is small, and "unchanged" when the device holds the list.
  phase_ = Phase::Agencies;
  (void)now_ms;
}

void SyncEngine::after_agencies(std::int64_t now_ms) {
  auto checked = as_int(meta(kProceduresChecked));
  if (!checked || now_ms - *checked >= kProceduresEveryMs) {
    phase_ = Phase::Procedures;
    return;
  }
  finish_round(now_ms);
}

void SyncEngine::on_procedures(const HttpResponse& r, std::int64_t now_ms) {
  if (handle_common_failure(r, "procedures", now_ms)) return;
  auto body = json_object(r.body);
  if (!body || !body->contains("version")) {
    fail(Failure::Busy, server() + " answered the procedures request with something else", now_ms);
    return;
  }
  if (!body->value("unchanged", false)) {
    // Check before keeping: a copy that does not load must not replace a working one.
    try {
      if (!body->contains("procedures") || !(*body)["procedures"].is_array() || !body->contains("holidays"))
        throw std::runtime_error("procedures or holidays missing");
      for (const auto& p : (*body)["procedures"]) parse_procedure(p.dump());
      Calendar::from_json((*body)["holidays"].dump());
    } catch (const std::exception& e) {
      store_.transaction([&] { store_.quarantine(std::string("procedures from the server: ") + e.what(), r.body.substr(0, 4096), now_ms); });
      round_had_error_ = true;
      record_error(std::string("the Board's procedures from the server did not load (") + e.what() +
                   "); this device keeps using the ones it has");
      store_.transaction([&] { store_.set_meta(kProceduresChecked, std::to_string(now_ms)); });
      finish_round(now_ms);
      return;
    }
    store_.transaction([&] {
      store_.set_meta(kServerProcedures, r.body);
      store_.set_meta(kProceduresChecked, std::to_string(now_ms));
    });
    procedures_changed_ = true;
  } else {
    store_.transaction([&] { store_.set_meta(kProceduresChecked, std::to_string(now_ms)); });
  }
  finish_round(now_ms);
}

void SyncEngine::on_agencies(const HttpResponse& r, std::int64_t now_ms) {
  // A server from before the directory existed has no such endpoint: carry on without one.
  if (r.status == 404) return after_agencies(now_ms);
  if (handle_common_failure(r, "agencies", now_ms)) return;
  auto body = json_object(r.body);
  if (r.status != 200 || !body || !body->contains("version") || !(*body)["version"].is_string()) {
    fail(Failure::Busy, server() + " answered the agencies request with something else", now_ms);
    return;
  }
  if (!body->value("unchanged", false)) {
    auto names = directory_names(*body);
    if (!names) {
      // The copy the device has stays in use; a person should look.
      store_.transaction([&] { store_.quarantine("agency directory from the server: not a list of names", r.body.substr(0, 4096), now_ms); });
      round_had_error_ = true;
      record_error("the Board's list of agencies from the server could not be read; this device keeps the list it has");
      return after_agencies(now_ms);
    }
    store_.replace_agencies(*names, (*body)["version"].get<std::string>());
    agencies_changed_ = true;
  }
  after_agencies(now_ms);
}

bool SyncEngine::agencies_changed() {
  bool changed = agencies_changed_;
  agencies_changed_ = false;
  return changed;
}

std::string SyncEngine::server_procedures() { return meta(kServerProcedures); }

bool SyncEngine::procedures_changed() {
  bool changed = procedures_changed_;
  procedures_changed_ = false;
  return changed;
}

std::optional<HttpRequest> SyncEngine::next_push() {
  // The next batch: outbox events after push_after_, oldest first, at most batch_limit_
  // events and kMaxPushBytes, skipping batches the server refused this session.
  std::vector<OutboxEntry> batch;
  std::size_t bytes = 256;
  std::int64_t after = push_after_;
  bool full = false;
  while (!full) {
    auto chunk = store_.outbox_batch(after, batch_limit_);
    if (chunk.empty()) break;
    after = chunk.back().position;
    for (auto& e : chunk) {
      if (held_back_.count(e.position)) continue;
      std::size_t cost = e.json.size() + 1;
      if (batch.size() >= batch_limit_ || (!batch.empty() && bytes + cost + 300 > kMaxPushBytes)) {
        full = true;
        break;
      }
      bytes += cost;
      batch.push_back(std::move(e));
    }
  }
  if (batch.empty()) return std::nullopt;

  // One bundle per challenge, events in outbox order (for this device's own events that
  // is the order they were written, parents first).
  std::vector<std::string> order;
  std::map<std::string, std::vector<const std::string*>> by_challenge;
  for (const auto& e : batch) {
    auto& list = by_challenge[e.challenge];
    if (list.empty()) order.push_back(e.challenge);
    list.push_back(&e.json);
  }
  std::string epoch = meta(kEpoch);
  Json head = {{"format", "parley-push"}, {"version", 1}, {"epoch", epoch.empty() ? Json() : Json(epoch)}};
  std::string body = head.dump();
  body.pop_back();
  body += ",\"bundles\":[";
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::string procedure, board;
    if (auto row = store_.challenge(order[i])) procedure = row->procedure;
    if (const Procedure* p = engine_.procedures().find(procedure)) board = p->board.name;
    if (i) body += ',';
    body += compact_bundle_text(board, procedure, order[i], by_challenge[order[i]]);
  }
  body += "]}";

  batch_positions_.clear();
  batch_challenges_.clear();
  for (const auto& e : batch) batch_positions_.push_back(e.position), batch_challenges_.push_back(e.challenge);
  batch_bundles_ = order;
  counts_.pushed += static_cast<std::int64_t>(batch.size());
  return HttpRequest{"POST", "/api/push", std::move(body), true, 0};
}

void SyncEngine::on_response(const HttpRequest& request, const HttpResponse& response, std::int64_t now_ms) {
  // Heeded even late or duplicated: the server says it to every request of this device.
  if (stop_if_wipe(response, now_ms)) return;
  if (!in_flight_ || request.id != in_flight_->id) {
    // Late or duplicated: only an acknowledgement is still worth having (it is durable).
    if (request.path == "/api/push" && response.status == 200)
      if (auto body = json_object(response.body)) try {
          apply_acks(*body);
        } catch (const std::exception&) {
        }
    return;
  }
  in_flight_.reset();
  try {
    switch (phase_) {
      case Phase::Probe: on_health(response, now_ms); break;
      case Phase::Push: on_push(response, now_ms); break;
      case Phase::Pull: on_pull(response, now_ms); break;
      case Phase::Agencies: on_agencies(response, now_ms); break;
      case Phase::Procedures: on_procedures(response, now_ms); break;
      case Phase::Idle: break;
    }
  } catch (const std::exception& e) {
    // A local write failed (disk full, storage revoked): nothing of it was kept.
    fail(Failure::Busy, std::string("could not save on this device: ") + e.what(), now_ms);
  }
}

bool SyncEngine::handle_common_failure(const HttpResponse& r, const std::string& what, std::int64_t now_ms) {
  if (r.status == 200) return false;
  std::string where = server();
  if (r.status == 0) {
    fail(Failure::Network, "cannot reach " + where, now_ms);
    return true;
  }
  ServerError e = server_error(r);
  if (is_transient(r.status)) {
    fail(Failure::Busy, where + " is busy or failing (" + std::to_string(r.status) + (e.message.empty() ? "" : ": " + e.message) + ")",
         now_ms);
    return true;
  }
  if (r.status == 401) {
    fail(Failure::SignIn, "the server no longer accepts this device's sign-in; sign in again", now_ms);
    return true;
  }
  if (r.status == 409 && e.code == "device_seq_reused") {
    fail(Failure::SignIn,
         "the server already holds different events numbered as this device's: this database was reset or copied. "
         "Syncing has stopped; sign in again (" + e.message + ")",
         now_ms);
    return true;
  }
  (void)what;
  return false;
}

void SyncEngine::on_health(const HttpResponse& r, std::int64_t now_ms) {
  if (handle_common_failure(r, "health", now_ms)) return;
  auto body = json_object(r.body);
  if (r.status != 200 || !body || !body->value("ok", false)) {
    fail(Failure::Stop,
         server() + " did not answer as a Parley server (status " + std::to_string(r.status) + "); check the server address",
         now_ms);
    return;
  }
  if (!same_epoch(*body, now_ms)) return;
  phase_ = Phase::Push;
  push_after_ = 0;
}

void SyncEngine::apply_acks(const Json& body) {
  if (!body.contains("acked") || !body["acked"].is_array()) return;
  std::vector<std::string> ids;
  for (const auto& id : body["acked"])
    if (id.is_string()) ids.push_back(id.get<std::string>());
  counts_.acked += static_cast<std::int64_t>(store_.acknowledge(ids));
}

void SyncEngine::on_push(const HttpResponse& r, std::int64_t now_ms) {
  if (handle_common_failure(r, "push", now_ms)) return;
  std::int64_t last = batch_positions_.empty() ? push_after_ : batch_positions_.back();
  if (r.status == 200) {
    auto body = json_object(r.body);
    if (!body) {
      fail(Failure::Busy, server() + " answered a push with something that is not JSON", now_ms);
      return;
    }
    apply_acks(*body);
    // Events of the batch the server did not list stay in the outbox for the next round.
    push_after_ = last;
    return;   // phase stays Push: next() sends the next batch
  }
  ServerError e = server_error(r);
  if (r.status == 409 && e.code == "epoch_changed") {
    std::string epoch;
    if (auto body = json_object(r.body)) epoch = body->value("epoch", "");
    restart_after_epoch_change(epoch, now_ms);   // an empty epoch is learnt again from the probe
    return;
  }
  if (r.status == 413 && batch_positions_.size() > 1) {
    batch_limit_ = std::max<std::size_t>(1, batch_positions_.size() / 2);
    counts_.pushed -= static_cast<std::int64_t>(batch_positions_.size());
    return;   // the same events again, in a smaller batch
  }
  // A refusal: keep the events in the outbox, say why, and do not offer them again in
  // this session (a new version of the app may send them differently). When the refusal
  // names one bundle, only that challenge's events are held back and the rest of the batch
  // is sent again: one bad event never blocks the others. Push the rest and still pull.
  std::size_t held = 0;
  auto bundle = refused_bundle(e.field);
  if (bundle && *bundle < batch_bundles_.size() && batch_bundles_.size() > 1) {
    const std::string& challenge = batch_bundles_[*bundle];
    for (std::size_t i = 0; i < batch_positions_.size(); ++i)
      if (batch_challenges_[i] == challenge) held_back_.insert(batch_positions_[i]), ++held;
    counts_.pushed -= static_cast<std::int64_t>(batch_positions_.size() - held);   // sent again
  } else {
    for (auto p : batch_positions_) held_back_.insert(p);
    held = batch_positions_.size();
    push_after_ = last;
  }
  round_had_error_ = true;
  record_error(std::to_string(held) + " change(s) were refused by the server and stay on this device: " +
               (e.message.empty() ? "status " + std::to_string(r.status) : e.message) +
               (e.code.empty() ? "" : " [" + e.code + "]"));
}

void SyncEngine::on_pull(const HttpResponse& r, std::int64_t now_ms) {
  if (handle_common_failure(r, "pull", now_ms)) return;
  if (r.status != 200) {
    ServerError e = server_error(r);
    round_had_error_ = true;
    record_error("the server refused to send changes: " + e.message + (e.code.empty() ? "" : " [" + e.code + "]"));
    finish_round(now_ms);
    return;
  }
  auto body = json_object(r.body);
  if (!body || !body->contains("bundles") || !(*body)["bundles"].is_array() || !body->contains("cursor")) {
    fail(Failure::Busy, server() + " answered a pull with something that is not a page of changes", now_ms);
    return;
  }
  if (!same_epoch(*body, now_ms)) return;
  const Json& c = (*body)["cursor"];
  std::string cursor = c.is_string() ? c.get<std::string>() : c.is_number_integer() ? std::to_string(c.get<std::int64_t>()) : "";
  if (cursor.empty()) {
    fail(Failure::Busy, server() + " sent a page without a usable cursor", now_ms);
    return;
  }
  auto mine = as_int(pull_cursor_), theirs = as_int(cursor);
  if (mine && theirs && *theirs < *mine) {
    // The feed ends before our cursor: the server lost data without a new epoch.
    restart_after_epoch_change(meta(kEpoch), now_ms);
    return;
  }
  bool more = body->value("more", false);

  // The page's events and the new cursor in one transaction (guarantee 6): if the commit
  // fails, the cursor stays where it was and the page is asked for again.
  std::int64_t added = 0, quarantined = 0;
  store_.transaction([&] {
    for (const auto& b : (*body)["bundles"]) {
      try {
        Bundle bundle = bundle_from_json(b);
        added += static_cast<std::int64_t>(import_bundle(engine_, bundle).added);
      } catch (const sql::DatabaseError&) {
        throw;   // a failed write: the page and its cursor are not kept, and asked for again
      } catch (const std::exception& e) {
        // Refused on this device (bad hash, broken chain, unknown procedure, anything it
        // cannot read): kept in quarantine with the reason, never dropped without trace,
        // and never a reason to stop the feed (the cursor moves on).
        store_.quarantine(e.what(), b.dump(), now_ms);
        ++quarantined;
      }
    }
    store_.set_meta(kCursor, cursor);
    store_.set_meta(kEventsSeen, std::to_string(store_.event_count()));
  });
  counts_.pulled += added;
  counts_.quarantined += quarantined;
  if (quarantined) {
    round_had_error_ = true;   // a person should look: the status bar shows it
    record_error(std::to_string(quarantined) + " received bundle(s) failed checks on this device and were quarantined");
  }
  if (more && cursor == pull_cursor_) {
    fail(Failure::Busy, server() + " said there is more to pull but did not move the cursor", now_ms);
    return;
  }
  if (!more) end_pull(now_ms);
}

HttpRequest SyncEngine::login_request(const std::string& username, const std::string& password,
                                      const std::string& device_name) {
  Json body = {{"username", username}, {"password", password}, {"device", store_.device_id()}, {"device_name", device_name}};
  return HttpRequest{"POST", "/api/login", body.dump(), false, 0};
}

Json SyncEngine::on_login_response(const HttpResponse& r, std::int64_t now_ms) {
  if (r.status == 0) throw std::runtime_error("cannot reach " + server() + ": check the address and the network");
  if (stop_if_wipe(r, now_ms)) throw std::runtime_error(last_error_);
  if (r.status != 200) {
    ServerError e = server_error(r);
    if (r.status == 401) throw std::runtime_error(e.message.empty() ? "wrong username or password" : e.message);
    throw std::runtime_error("sign-in refused by the server: " + e.message);
  }
  auto body = json_object(r.body);
  if (!body || !(*body).contains("token") || !(*body)["token"].is_string() || !(*body).contains("user") ||
      !(*body)["user"].is_object())
    throw std::runtime_error(server() + " answered the sign-in with something unexpected; check the server address");
  const Json& user = (*body)["user"];
  Json identity = {{"name", user.value("name", "")},
                   {"job_title", user.value("job_title", "")},
                   {"agency", user.value("agency", "")},
                   {"role", user.value("role", "")}};
  std::string epoch = body->value("epoch", "");
  std::string token = (*body)["token"].get<std::string>();
  store_.transaction([&] {
    store_.set_meta(kToken, token);
    store_.set_meta(kDevice, store_.device_id());
    store_.set_meta(kUser, user.dump());
    // Events are authored as the signed-in user from now on: the server refuses others.
    store_.set_meta("identity", identity.dump());
    std::string ours = meta(kEpoch);
    if (!epoch.empty() && !ours.empty() && ours != epoch) reset_for_new_epoch(epoch);
    else if (!epoch.empty()) store_.set_meta(kEpoch, epoch);
    store_.set_meta(kLastError, "");
  });
  token_ = token;
  last_error_.clear();
  needs_sign_in_ = false;
  stopped_ = false;
  held_back_.clear();
  requested_ = true;
  retry_at_ = 0;
  backoff_ms_ = 0;
  state_ = SyncState::Idle;
  return user;
}

void SyncEngine::sign_out() {
  set_meta(kToken, "");
  token_.clear();
  needs_sign_in_ = true;
  state_ = SyncState::NeedsSignIn;
}

SyncStatus SyncEngine::status() {
  SyncStatus s;
  s.state = wipe_requested_ ? SyncState::Wipe : state_;   // whatever else happened since
  s.pending = store_.outbox_count();
  s.oldest_pending = store_.outbox_oldest();
  if (last_ok_) s.last_ok = last_ok_;
  if (retry_at_ > 0 && (state_ == SyncState::Offline || state_ == SyncState::BackingOff)) s.next_attempt = retry_at_;
  s.last_error = last_error_;
  return s;
}

}  // namespace parley
