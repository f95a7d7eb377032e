// ui/app.cpp — the client application model (see app.h).
#include "ui/app.h"

#include <algorithm>
#include <cctype>

#include "core/sha256.h"

namespace parley::ui {

App::App(const std::string& db_path, const Clock& clock, IdSource& ids)
    : store_(std::make_unique<Store>(db_path)), clock_(clock), ids_(ids), procedures_(ProcedureLibrary::builtin()) {
  engine_ = std::make_unique<Engine>(*store_, procedures_, clock_, ids_);
  if (auto saved = store_->meta("identity")) {
    Json j = Json::parse(*saved, nullptr, false);
    if (j.is_object())
      profile.author = {j.value("name", ""), j.value("job_title", ""), j.value("agency", ""), j.value("role", "")};
  }
  if (auto saved = store_->meta("ui_settings")) {
    Json j = Json::parse(*saved, nullptr, false);
    if (j.is_object()) {
      settings.font_scale = std::clamp(j.value("font_scale", 1.0f), 0.8f, 2.0f);
      settings.high_contrast = j.value("high_contrast", false);
      settings.board_procedure = j.value("board_procedure", "");
    }
  }
  if (settings.board_procedure.empty() || !procedures_.find(settings.board_procedure))
    settings.board_procedure = procedures_.all().empty() ? "" : procedures_.all().front()->id;
  screen = !profile.complete() ? Screen::FirstRun : has_pin() ? Screen::Unlock : Screen::Home;
  unlocked = !has_pin();
}

bool App::run(const std::function<void()>& command, const std::string& done_message) {
  try {
    command();
  } catch (const std::exception& e) {
    set_error(e.what());
    return false;
  }
  invalidate();
  ++generation_;
  save_state_ = SaveState::Saving;
  set_message(done_message);
  platform::request_persist(generation_);
  return true;
}

void App::on_persisted(std::int64_t generation, bool ok, const std::string& detail) {
  if (generation != generation_) return;   // an older write finished; a newer one is pending
  save_state_ = ok ? SaveState::Saved : SaveState::Failed;
  if (ok) {
    platform::announce("Saved");
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
            {"board_procedure", settings.board_procedure}};
  run([&] { store_->transaction([&] { store_->set_meta("ui_settings", j.dump()); }); }, "Settings saved");
}

bool App::has_pin() { return store_->meta("pin").has_value(); }

// The PIN keeps a shared or lost device's screen closed; it is stored salted and hashed.
void App::set_pin(const std::string& pin) {
  std::string salt = ids_.hex(8);
  run([&] { store_->transaction([&] { store_->set_meta("pin", salt + ":" + sha256_hex(salt + pin)); }); }, "PIN set");
}

bool App::check_pin(const std::string& pin) {
  auto stored = store_->meta("pin");
  if (!stored) return true;
  auto colon = stored->find(':');
  if (colon == std::string::npos) return false;
  return sha256_hex(stored->substr(0, colon) + pin) == stored->substr(colon + 1);
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
    if (!f.include_closed && r.status == "closed") continue;
    if (f.stage && r.stage != f.stage) continue;
    if (!f.procedure.empty() && r.procedure != f.procedure) continue;
    bool overdue = r.status == "open" && r.deadline && now > *r.deadline;
    if (f.overdue_only && !overdue) continue;
    if (!needle.empty()) {
      std::string hay = lower(r.id + " " + r.subject_name + " " + r.challenger_agency + " " + r.challenged_agency + " " +
                              r.category + " " + r.procedure);
      if (hay.find(needle) == std::string::npos) continue;
    }
    out.push_back(r);
  }
  return out;
}

const std::vector<ChallengeRow>& App::rows() {
  bool same_filter = rows_filter_.search == filter.search && rows_filter_.stage == filter.stage &&
                     rows_filter_.procedure == filter.procedure && rows_filter_.overdue_only == filter.overdue_only &&
                     rows_filter_.include_closed == filter.include_closed;
  if (!rows_valid_ || !same_filter) {
    rows_ = filter_rows(store_->challenges(), filter, now());
    rows_filter_ = filter;
    rows_valid_ = true;
  }
  return rows_;
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
}

}  // namespace parley::ui
