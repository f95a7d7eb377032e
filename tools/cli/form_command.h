// tools/cli/form_command.h — `parley --db FILE form CHALLENGE`: the procedure's record form
// filled from the challenge's events, as text, JSON, HTML or PDF (docs/cli.md).
#pragma once
#include "tools/cli/context.h"

namespace parley::cli {

// Runs the command (c.args.words[0] == "form"). Prints the form, or writes it to --out
// atomically and readable by the owner only; returns the exit status. Throws UsageError
// for a mistake in the command line, and other exceptions (unknown challenge, a PDF that
// cannot be made, a file that cannot be written) with one line saying what to fix.
int cmd_form(Context& c);

}  // namespace parley::cli
