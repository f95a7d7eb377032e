// core/clock.h — the injected clock and randomness. Core code never reads the system
// time or a global random source directly, so deadlines and ids are testable at pinned
// times and seeds (architecture style rule 6).
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace parley {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;   // UTC milliseconds since the epoch
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override;
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::int64_t ms) : ms_(ms) {}
  std::int64_t now_ms() const override { return ms_; }
  void set(std::int64_t ms) { ms_ = ms; }
  void advance(std::int64_t ms) { ms_ += ms; }
 private:
  std::int64_t ms_;
};

// Source of ids. Seeded from std::random_device by default (crypto.getRandomValues in
// the browser); tests pass a fixed seed.
class IdSource {
 public:
  IdSource();
  explicit IdSource(std::uint64_t seed) : rng_(seed) {}
  std::string hex(int bytes);                 // lower-case hex, 2*bytes characters
  std::string base32(int chars);              // Crockford base32 (no I, L, O, U)
 private:
  std::mt19937_64 rng_;
};

// "YYYY-MM-DDTHH:MM:SSZ" (or with milliseconds) ⇄ UTC ms. Also accepts "YYYY-MM-DD"
// (midnight UK local time) and "YYYY-MM-DDTHH:MM" (UK local time), since that is how a
// practitioner states when something happened. nullopt for anything else.
bool parse_time(const std::string& text, std::int64_t& out_ms);
std::string format_utc(std::int64_t ms);      // "YYYY-MM-DDTHH:MM:SSZ"

}  // namespace parley
