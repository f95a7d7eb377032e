// tests/server/smtp_sink.h — a real SMTP server on loopback for tests: smtp_sink.py
// (aiosmtpd) started as a child process in the mode a test needs (accept, refuse, tempfail,
// drop, stall, slow-data, slow-accept; AUTH; STARTTLS or implicit TLS), with its mailbox
// and AUTH log read back as JSON lines. Shared by test_mailer.cpp and test_notify.cpp.
#pragma once
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "tests/support.h"

namespace parley::test {

inline const std::string kSinkSource = PARLEY_SOURCE_DIR;
inline const std::string kSinkScript = kSinkSource + "/tests/server/smtp_sink.py";
inline const std::string kCert = kSinkSource + "/tests/fixtures/tls/localhost.crt";
inline const std::string kKey = kSinkSource + "/tests/fixtures/tls/localhost.key";
// Debian's interpreter by path: aiosmtpd is Debian's python3-aiosmtpd (tools/setup), which a
// python3 earlier on PATH (pyenv, a venv) would not see.
inline const char* const kPython = "/usr/bin/python3";

using SteadyClock = std::chrono::steady_clock;
inline double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("parley-mailer-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline std::vector<Json> json_lines(const std::string& path) {
  std::vector<Json> lines;
  std::istringstream in(parley::test::slurp(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(Json::parse(line));
  return lines;
}

struct SinkOptions {
  std::string mode = "accept";
  double delay = 0;
  std::string auth_user;       // empty: no --auth
  std::string password;        // written to the --password-file
  bool tls = false;            // --tls-cert/--tls-key (STARTTLS offered)
  bool implicit_tls = false;   // and --implicit-tls
};

// smtp_sink.py as a child process: started by the constructor (which returns once the sink
// printed `listening PORT`), stopped with SIGTERM by the destructor. Its stderr goes to a
// file, shown when a check fails.
class Sink {
 public:
  explicit Sink(const SinkOptions& o) {
    std::vector<std::string> args = {kPython, kSinkScript, "--mailbox", mailbox_path(), "--auth-log", auth_log_path()};
    if (o.mode != "accept") args.insert(args.end(), {"--mode", o.mode});
    if (o.delay > 0) args.insert(args.end(), {"--delay", std::to_string(o.delay)});
    if (!o.auth_user.empty()) {
      const std::string password_file = (dir_.path / "password").string();
      std::ofstream(password_file) << o.password << "\n";
      args.insert(args.end(), {"--auth", o.auth_user, "--password-file", password_file});
    }
    if (o.tls) args.insert(args.end(), {"--tls-cert", kCert, "--tls-key", kKey});
    if (o.implicit_tls) args.push_back("--implicit-tls");
    start(args);
  }
  ~Sink() { stop(); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& scheme = "smtp") const { return scheme + "://127.0.0.1:" + std::to_string(port_); }
  std::vector<Json> mailbox() const { return json_lines(mailbox_path()); }
  std::vector<Json> auth_log() const { return json_lines(auth_log_path()); }
  std::string log() const { return parley::test::slurp(log_path()); }

  // The mailbox once it holds `count` messages, or as it is after `seconds`.
  std::vector<Json> mailbox_when(std::size_t count, double seconds) const {
    const auto start = SteadyClock::now();
    auto lines = mailbox();
    while (lines.size() < count && seconds_since(start) < seconds) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      lines = mailbox();
    }
    return lines;
  }

 private:
  std::string mailbox_path() const { return (dir_.path / "mailbox.jsonl").string(); }
  std::string auth_log_path() const { return (dir_.path / "auth.jsonl").string(); }
  std::string log_path() const { return (dir_.path / "sink.stderr").string(); }

  void start(const std::vector<std::string>& args) {
    // Everything the child needs is made before fork: between fork and exec only
    // async-signal-safe calls (the test runs sinks from several threads).
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log = log_path();
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int in = open("/dev/null", O_RDONLY);
      if (err < 0 || in < 0 || dup2(out[1], 1) < 0 || dup2(err, 2) < 0 || dup2(in, 0) < 0) _exit(126);
      execv(kPython, argv.data());
      _exit(127);
    }
    close(out[1]);
    const std::string first = read_line(out[0], 10.0);
    close(out[0]);
    if (first.rfind("listening ", 0) != 0) {
      stop();
      throw std::runtime_error("smtp_sink.py did not start (stdout: '" + first + "'): " + parley::test::slurp(log));
    }
    port_ = std::stoi(first.substr(10));
  }

  static std::string read_line(int fd, double seconds) {
    std::string line;
    const auto start = SteadyClock::now();
    while (line.find('\n') == std::string::npos && seconds_since(start) < seconds) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buffer[256];
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) break;   // the child died
      line.append(buffer, static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace parley::test
