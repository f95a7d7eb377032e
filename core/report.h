// core/report.h — the Board's record form, filled from a challenge's events.
//
// Each procedure names its form(s) and, for every field, what Parley fills it with
// (`from`: subject.name, summary, agreed_outcome, signatures, ...). The result is a
// self-contained HTML document (inline CSS, no scripts, no network) that a browser can
// print or "Save as PDF" offline, and plain text rows the client draws on screen.
#pragma once
#include <string>
#include <vector>

#include "core/engine.h"

namespace parley {

struct FormRow {
  std::string label;
  std::string value;   // plain text; may contain newlines
};

// The rows of `form` for this challenge, in the form's order.
std::vector<FormRow> fill_form(const ChallengeView& view, const Form& form);

// A printable HTML document of the form; `printed_at` is shown in the footer (UTC ms).
std::string form_html(const ChallengeView& view, const Form& form, std::int64_t printed_at);

std::string html_escape(const std::string& text);

}  // namespace parley
