// core/agencies.h — the Board's agency directory and the one rule about it: a challenge
// names the other agency as the directory names it, or says plainly that it is not listed.
//
// Model: the office server holds the Board's directory (`parley-server admin add-agency`)
// and routes a challenge to the feed of each agency named in it, by exact name: a
// challenge raised against "Police" when the directory says "Demo Police" reaches no one.
// Devices keep a copy of the directory (core/store.h `agencies`, synced by sync/client.h),
// so a person chooses the other agency from it, offline too. An opening that names an
// agency not in the directory must say so: its body carries "agency_not_listed": true
// (kAgencyNotListed). The office server checks every pushed opening with
// check_challenged_agency against its own directory, refuses an unlisted one without the
// marker, and flags a marked one to the Board's administrator (docs/board.md).
//
// Names are compared exactly (the server's feeds are keyed by the exact name); only
// listed_spelling forgives case and spacing, so a device can put the directory's own
// spelling in the event before writing it.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace parley {

// The opening's body key that says the other agency is not in the Board's directory.
inline constexpr const char* kAgencyNotListed = "agency_not_listed";

// The directory's limits, checked where a name enters it (parley-server admin add-agency)
// and where a device takes a copy from the wire (sync/client.cpp): a name is 1 to 200
// bytes; a directory has at most 1,000 names; its version is 1 to 64 characters.
inline constexpr std::size_t kLongestAgencyName = 200, kMostAgencies = 1000, kLongestDirectoryVersion = 64;
bool valid_agency_name(std::string_view name);

// True when `agency` is one of `directory`'s names, exactly.
bool agency_listed(const std::vector<std::string>& directory, std::string_view agency);

// The directory's own spelling of `typed` when it names a listed agency but for case and
// spacing ("demo  police" -> "Demo Police", by agency_id); none otherwise.
std::optional<std::string> listed_spelling(const std::vector<std::string>& directory, std::string_view typed);

// The directory's names containing `typed` (case-insensitive, ASCII), in directory order;
// every name when `typed` is blank. For the type-to-search picker.
std::vector<std::string> agencies_matching(const std::vector<std::string>& directory, std::string_view typed);

// Up to `limit` names a person probably meant by `typed`: those containing it or contained
// in it (by agency_id); when there are none, those sharing a word of 3 letters or more with
// it. For refusal messages.
std::vector<std::string> close_agencies(const std::vector<std::string>& directory, std::string_view typed,
                                        std::size_t limit = 3);

// The opening's body says its other agency is not listed ("agency_not_listed": true).
bool marked_not_listed(const Json& opening_body);

// The rule. Passes when `directory` is empty (nothing to check against), when the opening's
// challenged agency is listed, or when the opening is marked as naming an unlisted agency.
// Otherwise throws RuleError (State, field "body.challenged.agency") whose message names
// close matches and says how to record it as not listed.
void check_challenged_agency(const std::vector<std::string>& directory, const Json& opening_body);

// What a device does to an opening before writing it: the challenged agency takes the
// directory's spelling when it differs only in case or spacing; a listed agency carries no
// marker; with no directory yet (never synced) an agency cannot be checked, so the opening
// is marked and the office server decides (a listed name is not flagged). Then
// check_challenged_agency. Throws RuleError as it does.
void settle_challenged_agency(const std::vector<std::string>& directory, Json& opening_body);

}  // namespace parley
