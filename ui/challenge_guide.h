// ui/challenge_guide.h — the GOV.UK Design System patterns the challenge and raise screens
// draw with Dear ImGui: a coloured tag (the due date), a step indicator (the procedure's
// stages, the current one marked for screen readers), and form errors (a summary at the
// top, the message at each field, "(optional)" on the fields a form need not have).
//
// Model: the words come from core — the tag from core/guide.h due_tag, the required
// fields and their messages from core/event_rules.h (field_required, body_problems) —
// so these draw and never decide. A form's errors are kept from one Save to the next (fixed
// words and field paths only, never typed text: see FormErrors).
#pragma once
#include <string>
#include <vector>

#include "core/guide.h"

namespace parley::ui {

// A GOV.UK-style tag: a tinted box with the words; mirrored as role "status".
void due_tag(const DueTag& tag);

// The procedure's stages as numbered steps: passed ones ticked, the current one filled and
// mirrored with value "current" (aria-current="step"), the rest outlined. `resolved` marks
// the current stage as where it was resolved.
void step_indicator(const Procedure& p, int current, bool resolved);

// A form's errors as of its last Save, as GOV.UK forms validate on submit: core's
// body_problems for what was typed then, and the field the engine's refusal named (its
// words are App::message, which a lock clears). Only fixed words and field paths are kept
// here, never typed text. `form` names the form and the challenge, so one form's errors
// never show on another.
struct FormErrors {
  std::string form;
  std::vector<FieldProblem> problems;
  bool refused = false;          // the engine refused the last Save
  std::string refused_field;     // the path its RuleError named ("override_reason"), if any
  std::string refusal;           // filled in when drawn: the engine's words
};
// The errors kept for `form` (none when the last Save was another form's), with the
// refusal's words from `message` when the last Save was refused.
FormErrors form_errors(const std::string& form, const std::string& message);
// After a Save: what core found (or nothing), and whether the engine refused it.
void set_form_errors(const std::string& form, std::vector<FieldProblem> problems, bool refused = false,
                     const std::string& refused_field = "");
void clear_form_errors();

// "There is a problem" and each message, at the top of the form. Nothing when none.
void error_summary(const FormErrors& e);
// The message for the field at `path` (and any path inside it: "with" covers "with.name"),
// drawn between the label and the field as GOV.UK does. Nothing when none.
void field_error(const FormErrors& e, const std::string& path);
// `label`, with " (optional)" when core says the field need not be given.
std::string field_label(EventKind kind, const std::string& path, const std::string& label);

// The action's button words on the challenge screen ("Record a discussion").
const char* action_label(EventKind kind);

}  // namespace parley::ui
