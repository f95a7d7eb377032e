// ui/app.h — the client application model: one device's store and engine, who is using
// it, what screen is showing, and whether the last change is durable yet.
//
// Screens (ui/screen_*.cpp) draw from this and call its commands; they never call each
// other. Settings are a plain struct kept apart from domain state (style rule 4). Every
// command that changes data goes through App::run, which bumps the persistence
// generation: "Saved" is shown only when the platform reports that generation durable.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/encryption.h"
#include "core/engine.h"
#include "sync/client.h"
#include "ui/agency_picker.h"
#include "ui/board_view.h"
#include "ui/platform.h"

namespace parley::ui {

enum class Screen { FirstRun, SignIn, Unlock, Home, Raise, Challenge, RecordForm, Settings, StorageProblem, Board };

// Persisted UI settings (in the store's meta table as JSON): not domain data.
struct Settings {
  float font_scale = 1.0f;       // user's font size choice, 0.8 .. 2.0
  bool high_contrast = false;
  std::string board_procedure;   // the procedure this device raises challenges under
  int auto_lock_minutes = 5;     // idle, or hidden, this long: locked (1 .. 60)
  int max_attempts = 10;         // wrong passphrases in a row before the store is erased (3 .. 20)
};

// What the lock screen (ui/screen_unlock.cpp) asks for.
enum class Door {
  New,        // no store yet: choose a passphrase, which creates it encrypted
  Upgrade,    // a store an older Parley wrote unencrypted: choose a passphrase to encrypt it
  Locked,     // an encrypted store: its passphrase
};

struct Profile {
  Author author;                 // name, job title, agency, role
  bool complete() const { return !author.name.empty() && !author.agency.empty(); }
};

// Home screen filters.
struct HomeFilter {
  std::string search;            // subject, agencies, id, category
  int stage = 0;                 // 0 = any
  std::string procedure;         // empty = any
  bool overdue_only = false;
  bool include_closed = false;
  bool missed_only = false;      // a timescale was missed, or the current one is overdue
  bool operator==(const HomeFilter&) const = default;
};

class App {
 public:
  // Opens nothing yet: the store at `db_path` is encrypted at rest (core/encryption.h) and
  // opens only with its passphrase, so the first screen is the lock screen (Screen::Unlock,
  // asking what door() says). `clock` and `ids` are injected. Throws StoreError when the
  // file there is not a Parley store.
  App(const std::string& db_path, const Clock& clock, IdSource& ids);

  // Navigation and state the screens read.
  Screen screen = Screen::Home;
  std::string selected;                  // challenge id on the Challenge/RecordForm screens
  Settings settings;
  Profile profile;
  HomeFilter filter;
  std::string message;                   // last error or confirmation, shown in the status bar
  bool message_is_error = false;

  // ---- Locking (ui/app_lock.cpp; docs/security.md "Encryption at rest") ----
  bool is_open() const { return store_ != nullptr; }
  // How many times the store was closed (a lock, an erase, a wipe): the screens drop what
  // they hold of it when this changes.
  std::uint64_t closings() const { return closings_; }
  Door door() const { return door_; }
  // Each returns true when the store is open; otherwise door_error says what to do.
  bool create_store(const std::string& passphrase, const std::string& again);
  bool upgrade_store(const std::string& old_pin, const std::string& passphrase, const std::string& again);
  bool unlock(const std::string& passphrase);
  bool upgrade_needs_pin() const { return upgrade_needs_pin_; }
  std::string door_error;
  // Set when the store opened with the right key but part of it failed its integrity check
  // (or could not be read): the storage-problem screen shows it.
  std::string storage_problem;
  // Lock now: `kept` (the screens' unsent drafts, as JSON) is saved in the store first, so
  // nothing typed is lost and nothing of it stays in memory; the store is closed, which
  // frees (and zeroes) its decrypted pages and drops the key.
  void lock(const std::string& kept, const std::string& why);
  // The drafts lock() kept, once, after unlocking ("" when none).
  std::string take_kept_drafts();
  // Auto-lock: input seen, the window hidden or shown; lock_due says the idle or hidden
  // time has reached settings.auto_lock_minutes.
  void note_activity();
  void set_hidden(bool hidden);
  bool lock_due() const;
  // What the lock screen shows: wrong attempts so far and the limit, and records only on
  // this device when it last locked (-1: unknown).
  const LockInfo& lock_info() const { return lock_info_; }
  int attempts_left() const { return std::max(0, lock_info_.max_attempts - lock_info_.failed_attempts); }
  // Erases this device's store (the office asked: sync's wipe answer; or the person, when
  // signing out). The lock screen then offers a new start.
  void erase_device(const std::string& why);
  // How long the last unlock took, in ms: unwrapping the key (Argon2id) and opening the
  // store. For the benchmark (bench/web_bench.mjs); nothing decides on it.
  struct UnlockTimes {
    double kdf = 0, open = 0;
  } last_unlock;
  // Argon2id's cost for a store created or encrypted here (tests use the cheapest).
  KdfParams kdf = default_kdf();
  // Run on the store each time it opens (the browser sets its in-memory journal here).
  std::function<void(Store&)> on_store_open;

  Store& store() { return *store_; }
  Engine& engine() { return *engine_; }
  const ProcedureLibrary& procedures() const { return procedures_; }
  const Clock& clock() const { return clock_; }
  std::int64_t now() const { return clock_.now_ms(); }

  // Runs a data-changing command: on success bumps the generation and asks the platform
  // to persist; on failure keeps the message (what to fix) and nothing is written.
  bool run(const std::function<void()>& command, const std::string& done_message);

  // Durability of the latest change, for the status bar.
  enum class SaveState { Idle, Saving, Saved, Failed };
  SaveState save_state() const { return save_state_; }
  void on_persisted(std::int64_t generation, bool ok, const std::string& detail);
  std::int64_t generation() const { return generation_; }

  // Profile and settings live in the store's meta table.
  void save_profile(const Profile& p);
  void save_settings();

  // Records existing only on this device (not acknowledged by a server) and since when.
  // Read from the store once per data change, not every frame (the status bar asks each
  // frame; the outbox query scans events).
  std::int64_t device_only_count();
  std::optional<std::int64_t> device_only_since();

  // The home list: rows matching the filter, in urgency order (cached until data changes).
  const std::vector<ChallengeRow>& rows();
  // Counts over those rows by state, computed with them (not every frame).
  struct Counts {
    int open = 0, overdue = 0, expedited = 0, review = 0;
  };
  const Counts& counts() {
    rows();
    return counts_;
  }
  void invalidate() { rows_valid_ = false; ++data_version_; }
  std::uint64_t data_version() const { return data_version_; }

  // Sync with the office server (docs/sync-protocol.md). The engine decides what to send;
  // the App carries its requests through the platform (fetch / a worker thread) and hands
  // the answers back, all on the UI thread, which owns the store.
  SyncEngine& sync() { return *sync_; }
  // Delivers finished requests and starts the next one. Returns true when something the
  // screens show may have changed. Call it every frame or from a timer.
  bool tick_sync();
  // Signing in is asynchronous: the answer arrives through tick_sync. On success the
  // profile becomes the server's user; on failure sign_in_error says what to check.
  void sign_in(const std::string& server, const std::string& username, const std::string& password);
  bool signing_in() const { return login_in_flight_.has_value(); }
  // The sync status the status bar and Settings show, read at most once a second or after
  // a change (it counts the outbox; the bar draws every frame).
  const SyncStatus& sync_status();
  bool signed_in() const { return !sync_->token().empty(); }
  void sign_out();
  // Signing out and erasing this device: a final sync first; the store is erased once the
  // office has acknowledged every record (tick_sync), or at once with erase_device.
  void sign_out_and_erase();
  bool erase_after_sync() const { return erase_after_sync_; }
  std::string sign_in_error;
  bool just_signed_in = false;           // set once when a sign-in succeeds (the screen moves on)

  // The Board's agency directory as this device last synced it (core/agencies.h), for the
  // raise screen's picker: read from the store once, again after a sync brought a new copy
  // or the store was reopened. Empty: never synced.
  const std::vector<std::string>& agencies();
  AgencyPicker agency_picker;            // the raise screen's other-agency choice

  void open_challenge(const std::string& id);
  // A link from an email ("#challenge=ID", docs/board.md): the challenge opens the next time
  // Home is shown (so after unlocking or signing in, never past them), if this device has it.
  void follow_link(const std::string& fragment);
  void open_pending_link();

  // The Board's dashboard (ui/board_view.h), for the Board's business unit only: its
  // requests have their own ids and their answers are routed there by tick_sync.
  BoardDashboard board;
  bool board_member() const { return profile.author.role == "board"; }
  void set_error(const std::string& text);
  void set_message(const std::string& text);

 private:
  std::string pending_link_;   // follow_link's challenge id, until Home is shown
  std::vector<std::string> agencies_;
  std::optional<std::uint64_t> agencies_read_at_;   // closings_ when agencies_ was read; none: stale
  std::string db_path_;
  Door door_ = Door::New;
  bool upgrade_needs_pin_ = false;
  LockInfo lock_info_;
  std::int64_t last_activity_ = 0;
  std::optional<std::int64_t> hidden_since_;
  std::string kept_drafts_;
  bool erase_after_sync_ = false;
  std::uint64_t closings_ = 0;
  std::int64_t erase_asked_at_ = 0;       // a round must end after this for the erase
  void erase_when_office_has_everything();
  void show_door();
  void open_session(std::shared_ptr<const DataKey> key);
  void close_session();
  void load_settings();
  std::unique_ptr<Store> store_;
  const Clock& clock_;
  IdSource& ids_;
  ProcedureLibrary procedures_;
  Calendar calendar_ = Calendar::builtin();   // replaced by the server's holiday data when it sends some
  std::unique_ptr<Engine> engine_;
  std::int64_t generation_ = 0;
  SaveState save_state_ = SaveState::Idle;
  std::vector<ChallengeRow> rows_;
  bool rows_valid_ = false;
  Counts counts_;
  std::int64_t counts_at_ = 0;            // when counts_ were computed (UTC ms)
  void count_rows(std::int64_t t);
  std::uint64_t data_version_ = 1;
  HomeFilter rows_filter_;
  std::uint64_t device_only_version_ = 0;   // data_version_ the two values below were read at
  std::int64_t device_only_count_ = 0;
  std::optional<std::int64_t> device_only_since_;
  void refresh_device_only();
  void persist(bool quiet);               // quiet: changed by sync, not by the person
  void reload_profile();
  // Uses the Board's procedures and holiday data last received from the office server
  // (checked by the sync engine before it kept them) in place of the built-in ones.
  void load_server_procedures(bool at_start);
  std::unique_ptr<SyncEngine> sync_;
  std::optional<HttpRequest> sync_in_flight_, login_in_flight_;
  std::int64_t quiet_generation_ = -1;    // generation written for sync: no "Saved" announcement
  SyncStatus sync_status_;
  std::int64_t sync_status_at_ = -1;      // when sync_status_ was read (UTC ms); -1: stale
  std::uint64_t sync_status_version_ = 0;
};

// Filters and orders the projection rows for the home list (pure; tested natively).
std::vector<ChallengeRow> filter_rows(const std::vector<ChallengeRow>& all, const HomeFilter& f, std::int64_t now);

}  // namespace parley::ui
