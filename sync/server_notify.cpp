// sync/server_notify.cpp — the office server's outbox: which emails each challenge calls
// for (core/notifications.h, asked after every push in the push's own transaction and on
// the sender's timer), who they go to, and the record on the challenge once one is sent.
//
// Exactly-once as far as SMTP allows: each row's key is the trigger's idempotency key and
// the address, UNIQUE in the table, so asking again never adds a second row; a row leaves
// `pending` only in the transaction that records it sent. A crash after the SMTP server
// said 250 but before that commit sends it again with the same Message-ID (the one window
// SMTP leaves open; docs/board.md "Never twice"). Email settings, including the SMTP
// password, live in the 0600 database and are never logged.
#include <sqlite3.h>

#include <algorithm>

#include "core/engine.h"
#include "core/event_rules.h"
#include "core/procedure_rules.h"
#include "core/sha256.h"
#include "sync/server_store_impl.h"

namespace parley::server {
namespace {

constexpr const char* kOutboxColumns =
    "id, key, challenge, rule, address, record_to, subject, body, reason, state, created_at, due_at, expires_at, "
    "next_attempt, attempts, sent_at, last_error, event_id";

OutboxRow read_row(Stmt& s) {
  OutboxRow r;
  r.id = s.i64(0);
  r.key = s.text(1), r.challenge = s.text(2), r.rule = s.text(3), r.address = s.text(4), r.record_to = s.text(5);
  r.subject = s.text(6), r.body = s.text(7), r.reason = s.text(8), r.state = s.text(9);
  r.created_at = s.i64(10), r.due_at = s.i64(11);
  if (!s.is_null(12)) r.expires_at = s.i64(12);
  r.next_attempt = s.i64(13), r.attempts = static_cast<int>(s.i64(14)), r.sent_at = s.i64(15);
  r.last_error = s.text(16), r.event_id = s.text(17);
  return r;
}

// The addresses a recipient names: a Board contact's published (or configured) email; the
// raiser's (the user who pushed the opening); the people of the side's agency whose role
// acts at the stage. Users without an address, and disabled users, get nothing.
std::vector<std::string> addresses(ServerStore::Impl& im, const ChallengeView& v, const Recipient& to) {
  std::vector<std::string> out;
  if (to.kind == Recipient::Kind::Contact) {
    const Contact* c = v.procedure->contact(to.contact);
    if (c && plausible_address(c->email)) out.push_back(c->email);
    return out;
  }
  if (to.kind == Recipient::Kind::Raiser) {
    Stmt s(im.db,
           "SELECT u.email FROM events e JOIN users u ON u.id = e.user_id WHERE e.challenge = ?1 "
           "AND e.kind = 'challenge_opened' AND u.disabled = 0 AND u.email <> ''");
    s.bind(v.state.id);
    if (s.step()) out.push_back(s.text(0));
    return out;
  }
  const Stage* stage = v.procedure->stage(to.stage);
  if (!stage) return out;
  const auto& roles = to.side == "challenged" ? stage->challenged_roles : stage->challenger_roles;
  std::string agency = text_at(v.state.opened_body, to.side.c_str(), "agency");
  Stmt s(im.db, "SELECT email, role FROM users WHERE agency = ?1 AND disabled = 0 AND email <> '' ORDER BY id");
  s.bind(agency);
  while (s.step())
    if (std::find(roles.begin(), roles.end(), s.text(1)) != roles.end()) out.push_back(s.text(0));
  return out;
}

// Writes one row per address of each planned message (or one `no_address` row so the
// administrator sees who could not be told); INSERT OR IGNORE makes asking again harmless.
std::size_t insert_planned(ServerStore::Impl& im, const ChallengeView& v, const std::vector<PlannedMessage>& planned,
                           const std::string& state, std::int64_t now) {
  Stmt ins(im.db,
           "INSERT OR IGNORE INTO outbox(key, challenge, rule, address, record_to, subject, body, reason, state, "
           "created_at, due_at, expires_at, next_attempt) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?10)");
  std::size_t added = 0;
  for (const auto& m : planned) {
    auto to = addresses(im, v, m.to);
    bool none = to.empty();
    if (none) to.push_back("");
    for (const auto& address : to) {
      ins.bind(m.key + "|" + address, v.state.id, m.rule, address.empty() ? m.to.words() : address, m.to.record_to(v),
               m.subject, m.body, m.reason, none && state == "pending" ? "no_address" : state, now, m.due_at,
               m.expires_at)
          .run();
      added += static_cast<std::size_t>(sqlite3_changes(im.db));
    }
  }
  return added;
}

void upsert_board_row(ServerStore::Impl& im, const std::string& challenge, const BoardRow& r) {
  Json missed = r.missed_stages;
  Stmt s(im.db,
         "INSERT INTO board_rows(challenge, procedure, category, challenger, challenged, opened_at, status, ended_at, "
         "stage, working_days, missed, expedited) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
         "ON CONFLICT(challenge) DO UPDATE SET procedure = excluded.procedure, category = excluded.category, "
         "challenger = excluded.challenger, challenged = excluded.challenged, opened_at = excluded.opened_at, "
         "status = excluded.status, ended_at = excluded.ended_at, stage = excluded.stage, "
         "working_days = excluded.working_days, missed = excluded.missed, expedited = excluded.expedited");
  std::optional<std::int64_t> days;
  if (r.working_days_to_resolution) days = *r.working_days_to_resolution;
  s.bind(challenge, r.procedure, r.category, r.challenger_agency, r.challenged_agency, r.opened_at, r.status,
         r.ended_at, r.stage, days, missed.dump(), r.expedited ? 1 : 0)
      .run();
}

// The Board's agency directory (admin add-agency), by agency_id. Emails and the Board's
// rows name agencies from it only: the other agency is whatever a device typed.
std::map<std::string, std::string> directory_of(ServerStore::Impl& im) {
  std::map<std::string, std::string> out;
  Stmt s(im.db, "SELECT name FROM agencies");
  s.bind();
  while (s.step()) out.emplace(agency_id(s.text(0)), s.text(0));
  return out;
}

// Updates a challenge's Board row, plans its messages (as `state`: pending, or skipped for
// the upgrade backfill) and sets when to look again. Returns the outbox rows added.
std::size_t refresh(ServerStore::Impl& im, const std::string& challenge, const ChallengeState& s, std::int64_t now,
                    const std::string& state) {
  const Procedure* p = im.procedures.find(s.procedure);
  if (!s.opened || !p) return 0;
  ChallengeView v = derive(s, *p, now);
  BoardConfig config = board_config_of(im);
  config.messages.directory = directory_of(im);
  BoardRow row = board_row(v);
  for (std::string* a : {&row.challenger_agency, &row.challenged_agency})
    *a = directory_agency(config.messages.directory, *a);
  upsert_board_row(im, challenge, row);
  im.board_changed(challenge, std::move(row));
  std::optional<std::int64_t> wake;
  std::size_t added = insert_planned(im, v, messages_due(v, now, config.messages, &wake), state, now);
  Stmt(im.db, "UPDATE challenges SET wake_at = ?2 WHERE id = ?1").bind(challenge, wake).run();
  return added;
}

// The office's own notification_sent event: after every head of the challenge, signed by
// the office device, and held to the same rules as any pushed event (a body too long, a
// recipient the procedure does not know: RuleError).
Event office_event(ServerStore::Impl& im, const ChallengeState& s, const OutboxRow& row, std::int64_t now) {
  const Procedure* p = im.procedures.find(s.procedure);
  if (!p) throw RuleError(RuleError::Category::State, "challenge", "the challenge's procedure is not on this server");
  Event e;
  e.id = random_hex(16);
  e.challenge = row.challenge;
  e.device = im.office_device;
  Stmt seq(im.db, "SELECT coalesce(max(seq), 0) + 1 FROM events WHERE device = ?1");
  seq.bind(e.device);
  seq.step();
  e.seq = seq.i64(0);
  e.kind = EventKind::NotificationSent;
  e.at = now;
  Hlc last{now, 0};
  for (const auto& h : s.heads)
    if (const Event* pe = s.find(h)) {
      e.parents.push_back(h);
      e.parent_hashes.push_back(pe->hash);
      if (pe->hlc >= last) last = Hlc{pe->hlc.ms, pe->hlc.counter + 1};
    }
  e.hlc = last;
  e.author = Author{"Parley office", "sends the procedure's emails", p->board.name, "board"}.to_json();
  e.body = Json{{"to", row.record_to}, {"reason", row.reason}};
  check_event(s, *p, e.kind, e.body, e.author, e.at);
  e.hash = content_hash(e);
  return e;
}

// Records a sent row on its challenge.
void record_sent(ServerStore::Impl& im, const OutboxRow& row, std::int64_t now) {
  Event e = office_event(im, stored_state(im, row.challenge), row, now);
  im.append_event(e, to_json(e).dump(), now, 0);
  Stmt(im.db, "UPDATE outbox SET event_id = ?2 WHERE id = ?1").bind(row.id, e.id).run();
}

}  // namespace

BoardConfig board_config_of(ServerStore::Impl& im) {
  std::string text = im.meta("board_config");
  return text.empty() ? BoardConfig{} : BoardConfig::from_json(Json::parse(text));
}

std::string OutboxRow::message_id() const { return sha256_hex(key).substr(0, 32) + "@parley"; }

Json BoardConfig::to_json() const {
  return Json{{"email_detail", messages.full_detail ? "full" : "none"},
              {"reminder_working_days", messages.reminder_working_days},
              {"reminder_hour", messages.reminder_hour},
              {"reminder_hours_before", messages.reminder_hours_before},
              {"link", messages.link_base},
              {"suppress_below", stats.suppress_below},
              {"pattern_count", stats.pattern_count},
              {"pattern_window_days", stats.pattern_window_days}};
}

BoardConfig BoardConfig::from_json(const Json& j) {
  BoardConfig c;
  c.messages.full_detail = j.value("email_detail", std::string("none")) == "full";
  c.messages.reminder_working_days = j.value("reminder_working_days", c.messages.reminder_working_days);
  c.messages.reminder_hour = j.value("reminder_hour", c.messages.reminder_hour);
  c.messages.reminder_hours_before = j.value("reminder_hours_before", c.messages.reminder_hours_before);
  c.messages.link_base = j.value("link", std::string());
  c.stats.suppress_below = j.value("suppress_below", c.stats.suppress_below);
  c.stats.pattern_count = j.value("pattern_count", c.stats.pattern_count);
  c.stats.pattern_window_days = j.value("pattern_window_days", c.stats.pattern_window_days);
  return c;
}

std::size_t ServerStore::after_change(const std::string& challenge, const ChallengeState& s, std::int64_t now) {
  return refresh(*impl_, challenge, s, now, "pending");
}

void ServerStore::backfill_board_rows() {
  auto& im = *impl_;
  if (im.meta("board_rows") == "1") return;
  std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  im.transaction([&] {
    std::vector<std::string> ids;
    Stmt s(im.db, "SELECT id FROM challenges");
    s.bind();
    while (s.step()) ids.push_back(s.text(0));
    s.reset();
    for (const auto& id : ids) refresh(im, id, stored_state(im, id), now, "skipped");
    im.set_meta("board_rows", "1");
  });
}

void ServerStore::set_email(const std::string& username, const std::string& address) {
  if (!address.empty() && !plausible_address(address))
    throw ApiError(400, "bad_request", "'" + address + "' is not an email address (name@example.org)");
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt s(impl_->db, "UPDATE users SET email = ?2 WHERE username = ?1");
    s.bind(username, address).run();
    if (sqlite3_changes(impl_->db) == 0) throw ApiError(404, "not_found", "no user '" + username + "'; see list-users");
  });
}

std::string ServerStore::email(const std::string& username) {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, "SELECT email FROM users WHERE username = ?1");
  s.bind(username);
  return s.step() ? s.text(0) : std::string();
}

void ServerStore::set_smtp(const SmtpSettings& c) {
  std::lock_guard lock(mutex_);
  Json j{{"url", c.url}, {"from", c.from}, {"user", c.user}, {"password", c.password}, {"ca_file", c.ca_file},
         {"timeout_seconds", c.timeout_seconds}};
  impl_->transaction([&] { impl_->set_meta("smtp", j.dump()); });
}

std::optional<SmtpSettings> ServerStore::smtp() {
  std::lock_guard lock(mutex_);
  std::string text = impl_->meta("smtp");
  if (text.empty()) return std::nullopt;
  Json j = Json::parse(text);
  SmtpSettings c;
  c.url = j.value("url", ""), c.from = j.value("from", ""), c.user = j.value("user", "");
  c.password = j.value("password", ""), c.ca_file = j.value("ca_file", "");
  c.timeout_seconds = j.value("timeout_seconds", 30);
  return c;
}

BoardConfig ServerStore::board_config() {
  std::lock_guard lock(mutex_);
  return board_config_of(*impl_);
}

void ServerStore::set_board_config(const BoardConfig& config) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] { impl_->set_meta("board_config", config.to_json().dump()); });
}

std::size_t ServerStore::plan_due(std::int64_t now, std::size_t max_challenges) {
  std::size_t looked = 0;
  {
    std::lock_guard lock(mutex_);
    auto& im = *impl_;
    im.transaction([&] {
      std::vector<std::string> ids;
      Stmt s(im.db, "SELECT id FROM challenges WHERE wake_at IS NOT NULL AND wake_at <= ?1 ORDER BY wake_at LIMIT ?2");
      s.bind(now, static_cast<std::int64_t>(max_challenges));
      while (s.step()) ids.push_back(s.text(0));
      s.reset();
      for (const auto& id : ids) refresh(im, id, stored_state(im, id), now, "pending");
      looked = ids.size();
    });
  }
  return looked;
}

std::vector<OutboxRow> ServerStore::due_outbox(std::int64_t now, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, (std::string("SELECT ") + kOutboxColumns +
                     " FROM outbox WHERE state = 'pending' AND next_attempt <= ?1 ORDER BY next_attempt, id LIMIT ?2")
                        .c_str());
  s.bind(now, static_cast<std::int64_t>(limit));
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

// The row is marked sent first, and the record on the challenge is a savepoint of its own:
// whatever stops the record (a rule, a bad body) can never leave the row pending, which
// would send the email again on every round.
void ServerStore::mark_sent(std::int64_t id, const std::string& detail, std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto& im = *impl_;
  im.transaction([&] {
    Stmt get(im.db, (std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?1 AND state = 'pending'").c_str());
    get.bind(id);
    if (!get.step()) return;   // already recorded (a second sender, or a retry after a crash)
    OutboxRow row = read_row(get);
    get.reset();
    Stmt(im.db, "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = ?3 WHERE id = ?1")
        .bind(id, now, detail)
        .run();
    try {
      im.transaction([&] { record_sent(im, row, now); });
    } catch (const std::exception& e) {   // sent all the same; say why it is not on the challenge
      Stmt(im.db, "UPDATE outbox SET last_error = ?2 WHERE id = ?1")
          .bind(id, detail + "; not recorded on the challenge: " + e.what())
          .run();
    }
  });
}

void ServerStore::mark_failed(std::int64_t id, bool permanent, const std::string& detail, std::int64_t retry_after_ms,
                              std::int64_t now) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt s(impl_->db,
           "UPDATE outbox SET state = CASE WHEN ?2 THEN 'refused' ELSE state END, attempts = attempts + 1, "
           "last_error = ?3, next_attempt = ?4 WHERE id = ?1 AND state = 'pending'");
    s.bind(id, permanent ? 1 : 0, detail, now + retry_after_ms).run();
  });
}

void ServerStore::mark_expired(std::int64_t id, std::int64_t now) {
  std::lock_guard lock(mutex_);
  impl_->transaction([&] {
    Stmt s(impl_->db,
           "UPDATE outbox SET state = 'expired', last_error = 'the deadline it reminded of has passed', sent_at = ?2 "
           "WHERE id = ?1 AND state = 'pending'");
    s.bind(id, now).run();
  });
}

std::vector<OutboxRow> ServerStore::outbox(const std::string& state, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Stmt s(impl_->db, (std::string("SELECT ") + kOutboxColumns +
                     " FROM outbox WHERE ?1 = '' OR state = ?1 ORDER BY id DESC LIMIT ?2")
                        .c_str());
  s.bind(state, static_cast<std::int64_t>(limit));
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

void ServerStore::on_outbox(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_sender_ = std::move(wake);
}

}  // namespace parley::server
