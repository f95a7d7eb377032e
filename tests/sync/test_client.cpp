// tests/sync/test_client.cpp — the client sync engine against a scripted, in-memory
// server and an adversarial network: dropped, duplicated and late responses, lost
// acknowledgements, epoch changes, 413, 401, 410 wipe, refusals, failing local commits
// (the fault VFS), a store that looks emptied, and the backoff schedule on a pinned clock.
//
// The fake server follows docs/sync-protocol.md closely enough for the client (one feed
// that everyone may read; no authorisation beyond the token): it is the client's side of
// the contract that is under test here. Real SQLite files for every device.
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "core/agencies.h"
#include "core/embedded.h"
#include "core/fault_vfs.h"
#include "sync/bundle.h"
#include "sync/client.h"
#include "core/agencies.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {

const Author kA = practitioner();
const std::int64_t kStart = at("2026-01-05T09:00");

HttpResponse json_response(int status, const Json& body) { return HttpResponse{status, body.dump()}; }
HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}
// What parley-server answers a device marked by `admin revoke-device --wipe`.
HttpResponse wipe_response() {
  return json_response(410, {{"error", {{"code", "wipe_requested"},
                                        {"message", "the Board's administrator asked this device to erase its Parley records"},
                                        {"wipe", true}}}});
}

struct FakeServer {
  std::string epoch = "epoch-1";
  std::map<std::string, Json> events;                          // id -> event
  std::map<std::pair<std::string, std::int64_t>, std::string> seqs;   // (device, seq) -> id
  std::vector<std::string> feed;                               // event ids in arrival order
  std::map<std::string, std::string> procedure_of;            // challenge -> procedure
  std::size_t max_events = 2000;
  int pushes = 0, pulls = 0, stored_twice = 0;
  std::vector<std::size_t> push_sizes;
  // The Board's procedures and holidays as GET /api/procedures sends them.
  std::string procedures_version = "v1";
  Json procedures_payload() const {
    Json list = Json::array();
    ProcedureLibrary library = ProcedureLibrary::builtin();   // alive while its pointers are read
    for (const Procedure* p : library.all()) list.push_back(p->raw);
    return {{"version", procedures_version}, {"procedures", list},
            {"holidays", Json::parse(embedded_file("core/data/holidays.json"))}};
  }
  int procedure_requests = 0;
  // The Board's agency directory as GET /api/agencies sends it; without the endpoint (a
  // server from before it existed) the answer is 404. Empty by default: the engine checks
  // nothing against an empty list, so the other tests' openings are not refused.
  std::vector<std::string> agencies;
  std::string agencies_version = "a1";
  bool has_agencies_endpoint = true;
  int agency_requests = 0;
  // A scripted answer for a request, instead of the normal one (nullopt: answer normally).
  std::function<std::optional<HttpResponse>(const HttpRequest&)> script;

  void lose_everything(const std::string& new_epoch) {
    epoch = new_epoch;
    events.clear();
    seqs.clear();
    feed.clear();
  }

  HttpResponse handle(const HttpRequest& r) {
    if (script)
      if (auto scripted = script(r)) return *scripted;
    if (r.path == "/api/health") return json_response(200, {{"ok", true}, {"epoch", epoch}, {"version", 1}});
    if (r.path == "/api/login") {
      Json body = Json::parse(r.body);
      if (body["password"] != "right") return error_response(401, "bad_credentials", "wrong username or password");
      return json_response(200, {{"token", "token-" + body["device"].get<std::string>()},
                                 {"device", body["device"]},
                                 {"epoch", epoch},
                                 {"user", {{"username", body["username"]}, {"name", "Sam Example"},
                                           {"job_title", "Social Worker"}, {"agency", kA.agency},
                                           {"role", "practitioner"}, {"board", "Shropshire"}}}});
    }
    if (r.path == "/api/push") return push(Json::parse(r.body));
    if (r.path.rfind("/api/pull?", 0) == 0) return pull(r.path);
    if (r.path.rfind("/api/agencies?version=", 0) == 0 && has_agencies_endpoint) {
      ++agency_requests;
      if (r.path.substr(22) == agencies_version)
        return json_response(200, {{"version", agencies_version}, {"unchanged", true}});
      return json_response(200, {{"version", agencies_version}, {"agencies", agencies}});
    }
    if (r.path.rfind("/api/procedures?version=", 0) == 0) {
      ++procedure_requests;
      if (r.path.substr(24) == procedures_version)
        return json_response(200, {{"version", procedures_version}, {"unchanged", true}});
      return json_response(200, procedures_payload());
    }
    return error_response(404, "not_found", "no such endpoint");
  }

  HttpResponse push(const Json& body) {
    ++pushes;
    if (!body["epoch"].is_null() && body["epoch"] != epoch)
      return error_response(409, "epoch_changed", "the server was restored; sync again");
    std::size_t n = 0;
    for (const auto& b : body["bundles"]) n += b["events"].size();
    push_sizes.push_back(n);
    if (n > max_events) return error_response(413, "too_large", "more events than the server takes at once");
    // Check everything, then store (all or nothing).
    std::vector<Event> incoming;
    for (const auto& b : body["bundles"]) {
      Bundle bundle = bundle_from_json(b);
      procedure_of[bundle.challenge] = bundle.procedure;
      for (auto& e : bundle.events) {
        auto s = seqs.find({e.device, e.seq});
        if (s != seqs.end() && s->second != e.id)
          return error_response(409, "device_seq_reused", "device sequence number reused");
        incoming.push_back(e);
      }
    }
    Json acked = Json::array();
    int added = 0;
    for (const auto& e : incoming) {
      acked.push_back(e.id);
      if (events.count(e.id)) continue;
      events[e.id] = to_json(e);
      seqs[{e.device, e.seq}] = e.id;
      feed.push_back(e.id);
      ++added;
    }
    return json_response(200, {{"epoch", epoch}, {"acked", acked}, {"added", added}});
  }

  HttpResponse pull(const std::string& path) {
    ++pulls;
    auto c = path.find("cursor="), l = path.find("&limit=");
    std::size_t cursor = std::stoul(path.substr(c + 7, l - c - 7)), limit = std::stoul(path.substr(l + 7));
    Json bundles = Json::array();
    std::size_t end = std::min(feed.size(), cursor + limit);
    for (std::size_t i = cursor; i < end; ++i) {
      const Json& e = events[feed[i]];
      std::string challenge = e["challenge"];
      if (bundles.empty() || bundles.back()["challenge"] != challenge)
        bundles.push_back({{"format", "parley-bundle"}, {"version", 1}, {"board", "Shropshire"},
                           {"procedure", procedure_of[challenge]}, {"challenge", challenge}, {"events", Json::array()}});
      bundles.back()["events"].push_back(e);
    }
    return json_response(200, {{"epoch", epoch}, {"bundles", bundles}, {"cursor", std::to_string(end)}, {"more", end < feed.size()}});
  }
};

void sign_in(SyncEngine& sync, FakeServer& server, std::int64_t now) {
  sync.set_server("http://office.example/");
  sync.on_login_response(server.handle(sync.login_request("sam", "right", "Test tablet")), now);
}

// What the network does to one exchange.
enum class Fate { Deliver, DropRequest, DropResponse, Duplicate, Late };

// Runs the engine against the server until it is quiet (nothing to send and not waiting
// out a backoff), jumping the clock over backoffs. `fate(n)` decides exchange n.
struct Run {
  int requests = 0;
  std::vector<std::int64_t> sent_at;
};
Run sync_until_quiet(SyncEngine& sync, FakeServer& server, std::int64_t& now,
                     const std::function<Fate(int)>& fate = [](int) { return Fate::Deliver; }, int max_steps = 2000) {
  Run run;
  std::optional<std::pair<HttpRequest, HttpResponse>> late;
  for (int step = 0; step < max_steps; ++step) {
    auto request = sync.next(now);
    if (!request) {
      SyncStatus s = sync.status();
      if (s.next_attempt && *s.next_attempt > now) {
        now = *s.next_attempt;
        continue;
      }
      break;
    }
    ++run.requests;
    run.sent_at.push_back(now);
    now += 10;
    switch (fate(run.requests)) {
      case Fate::Deliver:
        sync.on_response(*request, server.handle(*request), now);
        break;
      case Fate::DropRequest:
        sync.on_response(*request, HttpResponse{0, ""}, now);
        break;
      case Fate::DropResponse:   // the server acted; the answer was lost
        server.handle(*request);
        sync.on_response(*request, HttpResponse{0, ""}, now);
        break;
      case Fate::Duplicate: {
        HttpResponse r = server.handle(*request);
        sync.on_response(*request, r, now);
        sync.on_response(*request, r, now);
        break;
      }
      case Fate::Late: {   // the answer arrives after the engine gave up on it
        HttpResponse r = server.handle(*request);
        sync.on_response(*request, HttpResponse{0, ""}, now);
        if (late) sync.on_response(late->first, late->second, now);
        late = std::make_pair(*request, r);
        break;
      }
    }
  }
  if (late) sync.on_response(late->first, late->second, now);
  return run;
}

std::set<std::string> event_ids(Store& store) {
  std::set<std::string> ids;
  for (const auto& c : store.challenge_ids())
    for (const auto& e : store.challenge_events(c)) ids.insert(e.id);
  return ids;
}

std::string add_comments(Device& d, const std::string& challenge, int n, const std::string& text) {
  std::string last;
  for (int i = 0; i < n; ++i) {
    d.clock.advance(1000);
    last = d.engine.record(challenge, EventKind::Comment, {{"text", text + " " + std::to_string(i)}}, kA, d.clock.now_ms());
  }
  return last;
}

}  // namespace

TEST_CASE("two devices exchange their challenges through the server", "[sync]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-a", 1, kStart), b("sync-b", 2, kStart);
  SyncEngine sa(a.engine), sb(b.engine);
  sign_in(sa, server, now);
  sign_in(sb, server, now);
  CHECK(a.store.meta("identity").value_or("").find("Sam Example") != std::string::npos);

  std::string c1 = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  add_comments(a, c1, 3, "from a");
  std::string c2 = b.engine.open(open_body("bury-sab"), kA, kStart);
  REQUIRE(a.store.outbox_count() == 4);

  sync_until_quiet(sa, server, now);
  CHECK(sa.counts().pushed == 4);
  CHECK(sa.counts().acked == 4);
  CHECK(a.store.outbox_count() == 0);
  CHECK(sa.status().state == SyncState::Idle);
  CHECK(sa.status().last_ok == now);

  sync_until_quiet(sb, server, now);
  CHECK(sb.counts().pulled == 4);   // a's four; its own one, in the feed too, is not new
  sb.request_sync();
  sync_until_quiet(sb, server, now);
  sa.request_sync();
  sync_until_quiet(sa, server, now);

  CHECK(event_ids(a.store) == event_ids(b.store));
  CHECK(a.store.event_count() == 5);
  CHECK(b.store.outbox_count() == 0);
  // Merged events never enter the outbox: b has nothing of a's to upload.
  CHECK(b.store.challenge(c1));
  CHECK(a.store.challenge(c2)->event_count == 1);
  CHECK(server.feed.size() == 5);
}

TEST_CASE("no round before sign-in; rounds every 60 s and on request", "[sync]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-timer", 3, kStart);
  SyncEngine sa(a.engine);
  CHECK_FALSE(sa.next(now));
  CHECK(sa.status().state == SyncState::NeedsSignIn);
  sign_in(sa, server, now);
  sync_until_quiet(sa, server, now);
  CHECK(sa.status().state == SyncState::Idle);

  const std::int64_t done = now;
  CHECK_FALSE(sa.next(done + 59'000));
  auto probe = sa.next(done + SyncEngine::kRoundEveryMs);
  REQUIRE(probe);
  CHECK(probe->path == "/api/health");
  CHECK_FALSE(probe->needs_auth);
  now = done + SyncEngine::kRoundEveryMs;
  sa.on_response(*probe, server.handle(*probe), now);
  sync_until_quiet(sa, server, now);

  // A local save asks for a round at once.
  a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  CHECK_FALSE(sa.next(now + 1));
  sa.request_sync();
  auto r = sa.next(now + 1);
  REQUIRE(r);
  CHECK(r->path == "/api/health");
}

TEST_CASE("an adversarial network: every event arrives once and the replicas converge", "[sync][adversarial]") {
  struct Row {
    const char* name;
    std::function<Fate(int, std::mt19937&)> fate;
  };
  const std::vector<Row> rows = {
      {"every response delivered", [](int, std::mt19937&) { return Fate::Deliver; }},
      {"requests dropped", [](int, std::mt19937& g) { return g() % 3 == 0 ? Fate::DropRequest : Fate::Deliver; }},
      {"acknowledgements lost after the server stored", [](int, std::mt19937& g) { return g() % 2 == 0 ? Fate::DropResponse : Fate::Deliver; }},
      {"responses duplicated", [](int, std::mt19937& g) { return g() % 2 == 0 ? Fate::Duplicate : Fate::Deliver; }},
      {"responses late and out of order", [](int, std::mt19937& g) { return g() % 3 == 0 ? Fate::Late : Fate::Deliver; }},
      {"all of it", [](int, std::mt19937& g) { return static_cast<Fate>(g() % 5); }},
  };
  for (const auto& row : rows) {
    for (unsigned seed = 1; seed <= 3; ++seed) {
      INFO(row.name << ", seed " << seed);
      std::mt19937 g(seed);
      auto fate = [&](int n) { return row.fate(n, g); };
      FakeServer server;
      server.max_events = 4;   // several batches per round
      std::int64_t now = kStart;
      Device a("sync-adv-a", 10 + seed, kStart), b("sync-adv-b", 20 + seed, kStart), c("sync-adv-c", 30 + seed, kStart);
      SyncEngine sa(a.engine), sb(b.engine), sc(c.engine);
      for (SyncEngine* s : {&sa, &sb, &sc}) sign_in(*s, server, now);

      std::string ca = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
      add_comments(a, ca, 6, "a");
      std::string cb = b.engine.open(open_body("bury-sab"), kA, kStart);
      add_comments(b, cb, 5, "b");
      // Three rounds of: sync everyone, write a little more, on every device.
      for (int round = 0; round < 3; ++round) {
        for (auto* pair : {&sa, &sb, &sc}) {
          pair->request_sync();
          sync_until_quiet(*pair, server, now, fate);
        }
        if (a.store.challenge(cb)) add_comments(a, cb, 1, "a on b's");
        if (c.store.challenge(ca)) add_comments(c, ca, 2, "c on a's");
      }
      // Then a quiet network until every outbox is empty.
      for (int round = 0; round < 3; ++round)
        for (auto* s : {&sa, &sb, &sc}) {
          s->request_sync();
          sync_until_quiet(*s, server, now);
        }
      CHECK(a.store.outbox_count() == 0);
      CHECK(b.store.outbox_count() == 0);
      CHECK(c.store.outbox_count() == 0);
      // Guarantee 2: each event stored once on the server, whatever was resent.
      std::set<std::string> feed(server.feed.begin(), server.feed.end());
      CHECK(feed.size() == server.feed.size());
      CHECK(server.events.size() == 7 + 6 + 1 * 2 + 2 * 3);   // a sees b's challenge from the second round
      // Guarantee 5: the same events everywhere, and the same derived state.
      CHECK(event_ids(a.store) == event_ids(b.store));
      CHECK(event_ids(b.store) == event_ids(c.store));
      CHECK(event_ids(a.store).size() == server.events.size());
      for (const auto& id : {ca, cb}) {
        CHECK(to_json(a.engine.view(id, now)).dump() == to_json(b.engine.view(id, now)).dump());
        CHECK(to_json(a.engine.view(id, now)).dump() == to_json(c.engine.view(id, now)).dump());
      }
    }
  }
}

TEST_CASE("a late pull answer never moves the cursor back", "[sync]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-late-a", 40, kStart), b("sync-late-b", 41, kStart);
  SyncEngine sa(a.engine), sb(b.engine);
  sign_in(sa, server, now);
  sign_in(sb, server, now);
  std::string id = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  add_comments(a, id, 3, "x");
  sync_until_quiet(sa, server, now);

  auto probe = sb.next(now);
  sb.on_response(*probe, server.handle(*probe), now);
  auto pull = sb.next(now);
  REQUIRE(pull);
  REQUIRE(pull->path.rfind("/api/pull", 0) == 0);
  HttpResponse page = server.handle(*pull);
  sb.on_response(*pull, page, now);
  CHECK(b.store.meta("sync_cursor") == "4");
  // The same page again, and an old page from cursor 0 replayed: ignored.
  sb.on_response(*pull, page, now);
  HttpRequest replay = *pull;
  sb.on_response(replay, server.handle(HttpRequest{"GET", "/api/pull?cursor=0&limit=2", "", true, 0}), now);
  CHECK(b.store.meta("sync_cursor") == "4");
  CHECK(b.store.event_count() == 4);
}

TEST_CASE("a new server epoch puts every local event back in the outbox and re-reads the feed", "[sync][epoch]") {
  struct Row {
    const char* name;
    bool at_push;   // the epoch changes between the probe and the push (409 epoch_changed)
  };
  for (const Row& row : {Row{"seen by the probe", false}, Row{"refused at push", true}}) {
    INFO(row.name);
    FakeServer server;
    std::int64_t now = kStart;
    Device a("sync-epoch-a", 50, kStart), b("sync-epoch-b", 51, kStart);
    SyncEngine sa(a.engine), sb(b.engine);
    sign_in(sa, server, now);
    sign_in(sb, server, now);
    std::string ca = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
    std::string cb = b.engine.open(open_body("bury-sab"), kA, kStart);
    sync_until_quiet(sa, server, now);
    sync_until_quiet(sb, server, now);
    sa.request_sync();
    sync_until_quiet(sa, server, now);
    REQUIRE(a.store.outbox_count() == 0);
    REQUIRE(a.store.event_count() == 2);

    // Restored from a backup taken before anything arrived.
    add_comments(a, ca, 1, "after the backup");
    bool changed = false;   // outlives the script, which runs after this block
    if (row.at_push) {
      server.script = [&](const HttpRequest& r) -> std::optional<HttpResponse> {
        if (r.path == "/api/push" && !changed) {
          changed = true;
          server.lose_everything("epoch-2");
        }
        return std::nullopt;
      };
    } else {
      server.lose_everything("epoch-2");
    }
    sa.request_sync();
    sync_until_quiet(sa, server, now);
    CHECK(a.store.meta("sync_epoch") == "epoch-2");
    CHECK(a.store.outbox_count() == 0);
    // a re-uploaded both its events (not b's: those are b's to resend).
    CHECK(server.events.size() == 2);
    sb.request_sync();
    sync_until_quiet(sb, server, now);
    sa.request_sync();
    sync_until_quiet(sa, server, now);
    CHECK(server.events.size() == 3);
    CHECK(event_ids(a.store) == event_ids(b.store));
    CHECK(sa.status().state == SyncState::Idle);
  }
}

TEST_CASE("413 halves the batch until the server takes it", "[sync]") {
  FakeServer server;
  server.max_events = 3;
  std::int64_t now = kStart;
  Device a("sync-413", 60, kStart);
  SyncEngine sa(a.engine);
  sign_in(sa, server, now);
  std::string id = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  add_comments(a, id, 9, "n");
  sync_until_quiet(sa, server, now);
  // 10 refused, 5 refused, then batches of 2.
  CHECK(server.push_sizes == std::vector<std::size_t>{10, 5, 2, 2, 2, 2, 2});
  CHECK(a.store.outbox_count() == 0);
  CHECK(server.events.size() == 10);
  CHECK(sa.status().state == SyncState::Idle);

  // A single event the server will not take is a refusal, not a loop.
  server.max_events = 0;
  add_comments(a, id, 1, "too big");
  sa.request_sync();
  sync_until_quiet(sa, server, now);
  CHECK(a.store.outbox_count() == 1);
  CHECK(sa.status().state == SyncState::Error);
}

TEST_CASE("the error table: what the engine does for each answer to a push", "[sync][errors]") {
  struct Row {
    const char* name;
    HttpResponse answer;
    SyncState state;
    bool pulls_after;          // the round goes on to pull
    const char* message;       // in last_error
  };
  const std::vector<Row> rows = {
      {"401 unauthorized", error_response(401, "unauthorized", "token revoked"), SyncState::NeedsSignIn, false, "sign in again"},
      {"409 device_seq_reused", error_response(409, "device_seq_reused", "seq reused"), SyncState::NeedsSignIn, false,
       "sign in again"},
      {"403 not_a_party", error_response(403, "not_a_party", "your agency is not a party to SSCP-1"), SyncState::Error, true,
       "your agency is not a party to SSCP-1"},
      {"400 bad_hash", error_response(400, "bad_hash", "bundles[0].events[0].hash: does not match"), SyncState::Error, true,
       "does not match"},
      {"415 bad_content_type", error_response(415, "bad_content_type", "send application/json"), SyncState::Error, true,
       "application/json"},
      {"503 busy", error_response(503, "busy", "shutting down"), SyncState::BackingOff, false, "retrying in 1 s"},
      {"429 busy", error_response(429, "busy", "slow down"), SyncState::BackingOff, false, "retrying in 1 s"},
      {"408 timeout", error_response(408, "timeout", "too slow"), SyncState::BackingOff, false, "retrying in 1 s"},
      {"500 without a body", HttpResponse{500, "oops"}, SyncState::BackingOff, false, "busy or failing"},
      {"no response", HttpResponse{0, ""}, SyncState::Offline, false, "cannot reach"},
      {"410 wipe", wipe_response(), SyncState::Wipe, false, "erase its Parley records"},
      // Gone without "wipe": an ordinary refusal, never retried and never an erase.
      {"410 without wipe", error_response(410, "gone", "no longer here"), SyncState::Error, true, "no longer here"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    FakeServer server;
    std::int64_t now = kStart;
    Device a("sync-errors", 70, kStart);
    SyncEngine sa(a.engine);
    sign_in(sa, server, now);
    std::string id = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
    add_comments(a, id, 2, "c");
    server.script = [&](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.path == "/api/push") return row.answer;
      return std::nullopt;
    };
    auto probe = sa.next(now);
    sa.on_response(*probe, server.handle(*probe), now);
    auto push = sa.next(now);
    REQUIRE(push);
    REQUIRE(push->path == "/api/push");
    sa.on_response(*push, server.handle(*push), now);
    auto after = sa.next(now);
    CHECK(bool(after && after->path.rfind("/api/pull", 0) == 0) == row.pulls_after);
    if (after) sa.on_response(*after, server.handle(*after), now);
    // A round ends by fetching the Board's agency directory, and a first round the
    // Board's procedures too.
    if (auto agencies = sa.next(now)) {
      CHECK(agencies->path.rfind("/api/agencies", 0) == 0);
      sa.on_response(*agencies, server.handle(*agencies), now);
    }
    if (auto procedures = sa.next(now)) {
      CHECK(procedures->path.rfind("/api/procedures", 0) == 0);
      sa.on_response(*procedures, server.handle(*procedures), now);
    }
    CHECK_FALSE(sa.next(now));
    SyncStatus s = sa.status();
    CHECK(s.state == row.state);
    CHECK_THAT(s.last_error, Catch::Contains(row.message));
    CHECK(s.pending == 3);   // kept in the outbox, whatever happened
    CHECK(a.store.outbox_count() == 3);
    // A refused batch is not offered again in this session; the next round only pulls.
    if (row.state == SyncState::Error) {
      auto next_round = sa.next(now + SyncEngine::kRoundEveryMs);
      REQUIRE(next_round);
      sa.on_response(*next_round, server.handle(*next_round), now + SyncEngine::kRoundEveryMs);
      auto then = sa.next(now + SyncEngine::kRoundEveryMs);
      REQUIRE(then);
      CHECK(then->path.rfind("/api/pull", 0) == 0);
    }
    CHECK(sa.wipe_requested() == (row.state == SyncState::Wipe));
    // A wipe is for good: no request, however long or however asked, and a restart knows.
    if (row.state == SyncState::Wipe) {
      sa.request_sync();
      CHECK_FALSE(sa.next(now + 100 * SyncEngine::kRoundEveryMs));
      SyncEngine restarted(a.engine);
      CHECK(restarted.wipe_requested());
      CHECK(restarted.status().state == SyncState::Wipe);
      CHECK_FALSE(restarted.next(now));
    }
    // Sign-in resumes a device the server stopped.
    if (row.state == SyncState::NeedsSignIn) {
      CHECK_FALSE(sa.next(now + 10 * SyncEngine::kRoundEveryMs));
      server.script = nullptr;
      sign_in(sa, server, now);
      sync_until_quiet(sa, server, now);
      CHECK(a.store.outbox_count() == 0);
    }
  }
}

TEST_CASE("a wipe answer in any phase stops the engine, keeps nothing of that exchange and is reported",
          "[sync][errors][wipe]") {
  struct Row {
    const char* phase;                // the request answered with the 410
    std::int64_t outbox_after;        // 3 events written; 0 once a push before it was acknowledged
    bool pulled_before;               // a pull page before it was merged (and its cursor kept)
  };
  const std::vector<Row> rows = {
      {"/api/health", 3, false},
      {"/api/push", 3, false},
      {"/api/pull", 0, false},
      {"/api/agencies", 0, true},
      {"/api/procedures", 0, true},
  };
  for (const auto& row : rows) {
    INFO(row.phase);
    FakeServer server;
    std::int64_t now = kStart;
    Device other("wipe-other", 91, kStart), a("wipe-a", 90, kStart);
    SyncEngine so(other.engine), sa(a.engine);
    sign_in(so, server, now);
    other.engine.open(open_body("bury-sab"), kA, kStart);   // something for a pull to bring
    sync_until_quiet(so, server, now);
    sign_in(sa, server, now);
    std::string id = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
    add_comments(a, id, 2, "c");
    const std::set<std::string> before = event_ids(a.store);
    server.script = [&](const HttpRequest& r) -> std::optional<HttpResponse> {
      if (r.path.rfind(row.phase, 0) == 0) return wipe_response();
      return std::nullopt;
    };
    sync_until_quiet(sa, server, now);
    CHECK(sa.wipe_requested());
    SyncStatus s = sa.status();
    CHECK(s.state == SyncState::Wipe);
    CHECK_THAT(s.last_error, Catch::Contains("erase its Parley records"));
    CHECK(a.store.meta("sync_wipe_requested").value_or("") != "");
    // Nothing of the 410 exchange is kept; what came before it in the round is.
    CHECK(a.store.outbox_count() == row.outbox_after);
    CHECK((event_ids(a.store) == before) == !row.pulled_before);
    CHECK((a.store.meta("sync_cursor").value_or("0") == "0") == !row.pulled_before);
    CHECK(sa.server_procedures().empty());
    CHECK(a.store.agencies().empty());
    // Nothing more is sent: not on request, not after a day, not after a restart.
    int pushes = server.pushes, pulls = server.pulls, procedures = server.procedure_requests;
    sa.request_sync();
    CHECK_FALSE(sa.next(now + 24 * 3'600'000));
    SyncEngine restarted(a.engine);
    restarted.request_sync();
    CHECK_FALSE(restarted.next(now));
    CHECK(restarted.status().state == SyncState::Wipe);
    CHECK(server.pushes == pushes);
    CHECK(server.pulls == pulls);
    CHECK(server.procedure_requests == procedures);
  }
}

TEST_CASE("a wipe answer to a sign-in, or arriving late, is heeded too", "[sync][login][wipe]") {
  FakeServer server;
  std::int64_t now = kStart;
  SECTION("sign-in: no token is kept, the refusal says why, and wipe_requested is set") {
    Device a("wipe-login", 95, kStart);
    SyncEngine sa(a.engine);
    sa.set_server("http://office.example");
    CHECK_THROWS_WITH(sa.on_login_response(wipe_response(), now), Catch::Contains("erase its Parley records"));
    CHECK(sa.token().empty());
    CHECK(sa.wipe_requested());
    CHECK(sa.status().state == SyncState::Wipe);
  }
  SECTION("a late answer to an earlier request") {
    Device other("wipe-late-other", 97, kStart), a("wipe-late", 96, kStart);
    SyncEngine so(other.engine), sa(a.engine);
    sign_in(so, server, now);
    other.engine.open(open_body("bury-sab"), kA, kStart);   // a page the pull would bring
    sync_until_quiet(so, server, now);
    sign_in(sa, server, now);
    auto probe = sa.next(now);
    REQUIRE(probe);
    sa.on_response(*probe, server.handle(*probe), now);
    auto pull = sa.next(now);
    REQUIRE(pull);
    sa.on_response(*probe, wipe_response(), now);   // not the request in flight: still heeded
    CHECK(sa.wipe_requested());
    sa.on_response(*pull, server.handle(*pull), now);   // then the page: not merged
    CHECK(a.store.meta("sync_cursor").value_or("0") == "0");
    CHECK(a.store.event_count() == 0);
    CHECK_FALSE(sa.next(now));
  }
}

TEST_CASE("backoff: 1 s doubling to 5 minutes, on a pinned clock", "[sync][backoff]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-backoff", 80, kStart);
  SyncEngine sa(a.engine);
  sign_in(sa, server, now);
  server.script = [](const HttpRequest&) -> std::optional<HttpResponse> { return HttpResponse{0, ""}; };
  std::vector<std::int64_t> waits;
  std::int64_t last = 0;
  for (int i = 0; i < 13; ++i) {
    auto r = sa.next(now);
    REQUIRE(r);
    if (i) waits.push_back(now - last);
    last = now;
    sa.on_response(*r, server.handle(*r), now);
    CHECK(sa.status().state == SyncState::Offline);
    // Nothing is sent before the wait ends.
    CHECK_FALSE(sa.next(*sa.status().next_attempt - 1));
    now = *sa.status().next_attempt;
  }
  CHECK(waits == std::vector<std::int64_t>{1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000});

  // The network coming back (request_sync) cuts a network wait short...
  sa.request_sync();
  CHECK(sa.next(now - 200'000));
  // ...but not a backoff the server asked for (503).
  server.script = nullptr;
  Device b("sync-backoff-b", 81, kStart);
  SyncEngine sb(b.engine);
  sign_in(sb, server, now);
  server.script = [](const HttpRequest&) -> std::optional<HttpResponse> { return error_response(503, "busy", "busy"); };
  auto r = sb.next(now);
  sb.on_response(*r, server.handle(*r), now);
  CHECK(sb.status().state == SyncState::BackingOff);
  sb.request_sync();
  CHECK_FALSE(sb.next(now + 999));
  auto again = sb.next(now + 1000);
  REQUIRE(again);
  // Success resets the schedule.
  server.script = nullptr;
  now += 1000;
  sb.on_response(*again, server.handle(*again), now);
  sync_until_quiet(sb, server, now);
  CHECK(sb.status().state == SyncState::Idle);
  CHECK_FALSE(sb.status().next_attempt);
}

TEST_CASE("a response that never comes is treated as lost after the request timeout", "[sync]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-dropped", 90, kStart);
  SyncEngine sa(a.engine);
  sign_in(sa, server, now);
  auto r = sa.next(now);
  REQUIRE(r);
  CHECK_FALSE(sa.next(now + 60'000));   // still waiting for it
  CHECK_FALSE(sa.next(now + 120'000));  // given up: offline, backing off 1 s
  CHECK(sa.status().state == SyncState::Offline);
  auto retry = sa.next(now + 121'000);
  REQUIRE(retry);
  CHECK(retry->path == "/api/health");
}

TEST_CASE("the cursor never passes a page whose local commit failed (fault VFS)", "[sync][fault]") {
  register_fault_vfs();
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-fault-a", 100, kStart);
  SyncEngine sa(a.engine);
  sign_in(sa, server, now);
  std::string id = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  add_comments(a, id, 5, "c");
  sync_until_quiet(sa, server, now);
  REQUIRE(server.feed.size() == 6);

  // A fresh device, signed in, about to pull; copied fresh for every failure point.
  Device seed("sync-fault-seed", 101, kStart);
  {
    SyncEngine s(seed.engine);
    sign_in(s, server, now);
  }
  int failures = 0;
  bool succeeded = false;
  for (int n = 1; n < 200 && !succeeded; ++n) {
    INFO("failing from write " << n);
    TempFile copy("sync-fault");
    std::filesystem::copy_file(seed.file.path, copy.path);
    SyncState state = SyncState::Idle;
    std::string error;
    {
      Store store(copy.path, StoreOptions{false, kFaultVfsName, -1});
      FixedClock clock(kStart);
      IdSource ids(n);
      ProcedureLibrary lib = ProcedureLibrary::builtin();
      Engine engine(store, lib, clock, ids);
      SyncEngine s(engine);
      std::int64_t t = now;
      auto probe = s.next(t);
      REQUIRE(probe);
      s.on_response(*probe, server.handle(*probe), t);
      auto pull = s.next(t);
      REQUIRE(pull);
      REQUIRE(pull->path.rfind("/api/pull", 0) == 0);
      HttpResponse page = server.handle(*pull);
      fault_vfs_fail_after(n);
      s.on_response(*pull, page, t);   // never throws: a failed commit shows in status
      succeeded = !fault_vfs_tripped();
      fault_vfs_fail_after(-1);
      if (!succeeded) ++failures;
      state = s.status().state;
      error = s.status().last_error;
    }
    // Reopened as after a crash: the page and the cursor together, or neither.
    Store after(copy.path);
    std::string cursor = after.meta("sync_cursor").value_or("0");
    if (succeeded) {
      CHECK(cursor == "6");
      CHECK(after.event_count() == 6);
    } else {
      CHECK(((cursor == "0" && after.event_count() == 0) || (cursor == "6" && after.event_count() == 6)));
      if (cursor == "0") {   // the page was not kept: the engine says so and will ask again
        CHECK(state == SyncState::BackingOff);
        CHECK_THAT(error, Catch::Contains("could not save"));
      }
    }
    CHECK(after.outbox_count() == 0);   // merged events never enter the outbox
  }
  CHECK(succeeded);
  CHECK(failures >= 3);
}

TEST_CASE("a received bundle that fails checks is quarantined; the rest of the page is kept", "[sync]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-q-a", 110, kStart), b("sync-q-b", 111, kStart);
  SyncEngine sa(a.engine), sb(b.engine);
  sign_in(sa, server, now);
  sign_in(sb, server, now);
  std::string c1 = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  std::string c2 = a.engine.open(open_body("bury-sab"), kA, kStart);
  sync_until_quiet(sa, server, now);
  // Someone altered c1's event on the server.
  server.events[server.feed[0]]["body"]["summary"] = "altered";
  sync_until_quiet(sb, server, now);
  CHECK(b.store.quarantine_count() == 1);
  CHECK_FALSE(b.store.challenge(c1));
  CHECK(b.store.challenge(c2));
  CHECK(b.store.meta("sync_cursor") == "2");
  CHECK(sb.counts().quarantined == 1);
  CHECK_THAT(sb.status().last_error, Catch::Contains("quarantined"));
}

TEST_CASE("a store that looks emptied is never synced as the truth (guarantee 7)", "[sync][guard]") {
  struct Row {
    const char* name;
    std::function<void(Store&)> damage;
    bool syncs;
    const char* message;
  };
  const std::vector<Row> rows = {
      {"a healthy store", [](Store&) {}, true, ""},
      {"fewer events than at the last sync",
       [](Store& s) { s.transaction([&] { s.set_meta("sync_events_seen", "40"); }); }, false, "reset or replaced"},
      {"this device wrote events that are gone",
       [](Store& s) { s.transaction([&] { s.set_meta("device_seq", "12"); }); }, false, "no longer in its database"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    FakeServer server;
    std::int64_t now = kStart;
    Device a("sync-guard", 120, kStart);
    SyncEngine sa(a.engine);
    sign_in(sa, server, now);
    row.damage(a.store);
    auto r = sa.next(now);
    CHECK(bool(r) == row.syncs);
    if (!row.syncs) {
      CHECK(sa.status().state == SyncState::Error);
      CHECK_THAT(sa.status().last_error, Catch::Contains(row.message));
      CHECK(server.pushes == 0);
      CHECK(server.pulls == 0);
    }
  }
}

TEST_CASE("sign-in: token and identity stored; a refusal says why", "[sync][login]") {
  FakeServer server;
  Device a("sync-login", 130, kStart);
  SyncEngine sa(a.engine);
  sa.set_server("http://office.example");
  HttpRequest bad = sa.login_request("sam", "wrong", "Tablet 3");
  CHECK(bad.method == "POST");
  CHECK(bad.path == "/api/login");
  CHECK_FALSE(bad.needs_auth);
  CHECK(Json::parse(bad.body)["device"] == a.store.device_id());
  CHECK_THROWS_WITH(sa.on_login_response(server.handle(bad), kStart), Catch::Contains("wrong username or password"));
  CHECK_THROWS_WITH(sa.on_login_response(HttpResponse{0, ""}, kStart), Catch::Contains("cannot reach http://office.example"));
  CHECK(sa.token().empty());
  Json user = sa.on_login_response(server.handle(sa.login_request("sam", "right", "Tablet 3")), kStart);
  CHECK(user["agency"] == kA.agency);
  CHECK(sa.token() == "token-" + a.store.device_id());
  CHECK(Json::parse(*a.store.meta("identity"))["name"] == "Sam Example");
  CHECK(a.store.meta("sync_epoch") == "epoch-1");
  CHECK(sa.status().state == SyncState::Idle);
  // Another server: forget the token and queue everything again.
  a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  a.store.acknowledge({a.store.challenge_events(a.store.challenge_ids()[0])[0].id});
  CHECK(a.store.outbox_count() == 0);
  sa.set_server("http://other.example");
  CHECK(sa.token().empty());
  CHECK(a.store.outbox_count() == 1);
  CHECK(sa.status().state == SyncState::NeedsSignIn);
}

TEST_CASE("the Board's procedures: fetched on the first round, then every 6 hours, checked before they are kept", "[sync][procedures]") {
  Device a("a", 41, kStart);
  FakeServer server;
  SyncEngine sync(a.engine);
  std::int64_t now = kStart;
  sign_in(sync, server, now);
  REQUIRE(sync.server_procedures().empty());

  sync_until_quiet(sync, server, now);
  CHECK(server.procedure_requests == 1);
  Json kept = Json::parse(sync.server_procedures());
  CHECK(kept["version"] == "v1");
  CHECK(kept["procedures"].size() == ProcedureLibrary::builtin().all().size());
  CHECK(sync.procedures_changed());
  CHECK_FALSE(sync.procedures_changed());   // reported once

  // Within 6 hours a round does not ask again; after, it asks with the version it holds.
  now += 60'000;
  sync.request_sync();
  sync_until_quiet(sync, server, now);
  CHECK(server.procedure_requests == 1);
  now += SyncEngine::kProceduresEveryMs;
  sync.request_sync();
  sync_until_quiet(sync, server, now);
  CHECK(server.procedure_requests == 2);
  CHECK_FALSE(sync.procedures_changed());   // "unchanged": nothing new kept
  CHECK(sync.status().state == SyncState::Idle);

  // A new version whose procedure does not validate is refused: quarantined, the old copy
  // kept, and the status says so.
  server.procedures_version = "v2";
  server.script = [&](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.path.rfind("/api/procedures", 0) != 0) return std::nullopt;
    ++server.procedure_requests;
    Json bad = server.procedures_payload();
    bad["procedures"][0].erase("stages");
    return json_response(200, bad);
  };
  std::int64_t quarantined = a.store.quarantine_count();
  now += SyncEngine::kProceduresEveryMs;
  sync.request_sync();
  sync_until_quiet(sync, server, now);
  CHECK(server.procedure_requests == 3);
  CHECK(Json::parse(sync.server_procedures())["version"] == "v1");
  CHECK(a.store.quarantine_count() == quarantined + 1);
  CHECK(sync.status().state == SyncState::Error);
  CHECK_THAT(sync.status().last_error, Catch::Contains("procedures"));
}

TEST_CASE("the Board's agency directory: fetched every round, kept for offline use, asked by version",
          "[sync][agencies]") {
  FakeServer server;
  server.agencies = {"Demo Housing Trust", "Demo Police"};
  std::int64_t now = kStart;
  Device a("sync-agencies", 120, kStart);
  {
    SyncEngine sa(a.engine);
    sign_in(sa, server, now);
    sync_until_quiet(sa, server, now);
    CHECK(server.agency_requests == 1);
    CHECK(sa.agencies_changed());
    CHECK_FALSE(sa.agencies_changed());   // once
    CHECK(a.store.agencies() == server.agencies);
    CHECK(a.store.agencies_version() == "a1");

    // Next round: the same version, a short "unchanged" answer, the copy stays.
    now += SyncEngine::kRoundEveryMs;
    sync_until_quiet(sa, server, now);
    CHECK(server.agency_requests == 2);
    CHECK_FALSE(sa.agencies_changed());
    CHECK(a.store.agencies() == server.agencies);

    // The administrator adds an agency: the next round replaces the copy whole.
    server.agencies = {"Demo Community Health", "Demo Housing Trust", "Demo Police"};
    server.agencies_version = "a2";
    now += SyncEngine::kRoundEveryMs;
    sync_until_quiet(sa, server, now);
    CHECK(sa.agencies_changed());
    CHECK(a.store.agencies() == server.agencies);
    CHECK(sa.status().state == SyncState::Idle);
  }
  // Offline after one sync: a new engine (an app restart) with no server still has it, and
  // the engine's rule uses it.
  SyncEngine restarted(a.engine);
  CHECK(a.store.agencies().size() == 3);
  Json body = open_body("shropshire-sscp");
  body["challenged"]["agency"] = "Police";
  CHECK_THROWS_AS(a.engine.open(body, kA, now), RuleError);

  // A list that is not a list of names is kept aside; the copy the device has stays.
  server.agencies_version = "a3";
  server.script = [&](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.path.rfind("/api/agencies", 0) == 0) return json_response(200, {{"version", "a3"}, {"agencies", {"", 7}}});
    return std::nullopt;
  };
  now += SyncEngine::kRoundEveryMs;
  sync_until_quiet(restarted, server, now);
  CHECK(a.store.agencies().size() == 3);
  CHECK(a.store.agencies_version() == "a2");
  CHECK(a.store.quarantine_count() == 1);
  CHECK_THAT(restarted.status().last_error, Catch::Contains("list of agencies"));

  // Past core/agencies.h's limits (a hostile or broken server): kept aside the same way.
  struct Row {
    const char* what;
    Json body;
  };
  Json too_many = Json::array();
  for (std::size_t i = 0; i <= kMostAgencies; ++i) too_many.push_back("Agency " + std::to_string(i));
  const std::vector<Row> rows = {
      {"too many names", {{"version", "a4"}, {"agencies", too_many}}},
      {"a name too long", {{"version", "a5"}, {"agencies", {std::string(kLongestAgencyName + 1, 'x')}}}},
      {"a version too long", {{"version", std::string(kLongestDirectoryVersion + 1, 'v')}, {"agencies", {"Demo Police"}}}},
      {"an empty version", {{"version", ""}, {"agencies", {"Demo Police"}}}},
  };
  std::int64_t kept = a.store.quarantine_count();
  for (const auto& r : rows) {
    INFO(r.what);
    server.script = [&](const HttpRequest& q) -> std::optional<HttpResponse> {
      if (q.path.rfind("/api/agencies", 0) == 0) return json_response(200, r.body);
      return std::nullopt;
    };
    now += SyncEngine::kRoundEveryMs;
    sync_until_quiet(restarted, server, now);
    CHECK(a.store.agencies().size() == 3);
    CHECK(a.store.agencies_version() == "a2");
    CHECK(a.store.quarantine_count() == ++kept);
  }
}

TEST_CASE("a server without the agency directory endpoint: the round goes on without one", "[sync][agencies]") {
  FakeServer server;
  server.has_agencies_endpoint = false;
  std::int64_t now = kStart;
  Device a("sync-no-agencies", 121, kStart);
  SyncEngine sa(a.engine);
  sign_in(sa, server, now);
  a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  sync_until_quiet(sa, server, now);
  CHECK(sa.status().state == SyncState::Idle);
  CHECK(a.store.outbox_count() == 0);
  CHECK(a.store.agencies().empty());
}

TEST_CASE("a refusal naming one bundle holds back that challenge only; the rest of the batch is sent",
          "[sync][errors][agencies]") {
  FakeServer server;
  std::int64_t now = kStart;
  Device a("sync-one-bad", 122, kStart);
  SyncEngine sa(a.engine);
  sign_in(sa, server, now);
  const std::string good1 = a.engine.open(open_body("shropshire-sscp"), kA, kStart);
  const std::string bad = a.engine.open(open_body("bury-sab"), kA, kStart);
  const std::string good2 = a.engine.open(open_body("salford-ssab"), kA, kStart);
  add_comments(a, bad, 1, "on the bad one");
  // The server refuses any push holding `bad`, naming its bundle (as parley-server does).
  server.script = [&](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.path != "/api/push") return std::nullopt;
    Json body = Json::parse(r.body);
    for (std::size_t i = 0; i < body["bundles"].size(); ++i)
      if (body["bundles"][i]["challenge"] == bad) {
        std::string field = "bundles[" + std::to_string(i) + "].events[0].body.challenged.agency";
        return json_response(409, {{"error", {{"code", "agency_not_listed"}, {"field", field},
                                              {"message", field + ": 'Police' is not in the Board's list of agencies"}}}});
      }
    return std::nullopt;
  };
  sync_until_quiet(sa, server, now);
  std::set<std::string> on_server;
  for (const auto& [id, e] : server.events) on_server.insert(e["challenge"].get<std::string>());
  CHECK(on_server == std::set<std::string>{good1, good2});
  CHECK(a.store.outbox_count() == 2);   // the bad opening and its comment, kept
  SyncStatus s = sa.status();
  CHECK(s.state == SyncState::Error);
  CHECK_THAT(s.last_error, Catch::Contains("2 change(s) were refused"));
  CHECK_THAT(s.last_error, Catch::Contains("[agency_not_listed]"));
}
