// tests/ui/test_app.cpp — the client's app model without a window: the home list's
// filters and order, saving only when the platform says the change is durable, the lock
// (passphrase, auto-lock with a pinned clock, kept drafts, wrong attempts, upgrading an
// old store, erasing); the Board dashboard's figures, filters, requests and downloads.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support.h"
#include "core/crypt_vfs.h"
#include "core/sha256.h"
#include "ui/app.h"
#include "ui/screens.h"

using namespace parley;
using namespace parley::test;

namespace {
const std::string kPassphrase = "amber kettle orbit lantern";

// A new app on a new store, unlocked (the cheapest Argon2id: these tests open many).
void start(ui::App& app) {
  app.kdf = fastest_kdf();
  REQUIRE(app.screen == ui::Screen::Unlock);
  REQUIRE(app.door() == ui::Door::New);
  REQUIRE(app.create_store(kPassphrase, kPassphrase));
}
}  // namespace

// The desktop platform layer (linked in) reports persistence to ui::g_desktop_app, which
// stays null here: saves remain pending until a test reports them.

TEST_CASE("home filters match search, stage, Board, overdue and missed timescales", "[ui]") {
  auto row = [](std::string id, std::string proc, int stage, std::string status, bool exp, std::optional<std::int64_t> due,
                std::string subject) {
    ChallengeRow r;
    r.id = id; r.procedure = proc; r.stage = stage; r.status = parse_status(status); r.expedited = exp; r.deadline = due;
    r.subject_name = subject; r.challenger_agency = "Northshire Council"; r.challenged_agency = "Northshire Police";
    r.category = "care_planning";
    return r;
  };
  std::int64_t now = at("2026-01-20T12:00");
  std::vector<ChallengeRow> all = {row("SSCP-1", "shropshire-sscp", 1, "open", false, at("2026-01-19"), "Alex One"),
                                   row("SSCP-2", "shropshire-sscp", 2, "open", true, at("2026-01-25"), "Blair Two"),
                                   row("BURY-3", "bury-sab", 1, "open", false, std::nullopt, "Casey Three"),
                                   row("BURY-4", "bury-sab", 3, "closed", false, std::nullopt, "Drew Four")};
  all[3].missed = true;   // closed after a stage ran late (core/history.h)
  struct Case {
    const char* name;
    ui::HomeFilter f;
    std::vector<std::string> ids;
  };
  std::vector<Case> cases = {
      {"default hides closed", {}, {"SSCP-1", "SSCP-2", "BURY-3"}},
      {"show closed", {"", 0, "", false, true}, {"SSCP-1", "SSCP-2", "BURY-3", "BURY-4"}},
      {"search subject, any case", {"blair", 0, "", false, false}, {"SSCP-2"}},
      {"search agency", {"POLICE", 0, "", false, false}, {"SSCP-1", "SSCP-2", "BURY-3"}},
      {"stage", {"", 2, "", false, false}, {"SSCP-2"}},
      {"Board", {"", 0, "bury-sab", false, true}, {"BURY-3", "BURY-4"}},
      {"overdue only", {"", 0, "", true, false}, {"SSCP-1"}},
      // Missed: the overdue one, and a closed one whose stage ran late (when closed are shown).
      {"missed a timescale", {"", 0, "", false, false, true}, {"SSCP-1"}},
      {"missed a timescale, closed too", {"", 0, "", false, true, true}, {"SSCP-1", "BURY-4"}},
      {"nothing matches", {"zzz", 0, "", false, false}, {}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    std::vector<std::string> got;
    for (const auto& r : ui::filter_rows(all, c.f, now)) got.push_back(r.id);
    CHECK(got == c.ids);
  }
}

TEST_CASE("the app says Saved only for the latest durable change", "[ui]") {
  TempFile f("app-save");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(61);
  ui::App app(f.path, clock, ids);
  start(app);
  CHECK(app.screen == ui::Screen::FirstRun);
  ui::Profile p;
  p.author = {"Sam Example", "Social Worker", "Northshire Council Adult Social Care", "practitioner"};
  // No platform callback in this test binary: persistence stays pending until reported.
  app.save_profile(p);
  std::int64_t first = app.generation();
  CHECK(app.save_state() == ui::App::SaveState::Saving);
  app.save_settings();
  app.on_persisted(first, true, "");                 // an older write finishing
  CHECK(app.save_state() == ui::App::SaveState::Saving);
  app.on_persisted(app.generation(), true, "");
  CHECK(app.save_state() == ui::App::SaveState::Saved);
  std::string id;
  CHECK_FALSE(app.run([&] { id = app.engine().open(Json{{"procedure", "nowhere"}}, p.author); }, "Raised"));
  CHECK(app.message_is_error);
  CHECK(app.message.find("unknown procedure") != std::string::npos);
  CHECK(app.run([&] { id = app.engine().open(open_body("bury-sab"), p.author); }, "Raised"));
  app.on_persisted(app.generation(), false, "quota exceeded");
  CHECK(app.save_state() == ui::App::SaveState::Failed);
  CHECK(app.message.find("quota exceeded") != std::string::npos);
  CHECK(app.rows().size() == 1);
  // Reopened, the app asks for the passphrase; only the right one brings the profile back.
  ui::App again(f.path, clock, ids);
  CHECK(again.screen == ui::Screen::Unlock);
  CHECK(again.door() == ui::Door::Locked);
  CHECK(again.profile.author.name.empty());
  CHECK_FALSE(again.unlock("amber kettle orbit lanterns"));
  CHECK(again.door_error.find("not right") != std::string::npos);
  CHECK(again.unlock(kPassphrase));
  CHECK(again.screen == ui::Screen::Home);
  CHECK(again.profile.author.name == "Sam Example");
}

TEST_CASE("the app locks after idle or hidden time (pinned clock) and keeps what was typed", "[ui][lock]") {
  TempFile f("app-lock");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(62);
  ui::App app(f.path, clock, ids);
  start(app);
  ui::Profile p;
  p.author = {"Sam Example", "Social Worker", "Northshire Council Adult Social Care", "practitioner"};
  app.save_profile(p);
  app.settings.auto_lock_minutes = 5;
  app.save_settings();
  app.run([&] { app.engine().open(open_body("bury-sab"), p.author); }, "Raised");
  struct Step {
    const char* name;
    std::int64_t advance_ms;
    bool hidden;
    bool due;
  };
  const Step steps[] = {
      {"just used", 0, false, false},
      {"4 min 59 s idle", 4 * 60'000 + 59'000, false, false},
      {"5 min idle", 1'000, false, true},
  };
  app.note_activity();
  for (const auto& s : steps) {
    INFO(s.name);
    clock.advance(s.advance_ms);
    CHECK(app.lock_due() == s.due);
  }
  // Hidden: counted from when it was hidden, even with input just before.
  app.note_activity();
  app.set_hidden(true);
  clock.advance(4 * 60'000);
  CHECK_FALSE(app.lock_due());
  app.set_hidden(false);             // shown again: hidden time resets
  app.note_activity();
  app.set_hidden(true);
  clock.advance(5 * 60'000);
  CHECK(app.lock_due());

  // Locking keeps the drafts in the store, closes it, and notes what is unsynced.
  ui::Drafts d;
  d.summary = "typed but not saved";
  app.screen = ui::Screen::Raise;
  CHECK(ui::lock_if_due(app, d));
  CHECK_FALSE(app.is_open());
  CHECK(app.screen == ui::Screen::Unlock);
  CHECK(d.summary.empty());
  CHECK(app.profile.author.name.empty());
  CHECK(app.lock_info().unsynced == 1);
  CHECK(slurp(f.path).find("typed but not saved") == std::string::npos);
  app.set_hidden(false);
  REQUIRE(app.unlock(kPassphrase));
  ui::Drafts back;
  ui::restore_drafts(back, app, app.take_kept_drafts());
  CHECK(back.summary == "typed but not saved");
  CHECK(app.screen == ui::Screen::Raise);
  CHECK(app.take_kept_drafts().empty());   // given back once
}

TEST_CASE("wrong passphrases: counted, warned about with what would be lost, then the store is erased",
          "[ui][lock]") {
  TempFile f("app-attempts");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(63);
  ui::App app(f.path, clock, ids);
  start(app);
  app.settings.max_attempts = 3;
  app.run([&] { app.engine().open(open_body("bury-sab"), practitioner()); }, "Raised");
  app.lock("", "Locked.");
  CHECK(app.lock_info().max_attempts == 3);
  CHECK(app.attempts_left() == 3);
  CHECK_FALSE(app.unlock("not the passphrase at all"));
  CHECK(app.attempts_left() == 2);
  CHECK(app.door_error.find("2 tries left") != std::string::npos);
  CHECK_FALSE(app.unlock("still not the passphrase"));
  CHECK(app.door_error.find("1 try left") != std::string::npos);
  CHECK(app.lock_info().unsynced == 1);   // the lock screen's warning names this
  CHECK_FALSE(app.unlock("wrong for the third time"));
  CHECK(app.door_error.find("were erased") != std::string::npos);
  CHECK(app.door() == ui::Door::New);
  CHECK_FALSE(std::filesystem::exists(f.path));
}

TEST_CASE("a store an older Parley wrote is encrypted on its first unlock, guarded by its old PIN", "[ui][lock]") {
  TempFile f("app-upgrade");
  {
    // As the previous release left it: plain, with a salted SHA-256 of a 4-digit PIN.
    Store old(f.path);
    FixedClock c(at("2026-01-20T12:00"));
    IdSource i(64);
    ProcedureLibrary lib = ProcedureLibrary::builtin();
    Engine e(old, lib, c, i);
    Json body = open_body("bury-sab");
    body["subject"]["name"] = "Zebedee Quartermaine";
    e.open(body, practitioner());
    old.transaction([&] {
      old.set_meta("pin", "abcd:" + sha256_hex(std::string("abcd") + "2468"));
      old.set_meta("identity", practitioner().to_json().dump());
    });
  }
  FixedClock clock(at("2026-01-21T09:00"));
  IdSource ids(65);
  ui::App app(f.path, clock, ids);
  app.kdf = fastest_kdf();
  CHECK(app.door() == ui::Door::Upgrade);
  CHECK(app.upgrade_needs_pin());
  CHECK_FALSE(app.upgrade_store("1357", kPassphrase, kPassphrase));
  CHECK(app.door_error.find("PIN") != std::string::npos);
  CHECK_FALSE(app.upgrade_store("2468", "short", "short"));
  CHECK(app.door_error.find("12 characters") != std::string::npos);
  CHECK(inspect_store_file(f.path) == StoreFileKind::Plain);   // nothing changed yet
  REQUIRE(app.upgrade_store("2468", kPassphrase, kPassphrase));
  CHECK(app.screen == ui::Screen::Home);
  CHECK(app.rows().size() == 1);
  CHECK(inspect_store_file(f.path) == StoreFileKind::Encrypted);
  CHECK(slurp(f.path).find("Zebedee Quartermaine") == std::string::npos);
}

TEST_CASE("a store that fails its integrity check opens on the storage-problem screen, never as empty",
          "[ui][lock]") {
  TempFile f("app-tamper");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(67);
  ui::App app(f.path, clock, ids);
  start(app);
  for (int i = 0; i < 3; ++i) app.run([&] { app.engine().open(open_body("bury-sab"), practitioner()); }, "Raised");
  app.lock("", "Locked.");
  {
    // One byte of the second page, as a disk fault or a meddler would change it.
    std::fstream file(f.path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(kEnvelopeSize + kStorePageSize + 700);
    char c = 0;
    file.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    file.seekp(kEnvelopeSize + kStorePageSize + 700);
    file.write(&c, 1);
  }
  // Page 2 may be one no query on the first screen reads: it is checked on opening anyway.
  CHECK_FALSE(app.unlock(kPassphrase));
  CHECK_FALSE(app.is_open());
  CHECK(app.screen == ui::Screen::StorageProblem);
  CHECK(app.storage_problem.find("integrity check") != std::string::npos);
}

TEST_CASE("erasing the device leaves no store, and the lock screen offers a new start", "[ui][lock]") {
  TempFile f("app-erase");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(66);
  ui::App app(f.path, clock, ids);
  start(app);
  app.run([&] { app.engine().open(open_body("bury-sab"), practitioner()); }, "Raised");
  app.erase_device("Erased.");
  CHECK_FALSE(app.is_open());
  CHECK_FALSE(std::filesystem::exists(f.path));
  CHECK(app.door() == ui::Door::New);
  CHECK(app.screen == ui::Screen::Unlock);
  CHECK(app.message == "Erased.");
}

// ---- The Board dashboard's model (ui/board_view.h) ------------------------------------

namespace {
// A dashboard answer as the office server sends it (core/board_stats.h plus as_of and
// agencies): some cells shown, some suppressed.
const char* const kBoardAnswer = R"({
  "period": {"from": "2025-02-01", "to": "2026-01-21"}, "agency": "",
  "settings": {"suppress_below": 5, "pattern_count": 3, "pattern_window_days": 90},
  "total": {"value": 8},
  "by_month": [{"month": "2025-11", "opened": {"value": 6}, "resolved": {"value": null, "suppressed": true},
                "open": {"value": 5}},
               {"month": "2025-12", "opened": {"value": null, "suppressed": true}, "resolved": {"value": 0},
                "open": {"value": 6}}],
  "by_category": [{"label": "care_planning", "count": {"value": 6}},
                  {"label": "information_sharing", "count": {"value": null, "suppressed": true}}],
  "by_agency_pair": [{"label": "Demo Police → Demo Adult Social Care", "challenger": "Demo Police",
                      "challenged": "Demo Adult Social Care", "count": {"value": 6}}],
  "resolved_at_stage": [{"stage": 1, "count": {"value": null, "suppressed": true}}],
  "missed_by_stage": [{"stage": 0, "label": "Whole challenge", "count": {"value": 0}}],
  "missed_by_agency": [],
  "days_to_resolution": {"resolved": {"value": null, "suppressed": true}, "median": null, "p90": null, "suppressed": true},
  "patterns": [{"challenger": "Demo Police", "challenged": "Demo Adult Social Care", "category": "care_planning",
                "count": {"value": 6}, "window_days": 90, "from": "2025-11-02", "to": "2025-11-20"}],
  "suppressed_cells": 5,
  "as_of": "2026-01-20T12:00:00Z", "agencies": ["Demo Adult Social Care", "Demo Police"]
})";
}  // namespace

TEST_CASE("Board figures: shown and suppressed cells, empty figures, unreadable answers", "[ui][board]") {
  std::string error;
  auto f = ui::parse_board_figures(kBoardAnswer, error);
  REQUIRE(f);
  CHECK(error.empty());
  CHECK(ui::cell_words(f->total, 5) == "8");
  REQUIRE(f->by_month.size() == 2);
  CHECK(f->by_month[0].month == "2025-11");
  CHECK(ui::cell_words(f->by_month[0].opened, 5) == "6");
  CHECK(f->by_month[0].resolved.suppressed);
  CHECK_FALSE(f->by_month[0].resolved.value);
  CHECK(ui::cell_words(f->by_month[0].resolved, 5) == "not shown");
  CHECK(ui::cell_words(f->by_month[0].resolved, 5, true) == "hidden");
  CHECK(ui::cell_words(f->by_month[1].resolved, 5) == "0");   // a zero reveals no one: shown
  CHECK(f->by_category[1].count.suppressed);
  CHECK(f->resolved_at_stage[0].label == "Stage 1");          // named when the server leaves it out
  CHECK(f->missed_by_stage[0].label == "Whole challenge");
  CHECK(f->days_suppressed);
  CHECK_FALSE(f->median_days);
  CHECK(f->patterns.size() == 1);
  CHECK(f->patterns[0].window_days == 90);
  CHECK(f->suppressed_cells == 5);
  CHECK(f->as_of == "2026-01-20T12:00:00Z");
  CHECK(f->agencies == std::vector<std::string>{"Demo Adult Social Care", "Demo Police"});
  CHECK(ui::month_words("2025-11") == "Nov 2025");

  // No challenges in the period: a valid answer with nothing in it, not an error.
  auto empty = ui::parse_board_figures(R"({"total": {"value": 0}, "by_month": [], "by_category": [], "patterns": [],
      "days_to_resolution": {"resolved": {"value": 0}, "median": null, "p90": null, "suppressed": false},
      "suppressed_cells": 0, "agencies": []})", error);
  REQUIRE(empty);
  CHECK(*empty->total.value == 0);
  CHECK(empty->by_month.empty());
  CHECK(empty->by_agency_pair.empty());
  CHECK(empty->suppressed_cells == 0);

  struct Bad {
    const char* name;
    std::string body;
    std::string says;
  };
  std::vector<Bad> bad = {
      {"not JSON", "<html>Bad gateway</html>", "not JSON"},
      {"empty body", "", "not JSON"},
      {"a list", "[]", "not a JSON object"},
      {"no total", R"({"by_month": []})", "\"total\" is missing"},
      {"a count as text", R"({"total": {"value": "many"}})", "\"total\" is not a count"},
      {"months not a list", R"({"total": {"value": 1}, "by_month": {}})", "\"by_month\" is not a list"},
      {"a month without its counts", R"({"total": {"value": 1}, "by_month": [{"month": "2025-11"}]})", "\"opened\" is missing"},
  };
  for (const auto& b : bad) {
    INFO(b.name);
    error.clear();
    CHECK_FALSE(ui::parse_board_figures(b.body, error));
    CHECK(error.find(b.says) != std::string::npos);
    CHECK(error.find("Try again") != std::string::npos);   // and what to do about it
  }
}

TEST_CASE("Board dashboard periods and queries", "[ui][board]") {
  std::int64_t now = at("2026-01-20T12:00");
  struct Case {
    ui::BoardPeriod period;
    std::string from, to, want_from, want_to, error;
  };
  std::vector<Case> cases = {
      {ui::BoardPeriod::Last12Months, "", "", "2025-02-01", "2026-01-20", ""},
      {ui::BoardPeriod::ThisYear, "", "", "2026-01-01", "2026-01-20", ""},
      {ui::BoardPeriod::LastYear, "", "", "2025-01-01", "2025-12-31", ""},
      {ui::BoardPeriod::Custom, "2025-04-01", "2026-03-31", "2025-04-01", "2026-03-31", ""},
      {ui::BoardPeriod::Custom, "", "", "", "", ""},   // all time
      {ui::BoardPeriod::Custom, "2025-4-1", "", "", "", "first day as YYYY-MM-DD"},
      {ui::BoardPeriod::Custom, "", "2025-02-30", "", "", "last day as YYYY-MM-DD"},
      {ui::BoardPeriod::Custom, "2026-01-02", "2026-01-01", "", "", "first day is after the last"},
  };
  for (const auto& c : cases) {
    INFO(c.from << " " << c.to);
    std::string error;
    auto d = ui::board_dates(c.period, c.from, c.to, now, error);
    if (c.error.empty()) {
      REQUIRE(d);
      CHECK(d->from == c.want_from);
      CHECK(d->to == c.want_to);
    } else {
      CHECK_FALSE(d);
      CHECK(error.find(c.error) != std::string::npos);
    }
  }
  // Last 12 months in December does not reach back into the year before last.
  std::string error;
  CHECK(ui::board_dates(ui::BoardPeriod::Last12Months, "", "", at("2025-12-31T12:00"), error)->from == "2025-01-01");
  CHECK(ui::board_query({"2025-02-01", "2026-01-20"}, "Demo Police") == "from=2025-02-01&to=2026-01-20&agency=Demo%20Police");
  CHECK(ui::board_query({"", ""}, "A&B=C") == "agency=A%26B%3DC");
  CHECK(ui::board_query({"", ""}, "") == "");
}

TEST_CASE("Board dashboard requests: own ids, re-asked on a filter change, figures kept offline", "[ui][board]") {
  std::int64_t now = at("2026-01-20T12:00");
  ui::BoardDashboard b;
  auto first = b.figures_request(now);
  REQUIRE(first);
  CHECK(first->id >= ui::kBoardFirstRequestId);   // never an id the sync engine hands out
  CHECK(b.owns(first->id));
  CHECK_FALSE(b.owns(1));
  CHECK(first->needs_auth);
  CHECK(first->path == "/api/board/dashboard?from=2025-02-01&to=2026-01-20");
  CHECK_FALSE(b.figures_request(now));            // the same figures are already on their way
  b.on_response(first->id, {200, kBoardAnswer});
  CHECK(b.status == ui::BoardDashboard::Status::Shown);
  REQUIRE(b.figures);
  CHECK_FALSE(b.figures_request(now));
  // The period reads as asked, last day included (the server echoes the exclusive bound).
  CHECK(b.figures->period_from == "2025-02-01");
  CHECK(b.figures->period_to == "2026-01-20");

  // A new agency asks again; an answer to the superseded request is dropped.
  b.agency = "Demo Police";
  auto second = b.figures_request(now);
  REQUIRE(second);
  CHECK(second->path.find("agency=Demo%20Police") != std::string::npos);
  b.on_response(first->id, {200, "{}"});
  CHECK(b.status == ui::BoardDashboard::Status::Loading);
  // Offline: the last figures stay, marked as not refreshed, and Retry asks again.
  b.on_response(second->id, {0, ""});
  CHECK(b.status == ui::BoardDashboard::Status::Offline);
  CHECK(b.figures);
  CHECK_FALSE(b.figures_request(now));            // not every frame
  auto retry = b.figures_request(now, true);
  REQUIRE(retry);
  // A broken answer keeps the figures too, and says why.
  b.on_response(retry->id, {200, "not json"});
  CHECK(b.status == ui::BoardDashboard::Status::Failed);
  CHECK(b.problem.find("not JSON") != std::string::npos);
  CHECK(b.figures);
  // A refusal the server explains is passed on in its words.
  auto refused = b.figures_request(now, true);
  b.on_response(refused->id, {400, R"({"error": {"code": "bad_request", "message": "from: give a date as YYYY-MM-DD"}})"});
  CHECK(b.problem == "The office server could not give the figures (HTTP 400: from: give a date as YYYY-MM-DD). Try again later.");
  CHECK(b.figures);
  // 403: not for this account; nothing is shown.
  auto denied = b.figures_request(now, true);
  b.on_response(denied->id, {403, R"({"error": {"code": "forbidden", "message": "board only"}})"});
  CHECK(b.status == ui::BoardDashboard::Status::Forbidden);
  CHECK(b.problem.find("Board's business unit") != std::string::npos);
  CHECK_FALSE(b.figures);
  // A bad custom date is not asked for.
  b.period = ui::BoardPeriod::Custom;
  b.custom_from = "yesterday";
  CHECK_FALSE(b.figures_request(now, true));
  CHECK(b.filter_error.find("YYYY-MM-DD") != std::string::npos);
}

TEST_CASE("Board report downloads are saved whole and private, never over an earlier one", "[ui][board]") {
  namespace fs = std::filesystem;
  TempFile home("board-home");
  fs::create_directories(fs::path(home.path) / "Downloads");
  const char* old_home = std::getenv("HOME");
  std::string saved_home = old_home ? old_home : "";
  ::setenv("HOME", home.path.c_str(), 1);
  std::int64_t now = at("2026-01-20T12:00");
  ui::BoardDashboard b;
  b.agency = "Demo Police";
  auto r = b.report_request(ui::BoardReport::Figures, now);
  REQUIRE(r);
  CHECK(r->path == "/api/board/report.csv?from=2025-02-01&to=2026-01-20&agency=Demo%20Police&what=figures");
  CHECK_FALSE(b.report_request(ui::BoardReport::Rows, now));   // one download at a time
  std::string csv = "section,label,month,stage,value,suppressed\r\ntotal,,,,8,\r\n";
  ui::BoardNotice note = b.on_response(r->id, {200, csv});
  fs::path file = fs::path(home.path) / "Downloads" / "parley-board-figures-2025-02-01-to-2026-01-20-demo-police.csv";
  CHECK_FALSE(note.error);
  CHECK(note.text == "Saved " + file.string());
  CHECK(slurp(file.string()) == csv);
  CHECK((fs::status(file).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  auto again = b.report_request(ui::BoardReport::Figures, now);
  REQUIRE(again);
  note = b.on_response(again->id, {200, "second"});
  CHECK(note.text.find("demo-police (2).csv") != std::string::npos);
  CHECK(slurp(file.string()) == csv);
  auto rows = b.report_request(ui::BoardReport::Rows, now);
  REQUIRE(rows);
  CHECK(rows->path.find("what=challenges") != std::string::npos);
  note = b.on_response(rows->id, {0, ""});
  CHECK(note.error);
  CHECK(note.text.find("could not be reached") != std::string::npos);
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
  else ::unsetenv("HOME");
  fs::remove_all(home.path);
}

TEST_CASE("an email's link opens its challenge once Home is shown, never past unlocking", "[ui][link]") {
  TempFile f("app-link");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(3);
  ui::App app(f.path, clock, ids);
  start(app);
  std::string id = app.engine().open(parley::test::open_body("shropshire-sscp"), parley::test::practitioner());
  struct Row {
    const char* name;
    std::string fragment;
    ui::Screen before;
    ui::Screen after;
    bool error;
  };
  const Row rows[] = {
      {"a challenge on this device, from Home", "#challenge=" + id, ui::Screen::Home, ui::Screen::Challenge, false},
      {"not on this device: says so", "#challenge=SSCP-NOTHERE", ui::Screen::Home, ui::Screen::Home, true},
      {"any other fragment: nothing", "#settings", ui::Screen::Home, ui::Screen::Home, false},
  {"locked: waits for unlocking", "#challenge=" + id, ui::Screen::Unlock, ui::Screen::Unlock, false},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    app.message.clear();
    app.screen = r.before;
    app.follow_link(r.fragment);
    app.open_pending_link();
    CHECK(app.screen == r.after);
    CHECK(!app.message.empty() == r.error);
  }
  app.screen = ui::Screen::Home;   // unlocked: the waiting link opens now
  app.open_pending_link();
  CHECK(app.screen == ui::Screen::Challenge);
  CHECK(app.selected == id);
}

TEST_CASE("the raise screen's other agency: from the synced list, or chosen as not in it", "[ui][agencies]") {
  TempFile f("app-agencies");
  FixedClock clock(at("2026-01-20T12:00"));
  IdSource ids(67);
  ui::App app(f.path, clock, ids);
  start(app);
  // Never synced: nothing to check against; the field takes what is typed.
  CHECK(app.agencies().empty());
  std::string typed = "Police";
  CHECK(ui::agency_ready(app, typed));

  // A sync brought the Board's list (the sync engine writes it to the store).
  app.store().replace_agencies({"Demo Housing Trust", "Demo Police"}, "v1");
  app.tick_sync();   // nothing in flight; the list is re-read after a lock or a new copy
  app.lock("", "test");
  REQUIRE(app.unlock(kPassphrase));
  CHECK(app.agencies() == std::vector<std::string>{"Demo Housing Trust", "Demo Police"});

  struct Row {
    std::string typed;
    bool not_listed;
    bool ready;
    std::string after;   // the field once ready (the list's spelling)
  };
  const std::vector<Row> rows = {
      {"Demo Police", false, true, "Demo Police"},
      {"demo police", false, true, "Demo Police"},
      {"Police", false, false, "Police"},
      {"Police", true, true, "Police"},
  };
  for (const auto& r : rows) {
    INFO(r.typed << (r.not_listed ? " (not in the list)" : ""));
    app.agency_picker = {};
    app.agency_picker.not_listed = r.not_listed;
    std::string value = r.typed;
    CHECK(ui::agency_ready(app, value) == r.ready);
    CHECK(value == r.after);
    if (r.ready) {
      CHECK(app.agency_picker.error.empty());
    } else {
      CHECK_THAT(app.agency_picker.error, Catch::Contains("is not in the Board's list of agencies"));
      CHECK_THAT(app.agency_picker.error, Catch::Contains("Not in the list"));
    }
  }
}
