// tests/support.cpp — see support.h.
#include "tests/support.h"

#include <fcntl.h>
#include <unistd.h>
#ifndef __EMSCRIPTEN__
#include <sys/wait.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace parley::test {

TempFile::TempFile(const std::string& stem) {
  std::random_device rd;
  path = (std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(rd()) + ".db")).string();
  std::filesystem::remove(path);
}

TempFile::~TempFile() {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::filesystem::remove(path + "-journal", ec);
}

std::int64_t at(const std::string& time) {
  std::int64_t ms = 0;
  if (!parse_time(time, ms)) throw std::invalid_argument("bad test time " + time);
  return ms;
}

Author practitioner(const std::string& agency) { return {"Sam Example", "Social Worker", agency, "practitioner"}; }

Json open_body(const std::string& procedure, bool imminent_risk) {
  return Json{{"procedure", procedure},
              {"imminent_risk", imminent_risk},
              {"subject", {{"name", "Alex Testperson"}, {"kind", "adult"}, {"date_of_birth", "1950-02-03"}}},
              {"challenger", {{"name", "Sam Example"}, {"job_title", "Social Worker"},
                              {"agency", "Northshire Council Adult Social Care"}, {"role", "practitioner"}}},
              {"challenged", {{"name", "Jo Sample"}, {"job_title", "Community Nurse"},
                              {"agency", "Northshire Community Health NHS Trust"}, {"role", "practitioner"}}},
              {"category", "response_to_referral"},
              {"summary", "Referral for a care review was closed without contact; the nurse disagrees."}};
}

Device::Device(const std::string& name, std::uint64_t seed, std::int64_t now)
    : file(name), store(file.path), clock(now), ids(seed), procedures(ProcedureLibrary::builtin()),
      engine(store, procedures, clock, ids) {}

std::size_t Device::pull(Device& other, const std::string& challenge) {
  return engine.merge(other.store.challenge_events(challenge));
}

std::string shell_quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string passphrase_file() {
  if (const char* set = std::getenv("PARLEY_PASSPHRASE_FILE"); set && *set) return set;
  // One per test process, readable by its owner only (the CLI refuses anything looser).
  static TempFile file("parley-test-passphrase");
  static bool written = false;
  if (!written) {
    int fd = ::open(file.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, "test suite passphrase\n", 22) != 22) throw std::runtime_error("cannot write " + file.path);
    ::close(fd);
    written = true;
  }
  return file.path;
}

std::string test_passphrase() {
  std::ifstream in(passphrase_file());
  std::string line;
  std::getline(in, line);
  return line;
}

RunResult run_program(const std::string& program, const std::vector<std::string>& args, const std::string& now) {
#ifdef __EMSCRIPTEN__
  throw std::runtime_error("no processes under WebAssembly: cannot run " + program + " " + now + " " +
                           std::to_string(args.size()));
#else
  TempFile err_file("parley-run-stderr");
  RunResult r;
  for (const auto& a : args) r.command += (r.command.empty() ? "" : " ") + shell_quote(a);
  std::string cmd = "PARLEY_NOW=" + shell_quote(now) + " PARLEY_PASSPHRASE_FILE=" + shell_quote(passphrase_file()) +
                    " " + shell_quote(program) + " " + r.command + " </dev/null 2>" +
                    shell_quote(err_file.path);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start " + program);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file.path);
  return r;
#endif
}

}  // namespace parley::test
