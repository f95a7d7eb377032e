// tools/server/main.cpp — parley-server, the office sync server (docs/sync-protocol.md).
//
//   parley-server serve --data DIR [--listen HOST:PORT] [--root WEBDIR] [--cert F --key F]
//                       [--demo] [--read-timeout S] [--header-timeout S] [--max-connections N]
//                       [--max-connections-per-address N] [--token-idle-days D]
//   parley-server admin --data DIR COMMAND ...
//
// Model: DIR holds the server database (DIR/server.db, sync/server_store.h). `serve`
// answers the API and serves the staged web client from WEBDIR on one origin; SIGINT or
// SIGTERM stop it gracefully (the listening socket closes, requests in flight finish —
// a push either commits or rolls back — exit status 0). `admin` changes the same database
// directly and may run while the server does (SQLite WAL). `--demo` fills a new database
// with a synthetic Board, agencies and users and prints their sign-ins.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <iostream>
#include <string>
#include <vector>

#include "sync/server_store.h"
#include "tools/common/prompt.h"
#include "tools/server/args.h"

namespace fs = std::filesystem;
using namespace parley;
using namespace parley::server;
using namespace parley::server_tool;
using namespace parley::tools;

namespace {

const char* kUsage =
    "usage:\n"
    "  parley-server serve --data DIR [--listen HOST:PORT] [--root WEBDIR] [--cert FILE --key FILE] [--demo]\n"
    "                      [--read-timeout S] [--header-timeout S] [--max-connections N]\n"
    "                      [--max-connections-per-address N] [--token-idle-days D]\n"
    "      --data DIR          the server's data directory (created 0700 if absent; database DIR/server.db)\n"
    "      --listen HOST:PORT  default 127.0.0.1:8080; port 0 picks a free port\n"
    "      --root WEBDIR       the staged web client to serve (build/web/public)\n"
    "      --cert/--key        serve HTTPS with this certificate and private key (PEM)\n"
    "      --demo              on a new database, create a synthetic demo Board, agencies and users\n"
    "      --read-timeout S    seconds a request's whole body may take (default 10; then 408)\n"
    "      --header-timeout S  seconds a request's headers may take from its first byte (default 10)\n"
    "      --max-connections N              open connections in all (default 1024; more get 503 busy)\n"
    "      --max-connections-per-address N  open connections from one client address (default 64)\n"
    "      --token-idle-days D  a sign-in unused this many days expires (default 30)\n"
    "  parley-server admin --data DIR add-agency NAME\n"
    "  parley-server admin --data DIR add-user --username U --name N --agency A [--job-title T] [--role ROLE]\n"
    "      the password is read from standard input (or asked for twice, unseen, at a terminal);\n"
    "      never on the command line; at least 12 characters\n"
    "  parley-server admin --data DIR set-password USERNAME     (new password from stdin; ends their sessions)\n"
    "  parley-server admin --data DIR disable-user USERNAME     (refuses sign-in; revokes all their devices)\n"
    "  parley-server admin --data DIR enable-user USERNAME\n"
    "  parley-server admin --data DIR list-users | list-devices | list-quarantine\n"
    "  parley-server admin --data DIR list-unlisted   (challenges raised against an agency not in the directory)\n"
    "  parley-server admin --data DIR revoke-device DEVICE [--wipe]\n"
    "      --wipe  also tell the device to erase its Parley records at its next contact (a lost device)\n"
    "  parley-server admin --data DIR new-epoch      (after restoring a backup)\n"
    "  parley-server admin --data DIR set-board NAME\n"
    "  parley-server admin --data DIR set-email USERNAME ADDRESS   (where their messages go; \"\" removes it)\n"
    "  parley-server admin --data DIR smtp --url smtp://HOST:PORT|smtps://HOST:PORT [--from ADDRESS] [--user NAME]\n"
    "                      [--ca-file PEM] [--timeout S]   (with --user the password is read from stdin)\n"
    "  parley-server admin --data DIR board-settings [--email-detail none|full] [--reminder-days N]\n"
    "                      [--reminder-hour H] [--link URL] [--suppress-below N] [--pattern-count N]\n"
    "                      [--pattern-window-days N]   (prints the settings)\n"
    "  parley-server admin --data DIR list-outbox [--state pending|sent|refused|no_address|expired|skipped]\n"
    "  parley-server admin --data DIR board-report --from YYYY-MM-DD --to YYYY-MM-DD --format csv\n"
    "                      [--what figures|challenges] [--agency NAME]   (CSV on standard output)\n"
    "ROLE: practitioner (default), line_manager, safeguarding_lead, senior_manager, director, board\n";

std::string when(std::int64_t ms) {
  if (ms == 0) return "-";
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

// list-devices' last column: whether the device was asked to erase its records, and told.
std::string wipe_column(const DeviceRow& d) {
  if (d.wipe_told) return "\ttold to wipe at " + when(d.wipe_told);
  return d.wipe_requested ? "\tWIPE REQUESTED" : "";
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A password from standard input: its first line when piped (scripts), or asked twice at a
// terminal. Never from argv, where other users of the machine and shell history see it.
std::string read_password(const std::string& username) {
  if (stdin_is_terminal()) {
    std::string first = ask_unseen("Password for " + username + ": ");
    if (ask_unseen("The same again: ") != first) throw UsageError{"the two passwords differ; nothing was changed"};
    return first;
  }
  try {
    return read_line_from_stdin();
  } catch (const std::runtime_error&) {
    throw UsageError{"give the password on standard input (one line)"};
  }
}

void refuse_password_option(const Args& a) {
  if (a.has("password"))
    throw UsageError{"--password is not accepted: passwords are read from standard input (or a prompt), never from the "
                     "command line, where other users and shell history can see them"};
}

// SMTP settings from the options; the password (with --user) from stdin or a prompt.
void set_smtp(ServerStore& store, const Args& a) {
  SmtpSettings c;
  c.url = a.need("url", "smtp://HOST:PORT, or smtps://HOST:PORT for TLS from the start");
  if (c.url.rfind("smtp://", 0) != 0 && c.url.rfind("smtps://", 0) != 0)
    throw UsageError{"--url: give smtp://HOST:PORT (STARTTLS when offered) or smtps://HOST:PORT (implicit TLS)"};
  c.from = a.get("from", "parley@localhost");
  if (!plausible_address(c.from)) throw UsageError{"--from: '" + c.from + "' is not an email address"};
  c.user = a.get("user", "");
  c.ca_file = a.get("ca-file", "");
  c.timeout_seconds = whole_number(a, "timeout", c.timeout_seconds, 1, 600);
  if (!c.user.empty()) c.password = stdin_is_terminal() ? ask_unseen("SMTP password for " + c.user + ": ")
                                                        : read_line_from_stdin();
  store.set_smtp(c);
  std::printf("SMTP: %s from %s%s (kept in the database, readable by the server's user only)\n", c.url.c_str(),
              c.from.c_str(), c.user.empty() ? "" : (", as " + c.user).c_str());
}

void board_settings(ServerStore& store, const Args& a) {
  BoardConfig c = store.board_config();
  if (a.has("email-detail")) {
    std::string d = a.get("email-detail");
    if (d != "none" && d != "full") throw UsageError{"--email-detail: give none (the default) or full"};
    c.messages.full_detail = d == "full";
  }
  c.messages.reminder_working_days = whole_number(a, "reminder-days", c.messages.reminder_working_days, 0, 20);
  c.messages.reminder_hour = whole_number(a, "reminder-hour", c.messages.reminder_hour, 0, 23);
  if (a.has("link")) c.messages.link_base = a.get("link");
  c.stats.suppress_below = whole_number(a, "suppress-below", c.stats.suppress_below, 1, 1000);
  c.stats.pattern_count = whole_number(a, "pattern-count", c.stats.pattern_count, 2, 1000);
  c.stats.pattern_window_days = whole_number(a, "pattern-window-days", c.stats.pattern_window_days, 1, 3660);
  store.set_board_config(c);
  std::printf("%s\n", c.to_json().dump(2).c_str());
}

std::string board_report(ServerStore& store, const Args& a) {
  if (a.get("format", "csv") != "csv") throw UsageError{"--format: only csv is written"};
  BoardFilter f;
  try {
    f = board_filter(a.need("from", "the first day, YYYY-MM-DD"), a.need("to", "the last day, YYYY-MM-DD"),
                     a.get("agency", ""));
  } catch (const BoardFilterError& e) {
    throw UsageError{"--" + std::string(e.what())};
  }
  std::string what = a.get("what", "figures");
  if (what != "figures" && what != "challenges") throw UsageError{"--what: give figures or challenges"};
  return store.board_csv(nullptr, f, what);
}

int admin(int argc, char** argv) {
  Args a = parse(argc, argv, 2, {"wipe"});
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
    refuse_password_option(a);
    only(a, {"data", "username", "name", "agency", "job-title", "role"});
    words(1, "add-user --username U --name N --agency A [--job-title T] [--role R]  (password on stdin)");
    std::string username = a.need("username", "the sign-in name");
    std::string name = a.need("name", "the person's name, as events will show it");
    std::string agency = a.need("agency", "an agency added with add-agency");
    auto id = store->add_user(username, read_password(username), name, a.get("job-title", ""), agency,
                              a.get("role", "practitioner"));
    std::printf("user %lld added: %s\n", static_cast<long long>(id), username.c_str());
  } else if (cmd == "set-password") {
    refuse_password_option(a);
    only(a, {"data"});
    words(2, "set-password USERNAME  (new password on stdin)");
    store->set_password(a.words[1], read_password(a.words[1]), now_ms());
    std::printf("password changed: %s (their devices must sign in again)\n", a.words[1].c_str());
  } else if (cmd == "disable-user" || cmd == "enable-user") {
    only(a, {"data"});
    words(2, (cmd + " USERNAME").c_str());
    bool disable = cmd == "disable-user";
    store->set_user_disabled(a.words[1], disable, now_ms());
    std::printf(disable ? "user disabled: %s (sign-in refused; every device of theirs revoked)\n"
                        : "user enabled: %s (they sign in again on a device not revoked)\n",
                a.words[1].c_str());
  } else if (cmd == "list-users") {
    only(a, {"data"});
    words(1, "list-users");
    for (const auto& u : store->users())
      std::printf("%lld\t%s\t%s\t%s\t%s\t%s%s\n", static_cast<long long>(u.id), u.username.c_str(), u.name.c_str(),
                  u.job_title.c_str(), u.agency.c_str(), u.role.c_str(), u.disabled ? "\tDISABLED" : "");
  } else if (cmd == "list-devices") {
    only(a, {"data"});
    words(1, "list-devices");
    for (const auto& d : store->devices())
      std::printf("%s\t%s\t%s\tfirst %s\tlast %s%s%s\n", d.device.c_str(), d.name.c_str(), d.username.c_str(),
                  when(d.first_seen).c_str(), when(d.last_seen).c_str(), d.revoked ? "\tREVOKED" : "",
                  wipe_column(d).c_str());
  } else if (cmd == "list-quarantine") {
    only(a, {"data"});
    words(1, "list-quarantine");
    for (const auto& q : store->quarantine())
      std::printf("%s\tuser %lld\tdevice %s\t%s\t%s\t%lld bytes\n", when(q.at).c_str(), static_cast<long long>(q.user_id),
                  q.device.c_str(), q.code.c_str(), q.field.c_str(), static_cast<long long>(q.bytes));
  } else if (cmd == "list-unlisted") {
    // Challenges accepted naming an agency not in the directory (core/agencies.h): add the
    // agency (add-agency, and its users) or ask a party to add the right one.
    only(a, {"data"});
    words(1, "list-unlisted");
    for (const auto& u : store->unlisted_agencies())
      std::printf("%s	%s	raised by %s (user %lld)	against \"%s\"\t%s\n", when(u.opened_at).c_str(), u.challenge.c_str(),
                  u.challenger.c_str(), static_cast<long long>(u.user_id), u.typed.c_str(),
                  u.listed_since ? "now in the directory" : "NOT IN THE DIRECTORY: no one at that agency sees it");
  } else if (cmd == "revoke-device") {
    only(a, {"data", "wipe"});
    words(2, "revoke-device DEVICE [--wipe]");
    bool wipe = a.has("wipe");
    if (!store->revoke_device(a.words[1], now_ms(), wipe))
      throw UsageError{"no device '" + a.words[1] + "' has signed in; see list-devices"};
    std::printf(wipe ? "device revoked: %s (its tokens no longer work; it is told to erase its records when it next "
                       "contacts the server: see list-devices)\n"
                     : "device revoked: %s (its tokens no longer work)\n",
                a.words[1].c_str());
  } else if (cmd == "new-epoch") {
    only(a, {"data"});
    words(1, "new-epoch");
    std::printf("new epoch: %s (clients will push everything again)\n", store->new_epoch().c_str());
  } else if (cmd == "set-email") {
    only(a, {"data"});
    words(3, "set-email USERNAME ADDRESS");
    store->set_email(a.words[1], a.words[2]);
    std::printf("email of %s: %s\n", a.words[1].c_str(), a.words[2].empty() ? "(none)" : a.words[2].c_str());
  } else if (cmd == "smtp") {
    refuse_password_option(a);
    only(a, {"data", "url", "from", "user", "ca-file", "timeout"});
    words(1, "smtp --url smtp://HOST:PORT [--from ADDRESS] [--user NAME]");
    set_smtp(*store, a);
  } else if (cmd == "board-settings") {
    only(a, {"data", "email-detail", "reminder-days", "reminder-hour", "link", "suppress-below", "pattern-count",
             "pattern-window-days"});
    words(1, "board-settings [--email-detail none|full] ...");
    board_settings(*store, a);
  } else if (cmd == "list-outbox") {
    only(a, {"data", "state"});
    words(1, "list-outbox [--state STATE]");
    for (const auto& r : store->outbox(a.get("state", "")))
      std::printf("%lld\t%s\t%s\t%s\t%s\tattempts %d\t%s\t%s\n", static_cast<long long>(r.id), r.state.c_str(),
                  when(r.due_at).c_str(), r.challenge.c_str(), r.address.c_str(), r.attempts, r.rule.c_str(),
                  r.last_error.c_str());
  } else if (cmd == "board-report") {
    only(a, {"data", "from", "to", "format", "what", "agency"});
    words(1, "board-report --from YYYY-MM-DD --to YYYY-MM-DD --format csv");
    std::fputs(board_report(*store, a).c_str(), stdout);
  } else if (cmd == "set-board") {
    only(a, {"data"});
    words(2, "set-board NAME");
    store->set_board(a.words[1]);
  } else {
    throw UsageError{"unknown admin command '" + cmd + "'"};
  }
  return 0;
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
