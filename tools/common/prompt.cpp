// tools/common/prompt.cpp — see prompt.h.
#include "tools/common/prompt.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace parley::tools {

std::string read_line_from_stdin() {
  std::string line;
  if (!std::getline(std::cin, line)) throw std::runtime_error("nothing on standard input: give the password there (one line)");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO) != 0; }

std::string ask_unseen(const std::string& prompt) {
  if (!stdin_is_terminal()) return read_line_from_stdin();
  std::fprintf(stderr, "%s", prompt.c_str());
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::fprintf(stderr, "\n");
  return line;
}

}  // namespace parley::tools
