// ui/agency_picker.h — the raise screen's "Other agency" field: a type-to-search picker
// over the Board's agency directory as this device last synced it (core/agencies.h).
//
// Model: typing filters the directory (case-insensitive substring) and the matches are
// listed as buttons; choosing one fills the field with the directory's spelling, which is
// the name the office routes the challenge by. "Not in the list" lets the person keep what
// they typed: the opening then carries "agency_not_listed" and the office flags it to the
// Board's administrator. A typed name that is in neither is refused at the field before
// anything is written. With no directory yet (never synced) the field says so and takes
// what is typed; the engine marks it and the office checks it.
#pragma once
#include <string>

namespace parley::ui {

class App;

// What the person chose for the other agency, kept by the App while the raise screen
// is open (reset when a new challenge is started).
struct AgencyPicker {
  bool not_listed = false;   // "Not in the list" was chosen: the typed name is recorded as such
  std::string error;         // shown under the field: why raising was refused
};

// Draws the field, the matching agencies and the "Not in the list" route. `value` is the
// draft's other agency.
void agency_picker(App& app, std::string& value);

// Before raising: true when `value` may be written (listed, chosen as not listed, or no
// directory to check against); puts the directory's spelling in `value`. False sets the
// picker's error, shown at the field.
bool agency_ready(App& app, std::string& value);

}  // namespace parley::ui
