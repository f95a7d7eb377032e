// bench/make_db.cpp — parley-bench-db: writes a Parley database holding N synthetic
// challenges, for the benchmarks in bench/web_bench.mjs (docs/performance.md).
//
//   parley-bench-db --db FILE --challenges N [--events M] [--seed S] [--measure]
//
// Each challenge is opened with Engine::open and then gets M more events (default 3)
// through Engine::record, so every row is exactly what the app itself would have written
// (hash chain, projection, outbox). Everything happens inside ONE outer
// Store::transaction: one commit instead of ~N*(M+1) keeps 10,000 challenges to seconds.
// The device identity is set in the meta table, so the client opens straight on Home
// (no first-run screen, no PIN).
//
// People, agencies and summaries are synthetic ("Alex Testperson 00042", "Northshire
// ..."): never real names. Times are spread over the 180 days before now, so the list has
// a realistic mix of due, overdue, resolved and closed challenges; the seed makes the ids
// and the mix repeatable (the dates move with the clock).
//
// --measure additionally times, on the written database (CPU time of this process):
// listing every projection row (Store::challenges), the two queries the status bar runs on
// every drawn frame (outbox_count, outbox_oldest), and folding + deriving challenges
// (Engine::view), and prints them. The figures depend on how parley_core was compiled;
// the build type is printed with them.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/engine.h"

#ifndef PARLEY_BENCH_BUILD
#define PARLEY_BENCH_BUILD "unknown build"
#endif

using namespace parley;

namespace {

const char* kUsage =
    "usage: parley-bench-db --db FILE --challenges N [--events M] [--seed S] [--measure]\n"
    "  Writes FILE (replacing it) with N synthetic challenges, each opened and then given M\n"
    "  more events (default 3), in one transaction. --measure times listing and folding.\n";

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "parley-bench-db: " << problem << "\n" << kUsage;
  std::exit(2);
}

long parse_count(const std::string& flag, const char* text, long min, long max) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!end || *end || v < min || v > max)
    usage(flag + " wants a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" + text + "'");
  return v;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// This process's CPU time in ms: the --measure figures use it, so other load on a shared
// machine (which stretches wall time) hardly changes them.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

const char* kFirst[] = {"Alex", "Sam", "Jo", "Chris", "Robin", "Morgan", "Taylor", "Jamie", "Casey", "Riley"};
const char* kLast[] = {"Testperson", "Example", "Sample", "Placeholder", "Fictional", "Specimen"};
const char* kAgencies[] = {
    "Northshire Council Adult Social Care", "Northshire Council Children's Services", "Northshire Police",
    "Northshire Community Health NHS Trust", "Northshire Mental Health NHS Trust", "Northshire Housing",
    "Northshire Ambulance Service", "Northshire Primary Care Network"};
const char* kJobs[] = {"Social Worker", "Police Constable", "Community Nurse", "Housing Officer", "GP",
                       "Safeguarding Lead", "Team Manager"};
const char* kMethods[] = {"phone", "face_to_face", "video", "meeting", "email"};

template <typename T, std::size_t N>
const T& pick(const T (&a)[N], std::uint64_t r) { return a[r % N]; }

Json person(std::mt19937_64& rng, const std::string& agency) {
  return Json{{"name", std::string(pick(kFirst, rng())) + " " + pick(kLast, rng())},
              {"job_title", pick(kJobs, rng())},
              {"agency", agency},
              {"role", "practitioner"}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string db;
  long challenges = -1, events = 3;
  std::uint64_t seed = 20260105;
  bool measure = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--db") db = value();
    else if (a == "--challenges") challenges = parse_count(a, value(), 0, 1000000);
    else if (a == "--events") events = parse_count(a, value(), 0, 1000);
    else if (a == "--seed") seed = static_cast<std::uint64_t>(parse_count(a, value(), 0, 2147483647));
    else if (a == "--measure") measure = true;
    else if (a == "-h" || a == "--help") { std::cout << kUsage; return 0; }
    else usage("unknown argument '" + a + "'");
  }
  if (db.empty()) usage("--db FILE is required");
  if (challenges < 0) usage("--challenges N is required");

  try {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(db + suffix);

    // The real clock: the web client reads these rows with its own (real) clock, so
    // deadlines come out as they would on a device that had been used for months.
    SystemClock clock;
    IdSource ids(seed);
    std::mt19937_64 rng(seed);
    ProcedureLibrary procedures = ProcedureLibrary::builtin();
    std::vector<const Procedure*> procs = procedures.all();
    if (procs.empty()) throw std::runtime_error("no procedures are built in");
    const std::vector<std::string>& categories = challenge_categories();

    Store store(db);
    Engine engine(store, procedures, clock, ids);
    // A director: the procedures give later stages' escalations and outcomes to senior roles
    // (core/procedure_rules.h), and the synthetic writer acts at every stage.
    const Author me{"Sam Example", "Assistant Director", kAgencies[0], "director"};
    const std::int64_t now = clock.now_ms();
    const std::int64_t minute = 60 * 1000, day = 24 * 60 * minute;

    auto t0 = std::chrono::steady_clock::now();
    long written = 0;
    store.transaction([&] {
      store.set_meta("identity", me.to_json().dump());
      for (long c = 0; c < challenges; ++c) {
        const Procedure& p = *procs[static_cast<std::size_t>(c) % procs.size()];
        std::string other = kAgencies[1 + rng() % (std::size(kAgencies) - 1)];
        char number[24];
        std::snprintf(number, sizeof number, "%05ld", c + 1);
        Json body = {
            {"procedure", p.id},
            {"imminent_risk", rng() % 50 == 0},
            {"subject", {{"name", std::string(pick(kFirst, rng())) + " " + pick(kLast, rng()) + " " + number},
                         {"kind", rng() % 2 ? "adult" : "child"},
                         {"date_of_birth", "19" + std::to_string(40 + rng() % 60) + "-0" + std::to_string(1 + rng() % 9) +
                                               "-1" + std::to_string(rng() % 10)}}},
            {"challenger", person(rng, me.agency)},
            {"challenged", person(rng, other)},
            {"category", categories[rng() % categories.size()]},
            {"summary", "Synthetic benchmark challenge " + std::string(number) +
                            ": the referral was closed without contact and the practitioner disagrees."},
            {"risk", rng() % 10 == 0 ? "at_risk" : "standard"}};
        // Opened 1 to 180 days ago; later events follow at least an hour apart.
        std::int64_t at = now - static_cast<std::int64_t>(1 + rng() % 180) * day - static_cast<std::int64_t>(rng() % 600) * minute;
        std::string id = engine.open(body, me, at);
        ++written;

        // One challenge in five ends resolved and one in ten closed, if M allows it.
        bool resolve = events >= 2 && c % 5 == 1, close = events >= 3 && c % 10 == 1;
        long plain = events - (resolve ? 1 : 0) - (close ? 1 : 0);
        int stage = 1;
        auto step = [&] { at = std::min(now, at + 60 * minute + static_cast<std::int64_t>(rng() % (3 * 24 * 60)) * minute); };
        for (long e = 0; e < plain; ++e) {
          step();
          switch ((c + e) % 4) {
            case 0:
              engine.record(id, EventKind::DiscussionRecorded,
                            {{"with", {person(rng, other)}}, {"method", pick(kMethods, rng())},
                             {"summary", "Synthetic discussion about the referral; views exchanged."}, {"agreed", false}},
                            me, at);
              break;
            case 1:
              engine.record(id, EventKind::Comment, {{"text", "Synthetic note " + std::to_string(e + 1) + "."}}, me, at);
              break;
            case 2:
              if (stage < p.last_stage()) {
                engine.record(id, EventKind::Escalated,
                              {{"reason", "No agreement at stage " + std::to_string(stage)},
                               {"tried", "A synthetic discussion between the practitioners"},
                               {"override_reason", "Synthetic: notified outside Parley."}},
                              me, at);
                ++stage;
              } else {
                engine.record(id, EventKind::Comment, {{"text", "Synthetic note at the last stage."}}, me, at);
              }
              break;
            default:
              engine.record(id, EventKind::ActionAgreed,
                            {{"description", "Synthetic follow-up visit"}, {"owner", other}}, me, at);
              break;
          }
          ++written;
        }
        if (resolve) {
          step();
          engine.record(id, EventKind::OutcomeAgreed, {{"outcome", "Synthetic outcome: referral reopened."}}, me, at);
          ++written;
        }
        if (close) {
          step();
          engine.record(id, EventKind::Closed,
                        {{"reason", "Resolved"}, {"override_reason", "Synthetic: the checklist was kept outside Parley."}},
                        me, at);
          ++written;
        }
      }
    });
    double write_ms = ms_since(t0);
    std::int64_t bytes = static_cast<std::int64_t>(std::filesystem::file_size(db));
    std::printf("wrote %s: %ld challenges, %ld commands, %lld events, %.1f MB, in %.0f ms\n", db.c_str(), challenges,
                written, static_cast<long long>(store.event_count()), static_cast<double>(bytes) / 1e6, write_ms);
    // What the Home list shows with its default filter (closed challenges hidden).
    long listed = 0;
    for (const auto& r : store.challenges()) listed += r.status != Status::Closed;
    std::printf("home list: %ld rows (closed ones hidden)\n", listed);

    if (measure) {
      std::printf("native timings, CPU time of this process (%s):\n", PARLEY_BENCH_BUILD);
      // Listing: the home screen's source, every projection row in urgency order.
      std::vector<double> list;
      std::size_t rows = 0;
      for (int r = 0; r < 5; ++r) {
        double t = cpu_ms();
        rows = store.challenges().size();
        list.push_back(cpu_ms() - t);
      }
      std::sort(list.begin(), list.end());
      std::printf("  list %zu rows (Store::challenges): median %.2f ms, min %.2f ms (5 runs)\n", rows, list[2], list[0]);
      // What the status bar asks the store on every drawn frame (ui/status_bar.cpp:
      // App::device_only_count and device_only_since).
      std::vector<double> status;
      for (int r = 0; r < 21; ++r) {
        double t = cpu_ms();
        std::int64_t pending = store.outbox_count();
        auto since = store.outbox_oldest();
        status.push_back(cpu_ms() - t);
        if (pending < 0 || (since && *since < 0)) std::printf("?");
      }
      std::sort(status.begin(), status.end());
      std::printf("  status-bar queries (outbox_count + outbox_oldest, %lld outbox rows): median %.2f ms, min %.2f ms "
                  "(21 runs)\n",
                  static_cast<long long>(store.outbox_count()), status[10], status[0]);
      // Fold + derive: what opening a challenge costs (read events, fold, derive view).
      std::vector<std::string> all = store.challenge_ids();
      std::size_t n = std::min<std::size_t>(all.size(), 1000);
      std::vector<double> each;
      for (std::size_t i = 0; i < n; ++i) {
        double t = cpu_ms();
        ChallengeView v = engine.view(all[i * all.size() / n], now);
        each.push_back((cpu_ms() - t) * 1000.0);
        if (v.stage < 0) std::printf("?");
      }
      if (!each.empty()) {
        std::sort(each.begin(), each.end());
        std::printf("  fold + derive one challenge (Engine::view, %zu challenges of %ld+1 events): median %.0f us, "
                    "p95 %.0f us\n",
                    n, events, each[each.size() / 2], each[std::min(each.size() - 1, each.size() * 95 / 100)]);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "parley-bench-db: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
