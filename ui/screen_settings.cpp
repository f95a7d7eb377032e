// ui/screen_settings.cpp — text size, high contrast, the Board procedure used for new
// challenges, signing in and out (with erasing), and locking. Settings are kept on this device.
#include <imgui.h>

#include <cmath>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

namespace {
// Signing out: keep the (encrypted) records for the next sign-in, or erase this device once
// everything has reached the office (docs/user-guide.md, "Signing out").
void sign_out_choice(App& app, Drafts& d) {
  text("Signing out stops syncing. Keep this device's records, encrypted, for when you sign in again, or erase "
       "them once the office has every one of them?");
  if (button("Sign out and keep the records")) {
    d.confirm_sign_out = false;
    app.sign_out();
  }
  if (button("Sync, sign out and erase this device", true)) {
    d.confirm_sign_out = false;
    app.sign_out_and_erase();
  }
}

void erase_waiting(App& app) {
  std::int64_t pending = app.device_only_count();
  warning("Waiting to reach the office: " + std::to_string(pending) + (pending == 1 ? " record" : " records") +
          " not there yet. This device is erased as soon as the office has them.");
  std::string label = "Erase now (" + std::to_string(pending) + (pending == 1 ? " record" : " records") + " will be lost)";
  if (danger_button(label.c_str())) {
    app.sync().sign_out();
    app.erase_device("Signed out and erased this device.");
  }
}

// Locking: how soon, and how many wrong passphrases before the records are erased.
void this_device(App& app) {
  heading("Locking");
  static const std::vector<int> minutes = {1, 2, 5, 10, 15, 30};
  static const std::vector<int> attempts = {3, 5, 10, 20};
  std::vector<std::string> minute_labels, attempt_labels;
  int m = 2, a = 2;
  for (std::size_t i = 0; i < minutes.size(); ++i) {
    minute_labels.push_back(std::to_string(minutes[i]) + (minutes[i] == 1 ? " minute" : " minutes"));
    if (minutes[i] == app.settings.auto_lock_minutes) m = static_cast<int>(i);
  }
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    attempt_labels.push_back(std::to_string(attempts[i]));
    if (attempts[i] == app.settings.max_attempts) a = static_cast<int>(i);
  }
  if (choice("Lock after this long without use, or hidden", m, minute_labels)) {
    app.settings.auto_lock_minutes = minutes[static_cast<std::size_t>(m)];
    app.save_settings();
  }
  if (choice("Wrong passphrases before this device's records are erased", a, attempt_labels)) {
    app.settings.max_attempts = attempts[static_cast<std::size_t>(a)];
    app.save_settings();
  }
}
}  // namespace

void screen_settings(App& app, Drafts& d) {
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
    if (button("Sign out")) d.confirm_sign_out = true;
    if (d.confirm_sign_out && !app.erase_after_sync()) sign_out_choice(app, d);
  } else {
    text(server.empty() ? "Not signed in: records stay on this device."
                        : "Signed out of " + server + ": records stay on this device.");
    if (button("Sign in to your office server")) app.screen = Screen::SignIn;
  }
  if (app.erase_after_sync()) erase_waiting(app);
  spacer();
  this_device(app);
  spacer();
  muted("Device: " + app.store().device_id() + ". Records on this device: " + std::to_string(app.store().event_count()) + ".");
}

}  // namespace parley::ui
