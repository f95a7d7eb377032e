// tests/fuzz/fuzz_server.cpp — libFuzzer target: the office server's push and pull
// handling (sync/server_store.h), in process, without HTTP.
//
// Model: one ServerStore on an in-memory SQLite database per process, with the fixture
// bundle's agencies and three users signed in: Sam (the fixture's author, on the
// fixture's device), a police officer (the challenged party) and the Board. Each input is a request body: it goes through
// parse_request_body as the HTTP layer does (bad UTF-8 or JSON is refused there), then
//   1. push as Sam, as given;
//   2. push as Sam again with every event of every bundle made Sam's (device, author
//      name, agency, role) and re-hashed (fuzz_support.h), so mutations get past the
//      hash, device and author checks into the rules, the fold and what is stored:
//      parties, stages, the Board's feed;
//   3. pull_text for each user from cursors 0, 1 and the last cursor, limits "" and "1",
//      and with the request's own "cursor", "limit" and "epoch" strings when it has them.
// Contract under test: every refusal is an ApiError; anything else escaping (another
// exception type, a sanitizer report) is a finding, and every pull page is JSON.
// The database is replaced every kRecreateEvery inputs, so it does not grow without bound.
// Seeds: push requests wrapping tests/fixtures/bundles/*.json (tests/fuzz/make_corpus.py).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "sync/server_store.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parley;
using namespace parley::server;

namespace {

constexpr std::int64_t kNow = 1768046400000;   // 2026-01-10 12:00Z, pinned
constexpr int kRecreateEvery = 5000;
const std::string kPassword = "fuzz-password-long-enough";

struct Server {
  std::unique_ptr<ServerStore> store;
  Caller sam, police, board;
  int inputs = 0;
};

std::string author_field(const Json& event, const char* key) {
  const Json& a = event.at("author");
  return a.at(key).get<std::string>();
}

Caller sign_in(ServerStore& s, const std::string& user, const std::string& device) {
  Json r = s.login(Json{{"username", user}, {"password", kPassword}, {"device", device}}, kNow);
  return s.authenticate(r.at("token").get<std::string>(), kNow);
}

void open_server(Server& sv) {
  sv.store.reset();
  sv.store = std::make_unique<ServerStore>(":memory:");
  sv.store->set_log([](const std::string&) {});   // sign-in failures are not findings
  const Json& first = fuzz::fixture_bundles().front().at("events").at(0);
  const Json& opened = first.at("body");
  std::string asc = author_field(first, "agency");
  std::string police = opened.at("challenged").at("agency").get<std::string>();
  for (const std::string& a : {asc, police, std::string("Safeguarding Board")}) sv.store->add_agency(a);
  sv.store->add_user("sam", kPassword, author_field(first, "name"), "Social Worker", asc, "practitioner");
  sv.store->add_user("pc", kPassword, "Pat Constable", "Sergeant", police, "safeguarding_lead");
  sv.store->add_user("board", kPassword, "Bo Manager", "Business Manager", "Safeguarding Board", "board");
  sv.sam = sign_in(*sv.store, "sam", first.at("device").get<std::string>());
  sv.police = sign_in(*sv.store, "pc", "pc-tablet");
  sv.board = sign_in(*sv.store, "board", "board-pc");
  sv.inputs = 0;
}

Server& the_server() {
  static Server sv;
  if (!sv.store || sv.inputs >= kRecreateEvery) open_server(sv);
  ++sv.inputs;
  return sv;
}

// PARLEY_FUZZ_VERBOSE=1 prints each push's answer (to check the harness gets deep).
const bool kVerbose = std::getenv("PARLEY_FUZZ_VERBOSE") != nullptr;

void push(ServerStore& s, const Caller& c, const Json& req, std::size_t bytes) {
  try {
    Json r = s.push(c, req, bytes, kNow);
    if (!r.contains("acked") || !r["acked"].is_array()) fuzz::fail("push answered without an acked list");
    if (kVerbose) std::fprintf(stderr, "push: %s\n", r.dump().c_str());
  } catch (const ApiError& e) {
    if (kVerbose) std::fprintf(stderr, "push: %d %s %s\n", e.status, e.code.c_str(), e.what());
    if (e.status < 400 || e.status > 499) fuzz::fail("push refused with status " + std::to_string(e.status));
  }
}

// Pulls one page; returns its cursor ("" when refused).
std::string pull(ServerStore& s, const Caller& c, std::string_view cursor, std::string_view limit,
                 std::string_view epoch = {}) {
  std::string text;
  try {
    text = s.pull_text(c, cursor, limit, epoch);
  } catch (const ApiError&) {
    return {};
  }
  Json page = fuzz::parse_json(text);
  if (!page.is_object() || !page.contains("cursor") || !page["cursor"].is_string() || !page.contains("bundles"))
    fuzz::fail("pull_text answered a page that is not the protocol's JSON: " + text.substr(0, 200));
  return page["cursor"].get<std::string>();
}

std::string string_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Server& sv = the_server();
  ServerStore& s = *sv.store;
  Json req;
  try {
    req = parse_request_body(fuzz::as_text(data, size));
  } catch (const ApiError&) {
    return 0;   // refused before any handler, as over HTTP
  }

  push(s, sv.sam, req, size);

  if (req.is_object()) {
    if (auto b = req.find("bundles"); b != req.end() && b->is_array()) {
      Json fixed = req;
      fuzz::Rewrite as_sam{sv.sam.device, sv.sam.name, sv.sam.agency, sv.sam.role};
      for (Json& bundle : fixed["bundles"])
        if (bundle.is_object())
          if (auto ev = bundle.find("events"); ev != bundle.end()) fuzz::rehash_events(*ev, as_sam);
      push(s, sv.sam, fixed, fixed.dump().size());
    }
  }

  const std::string cursor = req.is_object() ? string_field(req, "cursor") : std::string();
  const std::string limit = req.is_object() ? string_field(req, "limit") : std::string();
  const std::string epoch = req.is_object() ? string_field(req, "epoch") : std::string();
  for (const Caller* c : {&sv.sam, &sv.police, &sv.board}) {
    std::string next = pull(s, *c, "0", "");
    pull(s, *c, "1", "1");
    if (!next.empty()) pull(s, *c, next, "");
    if (!cursor.empty() || !limit.empty() || !epoch.empty()) pull(s, *c, cursor, limit, epoch);
  }
  return 0;
}
