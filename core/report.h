// core/report.h — the Board's record form, filled from a challenge's events.
//
// Each procedure names its form(s) and, for every field, what Parley fills it with
// (`from`: subject.name, summary, agreed_outcome, stage_history, correspondence, ...; the
// list and its meaning are in docs/procedures.md). A field says what happened in words —
// who was told what and why, each escalation and the next steps agreed, the subject's
// views wherever they were recorded, each stage's time against the procedure's timescale —
// never event kinds. Everything is read from the derived view (core/engine.h): the report
// adds wording, not rules.
//
// The results: plain text rows the client draws on screen and the CLI prints; a
// self-contained HTML document (inline CSS, no scripts, no network) that a browser prints
// or saves as PDF offline; and, natively, a PDF built from the same rows
// (tools/common/form_pdf.h — core/ is also WebAssembly and links no PDF library).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine.h"

namespace parley {

struct FormRow {
  std::string label;
  std::string value;   // plain text; may contain newlines (one item a line)
};

// The rows of `form` for this challenge, in the form's order. Never throws for a view the
// engine derived; a field with nothing recorded says so ("None recorded", "Not signed").
std::vector<FormRow> fill_form(const ChallengeView& view, const Form& form);

// The line under the form's title: "<Board> · Challenge <id>".
std::string form_subtitle(const ChallengeView& view);

// The footer every printed copy carries: "Printed from Parley on 5 Jan 2027. Status: ...".
// `printed_at` is UTC ms, shown as the UK local date.
std::string form_footer(const ChallengeView& view, std::int64_t printed_at);

// A printable HTML document of the form; `printed_at` is shown in the footer (UTC ms).
std::string form_html(const ChallengeView& view, const Form& form, std::int64_t printed_at);

std::string html_escape(const std::string& text);

}  // namespace parley
