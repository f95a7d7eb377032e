// core/event.h — the immutable event: everything that happens to a challenge.
//
// Model (product brief "Domain model", sync brief "Model"): a challenge is a grow-only set
// of events. Each event is written once on one device and never edited or deleted; a
// correction is a new event naming the one it corrects. An event carries a globally
// unique id, the device and that device's sequence number, the author, the time the user
// says it happened (`at`), a hybrid logical clock reading (`hlc`) for ordering, the ids
// and hashes of the events its author had already seen (`parents`), a kind-specific
// `body`, and the SHA-256 of all of that (`hash`) so any edit or removal is detectable.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace parley {

using Json = nlohmann::json;

enum class EventKind {
  ChallengeOpened,
  ImminentRiskGuidanceShown,
  PartyAdded,
  DiscussionRecorded,
  ActionAgreed,
  ActionCompleted,
  Escalated,
  Expedited,
  NotificationSent,
  OutcomeAgreed,
  FeedbackGiven,
  RecordSigned,
  Referred,
  Closed,
  LearningRecorded,
  ViewsRecorded,
  Comment,
  Correction,
  ReviewSettled,
};

std::optional<EventKind> parse_event_kind(std::string_view text);   // "discussion_recorded"
std::string_view to_string(EventKind kind);
const std::vector<EventKind>& all_event_kinds();

// Hybrid logical clock reading: physical milliseconds, then a counter for events in the
// same millisecond or behind a clock that went backwards.
struct Hlc {
  std::int64_t ms = 0;
  std::int32_t counter = 0;
  friend auto operator<=>(const Hlc&, const Hlc&) = default;
};

struct Event {
  std::string id;                  // 32 lower-case hex characters
  std::string challenge;           // challenge id
  std::string device;              // device id that wrote it
  std::int64_t seq = 0;            // that device's sequence number (1, 2, ...)
  EventKind kind = EventKind::Comment;
  std::int64_t at = 0;             // when it happened, UTC ms (as stated by the author)
  Hlc hlc;                         // ordering clock
  Json author = Json::object();    // {name, job_title, agency, role}
  std::vector<std::string> parents;        // ids of the events already seen (the heads)
  std::vector<std::string> parent_hashes;  // their hashes, same order
  Json body = Json::object();
  std::string hash;                // sha256 hex of the canonical content (see content_hash)
};

// Thrown for an event that does not parse or fails its checks. `what()` is
// "FIELD: what is wrong"; `field` is the path inside the event ("body.summary", "hlc", or
// empty for the event as a whole); `too_large` marks a size limit rather than a shape.
class EventError : public std::runtime_error {
 public:
  EventError(std::string field, const std::string& detail, bool too_large = false)
      : std::runtime_error((field.empty() ? std::string("event") : field) + ": " + detail),
        field(std::move(field)), too_large(too_large) {}
  std::string field;
  bool too_large = false;
};

// The canonical text hashed: the event as JSON without "hash", keys sorted, no spaces,
// UTF-8. Throws EventError on invalid UTF-8 in any string.
std::string canonical_text(const Event& e);
std::string content_hash(const Event& e);

Json to_json(const Event& e);
// Parses and checks shape (types, id formats, kind, sizes). Does not check the hash:
// call verify_hash for that. Throws EventError("events[3].body.summary: ...").
Event event_from_json(const Json& j);
// True when e.hash equals the hash of its content.
bool verify_hash(const Event& e);

// Limits on what one event may hold, so a bundle from anywhere cannot exhaust memory.
constexpr std::size_t kMaxTextLength = 20000;      // characters in one text field (bytes)
constexpr std::size_t kMaxEventBytes = 200000;     // canonical size of one event
constexpr std::size_t kMaxParents = 64;
// When an event may say it happened: 1970-01-01 up to (not including) 2200-01-01, UTC ms —
// the days the calendar's index covers.
constexpr std::int64_t kMinEventTime = 0;
constexpr std::int64_t kMaxEventTime = 7258118400000;

}  // namespace parley
