// ui/screen_first_run.cpp — who I am on this device (until server sign-in replaces it) and
// which Board procedure I work under. Shown after the passphrase is chosen (the lock screen
// creates the encrypted store first, so nothing is ever written unencrypted).
#include <imgui.h>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

const std::vector<std::string>& role_labels() {
  static const std::vector<std::string> v = {"Practitioner", "Line manager / supervisor",
                                             "Safeguarding lead / named professional",
                                             "Senior manager / head of service",
                                             "Assistant director / director", "Board chair / business unit"};
  return v;
}

void screen_first_run(App& app, Drafts& d) {
  heading("Welcome to Parley");
  text("Parley keeps the record of a professional challenge, stage by stage, as your Board's "
       "procedure says. It works without a signal; records stay on this device until it can reach the office.");
  if (button("Sign in to your office server", true, -1)) {
    app.screen = Screen::SignIn;
    app.set_message("");
  }
  muted("Or, to use Parley on this device only for now, say who you are:");
  spacer();
  input_text("Your name", d.name);
  input_text("Job title", d.job_title);
  input_text("Agency", d.agency, false, "e.g. Northshire Council Adult Social Care");
  choice("Your role", d.role, role_labels());
  std::vector<std::string> procs;
  for (const auto* p : app.procedures().all()) procs.push_back(p->board.name);
  choice("Your Safeguarding Board", d.procedure, procs);
  spacer();
  if (button("Start using Parley", false, -1)) {
    if (d.name.empty() || d.agency.empty()) {
      app.set_error("Enter your name and agency.");
    } else {
      Profile p;
      p.author = {d.name, d.job_title, d.agency, role_levels()[static_cast<std::size_t>(d.role)]};
      app.save_profile(p);
      app.settings.board_procedure = app.procedures().all()[static_cast<std::size_t>(d.procedure)]->id;
      app.save_settings();
      app.screen = Screen::Home;
      app.set_message("Welcome, " + d.name + ".");
    }
  }
}

}  // namespace parley::ui
