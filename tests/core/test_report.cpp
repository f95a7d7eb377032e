// tests/core/test_report.cpp — record forms filled from the events, checked field by
// field against each procedure's own form.
//
// One scenario per shipped procedure, through the real Engine over a real SQLite file
// (support.h's Device: a TempFile, a FixedClock moved to each step's time, seeded ids and
// the shipped procedures). After a step, its checks read the procedure's own form
// (fill_form, first form of the seed) as of the step's time, each naming a field by its id
// and the phrases its value must contain or must not. Buckinghamshire's Appendix B and
// Salford's Appendix 1 are checked for every field they print; the general records (Bury,
// Shropshire, Milton Keynes) for steps, discussions, actions, correspondence, decision and
// time. `record` checks read a form with every source (id = source), for the sources a
// seed form may not use, and every step also checks what holds for any challenge
// (check_any_challenge): each source filled, the stage history carrying the engine's own
// words, the timeline in words rather than event kinds, and the HTML escaped and
// self-contained.
//
// England and Wales bank holidays used: Fri 25 Dec 2026, Mon 28 Dec 2026 (for Sat 26 Dec),
// Fri 1 Jan 2027. Working days are counted after the first day up to and including the
// last (the engine's rule). All times are UK local (GMT in these months).
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/report.h"
#include "tests/support.h"

using namespace parley;
using namespace parley::test;

namespace {

// ---- people (synthetic) -----------------------------------------------------------------

const Author kSam = practitioner();   // Sam Example, Social Worker, Northshire Council Adult Social Care
const Author kManager{"Pat Manager", "Team Manager", "Northshire Council Adult Social Care", "line_manager"};
const Author kLead{"Lee Lead", "Named Professional for Safeguarding", "Northshire Community Health NHS Trust",
                   "safeguarding_lead"};
const Author kSenior{"Kim Senior", "Head of Service", "Northshire Council Adult Social Care", "senior_manager"};
const Author kDirector{"Dee Director", "Assistant Director", "Northshire Council Adult Social Care", "director"};

const char* const kJo = "Jo Sample, Community Nurse, Northshire Community Health NHS Trust";

Json with_jo(const char* method, const char* summary, bool agreed = false) {
  return {{"with", Json::array({Json{{"name", "Jo Sample"}, {"job_title", "Community Nurse"},
                                     {"agency", "Northshire Community Health NHS Trust"}}})},
          {"method", method},
          {"summary", summary},
          {"agreed", agreed}};
}
Json with_lou(const char* method, const char* summary, bool agreed = false) {
  Json j = with_jo(method, summary, agreed);
  j["with"] = Json::array({Json{{"name", "Lou Linemanager"}, {"job_title", "Team Leader"},
                                {"agency", "Northshire Community Health NHS Trust"}}});
  return j;
}
Json plus(Json j, const char* key, Json value) {
  j[key] = std::move(value);
  return j;
}
Json escalation(const char* reason, const char* tried) { return {{"reason", reason}, {"tried", tried}}; }

// ---- the table format -------------------------------------------------------------------

struct FieldCheck {
  std::string field;                        // a field id (own form) or a source (`record`)
  std::vector<std::string> has = {};        // phrases the value contains
  std::vector<std::string> lacks = {};      // phrases it must not contain
  const char* exact = nullptr;              // the whole value, when worth stating
};

// One recorded event. A body value "@N" in "action" is the id of step N's event (from 1).
struct Step {
  const char* at;
  EventKind kind;
  Json body;
  Author by;
  std::vector<FieldCheck> form = {};        // the procedure's own form, by field id
  std::vector<FieldCheck> record = {};      // the form with every source, by source
  const char* as_of = nullptr;              // checks as of this time instead of `at`
};

struct Scenario {
  std::string procedure;
  const char* opened_at;
  Json opening;
  std::vector<Step> steps;
};

Json opening(const std::string& procedure, Json changes) {
  Json body = open_body(procedure);
  body.merge_patch(changes);
  return body;
}

// A form with every source Parley fills, each field's id its source.
Form everything() {
  Form f;
  f.id = "everything";
  f.title = "Every source";
  for (const char* from : {"subject.name", "summary", "agreed_outcome", "copied_to", "resolution_stage", "time_taken",
                           "notes", "signature.challenger", "signature.challenged", "stages", "discussions", "actions",
                           "timeline", "views", "stage_history", "correspondence"})
    f.fields.push_back({from, from, from, ""});
  return f;
}

std::string value_of(const ChallengeView& v, const Form& form, const std::string& field) {
  auto rows = fill_form(v, form);
  REQUIRE(rows.size() == form.fields.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (form.fields[i].id == field) return rows[i].value;
  FAIL("form " << form.id << " has no field '" << field << "'");
  return "";
}

void check_fields(const ChallengeView& v, const Form& form, const std::vector<FieldCheck>& checks) {
  for (const auto& c : checks) {
    std::string value = value_of(v, form, c.field);
    INFO("form " << form.id << ", field " << c.field << ":\n" << value);
    if (c.exact) CHECK(value == c.exact);
    for (const auto& phrase : c.has) CHECK_THAT(value, Catch::Contains(phrase));
    for (const auto& phrase : c.lacks) CHECK_THAT(value, !Catch::Contains(phrase));
  }
}

std::size_t line_count(const std::string& s) { return s.empty() ? 0 : std::count(s.begin(), s.end(), '\n') + 1; }

bool is_stage_timescale(const std::string& id) { return id.rfind("stage-", 0) == 0; }

// What holds for any challenge at any moment, whatever the procedure.
void check_any_challenge(const ChallengeView& v, std::int64_t as_of) {
  const Form all = everything();
  auto rows = fill_form(v, all);
  for (const auto& r : rows) {
    INFO("source " << r.label);
    CHECK_FALSE(r.value.empty());
  }
  const std::string history = value_of(v, all, "stage_history");
  INFO("stage_history:\n" << history);
  for (const auto& r : v.stage_history) CHECK_THAT(history, Catch::Contains(r.words));
  for (const auto& w : v.warnings) CHECK_THAT(history, Catch::Contains(w));
  for (const auto& t : v.timescales) {
    bool said_by_its_stage = false;
    for (const auto& r : v.stage_history) said_by_its_stage = said_by_its_stage || r.words.find(t.words) != std::string::npos;
    if (!is_stage_timescale(t.id) || t.stage == 0) CHECK_THAT(history, Catch::Contains(t.words));
    else if (!said_by_its_stage) CHECK_THAT(history, !Catch::Contains(t.words));   // its stage's line says it
  }
  // The overall time, then one line a stage.
  CHECK(line_count(value_of(v, all, "time_taken")) == 1 + v.stage_history.size());
  // The timeline says what happened in words, one line an event, never an event kind.
  const std::string timeline = value_of(v, all, "timeline");
  CHECK(line_count(timeline) == v.state.events.size());
  for (const std::string& field : {std::string("timeline"), std::string("correspondence"), std::string("stages")})
    for (EventKind k : all_event_kinds())
      if (std::string kind(to_string(k)); kind.find('_') != std::string::npos)
        CHECK_THAT(value_of(v, all, field), !Catch::Contains(kind));
  // Printable offline: every value escaped, nothing loaded, nothing run.
  const std::string html = form_html(v, all, as_of);
  for (const auto& r : rows) CHECK_THAT(html, Catch::Contains(html_escape(r.value)));
  for (const char* active : {"<script", "src=", "<link", "@import", "url("}) CHECK_THAT(html, !Catch::Contains(active));
}

std::uint64_t seed = 5100;

void run(const Scenario& sc) {
  INFO("procedure " << sc.procedure);
  Device d("parley-report-" + sc.procedure, ++seed, at(sc.opened_at));
  const std::string id = d.engine.open(sc.opening, kSam, at(sc.opened_at));
  std::vector<std::string> ids;
  for (std::size_t n = 0; n < sc.steps.size(); ++n) {
    const Step& st = sc.steps[n];
    INFO("step " << n + 1 << ": " << to_string(st.kind) << " at " << st.at);
    Json body = st.body;
    if (body.contains("action") && body["action"].get<std::string>().rfind("@", 0) == 0)
      body["action"] = ids.at(std::stoul(body["action"].get<std::string>().substr(1)) - 1);
    d.clock.set(at(st.at));
    ids.push_back(d.engine.record(id, st.kind, body, st.by, at(st.at)));
    const std::int64_t as_of = at(st.as_of ? st.as_of : st.at);
    ChallengeView v = d.engine.view(id, as_of);
    REQUIRE(v.procedure != nullptr);
    REQUIRE_FALSE(v.procedure->forms.empty());
    check_fields(v, v.procedure->forms.front(), st.form);
    check_fields(v, everything(), st.record);
    check_any_challenge(v, as_of);
  }
}

// ---- Buckinghamshire: Appendix B -----------------------------------------------------------
// Raised Mon 1 Feb 2027; escalated to stage 2 on Tue 2 Feb and to stage 3 on Thu 4 Feb; the
// outcome agreed at stage 3 on Mon 8 Feb: 5 working days (2, 3, 4, 5, 8 Feb), 7 calendar
// days. Stage 1 took 1 working day (1 Feb to 2 Feb), stage 2 two (2 Feb to 4 Feb).

Scenario buckinghamshire() {
  const char* outcome = "Enquiry reopened; the adult will be visited with an advocate.";
  const char* esc2 = "Escalated to stage 2 on 2 Feb 2027: No agreement after the discussion. Tried: Phone discussion "
                     "between the practitioners";
  const char* esc3 = "Escalated to stage 3 on 4 Feb 2027: The Trust still disagrees. Tried: Discussion with own manager";
  const char* action = "Agreed action: Share the care plan with the community nurse — Pat Manager, due 10 Feb 2027 "
                       "(agreed at stage 2; not done yet)";
  return {
      "buckinghamshire-bsab",
      "2027-02-01T09:00",
      opening("buckinghamshire-bsab",
              {{"summary", "Enquiry closed <before> the adult's views were heard & recorded"},
               {"agency_views", "Council: the enquiry can close. Trust: the adult's views were not heard."},
               {"copied_to", {"Northshire Safeguarding Adults Team"}}}),
      {
          {"2027-02-01T14:00", EventKind::DiscussionRecorded, with_jo("phone", "Each agency gave its view."), kSam,
           {{"agreed_outcomes", {}, {"Not yet agreed"}, "No outcome agreed yet"},
            {"resolution_stage", {}, {}, "Not yet resolved"}}},
          {"2027-02-02T10:00", EventKind::Escalated,
           escalation("No agreement after the discussion", "Phone discussion between the practitioners"), kSam,
           // Appendix B: "agreed next steps including escalation to next stage if unresolved".
           {{"agreed_outcomes", {esc2, "No outcome agreed yet"}, {"Not yet agreed"}},
            {"time_taken", {"Not yet resolved: 1 working day (1 calendar day) so far since it was raised on 1 Feb 2027"}}}},
          {"2027-02-03T10:00", EventKind::DiscussionRecorded, with_jo("phone", "Discussed with own manager."), kManager},
          {"2027-02-03T11:00", EventKind::ActionAgreed,
           {{"description", "Share the care plan with the community nurse"}, {"owner", "Pat Manager"}, {"due", "2027-02-10"}},
           kManager},
          {"2027-02-04T10:00", EventKind::Escalated,
           escalation("The Trust still disagrees", "Discussion with own manager"), kManager,
           {{"agreed_outcomes", {esc2, esc3, action, "No outcome agreed yet"}}}},
          {"2027-02-05T10:00", EventKind::DiscussionRecorded, with_jo("video", "The equivalent posts met."), kLead},
          {"2027-02-05T11:00", EventKind::FeedbackGiven,
           {{"to", "Sam Example"}, {"summary", "The Local Authority's named professional advised on the outcome."}}, kLead},
          {"2027-02-08T10:00", EventKind::OutcomeAgreed,
           {{"outcome", outcome}, {"agreed_actions", "Joint visit by 12 Feb."}, {"outstanding", "Review in 4 weeks."}},
           kManager,
           {{"agreed_outcomes", {}, {}, "Enquiry reopened; the adult will be visited with an advocate.\n"
                                        "Agreed actions: Joint visit by 12 Feb.\nOutstanding issues: Review in 4 weeks."},
            {"resolution_stage", {}, {},
             "Stage 3: Manager / named professional / safeguarding lead with the equivalent post in the Local Authority"}}},
          {"2027-02-08T12:00", EventKind::LearningRecorded,
           {{"review", "single_agency"}, {"lessons", "Hear the adult before closing an enquiry."}}, kManager},
          {"2027-02-08T13:00", EventKind::Comment, {{"text", "Advocate booked for the visit."}}, kLead},
          {"2027-02-09T10:00", EventKind::RecordSigned,
           {{"side", "challenger"}, {"name", "Pat Manager"}, {"job_title", "Team Manager"},
            {"agency", "Northshire Council Adult Social Care"}, {"date", "2027-02-09"}},
           kManager,
           {{"challenged_manager_signature", {}, {}, "Not signed"}}},
          {"2027-02-09T11:00", EventKind::RecordSigned,
           {{"side", "challenged"}, {"name", "Lee Lead"}, {"job_title", "Named Professional for Safeguarding"},
            {"agency", "Northshire Community Health NHS Trust"}, {"date", "2027-02-09"}},
           kLead},
          // Every field of Appendix B, as of three weeks after closure: the time stopped.
          {"2027-02-10T10:00", EventKind::Closed, {{"reason", "Outcome carried out."}}, kManager,
           {{"adult_name", {}, {}, "Alex Testperson"},
            {"dispute_summary",
             {"Enquiry closed <before> the adult's views were heard & recorded",
              "Views of the agencies: Council: the enquiry can close. Trust: the adult's views were not heard.",
              "Raised by Sam Example, Social Worker, Northshire Council Adult Social Care; challenged: Jo Sample, "
              "Community Nurse, Northshire Community Health NHS Trust"}},
            {"agreed_outcomes", {outcome, "Agreed actions: Joint visit by 12 Feb.", "Outstanding issues: Review in 4 weeks."}},
            {"copied_to", {}, {}, "Northshire Safeguarding Adults Team"},
            {"resolution_stage", {"Stage 3: "}},
            {"time_taken",
             {"5 working days (7 calendar days), from raising on 1 Feb 2027 to the outcome being agreed on 8 Feb 2027\n",
              "Stage 1 (Pre-escalation: professional discussion): 1 working day (1 calendar day)\n",
              "Stage 2 (Discussion with own manager / safeguarding lead): 2 working days (2 calendar days)\n"},
             {"so far"}},
            {"additional_notes",
             {"8 Feb 2027: learning recorded (review considered: single agency): Hear the adult before closing an enquiry.",
              "8 Feb 2027: Advocate booked for the visit."}},
            {"challenger_manager_signature", {}, {},
             "Name: Pat Manager\nJob title: Team Manager\nAgency: Northshire Council Adult Social Care\nDate: 9 Feb 2027"},
            {"challenged_manager_signature", {}, {},
             "Name: Lee Lead\nJob title: Named Professional for Safeguarding\nAgency: Northshire Community Health NHS "
             "Trust\nDate: 9 Feb 2027"}},
           {{"correspondence",
             {"1 Feb 2027, stage 1: copied to Northshire Safeguarding Adults Team when the challenge was raised",
              "5 Feb 2027, stage 3: gave feedback to Sam Example: The Local Authority's named professional advised on the "
              "outcome. Recorded by Lee Lead, Named Professional for Safeguarding, Northshire Community Health NHS Trust."}}},
           "2027-03-01T12:00"},
      }};
}

// ---- Salford: Appendix 1 -----------------------------------------------------------------
// The voice of the adult: given when raising, with a discussion, and on its own.

Scenario salford() {
  const char* raised = "1 Mar 2027, stage 1, when the challenge was raised: I want to go home and choose my own carers.";
  const char* in_discussion = "2 Mar 2027, stage 1, in a discussion with Jo Sample, Community Nurse, Northshire "
                              "Community Health NHS Trust: Zoë said she felt nobody listened to her.";
  const char* recorded = "4 Mar 2027, stage 2, recorded by Pat Manager, Team Manager, Northshire Council Adult Social "
                         "Care: She would accept a carer in the mornings only.";
  return {
      "salford-ssab",
      "2027-03-01T09:00",
      opening("salford-ssab", {{"subject", {{"name", "Zoë Ångström"}, {"views", "I want to go home and choose my own carers."}}}}),
      {
          {"2027-03-02T10:00", EventKind::DiscussionRecorded,
           plus(with_jo("face_to_face", "Each agency explained its view."), "subject_views",
                "Zoë said she felt nobody listened to her."),
           kSam,
           {{"adult_name", {}, {}, "Zoë Ångström"},
            {"adult_views", {raised, in_discussion}},
            {"discussions",
             {std::string("2 Mar 2027, stage 1 (face to face) with ") + kJo +
              ": Each agency explained its view. — not agreed. The adult's views: Zoë said she felt nobody listened to her."}}}},
          {"2027-03-03T10:00", EventKind::Escalated, escalation("No agreement", "A face-to-face discussion"), kSam},
          {"2027-03-04T10:00", EventKind::ViewsRecorded, {{"views", "She would accept a carer in the mornings only."}},
           kManager},
          {"2027-03-05T10:00", EventKind::DiscussionRecorded, with_lou("video", "Managers agreed a joint review.", true),
           kManager},
          {"2027-03-05T11:00", EventKind::ActionAgreed,
           {{"description", "Joint review of the care package"}, {"owner", "Lou Linemanager"}, {"due", "2027-03-12"}},
           kManager},
          {"2027-03-08T10:00", EventKind::OutcomeAgreed,
           {{"outcome", "Joint review agreed; the adult's wishes are central to it."}}, kManager,
           {{"adult_name", {}, {}, "Zoë Ångström"},
            {"challenge_summary", {"Referral for a care review was closed without contact; the nurse disagrees."}},
            {"adult_views", {std::string(raised) + "\n" + in_discussion + "\n" + recorded}},
            {"discussions",
             {"5 Mar 2027, stage 2 (video) with Lou Linemanager, Team Leader, Northshire Community Health NHS Trust: "
              "Managers agreed a joint review. — agreed"}},
            {"actions_and_decisions",
             {}, {}, "Joint review of the care package — Lou Linemanager, due 12 Mar 2027 (agreed at stage 2; not done yet)"},
            {"outcome", {}, {}, "Joint review agreed; the adult's wishes are central to it."},
            {"resolution_stage", {}, {}, "Stage 2: Discussion between line managers"}},
           {{"views", {raised, in_discussion, recorded}},
            {"time_taken", {"5 working days (7 calendar days), from raising on 1 Mar 2027 to the outcome being agreed on 8 Mar 2027"}}}},
      }};
}

// ---- Bury: the general record ------------------------------------------------------------

Scenario bury() {
  return {
      "bury-sab",
      "2027-04-05T09:00",
      open_body("bury-sab"),
      {
          {"2027-04-05T15:00", EventKind::DiscussionRecorded, with_jo("phone", "The practitioners disagreed."), kSam,
           {{"adult_wishes", {}, {}, "None recorded"}}},
          {"2027-04-06T10:00", EventKind::Escalated, escalation("Still no agreement", "A phone discussion"), kSam},
          {"2027-04-07T10:00", EventKind::ActionAgreed,
           {{"description", "Visit the adult together"}, {"owner", "Pat Manager"}, {"due", "2027-04-09"}}, kManager,
           {{"actions", {}, {}, "Visit the adult together — Pat Manager, due 9 Apr 2027 (agreed at stage 2; not done yet)"}}},
          {"2027-04-09T16:00", EventKind::ActionCompleted, {{"action", "@3"}, {"note", "Visited together."}}, kManager,
           {{"actions", {}, {}, "Visit the adult together — Pat Manager, due 9 Apr 2027 (agreed at stage 2; done 9 Apr 2027)"}},
           {{"timeline", {"9 Apr 2027, stage 2 — Pat Manager: completed the action Visit the adult together: Visited together."}}}},
          {"2027-04-12T10:00", EventKind::OutcomeAgreed, {{"outcome", "Care plan changed after the joint visit."}}, kManager,
           {{"adult_name", {}, {}, "Alex Testperson"},
            {"disagreement", {"Referral for a care review was closed without contact; the nurse disagrees."}},
            {"steps",
             {"5 Apr 2027: raised at stage 1 (Initial discussion between practitioners) by Sam Example, Social Worker, "
              "Northshire Council Adult Social Care",
              "6 Apr 2027: escalated to stage 2 (Discussion between line managers). Reason: Still no agreement. Tried: A "
              "phone discussion",
              "12 Apr 2027: outcome agreed at stage 2"}},
            {"discussions", {std::string("5 Apr 2027, stage 1 (phone) with ") + kJo + ": The practitioners disagreed. — not agreed"}},
            {"outcome", {}, {}, "Care plan changed after the joint visit."},
            {"resolution_step", {}, {}, "Stage 2: Discussion between line managers"}}},
      }};
}

// ---- Shropshire: the general record, with both override reasons ----------------------------
// Raised Thu 24 Dec 2026. Working days after it: Tue 29 Dec (1), Wed 30 (2), Thu 31 (3), Mon
// 4 Jan (4), Tue 5 (5), Wed 6 (6), Thu 7 (7), Fri 8 (8), Mon 11 (9). Stage 1 took 24 -> 30
// Dec (2 working, 6 calendar days), stage 2 30 Dec -> 4 Jan (2, 5), stage 3 4 -> 6 Jan (2,
// 2), stage 4 6 -> 8 Jan (2, 2); the outcome on Mon 11 Jan: 9 working, 18 calendar days.

Scenario shropshire() {
  const char* went_ahead = "Went ahead without ";
  const char* mailbox = ": The business unit's mailbox was down; told by phone.";
  const char* written = ": The Director was told in person; the written decision follows.";
  const char* business_unit = "Shropshire Safeguarding Community Partnership business unit";
  return {
      "shropshire-sscp",
      "2026-12-24T10:00",
      opening("shropshire-sscp", {{"subject", {{"name", "Rhiannon Ní Bhriain"}}}}),
      {
          {"2026-12-29T10:00", EventKind::DiscussionRecorded, with_jo("phone", "Raised directly with the nurse."), kSam},
          {"2026-12-30T10:00", EventKind::Escalated, escalation("No reply from the nurse", "Phoned twice"), kSam},
          {"2026-12-31T10:00", EventKind::DiscussionRecorded,
           plus(with_lou("phone", "The managers talked."), "fulfils", {"ascertain-facts"}), kManager},
          {"2027-01-04T10:00", EventKind::Escalated, escalation("The managers disagree", "A managers' discussion"), kManager},
          {"2027-01-05T10:00", EventKind::DiscussionRecorded,
           plus(with_lou("phone", "Formal escalation by email; records reviewed."), "fulfils",
                {"formal-escalation-email-stage-3", "review-records-stage-3"}),
           kManager},
          {"2027-01-06T10:00", EventKind::Escalated, escalation("Still no agreement", "Formal escalation by email"), kManager},
          {"2027-01-07T11:00", EventKind::FeedbackGiven,
           {{"to", "Jo Sample"}, {"summary", "Told the nurse the matter is with senior managers."}}, kSenior},
          // Stage 4 asks for the business unit to be notified before moving on: not done, so
          // the escalation carries a reason, printed on the form.
          {"2027-01-08T10:00", EventKind::Escalated,
           plus(escalation("Senior managers disagree", "Discussion between senior managers"), "override_reason",
                "The business unit's mailbox was down; told by phone."),
           kSenior,
           {{"stages", {went_ahead, mailbox}}},
           {{"correspondence", {std::string("8 Jan 2027, stage 4: ") + went_ahead}},
            {"stage_history", {mailbox}}}},
          {"2027-01-11T09:00", EventKind::NotificationSent,
           {{"to", "business-unit"}, {"reason", "Stage 5 reached: the procedure asks for the business unit to be told."}},
           kDirector},
          {"2027-01-11T10:00", EventKind::DiscussionRecorded,
           with_lou("meeting", "The agencies met with the Assistant Directors.", true), kDirector},
          {"2027-01-11T12:00", EventKind::OutcomeAgreed, {{"outcome", "Joint care review agreed by both directors."}},
           kDirector},
          // Closing with stage 5's items open (the Director informed, the decision in
          // writing): a reason, printed on the form.
          {"2027-01-12T10:00", EventKind::Closed,
           {{"reason", "Decision reached."},
            {"override_reason", "The Director was told in person; the written decision follows."}},
           kDirector,
           {{"subject_name", {}, {}, "Rhiannon Ní Bhriain"},
            {"disagreement", {"Referral for a care review was closed without contact; the nurse disagrees."}},
            {"stages",
             {"30 Dec 2026: escalated to stage 2 (Raise to line manager). Reason: No reply from the nurse. Tried: Phoned twice",
              "6 Jan 2027: escalated to stage 4 (Senior manager)", "8 Jan 2027: escalated to stage 5",
              std::string(went_ahead), mailbox, written, "12 Jan 2027: closed at stage 5: Decision reached."}},
            {"contacts_and_discussions",
             {"11 Jan 2027, stage 5 (meeting) with Lou Linemanager, Team Leader, Northshire Community Health NHS Trust: "
              "The agencies met with the Assistant Directors. — agreed"}},
            // Shropshire asks for correspondence and notifications: who was told what, and why.
            {"correspondence",
             {business_unit, "Stage 5 reached: the procedure asks for the business unit to be told.", "Jo Sample",
              "Told the nurse the matter is with senior managers."}},
            {"decision", {}, {}, "Joint care review agreed by both directors."},
            {"resolution_stage", {}, {}, "Stage 5: Assistant Director (or equivalent)"},
            {"time_taken",
             {"9 working days (18 calendar days), from raising on 24 Dec 2026 to the outcome being agreed on 11 Jan 2027\n",
              "Stage 1 (Raise concerns with the professional directly): 2 working days (6 calendar days)\n",
              "Stage 2 (Raise to line manager): 2 working days (5 calendar days)\n",
              "Stage 3 (Formal escalation by the line manager): 2 working days (2 calendar days)\n",
              "Stage 4 (Senior manager): 2 working days (2 calendar days)\n"}}},
           {{"correspondence",
             {std::string("11 Jan 2027, stage 5: notified ") + business_unit + " (",
              "): Stage 5 reached: the procedure asks for the business unit to be told. Recorded by Dee Director, "
              "Assistant Director, Northshire Council Adult Social Care.",
              "7 Jan 2027, stage 4: gave feedback to Jo Sample: Told the nurse the matter is with senior managers.",
              std::string("12 Jan 2027, stage 5: ") + went_ahead, written}},
            {"stage_history", {mailbox, written}},
            {"timeline",
             {"30 Dec 2026, stage 1 — Sam Example: escalated to stage 2: No reply from the nurse",
              std::string("11 Jan 2027, stage 5 — Dee Director: notified ") + business_unit}}}},
      }};
}

// ---- Milton Keynes: the general record -----------------------------------------------------

Scenario milton_keynes() {
  return {
      "milton-keynes-mktogether",
      "2027-05-10T09:00",
      opening("milton-keynes-mktogether", {{"subject", {{"name", "Kai Testchild"}, {"kind", "child"}}}}),
      {
          {"2027-05-12T10:00", EventKind::DiscussionRecorded,
           plus(with_jo("meeting", "Professionals meeting held."), "subject_views", "Kai wants to stay with his grandmother."),
           kSam},
          {"2027-05-12T11:00", EventKind::ActionAgreed,
           {{"description", "Share the school's attendance record"}, {"owner", "Sam Example"}}, kSam},
          {"2027-05-14T10:00", EventKind::Escalated, escalation("Concerns unresolved", "A professionals meeting"), kSam},
          {"2027-05-17T10:00", EventKind::DiscussionRecorded, with_jo("face_to_face", "Discussed with the line manager."),
           kManager},
          {"2027-05-18T10:00", EventKind::Escalated, escalation("Still unresolved", "Line manager discussion"), kManager},
          {"2027-05-20T10:00", EventKind::DiscussionRecorded,
           with_lou("meeting", "Heads of Service met.", true), kSenior},
          {"2027-05-21T10:00", EventKind::FeedbackGiven,
           {{"to", "Sam Example"}, {"summary", "Heads of Service agreed a joint plan."}}, kSenior},
          {"2027-05-21T11:00", EventKind::OutcomeAgreed, {{"outcome", "Joint plan agreed by the Heads of Service."}}, kSenior,
           {{"subject_name", {}, {}, "Kai Testchild"},
            {"stages",
             {"14 May 2027: escalated to stage 2", "18 May 2027: escalated to stage 3 (Heads of Service)",
              "21 May 2027: outcome agreed at stage 3"}},
            {"meetings_and_discussions",
             {std::string("12 May 2027, stage 1 (meeting) with ") + kJo +
                  ": Professionals meeting held. — not agreed. The child's views: Kai wants to stay with his grandmother.",
              "20 May 2027, stage 3 (meeting) with Lou Linemanager"}},
            {"actions", {}, {}, "Share the school's attendance record — Sam Example (agreed at stage 1; not done yet)"},
            {"outcome", {}, {}, "Joint plan agreed by the Heads of Service."},
            {"resolution_stage", {}, {}, "Stage 3: Heads of Service"}},
           {{"views", {"12 May 2027, stage 1, in a discussion with", "Kai wants to stay with his grandmother."}},
            {"correspondence",
             {}, {}, "21 May 2027, stage 3: gave feedback to Sam Example: Heads of Service agreed a joint plan. Recorded by "
                     "Kim Senior, Head of Service, Northshire Council Adult Social Care."}}},
      }};
}

}  // namespace

TEST_CASE("each procedure's record form is filled field by field from its events", "[report]") {
  for (const Scenario& sc : {buckinghamshire(), salford(), bury(), shropshire(), milton_keynes()}) {
    DYNAMIC_SECTION(sc.procedure) { run(sc); }
  }
}

TEST_CASE("the HTML form escapes what people typed", "[report]") {
  Device d("parley-report-html", 51, at("2026-02-02T09:00"));
  Json body = open_body("buckinghamshire-bsab");
  body["summary"] = "Enquiry closed <before> the adult's views were heard & recorded";
  std::string id = d.engine.open(body, kSam, at("2026-02-02T09:00"));
  ChallengeView v = d.engine.view(id, at("2026-02-02T12:00"));
  std::string html = form_html(v, v.procedure->forms.front(), at("2026-02-02T12:00"));
  CHECK_THAT(html, Catch::Contains("&lt;before&gt;"));
  CHECK_THAT(html, Catch::Contains("&amp; recorded"));
  CHECK_THAT(html, !Catch::Contains("<before>"));
  CHECK_THAT(html, Catch::Contains("Printed from Parley on 2 Feb 2026."));
}

TEST_CASE("every seed procedure's forms fill every field", "[report]") {
  for (const char* proc : {"salford-ssab", "buckinghamshire-bsab", "bury-sab", "shropshire-sscp", "milton-keynes-mktogether"}) {
    INFO(proc);
    Device d("parley-report-all", 52, at("2026-02-02T09:00"));
    std::string id = d.engine.open(open_body(proc), kSam, at("2026-02-02T09:00"));
    ChallengeView v = d.engine.view(id, at("2026-02-02T10:00"));
    for (const auto& form : v.procedure->forms) {
      auto rows = fill_form(v, form);
      CHECK(rows.size() == form.fields.size());
      for (const auto& r : rows) CHECK_FALSE(r.value.empty());
      CHECK_THAT(form_html(v, form, at("2026-02-02T10:00")), Catch::Contains(html_escape(form.title)));
    }
    check_any_challenge(v, at("2026-02-02T10:00"));
  }
}

// An override reason is printed with what was left undone, and never claims something was
// left undone when nothing was (a reason given anyway is kept as it was written).
TEST_CASE("override reasons on the form say what was left undone, if anything", "[report]") {
  Device d("report-override", 91, at("2026-06-10T12:00"));
  const Author director{"Dee Director", "Assistant Director", "Northshire Council Adult Social Care", "director"};
  std::string id = d.engine.open(open_body("shropshire-sscp"), director, at("2026-06-01T09:00"));
  d.engine.record(id, EventKind::DiscussionRecorded,
                  {{"with", Json::array({{{"name", "Jo Sample"}, {"agency", "Northshire Police"}}})},
                   {"method", "phone"}, {"summary", "Talked it through."}, {"agreed", false}},
                  director, at("2026-06-01T10:00"));
  d.engine.record(id, EventKind::Escalated,
                  {{"reason", "No agreement"}, {"tried", "A call"}, {"override_reason", "Told the manager in person."}},
                  director, at("2026-06-01T11:00"));
  for (int stage = 2; stage <= 4; ++stage)
    d.engine.record(id, EventKind::Escalated,
                    {{"reason", "No agreement"}, {"tried", "Calls"}, {"override_reason", "Emailed the business unit."}},
                    director, at("2026-06-0" + std::to_string(stage) + "T11:00"));
  ChallengeView v = d.engine.view(id, at("2026-06-10T12:00"));
  const Form& form = v.procedure->forms.front();
  std::string stages;
  for (const auto& row : fill_form(v, form))
    if (row.label == "Stages of the escalation flowchart reached") stages = row.value;
  // Stage 1 had nothing open; stage 4 had not notified the business unit.
  CHECK_THAT(stages, Catch::Contains("Reason given for going ahead (nothing required was left undone): Told the manager in person."));
  CHECK_THAT(stages, Catch::Contains("Went ahead without Notify the SSCP business unit"));
  CHECK_THAT(stages, Catch::Contains(": Emailed the business unit."));
}
