// core/clock.cpp — system clock, id source and time parsing (see clock.h).
#include "core/clock.h"

#include <chrono>
#include <cstdio>

#include "core/calendar.h"

namespace parley {

std::int64_t SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

IdSource::IdSource() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  rng_.seed(seq);
}

std::string IdSource::hex(int bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (int i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng_() & 0xff);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string IdSource::base32(int chars) {
  static const char* digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out;
  for (int i = 0; i < chars; ++i) out.push_back(digits[rng_() & 31]);
  return out;
}

namespace {
bool digits(const std::string& s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

bool parse_time(const std::string& text, std::int64_t& out_ms) {
  auto date = parse_date(text.substr(0, 10));
  if (!date) return false;
  if (text.size() == 10) {
    out_ms = uk_start_of_day_utc_ms(*date);
    return true;
  }
  int hh = 0, mm = 0, ss = 0, ms = 0;
  if (text.size() < 16 || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
      !digits(text, 11, 2, hh) || !digits(text, 14, 2, mm) || hh > 23 || mm > 59)
    return false;
  std::size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(text, pos + 1, 2, ss) || ss > 59) return false;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      if (!digits(text, pos + 1, 3, ms)) return false;
      pos += 4;
    }
  }
  std::int64_t local = (day_number(*date) * 86400 + hh * 3600 + mm * 60 + ss) * 1000 + ms;
  if (pos == text.size()) {
    // UK local time: subtract the offset in force at that local time. Using the offset at
    // the local instant read as UTC is exact except inside the missing/doubled hour.
    out_ms = local - std::int64_t(uk_utc_offset_minutes(local - 3600 * 1000)) * 60000;
    return true;
  }
  if (pos + 1 == text.size() && text[pos] == 'Z') {
    out_ms = local;
    return true;
  }
  return false;
}

std::string format_utc(std::int64_t ms) {
  std::int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);   // floor, without overflow at INT64_MIN
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  Date d = date_from_day_number(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
                int(rem / 3600), int(rem / 60 % 60), int(rem % 60));
  return buf;
}

}  // namespace parley
