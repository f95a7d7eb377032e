// tools/common/private_file.h — writing a file that names people (a record form, a Board
// report) on this machine: whole or not at all, readable by this user only. Shared by
// `parley form --out` and the desktop client's downloads.
#pragma once
#include <string>

namespace parley::tools {

// Writes `bytes` to a private temporary file beside `path` (mode 0600, never following a
// link), flushes it to disk and renames it into place, so a crash leaves the old file or
// the new one, never half. Throws std::runtime_error "cannot write PATH: reason (check the
// folder exists and is writable)"; nothing is left behind.
void write_private_file(const std::string& path, const std::string& bytes);

}  // namespace parley::tools
