// tests/cli/test_cli.cpp — the `parley` command-line tool end to end, through the real
// binary (PARLEY_BINARY): stdout, stderr (captured separately) and exit codes, with
// temporary database files and a pinned clock (PARLEY_NOW). Synthetic people only.
//
// The contract under test (tools/cli/main.cpp): output on stdout, --json parses; an error
// is one line on stderr starting "parley: ", exit 2 for a usage mistake and 1 otherwise,
// and a failed command writes nothing (a database it had to create is removed again).
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/encryption.h"
#include "tests/support.h"

using nlohmann::json;
using parley::test::TempFile;

namespace {

// The clock every command sees unless a test says otherwise: after every --at used below
// (the engine refuses times more than a day in the future).
const char* kNow = "2026-01-20T12:00";

const std::vector<std::string> kProcedureIds = {"buckinghamshire-bsab", "bury-sab", "milton-keynes-mktogether",
                                                "salford-ssab", "shropshire-sscp"};

using parley::test::slurp;

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool exists(const std::string& path) { return std::filesystem::exists(path); }

using Result = parley::test::RunResult;

Result run_cli(const std::vector<std::string>& args, const std::string& now = kNow) {
  return parley::test::run_program(PARLEY_BINARY, args, now);
}

// Runs a command that must succeed; returns stdout.
std::string ok(const std::vector<std::string>& args, const std::string& now = kNow) {
  Result r = run_cli(args, now);
  INFO("parley " << r.command << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.out;
}

json ok_json(std::vector<std::string> args, const std::string& now = kNow) {
  args.push_back("--json");
  std::string out = ok(args, now);
  INFO("stdout: " << out);
  json j;
  REQUIRE_NOTHROW(j = json::parse(out));
  return j;
}

// An error: the exit code, nothing on stdout, exactly one line on stderr starting
// "parley: " and containing `needle`.
void check_error(const Result& r, int code, const std::string& needle) {
  INFO("parley " << r.command << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("parley: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK((!r.err.empty() && r.err.back() == '\n'));
  CHECK_THAT(r.err, Catch::Contains(needle));
}

bool no_db_files(const std::string& path) { return !exists(path) && !exists(path + "-journal"); }

json show(const std::string& db, const std::string& id, const std::string& as_of) {
  return ok_json({"--db", db, "challenge", "show", id, "--as-of", as_of});
}

const json& required_action(const json& view, const std::string& id) {
  for (const auto& a : view.at("required_actions"))
    if (a.at("id") == id) return a;
  static const json none = {{"done", false}, {"notification", false}};
  FAIL_CHECK("no required action '" << id << "' at stage " << view.at("stage"));
  return none;
}

bool done(const json& view, const std::string& id) { return required_action(view, id).at("done").get<bool>(); }

// Options for a minimal valid `challenge open` (synthetic people).
std::vector<std::string> open_args(const std::string& db, const std::string& procedure, const std::string& imminent,
                                   const std::string& at) {
  return {"--db", db, "challenge", "open", "--procedure", procedure, "--imminent-risk", imminent,
          "--subject-name", "Alex Testperson", "--subject-kind", "adult",
          "--challenger-name", "Sam Example", "--challenger-agency", "Northshire Council",
          "--challenger-job-title", "Social Worker",
          "--challenged-agency", "Northshire Community Health NHS Trust", "--challenged-name", "Jo Sample",
          "--category", "response_to_referral", "--summary", "Referral for a care review closed without contact.",
          "--at", at};
}

std::string open_challenge(const std::string& db, const std::string& procedure, const std::string& at,
                           const std::string& imminent = "no") {
  json j = ok_json(open_args(db, procedure, imminent, at));
  return j.at("challenge").get<std::string>();
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<std::string> kAs = {"--as", "Sam Example", "--as-agency", "Northshire Council"};

std::vector<std::string> escalate(const std::string& db, const std::string& id, const std::string& at) {
  return cat({"--db", db, "challenge", "escalate", id, "--reason", "Not resolved at this stage", "--tried",
              "Discussion by phone", "--at", at},
             kAs);
}

std::vector<std::string> discussion(const std::string& db, const std::string& id, const std::string& at,
                                    const std::string& method = "phone",
                                    const std::string& summary = "Discussed the referral; no agreement.") {
  return cat({"--db", db, "challenge", "record-discussion", id, "--with",
              "Jo Sample|Community Nurse|Northshire Community Health NHS Trust", "--method", method, "--summary",
              summary, "--agreed", "no", "--at", at},
             kAs);
}

std::vector<std::string> outcome(const std::string& db, const std::string& id, const std::string& at) {
  return cat({"--db", db, "challenge", "record-outcome", id, "--outcome", "Care review reopened; joint visit booked.",
              "--at", at},
             kAs);
}

}  // namespace

// ---- procedures ------------------------------------------------------------------------

TEST_CASE("procedures lists the five shipped procedures, as text and JSON", "[cli]") {
  std::string text = ok({"procedures"});
  for (const auto& id : kProcedureIds) {
    INFO(id);
    CHECK((text.rfind(id + " ", 0) == 0 || text.find("\n" + id + " ") != std::string::npos));
  }
  CHECK(std::count(text.begin(), text.end(), '\n') == 5);

  json list = ok_json({"procedures"});
  REQUIRE(list.is_array());
  std::vector<std::string> ids;
  for (const auto& p : list) ids.push_back(p.at("id"));
  std::sort(ids.begin(), ids.end());
  CHECK(ids == kProcedureIds);
  for (const auto& p : list) {
    CHECK(p.at("region") == "england-and-wales");
    CHECK(p.at("stages").get<int>() >= 4);
  }
}

TEST_CASE("procedure show prints each procedure as text and as its JSON file", "[cli]") {
  json list = ok_json({"procedures"});
  for (const auto& entry : list) {
    std::string id = entry.at("id");
    INFO(id);
    std::string text = ok({"procedure", "show", id});
    CHECK(text.rfind(id + " — " + entry.at("board").get<std::string>() + "\n", 0) == 0);
    CHECK_THAT(text, Catch::Contains("\nStages\n"));
    CHECK_THAT(text, Catch::Contains("If anyone is at imminent risk:"));
    CHECK_THAT(text, Catch::Contains("999"));
    CHECK_THAT(text, Catch::Contains("  1. "));
    if (id == "salford-ssab") CHECK_THAT(text, Catch::Contains("0161 206 0604"));   // its contact team

    json p = ok_json({"procedure", "show", id});
    CHECK(p.at("id") == id);
    CHECK(p.at("board").at("name") == entry.at("board"));
    CHECK(p.at("stages").size() == entry.at("stages").get<std::size_t>());
  }
  check_error(run_cli({"procedure", "show", "nowhere-sab"}), 2, "unknown procedure 'nowhere-sab'");
}

TEST_CASE("procedure validate accepts shipped files and names the field in broken copies", "[cli]") {
  std::map<std::string, int> stages;
  for (const auto& p : ok_json({"procedures"})) stages[p.at("id")] = p.at("stages");
  for (const auto& id : kProcedureIds) {
    INFO(id);
    TempFile copy("parley-cli-proc-" + id);
    spit(copy.path, slurp(std::string(PARLEY_SOURCE_DIR) + "/procedures/" + id + ".json"));
    std::string out = ok({"procedure", "validate", copy.path});
    CHECK(out == copy.path + ": valid procedure '" + id + "' (" + std::to_string(stages[id]) + " stages)\n");
    json j = ok_json({"procedure", "validate", copy.path});
    CHECK(j.at("valid") == true);
    CHECK(j.at("id") == id);
  }

  const std::string shipped = slurp(std::string(PARLEY_SOURCE_DIR) + "/procedures/shropshire-sscp.json");
  REQUIRE(!shipped.empty());
  auto edited = [&](auto change) {
    json p = json::parse(shipped);
    change(p);
    return p.dump(2);
  };
  struct Broken {
    const char* name;
    std::string text;
    const char* needle;   // the field (or problem) the message must name
  };
  const std::vector<Broken> table = {
      {"invalid JSON (truncated)", shipped.substr(0, shipped.size() / 2), "not valid JSON"},
      {"wrong unit", edited([](json& p) { p["stages"][2]["timescale"]["unit"] = "weeks"; }),
       "stages[2].timescale.unit"},
      {"missing stages", edited([](json& p) { p.erase("stages"); }), "procedure.stages"},
      {"no stages at all", edited([](json& p) { p["stages"] = json::array(); }), "procedure.stages"},
      {"unknown top-level field", edited([](json& p) { p["colour"] = "blue"; }), "procedure.colour"},
      {"unknown stage field", edited([](json& p) { p["stages"][0]["colour"] = "blue"; }), "stages[0].colour"},
  };
  for (const auto& b : table) {
    INFO(b.name);
    TempFile file("parley-cli-broken");
    spit(file.path, b.text);
    Result r = run_cli({"procedure", "validate", file.path});
    check_error(r, 1, b.needle);
    CHECK_THAT(r.err, Catch::Contains(file.path));
  }
  check_error(run_cli({"procedure", "validate", "/nonexistent-parley-dir/p.json"}), 1, "cannot read");
}

// ---- calendar ---------------------------------------------------------------------------

TEST_CASE("calendar add-working-days follows each region's bank holidays", "[cli]") {
  struct Row {
    const char *region, *from;
    int days;
    const char *expected, *why;
  };
  const std::vector<Row> table = {
      {"england-and-wales", "2025-12-24", 2, "2025-12-30", "25, 26 Dec and the weekend skipped"},
      {"england-and-wales", "2025-12-24", 0, "2025-12-24", "0 days is the day itself"},
      {"england-and-wales", "2025-12-27", 1, "2025-12-29", "from a Saturday, Monday is day 1"},
      {"england-and-wales", "2025-04-17", 1, "2025-04-22", "Good Friday and Easter Monday 2025"},
      {"scotland", "2025-04-17", 1, "2025-04-21", "Scotland: Good Friday only, Easter Monday works"},
      {"england-and-wales", "2025-04-17", 2, "2025-04-23", "Easter 2025, two days"},
      {"scotland", "2025-04-17", 2, "2025-04-22", "Easter 2025, two days, Scotland"},
      {"northern-ireland", "2025-03-14", 1, "2025-03-18", "St Patrick's Day, Mon 17 Mar 2025"},
      {"england-and-wales", "2025-03-14", 1, "2025-03-17", "17 Mar is a working day in E&W"},
      {"scotland", "2025-12-31", 1, "2026-01-05", "1 and 2 January in Scotland"},
      {"england-and-wales", "2025-12-31", 1, "2026-01-02", "only 1 January in E&W"},
      {"england-and-wales", "2022-09-16", 1, "2022-09-20", "state funeral 19 Sep 2022"},
  };
  for (const auto& row : table) {
    INFO(row.region << " " << row.from << " +" << row.days << ": " << row.why);
    std::string out = ok({"calendar", "add-working-days", "--region", row.region, "--from", row.from, "--days",
                          std::to_string(row.days)});
    CHECK(out == std::string(row.expected) + "\n");
  }
  json j = ok_json({"calendar", "add-working-days", "--region", "england-and-wales", "--from", "2025-12-24", "--days", "2"});
  CHECK(j.at("date") == "2025-12-30");
  CHECK(j.at("days") == 2);
}

TEST_CASE("calendar holidays lists a region's year, one-off days included", "[cli]") {
  std::string scot = ok({"calendar", "holidays", "--region", "scotland", "--year", "2022"});
  CHECK_THAT(scot, Catch::Contains("2022-09-19"));
  CHECK_THAT(scot, Catch::Contains("2022-11-30"));   // St Andrew's Day
  std::string ew = ok({"calendar", "holidays", "--region", "england-and-wales", "--year", "2022"});
  CHECK_THAT(ew, Catch::Contains("2022-09-19"));
  CHECK_THAT(ew, !Catch::Contains("2022-11-30"));

  json hols = ok_json({"calendar", "holidays", "--region", "scotland", "--year", "2022"});
  bool found = false;
  for (const auto& h : hols)
    if (h.at("date") == "2022-09-19") found = h.at("one_off").get<bool>();
  CHECK(found);
}

TEST_CASE("calendar refuses a bad region, date or count with exit 2", "[cli]") {
  struct Row {
    std::vector<std::string> args;
    const char* needle;
  };
  const std::vector<Row> table = {
      {{"calendar", "add-working-days", "--region", "wales", "--from", "2025-12-24", "--days", "2"}, "--region"},
      {{"calendar", "add-working-days", "--region", "scotland", "--from", "2025-02-30", "--days", "2"}, "--from"},
      {{"calendar", "add-working-days", "--region", "scotland", "--from", "2025/12/24", "--days", "2"}, "--from"},
      {{"calendar", "add-working-days", "--region", "scotland", "--from", "2025-12-24", "--days", "-1"}, "--days"},
      {{"calendar", "add-working-days", "--region", "scotland", "--from", "2025-12-24", "--days", "two"}, "--days"},
      {{"calendar", "add-working-days", "--region", "scotland", "--from", "2025-12-24"}, "--days"},
      {{"calendar", "holidays", "--region", "mars", "--year", "2022"}, "--region"},
      {{"calendar", "holidays", "--region", "scotland", "--year", "twenty"}, "--year"},
      {{"calendar", "holidays", "--region", "scotland", "--year", "2022", "--days", "3"}, "--days"},
  };
  for (const auto& row : table) check_error(run_cli(row.args), 2, row.needle);
}

// ---- deadlines --------------------------------------------------------------------------

TEST_CASE("deadline for each Shropshire stage from Mon 22 Dec 2025", "[cli]") {
  // Shropshire counts maximum working days from the challenge being raised (2, 4, 5, 7, 9),
  // england-and-wales bank holidays. From Mon 22 Dec 2025 (the day itself never counts):
  //   Tue 23 Dec = 1, Wed 24 Dec = 2, Thu 25 + Fri 26 Dec bank holidays, Sat 27 / Sun 28,
  //   Mon 29 = 3, Tue 30 = 4, Wed 31 = 5, Thu 1 Jan 2026 bank holiday, Fri 2 Jan = 6,
  //   Sat 3 / Sun 4, Mon 5 Jan = 7, Tue 6 = 8, Wed 7 Jan = 9.
  const std::vector<std::pair<int, std::string>> table = {
      {1, "2025-12-24"}, {2, "2025-12-30"}, {3, "2025-12-31"}, {4, "2026-01-05"}, {5, "2026-01-07"}};
  for (const auto& [stage, expected] : table) {
    INFO("stage " << stage);
    std::vector<std::string> args = {"deadline", "--procedure", "shropshire-sscp", "--stage", std::to_string(stage),
                                     "--from", "2025-12-22"};
    CHECK(ok(args) == expected + "\n");
    json j = ok_json(args);
    CHECK(j.at("date") == expected);
    CHECK(j.at("stage") == stage);
  }
  json j = ok_json({"deadline", "--procedure", "shropshire-sscp", "--stage", "2", "--from", "2025-12-22"});
  CHECK_THAT(j.at("words").get<std::string>(), Catch::Contains("25, 26 Dec are bank holidays"));
}

TEST_CASE("deadline where a procedure sets no timescale, or calendar days", "[cli]") {
  std::string bucks = ok({"deadline", "--procedure", "buckinghamshire-bsab", "--stage", "1", "--from", "2025-12-22"});
  CHECK_THAT(bucks, Catch::StartsWith("Stage 1 of buckinghamshire-bsab"));
  CHECK_THAT(bucks, Catch::Contains("sets no timescale"));
  CHECK_THAT(bucks, !Catch::Contains("2025-"));

  std::string salford = ok({"deadline", "--procedure", "salford-ssab", "--stage", "1", "--from", "2025-12-22"});
  CHECK_THAT(salford, Catch::StartsWith("Stage 1 of salford-ssab ("));
  CHECK_THAT(salford, Catch::EndsWith("sets no timescale: Parley shows the time elapsed instead.\n"));
  json sj = ok_json({"deadline", "--procedure", "salford-ssab", "--stage", "1", "--from", "2025-12-22"});
  CHECK(sj.at("timescale").is_null());

  // Milton Keynes stage 1: 7 calendar days, bank holidays and weekends included.
  CHECK(ok({"deadline", "--procedure", "milton-keynes-mktogether", "--stage", "1", "--from", "2025-12-22"}) ==
        "2025-12-29\n");
  json mk = ok_json({"deadline", "--procedure", "milton-keynes-mktogether", "--stage", "1", "--from", "2025-12-22"});
  CHECK_THAT(mk.at("timescale").get<std::string>(), Catch::Contains("7 days"));

  check_error(run_cli({"deadline", "--procedure", "nowhere-sab", "--stage", "1", "--from", "2025-12-22"}), 2,
              "unknown procedure 'nowhere-sab'");
  check_error(run_cli({"deadline", "--procedure", "salford-ssab", "--stage", "9", "--from", "2025-12-22"}), 2,
              "not 9");
  check_error(run_cli({"deadline", "--procedure", "salford-ssab", "--stage", "1", "--from", "22/12/2025"}), 2, "--from");
}

// ---- a whole challenge ------------------------------------------------------------------

TEST_CASE("a Shropshire challenge from opening to closing", "[cli]") {
  TempFile db("parley-cli-shropshire");
  // One person records every stage here, so at a level that acts at all five (a practitioner
  // may not record stage 2's escalation or stage 5's outcome: tests/core/test_procedure_rules.cpp).
  ok({"--db", db.path, "identity", "set", "--name", "Sam Example", "--agency", "Northshire Council", "--job-title",
      "Assistant Director", "--role", "director"});

  json proc = ok_json({"procedure", "show", "shropshire-sscp"});
  std::string business_unit;
  for (const auto& c : proc.at("board").at("contacts"))
    if (c.value("email", "").find("businessunit") != std::string::npos) business_unit = c.at("id");
  REQUIRE(!business_unit.empty());

  // Raised Mon 22 Dec 2025, 09:00 (GMT, so UK local = UTC throughout).
  std::string id = open_challenge(db.path, "shropshire-sscp", "2025-12-22T09:00");
  CHECK_THAT(id, Catch::StartsWith("SSCP-"));

  json v = show(db.path, id, "2025-12-22T12:00");
  CHECK(v.at("id") == id);
  CHECK(v.at("status") == "open");
  CHECK(v.at("stage") == 1);
  CHECK(v.at("deadline").at("due_date") == "2025-12-24");
  CHECK(v.at("deadline").at("overdue") == false);
  CHECK(v.at("overdue") == false);
  CHECK(v.at("imminent_risk_guidance_shown") == false);
  CHECK(v.at("resolution").is_null());
  CHECK_FALSE(done(v, "raise-with-professional"));
  CHECK(show(db.path, id, "2025-12-25T00:00").at("overdue") == true);   // due end of Wed 24 Dec

  // Stage 1: the discussion with the professional.
  ok(discussion(db.path, id, "2025-12-23T10:00"));
  CHECK(done(show(db.path, id, "2025-12-23T12:00"), "raise-with-professional"));

  // Stage 2: line manager. Due 4 working days from raising: Tue 30 Dec.
  json rec = ok_json(escalate(db.path, id, "2025-12-24T10:00"));
  CHECK(rec.at("stage") == 2);
  CHECK(rec.at("status") == "open");
  ok(cat(discussion(db.path, id, "2025-12-29T10:00"), {"--fulfils", "ascertain-facts"}));
  v = show(db.path, id, "2025-12-29T12:00");
  CHECK(v.at("stage") == 2);
  CHECK(v.at("deadline").at("due_date") == "2025-12-30");
  CHECK(done(v, "ascertain-facts"));
  CHECK(done(v, "discuss-with-equivalent-manager-stage-2"));
  CHECK_FALSE(done(v, "confirm-agreement-in-writing-stage-2"));

  // Stage 3 (due Wed 31 Dec), then stage 4 (due Mon 5 Jan 2026).
  CHECK(ok_json(escalate(db.path, id, "2025-12-30T10:00")).at("stage") == 3);
  CHECK(show(db.path, id, "2025-12-30T12:00").at("deadline").at("due_date") == "2025-12-31");
  CHECK(ok_json(escalate(db.path, id, "2025-12-31T10:00")).at("stage") == 4);
  v = show(db.path, id, "2025-12-31T12:00");
  CHECK(v.at("deadline").at("due_date") == "2026-01-05");
  CHECK_FALSE(done(v, "notify-business-unit-stage-4"));
  CHECK(required_action(v, "notify-business-unit-stage-4").at("notification") == true);

  // Stage 4 requires notifying the Partnership business unit.
  ok(cat({"--db", db.path, "challenge", "notify", id, "--to", business_unit, "--reason",
          "The disagreement has reached stage 4", "--at", "2026-01-02T10:00"},
         kAs));
  v = show(db.path, id, "2026-01-05T23:00");
  CHECK(done(v, "notify-business-unit-stage-4"));
  CHECK(v.at("overdue") == false);
  CHECK(v.at("deadline").at("overdue") == false);
  v = show(db.path, id, "2026-01-06T00:00");
  CHECK(v.at("overdue") == true);
  CHECK(v.at("deadline").at("overdue") == true);
  json list = ok_json({"--db", db.path, "challenge", "list", "--as-of", "2026-01-06T00:00"});
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("overdue") == true);
  CHECK(ok_json({"--db", db.path, "challenge", "list", "--as-of", "2026-01-05T12:00"})[0].at("overdue") == false);

  // Stage 5: Assistant Director, due Wed 7 Jan. A meeting of the agencies, the business unit again.
  CHECK(ok_json(escalate(db.path, id, "2026-01-05T15:00")).at("stage") == 5);
  ok(discussion(db.path, id, "2026-01-06T10:00", "meeting", "Meeting of the agencies convened and held."));
  ok(cat({"--db", db.path, "challenge", "notify", id, "--to", business_unit, "--reason", "Stage 5 escalation", "--at",
          "2026-01-06T11:00"},
         kAs));
  v = show(db.path, id, "2026-01-08T09:00");
  CHECK(v.at("stage") == 5);
  CHECK(v.at("deadline").at("due_date") == "2026-01-07");
  CHECK(v.at("overdue") == true);
  CHECK(done(v, "convene-meeting-of-agencies"));
  CHECK(done(v, "notify-business-unit-stage-5"));
  CHECK_FALSE(done(v, "review-and-conclude"));
  CHECK_FALSE(done(v, "inform-director"));

  // There is no stage 6.
  json before = show(db.path, id, "2026-01-08T09:00");
  check_error(run_cli(escalate(db.path, id, "2026-01-07T09:00")), 1, "last stage");
  CHECK(show(db.path, id, "2026-01-08T09:00") == before);

  // The outcome, on Wed 7 Jan: resolved at stage 5, no longer overdue.
  rec = ok_json(outcome(db.path, id, "2026-01-07T16:00"));
  CHECK(rec.at("status") == "resolved");
  v = show(db.path, id, "2026-01-08T09:00");
  CHECK(v.at("status") == "resolved");
  CHECK(v.at("overdue") == false);
  CHECK(v.at("deadline").at("overdue") == false);
  CHECK(done(v, "review-and-conclude"));
  // 22 Dec 2025 -> 7 Jan 2026: working days in (22 Dec, 7 Jan] are 23, 24, 29, 30, 31 Dec,
  // 2, 5, 6, 7 Jan = 9; calendar days 16.
  REQUIRE(v.at("resolution").is_object());
  CHECK(v.at("resolution").at("stage") == 5);
  CHECK(v.at("resolution").at("working_days") == 9);
  CHECK(v.at("resolution").at("calendar_days") == 16);

  // Escalating after the outcome is not a transition the procedure allows.
  before = v;
  check_error(run_cli(escalate(db.path, id, "2026-01-08T09:00")), 1, "outcome is already agreed");
  CHECK(show(db.path, id, "2026-01-08T09:00") == before);

  ok(cat({"--db", db.path, "challenge", "feedback", id, "--to", "All parties", "--summary",
          "Decision confirmed in writing to all parties.", "--at", "2026-01-08T10:00"},
         kAs));
  CHECK(done(show(db.path, id, "2026-01-08T12:00"), "confirm-decision-in-writing"));

  ok({"--db", db.path, "challenge", "sign", id, "--side", "challenger", "--name", "Pat Manager", "--job-title",
      "Team Manager", "--agency", "Northshire Council", "--date", "2026-01-08", "--at", "2026-01-08T11:00"});
  ok({"--db", db.path, "challenge", "sign", id, "--side", "challenged", "--name", "Chris Lead", "--job-title",
      "Safeguarding Lead", "--agency", "Northshire Community Health NHS Trust", "--date", "2026-01-08", "--at",
      "2026-01-08T11:30"});
  // Closing with stage 5's items open is refused, quoting the procedure, and writes nothing;
  // with a reason for going ahead it closes, and the reason is kept.
  json open_view = show(db.path, id, "2026-01-20T12:00");
  check_error(run_cli({"--db", db.path, "challenge", "close", id, "--reason", "Resolved at stage 5", "--at",
                       "2026-01-09T10:00"}),
              1, "SSCP says: \"Inform their Director (or equivalent)\"");
  CHECK(show(db.path, id, "2026-01-20T12:00") == open_view);
  ok({"--db", db.path, "challenge", "close", id, "--reason", "Resolved at stage 5", "--override-reason",
      "The Director was told in person; records were reviewed outside Parley.", "--at", "2026-01-09T10:00"});

  v = show(db.path, id, "2026-01-20T12:00");
  CHECK(v.at("status") == "closed");
  CHECK(v.at("stage") == 5);
  CHECK(v.at("overdue") == false);
  CHECK(v.at("signatures").contains("challenger"));
  CHECK(v.at("signatures").contains("challenged"));
  CHECK(v.at("resolution").at("stage") == 5);
  CHECK(v.at("resolution").at("working_days") == 9);
  CHECK(v.at("resolution").at("calendar_days") == 16);
  std::vector<std::string> kinds;
  for (const auto& e : v.at("timeline")) kinds.push_back(e.at("kind"));
  CHECK(kinds == std::vector<std::string>{"challenge_opened", "discussion_recorded", "escalated",
                                          "discussion_recorded", "escalated", "escalated", "notification_sent",
                                          "escalated", "discussion_recorded", "notification_sent", "outcome_agreed",
                                          "feedback_given", "record_signed", "record_signed", "closed"});

  std::string text = ok({"--db", db.path, "challenge", "show", id, "--as-of", "2026-01-20T12:00"});
  CHECK_THAT(text, Catch::Contains("Resolution:  at stage 5, 9 working days (16 calendar days)"));

  list = ok_json({"--db", db.path, "challenge", "list"});
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("id") == id);
  CHECK(list[0].at("procedure") == "shropshire-sscp");
  CHECK(list[0].at("status") == "closed");
  CHECK(list[0].at("stage") == 5);
  CHECK(list[0].at("overdue") == false);
  CHECK(list[0].at("subject") == "Alex Testperson");
  CHECK(list[0].at("challenger_agency") == "Northshire Council");
}

// `list --missed`: only challenges where a timescale was missed or the current one is
// overdue (Salford sets no timescale, so its challenge never is).
TEST_CASE("challenge list --missed keeps only challenges that missed a timescale", "[cli]") {
  TempFile db("parley-cli-missed");
  std::string late = open_challenge(db.path, "shropshire-sscp", "2026-01-12T09:00");   // stage 1 due Wed 14 Jan
  std::string untimed = open_challenge(db.path, "salford-ssab", "2026-01-12T09:00");
  CHECK(ok_json({"--db", db.path, "challenge", "list"}).size() == 2);
  json missed = ok_json({"--db", db.path, "challenge", "list", "--missed"});
  REQUIRE(missed.size() == 1);
  CHECK(missed[0].at("id") == late);
  CHECK(missed[0].at("missed_timescale") == true);
  CHECK(ok_json({"--db", db.path, "challenge", "list", "--missed", "--as-of", "2026-01-13T09:00"}).empty());
  CHECK(untimed != late);
}

TEST_CASE("imminent risk: the Board's emergency guidance is shown and recorded", "[cli]") {
  for (const auto& procedure : kProcedureIds) {
    INFO(procedure);
    TempFile db("parley-cli-imminent");
    std::string guidance = ok_json({"procedure", "show", procedure}).at("emergency_guidance").at("text");
    std::string out = ok(open_args(db.path, procedure, "yes", "2026-01-12T09:00"));
    CHECK_THAT(out, Catch::StartsWith("IMMINENT RISK"));
    CHECK_THAT(out, Catch::Contains(guidance));
    CHECK_THAT(out, Catch::Contains("999"));
    CHECK_THAT(out, Catch::Contains("(Recorded that this guidance was shown.)\nOpened "));
    REQUIRE(out.rfind("Opened ") != std::string::npos);
    std::string id = out.substr(out.rfind("Opened ") + 7);
    REQUIRE(!id.empty());
    id.pop_back();   // the newline
    json v = show(db.path, id, "2026-01-12T12:00");
    CHECK(v.at("imminent_risk_guidance_shown") == true);
    bool recorded = false;
    for (const auto& e : v.at("timeline")) recorded = recorded || e.at("kind") == "imminent_risk_guidance_shown";
    CHECK(recorded);
  }

  TempFile db("parley-cli-imminent-json");
  json opened = ok_json(open_args(db.path, "salford-ssab", "yes", "2026-01-12T09:00"));
  CHECK(opened.at("imminent_risk_guidance_shown") == true);
  CHECK(show(db.path, opened.at("challenge"), "2026-01-12T12:00").at("imminent_risk_guidance_shown") == true);

  TempFile calm("parley-cli-no-imminent");
  std::string out = ok(open_args(calm.path, "salford-ssab", "no", "2026-01-12T09:00"));
  CHECK_THAT(out, Catch::StartsWith("Opened "));
  CHECK_THAT(out, !Catch::Contains("999"));
}

// ---- bundles ----------------------------------------------------------------------------

TEST_CASE("export and import carry a challenge between databases exactly", "[cli]") {
  TempFile source("parley-cli-export"), target("parley-cli-import"), bundle("parley-cli-bundle");
  const std::string marker = "Spoke by phone about the closed referral; no agreement reached.";
  std::string id = open_challenge(source.path, "shropshire-sscp", "2026-01-05T09:00");
  ok(discussion(source.path, id, "2026-01-05T14:00", "phone", marker));
  ok(escalate(source.path, id, "2026-01-06T10:00"));
  ok(outcome(source.path, id, "2026-01-07T10:00"));

  Result exported = run_cli({"--db", source.path, "export", id, "--out", bundle.path});
  REQUIRE(exported.code == 0);
  CHECK(exported.out.empty());
  CHECK(exported.err == "Wrote " + bundle.path + "\n");
  CHECK(ok({"--db", source.path, "export", id}) == slurp(bundle.path));   // stdout is the same bundle

  std::string imported = ok({"--db", target.path, "import", bundle.path});
  CHECK(imported == "Imported " + id + ": 4 events received, 4 new\n");
  const std::string as_of = "2026-01-08T12:00";
  json original = show(source.path, id, as_of);
  CHECK(show(target.path, id, as_of) == original);
  CHECK(ok_json({"--db", target.path, "challenge", "list", "--as-of", as_of}) ==
        ok_json({"--db", source.path, "challenge", "list", "--as-of", as_of}));

  CHECK(ok({"--db", target.path, "import", bundle.path}) == "Imported " + id + ": 4 events received, 0 new\n");
  json again = ok_json({"--db", target.path, "import", bundle.path});
  CHECK(again.at("added") == 0);
  CHECK(again.at("received") == 4);
  CHECK(show(target.path, id, as_of) == original);

  // One byte of one event body changed: refused, and nothing is written anywhere.
  std::string text = slurp(bundle.path);
  auto at = text.find(marker);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(marker, at + 1) == std::string::npos);
  std::string tampered = text;
  tampered[at] = 'T';   // "Spoke" -> "Tpoke"
  REQUIRE(tampered.size() == text.size());
  REQUIRE(std::mismatch(text.begin(), text.end(), tampered.begin()).first - text.begin() == std::ptrdiff_t(at));
  TempFile bad("parley-cli-tampered");
  spit(bad.path, tampered);

  std::string target_bytes = slurp(target.path);
  json target_list = ok_json({"--db", target.path, "challenge", "list", "--as-of", as_of});
  Result r = run_cli({"--db", target.path, "import", bad.path});
  check_error(r, 1, "hash");
  CHECK(show(target.path, id, as_of) == original);
  CHECK(show(target.path, id, as_of).at("timeline").size() == 4);
  CHECK(ok_json({"--db", target.path, "challenge", "list", "--as-of", as_of}) == target_list);
  CHECK(slurp(target.path) == target_bytes);

  TempFile fresh("parley-cli-fresh");
  check_error(run_cli({"--db", fresh.path, "import", bad.path}), 1, "hash");
  CHECK(no_db_files(fresh.path));
}

// ---- wrong input writes nothing -----------------------------------------------------------

TEST_CASE("a failed first command leaves no database behind", "[cli]") {
  TempFile bundle("parley-cli-garbage-bundle");
  spit(bundle.path, "this is not a bundle\n");
  auto open_with = [](const std::string& db, std::vector<std::string> extra) {
    std::vector<std::string> a = open_args(db, "shropshire-sscp", "no", "2026-01-12T09:00");
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto replace = [](std::vector<std::string> a, const std::string& option, const std::string& value) {
    auto it = std::find(a.begin(), a.end(), option);
    REQUIRE(it != a.end());
    *(it + 1) = value;
    return a;
  };
  auto without = [](std::vector<std::string> a, const std::string& option) {
    auto it = std::find(a.begin(), a.end(), option);
    REQUIRE(it != a.end());
    a.erase(it, it + 2);
    return a;
  };
  TempFile db("parley-cli-first");
  const std::string base = "2026-01-12T09:00";
  struct Row {
    const char* name;
    std::vector<std::string> args;
    int code;
    const char* needle;
  };
  const std::vector<std::string> good = open_with(db.path, {});
  const std::vector<Row> table = {
      {"unknown procedure", replace(good, "--procedure", "nowhere-sab"), 2, "unknown procedure 'nowhere-sab'"},
      {"imminent risk not answered", without(good, "--imminent-risk"), 2, "--imminent-risk"},
      {"imminent risk not yes/no", replace(good, "--imminent-risk", "perhaps"), 2, "--imminent-risk"},
      {"malformed --at", replace(good, "--at", "2026-01-32T09:00"), 2, "--at"},
      {"--at not a time", replace(good, "--at", "yesterday"), 2, "--at"},
      {"--at in the future", replace(good, "--at", "2026-03-01T09:00"), 1, "in the future"},
      {"unknown option", open_with(db.path, {"--colour", "blue"}), 2, "--colour"},
      {"unknown category", replace(good, "--category", "vibes"), 1, "category 'vibes'"},
      {"summary missing", without(good, "--summary"), 1, "Enter the reason for the dispute"},
      {"bad subject id", open_with(db.path, {"--subject-id", "12345"}), 2, "--subject-id"},
      {"recorder without an agency", open_with(db.path, {"--as", "Sam Example"}), 2, "--as-agency"},
      {"empty subject name", replace(good, "--subject-name", " "), 1, "Enter the name of the person this is about"},
      {"identity with an unknown role",
       {"--db", db.path, "identity", "set", "--name", "Sam Example", "--agency", "Northshire Council", "--role", "wizard"},
       2, "--role"},
      {"bundle that does not parse", {"--db", db.path, "import", bundle.path}, 1, "not valid JSON"},
      {"record on a database that does not exist", escalate(db.path, "SSCP-AAAAAAAA", base), 1, "no Parley database"},
      {"show on a database that does not exist", {"--db", db.path, "challenge", "show", "SSCP-AAAAAAAA"}, 1,
       "no Parley database"},
  };
  for (const auto& row : table) {
    INFO(row.name);
    check_error(run_cli(row.args), row.code, row.needle);
    CHECK(no_db_files(db.path));
  }
  check_error(run_cli(open_args("/nonexistent-parley-dir/x.db", "shropshire-sscp", "no", base)), 1, "cannot open");
  CHECK(ok(good).rfind("Opened SSCP-", 0) == 0);   // the same command, corrected, works
  CHECK(exists(db.path));
}

TEST_CASE("wrong input on an existing database changes nothing", "[cli]") {
  TempFile db("parley-cli-existing"), bundle("parley-cli-existing-bundle");
  // A: Shropshire at stage 1. B: Salford at its last stage (4). C: Shropshire with an outcome.
  std::string a = open_challenge(db.path, "shropshire-sscp", "2026-01-05T09:00");
  std::string b = open_challenge(db.path, "salford-ssab", "2026-01-05T09:00");
  for (const char* at : {"2026-01-06T09:00", "2026-01-07T09:00", "2026-01-08T09:00"}) ok(escalate(db.path, b, at));
  std::string c = open_challenge(db.path, "shropshire-sscp", "2026-01-05T09:00");
  ok(outcome(db.path, c, "2026-01-06T09:00"));
  REQUIRE(show(db.path, b, "2026-01-12").at("stage") == 4);

  const std::string as_of = "2026-01-12T12:00";
  auto snapshot = [&] {
    json s = {{"list", ok_json({"--db", db.path, "challenge", "list", "--as-of", as_of})},
              {"a", show(db.path, a, as_of)},
              {"b", show(db.path, b, as_of)},
              {"c", show(db.path, c, as_of)}};
    return s;
  };
  const json before = snapshot();
  const std::string bytes = slurp(db.path);
  spit(bundle.path, "{\"format\": \"parley-bundle\", \"version\": 1, \"events\": [");

  struct Row {
    const char* name;
    std::vector<std::string> args;
    int code;
    const char* needle;
  };
  const std::vector<Row> table = {
      {"escalate past the last stage", escalate(db.path, b, "2026-01-09T09:00"), 1, "last stage"},
      {"escalate after the outcome", escalate(db.path, c, "2026-01-09T09:00"), 1, "outcome is already agreed"},
      {"a second outcome", outcome(db.path, c, "2026-01-09T09:00"), 1, "already recorded"},
      {"outcome missing", cat({"--db", db.path, "challenge", "record-outcome", a, "--at", "2026-01-09T09:00"}, kAs), 1,
       "Enter the outcome"},
      {"close before an outcome", cat({"--db", db.path, "challenge", "close", a, "--at", "2026-01-09T09:00"}, kAs), 1,
       "record the outcome"},
      {"sign before an outcome",
       cat({"--db", db.path, "challenge", "sign", a, "--side", "challenger", "--name", "Pat Manager", "--job-title",
            "Team Manager", "--agency", "Northshire Council", "--date", "2026-01-09"},
           kAs),
       1, "outcome"},
      {"malformed date in --at", escalate(db.path, a, "2026-02-30T09:00"), 2, "--at"},
      {"--at before the challenge was raised", escalate(db.path, a, "2026-01-01T09:00"), 1, "before the challenge"},
      {"--at in the future", escalate(db.path, a, "2026-02-10T09:00"), 1, "in the future"},
      {"unknown option", cat(escalate(db.path, a, "2026-01-09T09:00"), {"--urgency", "high"}), 2, "--urgency"},
      {"unknown discussion method", discussion(db.path, a, "2026-01-09T09:00", "carrier-pigeon"), 1, "carrier-pigeon"},
      {"unknown required action", cat(discussion(db.path, a, "2026-01-09T09:00"), {"--fulfils", "make-tea"}), 1,
       "make-tea"},
      {"unknown challenge", escalate(db.path, "SSCP-AAAAAAAA", "2026-01-09T09:00"), 1, "no challenge 'SSCP-AAAAAAAA'"},
      {"unknown procedure", open_args(db.path, "nowhere-sab", "no", "2026-01-09T09:00"), 2, "unknown procedure"},
      {"bundle that does not parse", {"--db", db.path, "import", bundle.path}, 1, "not valid JSON"},
      {"unknown challenge command", {"--db", db.path, "challenge", "reopen", a}, 2, "reopen"},
  };
  for (const auto& row : table) {
    INFO(row.name);
    check_error(run_cli(row.args), row.code, row.needle);
  }
  CHECK(snapshot() == before);
  CHECK(slurp(db.path) == bytes);
}

TEST_CASE("a file that is not a Parley database is refused and left alone", "[cli]") {
  TempFile garbage("parley-cli-garbage"), bundle("parley-cli-garbage-src"), source("parley-cli-garbage-srcdb");
  std::mt19937 rng(20260120);
  std::string bytes(8192, '\0');
  for (auto& ch : bytes) ch = static_cast<char>(rng() & 0xff);
  spit(garbage.path, bytes);

  std::string id = open_challenge(source.path, "shropshire-sscp", "2026-01-05T09:00");
  ok({"--db", source.path, "export", id, "--out", bundle.path});

  const std::vector<std::vector<std::string>> commands = {
      {"--db", garbage.path, "challenge", "list"},
      {"--db", garbage.path, "challenge", "show", id},
      open_args(garbage.path, "shropshire-sscp", "no", "2026-01-12T09:00"),
      escalate(garbage.path, id, "2026-01-12T09:00"),
      {"--db", garbage.path, "import", bundle.path},
      {"--db", garbage.path, "identity", "set", "--name", "Sam Example", "--agency", "Northshire Council"},
  };
  for (const auto& args : commands) check_error(run_cli(args), 1, "not a Parley database");
  CHECK(slurp(garbage.path) == bytes);
  CHECK_FALSE(exists(garbage.path + "-journal"));
}

TEST_CASE("the CLI's database is encrypted: no name or summary in its bytes, and only its passphrase opens it",
          "[cli][encryption]") {
  TempFile db("parley-cli-encrypted");
  std::string id = open_challenge(db.path, "shropshire-sscp", "2026-01-05T09:00");
  std::string raw = slurp(db.path);
  CHECK(raw.find("Alex Testperson") == std::string::npos);
  CHECK(raw.find("Referral for a care review closed without contact.") == std::string::npos);
  CHECK(raw.find("Northshire Community Health") == std::string::npos);
  CHECK(parley::inspect_store_file(db.path) == parley::StoreFileKind::Encrypted);
  // Another passphrase in the file: refused, with the tries left, and nothing changed.
  TempFile other("parley-cli-other-passphrase");
  {
    std::ofstream(other.path) << "a different passphrase\n";
    std::filesystem::permissions(other.path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  std::string cmd = "PARLEY_PASSPHRASE_FILE=" + parley::test::shell_quote(other.path) + " " +
                    parley::test::shell_quote(PARLEY_BINARY) + " --db " + parley::test::shell_quote(db.path) +
                    " challenge list </dev/null 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[512];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  int status = pclose(pipe);
  CHECK(WEXITSTATUS(status) == 1);
  CHECK_THAT(out, Catch::Contains("passphrase is not right") && Catch::Contains("9 tries left"));
  CHECK(out.find("Alex Testperson") == std::string::npos);
  // A file others may read is refused before it is used.
  std::filesystem::permissions(other.path, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  FILE* loose = popen(cmd.c_str(), "r");
  REQUIRE(loose);
  std::string said;
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, loose)) > 0;) said.append(buf, n);
  pclose(loose);
  CHECK_THAT(said, Catch::Contains("chmod 600"));
  CHECK(ok_json({"--db", db.path, "challenge", "list"}).dump().find(id) != std::string::npos);
}

TEST_CASE("a store the CLI makes costs the default Argon2id unless a test build is told otherwise",
          "[cli][encryption]") {
  // PARLEY_TEST_CHEAP_KDF is honoured only in builds with PARLEY_TEST_KNOBS (this one);
  // whatever the suite's own environment says, each row sets it explicitly.
  struct Row {
    const char* env;
    parley::KdfParams expected;
  };
  const std::vector<Row> rows = {{"env -u PARLEY_TEST_CHEAP_KDF", parley::default_kdf()},
                                 {"env PARLEY_TEST_CHEAP_KDF=0", parley::default_kdf()},
                                 {"env PARLEY_TEST_CHEAP_KDF=1", parley::fastest_kdf()}};
  for (const auto& row : rows) {
    INFO(row.env);
    TempFile db("parley-cli-kdf");
    std::string cmd = std::string(row.env) + " PARLEY_PASSPHRASE_FILE=" +
                      parley::test::shell_quote(parley::test::passphrase_file()) + " " +
                      parley::test::shell_quote(PARLEY_BINARY) + " --db " + parley::test::shell_quote(db.path) +
                      " identity set --name 'Test Person' --agency 'Demo Police' >/dev/null 2>&1 </dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    parley::LockInfo info = parley::lock_info(db.path);
    CHECK(info.kdf.ops == row.expected.ops);
    CHECK(info.kdf.mem == row.expected.mem);
  }
}

TEST_CASE("a database locked by another program is refused and not changed", "[cli]") {
  TempFile db("parley-cli-locked");
  std::string id = open_challenge(db.path, "shropshire-sscp", "2026-01-05T09:00");
  const std::string as_of = "2026-01-12T12:00";
  json before = show(db.path, id, as_of);

  // Another program holding it: this one knows the passphrase (the store is encrypted).
  auto other = parley::open_encrypted_store(db.path, parley::unlock_store(db.path, parley::test::test_passphrase(), 10));
  sqlite3* holder = other->handle();
  REQUIRE(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  Result write = run_cli(escalate(db.path, id, "2026-01-06T09:00"));
  REQUIRE(sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  other.reset();

  check_error(write, 1, db.path + " is locked by another program");
  CHECK(show(db.path, id, as_of) == before);
  CHECK(ok_json(escalate(db.path, id, "2026-01-06T09:00")).at("stage") == 2);   // works once released
}

TEST_CASE("usage mistakes exit 2 with one line", "[cli]") {
  Result none = run_cli({});
  CHECK(none.code == 2);
  CHECK_THAT(none.out, Catch::Contains("parley procedures"));
  Result help = run_cli({"help"});
  CHECK(help.code == 0);
  CHECK(help.out == none.out);
  check_error(run_cli({"frobnicate"}), 2, "unknown command 'frobnicate'");
  check_error(run_cli({"procedures", "--colour", "blue"}), 2, "--colour");
  check_error(run_cli({"challenge", "list"}), 2, "--db");
  check_error(run_cli({"calendar", "holidays", "--region", "scotland", "--year", "2022"}, "not-a-time"), 2,
              "PARLEY_NOW");
}

TEST_CASE("a bundle for a procedure this device lacks is refused before any database is made", "[cli]") {
  TempFile db("parley-cli-board-src"), target("parley-cli-board-dst"), bundle("parley-cli-board-bundle");
  std::filesystem::path dir = std::filesystem::path(db.path).replace_extension(".procedures");
  std::filesystem::create_directories(dir);
  json p = json::parse(slurp(std::string(PARLEY_SOURCE_DIR) + "/procedures/salford-ssab.json"));
  p["id"] = "northshire-test";
  spit((dir / "northshire-test.json").string(), p.dump(2));

  std::vector<std::string> open = open_args(db.path, "northshire-test", "no", "2026-01-05T09:00");
  open.insert(open.begin(), {"--procedures", dir.string()});
  std::string id = ok_json(open).at("challenge");
  ok({"--procedures", dir.string(), "--db", db.path, "export", id, "--out", bundle.path});

  check_error(run_cli({"--db", target.path, "import", bundle.path}), 1, "northshire-test");
  CHECK(no_db_files(target.path));
  // With the Board's file installed it imports.
  CHECK_THAT(ok({"--procedures", dir.string(), "--db", target.path, "import", bundle.path}), Catch::Contains(", 1 new"));
  std::filesystem::remove_all(dir);

  // Exporting a challenge that is not there writes no file.
  TempFile out("parley-cli-no-export");
  check_error(run_cli({"--db", db.path, "export", "SSCP-AAAAAAAA", "--out", out.path}), 1, "no challenge");
  CHECK_FALSE(exists(out.path));
  CHECK_FALSE(exists(out.path + ".tmp"));
}

TEST_CASE("times are UK local unless written with Z; --now overrides PARLEY_NOW", "[cli]") {
  TempFile db("parley-cli-bst");
  // 00:30 on Mon 2 Jun 2025 in BST is 23:30 UTC on Sun 1 Jun: the challenge is raised on
  // Monday (UK), so Shropshire stage 1 (2 working days) is due at the end of Wed 4 Jun,
  // 23:59:59 BST = 22:59:59Z. Counting from the UTC date (a Sunday) would give Tue 3 Jun.
  for (const char* at : {"2025-06-02T00:30", "2025-06-01T23:30:00Z"}) {
    INFO(at);
    std::string id = open_challenge(db.path, "shropshire-sscp", at);
    json v = show(db.path, id, "2025-06-04T23:30");   // 22:30Z: before the end of the UK day
    CHECK(v.at("opened_at") == "2025-06-01T23:30:00Z");
    CHECK(v.at("deadline").at("due") == "2025-06-04T22:59:59Z");
    CHECK(v.at("deadline").at("due_date") == "2025-06-04");
    CHECK(v.at("overdue") == false);
    CHECK(show(db.path, id, "2025-06-05T00:01").at("overdue") == true);
  }
  // The clock: an --at more than a day after --now is in the future, whatever PARLEY_NOW says.
  std::vector<std::string> args = open_args(db.path, "shropshire-sscp", "no", "2025-06-03T09:00");
  args.insert(args.end(), {"--now", "2025-06-01T09:00"});
  json before = ok_json({"--db", db.path, "challenge", "list"});
  check_error(run_cli(args), 1, "in the future");
  CHECK(ok_json({"--db", db.path, "challenge", "list"}) == before);
}

TEST_CASE("challenge open: the other agency from the Board's list, or --agency-not-listed", "[cli][agencies]") {
  TempFile db("parley-cli-agencies");
  auto open_against = [&](const std::string& agency, bool not_listed = false) {
    std::vector<std::string> args = open_args(db.path, "shropshire-sscp", "no", "2026-01-05T09:00");
    auto it = std::find(args.begin(), args.end(), "--challenged-agency");
    *(it + 1) = agency;
    if (not_listed) args.push_back("--agency-not-listed");
    return args;
  };
  // No list yet (never synced): nothing to check against; the opening is marked so the
  // office checks it.
  json first = ok_json(open_against("Police"));
  CHECK(first.at("agency_not_listed") == true);

  // The list as `parley sync` keeps it (here written straight into the encrypted store).
  {
    auto store = parley::open_encrypted_store(db.path, parley::unlock_store(db.path, parley::test::test_passphrase(), 10));
    store->replace_agencies({"Demo Community Health", "Demo Housing Trust", "Demo Police"}, "v1");
  }
  json listed_before = ok_json({"--db", db.path, "challenge", "list"});
  struct Row {
    std::string agency;
    bool not_listed;
    int code;                // 0: opened
    std::string says;        // in the error, or the agency written
  };
  const std::vector<Row> rows = {
      {"Demo Police", false, 0, "Demo Police"},
      {"demo POLICE", false, 0, "Demo Police"},
      {"Police", false, 1, "'Police' is not in the Board's list of agencies (close matches: 'Demo Police')"},
      {"Housing", false, 1, "pass --agency-not-listed to record it as typed"},
      {"Fire and Rescue", false, 1, "the administrator adds it"},
      {"Police", true, 0, "Police"},
  };
  for (const auto& r : rows) {
    INFO(r.agency << (r.not_listed ? " --agency-not-listed" : ""));
    if (r.code) {
      json before = ok_json({"--db", db.path, "challenge", "list"});
      check_error(run_cli(open_against(r.agency, r.not_listed)), r.code, r.says);
      CHECK(ok_json({"--db", db.path, "challenge", "list"}) == before);   // nothing written
      continue;
    }
    json opened = ok_json(open_against(r.agency, r.not_listed));
    CHECK(opened.at("agency_not_listed") == r.not_listed);
    json shown = ok_json({"--db", db.path, "challenge", "show", opened.at("challenge").get<std::string>()});
    CHECK_THAT(shown.dump(), Catch::Contains("\"" + r.says + "\""));
  }
  CHECK(listed_before.size() == 1);
}
