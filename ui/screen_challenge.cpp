// ui/screen_challenge.cpp — one challenge, leading with what is due next: the current
// stage and a tag saying when it is due ("Due in 2 working days — Tue 8 Dec"), anything
// needing review, a hand-over when the stage (or the next) is someone else's, and the
// actions that fit this stage and this person's role first (core/guide.h decides which,
// from the rules that check the events), the rest under "More actions". Then the stage's
// required actions as a checklist, agreed actions, the stages as steps with their
// timescales, and the timeline of every event. An action's form opens in place of the
// buttons, scrolled into view; its errors are core's words, at the top and at each field.
// A correction never hides the original: both stay in the timeline.
#include <imgui.h>

#include <sstream>

#include "core/guide.h"
#include "ui/challenge_guide.h"
#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {
namespace {

enum Action {
  None, Discussion, AgreeAction, Escalate, Expedite, Outcome, Feedback, Sign, Refer, Close, Comment, Correct,
  Views, Notify, Settle, Learning
};

std::string describe(const Event& e, const Json& body) {
  auto t = [&](const char* k) { return body.value(k, std::string()); };
  switch (e.kind) {
    case EventKind::ChallengeOpened: return "Raised: " + t("summary");
    case EventKind::ImminentRiskGuidanceShown: return "Emergency guidance shown and acknowledged";
    case EventKind::DiscussionRecorded: {
      std::string with;
      if (body.contains("with"))
        for (const auto& w : body["with"]) with += (with.empty() ? "" : ", ") + w.value("name", std::string());
      std::string how = t("method");
      for (auto& c : how) if (c == '_') c = ' ';
      return "Discussion (" + how + ") with " + with + ": " + t("summary") + (body.value("agreed", false) ? " — agreed" : " — not agreed");
    }
    case EventKind::ActionAgreed: return "Action: " + t("description") + " — " + t("owner") + (t("due").empty() ? "" : ", due " + t("due"));
    case EventKind::ActionCompleted: return "Action completed" + (t("note").empty() ? "" : ": " + t("note"));
    case EventKind::Escalated:
      return "Escalated to stage " + std::to_string(body.value("to_stage", 0)) + ". Reason: " + t("reason") + ". Tried: " + t("tried");
    case EventKind::Expedited: return "Expedited: " + t("reason");
    case EventKind::NotificationSent: return "Notified " + t("to") + ": " + t("reason");
    case EventKind::OutcomeAgreed: return "Outcome agreed: " + t("outcome");
    case EventKind::FeedbackGiven: return "Feedback to " + t("to") + ": " + t("summary");
    case EventKind::RecordSigned: return "Signed (" + t("side") + ") by " + t("name") + ", " + t("job_title") + ", " + t("agency");
    case EventKind::Referred: return "Referred: " + t("route") + (t("note").empty() ? "" : " — " + t("note"));
    case EventKind::Closed: return "Closed" + (t("reason").empty() ? "" : ": " + t("reason"));
    case EventKind::LearningRecorded: return "Learning (" + t("review") + "): " + t("lessons");
    case EventKind::ViewsRecorded: return "Views of the person: " + t("views");
    case EventKind::Comment: return t("text");
    case EventKind::Correction: return "Correction: " + t("reason");
    case EventKind::ReviewSettled: return "Review settled: " + t("decision");
    case EventKind::PartyAdded: return "Party added: " + body.value("party", Json::object()).value("name", std::string());
  }
  return "";
}

Json people(const std::string& text) {
  // "Name, job title, agency; Name, ..." as typed on a tablet.
  Json out = Json::array();
  std::stringstream ss(text);
  for (std::string person; std::getline(ss, person, ';');) {
    std::stringstream ps(person);
    std::vector<std::string> parts;
    for (std::string part; std::getline(ps, part, ',');) {
      part.erase(0, part.find_first_not_of(' '));
      if (!part.empty()) part.erase(part.find_last_not_of(' ') + 1);
      parts.push_back(part);
    }
    if (parts.empty() || parts[0].empty()) continue;
    Json p = {{"name", parts[0]}};
    if (parts.size() > 1) p["job_title"] = parts[1];
    if (parts.size() > 2) p["agency"] = parts[2];
    out.push_back(p);
  }
  return out;
}

EventKind kind_for(Action a) {
  switch (a) {
    case Discussion: return EventKind::DiscussionRecorded;
    case AgreeAction: return EventKind::ActionAgreed;
    case Escalate: return EventKind::Escalated;
    case Expedite: return EventKind::Expedited;
    case Outcome: return EventKind::OutcomeAgreed;
    case Feedback: return EventKind::FeedbackGiven;
    case Sign: return EventKind::RecordSigned;
    case Refer: return EventKind::Referred;
    case Close: return EventKind::Closed;
    case Comment: return EventKind::Comment;
    case Correct: return EventKind::Correction;
    case Views: return EventKind::ViewsRecorded;
    case Notify: return EventKind::NotificationSent;
    case Settle: return EventKind::ReviewSettled;
    case Learning: return EventKind::LearningRecorded;
    case None: break;
  }
  return EventKind::Comment;
}

Action action_for(EventKind k) {
  for (int a = Discussion; a <= Learning; ++a)
    if (kind_for(static_cast<Action>(a)) == k) return static_cast<Action>(a);
  return None;
}

// A one-tap record (Mark done): no form to show errors on, so the bar says it.
void record(App& app, Drafts& d, EventKind kind, Json body, const std::string& done) {
  if (app.run([&] { app.engine().record(app.selected, kind, body, app.profile.author); }, done)) d.clear_action();
}

// "Escalated to stage 2 — due Tue 8 Dec 2026": said (and announced) after an escalation,
// so a screen-reader user hears where the challenge went and by when.
std::string escalated_words(App& app) {
  ChallengeView v = app.engine().view(app.selected, app.now());
  std::string words = "Escalated to stage " + std::to_string(v.stage);
  if (v.deadline) words += " — " + v.deadline->words.substr(0, v.deadline->words.find(" ("));
  return words;
}

// Save on an action form: core's field problems first, all at once, at the top of the
// form and at each field; then the engine (its refusal shown the same way).
void submit(App& app, Drafts& d, const std::string& form, EventKind kind, const Json& body, const std::string& done) {
  auto problems = body_problems(kind, body);
  if (!problems.empty()) {
    app.set_error(problems.size() == 1 ? problems[0].message
                                       : "There is a problem: " + std::to_string(problems.size()) + " answers are missing or wrong");
    set_form_errors(form, std::move(problems));
    return;
  }
  std::string field;
  bool ok = app.run(
      [&] {
        try {
          app.engine().record(app.selected, kind, body, app.profile.author);
        } catch (const RuleError& e) {
          field = e.field.rfind("body.", 0) == 0 ? e.field.substr(5) : "";
          throw;
        }
      },
      done);
  if (ok) {
    if (kind == EventKind::Escalated) app.set_message(escalated_words(app));
    clear_form_errors();
    d.clear_action();
  } else {
    set_form_errors(form, {}, true, field);
  }
}

// "Stage 1 due Wed 9 Dec 2026: the procedure allows 2 working days from the challenge
// being raised (25, 26 Dec are bank holidays)": the deadline's words, said so that the
// count is plainly the time allowed, not the time left (the tag says that).
std::string allowed_words(int stage, const Deadline& dl) {
  const std::string& w = dl.words;   // "due Wed 9 Dec 2026 (2 working days; 25, 26 Dec are bank holidays)"
  auto open = w.find(" (");
  if (open == std::string::npos || w.back() != ')') return "Stage " + std::to_string(stage) + " " + w;
  std::string inside = w.substr(open + 2, w.size() - open - 3);
  auto semi = inside.find("; ");
  std::string amount = inside.substr(0, semi), hols = semi == std::string::npos ? "" : inside.substr(semi + 2);
  return "Stage " + std::to_string(stage) + " " + w.substr(0, open) + ": the procedure allows " + amount +
         (dl.measured_from.empty() ? "" : " from " + dl.measured_from) + (hols.empty() ? "" : " (" + hols + ")");
}

// GOV.UK's inset text: a bar in the margin beside words to notice.
void inset(const std::string& words, const std::string& detail) {
  const Metrics& m = metrics();
  ImVec2 at = ImGui::GetCursorScreenPos();
  const float bar = 5 * m.dpr, pad = m.gap() * 1.5f;
  ImGui::SetCursorScreenPos(ImVec2(at.x + bar + pad, at.y + m.gap() * 0.5f));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(ImGui::GetContentRegionMax().x);
  text(words);
  if (!detail.empty()) muted(detail);
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  float bottom = ImGui::GetItemRectMax().y + m.gap() * 0.5f;
  ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + bar, bottom), ImGui::GetColorU32(ImGuiCol_Border));
  ImGui::SetCursorScreenPos(ImVec2(at.x, bottom + m.gap() * 0.5f));
  ImGui::Dummy(ImVec2(1, 1));
}

void action_form(App& app, Drafts& d, const ChallengeView& v) {
  const Procedure& p = *v.procedure;
  const Action action = static_cast<Action>(d.action);
  const EventKind kind = kind_for(action);
  const std::string form = v.state.id + "/" + std::string(to_string(kind));
  const FormErrors e = form_errors(form, app.message_is_error ? app.message : "");
  auto label = [&](const char* path, const std::string& words) { return field_label(kind, path, words); };
  auto err = [&](const char* path) { field_error(e, path); };
  auto save = [&](const Json& body, const std::string& done) { submit(app, d, form, kind, body, done); };
  // Open notifications (escalating) or open checklist items (closing): the procedure asks
  // for them first, or a reason for going ahead without them.
  bool notify_open = false, items_open = false;
  for (const auto& item : v.checklist) {
    notify_open = notify_open || (item.notification && !item.done);
    items_open = items_open || !item.done;
  }
  // Drawn inline (not in a child window) so the whole form scrolls with the screen.
  ImGui::Separator();
  switch (action) {
    case Discussion: {
      heading("Record a discussion");
      error_summary(e);
      err("with");
      input_text("With whom (name, job title, agency; separate people with ;)", d.a_with);
      choice("How", d.a_choice, {"Face to face", "Phone", "Email", "Meeting", "Letter", "Video call", "Other"});
      err("summary");
      input_text("What was discussed", d.a_text1, true);
      err("subject_views");
      input_text(label("subject_views", "The person's views, if shared").c_str(), d.a_text2, true);
      checkbox("Agreement was reached", d.a_flag);
      if (button("Save discussion", true)) {
        Json body = {{"with", people(d.a_with)}, {"method", discussion_methods()[static_cast<std::size_t>(d.a_choice)]},
                     {"summary", d.a_text1}, {"agreed", d.a_flag}};
        if (!d.a_text2.empty()) body["subject_views"] = d.a_text2;
        save(body, "Discussion recorded");
      }
      break;
    }
    case AgreeAction:
      heading("Agree an action");
      error_summary(e);
      err("description");
      input_text("Action", d.a_text1, true);
      err("owner");
      input_text("Who will do it", d.a_text2);
      err("due");
      input_text(label("due", "Due (YYYY-MM-DD)").c_str(), d.a_date);
      if (button("Save action", true)) {
        Json body = {{"description", d.a_text1}, {"owner", d.a_text2}};
        if (!d.a_date.empty()) body["due"] = d.a_date;
        save(body, "Action agreed");
      }
      break;
    case Escalate: {
      const Stage* next = p.stage(v.stage + 1);
      heading(next ? "Escalate to stage " + std::to_string(v.stage + 1) + ": " + next->name : "This is the last stage");
      error_summary(e);
      err("reason");
      input_text("Why it is being escalated", d.a_text1, true);
      err("tried");
      input_text("What was tried at this stage", d.a_text2, true);
      // Only while the procedure's notification for this stage is not recorded: the
      // engine refuses without it, quoting the procedure, unless a reason is given.
      if (notify_open || e.refused_field == "override_reason") {
        err("override_reason");
        input_text(label("override_reason", "Reason for going ahead without the required notification").c_str(), d.a_text3, true);
      }
      if (button("Escalate", true)) {
        Json body = {{"reason", d.a_text1}, {"tried", d.a_text2}};
        if (!d.a_text3.empty()) body["override_reason"] = d.a_text3;
        save(body, "");   // the message names the new stage and deadline (escalated_words)
      }
      break;
    }
    case Expedite:
      heading("Expedite: someone is at risk of harm");
      if (p.expedite_text) muted(*p.expedite_text);
      error_summary(e);
      err("reason");
      input_text("Who is at risk, and why", d.a_text1, true);
      if (button("Expedite", true)) save({{"reason", d.a_text1}}, "Expedited");
      break;
    case Outcome:
      heading("Record the agreed outcome");
      error_summary(e);
      err("outcome");
      input_text("Outcome", d.a_text1, true);
      input_text(label("agreed_actions", "Agreed actions").c_str(), d.a_text2, true);
      input_text(label("outstanding", "How outstanding issues will be pursued").c_str(), d.a_text3, true);
      if (button("Save outcome", true)) {
        Json body = {{"outcome", d.a_text1}};
        if (!d.a_text2.empty()) body["agreed_actions"] = d.a_text2;
        if (!d.a_text3.empty()) body["outstanding"] = d.a_text3;
        save(body, "Outcome recorded");
      }
      break;
    case Feedback:
      heading("Give feedback to the person who raised it");
      error_summary(e);
      err("to");
      input_text("To", d.a_text1);
      err("summary");
      input_text("Feedback", d.a_text2, true);
      if (button("Save feedback", true)) save({{"to", d.a_text1}, {"summary", d.a_text2}}, "Feedback recorded");
      break;
    case Sign:
      heading("Sign the record");
      error_summary(e);
      choice("Signing as", d.a_choice, {"Challenger's manager", "Challenged manager"});
      err("name");
      input_text("Name", d.a_text1);
      err("job_title");
      input_text("Job title", d.a_text2);
      err("agency");
      input_text("Agency", d.a_text3);
      err("date");
      input_text("Date (YYYY-MM-DD)", d.a_date);
      if (button("Sign", true))
        save({{"side", d.a_choice == 0 ? "challenger" : "challenged"}, {"name", d.a_text1}, {"job_title", d.a_text2},
              {"agency", d.a_text3}, {"date", d.a_date}},
             "Record signed");
      break;
    case Refer: {
      heading("Refer elsewhere");
      error_summary(e);
      // Only the procedure's own routes; one the subject's capacity points to comes marked.
      std::vector<std::string> labels, kinds;
      for (const auto& r : v.routes) {
        labels.push_back((r.suggested ? "* " : "") + r.route->name + (r.words.empty() ? "" : " (" + r.words + ")"));
        kinds.push_back(r.route->kind);
      }
      if (kinds.empty()) {
        muted("This procedure names no other routes.");
        break;
      }
      err("route");
      choice("Route", d.a_choice, labels);
      muted(v.routes[static_cast<std::size_t>(std::min<int>(d.a_choice, static_cast<int>(kinds.size()) - 1))].route->text);
      input_text(label("note", "Note").c_str(), d.a_text1, true);
      if (button("Save referral", true)) save({{"route", kinds[static_cast<std::size_t>(d.a_choice)]}, {"note", d.a_text1}}, "Referral recorded");
      break;
    }
    case Notify: {
      heading("Record a notification");
      error_summary(e);
      std::vector<std::string> labels;
      for (const auto& c : p.board.contacts) labels.push_back(c.label);
      err("to");
      choice("Who was notified", d.a_choice, labels);
      err("reason");
      input_text("Why", d.a_text1, true);
      if (button("Save notification", true) && !p.board.contacts.empty())
        save({{"to", p.board.contacts[static_cast<std::size_t>(d.a_choice)].id}, {"reason", d.a_text1}}, "Notification recorded");
      break;
    }
    case Views:
      heading("The person's own views and wishes");
      error_summary(e);
      err("views");
      input_text("Views", d.a_text1, true);
      if (button("Save views", true)) save({{"views", d.a_text1}}, "Views recorded");
      break;
    case Learning:
      heading("Learning");
      error_summary(e);
      choice("Review considered", d.a_choice, {"None", "Single-agency review", "Multi-agency review"});
      err("lessons");
      input_text("Lessons to share", d.a_text1, true);
      if (button("Save learning", true)) {
        const char* review[] = {"none", "single_agency", "multi_agency"};
        save({{"review", review[d.a_choice]}, {"lessons", d.a_text1}}, "Learning recorded");
      }
      break;
    case Comment:
      heading("Comment");
      error_summary(e);
      err("text");
      input_text("Comment", d.a_text1, true);
      if (button("Save comment", true)) save({{"text", d.a_text1}}, "Comment saved");
      break;
    case Close:
      heading("Close the challenge");
      error_summary(e);
      input_text(label("reason", "Reason").c_str(), d.a_text1, true);
      if (items_open || e.refused_field == "override_reason") {
        err("override_reason");
        input_text(label("override_reason", "Reason for closing with required items not done").c_str(), d.a_text2, true);
      }
      if (button("Close challenge", true)) {
        Json body = {{"reason", d.a_text1}};
        if (!d.a_text2.empty()) body["override_reason"] = d.a_text2;
        save(body, "Challenge closed");
      }
      break;
    case Correct: {
      heading("Correct an entry");
      muted("The original stays in the timeline; the correction is shown beside it.");
      error_summary(e);
      err("changes");
      input_text(label("changes", "Field to correct (e.g. summary, outcome)").c_str(), d.a_text2);
      input_text(label("changes", "Corrected text").c_str(), d.a_text3, true);
      err("reason");
      input_text("Reason for the correction", d.a_text1, true);
      if (button("Save correction", true)) {
        Json body = {{"corrects", d.event_ref}, {"reason", d.a_text1}};
        if (!d.a_text2.empty()) body["changes"] = {{d.a_text2, d.a_text3}};
        save(body, "Correction saved");
      }
      break;
    }
    case Settle:
      heading("Settle the review");
      error_summary(e);
      err("decision");
      input_text("What was decided", d.a_text1, true);
      if (button("Settle", true)) save({{"conflict", d.event_ref}, {"decision", d.a_text1}}, "Review settled");
      break;
    case None:
      break;
  }
  if (button("Cancel##action")) {
    clear_form_errors();
    d.clear_action();
  }
  ImGui::Separator();
}

// Buttons in rows that wrap on a narrow screen; the first of `primary` ones is filled.
void action_buttons(Drafts& d, const std::vector<NextAction>& actions, Fit fit, bool first_primary) {
  float avail = ImGui::GetContentRegionAvail().x, x = 0;
  bool first = first_primary;
  for (const auto& a : actions) {
    if (a.fit != fit) continue;
    const char* label = action_label(a.kind);
    float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
    if (x > 0 && x + w < avail) ImGui::SameLine();
    else x = 0;
    if (button(label, first)) {
      d.clear_action();
      d.action = action_for(a.kind);
    }
    first = false;
    x += w + ImGui::GetStyle().ItemSpacing.x;
  }
}

}  // namespace

bool selected_view(App& app, ChallengeView& out) {
  try {
    out = app.engine().view(app.selected, app.now());
    return true;
  } catch (const std::exception& e) {
    warning(e.what());
    return false;
  }
}

void screen_challenge(App& app, Drafts& d) {
  ChallengeView v;
  if (!selected_view(app, v)) return;
  const Procedure& p = *v.procedure;
  const ChallengeState& s = v.state;
  const Json& b = s.opened_body;
  const NextSteps next = next_steps(v, app.profile.author.to_json(), app.now());
  ImGuiStorage* store = ImGui::GetStateStorage();
  std::string subject = b.contains("subject") ? b["subject"].value("name", std::string()) : "";
  heading(subject + " — " + s.id);
  muted(p.board.name + " · " + category_label(b.value("category", std::string())) + " · " +
        b.value("challenger", Json::object()).value("agency", std::string()) + " challenging " +
        b.value("challenged", Json::object()).value("agency", std::string()));
  if (v.expedited) warning("EXPEDITED: someone is at risk of harm");

  // What is due next, and by when. After an escalation the screen goes back to its top, so
  // the challenge's name, the new stage and its deadline are all in view (on a phone the
  // form that escalated it was further down; scrolled to the stage alone, the name was not).
  const ImGuiID seen = ImGui::GetID(("stage-seen#" + s.id).c_str());
  const int seen_stage = store->GetInt(seen, 0);
  if (seen_stage != 0 && seen_stage != v.stage) ImGui::SetScrollY(0.0f);
  store->SetInt(seen, v.stage);
  spacer(4);
  if (const Stage* st = p.stage(v.stage)) heading("Stage " + std::to_string(v.stage) + ": " + st->name);
  if (v.status == Status::Open) {
    if (v.deadline) {
      due_tag(next.due);
      muted(allowed_words(v.stage, *v.deadline));
    } else if (!v.deadline_pending.empty()) {
      due_tag({DueTone::None, "No deadline yet"});
      muted("Deadline " + v.deadline_pending);
    } else {
      due_tag({DueTone::None, "No timescale at this stage"});
      muted(std::to_string(v.working_days_at_stage) + (v.working_days_at_stage == 1 ? " working day" : " working days") +
            " at this stage so far.");
    }
  } else {
    std::string at = s.resolution_stage ? " at stage " + std::to_string(*s.resolution_stage) : "";
    due_tag({DueTone::None, std::string(v.status == Status::Closed ? "Closed" : "Resolved") + at});
    std::string taken = v.working_days_taken ? "; took " + std::to_string(*v.working_days_taken) + " working days (" +
                                                   std::to_string(v.calendar_days_taken.value_or(0)) + " calendar days)"
                                             : "";
    muted("Status: " + std::string(to_string(v.status)) + (s.resolution_stage ? at : "") + taken);
  }
  for (const auto& w : v.warnings) warning(w);
  for (const auto& c : s.conflicts) {
    if (c.settled) continue;
    warning("Needs review: " + c.description);
    for (const auto& id : c.events)
      if (const Event* e = s.find(id)) muted("  · " + when_words(e->at) + " " + e->author.value("name", std::string()) + ": " + describe(*e, e->body));
    ImGui::PushID(c.id.c_str());
    if (button("Settle this")) {
      d.clear_action();
      d.action = Settle;
      d.event_ref = c.id;
    }
    ImGui::PopID();
  }
  if (!next.handover.empty()) inset(next.handover, next.handover_who.empty() ? "" : p.board.short_name + ": \"" + next.handover_who + "\"");

  // The actions: a form opened (from here, the timeline or a review) is drawn here, in view;
  // otherwise what fits this stage and this person first, the rest under "More actions".
  spacer();
  const ImGuiID opened = ImGui::GetID("open-action");
  if (d.action != None) {
    if (store->GetInt(opened, None) != d.action) ImGui::SetScrollHereY(0.0f);
    store->SetInt(opened, d.action);
    action_form(app, d, v);
  } else {
    store->SetInt(opened, None);
    bool any_now = false;
    for (const auto& a : next.actions) any_now = any_now || a.fit == Fit::Now;
    if (any_now) heading("What you can do next");
    action_buttons(d, next.actions, Fit::Now, true);
    bool has_more = false;
    for (const auto& a : next.actions) has_more = has_more || a.fit == Fit::More;
    if (has_more) {
      const ImGuiID more_key = ImGui::GetID(("more-actions#" + s.id).c_str());
      bool more = store->GetBool(more_key, false);
      if (button(more ? "Hide more actions" : "More actions")) store->SetBool(more_key, more = !more);
      if (more) action_buttons(d, next.actions, Fit::More, false);
    }
    if (button("Record form (print)")) {
      app.screen = Screen::RecordForm;
      d.form_index = 0;
    }
  }

  if (!v.checklist.empty()) {
    spacer();
    heading("Required at this stage");
    for (const auto& item : v.checklist) {
      ImGui::PushID(item.id.c_str());
      // Read as words, not "[x]" (GOV.UK's task list says each task's status).
      std::string line = std::string(item.done ? "Done: " : "To do: ") + item.text;
      if (item.deadline) line += " — " + item.deadline->words;
      if (item.deadline && item.deadline->overdue) warning(line);
      else text(line);
      if (!item.done && v.status == Status::Open) next_accessible_name("Mark done: " + item.text);
      if (!item.done && v.status == Status::Open && button("Mark done")) {
        record(app, d, EventKind::Comment, {{"text", "Done: " + item.text}, {"fulfils", {item.id}}}, "Marked done");
      }
      ImGui::PopID();
    }
  }
  if (!s.actions.empty()) {
    heading("Agreed actions");
    for (const auto& a : s.actions) {
      ImGui::PushID(a.event_id.c_str());
      text(std::string(a.completed ? "Done: " : "To do: ") + a.description + " — " + a.owner + (a.due.empty() ? "" : ", due " + a.due));
      if (!a.completed && !s.closed) next_accessible_name("Mark action done: " + a.description);
      if (!a.completed && !s.closed && button("Mark action done"))
        record(app, d, EventKind::ActionCompleted, {{"action", a.event_id}}, "Action completed");
      ImGui::PopID();
    }
  }
  // The procedure's stages, the current one marked; then each stage reached, and whether
  // the procedure's timescale was met (core/history.h).
  spacer();
  heading("Stages");
  step_indicator(p, v.stage, v.status != Status::Open);
  heading(v.missed_timescale ? "Stages and timescales: a timescale was missed" : "Stages and timescales");
  for (const auto& r : v.stage_history) {
    if (r.met == false) warning(r.words);
    else text(r.words);
  }
  for (const auto& t : v.timescales)
    if (t.id.rfind("stage-", 0) != 0) {
      if (t.met == false) warning(t.words);
      else muted(t.words);
    }
  spacer();
  heading("Timeline");
  for (auto it = s.events.rbegin(); it != s.events.rend(); ++it) {
    const Event& e = *it;
    ImGui::PushID(e.id.c_str());
    int stage = s.event_stage.count(e.id) ? s.event_stage.at(e.id) : 0;
    muted(when_words(e.at) + " · stage " + std::to_string(stage) + " · " + e.author.value("name", std::string()));
    text(describe(e, e.body));
    auto corr = s.corrections.find(e.id);
    if (corr != s.corrections.end()) {
      Json fixed = s.corrected_body(e.id);
      warning("Corrected — now reads: " + describe(e, fixed));
    }
    if (e.kind != EventKind::Correction && e.kind != EventKind::ImminentRiskGuidanceShown && button("Correct")) {
      d.clear_action();
      d.action = Correct;
      d.event_ref = e.id;
    }
    ImGui::Separator();
    ImGui::PopID();
  }
}

}  // namespace parley::ui
