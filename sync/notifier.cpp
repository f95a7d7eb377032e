// sync/notifier.cpp — the office server's sender thread (see notifier.h).
#include "sync/notifier.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "core/clock.h"

namespace parley::server {

Notifier::Notifier(ServerStore& store, NotifierOptions options) : store_(store), options_(std::move(options)) {
  if (!options_.make_mailer)
    options_.make_mailer = [](const SmtpSettings& s) { return std::unique_ptr<Mailer>(new SmtpMailer(s)); };
  if (!options_.log) options_.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  options_.senders = std::max(1, options_.senders);
}

Notifier::~Notifier() { stop(); }

std::int64_t Notifier::now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Notifier::start() {
  store_.on_outbox([this] { wake(); });
  thread_ = std::thread([this] { run(); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  store_.on_outbox({});
  cv_.notify_all();
  thread_.join();
}

void Notifier::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Notifier::run() {
  for (;;) {
    try {
      round();
    } catch (const std::exception& e) {   // a failed round must not end the sender; say so and go on
      options_.log(Json{{"time", format_utc(now())}, {"notifier", "round failed"}, {"error", e.what()}}.dump());
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, options_.interval, [this] { return woken_ || stopping_; });
    if (stopping_) return;
    woken_ = false;
  }
}

std::size_t Notifier::round() {
  while (store_.plan_due(now()) > 0) {
  }
  auto smtp = store_.smtp();
  if (!smtp) return 0;   // not configured: rows wait, pending
  return send_due(*smtp);
}

// Sends every due row, `senders` at a time, each sender with its own mailer (connection).
std::size_t Notifier::send_due(const SmtpSettings& smtp) {
  std::size_t before = sent_;
  std::set<std::int64_t> tried;   // each row once a round, even if its outcome could not be stored
  for (;;) {
    auto due = store_.due_outbox(now(), 200);
    std::vector<OutboxRow> rows;
    for (auto& r : due)
      if (tried.insert(r.id).second) rows.push_back(std::move(r));
    if (rows.empty()) break;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      auto mailer = options_.make_mailer(smtp);
      for (std::size_t i = next++; i < rows.size(); i = next++) send_guarded(*mailer, rows[i]);
    };
    std::vector<std::thread> pool;
    for (int k = 1; k < options_.senders && k < static_cast<int>(rows.size()); ++k) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (due.size() < 200) break;
  }
  return sent_ - before;
}

// On a sender thread an escaping exception would end the server: a row whose outcome
// cannot be stored (the database failing) is logged and tried again next round.
void Notifier::send_guarded(Mailer& mailer, const OutboxRow& row) {
  try {
    send_one(mailer, row);
  } catch (const std::exception& e) {
    options_.log(Json{{"time", format_utc(now())}, {"outbox", row.id}, {"notifier", "outcome not stored"},
                      {"error", e.what()}}
                     .dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

void Notifier::send_one(Mailer& mailer, const OutboxRow& row) {
  std::int64_t t = now();
  if (row.expires_at && t >= *row.expires_at) return store_.mark_expired(row.id, t);
  SendResult r;
  try {
    r = mailer.send({row.address, row.subject, row.body, row.message_id()}, t);
  } catch (const std::exception& e) {   // a message that cannot be formed will never be accepted
    r = {SendResult::Outcome::Refused, e.what()};
  }
  std::int64_t done = now();
  Json line{{"time", format_utc(done)}, {"outbox", row.id}, {"challenge", row.challenge}, {"rule", row.rule},
            {"attempt", row.attempts + 1}, {"lag_ms", done - row.due_at}};
  if (r.outcome == SendResult::Outcome::Sent) {
    store_.mark_sent(row.id, r.detail, done);
    ++sent_;
    line["result"] = "sent";
  } else {
    std::int64_t wait = options_.first_backoff_ms << std::min(row.attempts, 20);
    wait = std::min(wait, options_.max_backoff_ms);
    bool permanent = r.outcome == SendResult::Outcome::Refused;
    store_.mark_failed(row.id, permanent, r.detail, wait, done);
    line["result"] = permanent ? "refused" : "retry";
    line["detail"] = r.detail;
  }
  options_.log(line.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace parley::server
