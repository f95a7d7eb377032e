// tests/core/test_board_stats.cpp — the Board's pseudonymised rows, dashboard figures and
// CSV (core/board_stats.h).
//
// Model: board_row is checked on views the real Engine derived over a real SQLite file
// (support.h's Device), "as of" moments through three shipped procedures' scenarios (the
// same dates as tests/core/test_stage_history.cpp, where they were counted by hand).
// board_dashboard is checked on hand-built rows, so each table states its counts, months
// and percentiles directly; the answers were worked out by hand and are in the comments.
// The CSV is read back by Python's own csv module (natively; the WebAssembly build has no
// processes), so "RFC 4180" means what a real reader accepts, not what we think it says.
//
// UK time: BST runs 29 Mar to 25 Oct 2026 (UK local = UTC + 1); all times below are UTC.
// Synthetic data only: the subject is "Zebedee Quartermaine", agencies are made up.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/board_stats.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {

const char* const kCouncil = "Northshire Council Adult Social Care";
const char* const kTrust = "Northshire Community Health NHS Trust";
const char* const kSubject = "Zebedee Quartermaine";
const char* const kSummary = "Zebedee Quartermaine's referral was closed without a visit; the nurse disagrees.";

const Author kPractitioner = practitioner();
const Author kManager{"Pat Manager", "Team Manager", kCouncil, "line_manager"};
const Author kSenior{"Kim Senior", "Head of Service", kCouncil, "senior_manager"};
const Author kDirector{"Dee Director", "Assistant Director", kCouncil, "director"};

// ---- challenges through the Engine ------------------------------------------------------

Json zebedee(const std::string& procedure, bool imminent_risk) {
  Json body = open_body(procedure, imminent_risk);
  body["subject"]["name"] = kSubject;
  body["summary"] = kSummary;
  return body;
}

Json discussion(const char* method) {
  return Json{{"with", Json::array({Json{{"name", "Jo Sample"}, {"job_title", "Community Nurse"}, {"agency", kTrust}}})},
              {"method", method},
              {"summary", "Discussed Zebedee Quartermaine's closed referral."},
              {"agreed", false}};
}
Json escalation() { return Json{{"reason", "Not resolved at this stage"}, {"tried", "Discussion, views shared"}}; }
Json outcome() { return Json{{"outcome", "Care review reopened; joint visit agreed."}}; }
Json feedback() { return Json{{"to", "Sam Example"}, {"summary", "Outcome explained."}}; }
Json notify(const char* to) { return Json{{"to", to}, {"reason", "The procedure asks for it."}}; }
Json closure() { return Json{{"reason", "Resolved."}}; }

struct Step {
  const char* at;
  EventKind kind;
  Json body;
  Author by;
};

struct Scenario {
  std::string procedure;
  bool imminent_risk = false;
  std::vector<Step> steps;   // the first opens the challenge
};

// Shropshire (9 working days for the whole challenge): raised Wed 23 Dec 2026; stages 3
// and 4 left a day late (due Mon 4 and Wed 6 Jan); resolved Fri 8 Jan 2027 (9 working
// days, in time), closed Mon 11 Jan.
Scenario shropshire_late_stages() {
  return {"shropshire-sscp", false,
          {{"2026-12-23T10:00:00Z", EventKind::ChallengeOpened, {}, kPractitioner},
           {"2026-12-24T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
           {"2026-12-29T09:00:00Z", EventKind::Escalated, escalation(), kPractitioner},
           {"2026-12-31T09:00:00Z", EventKind::DiscussionRecorded, discussion("email"), kManager},
           {"2026-12-31T15:00:00Z", EventKind::Escalated, escalation(), kManager},
           {"2027-01-04T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kManager},
           {"2027-01-05T09:00:00Z", EventKind::Escalated, escalation(), kManager},
           {"2027-01-05T11:00:00Z", EventKind::NotificationSent, notify("business-unit"), kSenior},
           {"2027-01-06T10:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kSenior},
           {"2027-01-07T09:00:00Z", EventKind::Escalated, escalation(), kSenior},
           {"2027-01-07T10:00:00Z", EventKind::Comment, Json{{"text", "Done outside Parley."}, {"fulfils", {"inform-director"}}},
            kDirector},
           {"2027-01-07T11:00:00Z", EventKind::NotificationSent, notify("business-unit"), kDirector},
           {"2027-01-08T10:00:00Z", EventKind::DiscussionRecorded, discussion("meeting"), kDirector},
           {"2027-01-08T14:00:00Z", EventKind::OutcomeAgreed, outcome(), kDirector},
           {"2027-01-08T15:00:00Z", EventKind::FeedbackGiven, feedback(), kDirector},
           {"2027-01-11T09:00:00Z", EventKind::Closed, closure(), kDirector}}};
}

// Shropshire quick through stages 1-4, resolved Mon 11 Jan 2027: stage 5 and the whole
// challenge (both due Fri 8 Jan) missed; (23 Dec, 11 Jan] is 10 working days.
Scenario shropshire_late_whole() {
  return {"shropshire-sscp", false,
          {{"2026-12-23T10:00:00Z", EventKind::ChallengeOpened, {}, kPractitioner},
           {"2026-12-24T09:00:00Z", EventKind::Escalated, escalation(), kPractitioner},
           {"2026-12-29T09:00:00Z", EventKind::Escalated, escalation(), kManager},
           {"2026-12-30T09:00:00Z", EventKind::Escalated, escalation(), kManager},
           {"2026-12-30T10:00:00Z", EventKind::NotificationSent, notify("business-unit"), kSenior},
           {"2026-12-31T09:00:00Z", EventKind::Escalated, escalation(), kSenior},
           {"2027-01-11T10:00:00Z", EventKind::OutcomeAgreed, outcome(), kDirector}}};
}

// Salford: raised Thu 30 Apr 2026, referred elsewhere and closed Thu 7 May without an
// outcome (4 working days taken, but none of them to a resolution).
Scenario salford_referred() {
  return {"salford-ssab", false,
          {{"2026-04-30T09:00:00Z", EventKind::ChallengeOpened, {}, kPractitioner},
           {"2026-05-01T09:00:00Z", EventKind::DiscussionRecorded, discussion("phone"), kPractitioner},
           {"2026-05-05T09:00:00Z", EventKind::Referred, Json{{"route", "safeguarding_referral"}}, kPractitioner},
           {"2026-05-07T09:00:00Z", EventKind::Closed, closure(), kPractitioner}}};
}

// Shropshire raised with someone at imminent risk: expedited by the procedure.
Scenario shropshire_imminent_risk() {
  return {"shropshire-sscp", true, {{"2026-06-01T09:00:00Z", EventKind::ChallengeOpened, {}, kPractitioner}}};
}

struct Played {
  std::unique_ptr<Device> device;
  std::string id;
};

Played play(const Scenario& sc) {
  Played p{std::make_unique<Device>("board-stats", 20260601, at(sc.steps.front().at)), ""};
  for (const Step& st : sc.steps) {
    INFO(to_string(st.kind) << " at " << st.at);
    p.device->clock.set(at(st.at));
    if (st.kind == EventKind::ChallengeOpened) p.id = p.device->engine.open(zebedee(sc.procedure, sc.imminent_risk), st.by, at(st.at));
    else p.device->engine.record(p.id, st.kind, st.body, st.by, at(st.at));
  }
  return p;
}

const std::map<std::string, Scenario>& scenarios() {
  static const std::map<std::string, Scenario> all = {{"late stages", shropshire_late_stages()},
                                                      {"late whole", shropshire_late_whole()},
                                                      {"referred", salford_referred()},
                                                      {"imminent risk", shropshire_imminent_risk()}};
  return all;
}

// A board row and, for contrast, what the view it was cut from said.
struct Cut {
  BoardRow row;
  bool view_missed = false;              // the view's missed_timescale (missed, or overdue)
  std::optional<int> view_days;          // the view's working_days_taken
  std::string id;                        // the challenge id, which the row must not carry
};

// Each named scenario played once, then looked at as of each moment.
std::vector<Cut> cut_from_engine(const std::vector<std::pair<std::string, const char*>>& looks) {
  std::map<std::string, Played> played;
  std::vector<Cut> out;
  for (const auto& [name, as_of] : looks) {
    if (!played.count(name)) played.emplace(name, play(scenarios().at(name)));
    const Played& p = played.at(name);
    const ChallengeView v = p.device->engine.view_as_of(p.id, at(as_of));
    out.push_back({board_row(v), v.missed_timescale, v.working_days_taken, p.id});
  }
  return out;
}

// ---- hand-built rows --------------------------------------------------------------------

struct Spec {
  const char* category = "response_to_referral";
  const char* from = "Council";            // challenger agency
  const char* to = "Trust";                // challenged agency
  const char* opened = "2026-03-02T10:00:00Z";
  const char* status = "open";
  const char* ended = nullptr;
  int stage = 1;
  std::optional<int> days = {};
  std::vector<int> missed = {};
  const char* procedure = "shropshire-sscp";
  bool expedited = false;
};

BoardRow make(const Spec& s) {
  BoardRow r;
  r.procedure = s.procedure;
  r.category = s.category;
  r.challenger_agency = s.from;
  r.challenged_agency = s.to;
  r.opened_at = at(s.opened);
  r.status = s.status;
  r.ended_at = s.ended ? at(s.ended) : 0;
  r.stage = s.stage;
  r.working_days_to_resolution = s.days;
  r.missed_stages = s.missed;
  r.expedited = s.expedited;
  return r;
}

void add(std::vector<BoardRow>& rows, int n, const Spec& s) {
  for (int i = 0; i < n; ++i) rows.push_back(make(s));
}

Spec resolved_spec(int days, int stage = 1) {
  return {.status = "resolved", .ended = "2026-03-20T10:00:00Z", .stage = stage, .days = days};
}

BoardSettings settings(int suppress_below, int pattern_count = 1000, int window = 90) {
  return {suppress_below, pattern_count, window};
}

// "7", "0" or "suppressed".
std::string shown(const Json& cell) {
  if (cell.value("suppressed", false)) return cell["value"].is_null() ? "suppressed" : "BAD: suppressed with a value";
  return cell["value"].dump();
}

// A list section as "label=shown" items, in the dashboard's order.
std::vector<std::string> listed(const Json& items, const char* key = "label") {
  std::vector<std::string> out;
  for (const auto& it : items) out.push_back((it[key].is_string() ? it[key].get<std::string>() : it[key].dump()) + "=" + shown(it["count"]));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------

TEST_CASE("a board row is cut from the derived view: no names, only what the Board counts", "[board][row]") {
  struct Look {
    const char* scenario;
    const char* as_of;
    const char* status;
    int stage;
    const char* ended;              // nullptr: 0 (still open)
    std::optional<int> days;        // working days to the outcome
    std::vector<int> missed;
    bool view_missed;               // the view's own missed_timescale, for contrast
    std::optional<int> view_days;   // the view's own working_days_taken, for contrast
    bool expedited = false;
  };
  const std::vector<Look> looks = {
      {"late stages", "2026-12-24T12:00:00Z", "open", 1, nullptr, {}, {}, false, {}},
      // Stage 3 is past its due date and still running: overdue in the view, but not yet a
      // missed timescale for the Board (it is counted once it is left late).
      {"late stages", "2027-01-05T00:00:00Z", "open", 3, nullptr, {}, {}, true, {}},
      {"late stages", "2027-01-07T12:00:00Z", "open", 5, nullptr, {}, {3, 4}, true, {}},
      {"late stages", "2027-01-08T14:00:00Z", "resolved", 5, "2027-01-08T14:00:00Z", 9, {3, 4}, true, 9},
      // Closed after the outcome: still resolved at stage 5, in 9 working days.
      {"late stages", "2027-01-11T09:00:00Z", "closed", 5, "2027-01-08T14:00:00Z", 9, {3, 4}, true, 9},
      // Stage 5 and the whole challenge (stage 0) both missed the Fri 8 Jan deadline.
      {"late whole", "2027-01-11T10:00:00Z", "resolved", 5, "2027-01-11T10:00:00Z", 10, {5, 0}, true, 10},
      // Closed without an outcome: the view counts 4 days taken, but none to a resolution.
      {"referred", "2026-05-07T09:00:00Z", "closed", 1, "2026-05-07T09:00:00Z", {}, {}, false, 4},
      {"imminent risk", "2026-06-01T10:00:00Z", "open", 1, nullptr, {}, {}, false, {}, true},
  };
  std::vector<std::pair<std::string, const char*>> which;
  for (const auto& l : looks) which.push_back({l.scenario, l.as_of});
  const std::vector<Cut> cuts = cut_from_engine(which);
  REQUIRE(cuts.size() == looks.size());
  for (std::size_t i = 0; i < looks.size(); ++i) {
    const Look& want = looks[i];
    const BoardRow& got = cuts[i].row;
    INFO(want.scenario << " as of " << want.as_of);
    CHECK(got.procedure == scenarios().at(want.scenario).procedure);
    CHECK(got.category == "response_to_referral");
    CHECK(got.challenger_agency == kCouncil);
    CHECK(got.challenged_agency == kTrust);
    CHECK(got.opened_at == at(scenarios().at(want.scenario).steps.front().at));
    CHECK(got.status == want.status);
    CHECK(got.stage == want.stage);
    CHECK(got.ended_at == (want.ended ? at(want.ended) : 0));
    CHECK(got.working_days_to_resolution == want.days);
    CHECK(got.missed_stages == want.missed);
    CHECK(got.expedited == want.expedited);
    CHECK(cuts[i].view_missed == want.view_missed);
    CHECK(cuts[i].view_days == want.view_days);
  }
}

TEST_CASE("the dashboard and CSV carry no names, free text or ids", "[board][privacy]") {
  std::vector<BoardRow> rows;
  std::vector<std::string> never = {"Zebedee", "Quartermaine", kSummary, "Sam Example", "Jo Sample", "Pat Manager",
                                    "Dee Director", "1950-02-03", "Care review reopened", "Discussed"};
  for (const Cut& c : cut_from_engine({{"late stages", "2027-01-11T09:00:00Z"}, {"late whole", "2027-01-11T10:00:00Z"},
                                       {"referred", "2026-05-07T09:00:00Z"}, {"imminent risk", "2026-06-01T10:00:00Z"}})) {
    rows.push_back(c.row);
    never.push_back(c.id);
  }
  const Json dashboard = board_dashboard(rows, {}, settings(1, 1));
  const std::string texts[] = {dashboard.dump(), board_figures_csv(dashboard), board_rows_csv(rows, {})};
  for (const auto& text : texts)
    for (const auto& word : never) {
      INFO(word << " in " << text);
      CHECK(text.find(word) == std::string::npos);
    }
  CHECK(dashboard["total"]["value"] == 4);   // the rows were really counted
}

TEST_CASE("a count from 1 to suppress_below - 1 is suppressed; zero and larger counts are shown", "[board][suppression]") {
  struct Row {
    int n, suppress_below;
    const char* total;
    int suppressed_cells;   // total, category, agency pair, the month's opened and open
  };
  const std::vector<Row> table = {
      {0, 5, "0", 0}, {1, 5, "suppressed", 5}, {4, 5, "suppressed", 5}, {5, 5, "5", 0}, {6, 5, "6", 0},
      {2, 3, "suppressed", 5}, {3, 3, "3", 0}, {1, 1, "1", 0}, {1, 2, "suppressed", 5}, {2, 2, "2", 0},
  };
  for (const auto& r : table) {
    INFO(r.n << " challenges, suppress_below " << r.suppress_below);
    std::vector<BoardRow> rows;
    add(rows, r.n, {});
    const Json d = board_dashboard(rows, {}, settings(r.suppress_below));
    INFO(d.dump(2));
    CHECK(shown(d["total"]) == r.total);
    CHECK(d["suppressed_cells"] == r.suppressed_cells);
    if (r.n == 0) {
      CHECK(d["total"] == Json{{"value", 0}});   // exactly: no "suppressed" key on a shown cell
      CHECK(d["by_month"].empty());
      continue;
    }
    CHECK(listed(d["by_category"]) == std::vector<std::string>{std::string("response_to_referral=") + r.total});
    CHECK(listed(d["by_agency_pair"]) == std::vector<std::string>{std::string("Council → Trust=") + r.total});
    REQUIRE(d["by_month"].size() == 1);
    CHECK(shown(d["by_month"][0]["opened"]) == r.total);
    CHECK(shown(d["by_month"][0]["open"]) == r.total);
    CHECK(d["by_month"][0]["resolved"] == Json{{"value", 0}});   // zero reveals no one
    if (std::string(r.total) == "suppressed") CHECK(d["total"] == Json{{"value", nullptr}, {"suppressed", true}});
  }
}

TEST_CASE("a lone suppressed cell takes the next smallest with it, so subtraction cannot find it",
          "[board][suppression]") {
  struct Row {
    const char* name;
    std::vector<std::pair<const char*, int>> categories;
    std::vector<std::string> want;   // in the dashboard's order: shown largest first, then suppressed by label
    int suppressed_cells;
  };
  const std::vector<Row> table = {
      {"one small cell: the next smallest goes too",
       {{"communication", 10}, {"information_sharing", 6}, {"care_planning", 2}},
       {"communication=10", "care_planning=suppressed", "information_sharing=suppressed"}, 2},
      {"the smallest non-zero shown cell, not the largest",
       {{"communication", 10}, {"information_sharing", 7}, {"care_planning", 6}, {"response_to_referral", 1}},
       {"communication=10", "information_sharing=7", "care_planning=suppressed", "response_to_referral=suppressed"}, 2},
      {"two small cells already protect each other",
       {{"communication", 10}, {"information_sharing", 3}, {"care_planning", 2}},
       {"communication=10", "care_planning=suppressed", "information_sharing=suppressed"}, 2},
      {"nothing suppressed: nothing more", {{"communication", 12}, {"care_planning", 5}},
       {"communication=12", "care_planning=5"}, 0},
      {"ties sort by label", {{"information_sharing", 5}, {"communication", 5}, {"care_planning", 9}},
       {"care_planning=9", "communication=5", "information_sharing=5"}, 0},
  };
  for (const auto& r : table) {
    INFO(r.name);
    std::vector<BoardRow> rows;
    for (const auto& [category, n] : r.categories) add(rows, n, {.category = category});
    const Json d = board_dashboard(rows, {}, settings(5));
    INFO(d.dump(2));
    CHECK(listed(d["by_category"]) == r.want);
    CHECK(shown(d["total"]) == std::to_string(rows.size()));   // the total that would give it away
    CHECK(d["suppressed_cells"] == r.suppressed_cells);
  }
}

TEST_CASE("complementary suppression in every section whose cells add up to a figure shown", "[board][suppression]") {
  // Six challenges Council → Trust opened in March, resolved at stage 2, each missing stage
  // 1's timescale; two Police → Trust opened in April, resolved at stage 3, each missing
  // stage 2's. All resolved on 20 May.
  std::vector<BoardRow> rows;
  add(rows, 6, {.opened = "2026-03-02T10:00:00Z", .status = "resolved", .ended = "2026-05-20T10:00:00Z", .stage = 2,
                .days = 10, .missed = {1}});
  add(rows, 2, {.from = "Police", .opened = "2026-04-02T10:00:00Z", .status = "resolved", .ended = "2026-05-20T10:00:00Z",
                .stage = 3, .days = 10, .missed = {2}});
  const Json d = board_dashboard(rows, {}, settings(5));
  INFO(d.dump(2));
  CHECK(shown(d["total"]) == "8");
  CHECK(listed(d["by_agency_pair"]) == std::vector<std::string>{"Council → Trust=suppressed", "Police → Trust=suppressed"});
  CHECK(listed(d["resolved_at_stage"], "stage") == std::vector<std::string>{"2=suppressed", "3=suppressed"});
  CHECK(listed(d["missed_by_stage"], "stage") == std::vector<std::string>{"1=suppressed", "2=suppressed"});
  // Trust is on every challenge (8): Council's 6 goes with Police's 2.
  CHECK(listed(d["missed_by_agency"]) == std::vector<std::string>{"Trust=8", "Council=suppressed", "Police=suppressed"});
  // Months: openings 6, 2, 0 add up to the total, so March's 6 goes with April's 2; the
  // resolutions (0, 0, 8) have no lone suppressed cell.
  std::vector<std::string> months;
  for (const auto& m : d["by_month"])
    months.push_back(m["month"].get<std::string>() + " " + shown(m["opened"]) + " " + shown(m["resolved"]) + " " + shown(m["open"]));
  CHECK(months == std::vector<std::string>{"2026-03 suppressed 0 6", "2026-04 suppressed 0 8", "2026-05 0 8 0"});
  CHECK(shown(d["days_to_resolution"]["resolved"]) == "8");
  // pair 2 + stage 2 + missed stage 2 + agency 2 + month openings 2.
  CHECK(d["suppressed_cells"] == 10);
}

TEST_CASE("days to resolution: nearest-rank median and 90th percentile, hidden over too few", "[board][percentiles]") {
  struct Row {
    std::vector<int> days;
    int suppress_below;
    Json median, p90;
    bool suppressed;
  };
  // Nearest rank: the value at rank ceil(p/100 * n) of the sorted list.
  const std::vector<Row> table = {
      // 1 1 2 3 3 4 5 5 6 9: median rank 5 -> 3, p90 rank 9 -> 6.
      {{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}, 5, 3, 6, false},
      // 2 4 4 7 9: median rank ceil(2.5) = 3 -> 4, p90 rank ceil(4.5) = 5 -> 9.
      {{7, 2, 9, 4, 4}, 5, 4, 9, false},
      // 1..20: median rank 10 -> 10, p90 rank 18 -> 18.
      {{20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5, 10, 18, false},
      // 2 4 6 8 10 12: median rank 3 -> 6 (the lower middle, not 7), p90 rank ceil(5.4) = 6 -> 12.
      {{12, 2, 10, 4, 8, 6}, 5, 6, 12, false},
      {{7, 2, 9, 4}, 5, nullptr, nullptr, true},   // four: too few
      {{7}, 2, nullptr, nullptr, true},
      {{7}, 1, 7, 7, false},
      {{}, 5, nullptr, nullptr, false},            // none resolved: nothing to hide
  };
  for (const auto& r : table) {
    INFO("days " << Json(r.days).dump() << ", suppress_below " << r.suppress_below);
    std::vector<BoardRow> rows;
    for (int days : r.days) rows.push_back(make(resolved_spec(days)));
    add(rows, 3, {});   // open challenges do not count
    const Json t = board_dashboard(rows, {}, settings(r.suppress_below))["days_to_resolution"];
    INFO(t.dump());
    CHECK(t["median"] == r.median);
    CHECK(t["p90"] == r.p90);
    CHECK(t["suppressed"] == r.suppressed);
    const int n = static_cast<int>(r.days.size());
    CHECK(shown(t["resolved"]) == (n > 0 && n < r.suppress_below ? "suppressed" : std::to_string(n)));
  }
}

TEST_CASE("months are UK months: an opening at 23:30 UTC on 30 June is in July", "[board][months]") {
  std::vector<BoardRow> rows = {
      make({.opened = "2026-06-30T22:30:00Z"}),   // 23:30 BST, 30 Jun: June
      make({.opened = "2026-06-30T23:30:00Z"}),   // 00:30 BST, 1 Jul: July
      make({.opened = "2026-12-31T23:30:00Z"}),   // GMT: still December
      // Opened in June, resolved 00:30 BST on 1 Aug: still open at the end of July.
      make({.opened = "2026-06-15T09:00:00Z", .status = "resolved", .ended = "2026-07-31T23:30:00Z", .days = 34}),
  };
  const Json d = board_dashboard(rows, {}, settings(1));
  INFO(d.dump(2));
  std::vector<std::string> months;
  for (const auto& m : d["by_month"])
    months.push_back(m["month"].get<std::string>() + " opened " + shown(m["opened"]) + " resolved " +
                     shown(m["resolved"]) + " open " + shown(m["open"]));
  CHECK(months == std::vector<std::string>{
                      "2026-06 opened 2 resolved 0 open 2",
                      "2026-07 opened 1 resolved 0 open 3",
                      "2026-08 opened 0 resolved 1 open 2",
                      "2026-12 opened 1 resolved 0 open 3",
                  });
  CHECK(d["period"] == Json{{"from", nullptr}, {"to", nullptr}});
}

TEST_CASE("the filter keeps a period (from inclusive, to exclusive) and an agency on either side", "[board][filter]") {
  const std::vector<BoardRow> rows = {
      make({.from = kCouncil, .to = kTrust, .opened = "2026-01-10T10:00:00Z"}),
      make({.from = "Northshire Police", .to = kCouncil, .opened = "2026-02-10T10:00:00Z"}),
      make({.from = "Northshire Police", .to = kTrust, .opened = "2026-03-10T10:00:00Z"}),
      make({.from = "NORTHSHIRE council  adult social care", .to = kTrust, .opened = "2026-03-20T10:00:00Z"}),
      make({.from = kTrust, .to = "Northshire Police", .opened = "2026-06-30T22:30:00Z"}),   // 30 Jun BST
      make({.from = kTrust, .to = "Northshire Police", .opened = "2026-06-30T23:30:00Z"}),   // 1 Jul BST
  };
  struct Row {
    const char* name;
    BoardFilter filter;
    int total;
    Json from, to;   // period as shown
  };
  const std::vector<Row> table = {
      {"everything", {}, 6, nullptr, nullptr},
      {"the council, however it is typed", {.agency = kCouncil}, 3, nullptr, nullptr},
      {"an agency typed differently in the filter", {.agency = "northshire police"}, 4, nullptr, nullptr},
      {"an agency on no challenge", {.agency = "Bury Council"}, 0, nullptr, nullptr},
      {"February to mid March", {.from = at("2026-02-01"), .to = at("2026-03-15")}, 2, "2026-02-01", "2026-03-15"},
      {"from is inclusive, to exclusive", {.from = at("2026-02-10T10:00:00Z"), .to = at("2026-03-10T10:00:00Z")}, 1,
       "2026-02-10", "2026-03-10"},
      {"July in UK time (from 23:00 UTC on 30 June)", {.from = at("2026-07-01"), .to = at("2026-08-01")}, 1, "2026-07-01",
       "2026-08-01"},
      {"a period and an agency", {.from = at("2026-02-01"), .agency = kTrust}, 4, "2026-02-01", nullptr},
  };
  for (const auto& r : table) {
    INFO(r.name);
    const Json d = board_dashboard(rows, r.filter, settings(1));
    INFO(d.dump(2));
    CHECK(d["total"]["value"] == r.total);
    CHECK(d["period"] == Json{{"from", r.from}, {"to", r.to}});
    CHECK(d["agency"] == r.filter.agency);
  }
  // The council's two spellings are one agency pair, shown by one spelling.
  const Json d = board_dashboard(rows, {.agency = kCouncil}, settings(1));
  CHECK(listed(d["by_agency_pair"]) ==
        std::vector<std::string>{"NORTHSHIRE council  adult social care → Northshire Community Health NHS Trust=2",
                                 "Northshire Police → NORTHSHIRE council  adult social care=1"});
}

TEST_CASE("lists: agency pairs, stages missed (0 is the whole challenge), a missed timescale counts for both sides",
          "[board][lists]") {
  const std::vector<BoardRow> rows = {
      make({.missed = {1, 0}}),
      make({.category = "communication", .missed = {2}}),
      make({.from = "Police", .missed = {1}}),
      make({.to = "Council", .missed = {1}}),   // one agency on both sides: counted once for it
      make({.category = "communication", .status = "resolved", .ended = "2026-03-05T10:00:00Z", .stage = 2, .days = 3}),
      make({.from = "Police", .status = "closed", .ended = "2026-03-06T10:00:00Z", .stage = 3, .days = 4}),
      make({.from = "Police", .status = "closed", .ended = "2026-03-06T10:00:00Z", .stage = 1}),   // closed, no outcome
  };
  const Json d = board_dashboard(rows, {}, settings(1));
  INFO(d.dump(2));
  CHECK(listed(d["by_category"]) == std::vector<std::string>{"response_to_referral=5", "communication=2"});
  CHECK(listed(d["by_agency_pair"]) ==
        std::vector<std::string>{"Council → Trust=3", "Police → Trust=3", "Council → Council=1"});
  CHECK(d["by_agency_pair"][0]["challenger"] == "Council");
  CHECK(d["by_agency_pair"][0]["challenged"] == "Trust");
  CHECK(listed(d["resolved_at_stage"], "stage") == std::vector<std::string>{"2=1", "3=1"});
  CHECK(listed(d["missed_by_stage"]) == std::vector<std::string>{"Whole challenge=1", "Stage 1=3", "Stage 2=1"});
  CHECK(listed(d["missed_by_stage"], "stage") == std::vector<std::string>{"0=1", "1=3", "2=1"});
  CHECK(listed(d["missed_by_agency"]) == std::vector<std::string>{"Council=4", "Trust=4", "Police=1"});
  CHECK(shown(d["days_to_resolution"]["resolved"]) == "2");
  CHECK(d["settings"] == Json{{"suppress_below", 1}, {"pattern_count", 1000}, {"pattern_window_days", 90}});
  CHECK(d["suppressed_cells"] == 0);
}

TEST_CASE("patterns: an agency pair and category this many times within the window", "[board][patterns]") {
  auto on = [](const char* day, const char* category = "response_to_referral", const char* from = "Council") {
    return make({.category = category, .from = from, .opened = day});
  };
  struct Row {
    const char* name;
    std::vector<BoardRow> rows;
    BoardFilter filter;
    int suppress_below;
    std::vector<std::string> want;   // "challenger → challenged; category; from..to; count window"
  };
  const std::vector<Row> table = {
      {"three within 90 days (first and last 89 days apart)",
       {on("2026-01-05T12:00:00Z"), on("2026-02-05T12:00:00Z"), on("2026-04-04T12:00:00Z")}, {}, 1,
       {"Council → Trust; response_to_referral; 2026-01-05..2026-04-04; 3 in 90"}},
      {"three 90 days apart: not within one 90-day window",
       {on("2026-01-05T12:00:00Z"), on("2026-02-05T12:00:00Z"), on("2026-04-05T12:00:00Z")}, {}, 1, {}},
      {"two categories", {on("2026-01-05T12:00:00Z"), on("2026-01-06T12:00:00Z"), on("2026-01-07T12:00:00Z", "communication")},
       {}, 1, {}},
      {"two agency pairs", {on("2026-01-05T12:00:00Z"), on("2026-01-06T12:00:00Z"),
                            on("2026-01-07T12:00:00Z", "response_to_referral", "Police")}, {}, 1, {}},
      {"the busiest window is reported",
       {on("2026-07-01T12:00:00Z"), on("2026-03-20T12:00:00Z"), on("2026-01-05T12:00:00Z"), on("2026-03-01T12:00:00Z"),
        on("2026-03-10T12:00:00Z")},
       {}, 1, {"Council → Trust; response_to_referral; 2026-01-05..2026-03-20; 4 in 90"}},
      {"days are UK days: 23:30 UTC on 31 Mar is 1 Apr (BST)",
       {on("2026-01-02T12:00:00Z"), on("2026-02-02T12:00:00Z"), on("2026-03-31T23:30:00Z")}, {}, 1,
       {"Council → Trust; response_to_referral; 2026-01-02..2026-04-01; 3 in 90"}},
      {"an opening outside the period does not count",
       {on("2026-01-05T12:00:00Z"), on("2026-02-05T12:00:00Z"), on("2026-02-06T12:00:00Z")}, {.from = at("2026-02-01")}, 1,
       {}},
      {"its count is hidden where its agency pair's count is hidden (by complementary suppression here)",
       [&] {
         std::vector<BoardRow> rows;
         for (int d = 5; d <= 10; ++d) rows.push_back(on(("2026-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "T12:00:00Z").c_str()));
         for (int d = 5; d <= 6; ++d) rows.push_back(on(("2026-01-0" + std::to_string(d) + "T12:00:00Z").c_str(), "response_to_referral", "Police"));
         for (int y = 2010; y < 2019; ++y) rows.push_back(on((std::to_string(y) + "-06-01T12:00:00Z").c_str(), "response_to_referral", "Health"));
         return rows;
       }(),
       {}, 5, {"Council → Trust; response_to_referral; 2026-01-05..2026-01-10; suppressed in 90"}},
      {"its count is suppressed by the same rule",
       {on("2026-01-05T12:00:00Z"), on("2026-02-05T12:00:00Z"), on("2026-02-06T12:00:00Z")}, {}, 5,
       {"Council → Trust; response_to_referral; 2026-01-05..2026-02-06; suppressed in 90"}},
  };
  for (const auto& r : table) {
    INFO(r.name);
    const Json d = board_dashboard(r.rows, r.filter, settings(r.suppress_below, 3, 90));
    INFO(d.dump(2));
    std::vector<std::string> got;
    for (const auto& p : d["patterns"])
      got.push_back(p["challenger"].get<std::string>() + " → " + p["challenged"].get<std::string>() + "; " +
                    p["category"].get<std::string>() + "; " + p["from"].get<std::string>() + ".." +
                    p["to"].get<std::string>() + "; " + shown(p["count"]) + " in " + p["window_days"].dump());
    CHECK(got == r.want);
  }
}

// ---- CSV --------------------------------------------------------------------------------

TEST_CASE("a CSV field is quoted when it must be, and never starts a formula", "[board][csv]") {
  struct Row {
    const char* name;
    std::string text, want;
  };
  const std::vector<Row> table = {
      {"plain", "Bury Council", "Bury Council"},
      {"empty", "", ""},
      {"comma", "Smith, Jones & Partners", "\"Smith, Jones & Partners\""},
      {"quote", "The \"Other\" Trust", "\"The \"\"Other\"\" Trust\""},
      {"line feed", "Two\nLines", "\"Two\nLines\""},
      {"carriage return", "Two\rLines", "\"Two\rLines\""},
      {"non-ASCII", "Cyngor Sir Ynys Môn → Trust", "Cyngor Sir Ynys Môn → Trust"},
      {"formula =", "=SUM(A1:A9)", "'=SUM(A1:A9)"},
      {"formula +", "+44 161 000", "'+44 161 000"},
      {"formula -", "-2+3", "'-2+3"},
      {"formula @", "@SUM(A1)", "'@SUM(A1)"},
      {"leading tab", "\t=1", "'\t=1"},
      {"leading carriage return", "\r=1", "\"'\r=1\""},
      {"formula that needs quoting too", "=HYPERLINK(\"http://example.invalid\",\"x\")",
       "\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\""},
      {"= later in the text is harmless", "A=B", "A=B"},
  };
  for (const auto& r : table) {
    INFO(r.name);
    CHECK(csv_field(r.text) == r.want);
  }
}

namespace {

// Two challenges whose agency names need every kind of care in CSV.
const char* const kWelsh = "Cyngor Sir Ynys Môn";
const char* const kComma = "Smith, Jones & Partners";
const char* const kFormula = "=HYPERLINK(\"http://example.invalid\")";
const char* const kQuoteNewline = "The \"Other\"\nTrust";

std::vector<BoardRow> awkward_rows() {
  return {
      make({.category = "information_sharing", .from = kFormula, .to = kQuoteNewline, .opened = "2026-04-01T10:00:00Z",
            .procedure = "bury-sab", .expedited = true}),
      make({.from = kWelsh, .to = kComma, .opened = "2026-03-02T10:00:00Z", .status = "resolved",
            .ended = "2026-03-09T10:00:00Z", .stage = 2, .days = 5, .missed = {2}}),
  };
}

using Table = std::vector<std::vector<std::string>>;

const Table kRowsWant = {
    {"row", "procedure", "month_opened", "category", "challenger_agency", "challenged_agency", "status", "stage",
     "working_days_to_resolution", "timescales_missed", "expedited"},
    {"R1", "shropshire-sscp", "2026-03", "response_to_referral", kWelsh, kComma, "resolved", "2", "5", "1", "no"},
    {"R2", "bury-sab", "2026-04", "information_sharing", std::string("'") + kFormula, kQuoteNewline, "open", "1", "", "0",
     "yes"},
};

// suppress_below 2: every 1 is hidden; the lone hidden cells have no non-zero neighbour.
const Table kFiguresWant = {
    {"section", "label", "month", "stage", "value", "suppressed"},
    {"total", "", "", "", "2", "no"},
    {"opened", "", "2026-03", "", "", "yes"},
    {"resolved", "", "2026-03", "", "", "yes"},
    {"open", "", "2026-03", "", "0", "no"},
    {"opened", "", "2026-04", "", "", "yes"},
    {"resolved", "", "2026-04", "", "0", "no"},
    {"open", "", "2026-04", "", "", "yes"},
    {"category", "information_sharing", "", "", "", "yes"},
    {"category", "response_to_referral", "", "", "", "yes"},
    {"agency_pair", std::string("'") + kFormula + " → " + kQuoteNewline, "", "", "", "yes"},
    {"agency_pair", std::string(kWelsh) + " → " + kComma, "", "", "", "yes"},
    {"resolved_at_stage", "", "", "2", "", "yes"},
    {"missed_by_stage", "Stage 2", "", "2", "", "yes"},
    {"missed_by_agency", kWelsh, "", "", "", "yes"},
    {"missed_by_agency", kComma, "", "", "", "yes"},
    {"days_to_resolution_median", "", "", "", "", "yes"},
    {"days_to_resolution_p90", "", "", "", "", "yes"},
    {"resolved_count", "", "", "", "", "yes"},
};

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto i = text.find(what); i != std::string::npos; i = text.find(what, i + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("CSV files: CRLF line ends, no BOM, rows ordered by opening and numbered", "[board][csv]") {
  const std::string rows_csv = board_rows_csv(awkward_rows(), {});
  CHECK(rows_csv.rfind("row,procedure,month_opened,", 0) == 0);   // no BOM
  CHECK(rows_csv.substr(rows_csv.size() - 2) == "\r\n");
  CHECK(count_of(rows_csv, "\r\n") == kRowsWant.size());           // the newline inside a name is quoted, not a line end
  CHECK(rows_csv.find("\r\nR1,shropshire-sscp,2026-03,response_to_referral,Cyngor Sir Ynys Môn,"
                      "\"Smith, Jones & Partners\",resolved,2,5,1,no\r\n") != std::string::npos);
  // The filter applies, and the numbers start again.
  const std::string april = board_rows_csv(awkward_rows(), {.from = at("2026-04-01")});
  CHECK(count_of(april, "\r\n") == 2);
  CHECK(april.find("\r\nR1,bury-sab,2026-04,") != std::string::npos);

  const std::string figures = board_figures_csv(board_dashboard(awkward_rows(), {}, settings(2)));
  CHECK(figures.rfind("section,label,month,stage,value,suppressed\r\n", 0) == 0);
  CHECK(count_of(figures, "\r\n") == kFiguresWant.size());
}

#ifndef __EMSCRIPTEN__
namespace {

// What Python's csv module reads from `text`: a list of records of fields.
Table read_with_python(const std::string& text) {
  TempFile file("board-stats-csv");
  {
    std::FILE* f = std::fopen(file.path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  const char* script =
      "import csv, json, sys\n"
      "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
      "    print(json.dumps(list(csv.reader(f, strict=True))))\n";
  const RunResult r = run_program("python3", {"-c", script, file.path}, "2026-06-01T09:00:00Z");
  INFO(r.err);
  REQUIRE(r.code == 0);
  return Json::parse(r.out).get<Table>();
}

}  // namespace

TEST_CASE("Python's csv module reads back exactly the fields written (RFC 4180)", "[board][csv][python]") {
  CHECK(read_with_python(board_rows_csv(awkward_rows(), {})) == kRowsWant);
  CHECK(read_with_python(board_figures_csv(board_dashboard(awkward_rows(), {}, settings(2)))) == kFiguresWant);

  // Percentiles and patterns shown, and a dashboard of nothing.
  std::vector<BoardRow> rows;
  for (int days : {3, 1, 4, 1, 5, 9, 2, 6, 5, 3}) rows.push_back(make(resolved_spec(days)));
  const Table got = read_with_python(board_figures_csv(board_dashboard(rows, {}, settings(1, 10))));
  auto has = [&](const std::vector<std::string>& want) { return std::find(got.begin(), got.end(), want) != got.end(); };
  CHECK(has({"days_to_resolution_median", "", "", "", "3", "no"}));
  CHECK(has({"days_to_resolution_p90", "", "", "", "6", "no"}));
  CHECK(has({"resolved_count", "", "", "", "10", "no"}));
  CHECK(has({"pattern", "Council → Trust; response_to_referral; 2026-03-02 to 2026-03-02", "", "", "10", "no"}));
  CHECK(read_with_python(board_figures_csv(board_dashboard({}, {}, settings(5)))) ==
        Table{kFiguresWant[0], {"total", "", "", "", "0", "no"}, {"days_to_resolution_median", "", "", "", "", "no"},
              {"days_to_resolution_p90", "", "", "", "", "no"}, {"resolved_count", "", "", "", "0", "no"}});
}
#endif

TEST_CASE("a filter from the days a person gives: both days included, UK time, refusals name the field",
          "[board][filter]") {
  BoardFilter f = board_filter("2026-06-01", "2026-06-30", "Demo Police");
  CHECK(f.from == at("2026-05-31T23:00:00Z"));   // midnight at the start of 1 June, BST
  CHECK(f.to == at("2026-06-30T23:00:00Z"));     // midnight at the end of 30 June
  CHECK(f.agency == "Demo Police");
  BoardFilter open = board_filter("", "", "");
  CHECK(open.from == 0);
  CHECK(open.to == std::numeric_limits<std::int64_t>::max());
  struct Row {
    const char *from, *to, *field, *message;
  };
  const Row rows[] = {{"2026-13-01", "", "from", "from: give a date as YYYY-MM-DD (not '2026-13-01')"},
                      {"", "30/06/2026", "to", "to: give a date as YYYY-MM-DD (not '30/06/2026')"},
                      {"2026-07-01", "2026-06-30", "to", "to: the last day must not be before the first"}};
  for (const auto& r : rows) {
    INFO(r.from << " .. " << r.to);
    try {
      board_filter(r.from, r.to, "");
      FAIL("accepted");
    } catch (const BoardFilterError& e) {
      CHECK(e.field == r.field);
      CHECK(std::string(e.what()) == r.message);
    }
  }
}
