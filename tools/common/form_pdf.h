// tools/common/form_pdf.h — a challenge's record form as a PDF, made offline with libharu.
//
// The same rows as the on-screen form and the printable HTML (core/report.h: fill_form),
// laid out on A4: the form's title, the Board and challenge id, then a two-column table
// (label / value) whose text wraps and whose rows continue across pages, the form's note,
// and on every page the footer "Printed from Parley on ..." with "Page n of N". Text is
// UTF-8 in an embedded TrueType font (Liberation Sans, fonts-liberation), so names with
// accents and the "—" dash print as typed.
//
// Native only: core/ is also built for WebAssembly and must not link libharu, so this
// lives with the command-line tool (the browser prints the HTML instead).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/engine.h"

namespace parley::tools {

// A PDF could not be made (a font file missing, libharu out of memory, ...); what() says
// what failed and, where it can, what to do.
class PdfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The PDF file's bytes for `form` of this challenge. `printed_at` (UTC ms) is the date in
// the footer. Throws PdfError.
std::string form_pdf(const ChallengeView& view, const Form& form, std::int64_t printed_at);

}  // namespace parley::tools
