// ui/status_bar.cpp — always visible at the bottom: saved or not, online or not, what
// exists only on this device and since when, storage persistence, the iPad Safari warning,
// and the last message (errors say what to fix).
#include <imgui.h>

#include <cstdio>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {


namespace {
void show_message(App& app) {
  if (app.message.empty()) return;
  if (app.message_is_error) warning(app.message);
  else muted(app.message);
}
}  // namespace

void status_bar(App& app) {
  platform::Environment env = platform::environment();
  if (!app.is_open()) {
    // Locked: nothing of the store is read. Only what the device itself says.
    const char* state = app.screen == Screen::StorageProblem
                            ? "Nothing is being saved until the storage problem is dealt with"
                        : app.door() == Door::Locked  ? "Locked"
                        : app.door() == Door::Upgrade ? "Records not yet encrypted"
                                                      : "Not set up yet";
    muted(std::string(state) + "  ·  " + (env.online ? "Online" : "Offline") +
          (env.persistent_storage ? "  ·  Storage: kept" : "  ·  Storage: may be cleared by the browser"));
    show_message(app);
    return;
  }
  std::string save;
  switch (app.save_state()) {
    case App::SaveState::Idle: save = "All saved on this device"; break;
    case App::SaveState::Saving: save = "Saving…"; break;
    case App::SaveState::Saved: save = "Saved"; break;
    case App::SaveState::Failed: save = "NOT SAVED"; break;
  }
  // With the stored records missing or unreadable nothing is being saved: never say "All
  // saved" over that.
  if (app.screen == Screen::StorageProblem) save = "Nothing is being saved until the storage problem is dealt with";
  const SyncStatus& sync = app.sync_status();
  // Online means the office server answers: the browser probes it; a signed-in client
  // also knows from its last sync request (the only signal on the desktop).
  bool online = env.online && !(app.signed_in() && sync.state == SyncState::Offline);
  std::string line = save + "  ·  " + (online ? "Online" : "Offline");
  if (app.sync().server().empty() || !app.signed_in()) {
    line += "  ·  Not syncing (not signed in)";
  } else {
    line += "  ·  Last synced: " + (!sync.last_ok ? std::string("never")
                                        : uk_local_date(*sync.last_ok) == uk_local_date(app.now()) ? clock_words(*sync.last_ok)
                                                                                                   : when_words(*sync.last_ok));
    if (sync.state == SyncState::Syncing) line += " (syncing…)";
  }
  std::int64_t pending = app.device_only_count();
  if (pending > 0) {
    line += "  ·  " + std::to_string(pending) + " records only on this device";
    if (auto since = app.device_only_since()) {
      Date d = uk_local_date(*since);
      line += " since " + std::to_string(d.day) + " " + month_short(d.month);
    }
  }
  line += env.persistent_storage ? "  ·  Storage: kept" : "  ·  Storage: may be cleared by the browser";
  if (app.save_state() == App::SaveState::Failed) warning(line);
  else muted(line);
  // Not reaching the server while offline is expected (the line above says Offline and
  // how much waits on this device): warn only about what needs a person.
  if (app.signed_in() && !sync.last_error.empty() && sync.state != SyncState::Idle && sync.state != SyncState::Syncing &&
      sync.state != SyncState::Offline)
    warning("Sync: " + sync.last_error);
  if (env.ios_safari_tab)
    warning("Add Parley to your Home Screen: in a Safari tab, records can be deleted after 7 days without use.");
  if (env.update_waiting && app.save_state() != App::SaveState::Saving) {
    if (button("Reload to update")) platform::apply_update();
    ImGui::SameLine();
  }
  show_message(app);
}

}  // namespace parley::ui
