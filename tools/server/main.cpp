// tools/server/main.cpp — parley-server, the office sync server (docs/sync-protocol.md).
//
//   parley-server serve --data DIR [--listen HOST:PORT] [--root WEBDIR] [--cert F --key F]
//                       [--demo] [--read-timeout SECONDS]
//   parley-server admin --data DIR COMMAND ...
//
// Model: DIR holds the server database (DIR/server.db, sync/server_store.h). `serve`
// answers the API and serves the staged web client from WEBDIR on one origin; SIGINT or
// SIGTERM stop it gracefully (the listening socket closes, requests in flight finish —
// a push either commits or rolls back — exit status 0). `admin` changes the same database
// directly and may run while the server does (SQLite WAL). `--demo` fills a new database
// with a synthetic Board, agencies and users and prints their sign-ins.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sync/server_http.h"
#include "sync/static_files.h"
#include "sync/server_store.h"

namespace fs = std::filesystem;
using namespace parley;
using namespace parley::server;

namespace {

const char* kUsage =
    "usage:\n"
    "  parley-server serve --data DIR [--listen HOST:PORT] [--root WEBDIR] [--cert FILE --key FILE] [--demo]\n"
    "                      [--read-timeout S]\n"
    "      --data DIR          the server's data directory (created if absent; database DIR/server.db)\n"
    "      --listen HOST:PORT  default 127.0.0.1:8080; port 0 picks a free port\n"
    "      --root WEBDIR       the staged web client to serve (build/web/public)\n"
    "      --cert/--key        serve HTTPS with this certificate and private key (PEM)\n"
    "      --demo              on a new database, create a synthetic demo Board, agencies and users\n"
    "      --read-timeout S    seconds a request body may stall (default 10)\n"
    "  parley-server admin --data DIR add-agency NAME\n"
    "  parley-server admin --data DIR add-user --username U --password P --name N --agency A\n"
    "                                          [--job-title T] [--role ROLE]\n"
    "  parley-server admin --data DIR list-users | list-devices | list-quarantine\n"
    "  parley-server admin --data DIR revoke-device DEVICE\n"
    "  parley-server admin --data DIR new-epoch      (after restoring a backup)\n"
    "  parley-server admin --data DIR set-board NAME\n"
    "ROLE: practitioner (default), line_manager, safeguarding_lead, senior_manager, director, board\n";

struct UsageError {
  std::string message;
};

// Options of the form --name VALUE or --name=VALUE; words are everything else.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> words;
  bool has(const std::string& k) const { return options.count(k) > 0; }
  std::string get(const std::string& k, const std::string& fallback = "") const {
    auto it = options.find(k);
    return it == options.end() ? fallback : it->second;
  }
  std::string need(const std::string& k, const char* what) const {
    if (!has(k) || get(k).empty()) throw UsageError{"--" + k + " is required (" + what + ")"};
    return get(k);
  }
};

Args parse(int argc, char** argv, int from, const std::vector<std::string>& flags) {
  Args a;
  for (int i = from; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string name = arg.substr(2), value;
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
        value = "yes";
      } else {
        if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
        value = argv[++i];
      }
      a.options[name] = value;
    } else {
      a.words.push_back(arg);
    }
  }
  return a;
}

void only(const Args& a, const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : a.options)
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw UsageError{"unknown option --" + k};
}


std::unique_ptr<ServerStore> open_store(const Args& a, bool create) {
  fs::path dir = a.need("data", "the server's data directory");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (!create) throw UsageError{"--data " + dir.string() + ": not a directory (start the server once to create it)"};
    fs::create_directories(dir, ec);
    if (ec) throw UsageError{"--data " + dir.string() + ": cannot create it: " + ec.message()};
  }
  return std::make_unique<ServerStore>((dir / "server.db").string());
}

// Synthetic people only: nothing here is, or resembles, a real person's record.
void create_demo(ServerStore& store) {
  const std::string board = "Demo Safeguarding Adults Board";
  store.set_board(board);
  struct Agency {
    std::string name, key;
  };
  const std::vector<Agency> agencies = {{"Demo Adult Social Care", "asc"},
                                        {"Demo Housing Trust", "housing"},
                                        {"Demo Police", "police"},
                                        {"Demo Community Health", "health"}};
  std::fprintf(stderr, "parley-server: demo data (synthetic) — sign in as:\n");
  auto user = [&](const std::string& username, const std::string& password, const std::string& name,
                  const std::string& job, const std::string& agency, const std::string& role) {
    store.add_user(username, password, name, job, agency, role);
    std::fprintf(stderr, "  %-18s password %-10s %s, %s (%s)\n", username.c_str(), password.c_str(), name.c_str(),
                 agency.c_str(), role.c_str());
  };
  for (const auto& a : agencies) {
    store.add_agency(a.name);
    user(a.key + "-practitioner", "demo", "Demo Practitioner (" + a.key + ")", "Practitioner", a.name, "practitioner");
    user(a.key + "-lead", "demo", "Demo Safeguarding Lead (" + a.key + ")", "Safeguarding Lead", a.name,
         "safeguarding_lead");
  }
  store.add_agency(board);
  user("board", "demo", "Demo Board Manager", "Board Business Manager", board, "board");
}

std::string when(std::int64_t ms) {
  if (ms == 0) return "-";
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

int admin(int argc, char** argv) {
  Args a = parse(argc, argv, 2, {});
  if (a.words.empty()) throw UsageError{"admin needs a command"};
  const std::string cmd = a.words[0];
  auto store = open_store(a, false);
  auto words = [&](std::size_t n, const char* usage) {
    if (a.words.size() != n) throw UsageError{std::string("usage: parley-server admin --data DIR ") + usage};
  };
  if (cmd == "add-agency") {
    only(a, {"data"});
    words(2, "add-agency NAME");
    store->add_agency(a.words[1]);
    std::printf("agency added: %s\n", a.words[1].c_str());
  } else if (cmd == "add-user") {
    only(a, {"data", "username", "password", "name", "agency", "job-title", "role"});
    words(1, "add-user --username U --password P --name N --agency A [--job-title T] [--role R]");
    auto id = store->add_user(a.need("username", "the sign-in name"), a.need("password", "at least 4 characters"),
                              a.need("name", "the person's name, as events will show it"),
                              a.get("job-title", ""), a.need("agency", "an agency added with add-agency"),
                              a.get("role", "practitioner"));
    std::printf("user %lld added: %s\n", static_cast<long long>(id), a.get("username").c_str());
  } else if (cmd == "list-users") {
    only(a, {"data"});
    words(1, "list-users");
    for (const auto& u : store->users())
      std::printf("%lld\t%s\t%s\t%s\t%s\t%s\n", static_cast<long long>(u.id), u.username.c_str(), u.name.c_str(),
                  u.job_title.c_str(), u.agency.c_str(), u.role.c_str());
  } else if (cmd == "list-devices") {
    only(a, {"data"});
    words(1, "list-devices");
    for (const auto& d : store->devices())
      std::printf("%s\t%s\t%s\tfirst %s\tlast %s%s\n", d.device.c_str(), d.name.c_str(), d.username.c_str(),
                  when(d.first_seen).c_str(), when(d.last_seen).c_str(), d.revoked ? "\tREVOKED" : "");
  } else if (cmd == "list-quarantine") {
    only(a, {"data"});
    words(1, "list-quarantine");
    for (const auto& q : store->quarantine())
      std::printf("%s\tuser %lld\tdevice %s\t%s\t%s\t%lld bytes\n", when(q.at).c_str(), static_cast<long long>(q.user_id),
                  q.device.c_str(), q.code.c_str(), q.field.c_str(), static_cast<long long>(q.bytes));
  } else if (cmd == "revoke-device") {
    only(a, {"data"});
    words(2, "revoke-device DEVICE");
    if (!store->revoke_device(a.words[1]))
      throw UsageError{"no device '" + a.words[1] + "' has signed in; see list-devices"};
    std::printf("device revoked: %s (its tokens no longer work)\n", a.words[1].c_str());
  } else if (cmd == "new-epoch") {
    only(a, {"data"});
    words(1, "new-epoch");
    std::printf("new epoch: %s (clients will push everything again)\n", store->new_epoch().c_str());
  } else if (cmd == "set-board") {
    only(a, {"data"});
    words(2, "set-board NAME");
    store->set_board(a.words[1]);
  } else {
    throw UsageError{"unknown admin command '" + cmd + "'"};
  }
  return 0;
}

int serve(int argc, char** argv) {
  Args a = parse(argc, argv, 2, {"demo"});
  only(a, {"data", "listen", "root", "cert", "key", "demo", "read-timeout"});
  if (!a.words.empty()) throw UsageError{"unexpected argument '" + a.words[0] + "'"};
  parley::server::ListenAddress address;
  try {
    address = parley::server::parse_listen(a.get("listen", "127.0.0.1:8080"));
  } catch (const std::invalid_argument& e) {
    throw UsageError{e.what()};
  }
  const std::string& host = address.host;
  const int port_wanted = address.port;
  HttpOptions opt;
  if (a.has("root")) {
    std::error_code ec;
    opt.root = fs::canonical(a.get("root"), ec);
    if (ec || !fs::is_directory(opt.root)) throw UsageError{"--root " + a.get("root") + ": not a directory"};
  }
  if (a.has("read-timeout")) {
    std::string t = a.get("read-timeout");
    if (t.empty() || t.size() > 4 || t.find_first_not_of("0123456789") != std::string::npos || std::stoi(t) < 1)
      throw UsageError{"--read-timeout: give whole seconds, 1 or more"};
    opt.read_timeout_seconds = std::stoi(t);
  }
  if (a.has("cert") != a.has("key")) throw UsageError{"--cert and --key go together"};
  auto store = open_store(a, true);
  if (a.has("demo") && store->users().empty()) create_demo(*store);

  // SIGINT/SIGTERM are taken by sigwait in main, never by a handler: block them before any
  // thread exists so every thread (httplib's pool included) inherits the mask. A shell
  // starts background jobs with SIGINT ignored; restore the default so sigwait sees it.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);   // a client closing early must not kill the server

  std::unique_ptr<httplib::Server> svr;
  bool tls = a.has("cert");
  if (tls) {
    svr = std::make_unique<httplib::SSLServer>(a.get("cert").c_str(), a.get("key").c_str());
    if (!svr->is_valid()) throw UsageError{"--cert/--key: cannot load the certificate or key (PEM files?)"};
  } else {
    svr = std::make_unique<httplib::Server>();
  }
  install_routes(*svr, *store, opt);

  int port = port_wanted;
  if (port == 0) {
    port = svr->bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!svr->bind_to_port(host, port)) {
    port = 0;
  }
  if (port == 0) {
    std::fprintf(stderr, "parley-server: cannot listen on %s:%d\n", host.c_str(), port_wanted);
    return 1;
  }
  std::atomic<bool> stopping{false}, ended{false};
  std::thread loop([&] {
    svr->listen_after_bind();
    ended = true;
    if (!stopping) kill(getpid(), SIGTERM);   // ended unasked: wake main so the process exits
  });
  while (!svr->is_running() && !ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::fprintf(stderr, "parley-server: listening on %s://%s:%d/ (data %s, epoch %s)\n", tls ? "https" : "http",
               shown.c_str(), port, a.get("data").c_str(), store->epoch().c_str());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  bool failed = ended;
  stopping = true;
  std::fprintf(stderr, "parley-server: %s, stopping\n", failed ? "server loop ended" : strsignal(sig));
  svr->stop();
  loop.join();
  std::fprintf(stderr, "parley-server: stopped\n");
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "serve") return serve(argc, argv);
    if (cmd == "admin") return admin(argc, argv);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    throw UsageError{cmd.empty() ? "give a command: serve or admin" : "unknown command '" + cmd + "'"};
  } catch (const UsageError& e) {
    std::fprintf(stderr, "parley-server: %s\n%s", e.message.c_str(), kUsage);
    return 2;
  } catch (const ApiError& e) {
    std::fprintf(stderr, "parley-server: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-server: %s\n", e.what());
    return 1;
  }
}
