// tools/server/serve.cpp — `parley-server serve`: the HTTP server over the store, until
// SIGINT or SIGTERM (see main.cpp for the model). The HTTP layer, its deadlines and caps
// are sync/http_server.h; the routes sync/server_http.h.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "sync/http_server.h"
#include "sync/notifier.h"
#include "sync/server_http.h"
#include "sync/static_files.h"
#include "tools/server/args.h"

namespace fs = std::filesystem;
using namespace parley::server;

namespace parley::server_tool {
namespace {

// The HTTP layer's limits from the command line (defaults in sync/http_server.h).
HttpLimits limits_from(const Args& a) {
  HttpLimits l;
  l.body_deadline = std::chrono::seconds(whole_number(a, "read-timeout", 10, 1, 3600));
  l.header_deadline = std::chrono::seconds(whole_number(a, "header-timeout", 10, 1, 3600));
  l.max_connections = whole_number(a, "max-connections", l.max_connections, 1, 100000);
  l.max_connections_per_address =
      whole_number(a, "max-connections-per-address", l.max_connections_per_address, 1, 100000);
  l.body_bytes = kMaxBodyBytes;
  return l;
}

// SIGINT/SIGTERM are taken by sigwait in serve(), never by a handler: blocked before any
// thread exists so that every thread inherits the mask. A shell starts background jobs
// with SIGINT ignored; restore the default so sigwait sees it.
sigset_t block_stop_signals() {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);   // a client closing early must not kill the server
  return stop_signals;
}

}  // namespace

int serve(int argc, char** argv) {
  Args a = parse(argc, argv, 2, {"demo"});
  only(a, {"data", "listen", "root", "cert", "key", "demo", "read-timeout", "header-timeout", "max-connections",
           "max-connections-per-address", "token-idle-days", "procedures", "mail-every", "mail-retry"});
  if (!a.words.empty()) throw UsageError{"unexpected argument '" + a.words[0] + "'"};
  ListenAddress address;
  try {
    address = parse_listen(a.get("listen", "127.0.0.1:8080"));
  } catch (const std::invalid_argument& e) {
    throw UsageError{e.what()};
  }
  HttpOptions opt;
  if (a.has("root")) {
    std::error_code ec;
    opt.root = fs::canonical(a.get("root"), ec);
    if (ec || !fs::is_directory(opt.root)) throw UsageError{"--root " + a.get("root") + ": not a directory"};
  }
  HttpLimits limits = limits_from(a);
  if (a.has("cert") != a.has("key")) throw UsageError{"--cert and --key go together"};
  auto store = open_store(a, true);
  store->set_token_idle_days(static_cast<int>(whole_number(a, "token-idle-days", 30, 1, 3650)));
  if (a.has("demo") && store->users().empty()) create_demo(*store);
  if (a.has("procedures")) {
    ProcedureLibrary library = ProcedureLibrary::builtin();
    try {
      library.add_directory(a.get("procedures"));
    } catch (const ProcedureError& e) {
      throw UsageError{"--procedures " + a.get("procedures") + ": " + e.what()};
    }
    store->use_procedures(std::move(library));
  }
  NotifierOptions mail;
  mail.interval = std::chrono::seconds(whole_number(a, "mail-every", 5, 1, 3600));
  mail.first_backoff_ms = 1000LL * whole_number(a, "mail-retry", 30, 1, 3600);
  Notifier notifier(*store, mail);

  sigset_t stop_signals = block_stop_signals();
  HttpServer server(api_app(*store, opt), limits);
  if (a.has("cert")) {
    try {
      server.use_tls(a.get("cert"), a.get("key"));
    } catch (const std::runtime_error&) {
      throw UsageError{"--cert/--key: cannot load the certificate or key (PEM files?)"};
    }
  }
  int port = 0;
  try {
    port = server.listen(address.host, address.port);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "parley-server: cannot listen on %s:%d (%s)\n", address.host.c_str(), address.port, e.what());
    return 1;
  }
  // Ended without being asked to: wake the sigwait below so the process exits, failed.
  std::atomic<bool> failed{false};
  server.start([&failed] {
    failed = true;
    kill(getpid(), SIGTERM);
  });
  std::string shown = address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
  notifier.start();
  std::fprintf(stderr, "parley-server: listening on %s://%s:%d/ (data %s, epoch %s)\n", server.tls() ? "https" : "http",
               shown.c_str(), port, a.get("data").c_str(), store->epoch().c_str());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "parley-server: %s, stopping\n", failed ? "server loop ended" : strsignal(sig));
  server.stop();
  notifier.stop();   // a send under way finishes (its SMTP timeout bounds the wait)
  std::fprintf(stderr, "parley-server: stopped\n");
  return failed ? 1 : 0;
}

}  // namespace parley::server_tool
