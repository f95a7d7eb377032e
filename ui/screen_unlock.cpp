// ui/screen_unlock.cpp — the lock screen: the only screen while the store is closed. It
// asks what App::door() says: a new passphrase (no store yet), a passphrase to encrypt the
// store an older Parley wrote, or the passphrase that unlocks this device's records. It
// warns, before the last attempts, how many records would be lost (docs/user-guide.md).
#include <imgui.h>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

namespace {
bool enter_pressed() { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)); }

void forget(Drafts& d) {
  // Secrets leave memory as soon as they are used (std::string frees, zeroed, on clear).
  d.pin.clear();
  d.pin.shrink_to_fit();
  d.passphrase.clear();
  d.passphrase.shrink_to_fit();
  d.passphrase_again.clear();
  d.passphrase_again.shrink_to_fit();
}

const char* kPolicy =
    "Use at least 12 characters: three or four words you will remember, with spaces, are easier to type than a "
    "short password and much harder to guess. Nobody can recover it for you: if it is forgotten, the records on "
    "this device that have not reached the office are lost.";

void choose_passphrase(App& app, Drafts& d, bool upgrade) {
  if (upgrade) {
    heading("Protect the records on this device");
    text("This version of Parley keeps the records on this device encrypted, so that nobody who takes the device, "
         "or copies its storage, can read them. Choose a passphrase to encrypt them now.");
    if (app.upgrade_needs_pin()) {
      next_field_kind(FieldKind::Number);   // the number pad
      input_secret("Your current PIN", d.pin);
    }
  } else {
    heading("Welcome to Parley");
    text("Parley keeps the records of professional challenges on this device, encrypted. Choose the passphrase "
         "that unlocks them.");
  }
  muted(kPolicy);
  next_field_kind(FieldKind::NewPassword);   // a password manager may offer to make one
  input_secret("Passphrase", d.passphrase);
  next_field_kind(FieldKind::NewPassword);
  input_secret("Passphrase again", d.passphrase_again);
  spacer();
  if (button(upgrade ? "Encrypt and continue" : "Continue", true, -1) ||
      (enter_pressed() && !d.passphrase_again.empty())) {
    platform::announce(upgrade ? "Encrypting the records on this device" : "Creating the encrypted store");
    bool ok = upgrade ? app.upgrade_store(d.pin, d.passphrase, d.passphrase_again)
                      : app.create_store(d.passphrase, d.passphrase_again);
    forget(d);
    if (!ok) app.set_error(app.door_error);
  }
}

void unlock(App& app, Drafts& d) {
  heading("Unlock Parley");
  text("The records on this device are encrypted. Enter your passphrase to open them.");
  const LockInfo& info = app.lock_info();
  int left = app.attempts_left();
  if (info.failed_attempts > 0 && left <= 3) {
    std::string lost = info.unsynced < 0   ? "Records that have not reached the office"
                       : info.unsynced == 0 ? "Nothing unsynced would be lost, but this device's copy"
                       : std::to_string(info.unsynced) + (info.unsynced == 1 ? " record" : " records") +
                             " not yet at the office";
    warning(std::to_string(left) + (left == 1 ? " try" : " tries") + " left. After that the records on this " +
            "device are erased. " + lost + (info.unsynced == 0 ? " would have to be synced again." : " would be lost."));
  }
  input_secret("Passphrase", d.passphrase);
  spacer();
  if (button("Unlock", true, -1) || (enter_pressed() && !d.passphrase.empty())) {
    bool ok = app.unlock(d.passphrase);
    forget(d);
    if (ok) {
      app.set_message("");
      platform::announce("Unlocked");
    } else {
      app.set_error(app.door_error);
    }
  }
}
}  // namespace

void screen_unlock(App& app, Drafts& d) {
  switch (app.door()) {
    case Door::New: choose_passphrase(app, d, false); break;
    case Door::Upgrade: choose_passphrase(app, d, true); break;
    case Door::Locked: unlock(app, d); break;
  }
}

}  // namespace parley::ui
