// tests/fuzz/fuzz_procedure.cpp — libFuzzer target: the procedure parser and validator
// (core/procedure.h), which reads a Board's own procedure files and those the server sends.
//
// Contract under test: parse_procedure accepts any bytes and either returns a Procedure
// or throws ProcedureError naming the field. A procedure it accepts must be usable: every
// stage and required-action timescale gives a deadline (timescale_end) at a few pinned
// start times without throwing, and every contact a route or the emergency guidance names
// is found. Seeds: procedures/*.json (tests/fuzz/make_corpus.py).
#include <cstdint>

#include "core/procedure.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parley;

namespace {

// 2025-12-24 09:00Z (before Christmas), 2026-03-29 00:30Z (the BST change), 2030-12-31.
constexpr std::int64_t kStarts[] = {1766566800000, 1774744200000, 1924991999000};

void deadlines(const Procedure& p, const Timescale& t) {
  for (std::int64_t from : kStarts) {
    std::int64_t end = timescale_end(t, p.board.region, from);
    if (end < from) fuzz::fail("timescale_end ends before it starts (" + std::to_string(t.amount) + " " +
                               std::string(to_string(t.unit)) + ")");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Procedure p;
  try {
    p = parse_procedure(fuzz::as_text(data, size));
  } catch (const ProcedureError&) {
    return 0;   // refused, naming the field: the contract
  }
  for (const Stage& s : p.stages) {
    if (p.stage(s.number) == nullptr) fuzz::fail("stage " + std::to_string(s.number) + " not found by number");
    if (s.timescale) deadlines(p, *s.timescale);
    for (const RequiredAction& a : s.required_actions)
      if (a.timescale) deadlines(p, *a.timescale);
  }
  for (const Route& r : p.routes)
    for (const std::string& c : r.contacts)
      if (!p.contact(c)) fuzz::fail("route " + r.id + " names contact '" + c + "' the procedure lacks");
  for (const std::string& c : p.emergency.contacts)
    if (!p.contact(c)) fuzz::fail("emergency guidance names contact '" + c + "' the procedure lacks");
  return 0;
}
