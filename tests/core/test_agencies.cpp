// tests/core/test_agencies.cpp — the Board's agency directory rule (core/agencies.h): an
// opening names the other agency as the directory names it, or carries the
// "agency_not_listed" marker; and the engine applies it from the store's directory (a real
// SQLite file) before it writes anything.
//
// Synthetic data only: the agencies are made up ("Demo ..." as the demo server's).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/agencies.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {

const std::vector<std::string> kDirectory = {"Demo Adult Social Care", "Demo Community Health", "Demo Housing Trust",
                                             "Demo Police"};

Json opening_against(const std::string& agency, std::optional<bool> marker = {}) {
  Json body = open_body("shropshire-sscp");
  body["challenged"]["agency"] = agency;
  if (marker) body[kAgencyNotListed] = *marker;
  return body;
}

}  // namespace

TEST_CASE("an agency is listed only by its exact name; its spelling is found ignoring case and spacing",
          "[agencies]") {
  struct Row {
    std::string typed;
    bool listed;
    std::optional<std::string> spelling;
  };
  const std::vector<Row> rows = {
      {"Demo Police", true, "Demo Police"},
      {"demo police", false, "Demo Police"},
      {"  Demo   Police ", false, "Demo Police"},
      {"Police", false, std::nullopt},
      {"Demo Police Scotland", false, std::nullopt},
      {"", false, std::nullopt},
  };
  for (const auto& r : rows) {
    INFO("typed '" << r.typed << "'");
    CHECK(agency_listed(kDirectory, r.typed) == r.listed);
    CHECK(listed_spelling(kDirectory, r.typed) == r.spelling);
  }
}

TEST_CASE("typing filters the directory by case-insensitive substring, in directory order", "[agencies]") {
  struct Row {
    std::string typed;
    std::vector<std::string> want;
  };
  const std::vector<Row> rows = {
      {"", kDirectory},
      {"   ", kDirectory},
      {"pol", {"Demo Police"}},
      {"DEMO H", {"Demo Housing Trust"}},
      {"care", {"Demo Adult Social Care"}},
      {"o", kDirectory},
      {"Fire", {}},
  };
  for (const auto& r : rows) {
    INFO("typed '" << r.typed << "'");
    CHECK(agencies_matching(kDirectory, r.typed) == r.want);
  }
}

TEST_CASE("close matches for a refusal: containing or contained, then a shared word", "[agencies]") {
  struct Row {
    std::string typed;
    std::vector<std::string> want;
  };
  const std::vector<Row> rows = {
      {"Police", {"Demo Police"}},
      {"Demo Police Service", {"Demo Police"}},
      {"Community Health NHS", {"Demo Community Health"}},
      {"Housing", {"Demo Housing Trust"}},
      {"Fire and Rescue", {}},
      {"", {}},
  };
  for (const auto& r : rows) {
    INFO("typed '" << r.typed << "'");
    CHECK(close_agencies(kDirectory, r.typed) == r.want);
  }
  // "Demo" is shared by all: at most `limit` names.
  CHECK(close_agencies(kDirectory, "Demo Something", 2).size() == 2);
}

TEST_CASE("the rule: unlisted without the marker is refused at the field, naming close matches", "[agencies]") {
  struct Row {
    std::string why;
    std::vector<std::string> directory;
    Json body;
    bool refused;
  };
  const std::vector<Row> rows = {
      {"listed", kDirectory, opening_against("Demo Police"), false},
      {"unlisted, no marker", kDirectory, opening_against("Police"), true},
      {"unlisted, marker false", kDirectory, opening_against("Police", false), true},
      {"unlisted, marked", kDirectory, opening_against("Police", true), false},
      {"listed and marked (harmless)", kDirectory, opening_against("Demo Police", true), false},
      {"case differs: not the feed's name", kDirectory, opening_against("demo police"), true},
      {"no directory to check against", {}, opening_against("Police"), false},
  };
  for (const auto& r : rows) {
    INFO(r.why);
    if (!r.refused) {
      CHECK_NOTHROW(check_challenged_agency(r.directory, r.body));
      continue;
    }
    try {
      check_challenged_agency(r.directory, r.body);
      FAIL("not refused");
    } catch (const RuleError& e) {
      CHECK(e.field == "body.challenged.agency");
      CHECK(e.category == RuleError::Category::State);
      CHECK(std::string(e.what()).find("not in the Board's list of agencies") != std::string::npos);
      CHECK(std::string(e.what()).find("'Demo Police'") != std::string::npos);
    }
  }
}

TEST_CASE("settling an opening on a device: the directory's spelling, the marker only where it is needed",
          "[agencies]") {
  struct Row {
    std::string why;
    std::vector<std::string> directory;
    Json body;
    std::string agency;        // after settling
    std::optional<bool> marker;   // after settling; none: no marker
  };
  const std::vector<Row> rows = {
      {"listed", kDirectory, opening_against("Demo Police"), "Demo Police", std::nullopt},
      {"case and spacing", kDirectory, opening_against("demo  POLICE"), "Demo Police", std::nullopt},
      {"listed, marker dropped", kDirectory, opening_against("Demo Police", true), "Demo Police", std::nullopt},
      {"unlisted and chosen as not listed", kDirectory, opening_against("Police", true), "Police", true},
      {"never synced: marked, the server decides", {}, opening_against("Demo Police"), "Demo Police", true},
  };
  for (const auto& r : rows) {
    INFO(r.why);
    Json body = r.body;
    settle_challenged_agency(r.directory, body);
    CHECK(body["challenged"]["agency"] == r.agency);
    if (r.marker) CHECK(body[kAgencyNotListed] == *r.marker);
    else CHECK_FALSE(body.contains(kAgencyNotListed));
  }
  Json unlisted = opening_against("Police");
  CHECK_THROWS_AS(settle_challenged_agency(kDirectory, unlisted), RuleError);
}

TEST_CASE("the engine opens only as the store's directory allows, and writes nothing when it refuses",
          "[agencies][engine]") {
  Device d("agencies-engine", 7, at("2026-03-02T09:00"));
  const Author me = practitioner();
  // Never synced: no directory, so the opening is marked and the server decides.
  std::string first = d.engine.open(opening_against("Demo Police"), me);
  CHECK(marked_not_listed(d.engine.state(first).opened_body));

  d.store.replace_agencies(kDirectory, "v1");
  std::int64_t before = d.store.event_count();
  try {
    d.engine.open(opening_against("Police"), me);
    FAIL("an unlisted agency was accepted without the marker");
  } catch (const RuleError& e) {
    CHECK(e.field == "body.challenged.agency");
  }
  CHECK(d.store.event_count() == before);

  std::string listed = d.engine.open(opening_against("demo police"), me);
  const Json body = d.engine.state(listed).opened_body;
  CHECK(body["challenged"]["agency"] == "Demo Police");
  CHECK_FALSE(body.contains(kAgencyNotListed));

  std::string marked = d.engine.open(opening_against("Police", true), me);
  CHECK(marked_not_listed(d.engine.state(marked).opened_body));
  // The marker must be a yes/no: anything else is the event's shape being wrong.
  Json bad = opening_against("Police");
  bad[kAgencyNotListed] = "yes";
  CHECK_THROWS_AS(d.engine.open(bad, me), RuleError);
}
