// tests/fuzz/fuzz_event_rules.cpp — libFuzzer target: the event rules (core/event_rules.h),
// which every device and the office server apply to an event before they keep it.
//
// Input: a JSON object shaped like an event; its "kind", "body", "author" and "at" are
// used (absent ones come from the first fixture event). The event is first checked by
// event_from_json, as every receiver does, so the rules only ever see what can reach
// them. Contract under test: check_body, check_opening and check_event return or throw
// RuleError; nothing else (a nlohmann type_error from reading a field of the wrong type,
// an out-of-range deadline, a sanitizer report) may escape. check_event runs against the
// state after each prefix of each fixture bundle (opened, discussed, escalated, ...).
// Seeds: every event of tests/fixtures/bundles/*.json (tests/fuzz/make_corpus.py).
#include <cstdint>
#include <memory>

#include "core/event_rules.h"
#include "core/fold.h"
#include "core/procedure.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parley;

namespace {

struct World {
  ProcedureLibrary library = ProcedureLibrary::builtin();
  Json blank;                              // the first fixture event, without its hash
  std::vector<ChallengeState> states;      // after 1..n events of each fixture bundle
};

const World& world() {
  static const std::unique_ptr<World> w = [] {
    auto w = std::make_unique<World>();
    for (const Json& b : fuzz::fixture_bundles()) {
      std::vector<Event> seen;
      for (const Json& e : b.at("events")) {
        seen.push_back(event_from_json(e));
        w->states.push_back(fold(seen));
      }
    }
    w->blank = fuzz::fixture_bundles().front().at("events").at(0);
    w->blank.erase("hash");
    return w;
  }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const World& w = world();
  Json in = fuzz::parse_json(fuzz::as_text(data, size));
  if (!in.is_object()) return 0;
  Json ev = w.blank;
  for (const char* key : {"kind", "body", "author", "at"})
    if (auto it = in.find(key); it != in.end()) ev[key] = *it;
  Event e;
  try {
    e = event_from_json(ev);
  } catch (const EventError&) {
    return 0;   // never reaches the rules
  }

  try {
    check_body(e.kind, e.body);
  } catch (const RuleError&) {
  }
  if (e.kind == EventKind::ChallengeOpened) {
    const Procedure* p = nullptr;
    if (auto it = e.body.find("procedure"); it != e.body.end() && it->is_string())
      p = w.library.find(it->get<std::string>());
    for (const Procedure* proc : {p, static_cast<const Procedure*>(nullptr)}) {
      try {
        check_opening(proc, e.body, e.author);
      } catch (const RuleError&) {
      }
    }
    return 0;
  }
  for (const ChallengeState& before : w.states) {
    const Procedure* p = w.library.find(before.procedure);
    if (!p) continue;
    try {
      check_event(before, *p, e.kind, e.body, e.author, e.at);
    } catch (const RuleError&) {
    }
  }
  return 0;
}
