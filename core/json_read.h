// core/json_read.h — reading a text member of JSON that came from anywhere: a member that
// is missing, or not text, reads as "" (the fold never throws on what it is given; the
// rules in core/event_rules.h say what is required). One copy for core, sync and tools.
#pragma once
#include <string>

#include "core/event.h"

namespace parley {

// j[key] when j is an object and that member is text; "" otherwise.
inline std::string text_of(const Json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// j[a][b] when both are there and it is text; "" otherwise.
inline std::string text_at(const Json& j, const char* a, const char* b) {
  if (!j.is_object()) return {};
  auto it = j.find(a);
  return it != j.end() ? text_of(*it, b) : std::string();
}

}  // namespace parley
