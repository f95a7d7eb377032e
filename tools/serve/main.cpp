// tools/serve/main.cpp — parley-serve: serves the staged web client and a health endpoint.
//
// A stand-in for the office server (issue 4) so the browser client can be loaded, installed
// and tested from one origin. Model: a directory of static files (tools/stage_web.py's
// output) and an /api/ namespace of which only GET /api/health exists.
//   - Files (sync/static_files.cpp, shared with parley-server): GET and HEAD, the MIME types browsers insist on (application/wasm for
//     WebAssembly.instantiateStreaming, application/manifest+json, text/javascript), an
//     ETag so revalidation is a 304, and `Cache-Control: no-cache` on the shell, the
//     service worker and the emcc output: the service worker, not the HTTP cache, decides
//     which version a page gets. "dir/" serves dir/index.html. Dot-files, "..", empty
//     segments and NUL are refused; symlinks leading out of the root are not followed.
//   - /api/health answers {"ok":true}; any other /api/ path is a JSON 404.
//   - One log line per request on stderr: time, method, path (never the query string,
//     which may carry data), status, body bytes.
//   - SIGINT/SIGTERM stop it gracefully: the listening socket closes, requests in flight
//     finish, exit status 0.
//
// Usage: parley-serve --root DIR [--listen HOST:PORT]   (default 127.0.0.1:8080; port 0
// picks a free port; the "listening on" line on stderr gives the URL).
#include <httplib.h>

#include "sync/static_files.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace fs = std::filesystem;

namespace {

const char* kUsage =
    "usage: parley-serve --root DIR [--listen HOST:PORT]\n"
    "  --root DIR          directory of static files to serve (required)\n"
    "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 = any free)\n"
    "Serves DIR, GET /api/health -> {\"ok\":true}, 404 JSON for other /api/ paths.\n"
    "Stops on SIGINT or SIGTERM.\n";

struct Options {
  fs::path root;
  std::string host = "127.0.0.1";
  int port = 8080;
};

struct UsageError {
  std::string message;
};

Options parse_args(int argc, char** argv) {
  Options o;
  bool have_root = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    auto eq = arg.find('=');
    bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--root") {
      o.root = next();
      have_root = true;
    } else if (arg == "--listen") {
      try {
        auto listen = parley::server::parse_listen(next());
        o.host = listen.host;
        o.port = listen.port;
      } catch (const std::invalid_argument& e) {
        throw UsageError{e.what()};
      }
    } else {
      throw UsageError{"unknown argument " + arg};
    }
  }
  if (!have_root) throw UsageError{"--root DIR is required"};
  std::error_code ec;
  auto canonical = fs::canonical(o.root, ec);
  if (ec || !fs::is_directory(canonical)) throw UsageError{"--root " + o.root.string() + ": not a directory"};
  o.root = canonical;
  return o;
}

bool is_api(const std::string& path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

void json_error(httplib::Response& res, int status, const char* message) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::string(R"({"ok":false,"error":")") + message + "\"}", "application/json");
}

// "2025-01-31T12:00:00.123Z"
std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[24], frac[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
  return std::string(date) + frac;
}

// A decoded path may hold control bytes (%0A): escape them so one request is one line.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    opt = parse_args(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "parley-serve: %s\n%s", e.message.c_str(), kUsage);
    return 2;
  }

  // SIGINT/SIGTERM are taken by sigwait in main, never by a handler: block them before any
  // thread exists so every thread (httplib's pool included) inherits the mask.
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never
  // reaches sigwait: Ctrl-C and `kill -INT` must stop this server wherever it was started.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client closing early must not kill the server

  httplib::Server svr;
  svr.set_payload_max_length(1 << 20);
  svr.set_keep_alive_timeout(2);
  svr.set_default_headers({{"X-Content-Type-Options", "nosniff"}});

  svr.Get("/api/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(R"({"ok":true})", "application/json");
  });
  auto api_not_found = [](const httplib::Request&, httplib::Response& res) { json_error(res, 404, "not found"); };
  const char* api_pattern = R"(/api(/.*)?)";
  svr.Get(api_pattern, api_not_found);
  svr.Post(api_pattern, api_not_found);
  svr.Put(api_pattern, api_not_found);
  svr.Patch(api_pattern, api_not_found);
  svr.Delete(api_pattern, api_not_found);
  svr.Options(api_pattern, api_not_found);

  const fs::path root = opt.root;
  parley::server::add_static_routes(svr, root);

  // Errors httplib produces itself (unroutable, malformed, too large) get a body too; the
  // /api/ namespace always answers JSON.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (is_api(req.path)) {
      json_error(res, res.status, "request failed");
    } else {
      res.set_content(std::to_string(res.status) + "\n", "text/plain; charset=utf-8");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    std::string line = utc_now() + " " + printable(req.method) + " " + printable(req.path) + " " +
                       std::to_string(res.status) + " " + std::to_string(res.body.size()) + "\n";
    std::fputs(line.c_str(), stderr);
  });

  int port = opt.port;
  if (port == 0) {
    port = svr.bind_to_any_port(opt.host);
    if (port < 0) port = 0;
  } else if (!svr.bind_to_port(opt.host, port)) {
    port = 0;
  }
  if (port == 0) {
    std::fprintf(stderr, "parley-serve: cannot listen on %s:%d\n", opt.host.c_str(), opt.port);
    return 1;
  }

  std::atomic<bool> stopping{false}, ended{false};
  std::thread server([&] {
    svr.listen_after_bind();
    ended = true;
    // Ended without being asked to: wake the main thread so the process exits.
    if (!stopping) kill(getpid(), SIGTERM);
  });
  // stop() only acts once the accept loop runs; a signal that arrives before then stays
  // pending (it is blocked) until sigwait below.
  while (!svr.is_running() && !ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::string shown_host = opt.host.find(':') != std::string::npos ? "[" + opt.host + "]" : opt.host;
  std::fprintf(stderr, "parley-serve: listening on http://%s:%d/ (root %s)\n", shown_host.c_str(), port,
               root.c_str());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  bool failed = ended;
  stopping = true;
  std::fprintf(stderr, "parley-serve: %s, stopping\n", failed ? "server loop ended" : strsignal(sig));
  svr.stop();
  server.join();
  std::fprintf(stderr, "parley-serve: stopped\n");
  return failed ? 1 : 0;
}
