// tools/common/prompt.h — reading a secret (a password) for the command-line tools
// (parley login, parley-server admin) without it ever being in argv or on the screen.
#pragma once
#include <string>

namespace parley::tools {

// The first line of standard input without its line ending; throws std::runtime_error
// when there is none.
std::string read_line_from_stdin();

// A line typed at the terminal with echo off, after `prompt` on stderr; when standard input
// is not a terminal (a script piping it), its first line.
std::string ask_unseen(const std::string& prompt);

bool stdin_is_terminal();

}  // namespace parley::tools
