// bench/board_bench.cpp — parley-bench-board: what the office server's Board features cost
// at scale (docs/performance.md "Board dashboard and notification lag"). It prints figures
// and never asserts on time.
//
//   parley-bench-board dashboard [--challenges N] [--events-per-challenge M] [--db PATH]
//                                [--real K] [--runs R] [--seed S]
//   parley-bench-board notify [--challenges N] [--senders 4,1,8]
//
// dashboard: a server database of N challenges (default 100,000) of M events each (default
// 30), then ServerStore::board_dashboard(nullptr, filter, now) timed over (a) all 24
// months, (b) the last 12 months, (c) one agency; R runs each (default 20), median and
// p95, plus where the time goes (the same SELECT as sync/server_board.cpp on a second
// connection, and core's board_dashboard on the rows it returns).
//   How the database is built: five agencies, each with a director who has a device (a
//   real client Engine on its own file) and a token from the real login. Each challenge is
//   opened and recorded on the challenger's device (open, discussions, comments, agreed
//   actions, escalations, an outcome for most, a closure for some; the five shipped
//   procedures in turn; openings spread over the 24 months before kNow), and pushed in
//   requests of at most 2,000 events through the real ServerStore::push, so board_rows is
//   filled by the code a real push runs. Only K of them (--real, default 10,000) are made
//   that way — the client engine costs ~25 ms of CPU a challenge of 30 events, so 100,000
//   would take well over an hour here — and their board_rows rows are then copied, each
//   with its dates shifted by whole weeks inside the 24 months, up to N rows: the
//   dashboard reads only board_rows, so the query sees N rows either way, but the events
//   table holds K challenges' events, not N's. --real N pushes all N. The devices' own
//   files are throwaway: no fsync, and each forgets what it has pushed.
//   --db PATH keeps the database; if PATH exists it is reused as it is (no build).
//
// notify: N challenges (default 1,000) raised the same Thursday under Shropshire (stage 1:
// 2 working days), with practitioners on both sides who have email addresses, so every
// challenge's stage-1 reminder falls due at the same moment T (Friday 08:00 UK time; two
// messages a challenge, one to each side). A real SMTP server (tests/server/smtp_sink.py,
// aiosmtpd, accept mode) is started as a child process; a Notifier whose clock reads T
// plus the real time elapsed since the start then calls round() until nothing is pending.
// Lag = when the SMTP server took the message (the sink's received_at, written just
// before its 250) − T, in real elapsed time. Repeated for each --senders value on a fresh
// copy of the same database.
//
// Synthetic people and agencies only ("Northshire ..."): never real names.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/board_stats.h"
#include "core/calendar.h"
#include "core/procedure_rules.h"
#include "core/engine.h"
#include "core/event_rules.h"
#include "sync/bundle.h"
#include "sync/notifier.h"
#include "sync/server_store.h"

#ifndef PARLEY_BENCH_BUILD
#define PARLEY_BENCH_BUILD "unknown build"
#endif
#ifndef PARLEY_SOURCE_DIR
#define PARLEY_SOURCE_DIR "."
#endif

using namespace parley;
using namespace parley::server;
namespace fs = std::filesystem;

extern char** environ;

namespace {

const char* kUsage =
    "usage: parley-bench-board dashboard [--challenges N] [--events-per-challenge M] [--db PATH] [--real K]\n"
    "                                    [--runs R] [--seed S]\n"
    "       parley-bench-board notify [--challenges N] [--senders 4,1,8]\n"
    "  dashboard: builds (or, with an existing --db, reuses) a server database of N challenges\n"
    "  (default 100000) of M events (default 30) and times the Board dashboard query R times\n"
    "  (default 20) for 24 months, 12 months and one agency. K of the N (default 10000; at\n"
    "  most N) are made by client engines and pushed; the other N - K are copies of their\n"
    "  Board rows with shifted dates (--real N pushes all N: about 30 ms of CPU each).\n"
    "  notify: N challenges (default 1000) whose reminders fall due at once; times how long the\n"
    "  Notifier takes to hand them to a real SMTP server (smtp_sink.py), for each --senders value.\n";

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "parley-bench-board: " << problem << "\n" << kUsage;
  std::exit(2);
}

long parse_count(const std::string& flag, const std::string& text, long min, long max) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || !end || *end || v < min || v > max)
    usage(flag + " wants a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" + text +
          "'");
  return v;
}

std::int64_t at(const std::string& text) {
  std::int64_t ms = 0;
  if (!parse_time(text, ms)) throw std::runtime_error("bad time " + text);
  return ms;
}

using Steady = std::chrono::steady_clock;
double ms_since(Steady::time_point t0) { return std::chrono::duration<double, std::milli>(Steady::now() - t0).count(); }

// This thread's CPU time in ms: other jobs on a shared machine stretch wall time, hardly this.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Nearest-rank percentile of `v` (p in 0..100); v is sorted here.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double load_average() {
  double l[1] = {0};
  return getloadavg(l, 1) == 1 ? l[0] : -1;
}

std::int64_t file_bytes(const std::string& path) {
  std::error_code ec;
  std::int64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    auto n = fs::file_size(path + suffix, ec);
    if (!ec) total += static_cast<std::int64_t>(n);
  }
  return total;
}

void remove_db(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix, ec);
}

// A fresh folder in the temp directory, removed with everything in it when it goes out of
// scope (also when a refused push or a failed build throws).
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& stem) {
    std::random_device rd;
    path = fs::temp_directory_path() / (stem + "-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// A second, read-write connection to the server's file for what the bench itself needs:
// counts, the read half of the dashboard timed alone, and copying rows (--real).
struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_busy_timeout(db, 10000);
  }
  ~Db() { sqlite3_close_v2(db); }
  std::int64_t count(const std::string& sql) {
    sql::Statement s(db, sql.c_str());
    s.bind();
    return s.step() ? s.i64(0) : -1;
  }
};

// ---- the world: agencies, their directors, their devices ----

const char* const kAgencies[] = {"Northshire Council Adult Social Care", "Northshire Police",
                                 "Northshire Community Health NHS Trust", "Northshire Council Children's Services",
                                 "Northshire Housing"};
const char* kFirst[] = {"Alex", "Sam", "Jo", "Chris", "Robin", "Morgan", "Taylor", "Jamie", "Casey", "Riley"};
const char* kLast[] = {"Testperson", "Example", "Sample", "Placeholder", "Fictional", "Specimen"};
const char* kJobs[] = {"Social Worker", "Police Constable", "Community Nurse", "Housing Officer", "Safeguarding Lead"};
const char* kMethods[] = {"phone", "face_to_face", "video", "meeting", "email"};

template <typename T, std::size_t N>
const T& pick(const T (&a)[N], std::uint64_t r) {
  return a[r % N];
}

Json person(std::mt19937_64& rng, const std::string& agency, const std::string& role = "practitioner") {
  return Json{{"name", std::string(pick(kFirst, rng())) + " " + pick(kLast, rng())},
              {"job_title", pick(kJobs, rng())},
              {"agency", agency},
              {"role", role}};
}

// One person's device: its own client database, a clock pinned by the caller, and the
// server's Caller for its token.
struct Device {
  std::string path;
  FixedClock clock;
  IdSource ids;
  ProcedureLibrary procedures = ProcedureLibrary::builtin();
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
  Author me;
  Caller caller;

  Device(const fs::path& dir, const std::string& name, std::uint64_t seed, std::int64_t now, Author author)
      : path((dir / (name + ".db")).string()), clock(now), ids(seed), me(std::move(author)) {
    store = std::make_unique<Store>(path);
    // A throwaway file: no fsync per commit (what is measured is the server's side).
    sql::exec(store->handle(), "PRAGMA synchronous = OFF");
    engine = std::make_unique<Engine>(*store, procedures, clock, ids);
  }
  // Signs in as `username` (the real login: Argon2id) with this device's id.
  void sign_in(ServerStore& server, const std::string& username, const std::string& password, std::int64_t now) {
    Json r = server.login({{"username", username}, {"password", password}, {"device", store->device_id()}}, now);
    caller = server.authenticate(r["token"].get<std::string>(), now);
  }
  // Pushes these challenges (their every event, in fold order) in one request.
  void push(ServerStore& server, const std::vector<std::string>& challenges, std::int64_t now) {
    Json bundles = Json::array();
    for (const auto& c : challenges) {
      Bundle b = export_bundle(*engine, c);
      Json events = Json::array();
      for (const auto& e : b.events) events.push_back(to_json(e));
      bundles.push_back(Json{{"format", "parley-bundle"}, {"version", b.version}, {"board", b.board},
                             {"procedure", b.procedure}, {"challenge", b.challenge}, {"events", std::move(events)}});
    }
    Json req{{"format", "parley-push"}, {"version", 1}, {"epoch", nullptr}, {"bundles", std::move(bundles)}};
    // request_bytes only feeds the quarantine record of a refusal; the HTTP layer would
    // pass the body's size, which this in-process call never serialises.
    server.push(caller, req, 0, now);
  }
  // Forgets what was pushed, so this device's file holds only the challenges not yet
  // pushed: the benchmark's devices each write tens of thousands of challenges, which no
  // real device holds. The event log is append-only by trigger; this throwaway copy drops it.
  void forget_all() {
    store->transaction([&] {
      for (const char* sql : {"DROP TRIGGER IF EXISTS events_no_delete", "DELETE FROM outbox", "DELETE FROM events",
                              "DELETE FROM challenges"})
        sql::exec(store->handle(), sql);
    });
  }
  ~Device() {
    engine.reset();
    store.reset();
    remove_db(path);
  }
};

// The Board dashboard's clock: every date is relative to it, so a reused database gives
// the same figures whenever it is timed.
const std::string kNowText = "2026-12-01T12:00:00Z";
constexpr std::int64_t kMinute = 60 * 1000, kDay = 24 * 60 * kMinute;
constexpr std::int64_t kSpanDays = 730;   // openings spread over the 24 months before kNow

// Records one synthetic challenge of `events` events on `d`: the opening, then discussions,
// comments and agreed actions with the escalations spread among them, then (for 8 in 10)
// the outcome, and a closure for 1 in 10 with and 1 in 10 without an outcome (where the
// procedure allows closing without one; otherwise a comment and it stays open).
std::string make_challenge(Device& d, const Procedure& p, const std::string& other, long c, long events,
                           std::int64_t now, std::mt19937_64& rng) {
  const std::vector<std::string>& categories = challenge_categories();
  char number[24];
  std::snprintf(number, sizeof number, "%06ld", c + 1);
  Json body = {{"procedure", p.id},
               {"imminent_risk", rng() % 50 == 0},
               {"subject", {{"name", std::string(pick(kFirst, rng())) + " " + pick(kLast, rng()) + " " + number},
                            {"kind", rng() % 2 ? "adult" : "child"},
                            {"date_of_birth", "19" + std::to_string(40 + rng() % 60) + "-0" +
                                                  std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10)}}},
               {"challenger", person(rng, d.me.agency)},
               {"challenged", person(rng, other)},
               {"category", categories[rng() % categories.size()]},
               {"summary", "Synthetic benchmark challenge " + std::string(number) +
                               ": the referral was closed without contact and the practitioner disagrees."},
               {"risk", rng() % 10 == 0 ? "at_risk" : "standard"}};
  std::int64_t when = now - static_cast<std::int64_t>(1 + rng() % kSpanDays) * kDay +
                      static_cast<std::int64_t>(rng() % (12 * 60)) * kMinute;
  when = std::min(when, now - 60 * kMinute);
  std::string id = d.engine->open(body, d.me, when);

  const long kind = static_cast<long>(rng() % 10);   // drawn, so the ending does not follow the agency
  const bool outcome = events >= 2 && kind < 9 && kind != 8;   // 0..7: outcome agreed
  const bool closed = events >= 3 && (kind == 0 || kind == 8);  // 0: after the outcome, 8: without one
  long plain = events - 1 - (outcome ? 1 : 0) - (closed ? 1 : 0);
  // Escalations: 0 to last_stage - 1, spread evenly among the plain events.
  long escalations = std::min<long>(plain, static_cast<long>(rng() % static_cast<std::uint64_t>(p.last_stage())));
  int stage = 1;
  auto step = [&] {
    when = std::min(now, when + 60 * kMinute + static_cast<std::int64_t>(rng() % (2 * 24 * 60)) * kMinute);
  };
  for (long e = 0; e < plain; ++e) {
    step();
    bool escalate = escalations > 0 && (e + 1) * escalations / plain != e * escalations / plain;
    if (escalate && stage < p.last_stage()) {
      d.engine->record(id, EventKind::Escalated,
                       {{"reason", "No agreement at stage " + std::to_string(stage)},
                        {"tried", "A synthetic discussion between the practitioners"},
                        {"override_reason", "Synthetic: notified outside Parley."}},
                       d.me, when);
      ++stage;
      continue;
    }
    switch ((c + e) % 3) {
      case 0:
        d.engine->record(id, EventKind::DiscussionRecorded,
                         {{"with", {person(rng, other)}},
                          {"method", pick(kMethods, rng())},
                          {"summary", "Synthetic discussion about the referral; views exchanged."},
                          {"agreed", false}},
                         d.me, when);
        break;
      case 1:
        d.engine->record(id, EventKind::Comment, {{"text", "Synthetic note " + std::to_string(e + 1) + "."}}, d.me, when);
        break;
      default:
        d.engine->record(id, EventKind::ActionAgreed, {{"description", "Synthetic follow-up visit"}, {"owner", other}},
                         d.me, when);
        break;
    }
  }
  if (outcome) {
    step();
    d.engine->record(id, EventKind::OutcomeAgreed, {{"outcome", "Synthetic outcome: referral reopened."}}, d.me, when);
  }
  if (closed) {
    step();
    try {
      d.engine->record(id, EventKind::Closed,
                       {{"reason", outcome ? "Resolved" : "Withdrawn"},
                        {"override_reason", "Synthetic: the checklist was kept outside Parley."}},
                       d.me, when);
    } catch (const CommandError&) {   // this procedure closes only after an outcome: stays open
      d.engine->record(id, EventKind::Comment, {{"text", "Synthetic note: still open."}}, d.me, when);
    }
  }
  return id;
}

// ---- dashboard ----

struct BuildReport {
  long real = 0, copied = 0;
  double seconds = 0, generate_s = 0, push_s = 0, generate_cpu_s = 0, push_cpu_s = 0;
};

// Pushes `real` challenges of `events` events, then (when real < total) copies board rows
// up to `total`. Progress every 5,000 challenges on stderr.
BuildReport build_dashboard_db(const std::string& path, long total, long real, long events, std::uint64_t seed) {
  BuildReport report;
  report.real = real;
  const std::int64_t now = at(kNowText);
  const auto t0 = Steady::now();
  TempDir temp("parley-bench-board");
  const fs::path& dir = temp.path;
  {
    ServerStore server(path);
    std::vector<std::unique_ptr<Device>> devices;
    for (std::size_t a = 0; a < std::size(kAgencies); ++a) {
      server.add_agency(kAgencies[a]);
      const std::string user = "director" + std::to_string(a + 1), password = "bench-passphrase-" + user;
      Author me{"Director " + std::to_string(a + 1) + " Example", "Director", kAgencies[a], "director"};
      server.add_user(user, password, me.name, me.job_title, me.agency, me.role);
      devices.push_back(std::make_unique<Device>(dir, user, seed + a, now, me));
      devices.back()->sign_in(server, user, password, now);
    }
    std::vector<const Procedure*> procs = devices[0]->procedures.all();
    std::mt19937_64 rng(seed);
    const long per_push = std::max<long>(1, static_cast<long>(kMaxPushEvents) / std::max<long>(1, events));
    std::vector<std::vector<std::string>> pending(devices.size());
    double generate = 0, push = 0, generate_cpu = 0, push_cpu = 0;
    auto flush = [&](std::size_t a) {
      if (pending[a].empty()) return;
      auto tp = Steady::now();
      double cpu = thread_cpu_ms();
      devices[a]->push(server, pending[a], now);
      push_cpu += thread_cpu_ms() - cpu;
      push += ms_since(tp);
      pending[a].clear();
      devices[a]->forget_all();
    };
    for (long c = 0; c < real; ++c) {
      const std::size_t a = static_cast<std::size_t>(c) % devices.size();
      const std::size_t o = (a + 1 + rng() % (devices.size() - 1)) % devices.size();
      const Procedure& p = *procs[static_cast<std::size_t>(c / static_cast<long>(devices.size())) % procs.size()];
      auto tg = Steady::now();
      double cpu = thread_cpu_ms();
      std::string id;
      devices[a]->store->transaction([&] { id = make_challenge(*devices[a], p, kAgencies[o], c, events, now, rng); });
      generate_cpu += thread_cpu_ms() - cpu;
      generate += ms_since(tg);
      pending[a].push_back(id);
      if (static_cast<long>(pending[a].size()) >= per_push) flush(a);
      if ((c + 1) % 5000 == 0)
        std::fprintf(stderr, "  %ld challenges pushed or queued, %.0f s (generating %.0f s, pushing %.0f s)\n", c + 1,
                     ms_since(t0) / 1e3, generate / 1e3, push / 1e3);
    }
    for (std::size_t a = 0; a < devices.size(); ++a) flush(a);
    report.generate_s = generate / 1e3;
    report.generate_cpu_s = generate_cpu / 1e3;
    report.push_cpu_s = push_cpu / 1e3;
    report.push_s = push / 1e3;
  }

  if (real < total) {
    // Copies of the real rows, each shifted by a whole number of weeks (so weekdays and
    // working-day counts stay plausible) to a place inside the 24 months where both its
    // opening and its end stay before kNow.
    Db db(path);
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
    struct Row {
      std::string challenge, procedure, category, challenger, challenged, status, missed;
      std::int64_t opened = 0, ended = 0, stage = 0, expedited = 0;
      std::optional<std::int64_t> days;
    };
    std::vector<Row> rows;
    {
      sql::Statement s(db.db,
                       "SELECT challenge, procedure, category, challenger, challenged, opened_at, status, ended_at, stage, "
                       "working_days, missed, expedited FROM board_rows");
      s.bind();
      while (s.step()) {
        Row r;
        r.challenge = s.text(0), r.procedure = s.text(1), r.category = s.text(2), r.challenger = s.text(3);
        r.challenged = s.text(4), r.status = s.text(6), r.missed = s.text(10);
        r.opened = s.i64(5), r.ended = s.i64(7), r.stage = s.i64(8), r.expedited = s.i64(11);
        if (!s.is_null(9)) r.days = s.i64(9);
        rows.push_back(std::move(r));
      }
    }
    if (rows.empty()) throw std::runtime_error("no board rows to copy");
    const std::int64_t start = now - kSpanDays * kDay, week = 7 * kDay;
    sql::exec(db.db, "BEGIN IMMEDIATE");
    sql::Statement ins(db.db,
                       "INSERT INTO board_rows(challenge, procedure, category, challenger, challenged, opened_at, status, "
                       "ended_at, stage, working_days, missed, expedited) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    for (long k = 0; k < total - real; ++k) {
      const Row& r = rows[static_cast<std::size_t>(k) % rows.size()];
      std::int64_t last = std::max(r.opened, r.ended);
      std::int64_t lo = -((r.opened - start) / week), hi = (now - last) / week;
      std::int64_t shift = (lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1))) * week;
      ins.bind(r.challenge + "-copy" + std::to_string(k), r.procedure, r.category, r.challenger, r.challenged,
               r.opened + shift, r.status, r.ended ? r.ended + shift : 0, r.stage, r.days, r.missed, r.expedited)
          .run();
    }
    sql::exec(db.db, "COMMIT");
    report.copied = total - real;
  }
  report.seconds = ms_since(t0) / 1e3;
  return report;
}

struct Timing {
  std::vector<double> wall, cpu;
};

void print_row(const char* label, std::size_t rows, double first, const Timing& t, double read_ms, double fold_ms) {
  std::printf("  %-28s %7zu rows | first %7.1f | median %7.1f  p95 %7.1f  (CPU median %7.1f) | read %6.1f + "
              "figures %6.1f\n",
              label, rows, first, percentile(t.wall, 50), percentile(t.wall, 95), percentile(t.cpu, 50), read_ms,
              fold_ms);
}

// The same rows sync/server_board.cpp's read_rows returns, read on this connection.
std::vector<BoardRow> read_rows(Db& db, const BoardFilter& f) {
  sql::Statement s(db.db,
                   "SELECT procedure, category, challenger, challenged, opened_at, status, ended_at, stage, working_days, "
                   "missed, expedited FROM board_rows WHERE opened_at >= ?1 AND opened_at < ?2 "
                   "AND (?3 = '' OR challenger = ?3 OR challenged = ?3) ORDER BY opened_at");
  s.bind(f.from, f.to, f.agency);
  std::vector<BoardRow> out;
  while (s.step()) {
    BoardRow r;
    r.procedure = s.text(0), r.category = s.text(1), r.challenger_agency = s.text(2), r.challenged_agency = s.text(3);
    r.opened_at = s.i64(4), r.status = s.text(5), r.ended_at = s.i64(6), r.stage = static_cast<int>(s.i64(7));
    if (!s.is_null(8)) r.working_days_to_resolution = static_cast<int>(s.i64(8));
    for (const auto& m : Json::parse(s.view(9))) r.missed_stages.push_back(m.get<int>());
    r.expedited = s.i64(10) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

// Where the 24-month query's time goes, in numbers a reader can check against the code:
// the SELECT's plan, the SELECT with a page cache that holds the table (SQLite's default is
// 2 MiB), and the cost of the per-row work core/board_stats.cpp repeats (a UK month for
// each row once per month shown, in month_figures; agency_id for each row in each section).
void diagnose(Db& db, const BoardFilter& f, const BoardSettings& settings) {
  std::printf("where the time goes, 24 months:\n");
  {
    sql::Statement s(db.db,
                     "EXPLAIN QUERY PLAN SELECT procedure, category, challenger, challenged, opened_at, status, ended_at, "
                     "stage, working_days, missed, expedited FROM board_rows WHERE opened_at >= ?1 AND opened_at < ?2 "
                     "AND (?3 = '' OR challenger = ?3 OR challenged = ?3) ORDER BY opened_at");
    s.bind(f.from, f.to, f.agency);
    while (s.step()) std::printf("  query plan: %s\n", s.text(3).c_str());
  }
  auto median_of = [](int n, const std::function<void()>& body) {
    std::vector<double> v;
    for (int i = 0; i < n; ++i) {
      double cpu = thread_cpu_ms();
      body();
      v.push_back(thread_cpu_ms() - cpu);
    }
    return percentile(v, 50);
  };
  std::vector<BoardRow> rows;
  const double cold_cache = median_of(5, [&] { rows = read_rows(db, f); });
  sql::exec(db.db, "PRAGMA cache_size = -131072");   // 128 MiB
  read_rows(db, f);
  const double big_cache = median_of(5, [&] { rows = read_rows(db, f); });
  sql::exec(db.db, "PRAGMA cache_size = -2000");
  std::printf("  the SELECT, %zu rows, CPU ms: %.1f with SQLite's default 2 MiB page cache, %.1f with 128 MiB\n",
              rows.size(), cold_cache, big_cache);
  const double figures = median_of(5, [&] { parley::board_dashboard(rows, f, settings); });
  // month_figures, for each month by_month lists, takes the UK month of every row's opening
  // and of every resolved row's end (resolved_by in core/board_stats.cpp).
  std::set<std::int64_t> months;
  std::size_t ends = 0;
  auto month = [](std::int64_t ms) { Date d = uk_local_date(ms); return std::int64_t{d.year} * 100 + d.month; };
  for (const auto& r : rows) {
    months.insert(month(r.opened_at));
    if ((r.status == "resolved" || r.working_days_to_resolution) && r.ended_at && r.ended_at < f.to) {
      months.insert(month(r.ended_at));
      ++ends;
    }
  }
  const std::size_t conversions = (rows.size() + ends) * months.size();
  volatile int sink = 0;
  const double dates = median_of(3, [&] {
    std::size_t k = 0;
    for (std::size_t i = 0; i < conversions; ++i, k = k + 1 == rows.size() ? 0 : k + 1)
      sink = sink + uk_local_date(rows[k].opened_at + static_cast<std::int64_t>(i & 1)).month;
  });
  const std::size_t ids = rows.size() * 8;
  const double agency_ids = median_of(3, [&] {
    std::size_t k = 0;
    for (std::size_t i = 0; i < ids; ++i, k = k + 1 == rows.size() ? 0 : k + 1)
      sink = sink + static_cast<int>(agency_id(i & 1 ? rows[k].challenger_agency : rows[k].challenged_agency).size());
  });
  std::printf("  core board_dashboard() on those rows: %.1f CPU ms; within it, month_figures' (%zu openings + %zu "
              "ends) x %zu months = %.1f M UK-month conversions cost %.1f ms alone, and %zu agency_id calls (8 a row) "
              "%.1f ms\n",
              figures, rows.size(), ends, months.size(), static_cast<double>(conversions) / 1e6, dates, ids, agency_ids);
}

int run_dashboard(long challenges, long events, long real, std::string db_path, long runs, std::uint64_t seed) {
  std::printf("parley-bench-board dashboard (%s)\n", PARLEY_BENCH_BUILD);
  std::printf("load average at start: %.2f\n", load_average());
  bool temporary = db_path.empty();
  if (temporary) db_path = (fs::temp_directory_path() / ("parley-board-bench-" + std::to_string(getpid()) + ".db")).string();
  if (fs::exists(db_path)) {
    std::printf("reusing %s (not rebuilt; --challenges and --events-per-challenge are ignored)\n", db_path.c_str());
  } else {
    real = std::min(real, challenges);
    const std::string building = db_path + ".building";
    remove_db(building);
    std::printf("building %s: %ld challenges of %ld events, %ld pushed for real%s\n", db_path.c_str(), challenges,
                events, real, real < challenges ? ", the rest copied in board_rows" : "");
    std::fflush(stdout);
    BuildReport b = build_dashboard_db(building, challenges, real, events, seed);
    fs::rename(building, db_path);   // the store was closed: no -wal left to move
    const double per = b.real ? 1e3 / static_cast<double>(b.real) : 0.0;
    std::printf("built in %.1f s: %ld real challenges (client engines %.1f s wall, %.1f s CPU; ServerStore::push "
                "%.1f s wall, %.1f s CPU = %.2f ms wall, %.2f ms CPU a challenge), %ld rows copied\n",
                b.seconds, b.real, b.generate_s, b.generate_cpu_s, b.push_s, b.push_cpu_s, b.push_s * per,
                b.push_cpu_s * per, b.copied);
  }

  Db db(db_path);
  std::printf("database: %.1f MB; %lld board rows, %lld challenges, %lld events, %lld outbox rows\n",
              static_cast<double>(file_bytes(db_path)) / 1e6,
              static_cast<long long>(db.count("SELECT count(*) FROM board_rows")),
              static_cast<long long>(db.count("SELECT count(*) FROM challenges")),
              static_cast<long long>(db.count("SELECT count(*) FROM events")),
              static_cast<long long>(db.count("SELECT count(*) FROM outbox")));
  std::printf("board rows by status: %lld open, %lld resolved, %lld closed; with a missed timescale: %lld\n",
              static_cast<long long>(db.count("SELECT count(*) FROM board_rows WHERE status = 'open'")),
              static_cast<long long>(db.count("SELECT count(*) FROM board_rows WHERE status = 'resolved'")),
              static_cast<long long>(db.count("SELECT count(*) FROM board_rows WHERE status = 'closed'")),
              static_cast<long long>(db.count("SELECT count(*) FROM board_rows WHERE missed <> '[]'")));

  ServerStore server(db_path);
  const std::int64_t now = at(kNowText);
  struct Case {
    const char* label;
    BoardFilter filter;
  };
  std::vector<Case> cases(3);
  cases[0].label = "(a) 24 months";
  cases[0].filter.from = at("2024-12-01"), cases[0].filter.to = at("2026-12-02");
  cases[1].label = "(b) 12 months";
  cases[1].filter.from = at("2025-12-01"), cases[1].filter.to = at("2026-12-02");
  cases[2].label = "(c) 24 months, one agency";
  cases[2].filter = cases[0].filter;
  cases[2].filter.agency = kAgencies[2];
  const BoardSettings settings = server.board_config().stats;

  std::printf("ServerStore::board_dashboard(nullptr, filter, now), ms; %ld runs after a first one; the split: the "
              "SELECT alone and core board_dashboard() alone, medians of 5\n",
              runs);
  for (const auto& c : cases) {
    auto t = Steady::now();
    Json first = server.board_dashboard(nullptr, c.filter, now);
    double first_ms = ms_since(t);
    Timing timing;
    for (long r = 0; r < runs; ++r) {
      double cpu = thread_cpu_ms();
      t = Steady::now();
      Json out = server.board_dashboard(nullptr, c.filter, now);
      timing.wall.push_back(ms_since(t));
      timing.cpu.push_back(thread_cpu_ms() - cpu);
      if (out["total"].is_null()) std::printf("?");
    }
    std::vector<double> read, figures;
    std::size_t rows = 0;
    for (int r = 0; r < 5; ++r) {
      t = Steady::now();
      auto got = read_rows(db, c.filter);
      read.push_back(ms_since(t));
      rows = got.size();
      t = Steady::now();
      Json out = parley::board_dashboard(got, c.filter, settings);
      figures.push_back(ms_since(t));
    }
    print_row(c.label, rows, first_ms, timing, percentile(read, 50), percentile(figures, 50));
    std::printf("      total %s, %zu months, %zu category rows, %zu agency pairs, %zu patterns, %lld suppressed cells\n",
                first["total"].dump().c_str(), first["by_month"].size(), first["by_category"].size(),
                first["by_agency_pair"].size(), first["patterns"].size(),
                static_cast<long long>(first.value("suppressed_cells", 0)));
  }
  diagnose(db, cases[0].filter, settings);
  std::printf("load average at end: %.2f\n", load_average());
  if (temporary) remove_db(db_path);
  return 0;
}

// ---- notify ----

// smtp_sink.py (accept mode) as a child process, stopped by its pid.
class Sink {
 public:
  explicit Sink(const fs::path& dir) : mailbox_((dir / "mailbox.jsonl").string()) {
    const std::string script = std::string(PARLEY_SOURCE_DIR) + "/tests/server/smtp_sink.py";
    const std::string log = (dir / "sink.stderr").string();
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, out[1]);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    // Debian's interpreter by path: aiosmtpd is Debian's python3-aiosmtpd (tools/setup).
    std::vector<std::string> args = {"/usr/bin/python3", script, "--mailbox", mailbox_, "--port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      throw std::runtime_error("cannot start " + script);
    }
    std::string line;
    char ch;
    while (line.size() < 200 && read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
    close(out[0]);
    if (line.rfind("listening ", 0) != 0) {
      stop();
      throw std::runtime_error("smtp_sink.py did not start: '" + line + "' (see " + log + ")");
    }
    port_ = std::stoi(line.substr(10));
  }
  ~Sink() { stop(); }
  int port() const { return port_; }
  // The sink process's CPU time so far (user + system), from /proc.
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));   // after "pid (comm) "
    std::string f;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i)
      if (i == 14 || i == 15) ticks += std::stod(f);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::vector<Json> mailbox() const {
    std::vector<Json> out;
    std::ifstream in(mailbox_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(Json::parse(line));
    return out;
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20'000);
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

 private:
  std::string mailbox_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// "2026-12-04T08:00:01.234+00:00" (the sink's received_at) → UTC ms.
std::int64_t sink_time(const std::string& iso) {
  if (iso.size() < 23 || iso.compare(23, std::string::npos, "+00:00") != 0)
    throw std::runtime_error("unexpected received_at " + iso);
  return at(iso.substr(0, 23) + "Z");
}

// The real SmtpMailer, timed: what one SMTP attempt costs (connect, dialogue, the sink's
// 250), so the rest of a message's time (planning, reading the outbox, mark_sent's
// transaction) can be told apart.
class TimedMailer final : public Mailer {
 public:
  TimedMailer(const SmtpSettings& s, std::atomic<std::int64_t>& total_us) : inner_(s), total_us_(total_us) {}
  SendResult send(const MailMessage& m, std::int64_t now_ms) override {
    auto t = Steady::now();
    SendResult r = inner_.send(m, now_ms);
    total_us_ += std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - t).count();
    return r;
  }

 private:
  SmtpMailer inner_;
  std::atomic<std::int64_t>& total_us_;
};

const std::string kAsc = "Northshire Council Adult Social Care";
const std::string kHealth = "Northshire Community Health NHS Trust";

// N Shropshire challenges raised on Thu 3 Dec 2026 (stage 1 due Mon 7 Dec), pushed that
// evening. Returns T, when every stage-1 reminder falls due (Fri 4 Dec, 08:00 UK time).
std::int64_t build_notify_db(const std::string& path, long challenges) {
  const std::int64_t raised = at("2026-12-03T09:00:00Z"), pushed = at("2026-12-03T18:00:00Z");
  TempDir temp("parley-bench-notify");
  const fs::path& dir = temp.path;
  {
    ServerStore server(path);
    server.add_agency(kAsc);
    server.add_agency(kHealth);
    server.add_user("dee", "bench-passphrase-dee", "Dee Director", "Director", kAsc, "director");
    server.add_user("sam", "bench-passphrase-sam", "Sam Example", "Social Worker", kAsc, "practitioner");
    server.add_user("jo", "bench-passphrase-jo", "Jo Sample", "Community Nurse", kHealth, "practitioner");
    server.set_email("dee", "dee@asc.example");
    server.set_email("sam", "sam@asc.example");
    server.set_email("jo", "jo@health.example");
    Device dev(dir, "dee", 7, pushed, Author{"Dee Director", "Director", kAsc, "director"});
    dev.sign_in(server, "dee", "bench-passphrase-dee", pushed);
    std::mt19937_64 rng(11);
    const std::vector<std::string>& categories = challenge_categories();
    std::vector<std::string> ids;
    dev.store->transaction([&] {
      for (long c = 0; c < challenges; ++c) {
        Json body = {{"procedure", "shropshire-sscp"},
                     {"imminent_risk", false},
                     {"subject", {{"name", "Alex Testperson " + std::to_string(c + 1)}, {"kind", "child"},
                                  {"date_of_birth", "2015-04-1" + std::to_string(c % 10)}}},
                     {"challenger", {{"name", "Sam Example"}, {"job_title", "Social Worker"}, {"agency", kAsc},
                                     {"role", "practitioner"}}},
                     {"challenged", {{"name", "Jo Sample"}, {"job_title", "Community Nurse"}, {"agency", kHealth},
                                     {"role", "practitioner"}}},
                     {"category", categories[rng() % categories.size()]},
                     {"summary", "Synthetic benchmark challenge: the referral was closed without contact."},
                     {"risk", "standard"}};
        ids.push_back(dev.engine->open(body, dev.me, raised + c * 20 * 1000));   // 09:00 to ~14:30
      }
    });
    const long per_push = static_cast<long>(kMaxPushEvents);
    for (std::size_t i = 0; i < ids.size(); i += static_cast<std::size_t>(per_push)) {
      std::vector<std::string> part(ids.begin() + static_cast<long>(i),
                                    ids.begin() + static_cast<long>(std::min(ids.size(), i + per_push)));
      dev.push(server, part, pushed);
    }
  }
  return at("2026-12-04T08:00:00Z");
}

int run_notify(long challenges, const std::vector<int>& senders) {
  std::printf("parley-bench-board notify (%s)\n", PARLEY_BENCH_BUILD);
  std::printf("load average at start: %.2f\n", load_average());
  TempDir temp("parley-bench-notify-db");
  const fs::path& dir = temp.path;
  const std::string pristine = (dir / "pristine.db").string();
  auto t0 = Steady::now();
  const std::int64_t T = build_notify_db(pristine, challenges);
  {
    Db db(pristine);
    std::printf("built %ld challenges in %.1f s; %lld wake at T = %s; %lld outbox rows before T (%lld pending)\n",
                challenges, ms_since(t0) / 1e3,
                static_cast<long long>(db.count("SELECT count(*) FROM challenges WHERE wake_at = " + std::to_string(T))),
                format_utc(T).c_str(), static_cast<long long>(db.count("SELECT count(*) FROM outbox")),
                static_cast<long long>(db.count("SELECT count(*) FROM outbox WHERE state = 'pending'")));
  }

  {
    // Planning alone, on a copy: what the first round does before it sends anything.
    const std::string path = (dir / "plan-only.db").string();
    fs::copy_file(pristine, path, fs::copy_options::overwrite_existing);
    ServerStore store(path);
    auto t = Steady::now();
    std::size_t looked = 0, calls = 0;
    for (std::size_t k; (k = store.plan_due(T)) > 0; ++calls) looked += k;
    std::printf("planning alone (ServerStore::plan_due at T until 0, on a copy): %.0f ms for %zu challenges in %zu "
                "call(s), %zu outbox rows\n",
                ms_since(t), looked, calls, store.outbox("pending", 1'000'000).size());
  }

  for (int n : senders) {
    const std::string path = (dir / ("run-" + std::to_string(n) + ".db")).string();
    fs::copy_file(pristine, path, fs::copy_options::overwrite_existing);
    fs::path sink_dir = dir / ("sink-" + std::to_string(n));
    fs::create_directories(sink_dir);
    Sink sink(sink_dir);
    ServerStore store(path);
    // Rows that were already pending before T (messages the pushes themselves called for)
    // are not what is measured: they are sent first, then the clock is set to T.
    std::set<std::int64_t> before;
    for (const auto& r : store.outbox("pending", 1'000'000)) before.insert(r.id);
    SmtpSettings smtp;
    smtp.url = "smtp://127.0.0.1:" + std::to_string(sink.port());
    smtp.from = "parley@office.example";
    store.set_smtp(smtp);

    NotifierOptions o;
    o.senders = n;
    std::atomic<std::int64_t> smtp_us{0};
    o.make_mailer = [&](const SmtpSettings& settings) { return std::make_unique<TimedMailer>(settings, smtp_us); };
    o.log = [](const std::string&) {};
    Steady::time_point start{};
    std::int64_t start_system = 0;
    std::atomic<bool> running{false};   // read by the sender threads through the clock
    o.now_ms = [&] {
      if (!running) return T - 60 * kMinute;   // before T: only what was already due
      return T + std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count();
    };
    Notifier notifier(store, o);
    if (!before.empty()) notifier.round();
    const std::size_t earlier_mail = sink.mailbox().size();

    smtp_us = 0;
    const double sink_cpu_before = sink.cpu_seconds();
    double cpu_before = 0;
    {
      timespec ts{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      cpu_before = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    }
    start_system = system_ms();
    start = Steady::now();
    running = true;
    std::size_t rounds = 0, sent = 0;
    double round_ms = 0;
    for (;;) {
      sent += notifier.round();
      ++rounds;
      if (store.outbox("pending", 1).empty()) break;
      if (ms_since(start) > 600'000) {
        std::printf("  gave up after 10 minutes with rows still pending\n");
        break;
      }
    }
    round_ms = ms_since(start);
    double cpu_after = 0;
    {
      timespec ts{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      cpu_after = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    }
    const double sink_cpu = sink.cpu_seconds() - sink_cpu_before;

    // Every reminder due at T, and what the SMTP server recorded for it.
    std::map<std::string, const OutboxRow*> by_message;
    std::vector<OutboxRow> rows = store.outbox("", 1'000'000);
    std::vector<double> lag_sink, lag_sent;
    std::size_t due = 0, not_sent = 0, recorded = 0;
    for (const auto& r : rows) {
      if (r.rule != "reminder" || r.due_at != T) continue;
      ++due;
      if (r.state != "sent") {
        ++not_sent;
        continue;
      }
      recorded += !r.event_id.empty();
      by_message[r.message_id()] = &r;
      lag_sent.push_back(static_cast<double>(r.sent_at - T));
    }
    std::vector<Json> mail = sink.mailbox();
    std::int64_t last_received = 0;
    for (std::size_t i = earlier_mail; i < mail.size(); ++i) {
      std::string id = mail[i].value("message_id", "");
      if (id.size() > 2 && id.front() == '<') id = id.substr(1, id.size() - 2);
      if (!by_message.count(id)) continue;
      std::int64_t received = sink_time(mail[i]["received_at"].get<std::string>());
      last_received = std::max(last_received, received);
      lag_sink.push_back(static_cast<double>(received - start_system));
    }
    const double total_s = static_cast<double>(last_received - start_system) / 1e3;
    std::printf("senders %d: %zu reminders due at T (%zu challenges x 2 sides), %zu sent in %zu round(s), %zu not sent, "
                "%zu taken by the SMTP server, %zu recorded on their challenge\n",
                n, due, due / 2, sent, rounds, not_sent, lag_sink.size(), recorded);
    std::printf("  lag, SMTP server's received_at - T: first %.0f ms, p50 %.0f ms, p95 %.0f ms, max %.0f ms\n",
                percentile(lag_sink, 0), percentile(lag_sink, 50), percentile(lag_sink, 95), percentile(lag_sink, 100));
    std::printf("  lag, outbox sent_at - T (the 250 read, before the row is recorded sent): p50 %.0f, p95 %.0f, max "
                "%.0f ms\n",
                percentile(lag_sent, 50), percentile(lag_sent, 95), percentile(lag_sent, 100));
    std::printf("  total: last message taken %.1f s after T, rounds done %.1f s after T; %.1f messages/s\n", total_s,
                round_ms / 1e3, total_s > 0 ? static_cast<double>(lag_sink.size()) / total_s : 0.0);
    const double per = sent ? 1.0 / static_cast<double>(sent) : 0.0;
    std::printf("  per message: SMTP attempt (SmtpMailer::send, summed over senders) %.1f ms; CPU: this process %.1f ms "
                "(planning, SMTP client, mark_sent), the Python sink %.1f ms\n",
                static_cast<double>(smtp_us.load()) / 1e3 * per, (cpu_after - cpu_before) * 1e3 * per, sink_cpu * 1e3 * per);
    if (n == 1)   // one sender: a message's wall time is its SMTP attempt plus the rest, in turn
      std::printf("  one sender: %.1f ms of wall time a message, of which %.1f ms outside the SMTP attempt (reading "
                  "the outbox, mark_sent's transaction and its synchronous commit)\n",
                  round_ms * per, round_ms * per - static_cast<double>(smtp_us.load()) / 1e3 * per);
    sink.stop();
  }
  std::printf("load average at end: %.2f\n", load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage("say dashboard or notify");
  const std::string mode = argv[1];
  if (mode == "-h" || mode == "--help") {
    std::cout << kUsage;
    return 0;
  }
  if (mode != "dashboard" && mode != "notify") usage("unknown mode '" + mode + "'");
  long challenges = mode == "dashboard" ? 100000 : 1000, events = 30, real = 10000, runs = 20;
  std::uint64_t seed = 20261201;
  std::string db;
  std::vector<int> senders = {4, 1, 8};
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--challenges") challenges = parse_count(a, value(), 1, 10'000'000);
    else if (a == "--events-per-challenge" && mode == "dashboard") events = parse_count(a, value(), 1, 2000);
    else if (a == "--db" && mode == "dashboard") db = value();
    else if (a == "--real" && mode == "dashboard") real = parse_count(a, value(), 1, 10'000'000);
    else if (a == "--runs" && mode == "dashboard") runs = parse_count(a, value(), 1, 10000);
    else if (a == "--seed" && mode == "dashboard") seed = static_cast<std::uint64_t>(parse_count(a, value(), 0, 2147483647));
    else if (a == "--senders" && mode == "notify") {
      senders.clear();
      std::stringstream list(value());
      for (std::string n; std::getline(list, n, ',');) senders.push_back(static_cast<int>(parse_count(a, n, 1, 64)));
    } else usage("unknown argument '" + a + "' for " + mode);
  }
  try {
    if (mode == "dashboard") return run_dashboard(challenges, events, real, db, runs, seed);
    return run_notify(challenges, senders);
  } catch (const ApiError& e) {
    std::cerr << "parley-bench-board: " << e.code << " " << e.field << ": " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "parley-bench-board: " << e.what() << "\n";
  }
  return 1;
}
