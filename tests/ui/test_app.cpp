// tests/ui/test_app.cpp — the client's app model without a window: the home list's
// filters and order, saving only when the platform says the change is durable, the PIN.
#include <catch2/catch.hpp>

#include "tests/support.h"
#include "ui/app.h"

using namespace parley;
using namespace parley::test;

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
  CHECK(app.screen == ui::Screen::FirstRun);
  ui::Profile p;
  p.author = {"Sam Example", "Social Worker", "Northshire Council Adult Social Care", "practitioner"};
  // No platform callback in this test binary: persistence stays pending until reported.
  app.save_profile(p);
  std::int64_t first = app.generation();
  CHECK(app.save_state() == ui::App::SaveState::Saving);
  app.set_pin("2468");
  app.on_persisted(first, true, "");                 // an older write finishing
  CHECK(app.save_state() == ui::App::SaveState::Saving);
  app.on_persisted(app.generation(), true, "");
  CHECK(app.save_state() == ui::App::SaveState::Saved);
  CHECK(app.check_pin("2468"));
  CHECK_FALSE(app.check_pin("1357"));
  std::string id;
  CHECK_FALSE(app.run([&] { id = app.engine().open(Json{{"procedure", "nowhere"}}, p.author); }, "Raised"));
  CHECK(app.message_is_error);
  CHECK(app.message.find("unknown procedure") != std::string::npos);
  CHECK(app.run([&] { id = app.engine().open(open_body("bury-sab"), p.author); }, "Raised"));
  app.on_persisted(app.generation(), false, "quota exceeded");
  CHECK(app.save_state() == ui::App::SaveState::Failed);
  CHECK(app.message.find("quota exceeded") != std::string::npos);
  CHECK(app.rows().size() == 1);
  // Reopened, the profile and PIN come back and the app asks for the PIN.
  ui::App again(f.path, clock, ids);
  CHECK(again.screen == ui::Screen::Unlock);
  CHECK(again.profile.author.name == "Sam Example");
}
