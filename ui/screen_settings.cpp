// ui/screen_settings.cpp — text size, high contrast, and the Board procedure used for new
// challenges. Settings are kept on this device.
#include <imgui.h>

#include <cmath>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

void screen_settings(App& app, Drafts&) {
  heading("Settings");
  text("Text size: " + std::to_string(static_cast<int>(std::lround(app.settings.font_scale * 100))) + "%");
  if (button("Smaller text") && app.settings.font_scale > 0.85f) {
    app.settings.font_scale -= 0.1f;
    app.save_settings();
  }
  ImGui::SameLine();
  if (button("Larger text") && app.settings.font_scale < 1.95f) {
    app.settings.font_scale += 0.1f;
    app.save_settings();
  }
  bool hc = app.settings.high_contrast;
  if (checkbox("High-contrast colours", hc)) {
    app.settings.high_contrast = hc;
    app.save_settings();
  }
  std::vector<std::string> procs;
  int current = 0, i = 0;
  for (const auto* p : app.procedures().all()) {
    if (p->id == app.settings.board_procedure) current = i;
    procs.push_back(p->board.name);
    ++i;
  }
  if (choice("Board procedure for new challenges", current, procs)) {
    app.settings.board_procedure = app.procedures().all()[static_cast<std::size_t>(current)]->id;
    app.save_settings();
  }
  spacer();
  heading("Office server");
  const std::string& server = app.sync().server();
  if (app.signed_in()) {
    text("Signed in to " + server + " as " + app.profile.author.name + " (" + app.profile.author.agency + ").");
    if (app.sync_status().state == SyncState::NeedsSignIn) {
      warning("The server no longer accepts this device's sign-in.");
      if (button("Sign in again", true)) app.screen = Screen::SignIn;
    } else if (button("Sync now")) {
      app.sync().request_sync();
      app.invalidate();   // show "syncing" at once
    }
    ImGui::SameLine();
    if (button("Sign out")) app.sign_out();
  } else {
    text(server.empty() ? "Not signed in: records stay on this device."
                        : "Signed out of " + server + ": records stay on this device.");
    if (button("Sign in to your office server")) app.screen = Screen::SignIn;
  }
  spacer();
  muted("Device: " + app.store().device_id() + ". Records on this device: " + std::to_string(app.store().event_count()) + ".");
}

}  // namespace parley::ui
