// core/report.cpp — record forms as rows and printable HTML (see report.h).
#include "core/report.h"

namespace parley {
namespace {

std::string text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string person(const Json& p) {
  if (!p.is_object()) return "";
  std::string out;
  for (const char* k : {"name", "job_title", "agency"}) {
    std::string v = text_of(p, k);
    if (!v.empty()) out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

// "face_to_face" -> "face to face": enum values as words for a printed form.
std::string words(std::string s) {
  for (auto& c : s) if (c == '_') c = ' ';
  return s;
}

std::string local_day(std::int64_t ms) {
  Date d = uk_local_date(ms);
  return std::to_string(d.day) + " " + month_short(d.month) + " " + std::to_string(d.year);
}

std::string signature(const ChallengeState& s, const char* side) {
  auto it = s.signatures.find(side);
  if (it == s.signatures.end()) return "Not signed";
  const Json& b = it->second;
  return "Name: " + text_of(b, "name") + "\nJob title: " + text_of(b, "job_title") + "\nAgency: " +
         text_of(b, "agency") + "\nDate: " + text_of(b, "date");
}

std::string field_value(const ChallengeView& v, const std::string& from) {
  const ChallengeState& s = v.state;
  const Json& b = s.opened_body;
  if (from == "subject.name") return b.contains("subject") ? text_of(b["subject"], "name") : "";
  if (from == "summary") {
    std::string out = text_of(b, "summary");
    std::string views = text_of(b, "agency_views");
    if (!views.empty()) out += "\nViews of the agencies: " + views;
    return out;
  }
  if (from == "agreed_outcome") {
    if (!s.outcome_recorded) return "Not yet agreed";
    std::string out = text_of(s.outcome, "outcome");
    for (auto [key, label] : {std::pair{"agreed_actions", "Agreed actions: "}, {"outstanding", "Outstanding issues: "}})
      if (!text_of(s.outcome, key).empty()) out += std::string("\n") + label + text_of(s.outcome, key);
    return out;
  }
  if (from == "copied_to") {
    std::string out;
    if (b.contains("copied_to") && b["copied_to"].is_array())
      for (const auto& c : b["copied_to"]) if (c.is_string()) out += (out.empty() ? "" : ", ") + c.get<std::string>();
    for (const auto& p : s.parties)
      if (p.value("copied", false)) out += (out.empty() ? "" : ", ") + person(p.value("party", Json::object()));
    return out.empty() ? "No one" : out;
  }
  if (from == "resolution_stage") {
    if (!s.resolution_stage) return "Not yet resolved";
    const Stage* st = v.procedure ? v.procedure->stage(*s.resolution_stage) : nullptr;
    return "Stage " + std::to_string(*s.resolution_stage) + (st ? ": " + st->name : "");
  }
  if (from == "time_taken") {
    if (!v.working_days_taken) return "Not yet resolved";
    return std::to_string(*v.working_days_taken) + " working days (" + std::to_string(v.calendar_days_taken.value_or(0)) +
           " calendar days)";
  }
  if (from == "signature.challenger") return signature(s, "challenger");
  if (from == "signature.challenged") return signature(s, "challenged");
  std::string out;
  auto line = [&](const std::string& l) { out += (out.empty() ? "" : "\n") + l; };
  for (const auto& e : s.events) {
    Json body = s.corrected_body(e.id);
    std::string when = local_day(e.at);
    int stage = s.event_stage.count(e.id) ? s.event_stage.at(e.id) : 0;
    if (from == "notes" && e.kind == EventKind::Comment) line(when + ": " + text_of(body, "text"));
    if (from == "discussions" && e.kind == EventKind::DiscussionRecorded) {
      std::string with;
      if (body.contains("with") && body["with"].is_array())
        for (const auto& w : body["with"]) with += (with.empty() ? "" : "; ") + person(w);
      line(when + " (stage " + std::to_string(stage) + ", " + words(text_of(body, "method")) + ") with " + with + ": " +
           text_of(body, "summary") + (body.value("agreed", false) ? " — agreed" : " — not agreed"));
    }
    if (from == "stages" && (e.kind == EventKind::Escalated))
      line(when + ": escalated to stage " + std::to_string(body.value("to_stage", 0)) + ". Reason: " +
           text_of(body, "reason") + ". Tried: " + text_of(body, "tried"));
    if (from == "views" && e.kind == EventKind::ViewsRecorded) line(when + ": " + text_of(body, "views"));
    if (from == "timeline") line(when + " — " + words(std::string(to_string(e.kind))) + " by " + text_of(e.author, "name"));
  }
  if (from == "actions")
    for (const auto& a : s.actions)
      line(a.description + " — " + a.owner + (a.due.empty() ? "" : ", due " + a.due) + (a.completed ? " (done)" : ""));
  if (from == "views" && b.contains("subject")) {
    std::string v0 = text_of(b["subject"], "views");
    if (!v0.empty()) out = "When raised: " + v0 + (out.empty() ? "" : "\n" + out);
  }
  return out.empty() ? "None recorded" : out;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n': out += "<br>"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<FormRow> fill_form(const ChallengeView& view, const Form& form) {
  std::vector<FormRow> rows;
  for (const auto& f : form.fields) rows.push_back({f.label, field_value(view, f.from)});
  return rows;
}

std::string form_html(const ChallengeView& view, const Form& form, std::int64_t printed_at) {
  const Procedure* p = view.procedure;
  std::string h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(form.title) +
                  " — " + html_escape(view.state.id) + "</title><style>"
                  "body{font:11pt/1.4 'Liberation Sans',Arial,sans-serif;margin:2cm;color:#000}"
                  "h1{font-size:15pt;margin:0 0 .2em}h2{font-size:11pt;font-weight:normal;margin:0 0 1em;color:#333}"
                  "table{border-collapse:collapse;width:100%}th,td{border:1px solid #000;padding:6pt;vertical-align:top;text-align:left}"
                  "th{width:32%;background:#eee}.note{margin-top:1em;font-size:9pt}footer{margin-top:2em;font-size:8pt;color:#444}"
                  "@media print{body{margin:0}}</style></head><body>";
  h += "<h1>" + html_escape(form.title) + "</h1>";
  h += "<h2>" + html_escape(p ? p->board.name : "") + " · Challenge " + html_escape(view.state.id) + "</h2><table>";
  for (const auto& row : fill_form(view, form))
    h += "<tr><th>" + html_escape(row.label) + "</th><td>" + html_escape(row.value) + "</td></tr>";
  h += "</table>";
  if (!form.note.empty()) h += "<p class=\"note\">" + html_escape(form.note) + "</p>";
  h += "<footer>Printed from Parley on " + html_escape(local_day(printed_at)) + ". Status: " + html_escape(std::string(to_string(view.status))) +
       ", stage " + std::to_string(view.stage) + ". Generated from the challenge's recorded events.</footer>";
  h += "</body></html>\n";
  return h;
}

}  // namespace parley
