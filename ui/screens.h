// ui/screens.h — every screen, listed in one place. A screen draws from the App and its
// own draft state and calls App commands; screens never call each other (they switch by
// setting App::screen).
#pragma once
#include <string>
#include <vector>

#include "ui/app.h"

namespace parley::ui {

// Text being typed into forms, kept between frames (not domain data until submitted).
struct Drafts {
  // first run / lock screen (the secrets are cleared as soon as they are used)
  std::string name, job_title, agency, pin, passphrase, passphrase_again;
  // sign in
  std::string server, username, password;
  int sign_in_procedure = -1;     // -1: not chosen yet (start from the current setting)
  bool confirm_sign_out = false;  // settings: the keep-or-erase question is showing
  // home: the challenge whose long-press menu is open
  std::string row_menu;
  int role = 0, procedure = 0;
  // raise a challenge
  int raise_step = 0;             // 0: imminent-risk question, 1: guidance shown, 2: details
  bool imminent = false;
  std::string subject_name, subject_ids, subject_dob, subject_views, challenged_name, challenged_job,
      challenged_agency, summary, agency_views, copied_to;
  int subject_kind = 0, capacity = 0, category = 0;
  bool at_risk = false;
  // challenge actions
  int action = 0;                 // which action form is open (0 = none)
  std::string a_text1, a_text2, a_text3, a_text4, a_date, a_with;
  int a_choice = 0;
  bool a_flag = false;
  std::string event_ref;          // event being corrected / action being completed
  int form_index = 0;
  std::uint64_t closings = 0;     // App::closings() these drafts belong to
  // Typed and not yet saved: a challenge being raised, or an action form on a challenge
  // (the status bar must not say "Saved" over either).
  bool raise_typed() const {
    return raise_step == 2 && !(subject_name.empty() && subject_ids.empty() && subject_dob.empty() && subject_views.empty() &&
                                challenged_name.empty() && challenged_job.empty() && challenged_agency.empty() &&
                                summary.empty() && agency_views.empty() && copied_to.empty());
  }
  bool action_typed() const {
    return action != 0 && !(a_text1.empty() && a_text2.empty() && a_text3.empty() && a_text4.empty() && a_date.empty() &&
                            a_with.empty());
  }
  void clear_action() {
    action = 0;
    a_text1.clear(); a_text2.clear(); a_text3.clear(); a_text4.clear(); a_date.clear(); a_with.clear();
    a_choice = 0;
    a_flag = false;
    event_ref.clear();
  }
};

void draw_frame(App& app, Drafts& drafts);   // root window, status bar, current screen

// Locks the store when the idle or hidden time is up (keeping what was typed); true if it
// did. draw_frame asks every frame; the browser also asks on a timer while the tab is
// hidden (no frames are drawn then).
bool lock_if_due(App& app, Drafts& drafts);

// Zero freed memory in C++, Dear ImGui and SQLite (ui/zero_on_free.cpp): call first in main.
bool zero_memory_when_freed();

// Unsent text across a lock (ui/drafts.cpp): as JSON for App::lock ("" when nothing was
// typed), and back after unlocking.
std::string keep_drafts(const Drafts& d, const App& app);
void restore_drafts(Drafts& d, App& app, const std::string& kept);

void screen_first_run(App& app, Drafts& d);
void screen_sign_in(App& app, Drafts& d);
void screen_unlock(App& app, Drafts& d);
void screen_home(App& app, Drafts& d);
void screen_raise(App& app, Drafts& d);
void screen_challenge(App& app, Drafts& d);
void screen_record_form(App& app, Drafts& d);
void screen_settings(App& app, Drafts& d);
void screen_storage_problem(App& app, Drafts& d);
void screen_board(App& app, Drafts& d);
// Draws the status region filling what is left of the window; returns the height its
// content needed, which the frame reserves next time.
float status_bar(App& app, const Drafts& drafts);

// Shared labels.
const std::vector<std::string>& role_labels();        // index-aligned with role_levels()
std::string category_label(const std::string& id);
std::string due_words(const ChallengeRow& row, std::int64_t now);
std::string clock_words(std::int64_t utc_ms);       // "14:05", UK local time
std::string when_words(std::int64_t utc_ms);        // "Tue 3 Nov 2026 14:05", UK local time
// The selected challenge's view as of now; on failure shows why and returns false.
bool selected_view(App& app, ChallengeView& out);

}  // namespace parley::ui
