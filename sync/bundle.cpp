// sync/bundle.cpp — bundle export, parsing and import (see bundle.h).
#include "sync/bundle.h"

namespace parley {

Bundle export_bundle(Engine& engine, const std::string& challenge) {
  ChallengeState s = engine.state(challenge);
  const Procedure& p = engine.procedure_of(s);
  Bundle b;
  b.board = p.board.name;
  b.procedure = p.id;
  b.challenge = s.id;
  b.events = s.events;
  return b;
}

std::string to_text(const Bundle& b) {
  Json j = {{"format", "parley-bundle"}, {"version", b.version}, {"board", b.board},
            {"procedure", b.procedure},  {"challenge", b.challenge}};
  Json events = Json::array();
  for (const auto& e : b.events) events.push_back(to_json(e));
  j["events"] = events;
  return j.dump(2) + "\n";
}

std::string compact_bundle_text(const std::string& board, const std::string& procedure, const std::string& challenge,
                                const std::vector<const std::string*>& event_json) {
  Json head = {{"format", "parley-bundle"}, {"version", kBundleVersion}, {"board", board},
               {"procedure", procedure},    {"challenge", challenge}};
  std::string text = head.dump();
  text.pop_back();   // the closing brace: the events follow
  text += ",\"events\":[";
  for (std::size_t i = 0; i < event_json.size(); ++i) {
    if (i) text += ',';
    text += *event_json[i];
  }
  text += "]}";
  return text;
}

Bundle parse_bundle(std::string_view text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {   // parse_error, or out_of_range for a number like 1e456
    throw CommandError(std::string("the bundle is not valid JSON (") + e.what() + "); check the file is a Parley bundle");
  }
  return bundle_from_json(j);
}

Bundle bundle_from_json(const Json& j) {
  if (!j.is_object() || j.value("format", "") != "parley-bundle")
    throw CommandError("format: not a Parley bundle (expected \"format\": \"parley-bundle\")");
  if (!j.contains("version") || !j["version"].is_number_integer())
    throw CommandError("version: missing or not a whole number");
  int version = j["version"].get<int>();
  if (version < 1 || version > kBundleVersion)
    throw CommandError("version: bundle version " + std::to_string(version) + " is newer than this Parley reads (" +
                       std::to_string(kBundleVersion) + "); update Parley");
  Bundle b;
  b.version = version;
  for (const char* key : {"board", "procedure", "challenge"}) {
    if (!j.contains(key) || !j[key].is_string()) throw CommandError(std::string(key) + ": missing or not text");
  }
  b.board = j["board"].get<std::string>();
  b.procedure = j["procedure"].get<std::string>();
  b.challenge = j["challenge"].get<std::string>();
  if (!j.contains("events") || !j["events"].is_array()) throw CommandError("events: missing or not a list");
  const Json& events = j["events"];
  if (events.empty()) throw CommandError("events: the bundle holds no events; export the challenge again");
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::string where = "events[" + std::to_string(i) + "]";
    Event e;
    try {
      e = event_from_json(events[i]);
    } catch (const EventError& err) {
      throw CommandError(where + "." + err.what());
    }
    if (e.challenge != b.challenge)
      throw CommandError(where + ".challenge: '" + e.challenge + "' is not the bundle's challenge '" + b.challenge + "'");
    if (e.hash.empty()) throw CommandError(where + ".hash: missing");
    if (!verify_hash(e)) throw CommandError(where + ".hash: does not match the event's content (it was altered)");
    b.events.push_back(std::move(e));
  }
  return b;
}

ImportResult import_bundle(Engine& engine, const Bundle& bundle) {
  if (!engine.procedures().find(bundle.procedure))
    throw CommandError("procedure: '" + bundle.procedure +
                       "' is not known on this device; install the Board's procedure file first");
  ImportResult r;
  r.challenge = bundle.challenge;
  r.received = bundle.events.size();
  r.added = engine.merge(bundle.events);
  return r;
}

}  // namespace parley
