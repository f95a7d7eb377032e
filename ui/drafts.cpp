// ui/drafts.cpp — the screens' unsent text kept across a lock: saved into the (encrypted)
// store when Parley locks, so that nothing typed is lost and nothing of it stays in memory,
// and put back after unlocking. Passwords and passphrases are never kept.
#include "ui/screens.h"

namespace parley::ui {

namespace {
// Every kept text field, by name: one table for both directions.
std::vector<std::pair<const char*, std::string Drafts::*>> text_fields() {
  return {{"name", &Drafts::name},
          {"job_title", &Drafts::job_title},
          {"agency", &Drafts::agency},
          {"server", &Drafts::server},
          {"username", &Drafts::username},
          {"subject_name", &Drafts::subject_name},
          {"subject_ids", &Drafts::subject_ids},
          {"subject_dob", &Drafts::subject_dob},
          {"subject_views", &Drafts::subject_views},
          {"challenged_name", &Drafts::challenged_name},
          {"challenged_job", &Drafts::challenged_job},
          {"challenged_agency", &Drafts::challenged_agency},
          {"summary", &Drafts::summary},
          {"agency_views", &Drafts::agency_views},
          {"copied_to", &Drafts::copied_to},
          {"a_text1", &Drafts::a_text1},
          {"a_text2", &Drafts::a_text2},
          {"a_text3", &Drafts::a_text3},
          {"a_text4", &Drafts::a_text4},
          {"a_date", &Drafts::a_date},
          {"a_with", &Drafts::a_with},
          {"event_ref", &Drafts::event_ref}};
}
std::vector<std::pair<const char*, int Drafts::*>> number_fields() {
  return {{"raise_step", &Drafts::raise_step}, {"subject_kind", &Drafts::subject_kind},
          {"capacity", &Drafts::capacity},     {"category", &Drafts::category},
          {"action", &Drafts::action},         {"a_choice", &Drafts::a_choice},
          {"role", &Drafts::role},             {"procedure", &Drafts::procedure}};
}
}  // namespace

std::string keep_drafts(const Drafts& d, const App& app) {
  Json j = Json::object();
  bool typed = false;
  for (const auto& [name, field] : text_fields()) {
    if ((d.*field).empty()) continue;
    j[name] = d.*field;
    typed = true;
  }
  if (!typed) return "";
  for (const auto& [name, field] : number_fields()) j[name] = d.*field;
  j["imminent"] = d.imminent;
  j["at_risk"] = d.at_risk;
  j["a_flag"] = d.a_flag;
  j["screen"] = static_cast<int>(app.screen);
  j["selected"] = app.selected;
  return j.dump();
}

void restore_drafts(Drafts& d, App& app, const std::string& kept) {
  Json j = Json::parse(kept, nullptr, false);
  if (!j.is_object()) return;
  for (const auto& [name, field] : text_fields())
    if (j.contains(name) && j[name].is_string()) d.*field = j[name].get<std::string>();
  for (const auto& [name, field] : number_fields())
    if (j.contains(name) && j[name].is_number_integer()) d.*field = j[name].get<int>();
  d.imminent = j.value("imminent", false);
  d.at_risk = j.value("at_risk", false);
  d.a_flag = j.value("a_flag", false);
  // Back where the person was, if that screen still makes sense.
  auto screen = static_cast<Screen>(j.value("screen", static_cast<int>(Screen::Home)));
  std::string selected = j.value("selected", "");
  if (screen == Screen::Raise) app.screen = Screen::Raise;
  if ((screen == Screen::Challenge || screen == Screen::RecordForm) && !selected.empty() && app.store().challenge(selected))
    app.open_challenge(selected);
}

}  // namespace parley::ui
