// ui/agency_picker.cpp — the type-to-search picker for the other agency (see agency_picker.h).
#include "ui/agency_picker.h"

#include "core/agencies.h"
#include "ui/app.h"
#include "ui/widgets.h"

namespace parley::ui {
namespace {

// More than this many matches: the list says to keep typing rather than grow past a screen.
constexpr std::size_t kMostShown = 8;

std::string in_quotes(const std::string& s) { return "\u201c" + s + "\u201d"; }

}  // namespace

void agency_picker(App& app, std::string& value) {
  AgencyPicker& pick = app.agency_picker;
  const std::vector<std::string>& directory = app.agencies();
  if (input_text("Other agency", value, false, directory.empty() ? nullptr : "Type to search the Board's list"))
    pick.error.clear();
  if (!pick.error.empty()) warning(pick.error);
  if (directory.empty()) {
    muted("Sync once to load the Board's list of agencies. Until then, type the agency's name as the Board "
          "names it: Parley notes that it could not check it, and the office checks it when you sync.");
    return;
  }
  if (pick.not_listed) {
    warning("Not in the Board's list: this challenge will be flagged to the Board's administrator, and " +
            (value.empty() ? std::string("the other agency") : in_quotes(value)) +
            " will not see it until the administrator adds it.");
    if (button("Choose from the list instead##agency", false, -1)) pick.not_listed = false;
    return;
  }
  if (auto spelled = listed_spelling(directory, value); spelled && *spelled == value) {
    muted("From the Board's list of agencies.");
    return;
  }
  std::vector<std::string> matches = agencies_matching(directory, value);
  if (matches.empty()) text("No agency in the Board's list matches " + in_quotes(value) + ".");
  for (std::size_t i = 0; i < matches.size() && i < kMostShown; ++i)
    if (button((matches[i] + "##agency").c_str(), false, -1)) {
      value = matches[i];
      pick.error.clear();
    }
  if (matches.size() > kMostShown)
    muted(std::to_string(matches.size() - kMostShown) + " more: keep typing to narrow the list.");
  if (button("Not in the list##agency", false, -1)) {
    pick.not_listed = true;
    pick.error.clear();
  }
}

bool agency_ready(App& app, std::string& value) {
  AgencyPicker& pick = app.agency_picker;
  const std::vector<std::string>& directory = app.agencies();
  if (directory.empty() || pick.not_listed || value.empty()) return true;   // the engine says what is missing
  if (auto spelled = listed_spelling(directory, value)) {
    value = *spelled;
    return true;
  }
  pick.error = in_quotes(value) + " is not in the Board's list of agencies. Choose the agency from the list below, "
               "or choose \u201cNot in the list\u201d to record it as typed.";
  app.set_error("Other agency: " + pick.error);
  return false;
}

}  // namespace parley::ui
