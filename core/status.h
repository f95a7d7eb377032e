// core/status.h — where a challenge stands (open, resolved, closed) and the one rule for
// "overdue", which the engine, the list projection, the CLI and the client all ask.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace parley {

enum class Status { Open, Resolved, Closed };   // resolved: an outcome agreed, not yet closed

constexpr std::string_view to_string(Status s) {
  return s == Status::Open ? "open" : s == Status::Resolved ? "resolved" : "closed";
}
// "open", "resolved" or "closed"; anything else is read as open (a damaged projection row
// is rebuilt from the events, never trusted to hide a challenge).
constexpr Status parse_status(std::string_view s) {
  return s == "closed" ? Status::Closed : s == "resolved" ? Status::Resolved : Status::Open;
}

// Overdue: still open and past the deadline of the stage it is at. Resolved and closed
// challenges are never overdue, whatever their deadline was.
constexpr bool is_overdue(Status s, const std::optional<std::int64_t>& deadline, std::int64_t as_of) {
  return s == Status::Open && deadline.has_value() && as_of > *deadline;
}

}  // namespace parley
