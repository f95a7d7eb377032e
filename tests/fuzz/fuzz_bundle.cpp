// tests/fuzz/fuzz_bundle.cpp — libFuzzer target: the bundle parser (sync/bundle.h), the
// text a device imports from a file or a pull page.
//
// Contract under test: parse_bundle accepts any bytes and either returns a Bundle or
// throws CommandError naming what is wrong. A bundle it accepts must survive
// to_text -> parse_bundle unchanged (what a device exports it must import again), and
// its events must fold (core/fold.h folds any set of well-formed events, never throws).
// Then what a device does on import (Engine::merge): the events whose body check_body
// refuses are set aside, the rest are folded, and the challenge's view is derived
// (core/engine.h derive: stage, deadlines, checklist) at a pinned time when its procedure
// is a shipped one.
// Each input runs twice: as given, then with every event re-hashed
// (fuzz_support.h), so mutations reach past the hash check into the fold and the view.
// Seeds: tests/fixtures/bundles/*.json (tests/fuzz/make_corpus.py).
#include <cstdint>

#include "core/engine.h"
#include "core/event_rules.h"
#include "core/fold.h"
#include "sync/bundle.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parley;

namespace {

constexpr std::int64_t kNow = 1768046400000;   // 2026-01-10 12:00Z, pinned

const ProcedureLibrary& library() {
  static const ProcedureLibrary lib = ProcedureLibrary::builtin();
  return lib;
}

// What an accepted bundle must satisfy.
void check_accepted(const Bundle& b) {
  std::string text = to_text(b);
  Bundle again;
  try {
    again = parse_bundle(text);
  } catch (const CommandError& e) {
    fuzz::fail(std::string("an accepted bundle does not parse again after to_text: ") + e.what());
  }
  if (again.board != b.board || again.procedure != b.procedure || again.challenge != b.challenge ||
      again.events.size() != b.events.size())
    fuzz::fail("to_text -> parse_bundle changed the bundle");
  for (std::size_t i = 0; i < b.events.size(); ++i)
    if (again.events[i].id != b.events[i].id || again.events[i].hash != b.events[i].hash)
      fuzz::fail("to_text -> parse_bundle changed events[" + std::to_string(i) + "]");
  ChallengeState s = fold(b.events);
  if (s.id.empty() && !s.events.empty()) fuzz::fail("fold kept events but no challenge id");

  std::vector<Event> kept;
  for (const Event& e : b.events) {
    try {
      check_body(e.kind, e.body);
      kept.push_back(e);
    } catch (const RuleError&) {
      // Quarantined on a device, never folded.
    }
  }
  ChallengeState merged = fold(std::move(kept));
  if (!merged.opened) return;
  if (const Procedure* p = library().find(merged.procedure)) (void)to_json(derive(merged, *p, kNow));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  try {
    check_accepted(parse_bundle(text));
  } catch (const CommandError&) {
    // Refused, with a message: the contract.
  }

  Json j = fuzz::parse_json(text);
  if (!j.is_object()) return 0;
  auto events = j.find("events");
  if (events == j.end() || !events->is_array()) return 0;
  fuzz::rehash_events(*events);
  try {
    check_accepted(bundle_from_json(j));
  } catch (const CommandError&) {
  }
  return 0;
}
