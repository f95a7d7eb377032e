// core/event.cpp — event serialisation, canonical form and hashing (see event.h).
#include "core/event.h"

#include <array>

#include "core/sha256.h"

namespace parley {
namespace {
struct KindName {
  EventKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 19> kKinds = {{
    {EventKind::ChallengeOpened, "challenge_opened"},
    {EventKind::ImminentRiskGuidanceShown, "imminent_risk_guidance_shown"},
    {EventKind::PartyAdded, "party_added"},
    {EventKind::DiscussionRecorded, "discussion_recorded"},
    {EventKind::ActionAgreed, "action_agreed"},
    {EventKind::ActionCompleted, "action_completed"},
    {EventKind::Escalated, "escalated"},
    {EventKind::Expedited, "expedited"},
    {EventKind::NotificationSent, "notification_sent"},
    {EventKind::OutcomeAgreed, "outcome_agreed"},
    {EventKind::FeedbackGiven, "feedback_given"},
    {EventKind::RecordSigned, "record_signed"},
    {EventKind::Referred, "referred"},
    {EventKind::Closed, "closed"},
    {EventKind::LearningRecorded, "learning_recorded"},
    {EventKind::ViewsRecorded, "views_recorded"},
    {EventKind::Comment, "comment"},
    {EventKind::Correction, "correction"},
    {EventKind::ReviewSettled, "review_settled"},
}};

bool is_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_token(std::string_view s) {  // ids of challenges and devices: [A-Za-z0-9_-]{1,64}
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
      return false;
  return true;
}

// Every string anywhere in the value is bounded; objects and arrays are bounded in depth.
void check_strings(const Json& v, const std::string& path, int depth) {
  if (depth > 8) throw EventError(path, "nested too deeply (at most 8 levels)");
  if (v.is_string()) {
    if (v.get_ref<const std::string&>().size() > kMaxTextLength)
      throw EventError(path, "text longer than " + std::to_string(kMaxTextLength) + " bytes", true);
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) check_strings(*it, path + "." + it.key(), depth + 1);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) check_strings(v[i], path + "[" + std::to_string(i) + "]", depth + 1);
  } else if (v.is_number_float()) {
    throw EventError(path, "fractional numbers are not allowed (use whole numbers or text)");
  }
}

const Json& need(const Json& j, const char* key, const char* what) {
  auto it = j.find(key);
  if (it == j.end()) throw EventError(key, std::string("missing (") + what + ")");
  return *it;
}

std::string need_string(const Json& j, const char* key, const char* what) {
  const Json& v = need(j, key, what);
  if (!v.is_string()) throw EventError(key, std::string("must be text (") + what + ")");
  return v.get<std::string>();
}

std::int64_t need_int(const Json& j, const char* key, const char* what) {
  const Json& v = need(j, key, what);
  if (!v.is_number_integer()) throw EventError(key, std::string("must be a whole number (") + what + ")");
  // A JSON number above INT64_MAX is read as unsigned: refused, never wrapped to negative.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    throw EventError(key, std::string("is too large (") + what + ")");
  return v.get<std::int64_t>();
}
}  // namespace

std::optional<EventKind> parse_event_kind(std::string_view text) {
  for (const auto& k : kKinds)
    if (k.name == text) return k.kind;
  return std::nullopt;
}

std::string_view to_string(EventKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

const std::vector<EventKind>& all_event_kinds() {
  static const std::vector<EventKind> all = [] {
    std::vector<EventKind> v;
    for (const auto& k : kKinds) v.push_back(k.kind);
    return v;
  }();
  return all;
}

Json to_json(const Event& e) {
  Json j = {
      {"id", e.id},
      {"challenge", e.challenge},
      {"device", e.device},
      {"seq", e.seq},
      {"kind", std::string(to_string(e.kind))},
      {"at", e.at},
      {"hlc", Json::array({e.hlc.ms, e.hlc.counter})},
      {"author", e.author},
      {"parents", e.parents},
      {"parent_hashes", e.parent_hashes},
      {"body", e.body},
  };
  if (!e.hash.empty()) j["hash"] = e.hash;
  return j;
}

std::string canonical_text(const Event& e) {
  Json j = to_json(e);
  j.erase("hash");
  try {
    // nlohmann objects are std::map: keys come out sorted by byte, which is the order.
    return j.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::type_error&) {
    throw EventError("", "text is not valid UTF-8 (event " + e.id + ")");
  }
}

std::string content_hash(const Event& e) { return sha256_hex(canonical_text(e)); }

bool verify_hash(const Event& e) { return !e.hash.empty() && content_hash(e) == e.hash; }

Event event_from_json(const Json& j) {
  if (!j.is_object()) throw EventError("", "must be a JSON object");
  static const std::array<std::string_view, 12> known = {"id", "challenge", "device", "seq", "kind", "at",
                                                          "hlc", "author", "parents", "parent_hashes", "body", "hash"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (auto k : known) ok = ok || it.key() == k;
    if (!ok) throw EventError(it.key(), "unknown field in an event");
  }
  Event e;
  e.id = need_string(j, "id", "32 hex characters");
  if (!is_hex(e.id, 32)) throw EventError("id", "must be 32 lower-case hex characters, got '" + e.id.substr(0, 40) + "'");
  e.challenge = need_string(j, "challenge", "challenge id");
  if (!is_token(e.challenge)) throw EventError("challenge", "must be 1-64 letters, digits, '-' or '_'");
  e.device = need_string(j, "device", "device id");
  if (!is_token(e.device)) throw EventError("device", "must be 1-64 letters, digits, '-' or '_'");
  e.seq = need_int(j, "seq", "the device's sequence number");
  if (e.seq < 1) throw EventError("seq", "must be 1 or more");
  auto kind_text = need_string(j, "kind", "event kind");
  auto kind = parse_event_kind(kind_text);
  if (!kind) throw EventError("kind", "unknown event kind '" + kind_text.substr(0, 40) + "'");
  e.kind = *kind;
  e.at = need_int(j, "at", "UTC milliseconds");
  // The dates the calendar handles (its day index): outside them the UK time and
  // working-day arithmetic would overflow or take minutes (docs/fuzzing.md, bugs 2-4).
  if (e.at < kMinEventTime || e.at >= kMaxEventTime)
    throw EventError("at", "must be a time from 1970 to 2199 (UTC milliseconds)");
  const Json& hlc = need(j, "hlc", "[milliseconds, counter]");
  if (!hlc.is_array() || hlc.size() != 2 || !hlc[0].is_number_integer() || !hlc[1].is_number_integer())
    throw EventError("hlc", "must be [milliseconds, counter]");
  e.hlc.ms = hlc[0].get<std::int64_t>();
  auto counter = hlc[1].get<std::int64_t>();
  if (counter < 0 || counter > 0x7fffffff) throw EventError("hlc", "counter out of range");
  e.hlc.counter = static_cast<std::int32_t>(counter);
  e.author = need(j, "author", "who wrote it");
  if (!e.author.is_object()) throw EventError("author", "must be an object {name, job_title, agency, role}");
  const Json& parents = need(j, "parents", "ids of events already seen");
  const Json& hashes = need(j, "parent_hashes", "hashes of those events");
  if (!parents.is_array() || !hashes.is_array() || parents.size() != hashes.size())
    throw EventError("parents", "must be a list matching parent_hashes one for one");
  if (parents.size() > kMaxParents) throw EventError("parents", "more than " + std::to_string(kMaxParents));
  for (std::size_t i = 0; i < parents.size(); ++i) {
    if (!parents[i].is_string() || !is_hex(parents[i].get_ref<const std::string&>(), 32))
      throw EventError("parents[" + std::to_string(i) + "]", "must be an event id");
    if (!hashes[i].is_string() || !is_hex(hashes[i].get_ref<const std::string&>(), 64))
      throw EventError("parent_hashes[" + std::to_string(i) + "]", "must be a sha256 hex digest");
    e.parents.push_back(parents[i].get<std::string>());
    e.parent_hashes.push_back(hashes[i].get<std::string>());
  }
  e.body = need(j, "body", "kind-specific content");
  if (!e.body.is_object()) throw EventError("body", "must be an object");
  check_strings(e.author, "author", 0);
  check_strings(e.body, "body", 0);
  if (j.contains("hash")) {
    const Json& h = j["hash"];
    if (!h.is_string() || !is_hex(h.get_ref<const std::string&>(), 64))
      throw EventError("hash", "must be a sha256 hex digest");
    e.hash = h.get<std::string>();
  }
  if (canonical_text(e).size() > kMaxEventBytes)
    throw EventError("", "larger than " + std::to_string(kMaxEventBytes) + " bytes (event " + e.id + ")", true);
  return e;
}

}  // namespace parley
