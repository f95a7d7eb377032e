// ui/frame.cpp — the root of every frame: a full-screen window with a top bar, the
// current screen in a scrolling region, and the status bar. Both the browser and the
// desktop loop call draw_frame once per rendered frame.
#include <imgui.h>

#include <algorithm>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

namespace {
const char* screen_name(Screen s) {
  switch (s) {
    case Screen::FirstRun: return "first-run";
    case Screen::SignIn: return "sign-in";
    case Screen::Unlock: return "unlock";
    case Screen::Home: return "home";
    case Screen::Raise: return "raise";
    case Screen::Challenge: return "challenge";
    case Screen::RecordForm: return "record-form";
    case Screen::Settings: return "settings";
    case Screen::StorageProblem: return "storage-problem";
    case Screen::Board: return "board";
  }
  return "home";
}

// Auto-lock (docs/security.md): any input counts as activity; once the idle or hidden time
// is reached, what was typed is kept in the store and the store is closed before anything
// else is drawn. After unlocking, the typed text comes back.
// Each screen opens at its top, except Home, which comes back to where its list was left
// (a practitioner going through challenges one by one). Every screen draws in the one
// "content" child, so without this a screen opened at the last one's scroll position: a
// challenge raised from the bottom of the form opened scrolled to its timeline.
void scroll_for_screen(Screen now) {
  static Screen shown = Screen::FirstRun;
  static float home_scroll = 0;
  if (now == shown) return;
  if (shown == Screen::Home) home_scroll = ImGui::GetScrollY();
  ImGui::SetScrollY(now == Screen::Home ? home_scroll : 0.0f);
  shown = now;
}

void guard_lock(App& app, Drafts& drafts) {
  ImGuiIO& io = ImGui::GetIO();
  bool input = io.MouseDown[0] || io.MouseWheel != 0.0f || io.InputQueueCharacters.Size > 0 ||
               (io.MouseDelta.x != 0.0f || io.MouseDelta.y != 0.0f);
  for (int k = 0; k < IM_ARRAYSIZE(io.KeysDown) && !input; ++k) input = io.KeysDown[k];
  if (input) app.note_activity();
  lock_if_due(app, drafts);
  if (drafts.closings != app.closings()) {
    // Closed some other way (erased, wiped from the office): nothing typed or shown from
    // the closed store stays in memory.
    drafts = Drafts{};
    drafts.closings = app.closings();
    forget_screen_text();
  }
  if (app.is_open()) {
    std::string kept = app.take_kept_drafts();
    if (!kept.empty()) restore_drafts(drafts, app, kept);
  }
}
}  // namespace

bool lock_if_due(App& app, Drafts& drafts) {
  if (!app.lock_due()) return false;
  int minutes = app.settings.auto_lock_minutes;
  std::string kept = keep_drafts(drafts, app);
  app.lock(kept, "Locked after " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes") + " without use." +
                     (kept.empty() ? "" : " Your typing was kept."));
  drafts = Drafts{};
  drafts.closings = app.closings();
  forget_screen_text();
  return true;
}

void draw_frame(App& app, Drafts& drafts) {
  ImGuiIO& io = ImGui::GetIO();
  const Metrics& m = metrics();
  guard_lock(app, drafts);
  keep_typing_on_escape();
  begin_mirror(screen_name(app.screen));
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("Parley", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollbar);
  // Top bar: where you are, and the way home.
  bool locked = !app.is_open() || app.screen == Screen::FirstRun || app.screen == Screen::Unlock ||
                app.screen == Screen::StorageProblem || (app.screen == Screen::SignIn && !app.profile.complete());
  if (!locked) {
    if (app.screen != Screen::Home) {
      if (button("< Home")) {
        app.screen = Screen::Home;
        drafts.clear_action();
      }
      ImGui::SameLine();
    }
    if (app.screen != Screen::Settings) {
      if (button("Settings")) app.screen = Screen::Settings;
      ImGui::SameLine();
    }
    if (button("Lock")) {
      std::string kept = keep_drafts(drafts, app);   // "kept" is said only when something was typed
      app.lock(kept, kept.empty() ? "Locked." : "Locked. Your typing was kept.");
      drafts = Drafts{};
      drafts.closings = app.closings();
      ImGui::End();
      forget_screen_text();
      end_mirror();
      return;   // nothing more of the open store this frame
    }
    ImGui::SameLine();
    // The Board's business unit reaches its dashboard from Home (ui/screen_board.cpp).
    if (app.screen == Screen::Home && app.board_member()) {
      if (button("Board dashboard")) {
        app.board.open();
        app.screen = Screen::Board;
      }
      ImGui::SameLine();
    }
    ImGui::AlignTextToFramePadding();
    std::string who = app.profile.author.name + " · " + app.profile.author.agency;
    float w = ImGui::CalcTextSize(who.c_str()).x;
    if (ImGui::GetContentRegionAvail().x > w + m.gap()) {
      ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - w);
      ImGui::TextDisabled("%s", who.c_str());
    } else {
      ImGui::NewLine();
    }
    ImGui::Separator();
  }
  // The status region is as tall as its content was last frame (a message, a sync warning,
  // the pieces wrapping on a phone), at least two lines and at most a third of the window.
  static float status_needed = 0;
  float status_h = std::clamp(status_needed + ImGui::GetStyle().ItemSpacing.y * 2,
                              ImGui::GetFrameHeightWithSpacing() * 2.2f + m.gap(), ImGui::GetWindowHeight() / 3);
  ImGui::BeginChild("content", ImVec2(0, -status_h), false, ImGuiWindowFlags_NoBackground);
  scroll_for_screen(app.screen);
  app.open_pending_link();
  switch (app.screen) {
    case Screen::FirstRun: screen_first_run(app, drafts); break;
    case Screen::SignIn: screen_sign_in(app, drafts); break;
    case Screen::Unlock: screen_unlock(app, drafts); break;
    case Screen::Home: screen_home(app, drafts); break;
    case Screen::Raise: screen_raise(app, drafts); break;
    case Screen::Challenge: screen_challenge(app, drafts); break;
    case Screen::RecordForm: screen_record_form(app, drafts); break;
    case Screen::Settings: screen_settings(app, drafts); break;
    case Screen::StorageProblem: screen_storage_problem(app, drafts); break;
    case Screen::Board: screen_board(app, drafts); break;
  }
  // Room below the last item, so a finger can scroll it clear of the status bar.
  spacer(48);
  touch_scroll();
  ImGui::EndChild();
  ImGui::Separator();
  status_needed = status_bar(app, drafts);
  ImGui::End();
  end_mirror();
}

}  // namespace parley::ui
