// tests/core/test_event.cpp — event shape checks, canonical form and tamper detection.
#include <catch2/catch.hpp>

#include <functional>

#include "core/event.h"

using namespace parley;

namespace {
Event sample() {
  Event e;
  e.id = "0123456789abcdef0123456789abcdef";
  e.challenge = "SSCP-ABCD1234";
  e.device = "dev-0011223344556677";
  e.seq = 3;
  e.kind = EventKind::DiscussionRecorded;
  e.at = 1766570400000;
  e.hlc = {1766570400123, 2};
  e.author = {{"name", "Sam Example"}, {"agency", "Northshire Council"}};
  e.parents = {"fedcba9876543210fedcba9876543210"};
  e.parent_hashes = {std::string(64, 'a')};
  e.body = {{"method", "phone"}, {"summary", "Talked it through — café, naïve, 日本"}, {"agreed", false}};
  e.hash = content_hash(e);
  return e;
}
}  // namespace

TEST_CASE("an event survives JSON and keeps its hash", "[event]") {
  Event e = sample();
  Event back = event_from_json(Json::parse(to_json(e).dump()));
  CHECK(back.hash == e.hash);
  CHECK(verify_hash(back));
  CHECK(canonical_text(back) == canonical_text(e));
  CHECK(to_string(back.kind) == "discussion_recorded");
}

TEST_CASE("every event kind has a name that parses back", "[event]") {
  for (auto k : all_event_kinds()) CHECK(parse_event_kind(to_string(k)) == k);
  CHECK_FALSE(parse_event_kind("discussion"));
}

TEST_CASE("changing any field breaks the hash", "[event]") {
  const std::vector<std::pair<const char*, std::function<void(Event&)>>> edits = {
      {"id", [](Event& e) { e.id[0] = '9'; }},
      {"challenge", [](Event& e) { e.challenge = "SSCP-ZZZZ0000"; }},
      {"device", [](Event& e) { e.device = "dev-other"; }},
      {"seq", [](Event& e) { e.seq = 4; }},
      {"kind", [](Event& e) { e.kind = EventKind::Comment; }},
      {"at", [](Event& e) { e.at += 1; }},
      {"hlc", [](Event& e) { e.hlc.counter += 1; }},
      {"author", [](Event& e) { e.author["name"] = "Someone Else"; }},
      {"parents", [](Event& e) { e.parents.clear(); e.parent_hashes.clear(); }},
      {"parent_hashes", [](Event& e) { e.parent_hashes[0][0] = 'b'; }},
      {"body", [](Event& e) { e.body["agreed"] = true; }},
  };
  for (const auto& [field, edit] : edits) {
    Event e = sample();
    edit(e);
    INFO("field " << field);
    CHECK_FALSE(verify_hash(e));
  }
}

TEST_CASE("malformed events are refused with the field named", "[event]") {
  const std::vector<std::tuple<const char*, std::function<void(Json&)>, const char*>> rows = {
      {"missing id", [](Json& j) { j.erase("id"); }, "id: missing"},
      {"short id", [](Json& j) { j["id"] = "abc"; }, "id: must be 32"},
      {"upper-case id", [](Json& j) { j["id"] = "0123456789ABCDEF0123456789ABCDEF"; }, "id: must be 32"},
      {"unknown kind", [](Json& j) { j["kind"] = "deleted"; }, "kind: unknown event kind"},
      {"unknown field", [](Json& j) { j["extra"] = 1; }, "extra: unknown field"},
      {"seq zero", [](Json& j) { j["seq"] = 0; }, "seq: must be 1 or more"},
      {"hlc shape", [](Json& j) { j["hlc"] = 5; }, "hlc: must be"},
      {"parents mismatch", [](Json& j) { j["parent_hashes"] = Json::array(); }, "parents: must be a list matching"},
      {"body not object", [](Json& j) { j["body"] = "text"; }, "body: must be an object"},
      {"fraction", [](Json& j) { j["body"]["score"] = 1.5; }, "body.score: fractional"},
      {"huge text", [](Json& j) { j["body"]["summary"] = std::string(kMaxTextLength + 1, 'x'); }, "body.summary: text longer"},
      {"deep nesting", [](Json& j) { Json v = 1; for (int i = 0; i < 12; ++i) v = Json::array({v}); j["body"]["x"] = v; }, "nested too deeply"},
      {"bad challenge", [](Json& j) { j["challenge"] = "has space"; }, "challenge: must be"},
      {"bad hash", [](Json& j) { j["hash"] = "xyz"; }, "hash: must be a sha256"},
      {"not object", [](Json& j) { j = Json::array(); }, "must be a JSON object"},
  };
  for (const auto& [name, edit, expected] : rows) {
    Json j = to_json(sample());
    edit(j);
    INFO(name);
    CHECK_THROWS_WITH(event_from_json(j), Catch::Contains(expected));
  }
}

TEST_CASE("text that is not UTF-8 cannot be hashed", "[event]") {
  Event e = sample();
  e.body["summary"] = std::string("bad \xff\xfe bytes");
  CHECK_THROWS_AS(canonical_text(e), EventError);
}

TEST_CASE("canonical text sorts keys and has no spaces", "[event]") {
  Event e = sample();
  std::string t = canonical_text(e);
  CHECK(t.find("\"agreed\":false,\"method\":\"phone\"") != std::string::npos);
  CHECK(t.find("\"hash\"") == std::string::npos);
  CHECK(t.find(": ") == std::string::npos);
}
