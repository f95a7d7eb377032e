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
//   - The HTTP layer is parley-server's (sync/http_server.h): header and body deadlines,
//     header, body and connection caps, gzip of text answers.
//
// Usage: parley-serve --root DIR [--listen HOST:PORT]   (default 127.0.0.1:8080; port 0
// picks a free port; the "listening on" line on stderr gives the URL).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "sync/http_server.h"
#include "sync/static_files.h"

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

using parley::server::Exchange;
namespace http = boost::beast::http;

void json_answer(Exchange& ex, unsigned status, const std::string& body) {
  ex.res.result(status);
  ex.res.set(http::field::content_type, "application/json");
  ex.res.set(http::field::cache_control, "no-store");
  ex.res.body() = body;
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

// The application: /api/health, JSON 404s for the rest of /api/, files for everything else.
parley::server::HttpApp static_app(const fs::path& root) {
  parley::server::HttpApp app;
  app.handle = [root](Exchange& ex) {
    if (!parley::server::is_api_path(ex.path)) return parley::server::serve_static(root, ex);
    bool get = ex.req.method() == http::verb::get || ex.req.method() == http::verb::head;
    if (get && ex.path == "/api/health") return json_answer(ex, 200, R"({"ok":true})");
    json_answer(ex, 404, R"({"ok":false,"error":"not found"})");
  };
  app.light = [](const Exchange& ex) { return ex.path == "/api/health"; };
  // Requests the layer refused (slow, too large, malformed): JSON under /api/, text elsewhere.
  app.error = [](Exchange& ex, int status) {
    if (parley::server::is_api_path(ex.path)) return json_answer(ex, status, R"({"ok":false,"error":"request failed"})");
    ex.res.result(static_cast<unsigned>(status));
    ex.res.set(http::field::content_type, "text/plain; charset=utf-8");
    ex.res.body() = std::to_string(status) + "\n";
  };
  app.log = [](const Exchange& ex) {
    std::string line = parley::server::utc_timestamp() + " " + printable(std::string(ex.req.method_string())) + " " +
                       printable(ex.path) + " " + std::to_string(ex.res.result_int()) + " " +
                       std::to_string(ex.res.body().size()) + "\n";
    std::fputs(line.c_str(), stderr);
  };
  return app;
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
  // thread exists so every thread (the HTTP layer's included) inherits the mask.
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

  // A static site: small bodies, short keep-alive; the other limits as parley-server's.
  parley::server::HttpLimits limits;
  limits.body_bytes = 1 << 20;
  limits.idle = std::chrono::seconds(2);
  parley::server::HttpServer server(static_app(opt.root), limits);
  int port = 0;
  try {
    port = server.listen(opt.host, opt.port);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "parley-serve: cannot listen on %s:%d (%s)\n", opt.host.c_str(), opt.port, e.what());
    return 1;
  }
  // Ended without being asked to: wake the sigwait below so the process exits, failed.
  std::atomic<bool> failed{false};
  server.start([&failed] {
    failed = true;
    kill(getpid(), SIGTERM);
  });

  std::string shown_host = opt.host.find(':') != std::string::npos ? "[" + opt.host + "]" : opt.host;
  std::fprintf(stderr, "parley-serve: listening on http://%s:%d/ (root %s)\n", shown_host.c_str(), port,
               opt.root.c_str());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "parley-serve: %s, stopping\n", failed ? "server loop ended" : strsignal(sig));
  server.stop();
  std::fprintf(stderr, "parley-serve: stopped\n");
  return failed ? 1 : 0;
}
