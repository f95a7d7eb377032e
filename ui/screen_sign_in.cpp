// ui/screen_sign_in.cpp — signing in to the office server: its address (the page's own
// origin in a browser), user name and password.
// The server's user record then becomes who I am on this device, and records start to
// sync (docs/sync-protocol.md). Reached from the first-run screen and from Settings.
#include <imgui.h>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

void screen_sign_in(App& app, Drafts& d) {
  if (app.just_signed_in) {
    // The answer came back: finish here (procedure, screen) so the screen reads as one step.
    app.just_signed_in = false;
    if (d.sign_in_procedure >= 0 && d.sign_in_procedure < static_cast<int>(app.procedures().all().size())) {
      app.settings.board_procedure = app.procedures().all()[static_cast<std::size_t>(d.sign_in_procedure)]->id;
      app.save_settings();
    }
    d.password.clear();
    app.screen = Screen::Home;
    app.set_message("Signed in as " + app.profile.author.name + ". Records will sync with the office server.");
    return;
  }
  heading("Sign in to your office server");
  text("Your Board's office server keeps a copy of the challenges your agency is part of and shares them with the "
       "other agencies involved. Parley still works without a signal: records wait on this device until it can "
       "reach the server.");
  if (d.server.empty()) d.server = app.sync().server().empty() ? platform::default_server() : app.sync().server();
  next_field_kind(FieldKind::Url);   // an address: no capitals, no autocorrect
  input_text("Office server address", d.server, false, "https://parley.example.org");
  next_field_kind(FieldKind::Username);   // password managers fill these two
  input_text("User name", d.username);
  input_secret("Password", d.password);
  // Which Board's procedure new challenges follow (the server names the Board; the
  // procedure is chosen here, as on the first-run screen, and can be changed in Settings).
  std::vector<std::string> procs;
  for (const auto* p : app.procedures().all()) {
    if (p->id == app.settings.board_procedure && d.sign_in_procedure < 0) d.sign_in_procedure = static_cast<int>(procs.size());
    procs.push_back(p->board.name);
  }
  if (d.sign_in_procedure < 0) d.sign_in_procedure = 0;
  choice("Your Safeguarding Board's procedure", d.sign_in_procedure, procs);
  spacer();
  if (app.signing_in()) {
    muted("Signing in…");
  } else if (button("Sign in", true, -1)) {
    app.sign_in(d.server, d.username, d.password);
  }
  if (!app.sign_in_error.empty()) warning(app.sign_in_error);
  spacer();
  if (button(app.profile.complete() ? "Cancel" : "Use Parley on this device only")) {
    app.sign_in_error.clear();
    app.screen = app.profile.complete() ? Screen::Settings : Screen::FirstRun;
  }
}

}  // namespace parley::ui
