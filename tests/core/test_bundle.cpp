// tests/core/test_bundle.cpp — JSON case bundles: export/import between devices, merge
// of partial histories, idempotent re-import, refusal of altered or malformed bundles with
// nothing written, and old-version fixtures that must keep importing.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "sync/bundle.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {
const Author kA = practitioner();

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string scripted_challenge(Device& d) {
  std::string id = d.engine.open(open_body("shropshire-sscp"), kA, at("2025-12-24T10:00"));
  d.clock.set(at("2026-01-10T12:00"));
  d.engine.record(id, EventKind::DiscussionRecorded,
                  {{"with", {{{"name", "Jo Sample"}}}}, {"method", "phone"}, {"summary", "Talked"}, {"agreed", false}}, kA,
                  at("2025-12-24T11:00"));
  d.engine.record(id, EventKind::Escalated, {{"reason", "No agreement"}, {"tried", "Phone"}}, kA, at("2025-12-29T09:00"));
  return id;
}
}  // namespace

TEST_CASE("a bundle carries a challenge to another device intact, once", "[bundle]") {
  Device a("bundle-a", 31, at("2025-12-24T10:00")), b("bundle-b", 32, at("2026-01-10T12:00"));
  std::string id = scripted_challenge(a);
  std::string text = to_text(export_bundle(a.engine, id));
  ImportResult first = import_bundle(b.engine, parse_bundle(text));
  CHECK(first.received == 3);
  CHECK(first.added == 3);
  auto as_of = at("2026-01-10T12:00");
  CHECK(to_json(b.engine.view(id, as_of)).dump() == to_json(a.engine.view(id, as_of)).dump());
  CHECK(b.store.outbox_count() == 0);   // received events are not this device's to upload
  ImportResult again = import_bundle(b.engine, parse_bundle(text));
  CHECK(again.added == 0);
  CHECK(b.store.event_count() == 3);
}

TEST_CASE("importing into a database that has some of the events merges", "[bundle]") {
  Device a("merge-a", 33, at("2025-12-24T10:00")), b("merge-b", 34, at("2026-01-10T12:00"));
  std::string id = scripted_challenge(a);
  Bundle partial = export_bundle(a.engine, id);
  partial.events.resize(1);
  import_bundle(b.engine, partial);
  b.engine.record(id, EventKind::Comment, {{"text", "B's own note"}}, kA, at("2026-01-02T09:00"));
  ImportResult r = import_bundle(b.engine, parse_bundle(to_text(export_bundle(a.engine, id))));
  CHECK(r.added == 2);
  CHECK(b.store.event_count() == 4);
  import_bundle(a.engine, parse_bundle(to_text(export_bundle(b.engine, id))));
  auto as_of = at("2026-01-10T12:00");
  CHECK(to_json(a.engine.view(id, as_of)).dump() == to_json(b.engine.view(id, as_of)).dump());
}

TEST_CASE("altered or malformed bundles are refused and nothing is written", "[bundle]") {
  Device a("bad-a", 35, at("2025-12-24T10:00"));
  std::string id = scripted_challenge(a);
  const Json good = Json::parse(to_text(export_bundle(a.engine, id)));
  struct Row {
    const char* name;
    std::function<void(Json&)> edit;
    const char* message;
  };
  const std::vector<Row> rows = {
      {"body edited", [](Json& j) { j["events"][1]["body"]["summary"] = "Edited later"; }, "events[1].hash: does not match"},
      {"author forged", [](Json& j) { j["events"][0]["author"]["name"] = "Someone Else"; }, "events[0].hash"},
      {"hash missing", [](Json& j) { j["events"][2].erase("hash"); }, "events[2].hash: missing"},
      {"other challenge's event", [](Json& j) { j["events"][2]["challenge"] = "SSCP-OTHER123"; }, "is not the bundle's challenge"},
      {"newer version", [](Json& j) { j["version"] = 2; }, "update Parley"},
      {"not a bundle", [](Json& j) { j["format"] = "something-else"; }, "not a Parley bundle"},
      {"events not a list", [](Json& j) { j["events"] = Json::object(); }, "events: missing or not a list"},
      {"no events", [](Json& j) { j["events"] = Json::array(); }, "holds no events"},
      {"unknown kind", [](Json& j) { j["events"][1]["kind"] = "deleted"; }, "events[1].kind"},
      {"parent hash rewritten",
       [](Json& j) {
         // Re-hash a child after changing its parent hash: its own hash is valid but the chain is broken.
         Event e = event_from_json(j["events"][2]);
         e.parent_hashes[0] = std::string(64, '0');
         e.hash = content_hash(e);
         j["events"][2] = to_json(e);
       },
       "broken hash chain"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    Device b("bad-b", 36, at("2026-01-10T12:00"));
    Json j = good;
    r.edit(j);
    CHECK_THROWS_WITH(import_bundle(b.engine, parse_bundle(j.dump())), Catch::Contains(r.message));
    CHECK(b.store.event_count() == 0);
    CHECK(b.store.challenges().empty());
  }
  Device b("bad-json", 37, at("2026-01-10T12:00"));
  CHECK_THROWS_WITH(parse_bundle("{\"format\": \"parley-bundle\", "), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(parse_bundle(""), Catch::Contains("not valid JSON"));
}

TEST_CASE("a stored event that differs from an incoming copy is refused", "[bundle]") {
  Device a("differs-a", 38, at("2025-12-24T10:00")), b("differs-b", 39, at("2026-01-10T12:00"));
  std::string id = scripted_challenge(a);
  import_bundle(b.engine, export_bundle(a.engine, id));
  Bundle forged = export_bundle(a.engine, id);
  forged.events[2].body["reason"] = "Different";
  forged.events[2].hash = content_hash(forged.events[2]);   // self-consistent, but not what B stored
  CHECK_THROWS_WITH(import_bundle(b.engine, forged), Catch::Contains("differs from the copy already stored"));
  CHECK(b.store.event_count() == 3);
}

TEST_CASE("bundles of every released version keep importing", "[bundle][fixtures]") {
  struct Row {
    const char* file;
    const char* challenge;
    int events, stage;
    const char* status;
  };
  const Row rows[] = {{"v1-shropshire.json", "SSCP-5JJSCZCB", 4, 2, "resolved"}};
  for (const auto& r : rows) {
    INFO(r.file);
    Device d("fixture", 40, at("2026-01-10T12:00"));
    Bundle b = parse_bundle(read(std::string(PARLEY_SOURCE_DIR) + "/tests/fixtures/bundles/" + r.file));
    CHECK(import_bundle(d.engine, b).added == static_cast<std::size_t>(r.events));
    ChallengeView v = d.engine.view(r.challenge, at("2026-01-10T12:00"));
    CHECK(v.stage == r.stage);
    CHECK(to_string(v.status) == r.status);
    CHECK(v.working_days_taken == 2);   // 24 Dec -> 30 Dec 2025 across two bank holidays
  }
}
