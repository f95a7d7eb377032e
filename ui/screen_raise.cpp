// ui/screen_raise.cpp — raising a challenge in two minutes. The imminent-risk question
// comes first: imminent risk is not an escalation matter, so a "yes" shows the Board's
// emergency guidance and contacts, and Parley records that it did.
#include <imgui.h>

#include <sstream>

#include "core/agencies.h"
#include "ui/agency_picker.h"
#include "ui/challenge_guide.h"
#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

namespace {
const std::vector<std::string>& category_labels() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> out;
    for (const auto& c : challenge_categories()) out.push_back(category_label(c));
    return out;
  }();
  return v;
}

void reset(Drafts& d) {
  d.raise_step = 0;
  d.imminent = false;
  d.subject_name.clear(); d.subject_ids.clear(); d.subject_dob.clear(); d.subject_views.clear();
  d.challenged_name.clear(); d.challenged_job.clear(); d.challenged_agency.clear();
  d.summary.clear(); d.agency_views.clear(); d.copied_to.clear();
  d.subject_kind = d.capacity = d.category = 0;
  d.at_risk = false;
  clear_form_errors();
}
}  // namespace

void screen_raise(App& app, Drafts& d) {
  const Procedure* p = app.procedures().find(app.settings.board_procedure);
  if (!p) {
    warning("Choose your Board's procedure in Settings first.");
    return;
  }
  heading("Raise a challenge — " + p->board.name);
  if (d.raise_step == 0) {
    app.agency_picker = {};   // a new challenge: no other agency chosen yet
    text("Is anyone at imminent risk of harm or abuse right now?");
    if (button("Yes, someone is at imminent risk", false, -1)) {
      d.imminent = true;
      d.raise_step = 1;
    }
    if (button("No", false, -1)) {
      d.imminent = false;
      d.raise_step = 2;
    }
    return;
  }
  if (d.raise_step == 1) {
    warning("This is not an escalation matter. Act now:");
    text(p->emergency.text);
    for (const auto& id : p->emergency.contacts)
      if (const Contact* c = p->contact(id)) {
        std::string how;
        for (const std::string* part : {&c->phone, &c->email, &c->url})
          if (!part->empty()) how += (how.empty() ? "" : "  ") + *part;
        // A contact the document names without a number: say to use the usual route
        // rather than show a label with nothing after it.
        heading(how.empty() ? c->label : c->label + ": " + how);
        if (how.empty()) muted("No number is given in the Board's procedure: contact them in the usual way.");
      }
    spacer();
    text("When the person is safe you can still record the disagreement. Parley will note that this guidance was shown.");
    if (button("Continue to record the disagreement", true, -1)) d.raise_step = 2;
    if (button("Cancel", false, -1)) {
      reset(d);
      app.screen = Screen::Home;
    }
    return;
  }
  // Details. Errors are core's words for the opening event (core/event_rules.h), at the
  // top and at each field, as of the last press of "Raise challenge"; the fields core does
  // not require are marked "(optional)".
  const FormErrors errs = form_errors("raise", app.message_is_error ? app.message : "");
  auto optional = [](const char* path, const char* words) { return field_label(EventKind::ChallengeOpened, path, words); };
  error_summary(errs);
  heading("The adult or child at the centre");
  field_error(errs, "subject.name");
  input_text("Name", d.subject_name);
  choice("Adult or child", d.subject_kind, {"Adult", "Child"});
  field_error(errs, "subject.identifiers");
  input_text(optional("subject.identifiers", "Record numbers (e.g. LAS:12345, NHS:9990001112)").c_str(), d.subject_ids);
  field_error(errs, "subject.date_of_birth");
  input_text(optional("subject.date_of_birth", "Date of birth (YYYY-MM-DD)").c_str(), d.subject_dob);
  choice("Do they lack capacity for the decision in dispute?", d.capacity, {"Not assessed / not relevant", "Yes, lacks capacity", "No, has capacity"});
  input_text(optional("subject.views", "Their own views and wishes").c_str(), d.subject_views, true);
  spacer();
  heading("The decision you disagree with");
  field_error(errs, "challenged.agency");
  agency_picker(app, d.challenged_agency);   // from the Board's list (ui/agency_picker.h)
  input_text(optional("challenged.name", "Professional's name").c_str(), d.challenged_name);
  input_text(optional("challenged.job_title", "Their job title").c_str(), d.challenged_job);
  choice("What the disagreement is about", d.category, category_labels());
  field_error(errs, "summary");
  input_text("Summary of the reason for the dispute", d.summary, true);
  input_text(optional("agency_views", "Views of each agency").c_str(), d.agency_views, true);
  input_text(optional("copied_to", "Copied to (names, separated by commas)").c_str(), d.copied_to);
  checkbox("Someone is at risk of harm: expedite", d.at_risk);
  spacer();
  if (button("Raise challenge", true, -1) && agency_ready(app, d.challenged_agency)) {
    Json subject = {{"name", d.subject_name}, {"kind", d.subject_kind == 0 ? "adult" : "child"}};
    if (!d.subject_dob.empty()) subject["date_of_birth"] = d.subject_dob;
    if (!d.subject_views.empty()) subject["views"] = d.subject_views;
    if (d.capacity > 0) subject["lacks_capacity"] = d.capacity == 1;
    Json ids = Json::array();
    std::stringstream ss(d.subject_ids);
    for (std::string item; std::getline(ss, item, ',');) {
      auto colon = item.find(':');
      auto trim = [](std::string s) { s.erase(0, s.find_first_not_of(' ')); s.erase(s.find_last_not_of(' ') + 1); return s; };
      if (colon != std::string::npos) ids.push_back({{"system", trim(item.substr(0, colon))}, {"value", trim(item.substr(colon + 1))}});
      else if (!trim(item).empty()) ids.push_back({{"system", "record"}, {"value", trim(item)}});
    }
    if (!ids.empty()) subject["identifiers"] = ids;
    const Author& me = app.profile.author;
    Json body = {{"procedure", p->id},
                 {"imminent_risk", d.imminent},
                 {"subject", subject},
                 {"challenger", {{"name", me.name}, {"job_title", me.job_title}, {"agency", me.agency}, {"role", me.role}}},
                 {"challenged", {{"name", d.challenged_name}, {"job_title", d.challenged_job}, {"agency", d.challenged_agency}}},
                 {"category", challenge_categories()[static_cast<std::size_t>(d.category)]},
                 {"summary", d.summary},
                 {"risk", d.at_risk ? "at_risk" : "standard"}};
    if (!d.agency_views.empty()) body["agency_views"] = d.agency_views;
    if (app.agency_picker.not_listed) body[kAgencyNotListed] = true;
    if (!d.copied_to.empty()) {
      Json copied = Json::array();
      std::stringstream cs(d.copied_to);
      for (std::string item; std::getline(cs, item, ',');)
        if (item.find_first_not_of(' ') != std::string::npos) copied.push_back(item.substr(item.find_first_not_of(' ')));
      body["copied_to"] = copied;
    }
    std::vector<FieldProblem> problems = body_problems(EventKind::ChallengeOpened, body);
    std::string id, field;
    if (!problems.empty()) {
      app.set_error(problems.size() == 1 ? problems[0].message
                                         : "There is a problem: " + std::to_string(problems.size()) + " answers are missing or wrong");
      set_form_errors("raise", std::move(problems));
      ImGui::SetScrollY(0.0f);   // to the error summary at the top (GOV.UK's pattern)
    } else if (app.run(
                   [&] {
                     try {
                       id = app.engine().open(body, me);
                     } catch (const RuleError& e) {
                       field = e.field.rfind("body.", 0) == 0 ? e.field.substr(5) : "";
                       throw;
                     }
                   },
                   "Challenge raised")) {
      reset(d);
      app.open_challenge(id);
    } else {
      set_form_errors("raise", {}, true, field);
      ImGui::SetScrollY(0.0f);
    }
  }
  if (button("Cancel", false, -1)) {
    reset(d);
    app.screen = Screen::Home;
  }
}

}  // namespace parley::ui
