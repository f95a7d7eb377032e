// ui/screen_record_form.cpp — the procedure's own record form (Buckinghamshire Appendix
// B, Salford's outcome resolution notice, or the general record) filled from the events,
// on screen, and printable offline as a generated HTML document ("Save as PDF" works).
#include <imgui.h>

#include "core/report.h"
#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

void screen_record_form(App& app, Drafts& d) {
  ChallengeView v;
  if (!selected_view(app, v)) return;
  const Procedure& p = *v.procedure;
  if (button("< Back to the challenge")) app.screen = Screen::Challenge;
  if (p.forms.size() > 1) {
    std::vector<std::string> titles;
    for (const auto& f : p.forms) titles.push_back(f.title);
    choice("Form", d.form_index, titles);
  }
  const Form& form = p.forms[static_cast<std::size_t>(std::clamp(d.form_index, 0, static_cast<int>(p.forms.size()) - 1))];
  heading(form.title);
  muted(p.board.name + " · Challenge " + v.state.id);
  if (button("Print or save as PDF", true)) {
    platform::open_print(form.title + " " + v.state.id, form_html(v, form, app.now()));
    app.set_message("The print dialog opened in a new window.");
  }
  spacer();
  for (const auto& row : fill_form(v, form)) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_PlotHistogram]);
    ImGui::TextWrapped("%s", row.label.c_str());
    ImGui::PopStyleColor();
    mirror_last("heading", row.label);
    text(row.value);
    ImGui::Separator();
  }
  if (!form.note.empty()) muted(form.note);
}

}  // namespace parley::ui
