// core/agencies.cpp — the agency directory rule (see agencies.h).
#include "core/agencies.h"

#include <algorithm>
#include <cctype>

#include "core/event_rules.h"
#include "core/procedure_rules.h"

namespace parley {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string challenged_agency_of(const Json& body) {
  auto c = body.find("challenged");
  if (c == body.end() || !c->is_object()) return {};
  auto a = c->find("agency");
  return a != c->end() && a->is_string() ? a->get<std::string>() : std::string();
}

// The words of an agency's id ("demo-police" -> demo, police) of 3 letters or more.
std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> out;
  std::string id = agency_id(name), word;
  for (char c : id + "-") {
    if (c != '-') {
      word += c;
      continue;
    }
    if (word.size() >= 3) out.push_back(word);
    word.clear();
  }
  return out;
}

}  // namespace

bool valid_agency_name(std::string_view name) { return !name.empty() && name.size() <= kLongestAgencyName; }

bool agency_listed(const std::vector<std::string>& directory, std::string_view agency) {
  return std::find(directory.begin(), directory.end(), agency) != directory.end();
}

std::optional<std::string> listed_spelling(const std::vector<std::string>& directory, std::string_view typed) {
  const std::string id = agency_id(typed);
  if (id.empty()) return std::nullopt;
  for (const auto& name : directory)
    if (agency_id(name) == id) return name;
  return std::nullopt;
}

std::vector<std::string> agencies_matching(const std::vector<std::string>& directory, std::string_view typed) {
  std::string want = lower(typed);
  want.erase(0, want.find_first_not_of(' '));
  want.erase(want.find_last_not_of(' ') + 1);
  std::vector<std::string> out;
  for (const auto& name : directory)
    if (want.empty() || lower(name).find(want) != std::string::npos) out.push_back(name);
  return out;
}

std::vector<std::string> close_agencies(const std::vector<std::string>& directory, std::string_view typed,
                                        std::size_t limit) {
  const std::string id = agency_id(typed);
  std::vector<std::string> out;
  if (id.empty()) return out;
  auto add = [&](const std::string& name) {
    if (out.size() < limit && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const auto& name : directory) {
    std::string other = agency_id(name);
    if (other.find(id) != std::string::npos || id.find(other) != std::string::npos) add(name);
  }
  if (!out.empty()) return out;   // a shared word ("Demo") says less than a contained name
  const auto mine = words_of(typed);
  for (const auto& name : directory)
    for (const auto& w : words_of(name))
      if (std::find(mine.begin(), mine.end(), w) != mine.end()) add(name);
  return out;
}

bool marked_not_listed(const Json& body) {
  auto it = body.find(kAgencyNotListed);
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

void check_challenged_agency(const std::vector<std::string>& directory, const Json& body) {
  if (directory.empty() || marked_not_listed(body)) return;
  const std::string agency = challenged_agency_of(body);
  if (agency_listed(directory, agency)) return;
  std::string message = "'" + agency + "' is not in the Board's list of agencies";
  auto close = close_agencies(directory, agency);
  if (!close.empty()) {
    message += " (did you mean ";
    for (std::size_t i = 0; i < close.size(); ++i)
      message += (i ? (i + 1 == close.size() ? " or '" : ", '") : "'") + close[i] + "'";
    message += "?)";
  }
  message += "; choose the agency from the list, or record it as not in the list so the Board's administrator "
             "is told (the other agency will not see the challenge until the administrator adds it)";
  throw RuleError(RuleError::Category::State, "body.challenged.agency", message);
}

void settle_challenged_agency(const std::vector<std::string>& directory, Json& body) {
  if (!body.is_object()) return;
  const std::string typed = challenged_agency_of(body);
  if (auto spelled = listed_spelling(directory, typed); spelled && body["challenged"].is_object())
    body["challenged"]["agency"] = *spelled;
  if (agency_listed(directory, challenged_agency_of(body))) body.erase(kAgencyNotListed);
  else if (directory.empty() && !typed.empty()) body[kAgencyNotListed] = true;
  check_challenged_agency(directory, body);
}

}  // namespace parley
