// tests/fuzz/fuzz_support.h — helpers shared by the libFuzzer targets (docs/fuzzing.md).
//
// Model: a target feeds its input to one parser or validator and catches only the
// exception types that parser documents for bad input; anything else (another exception
// type, a sanitizer report, an abort) escapes and libFuzzer reports it as a crash. A
// random mutation almost never keeps an event's SHA-256 right, so targets that want to
// reach past the hash check also run the input again with every event re-hashed
// (rehash_events): the hash is a checksum, not a signature, so anyone can do the same.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace parley::fuzz {

// The fuzzer's bytes as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Parses without throwing; a discarded value when the text is not JSON.
Json parse_json(std::string_view text);

// What rehash_events also rewrites in each event (empty: keep the input's).
struct Rewrite {
  std::string device, author_name, author_agency, author_role;
};

// Rewrites each event object of `events` (a JSON list; other values are left alone) as
// `w` says, points its parent_hashes at the new hashes of earlier events of the list, and
// sets "hash" to its content hash. An element that event_from_json refuses is left as it
// is (the code under test will refuse it too). Never throws for any JSON value.
void rehash_events(Json& events, const Rewrite& w = {});

// The fixture bundles (tests/fixtures/bundles/*.json), as JSON, sorted by file name: the
// states the rules target checks against and the server target's identities.
const std::vector<Json>& fixture_bundles();

// Prints "fuzz: <what>" to stderr and aborts: a property that must hold did not.
[[noreturn]] void fail(const std::string& what);

}  // namespace parley::fuzz
