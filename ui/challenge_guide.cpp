// ui/challenge_guide.cpp — tag, step indicator and form errors drawn in Dear ImGui (see
// challenge_guide.h).
#include "ui/challenge_guide.h"

#include <imgui.h>

#include "ui/widgets.h"

namespace parley::ui {
namespace {

struct TagColours {
  ImVec4 fill, text;
};

// GOV.UK's tag colours: red for late, orange for today or the next working day, blue for
// later; their tinted fill with the dark text keeps the contrast above 4.5:1.
TagColours tag_colours(DueTone t) {
  switch (t) {
    case DueTone::Overdue: return {ImVec4(0.96f, 0.85f, 0.84f, 1), ImVec4(0.55f, 0.08f, 0.03f, 1)};
    case DueTone::Today:
    case DueTone::Soon: return {ImVec4(0.99f, 0.84f, 0.76f, 1), ImVec4(0.43f, 0.20f, 0.09f, 1)};
    case DueTone::Due: return {ImVec4(0.82f, 0.89f, 0.95f, 1), ImVec4(0.05f, 0.20f, 0.34f, 1)};
    case DueTone::None: break;
  }
  return {ImVec4(0.90f, 0.91f, 0.92f, 1), ImVec4(0.16f, 0.18f, 0.20f, 1)};
}

ImVec4 error_red() { return ImGui::GetStyle().Colors[ImGuiCol_PlotLinesHovered]; }

}  // namespace

void due_tag(const DueTag& tag) {
  if (tag.words.empty()) return;
  const Metrics& m = metrics();
  TagColours c = tag_colours(tag.tone);
  ImVec2 pad(m.gap(), m.gap() * 0.6f);
  float wrap = ImGui::GetContentRegionAvail().x - pad.x * 2;
  ImVec2 size = ImGui::CalcTextSize(tag.words.c_str(), nullptr, false, wrap);
  ImVec2 at = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(at, ImVec2(at.x + size.x + pad.x * 2, at.y + size.y + pad.y * 2), ImGui::GetColorU32(c.fill), 3.0f * m.dpr);
  ImGui::SetCursorScreenPos(ImVec2(at.x + pad.x, at.y + pad.y));
  ImGui::PushStyleColor(ImGuiCol_Text, c.text);
  ImGui::PushTextWrapPos(at.x - ImGui::GetWindowPos().x + pad.x + wrap);
  ImGui::TextUnformatted(tag.words.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::SetCursorScreenPos(at);
  ImGui::Dummy(ImVec2(size.x + pad.x * 2, size.y + pad.y * 2));
  mirror_last("status", tag.words, tag.tone == DueTone::Overdue ? "overdue" : "");
}

void step_indicator(const Procedure& p, int current, bool resolved) {
  const Metrics& m = metrics();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImU32 accent = ImGui::GetColorU32(style.Colors[ImGuiCol_ButtonActive]);
  const ImU32 line = ImGui::GetColorU32(style.Colors[ImGuiCol_Border]);
  const ImU32 dim = ImGui::GetColorU32(style.Colors[ImGuiCol_TextDisabled]);
  const float r = ImGui::GetTextLineHeight() * 0.62f, dot = r * 2 + m.gap();
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    const Stage& st = p.stages[i];
    const bool now = st.number == current, past = st.number < current;
    ImVec2 at = ImGui::GetCursorScreenPos();
    const float wrap = ImGui::GetContentRegionAvail().x - dot;
    std::string words = "Stage " + std::to_string(st.number) + ": " + st.name;
    if (now && resolved) words += " (resolved here)";
    ImVec2 size = ImGui::CalcTextSize(words.c_str(), nullptr, false, wrap);
    const float row = std::max(size.y, r * 2) + m.gap() * 0.8f;
    ImVec2 centre(at.x + r + 1, at.y + r);
    // The line joining this step to the next, drawn first so the circles sit on it.
    if (i + 1 < p.stages.size()) dl->AddLine(ImVec2(centre.x, centre.y + r), ImVec2(centre.x, at.y + row + r), line, m.dpr * 2);
    std::string num = std::to_string(st.number);
    ImVec2 ns = ImGui::CalcTextSize(num.c_str());
    if (now) {
      dl->AddCircleFilled(centre, r, accent, 24);
      dl->AddText(ImVec2(centre.x - ns.x / 2, centre.y - ns.y / 2), IM_COL32_WHITE, num.c_str());
    } else if (past) {
      dl->AddCircleFilled(centre, r, dim, 24);
      // A tick: the step is passed.
      dl->AddLine(ImVec2(centre.x - r * 0.45f, centre.y), ImVec2(centre.x - r * 0.1f, centre.y + r * 0.4f), IM_COL32_WHITE, m.dpr * 2);
      dl->AddLine(ImVec2(centre.x - r * 0.1f, centre.y + r * 0.4f), ImVec2(centre.x + r * 0.5f, centre.y - r * 0.4f), IM_COL32_WHITE,
                  m.dpr * 2);
    } else {
      dl->AddCircleFilled(centre, r, ImGui::GetColorU32(style.Colors[ImGuiCol_FrameBg]), 24);
      dl->AddCircle(centre, r, line, 24, m.dpr * 1.5f);
      dl->AddText(ImVec2(centre.x - ns.x / 2, centre.y - ns.y / 2), dim, num.c_str());
    }
    ImGui::SetCursorScreenPos(ImVec2(at.x + dot, at.y + r - ImGui::GetTextLineHeight() / 2));
    ImGui::PushTextWrapPos(at.x - ImGui::GetWindowPos().x + dot + wrap);
    if (now) ImGui::PushStyleColor(ImGuiCol_Text, style.Colors[ImGuiCol_PlotHistogram]);
    else if (!past) ImGui::PushStyleColor(ImGuiCol_Text, style.Colors[ImGuiCol_TextDisabled]);
    ImGui::TextUnformatted(words.c_str());
    if (now || !past) ImGui::PopStyleColor();
    ImGui::PopTextWrapPos();
    mirror_last("step", words, now ? "current" : past ? "passed" : "");
    ImGui::SetCursorScreenPos(ImVec2(at.x, at.y + row));
  }
  ImGui::Dummy(ImVec2(1, 1));
}

namespace {
FormErrors g_errors;   // the last Save's, for one form at a time (see the header)
}  // namespace

FormErrors form_errors(const std::string& form, const std::string& message) {
  if (g_errors.form != form) return {};
  FormErrors e = g_errors;
  if (e.refused) e.refusal = message;
  return e;
}

void set_form_errors(const std::string& form, std::vector<FieldProblem> problems, bool refused,
                     const std::string& refused_field) {
  g_errors = {form, std::move(problems), refused, refused_field, ""};
}

void clear_form_errors() { g_errors = {}; }

void error_summary(const FormErrors& e) {
  if (e.problems.empty() && e.refusal.empty()) return;
  const Metrics& m = metrics();
  ImVec2 at = ImGui::GetCursorScreenPos();
  const float bar = 5 * m.dpr, pad = m.gap();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->ChannelsSplit(2);
  dl->ChannelsSetCurrent(1);
  ImGui::SetCursorScreenPos(ImVec2(at.x + bar + pad, at.y + pad));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(ImGui::GetContentRegionMax().x - pad);
  heading("There is a problem");
  ImGui::PushStyleColor(ImGuiCol_Text, error_red());
  for (const auto& p : e.problems) {
    ImGui::TextWrapped("%s", p.message.c_str());
    mirror_last("alert", p.message);
  }
  if (!e.refusal.empty()) {
    ImGui::TextWrapped("%s", e.refusal.c_str());
    mirror_last("alert", e.refusal);
  }
  ImGui::PopStyleColor();
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  ImVec2 end(ImGui::GetContentRegionMax().x + ImGui::GetWindowPos().x, ImGui::GetItemRectMax().y + pad);
  dl->ChannelsSetCurrent(0);
  dl->AddRectFilled(at, end, ImGui::GetColorU32(error_red()));
  dl->AddRectFilled(ImVec2(at.x + bar, at.y + bar), ImVec2(end.x - bar, end.y - bar), ImGui::GetColorU32(ImGuiCol_ChildBg));
  dl->ChannelsMerge();
  ImGui::SetCursorScreenPos(ImVec2(at.x, end.y + pad));
  ImGui::Dummy(ImVec2(1, 1));
}

void field_error(const FormErrors& e, const std::string& path) {
  auto under = [&](const std::string& f) { return f == path || f.rfind(path + ".", 0) == 0; };
  auto show = [&](const std::string& words) {
    ImGui::PushStyleColor(ImGuiCol_Text, error_red());
    ImGui::TextWrapped("%s", words.c_str());
    ImGui::PopStyleColor();
    // A bar in the margin, as GOV.UK marks the field group in error.
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    float x = a.x - ImGui::GetStyle().WindowPadding.x * 0.6f;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x, a.y), ImVec2(x + 4 * metrics().dpr, b.y), ImGui::GetColorU32(error_red()));
    mirror_last("alert", words);
  };
  for (const auto& p : e.problems)
    if (under(p.field)) return show(p.message);
  if (!e.refusal.empty() && !e.refused_field.empty() && under(e.refused_field)) show(e.refusal);
}

std::string field_label(EventKind kind, const std::string& path, const std::string& label) {
  return field_required(kind, path) ? label : label + " (optional)";
}

const char* action_label(EventKind kind) {
  switch (kind) {
    case EventKind::DiscussionRecorded: return "Record a discussion";
    case EventKind::ActionAgreed: return "Agree an action";
    case EventKind::Escalated: return "Escalate";
    case EventKind::Expedited: return "Expedite";
    case EventKind::OutcomeAgreed: return "Record the outcome";
    case EventKind::FeedbackGiven: return "Give feedback";
    case EventKind::RecordSigned: return "Sign the record";
    case EventKind::Referred: return "Refer elsewhere";
    case EventKind::NotificationSent: return "Record a notification";
    case EventKind::ViewsRecorded: return "Record the person's views";
    case EventKind::LearningRecorded: return "Record learning";
    case EventKind::Comment: return "Comment";
    case EventKind::Closed: return "Close";
    default: return "";
  }
}

}  // namespace parley::ui
