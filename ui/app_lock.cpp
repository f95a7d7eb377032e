// ui/app_lock.cpp — the App's lock: which door the lock screen shows, creating, encrypting
// and unlocking the store, locking it again (by hand, after idle time or time hidden), and
// erasing it. The cryptography is core/encryption.h; this file decides when.
#include "ui/app.h"

#include <chrono>

#include "core/sha256.h"

namespace parley::ui {

void App::show_door() {
  screen = Screen::Unlock;
  switch (inspect_store_file(db_path_)) {
    case StoreFileKind::Missing:
    case StoreFileKind::Empty:
      door_ = Door::New;
      break;
    case StoreFileKind::Plain: {
      door_ = Door::Upgrade;
      // The old PIN (a salted hash in the old store) still guards the upgrade, so someone
      // who picks up the device cannot take its records over by choosing a passphrase.
      Store old(db_path_, StoreOptions{false, "", -1, nullptr});
      upgrade_needs_pin_ = old.meta("pin").has_value();
      break;
    }
    case StoreFileKind::Encrypted:
      door_ = Door::Locked;
      lock_info_ = parley::lock_info(db_path_);
      break;
    case StoreFileKind::Unknown:
      throw StoreError(db_path_ + " is not a Parley store, or it is damaged; restore it from a backup");
  }
}

namespace {
// Both passphrase fields agree and the policy (core/encryption.h) accepts them; else why not.
std::string new_passphrase_problem(const std::string& passphrase, const std::string& again) {
  if (std::string problem = passphrase_problem(passphrase); !problem.empty()) return problem;
  if (passphrase != again) return "The two passphrases are not the same. Type it again in both fields.";
  return "";
}
}  // namespace

bool App::create_store(const std::string& passphrase, const std::string& again) {
  door_error = new_passphrase_problem(passphrase, again);
  if (!door_error.empty()) return false;
  try {
    open_session(create_encrypted_store(db_path_, passphrase, kdf));
  } catch (const std::exception& e) {
    door_error = e.what();
    return false;
  }
  persist(true);
  return true;
}

bool App::upgrade_store(const std::string& old_pin, const std::string& passphrase, const std::string& again) {
  door_error = new_passphrase_problem(passphrase, again);
  if (!door_error.empty()) return false;
  try {
    if (upgrade_needs_pin_) {
      Store old(db_path_, StoreOptions{false, "", -1, nullptr});
      std::string stored = old.meta("pin").value_or("");
      auto colon = stored.find(':');
      if (colon == std::string::npos || sha256_hex(stored.substr(0, colon) + old_pin) != stored.substr(colon + 1)) {
        door_error = "That is not this device's PIN. Enter the PIN you used to unlock Parley before.";
        return false;
      }
    }
    open_session(encrypt_plain_store(db_path_, passphrase, kdf));
    store_->transaction([&] { store_->set_meta("pin", ""); });   // the old PIN's hash is no use now
  } catch (const std::exception& e) {
    door_error = e.what();
    return false;
  }
  persist(true);
  set_message("The records on this device are now encrypted. Unlock Parley with your passphrase from now on.");
  return true;
}

bool App::unlock(const std::string& passphrase) {
  door_error.clear();
  try {
    // Timed for the benchmark only (bench/web_bench.mjs section 5): nothing decides on it.
    auto started = std::chrono::steady_clock::now();
    auto key = unlock_store(db_path_, passphrase, lock_info_.max_attempts);
    auto unwrapped = std::chrono::steady_clock::now();
    open_session(std::move(key));
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    last_unlock = {ms(unwrapped - started), ms(std::chrono::steady_clock::now() - unwrapped)};
  } catch (const WrongPassphrase& e) {
    lock_info_ = parley::lock_info(db_path_);
    int left = e.attempts_left();
    door_error = "That passphrase is not right. " + std::to_string(left) + (left == 1 ? " try" : " tries") +
                 " left before the records on this device are erased.";
    persist(true);   // the count is on disk: keep it there in the browser too
    return false;
  } catch (const std::exception& e) {
    door_error = e.what();
    if (inspect_store_file(db_path_) == StoreFileKind::Encrypted) {
      // The key was right but the store would not open: damaged, never shown as empty.
      storage_problem = e.what();
      screen = Screen::StorageProblem;
      return false;
    }
    // Erased after the last attempt: whatever else the platform keeps goes too, and the
    // door is New now.
    platform::erase_local_storage();
    show_door();
    return false;
  }
  if (auto kept = store_->meta("kept_drafts"); kept && !kept->empty()) {
    kept_drafts_ = *kept;
    store_->transaction([&] { store_->set_meta("kept_drafts", ""); });
  }
  persist(true);
  return true;
}

void App::lock(const std::string& kept, const std::string& why) {
  if (!is_open()) return;
  try {
    if (!kept.empty()) store_->transaction([&] { store_->set_meta("kept_drafts", kept); });
  } catch (const std::exception&) {
    // Could not keep the drafts: lock anyway (an open store on an unattended device is worse).
  }
  std::int64_t unsynced = store_->outbox_count();
  close_session();
  try {
    note_lock_state(db_path_, unsynced, settings.max_attempts);
    lock_info_ = parley::lock_info(db_path_);
  } catch (const std::exception&) {
  }
  persist(true);
  door_ = Door::Locked;
  screen = Screen::Unlock;
  set_message(why);
}

// Everything read from the store goes: the store (whose pages SQLite frees, zeroed,
// when it closes; see core/encryption.h) and every copy the App keeps.
void App::close_session() {
  ++closings_;
  sync_in_flight_.reset();
  login_in_flight_.reset();
  sync_.reset();
  engine_.reset();
  store_.reset();
  std::vector<ChallengeRow>().swap(rows_);
  rows_valid_ = false;
  board.clear();
  profile = {};
  selected.clear();
  filter = {};
  sync_status_ = {};
  sync_status_at_ = -1;
  device_only_version_ = 0;
  sign_in_error.clear();
  message.clear();
  invalidate();
}

std::string App::take_kept_drafts() { return std::exchange(kept_drafts_, std::string()); }

void App::note_activity() { last_activity_ = now(); }

void App::set_hidden(bool hidden) {
  if (hidden && !hidden_since_) hidden_since_ = now();
  if (!hidden) hidden_since_.reset();
}

bool App::lock_due() const {
  if (!is_open()) return false;
  std::int64_t limit = static_cast<std::int64_t>(settings.auto_lock_minutes) * 60'000;
  std::int64_t t = now();
  if (hidden_since_ && t - *hidden_since_ >= limit) return true;
  return t - last_activity_ >= limit;
}

void App::erase_device(const std::string& why) {
  erase_after_sync_ = false;
  close_session();
  erase_store(db_path_);
  platform::erase_local_storage();
  kept_drafts_.clear();
  show_door();
  set_message(why);
}

}  // namespace parley::ui
