// tests/core/test_procedure.cpp — the procedure format: the five seeds load, every rule
// quotes its source, broken definitions are refused naming the field, and a Board's own
// file replaces the shipped one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/embedded.h"
#include "core/procedure.h"
#include "tests/support.h"

using namespace parley;

namespace {
Json shipped(const char* id) {
  return Json::parse(embedded_file(std::string("procedures/") + id + ".json"));
}
}  // namespace

TEST_CASE("the five seed procedures load with their stages and sources", "[procedure]") {
  struct Row {
    const char* id;
    int stages;
    int timed_stages;
    const char* audience;
  };
  const Row rows[] = {{"salford-ssab", 4, 0, "adults"},
                      {"buckinghamshire-bsab", 5, 4, "adults"},
                      {"bury-sab", 4, 0, "adults"},
                      {"shropshire-sscp", 5, 5, "both"},
                      {"milton-keynes-mktogether", 4, 2, "both"}};
  ProcedureLibrary lib = ProcedureLibrary::builtin();
  CHECK(lib.all().size() == 5);
  for (const auto& r : rows) {
    INFO(r.id);
    const Procedure* p = lib.find(r.id);
    REQUIRE(p);
    CHECK(static_cast<int>(p->stages.size()) == r.stages);
    int timed = 0;
    for (const auto& s : p->stages) {
      timed += s.timescale ? 1 : 0;
      CHECK_FALSE(s.source.empty());
      if (s.timescale) CHECK_FALSE(s.timescale->source.empty());
      for (const auto& a : s.required_actions) CHECK_FALSE(a.source.empty());
    }
    CHECK(timed == r.timed_stages);
    CHECK(p->board.audience == r.audience);
    CHECK_FALSE(p->forms.empty());
    CHECK_FALSE(p->emergency.text.empty());
    CHECK_FALSE(p->interpretations.empty());
    CHECK(p->digest.size() == 64);
  }
}

TEST_CASE("the readings in the brief are what the data says", "[procedure]") {
  ProcedureLibrary lib = ProcedureLibrary::builtin();
  const Procedure& sh = *lib.find("shropshire-sscp");
  const int expected[] = {2, 4, 5, 7, 9};
  for (int i = 0; i < 5; ++i) {
    INFO("shropshire stage " << i + 1);
    REQUIRE(sh.stages[i].timescale);
    CHECK(sh.stages[i].timescale->amount == expected[i]);
    CHECK(sh.stages[i].timescale->unit == TimeUnit::WorkingDays);
    CHECK(sh.stages[i].timescale->from.type == TimescaleFrom::Type::ChallengeRaised);
  }
  const Procedure& bk = *lib.find("buckinghamshire-bsab");
  CHECK_FALSE(bk.stages[0].timescale);
  for (int i = 1; i < 5; ++i) {
    REQUIRE(bk.stages[i].timescale);
    CHECK(bk.stages[i].timescale->amount == 5);
    CHECK(bk.stages[i].timescale->from.type == TimescaleFrom::Type::StageStarted);
    CHECK(bk.stages[i].timescale->from.stage == 2);
  }
  const Procedure& mk = *lib.find("milton-keynes-mktogether");
  REQUIRE(mk.stages[0].timescale);
  CHECK(mk.stages[0].timescale->unit == TimeUnit::CalendarDays);
  CHECK(mk.stages[0].timescale->amount == 7);
  REQUIRE(mk.stages[2].timescale);
  CHECK(mk.stages[2].timescale->amount == 10);
  CHECK(mk.stages[2].timescale->from.type == TimescaleFrom::Type::Event);
}

TEST_CASE("every procedure's email rules: its notifications, its messages, and the default reminders", "[procedure][messages]") {
  struct Row {
    const char* procedure;
    std::vector<std::string> ids;   // in order
  };
  const Row rows[] = {
      {"shropshire-sscp", {"notify-business-unit-stage-4", "notify-business-unit-stage-5", "reminder", "missed"}},
      {"bury-sab", {"refer-to-board", "reminder", "missed"}},
      {"buckinghamshire-bsab", {"refer-to-independent-chair", "outcome-to-referrer", "reminder", "missed"}},
      {"milton-keynes-mktogether", {"refer-to-assurance-board-chair", "chair-shares-outcome-by-email", "reminder", "missed"}},
      {"salford-ssab", {"refer-to-ssab", "store-outcome-on-adult-record", "reminder", "missed"}},
  };
  for (const auto& r : rows) {
    INFO(r.procedure);
    Procedure p = parse_procedure(shipped(r.procedure).dump());
    std::vector<std::string> ids;
    for (const auto& m : p.messages) ids.push_back(m.id);
    CHECK(ids == r.ids);
  }
  Procedure bury = parse_procedure(shipped("bury-sab").dump());
  CHECK(bury.messages[0].actions_taken);
  CHECK(bury.messages[0].when == MessageRule::When::StageEntered);
  CHECK(bury.messages[0].stage == 4);
  CHECK(bury.messages[0].to == std::vector<std::string>{"contact:safeguarding-adults-board"});
  Procedure salford = parse_procedure(shipped("salford-ssab").dump());
  CHECK(salford.messages[1].to == std::vector<std::string>{"acting"});
  CHECK(salford.messages[1].when == MessageRule::When::OutcomeAgreed);
}

TEST_CASE("broken definitions are refused naming the field", "[procedure]") {
  struct Row {
    const char* name;
    std::function<void(Json&)> edit;
    const char* message;
  };
  const std::vector<Row> rows = {
      {"wrong format", [](Json& j) { j["format"] = "other"; }, "procedure.format: must be"},
      {"future version", [](Json& j) { j["version"] = 2; }, "procedure.version"},
      {"bad id", [](Json& j) { j["id"] = "Shropshire SSCP"; }, "procedure.id: 'Shropshire SSCP' must be"},
      {"unknown field", [](Json& j) { j["timescales"] = 1; }, "procedure.timescales: unknown field"},
      {"no stages", [](Json& j) { j["stages"] = Json::array(); }, "procedure.stages: a procedure needs at least one stage"},
      {"wrong unit", [](Json& j) { j["stages"][1]["timescale"]["unit"] = "weeks"; }, "procedure.stages[1].timescale.unit: 'weeks' is not one of"},
      {"zero amount", [](Json& j) { j["stages"][0]["timescale"]["amount"] = 0; }, "procedure.stages[0].timescale.amount: must be between"},
      {"stage numbers out of order", [](Json& j) { j["stages"][2]["number"] = 7; }, "procedure.stages[2].number"},
      {"missing source", [](Json& j) { j["stages"][0].erase("source"); }, "procedure.stages[0].source: missing"},
      {"unknown role", [](Json& j) { j["stages"][0]["who"]["challenger"][0] = "boss"; }, "'boss' is not one of"},
      {"notification to nobody", [](Json& j) { j["stages"][3]["notifications"][0]["to"] = "nobody"; }, "no board contact has id 'nobody'"},
      {"later stage reference", [](Json& j) { j["stages"][0]["timescale"]["from"] = {{"type", "stage_started"}, {"stage", 3}}; }, "cannot run from a later stage"},
      {"unknown event kind", [](Json& j) { j["stages"][0]["required_actions"][0]["satisfied_by"][0]["kind"] = "waved"; }, "'waved' is not one of"},
      {"duplicate action id", [](Json& j) { j["stages"][1]["required_actions"][0]["id"] = j["stages"][0]["required_actions"][0]["id"]; }, "is used twice"},
      {"region", [](Json& j) { j["board"]["region"] = "wales"; }, "procedure.board.region: 'wales'"},
      {"referral by route id, not kind", [](Json& j) { j["stages"][0]["required_actions"][0]["satisfied_by"] = Json::array({{{"kind", "referred"}, {"route", "court-of-protection"}}}); }, "'court-of-protection' is not one of"},
      {"not an object", [](Json& j) { j = "{"; }, "procedure: must be an object"},
      {"message to nobody", [](Json& j) { j["messages"] = Json::parse(R"([{"id": "m", "when": {"type": "outcome_agreed"}, "to": ["contact:nobody"], "asks": "a", "source": "s"}])"); }, "procedure.messages[0].to: 'contact:nobody' is not a recipient"},
      {"message at an unknown moment", [](Json& j) { j["messages"] = Json::parse(R"([{"id": "m", "when": {"type": "sometimes"}, "to": ["raiser"], "asks": "a", "source": "s"}])"); }, "procedure.messages[0].when.type: 'sometimes' is not one of"},
      {"stage_entered without a stage", [](Json& j) { j["messages"] = Json::parse(R"([{"id": "m", "when": {"type": "stage_entered"}, "to": ["raiser"], "asks": "a", "source": "s"}])"); }, "stage_entered needs a stage"},
      {"message to a stage past the last", [](Json& j) { j["messages"] = Json::parse(R"([{"id": "m", "when": {"type": "stage_entered", "stage": 9}, "to": ["raiser"], "asks": "a", "source": "s"}])"); }, "procedure.messages[0].when.stage: must be between"},
      {"message id used by a notification", [](Json& j) { j["messages"] = Json::parse(R"([{"id": "notify-business-unit-stage-4", "when": {"type": "outcome_agreed"}, "to": ["raiser"], "asks": "a", "source": "s"}])"); }, "message id 'notify-business-unit-stage-4' is used twice"},
      {"include something unknown", [](Json& j) { j["stages"][3]["notifications"][0]["include"] = {"everything"}; }, "'everything' is not something a message can include"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    Json j = shipped("shropshire-sscp");
    r.edit(j);
    CHECK_THROWS_WITH(parse_procedure(j.dump()), Catch::Contains(r.message));
  }
  CHECK_THROWS_WITH(parse_procedure("{ not json"), Catch::Contains("not valid JSON"));
}

TEST_CASE("a Board's own file replaces the shipped procedure of the same id", "[procedure]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("parley-board-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  Json j = shipped("shropshire-sscp");
  for (auto& s : j["stages"]) s["timescale"]["from"] = {{"type", "stage_started"}};
  std::ofstream(dir / "shropshire-sscp.json") << j.dump(2);
  Json extra = shipped("bury-sab");
  extra["id"] = "northshire-sab";
  std::ofstream(dir / "northshire-sab.json") << extra.dump(2);
  ProcedureLibrary lib = ProcedureLibrary::builtin();
  lib.add_directory(dir.string());
  CHECK(lib.all().size() == 6);
  CHECK(lib.find("shropshire-sscp")->stages[2].timescale->from.type == TimescaleFrom::Type::StageStarted);
  CHECK(lib.find("northshire-sab"));
  std::ofstream(dir / "broken.json") << "{}";
  CHECK_THROWS_WITH(lib.add_directory(dir.string()), Catch::Contains("broken.json"));
  fs::remove_all(dir);
}

TEST_CASE("a Board's contacts file fills addresses the document leaves out", "[procedure][contacts]") {
  ProcedureLibrary lib = ProcedureLibrary::builtin();
  const Contact* board = lib.find("bury-sab")->contact("safeguarding-adults-board");
  REQUIRE(board);
  CHECK_FALSE(board->has_address());
  CHECK_THAT(contact_words(*board), Catch::StartsWith("no address is published in the procedure"));
  CHECK(contact_words(*lib.find("milton-keynes-mktogether")->contact("mash")).rfind("web https://", 0) == 0);

  lib.add_contacts(R"({"format": "parley-board-contacts", "version": 1, "procedure": "bury-sab", "contacts": [
      {"id": "safeguarding-adults-board", "email": "board@example.org"},
      {"id": "board-business-unit", "label": "Board business unit", "phone": "0161 000 0000"}]})");
  const Procedure& bury = *lib.find("bury-sab");
  CHECK(contact_words(*bury.contact("safeguarding-adults-board")) ==
        "email board@example.org (from the Board's configuration)");
  CHECK(bury.contact("safeguarding-adults-board")->source == board->source);   // the document's words stay
  REQUIRE(bury.contact("board-business-unit"));
  CHECK(bury.contact("board-business-unit")->phone == "0161 000 0000");

  struct Row {
    const char* name;
    const char* text;
    const char* expect;
  };
  const Row broken[] = {
      {"not JSON", "{", "not valid JSON"},
      {"wrong format", R"({"format": "parley-procedure", "version": 1, "procedure": "bury-sab", "contacts": []})", "contacts.format"},
      {"newer version", R"({"format": "parley-board-contacts", "version": 2, "procedure": "bury-sab", "contacts": []})", "contacts.version"},
      {"unknown procedure", R"({"format": "parley-board-contacts", "version": 1, "procedure": "nope", "contacts": []})", "no procedure 'nope'"},
      {"unknown field", R"({"format": "parley-board-contacts", "version": 1, "procedure": "bury-sab", "contacts": [{"id": "x", "label": "X", "fax": "1"}]})", "contacts.contacts[0].fax"},
      {"new contact without a label", R"({"format": "parley-board-contacts", "version": 1, "procedure": "bury-sab", "contacts": [{"id": "new-one", "email": "a@example.org"}]})", "contacts.contacts[0].label"},
      {"bad id", R"({"format": "parley-board-contacts", "version": 1, "procedure": "bury-sab", "contacts": [{"id": "Bad Id", "label": "X"}]})", "contacts.contacts[0].id"},
  };
  for (const auto& row : broken) {
    CAPTURE(row.name);
    CHECK_THROWS_WITH(lib.add_contacts(row.text), Catch::Contains(row.expect));
  }
}

TEST_CASE("timescales end at the end of the UK day, or after elapsed hours", "[procedure]") {
  struct Row {
    int amount;
    TimeUnit unit;
    const char* from;
    const char* end;   // UTC
  };
  const Row rows[] = {
      {2, TimeUnit::WorkingDays, "2025-12-24T10:00", "2025-12-30T23:59:59Z"},
      {5, TimeUnit::WorkingDays, "2026-04-02T10:00", "2026-04-13T22:59:59Z"},   // Easter; BST
      {7, TimeUnit::CalendarDays, "2026-10-20T10:00", "2026-10-27T23:59:59Z"},  // clocks back 25 Oct
      {48, TimeUnit::Hours, "2026-01-05T09:30", "2026-01-07T09:30:00Z"},
  };
  for (const auto& r : rows) {
    Timescale t;
    t.amount = r.amount;
    t.unit = r.unit;
    INFO(r.from);
    // End of day is 23:59:59.999 local; compare to the second.
    CHECK(timescale_end(t, Region::EnglandAndWales, parley::test::at(r.from)) / 1000 == parley::test::at(r.end) / 1000);
  }
}
