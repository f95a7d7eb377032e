// tests/support.h — helpers shared by the test suites: temporary files, a pinned clock,
// and a scripted challenge builder. Kept small: tests should read as tables.
#pragma once
#include <string>
#include <vector>

#include "core/engine.h"

namespace parley::test {

// A fresh path in the temp folder, removed (with its journal) by the destructor.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& stem);
  ~TempFile();
};

std::int64_t at(const std::string& time);     // parse_time or throw
Author practitioner(const std::string& agency = "Northshire Council Adult Social Care");

// Minimal valid challenge_opened body for a procedure (synthetic people only).
Json open_body(const std::string& procedure, bool imminent_risk = false);

// One device: its own database file, pinned clock, seeded ids and the shipped procedures.
struct Device {
  TempFile file;
  Store store;
  FixedClock clock;
  IdSource ids;
  ProcedureLibrary procedures;
  Engine engine;
  Device(const std::string& name, std::uint64_t seed, std::int64_t now);
  // Copies every event of `challenge` from `other` into this device (a sync).
  std::size_t pull(Device& other, const std::string& challenge);
};

// A program run by the CLI tests: its exit code, stdout, stderr, and the quoted argument
// list (for failure messages).
struct RunResult {
  int code = -1;
  std::string out, err, command;
};

// Runs `program args` with PARLEY_NOW = now and no stdin; stdout through a pipe, stderr
// through a temporary file. Throws std::runtime_error if the shell cannot be started.
RunResult run_program(const std::string& program, const std::vector<std::string>& args, const std::string& now);
std::string shell_quote(const std::string& s);
// A file (mode 0600) holding the passphrase the CLI's stores use in tests: the environment's
// PARLEY_PASSPHRASE_FILE when set (tools/test sets one), else one made for this process.
// run_program passes it to every program it runs.
std::string passphrase_file();
std::string test_passphrase();   // its first line
std::string slurp(const std::string& path);   // a whole file, or "" if unreadable

}  // namespace parley::test
