// ui/app.cpp — the client application model (see app.h).
#include "ui/app.h"

#include <algorithm>
#include <cctype>


namespace parley::ui {

App::App(const std::string& db_path, const Clock& clock, IdSource& ids)
    : db_path_(db_path), clock_(clock), ids_(ids), procedures_(ProcedureLibrary::builtin()) {
  show_door();
}

// The store is open: the engine, sync and everything the screens read come from it.
void App::open_session(std::shared_ptr<const DataKey> key) {
  store_ = open_encrypted_store(db_path_, std::move(key));
  try {
    verify_every_page(*store_);   // a changed byte anywhere is found now, not when read
  } catch (...) {
    store_.reset();
    throw;
  }
  if (on_store_open) on_store_open(*store_);
  procedures_ = ProcedureLibrary::builtin();
  calendar_ = Calendar::builtin();
  engine_ = std::make_unique<Engine>(*store_, procedures_, clock_, ids_, calendar_);
  sync_ = std::make_unique<SyncEngine>(*engine_);
  load_server_procedures(true);
  reload_profile();
  load_settings();
  invalidate();
  last_activity_ = now();
  hidden_since_.reset();
  door_error.clear();
  screen = profile.complete() ? Screen::Home : Screen::FirstRun;
}

void App::load_settings() {
  if (auto saved = store_->meta("ui_settings")) {
    Json j = Json::parse(*saved, nullptr, false);
    if (j.is_object()) {
      settings.font_scale = std::clamp(j.value("font_scale", 1.0f), 0.8f, 2.0f);
      settings.high_contrast = j.value("high_contrast", false);
      settings.board_procedure = j.value("board_procedure", "");
      settings.auto_lock_minutes = std::clamp(j.value("auto_lock_minutes", 5), 1, 60);
      settings.max_attempts = std::clamp(j.value("max_attempts", 10), kFewestAttempts, kMostAttempts);
    }
  }
  if (settings.board_procedure.empty() || !procedures_.find(settings.board_procedure))
    settings.board_procedure = procedures_.all().empty() ? "" : procedures_.all().front()->id;
}

void App::reload_profile() {
  if (auto saved = store_->meta("identity")) {
    Json j = Json::parse(*saved, nullptr, false);
    if (j.is_object())
      profile.author = {j.value("name", ""), j.value("job_title", ""), j.value("agency", ""), j.value("role", "")};
  }
}

void App::load_server_procedures(bool at_start) {
  std::string text = sync_->server_procedures();
  if (text.empty()) return;
  try {
    Json j = Json::parse(text);
    // The built-in set plus the server's (same id: the server's wins). At start-up
    // procedures_ is still the built-in set: copy it rather than parse it again.
    ProcedureLibrary library = at_start ? procedures_ : ProcedureLibrary::builtin();
    for (const auto& p : j.at("procedures")) library.add(parse_procedure(p.dump()));
    Calendar calendar = Calendar::from_json(j.at("holidays").dump());
    // Same objects, new contents: the engine holds references to both.
    procedures_ = std::move(library);
    calendar_ = std::move(calendar);
    invalidate();
  } catch (const std::exception& e) {
    set_error(std::string("The Board's procedures from the server could not be used (") + e.what() +
              "); Parley keeps using its built-in copy.");
  }
}

bool App::run(const std::function<void()>& command, const std::string& done_message) {
  try {
    command();
  } catch (const StoreError& e) {
    set_error(e.what());
    if (failed_integrity_check(e)) {
      storage_problem = e.what();   // a page failed its seal: stop, say so
      screen = Screen::StorageProblem;
    }
    return false;
  } catch (const std::exception& e) {
    set_error(e.what());
    return false;
  }
  save_state_ = SaveState::Saving;
  set_message(done_message);
  persist(false);
  sync_->request_sync();   // send it to the office as soon as the server can be reached
  return true;
}

// Every change to the database goes the same way: the cached lists are stale, and the
// platform makes the new generation durable. A quiet one (written by sync, not by the
// person) is not announced as "Saved".
void App::persist(bool quiet) {
  invalidate();
  ++generation_;
  if (quiet) quiet_generation_ = generation_;
  platform::request_persist(generation_);
}

const std::vector<std::string>& App::agencies() {
  if (!is_open()) {
    agencies_.clear();
    agencies_read_at_.reset();
  } else if (agencies_read_at_ != closings_) {
    agencies_ = store_->agencies();
    agencies_read_at_ = closings_;
  }
  return agencies_;
}

bool App::tick_sync() {
  bool changed = false;
  std::uint64_t id = 0;
  HttpResponse response;
  while (platform::http_poll(id, response)) {
    changed = true;
    sync_status_at_ = -1;
    // Locked while a request was out: its answer belongs to a closed store. The engine
    // asks again after unlocking (nothing it sent was marked acknowledged without it).
    if (!is_open()) continue;
    // Whatever the answer made the engine write (pulled events, acknowledgements, the
    // cursor, a token, an epoch reset) is made durable like any other change.
    std::int64_t writes = store_->change_count();
    if (login_in_flight_ && id == login_in_flight_->id) {
      login_in_flight_.reset();
      try {
        sync_->on_login_response(response, now());
        reload_profile();
        board.clear();   // another person's figures are not shown to this one
        sign_in_error.clear();
        just_signed_in = true;
        sync_->request_sync();
      } catch (const std::exception& e) {
        sign_in_error = e.what();
        platform::announce("Error: " + sign_in_error);
      }
    } else if (sync_in_flight_ && id == sync_in_flight_->id) {
      HttpRequest request = *sync_in_flight_;
      sync_in_flight_.reset();
      sync_->on_response(request, response, now());
      if (sync_->procedures_changed()) load_server_procedures(false);
      if (sync_->agencies_changed()) agencies_read_at_.reset();
    } else if (board.owns(id)) {
      BoardNotice note = board.on_response(id, response);
      if (!note.text.empty()) note.error ? set_error(note.text) : set_message(note.text);
    }
    if (store_->change_count() != writes) persist(true);
  }
  if (!is_open()) return changed;
  if (sync_->wipe_requested()) {
    erase_device("The Board's administrator asked this device to erase its Parley records, so they were erased.");
    return true;
  }
  erase_when_office_has_everything();
  if (!is_open()) return true;
  if (!sync_in_flight_ && !login_in_flight_ && !sync_->server().empty() && !sync_->token().empty()) {
    if (auto request = sync_->next(now())) {
      sync_status_at_ = -1;
      sync_in_flight_ = request;
      platform::http_send(sync_->server(), *request, sync_->token());
      changed = true;
    }
  }
  return changed;
}

const SyncStatus& App::sync_status() {
  std::int64_t t = now();
  if (sync_status_at_ < 0 || t - sync_status_at_ >= 1000 || t < sync_status_at_ || sync_status_version_ != data_version_) {
    sync_status_ = sync_->status();
    sync_status_at_ = t;
    sync_status_version_ = data_version_;
  }
  return sync_status_;
}

void App::sign_in(const std::string& server, const std::string& username, const std::string& password) {
  if (login_in_flight_) return;
  std::string url = server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    sign_in_error = "Enter the office server's address, starting with https:// (or http:// on this computer).";
    return;
  }
  if (username.empty() || password.empty()) {
    sign_in_error = "Enter your user name and password.";
    return;
  }
  sign_in_error.clear();
  if (sync_->server() != url) sync_->set_server(url);
  login_in_flight_ = sync_->login_request(username, password, platform::device_name());
  platform::http_send(url, *login_in_flight_, "");
}

void App::sign_out() {
  if (sync_->token().empty()) return;
  sync_->sign_out();
  board.clear();
  sync_status_at_ = -1;
  persist(true);
  set_message("Signed out. Records stay on this device; sign in again to sync them.");
}

void App::sign_out_and_erase() {
  erase_after_sync_ = true;
  erase_asked_at_ = now();
  sync_->request_sync();
  set_message("Sending what is left to the office; this device is erased once the office has it all.");
}

void App::erase_when_office_has_everything() {
  if (!erase_after_sync_ || sync_in_flight_ || sync_->busy()) return;
  SyncStatus status = sync_->status();
  // Only after a round that ended with nothing left in the outbox.
  if (status.pending == 0 && status.state == SyncState::Idle && status.last_ok && *status.last_ok >= erase_asked_at_) {
    erase_after_sync_ = false;
    sync_->sign_out();
    erase_device("Signed out. Every record had reached the office; this device's copy was erased.");
  }
}

void App::on_persisted(std::int64_t generation, bool ok, const std::string& detail) {
  if (generation != generation_) return;   // an older write finished; a newer one is pending
  save_state_ = ok ? SaveState::Saved : SaveState::Failed;
  if (ok) {
    if (generation != quiet_generation_) platform::announce("Saved");
  } else {
    set_error("Not saved on this device: " + detail + ". Keep this page open and try again.");
  }
}

void App::save_profile(const Profile& p) {
  run([&] { store_->transaction([&] { store_->set_meta("identity", p.author.to_json().dump()); }); }, "Profile saved");
  profile = p;
}

void App::save_settings() {
  Json j = {{"font_scale", settings.font_scale},
            {"high_contrast", settings.high_contrast},
            {"board_procedure", settings.board_procedure},
            {"auto_lock_minutes", settings.auto_lock_minutes},
            {"max_attempts", settings.max_attempts}};
  run([&] { store_->transaction([&] { store_->set_meta("ui_settings", j.dump()); }); }, "Settings saved");
}

void App::refresh_device_only() {
  if (device_only_version_ == data_version_) return;
  device_only_count_ = store_->outbox_count();
  device_only_since_ = store_->outbox_oldest();
  device_only_version_ = data_version_;
}
std::int64_t App::device_only_count() {
  refresh_device_only();
  return device_only_count_;
}
std::optional<std::int64_t> App::device_only_since() {
  refresh_device_only();
  return device_only_since_;
}

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::vector<ChallengeRow> filter_rows(const std::vector<ChallengeRow>& all, const HomeFilter& f, std::int64_t now) {
  std::vector<ChallengeRow> out;
  std::string needle = lower(f.search);
  for (const auto& r : all) {
    if (!f.include_closed && r.status == Status::Closed) continue;
    if (f.stage && r.stage != f.stage) continue;
    if (!f.procedure.empty() && r.procedure != f.procedure) continue;
    bool overdue = is_overdue(r.status, r.deadline, now);
    if (f.overdue_only && !overdue) continue;
    if (f.missed_only && !overdue && !r.missed) continue;
    if (!needle.empty()) {
      std::string hay = lower(r.id + " " + r.subject_name + " " + r.challenger_agency + " " + r.challenged_agency + " " +
                              r.category + " " + r.procedure);
      if (hay.find(needle) == std::string::npos) continue;
    }
    out.push_back(r);
  }
  return out;
}

void App::count_rows(std::int64_t t) {
  counts_ = {};
  for (const auto& r : rows_) {
    counts_.open += r.status == Status::Open;
    counts_.overdue += is_overdue(r.status, r.deadline, t);
    counts_.expedited += r.expedited && r.status == Status::Open;
    counts_.review += r.needs_review;
  }
  counts_at_ = t;
}

const std::vector<ChallengeRow>& App::rows() {
  bool same_filter = rows_filter_ == filter;
  std::int64_t t = now();
  if (!rows_valid_ || !same_filter) {
    rows_ = filter_rows(store_->challenges(), filter, t);
    rows_filter_ = filter;
    rows_valid_ = true;
    count_rows(t);
  } else if (t - counts_at_ >= 60'000 || t < counts_at_) {
    count_rows(t);   // "overdue" moves with the clock; the rows themselves do not change
  }
  return rows_;
}

void App::follow_link(const std::string& fragment) {
  const std::string prefix = "#challenge=";
  if (fragment.rfind(prefix, 0) == 0) pending_link_ = fragment.substr(prefix.size());
}

void App::open_pending_link() {
  if (pending_link_.empty() || screen != Screen::Home) return;
  std::string id = std::move(pending_link_);
  pending_link_.clear();
  auto ids = store().challenge_ids();
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) open_challenge(id);
  else set_error("The challenge in that link is not on this device yet: sync, or ask the sender to add your agency.");
}

void App::open_challenge(const std::string& id) {
  selected = id;
  screen = Screen::Challenge;
  message.clear();
}

void App::set_error(const std::string& text) {
  message = text;
  message_is_error = true;
  platform::announce("Error: " + text);
}

void App::set_message(const std::string& text) {
  message = text;
  message_is_error = false;
  // Every outcome ("Discussion recorded", "Escalated to stage 2 ...") is announced, not
  // only shown: a screen-reader user must hear that the action worked.
  if (!text.empty()) platform::announce(text);
}

}  // namespace parley::ui
