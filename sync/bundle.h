// sync/bundle.h — JSON case bundles: how a challenge travels between devices and the
// office server.
//
// Format (docs/sync-protocol.md): {"format": "parley-bundle", "version": 1, "board": ...,
// "procedure": ..., "challenge": ..., "events": [...]}. Versioned: a reader accepts
// every version it knows (old-version fixtures in tests/fixtures/bundles/ must keep
// importing) and refuses newer ones with a message saying to update Parley.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.h"

namespace parley {

constexpr int kBundleVersion = 1;

struct Bundle {
  int version = kBundleVersion;
  std::string board, procedure, challenge;
  std::vector<Event> events;
};

// Every event of one challenge in the store, in fold order.
Bundle export_bundle(Engine& engine, const std::string& challenge);
std::string to_text(const Bundle& b);   // pretty JSON with a trailing newline

// Parses and checks a bundle: valid JSON, known format and version, each event well
// formed, belonging to the bundle's challenge, and matching its hash. Throws
// CommandError naming what is wrong ("events[4].hash: ...").
Bundle parse_bundle(std::string_view text);
// The same checks for a bundle already parsed as JSON (one element of a pull page).
Bundle bundle_from_json(const Json& j);

// Compact bundle text from events already serialised as the store keeps them (each
// element is one event's JSON), so a push does not decode and re-encode every event.
std::string compact_bundle_text(const std::string& board, const std::string& procedure, const std::string& challenge,
                                const std::vector<const std::string*>& event_json);

struct ImportResult {
  std::string challenge;
  std::size_t received = 0, added = 0;
};
// Merges a bundle into the store (all or nothing); importing it again adds nothing.
ImportResult import_bundle(Engine& engine, const Bundle& bundle);

}  // namespace parley
