// ui/screen_challenge.cpp — one challenge: the procedure's stage ladder with the current
// stage, the deadline in words, the stage's required actions as a checklist, anything
// needing review, agreed actions, the timeline of every event, and the actions a person
// can take. A correction never hides the original: both stay in the timeline.
#include <imgui.h>

#include <sstream>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {
namespace {

enum Action {
  None, Discussion, AgreeAction, Escalate, Expedite, Outcome, Feedback, Sign, Refer, Close, Comment, Correct,
  Views, Notify, Settle, Learning
};

struct ActionButton {
  Action action;
  const char* label;
};
const ActionButton kButtons[] = {
    {Discussion, "Record a discussion"}, {AgreeAction, "Agree an action"}, {Escalate, "Escalate"},
    {Expedite, "Expedite"}, {Outcome, "Record the outcome"}, {Feedback, "Give feedback"}, {Sign, "Sign the record"},
    {Refer, "Refer elsewhere"}, {Notify, "Record a notification"}, {Views, "Record the person's views"},
    {Learning, "Record learning"}, {Comment, "Comment"}, {Close, "Close"},
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

void record(App& app, Drafts& d, EventKind kind, Json body, const std::string& done) {
  if (app.run([&] { app.engine().record(app.selected, kind, body, app.profile.author); }, done)) d.clear_action();
}

void action_form(App& app, Drafts& d, const ChallengeView& v) {
  const Procedure& p = *v.procedure;
  // Drawn inline (not in a child window) so the whole form scrolls with the screen.
  ImGui::Separator();
  switch (static_cast<Action>(d.action)) {
    case Discussion: {
      heading("Record a discussion");
      input_text("With whom (name, job title, agency; separate people with ;)", d.a_with);
      choice("How", d.a_choice, {"Face to face", "Phone", "Email", "Meeting", "Letter", "Video call", "Other"});
      input_text("What was discussed", d.a_text1, true);
      input_text("The person's views, if shared", d.a_text2, true);
      checkbox("Agreement was reached", d.a_flag);
      if (button("Save discussion", true)) {
        Json body = {{"with", people(d.a_with)}, {"method", discussion_methods()[static_cast<std::size_t>(d.a_choice)]},
                     {"summary", d.a_text1}, {"agreed", d.a_flag}};
        if (!d.a_text2.empty()) body["subject_views"] = d.a_text2;
        record(app, d, EventKind::DiscussionRecorded, body, "Discussion recorded");
      }
      break;
    }
    case AgreeAction:
      heading("Agree an action");
      input_text("Action", d.a_text1, true);
      input_text("Who will do it", d.a_text2);
      input_text("Due (YYYY-MM-DD)", d.a_date);
      if (button("Save action", true)) {
        Json body = {{"description", d.a_text1}, {"owner", d.a_text2}};
        if (!d.a_date.empty()) body["due"] = d.a_date;
        record(app, d, EventKind::ActionAgreed, body, "Action agreed");
      }
      break;
    case Escalate: {
      const Stage* next = p.stage(v.stage + 1);
      heading(next ? "Escalate to stage " + std::to_string(v.stage + 1) + ": " + next->name : "This is the last stage");
      input_text("Why it is being escalated", d.a_text1, true);
      input_text("What was tried at this stage", d.a_text2, true);
      // Only when the procedure's notification for this stage is not recorded yet: the
      // engine refuses without it, quoting the procedure, unless a reason is given.
      input_text("Reason for going ahead without a required notification (if any)", d.a_text3, true);
      if (button("Escalate", true)) {
        Json body = {{"reason", d.a_text1}, {"tried", d.a_text2}};
        if (!d.a_text3.empty()) body["override_reason"] = d.a_text3;
        record(app, d, EventKind::Escalated, body, "Escalated");
      }
      break;
    }
    case Expedite:
      heading("Expedite: someone is at risk of harm");
      if (p.expedite_text) muted(*p.expedite_text);
      input_text("Who is at risk, and why", d.a_text1, true);
      if (button("Expedite", true)) record(app, d, EventKind::Expedited, {{"reason", d.a_text1}}, "Expedited");
      break;
    case Outcome:
      heading("Record the agreed outcome");
      input_text("Outcome", d.a_text1, true);
      input_text("Agreed actions", d.a_text2, true);
      input_text("How outstanding issues will be pursued", d.a_text3, true);
      if (button("Save outcome", true)) {
        Json body = {{"outcome", d.a_text1}};
        if (!d.a_text2.empty()) body["agreed_actions"] = d.a_text2;
        if (!d.a_text3.empty()) body["outstanding"] = d.a_text3;
        record(app, d, EventKind::OutcomeAgreed, body, "Outcome recorded");
      }
      break;
    case Feedback:
      heading("Give feedback to the person who raised it");
      input_text("To", d.a_text1);
      input_text("Feedback", d.a_text2, true);
      if (button("Save feedback", true)) record(app, d, EventKind::FeedbackGiven, {{"to", d.a_text1}, {"summary", d.a_text2}}, "Feedback recorded");
      break;
    case Sign:
      heading("Sign the record");
      choice("Signing as", d.a_choice, {"Challenger's manager", "Challenged manager"});
      input_text("Name", d.a_text1);
      input_text("Job title", d.a_text2);
      input_text("Agency", d.a_text3);
      input_text("Date (YYYY-MM-DD)", d.a_date);
      if (button("Sign", true))
        record(app, d, EventKind::RecordSigned,
               {{"side", d.a_choice == 0 ? "challenger" : "challenged"}, {"name", d.a_text1}, {"job_title", d.a_text2},
                {"agency", d.a_text3}, {"date", d.a_date}},
               "Record signed");
      break;
    case Refer: {
      heading("Refer elsewhere");
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
      choice("Route", d.a_choice, labels);
      muted(v.routes[static_cast<std::size_t>(std::min<int>(d.a_choice, static_cast<int>(kinds.size()) - 1))].route->text);
      input_text("Note", d.a_text1, true);
      if (button("Save referral", true))
        record(app, d, EventKind::Referred, {{"route", kinds[static_cast<std::size_t>(d.a_choice)]}, {"note", d.a_text1}}, "Referral recorded");
      break;
    }
    case Notify: {
      heading("Record a notification");
      std::vector<std::string> labels;
      for (const auto& c : p.board.contacts) labels.push_back(c.label);
      choice("Who was notified", d.a_choice, labels);
      input_text("Why", d.a_text1, true);
      if (button("Save notification", true) && !p.board.contacts.empty())
        record(app, d, EventKind::NotificationSent,
               {{"to", p.board.contacts[static_cast<std::size_t>(d.a_choice)].id}, {"reason", d.a_text1}}, "Notification recorded");
      break;
    }
    case Views:
      heading("The person's own views and wishes");
      input_text("Views", d.a_text1, true);
      if (button("Save views", true)) record(app, d, EventKind::ViewsRecorded, {{"views", d.a_text1}}, "Views recorded");
      break;
    case Learning:
      heading("Learning");
      choice("Review considered", d.a_choice, {"None", "Single-agency review", "Multi-agency review"});
      input_text("Lessons to share", d.a_text1, true);
      if (button("Save learning", true)) {
        const char* review[] = {"none", "single_agency", "multi_agency"};
        record(app, d, EventKind::LearningRecorded, {{"review", review[d.a_choice]}, {"lessons", d.a_text1}}, "Learning recorded");
      }
      break;
    case Comment:
      heading("Comment");
      input_text("Comment", d.a_text1, true);
      if (button("Save comment", true)) record(app, d, EventKind::Comment, {{"text", d.a_text1}}, "Comment saved");
      break;
    case Close:
      heading("Close the challenge");
      input_text("Reason (optional)", d.a_text1, true);
      input_text("Reason for closing with required items not done (if any)", d.a_text2, true);
      if (button("Close challenge", true)) {
        Json body = {{"reason", d.a_text1}};
        if (!d.a_text2.empty()) body["override_reason"] = d.a_text2;
        record(app, d, EventKind::Closed, body, "Challenge closed");
      }
      break;
    case Correct: {
      heading("Correct an entry");
      muted("The original stays in the timeline; the correction is shown beside it.");
      input_text("Field to correct (e.g. summary, outcome)", d.a_text2);
      input_text("Corrected text", d.a_text3, true);
      input_text("Reason for the correction", d.a_text1, true);
      if (button("Save correction", true)) {
        Json body = {{"corrects", d.event_ref}, {"reason", d.a_text1}};
        if (!d.a_text2.empty()) body["changes"] = {{d.a_text2, d.a_text3}};
        record(app, d, EventKind::Correction, body, "Correction saved");
      }
      break;
    }
    case Settle:
      heading("Settle the review");
      input_text("What was decided", d.a_text1, true);
      if (button("Settle", true)) record(app, d, EventKind::ReviewSettled, {{"conflict", d.event_ref}, {"decision", d.a_text1}}, "Review settled");
      break;
    case None:
      break;
  }
  if (button("Cancel##action")) d.clear_action();
  ImGui::Separator();
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
  std::string subject = b.contains("subject") ? b["subject"].value("name", std::string()) : "";
  heading(subject + " — " + s.id);
  muted(p.board.name + " · " + category_label(b.value("category", std::string())) + " · " +
        b.value("challenger", Json::object()).value("agency", std::string()) + " challenging " +
        b.value("challenged", Json::object()).value("agency", std::string()));
  if (v.expedited) warning("EXPEDITED: someone is at risk of harm");
  // Stage ladder.
  for (const auto& st : p.stages) {
    bool current = st.number == v.stage, past = st.number < v.stage;
    std::string line = std::string(current ? "> " : "    ") + "Stage " + std::to_string(st.number) + ": " + st.name +
                       (past ? " (passed)" : "");
    if (current) heading(line);
    else muted(line);
  }
  text("Status: " + std::string(to_string(v.status)) + (s.resolution_stage ? ", resolved at stage " + std::to_string(*s.resolution_stage) : ""));
  if (v.deadline) {
    std::string words = "Stage " + std::to_string(v.stage) + " " + v.deadline->words;
    if (v.deadline->overdue) warning("OVERDUE: " + words);
    else text(words);
  } else if (!v.deadline_pending.empty()) {
    muted("Deadline " + v.deadline_pending);
  } else {
    muted("No timescale at this stage: " + std::to_string(v.working_days_at_stage) + " working days so far.");
  }
  if (v.working_days_taken)
    text("Time taken: " + std::to_string(*v.working_days_taken) + " working days (" + std::to_string(v.calendar_days_taken.value_or(0)) + " calendar days)");
  for (const auto& w : v.warnings) warning(w);
  // Each stage reached, and whether the procedure's timescale was met (core/history.h).
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
  if (!v.checklist.empty()) {
    heading("Required at this stage");
    for (const auto& item : v.checklist) {
      ImGui::PushID(item.id.c_str());
      std::string line = std::string(item.done ? "[x] " : "[ ] ") + item.text;
      if (item.deadline) line += " — " + item.deadline->words;
      if (item.deadline && item.deadline->overdue) warning(line);
      else text(line);
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
      text(std::string(a.completed ? "[x] " : "[ ] ") + a.description + " — " + a.owner + (a.due.empty() ? "" : ", due " + a.due));
      if (!a.completed && !s.closed && button("Mark action done"))
        record(app, d, EventKind::ActionCompleted, {{"action", a.event_id}}, "Action completed");
      ImGui::PopID();
    }
  }
  spacer();
  if (d.action != None) {
    action_form(app, d, v);
  } else {
    heading("Actions");
    float avail = ImGui::GetContentRegionAvail().x, x = 0;
    for (const auto& ab : kButtons) {
      float w = ImGui::CalcTextSize(ab.label).x + ImGui::GetStyle().FramePadding.x * 2;
      if (x > 0 && x + w < avail) ImGui::SameLine();
      else x = 0;
      if (button(ab.label, ab.action == Discussion)) {
        d.clear_action();
        d.action = ab.action;
      }
      x += w + ImGui::GetStyle().ItemSpacing.x;
    }
    if (button("Record form (print)")) {
      app.screen = Screen::RecordForm;
      d.form_index = 0;
    }
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
