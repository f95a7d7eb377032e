// core/notifications.h — which email messages a challenge calls for, and their words.
//
// Model: a procedure's message rules (its stages' `notifications`, its own `messages`, and
// the reminders every procedure gets) are read against a challenge's derived view at a
// moment `now`. Each rule whose moment has come gives one PlannedMessage with a stable
// `key`: the same trigger always gives the same key, however often it is asked, so the
// office server can write "INSERT OR IGNORE" into its outbox in the same transaction as the
// event that triggered it, re-ask after every push and on a timer, and never send twice.
// Recipients are named abstractly here (a Board contact, the people acting at a stage on
// either side, the person who raised the challenge); the server turns them into addresses.
// What the email may say follows the Board's setting: by default no subject name and no
// free text, only categories, stages, dates and a link (docs/board.md "What an email says").
// Pure: no clock, no I/O (the office server in sync/server_notify.cpp is the caller).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.h"

namespace parley {

// The Board's settings for messages (kept by the office server; `admin board-settings`).
struct MessageSettings {
  bool full_detail = false;        // true: the subject's name and the summary may be emailed
  int reminder_working_days = 1;   // a reminder this many working days before a day-based deadline
  int reminder_hour = 8;           //   at this hour, UK time
  int reminder_hours_before = 12;  // and this long before an hours-based one (Milton Keynes' 48 hours)
  std::string link_base;           // "https://parley.example.org" (the client's address); "" = none
  // The Board's agency directory (agency_id -> name). A device may type anything as the
  // other agency, so an agency not in it is emailed as "an agency not in the Board's
  // directory", never as typed. Empty: no directory, agencies as typed.
  std::map<std::string, std::string> directory;
};

// An agency as the Board's directory names it, or "an agency not in the Board's directory"
// (the office server's emails and Board rows).
std::string directory_agency(const std::map<std::string, std::string>& directory, const std::string& typed);

// Who a message is for, before it has an address.
struct Recipient {
  enum class Kind { Contact, Raiser, Acting } kind = Kind::Contact;
  std::string contact;             // Contact: the procedure contact's id
  std::string side;                // Acting: "challenger", "challenged" or "" for both
  int stage = 0;                   // Acting: the stage whose people act
  // The notification_sent event's `to` when the message is recorded: the contact id, the
  // raiser's name, or the agency.
  std::string record_to(const ChallengeView& view) const;
  std::string words() const;       // "contact business-unit", "the raiser", "acting at stage 2 (challenger)"
};

struct PlannedMessage {
  std::string key;                 // idempotency key: "<challenge>/<rule>/<trigger>"
  std::string rule;                // the rule's id
  std::int64_t due_at = 0;         // when the trigger happened (or the reminder falls due), UTC ms
  std::optional<std::int64_t> expires_at;   // a reminder is pointless after the deadline it is for
  Recipient to;
  std::string subject, body;       // plain text, UTF-8
  std::string reason;              // the recorded notification's reason: what was asked, and why
};

// Every message the challenge calls for as of `now`, with triggers at or before `now`.
// `next_wake` (if given) receives the earliest later moment a reminder or a missed
// timescale would add a message (none when nothing is pending).
std::vector<PlannedMessage> messages_due(const ChallengeView& view, std::int64_t now, const MessageSettings& settings,
                                         std::optional<std::int64_t>* next_wake = nullptr,
                                         const Calendar& calendar = Calendar::builtin());

}  // namespace parley
