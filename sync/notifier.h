// sync/notifier.h — the office server's sender: plans reminders and missed timescales when
// their time comes, and sends the outbox through a Mailer with retry and backoff.
//
// Model: one background thread. It wakes when a push added outbox rows (ServerStore::
// on_outbox), and otherwise every `interval`; each round asks the store to plan the
// challenges whose wake time has passed, then sends every due row with up to `senders`
// connections at once. Sent → the store records it on the challenge; Retry → the row waits
// `first_backoff` doubling to `max_backoff`; Refused (5xx) → the row stops and waits for a
// person (`admin list-outbox`); a reminder whose deadline has passed is expired, not sent.
// With no SMTP configured nothing is sent and rows wait, pending. The clock is injected.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "sync/mailer.h"
#include "sync/server_store.h"

namespace parley::server {

struct NotifierOptions {
  std::chrono::milliseconds interval{5000};        // how often to look when not woken
  std::int64_t first_backoff_ms = 30'000;          // after a failed attempt; doubles
  std::int64_t max_backoff_ms = 3'600'000;
  int senders = 4;                                 // SMTP connections at once
  std::function<std::int64_t()> now_ms;            // the clock; the system clock when empty
  // Makes the mailer for the configured SMTP settings (tests pass their own); default SmtpMailer.
  std::function<std::unique_ptr<Mailer>(const SmtpSettings&)> make_mailer;
  std::function<void(const std::string&)> log;     // one JSON line per send; default stderr
};

class Notifier {
 public:
  Notifier(ServerStore& store, NotifierOptions options);
  ~Notifier();   // stops the thread
  void start();
  void stop();
  void wake();
  // One round now, on the caller's thread (tests, and `admin send-now`): plans, then sends
  // what is due. Returns the rows sent.
  std::size_t round();

 private:
  std::int64_t now() const;
  std::size_t send_due(const SmtpSettings& smtp);
  void send_one(Mailer& mailer, const OutboxRow& row);
  void send_guarded(Mailer& mailer, const OutboxRow& row);
  void run();
  ServerStore& store_;
  NotifierOptions options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false, stopping_ = false;
  std::thread thread_;
  std::atomic<std::size_t> sent_{0};
};

}  // namespace parley::server
