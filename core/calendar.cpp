// core/calendar.cpp — working-day calendar for the three UK bank-holiday regions
// (interface and model in core/calendar.h; data format in core/data/README.md; rules and
// counting convention for administrators in docs/calendar.md).
//
// Model: dates are proleptic Gregorian civil dates counted as days since 1970-01-01
// (Howard Hinnant's days_from_civil, valid far beyond any year we use). Holidays for a
// year come from the data when the year is covered, otherwise from rule_holidays(). For
// speed a Calendar keeps a per-day byte index (one bit per region) so counting working
// days is a table walk with no allocation; see Calendar::build_index.
#include "core/calendar.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/embedded.h"

namespace parley {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kMsPerHour = 3'600'000;

// Rule years kept in a Calendar's index besides its data years (see header).
constexpr int kIndexFirstRuleYear = 1970;
constexpr int kIndexLastRuleYear = 2199;

// Floor division for possibly negative millisecond counts (times before 1970).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : kDays[m - 1];
}

int region_index(Region r) { return static_cast<int>(r); }

// The n-th (1-based) given weekday of a month, or with n == -1 the last one.
Date nth_weekday(int year, int month, int wd, int n) {
  if (n > 0) {
    Date first{year, month, 1};
    int delta = (wd - weekday(first) + 7) % 7;
    return add_days(first, delta + 7 * (n - 1));
  }
  Date last{year, month, days_in_month(year, month)};
  int delta = (weekday(last) - wd + 7) % 7;
  return add_days(last, -delta);
}

bool is_weekend(const Date& d) { return weekday(d) >= 5; }

// A fixed-date holiday; on a weekend it moves to the following Monday as a substitute day
// (the gov.uk rule for St Andrew's, St Patrick's and the Boyne).
void add_fixed_with_monday_substitute(std::vector<Holiday>& out, Date d, const char* name) {
  int wd = weekday(d);
  if (wd < 5) {
    out.push_back({d, name, false, false});
  } else {
    out.push_back({add_days(d, 7 - wd), std::string(name) + " (substitute day)", true, false});
  }
}

Holiday plain(Date d, const char* name) { return {d, name, false, false}; }
Holiday substitute(Date d, const char* name) {
  return {d, std::string(name) + " (substitute day)", true, false};
}

void add_new_year(std::vector<Holiday>& out, Region r, int year) {
  const Date jan1{year, 1, 1};
  const int wd = weekday(jan1);
  if (r != Region::Scotland) {
    if (wd == 5) out.push_back(substitute({year, 1, 3}, "New Year's Day"));
    else if (wd == 6) out.push_back(substitute({year, 1, 2}, "New Year's Day"));
    else out.push_back(plain(jan1, "New Year's Day"));
    return;
  }
  // Scotland has 1 and 2 January; gov.uk lists the weekend cases as below (2021, 2022,
  // 2023, 2027 in the published data follow exactly this pattern).
  switch (wd) {
    case 4:  // Fri 1, Sat 2 -> Mon 4
      out.push_back(plain(jan1, "New Year's Day"));
      out.push_back(substitute({year, 1, 4}, "2nd January"));
      break;
    case 5:  // Sat 1, Sun 2 -> Mon 3, Tue 4
      out.push_back(substitute({year, 1, 3}, "New Year's Day"));
      out.push_back(substitute({year, 1, 4}, "2nd January"));
      break;
    case 6:  // Sun 1, Mon 2 -> Mon 2 (New Year's substitute), Tue 3 (2nd January's)
      out.push_back(substitute({year, 1, 2}, "New Year's Day"));
      out.push_back(substitute({year, 1, 3}, "2nd January"));
      break;
    default:
      out.push_back(plain(jan1, "New Year's Day"));
      out.push_back(plain({year, 1, 2}, "2nd January"));
  }
}

void add_christmas(std::vector<Holiday>& out, int year) {
  const Date xmas{year, 12, 25};
  switch (weekday(xmas)) {
    case 4:  // Fri 25, Sat 26 -> Boxing Day on Mon 28
      out.push_back(plain(xmas, "Christmas Day"));
      out.push_back(substitute({year, 12, 28}, "Boxing Day"));
      break;
    case 5:  // Sat 25, Sun 26 -> Mon 27, Tue 28
      out.push_back(substitute({year, 12, 27}, "Christmas Day"));
      out.push_back(substitute({year, 12, 28}, "Boxing Day"));
      break;
    case 6:  // Sun 25, Mon 26 -> Boxing Day keeps Mon 26, Christmas moves to Tue 27
      out.push_back(plain({year, 12, 26}, "Boxing Day"));
      out.push_back(substitute({year, 12, 27}, "Christmas Day"));
      break;
    default:
      out.push_back(plain(xmas, "Christmas Day"));
      out.push_back(plain({year, 12, 26}, "Boxing Day"));
  }
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

constexpr std::array<Region, 3> kRegions = {Region::EnglandAndWales, Region::Scotland,
                                            Region::NorthernIreland};

}  // namespace

// ---------------------------------------------------------------------------------------
// Dates

std::optional<Date> parse_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t pos, std::size_t len, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  Date d;
  if (!digits(0, 4, d.year) || !digits(5, 2, d.month) || !digits(8, 2, d.day)) {
    return std::nullopt;
  }
  if (d.year < 1 || d.month < 1 || d.month > 12) return std::nullopt;
  if (d.day < 1 || d.day > days_in_month(d.year, d.month)) return std::nullopt;
  return d;
}

std::string to_string(const Date& d) {
  char buf[16];
  auto put = [&](int pos, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, d.year, 4);
  buf[4] = '-';
  put(5, d.month, 2);
  buf[7] = '-';
  put(8, d.day, 2);
  return std::string(buf, 10);
}

std::int64_t day_number(const Date& d) {
  // days_from_civil (H. Hinnant): eras of 400 years starting 1 March.
  const std::int64_t y = static_cast<std::int64_t>(d.year) - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date date_from_day_number(std::int64_t n) {
  n += 719468;
  const std::int64_t era = (n >= 0 ? n : n - 146096) / 146097;
  const std::int64_t doe = n - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return {year, month, day};
}

int weekday(const Date& d) {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  std::int64_t w = (day_number(d) + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

Date add_days(const Date& d, int n) { return date_from_day_number(day_number(d) + n); }

std::string weekday_short(const Date& d) {
  static constexpr const char* kNames[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return kNames[weekday(d)];
}

std::string month_short(int month) {
  static constexpr const char* kNames[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (month < 1 || month > 12) {
    throw std::out_of_range("month_short: month " + std::to_string(month) + " is not 1..12");
  }
  return kNames[month - 1];
}

// ---------------------------------------------------------------------------------------
// Regions

std::optional<Region> parse_region(std::string_view text) {
  if (text == "england-and-wales") return Region::EnglandAndWales;
  if (text == "scotland") return Region::Scotland;
  if (text == "northern-ireland") return Region::NorthernIreland;
  return std::nullopt;
}

std::string to_string(Region r) {
  switch (r) {
    case Region::EnglandAndWales: return "england-and-wales";
    case Region::Scotland: return "scotland";
    case Region::NorthernIreland: return "northern-ireland";
  }
  return "unknown-region";
}

// ---------------------------------------------------------------------------------------
// Rules

Date easter_sunday(int year) {
  // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
  const int a = year % 19;
  const int b = year / 100, c = year % 100;
  const int d = b / 4, e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return {year, month, day};
}

std::vector<Holiday> rule_holidays(Region r, int year) {
  constexpr int kMonday = 0;
  std::vector<Holiday> out;
  out.reserve(12);
  add_new_year(out, r, year);
  if (r == Region::NorthernIreland) {
    add_fixed_with_monday_substitute(out, {year, 3, 17}, "St Patrick's Day");
  }
  const Date easter = easter_sunday(year);
  out.push_back(plain(add_days(easter, -2), "Good Friday"));
  if (r != Region::Scotland) out.push_back(plain(add_days(easter, 1), "Easter Monday"));
  out.push_back(plain(nth_weekday(year, 5, kMonday, 1), "Early May bank holiday"));
  out.push_back(plain(nth_weekday(year, 5, kMonday, -1), "Spring bank holiday"));
  if (r == Region::NorthernIreland) {
    add_fixed_with_monday_substitute(out, {year, 7, 12}, "Battle of the Boyne (Orangemen's Day)");
  }
  if (r == Region::Scotland) {
    out.push_back(plain(nth_weekday(year, 8, kMonday, 1), "Summer bank holiday"));
    add_fixed_with_monday_substitute(out, {year, 11, 30}, "St Andrew's Day");
  } else {
    out.push_back(plain(nth_weekday(year, 8, kMonday, -1), "Summer bank holiday"));
  }
  add_christmas(out, year);
  std::stable_sort(out.begin(), out.end(),
                   [](const Holiday& x, const Holiday& y) { return x.date < y.date; });
  return out;
}

// ---------------------------------------------------------------------------------------
// Calendar

const Calendar& Calendar::builtin() {
  // Immutable after first use; C++ guarantees thread-safe initialisation.
  static const Calendar cal = [] {
    const std::string_view path = "core/data/holidays.json";
    const std::string_view text = embedded_file(path);
    if (text.empty()) {
      throw std::runtime_error("shipped holiday data " + std::string(path) + " is not embedded");
    }
    try {
      return from_json(text);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("shipped holiday data " + std::string(path) +
                               " is corrupt: " + e.what());
    }
  }();
  return cal;
}

Calendar Calendar::from_json(std::string_view json_text) {
  using nlohmann::json;
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {   // parse_error, or out_of_range for a number like 1e456
    throw std::invalid_argument(std::string("holiday data is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) bad("(top level)", "expected an object");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    static constexpr std::array<std::string_view, 6> kKnown = {
        "format", "version", "first_year", "last_year", "source", "regions"};
    if (std::find(kKnown.begin(), kKnown.end(), it.key()) == kKnown.end()) {
      bad(it.key(), "unknown field");
    }
  }
  auto need = [&](const char* key) -> const json& {
    auto it = doc.find(key);
    if (it == doc.end()) bad(key, "missing");
    return *it;
  };
  const json& format = need("format");
  if (!format.is_string() || format.get<std::string>() != "parley-holidays") {
    bad("format", "expected \"parley-holidays\", got " + format.dump());
  }
  const json& version = need("version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != 1) {
    bad("version", "expected 1, got " + version.dump());
  }
  auto year_field = [&](const char* key) {
    const json& v = need(key);
    if (!v.is_number_integer()) bad(key, "expected an integer year, got " + v.dump());
    const std::int64_t y = v.get<std::int64_t>();
    if (y < 1900 || y > 2999) bad(key, std::to_string(y) + " is not a year in 1900..2999");
    return static_cast<int>(y);
  };
  Calendar cal;
  cal.first_year_ = year_field("first_year");
  cal.last_year_ = year_field("last_year");
  if (cal.last_year_ < cal.first_year_) {
    bad("last_year", std::to_string(cal.last_year_) + " is before first_year " +
                         std::to_string(cal.first_year_));
  }
  if (auto it = doc.find("source"); it != doc.end() && !it->is_string()) {
    bad("source", "expected a string");
  }
  const json& regions = need("regions");
  if (!regions.is_object()) bad("regions", "expected an object keyed by region");
  for (auto it = regions.begin(); it != regions.end(); ++it) {
    if (!parse_region(it.key())) {
      bad("regions." + it.key(),
          "unknown region (expected england-and-wales, scotland, northern-ireland)");
    }
  }
  for (Region r : kRegions) {
    const std::string rname = to_string(r);
    const std::string rpath = "regions." + rname;
    auto rit = regions.find(rname);
    if (rit == regions.end()) bad(rpath, "missing");
    if (!rit->is_array()) bad(rpath, "expected an array of holidays");
    std::vector<Holiday>& list = cal.data_[region_index(r)];
    std::vector<bool> year_seen(static_cast<std::size_t>(cal.last_year_ - cal.first_year_ + 1));
    for (std::size_t i = 0; i < rit->size(); ++i) {
      const json& e = (*rit)[i];
      const std::string ep = rpath + "[" + std::to_string(i) + "]";
      if (!e.is_object()) bad(ep, "expected an object with date and name");
      for (auto f = e.begin(); f != e.end(); ++f) {
        if (f.key() != "date" && f.key() != "name" && f.key() != "substitute" &&
            f.key() != "one_off") {
          bad(ep + "." + f.key(), "unknown field");
        }
      }
      Holiday h;
      auto dit = e.find("date");
      if (dit == e.end()) bad(ep + ".date", "missing");
      if (!dit->is_string()) bad(ep + ".date", "expected a \"YYYY-MM-DD\" string");
      const std::string ds = dit->get<std::string>();
      auto parsed = parse_date(ds);
      if (!parsed) bad(ep + ".date", "'" + ds + "' is not a real date (YYYY-MM-DD)");
      h.date = *parsed;
      if (h.date.year < cal.first_year_ || h.date.year > cal.last_year_) {
        bad(ep + ".date", "'" + ds + "' is outside first_year..last_year (" +
                              std::to_string(cal.first_year_) + ".." +
                              std::to_string(cal.last_year_) + ")");
      }
      if (is_weekend(h.date)) {
        bad(ep + ".date", "'" + ds + "' is a " + weekday_short(h.date) +
                              "; list the weekday it is observed on (a substitute day)");
      }
      if (!list.empty() && !(list.back().date < h.date)) {
        bad(ep + ".date", "'" + ds + "' is not after the previous entry '" +
                              to_string(list.back().date) + "' (entries must be sorted, no duplicates)");
      }
      auto nit = e.find("name");
      if (nit == e.end()) bad(ep + ".name", "missing");
      if (!nit->is_string() || nit->get<std::string>().empty()) {
        bad(ep + ".name", "expected a non-empty string");
      }
      h.name = nit->get<std::string>();
      for (const char* flag : {"substitute", "one_off"}) {
        auto fit = e.find(flag);
        if (fit == e.end()) continue;
        if (!fit->is_boolean()) bad(ep + "." + flag, "expected true or false, got " + fit->dump());
        (std::string_view(flag) == "substitute" ? h.substitute : h.one_off) = fit->get<bool>();
      }
      year_seen[static_cast<std::size_t>(h.date.year - cal.first_year_)] = true;
      list.push_back(std::move(h));
    }
    for (int y = cal.first_year_; y <= cal.last_year_; ++y) {
      if (!year_seen[static_cast<std::size_t>(y - cal.first_year_)]) {
        bad(rpath, "no holidays in " + std::to_string(y) +
                       " (every year first_year..last_year must be listed)");
      }
    }
  }
  cal.build_index();
  return cal;
}

void Calendar::build_index() {
  const int first = std::min(first_year_, kIndexFirstRuleYear);
  const int last = std::max(last_year_, kIndexLastRuleYear);
  index_first_day_ = day_number({first, 1, 1});
  const std::int64_t end = day_number({last + 1, 1, 1});
  index_.assign(static_cast<std::size_t>(end - index_first_day_), 0);
  // Weekends: every region.
  for (std::int64_t d = index_first_day_; d < end; ++d) {
    std::int64_t w = (d + 3) % 7;
    if (w < 0) w += 7;
    if (w >= 5) index_[static_cast<std::size_t>(d - index_first_day_)] = 0x7;
  }
  for (Region r : kRegions) {
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << region_index(r));
    for (int y = first; y <= last; ++y) {
      for (const Holiday& h : holidays(r, y)) {
        index_[static_cast<std::size_t>(day_number(h.date) - index_first_day_)] |= bit;
      }
    }
  }
}

bool Calendar::non_working(Region r, std::int64_t day) const {
  const std::int64_t i = day - index_first_day_;
  if (i >= 0 && i < static_cast<std::int64_t>(index_.size())) {
    return (index_[static_cast<std::size_t>(i)] >> region_index(r)) & 1u;
  }
  // Outside the index (or no index): slow path, allocates.
  const Date d = date_from_day_number(day);
  if (is_weekend(d)) return true;
  for (const Holiday& h : holidays(r, d.year)) {
    if (h.date == d) return true;
  }
  return false;
}

std::vector<Holiday> Calendar::holidays(Region r, int year) const {
  if (year >= first_year_ && year <= last_year_) {
    const auto& list = data_[region_index(r)];
    auto lo = std::lower_bound(list.begin(), list.end(), Date{year, 1, 1},
                               [](const Holiday& h, const Date& d) { return h.date < d; });
    auto hi = std::lower_bound(lo, list.end(), Date{year + 1, 1, 1},
                               [](const Holiday& h, const Date& d) { return h.date < d; });
    return std::vector<Holiday>(lo, hi);
  }
  return rule_holidays(r, year);
}

bool Calendar::is_holiday(Region r, const Date& d) const {
  return !is_weekend(d) && non_working(r, day_number(d));
}

bool Calendar::is_working_day(Region r, const Date& d) const {
  return !non_working(r, day_number(d));
}

Date Calendar::add_working_days(Region r, const Date& from, int n) const {
  if (n < 0) {
    throw std::invalid_argument("add_working_days: n must be >= 0, got " + std::to_string(n));
  }
  std::int64_t day = day_number(from);
  while (n > 0) {
    ++day;
    if (!non_working(r, day)) --n;
  }
  return date_from_day_number(day);
}

int Calendar::working_days_between(Region r, const Date& a, const Date& b) const {
  const std::int64_t end = day_number(b);
  int count = 0;
  for (std::int64_t day = day_number(a) + 1; day <= end; ++day) {
    if (!non_working(r, day)) ++count;
  }
  return count;
}

std::vector<Holiday> Calendar::holidays_between(Region r, const Date& a, const Date& b) const {
  std::vector<Holiday> out;
  if (!(a < b)) return out;
  for (int y = a.year; y <= b.year; ++y) {
    for (Holiday& h : holidays(r, y)) {
      if (a < h.date && h.date <= b) out.push_back(std::move(h));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// UK civil time: BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
// Sunday of October (Summer Time Order 2002 pattern, in force since 1981 in this form).

int uk_utc_offset_minutes(std::int64_t utc_ms) {
  const Date d = date_from_day_number(floor_div(utc_ms, kMsPerDay));
  constexpr int kSunday = 6;
  const std::int64_t start =
      day_number(nth_weekday(d.year, 3, kSunday, -1)) * kMsPerDay + kMsPerHour;
  const std::int64_t end =
      day_number(nth_weekday(d.year, 10, kSunday, -1)) * kMsPerDay + kMsPerHour;
  return (utc_ms >= start && utc_ms < end) ? 60 : 0;
}

Date uk_local_date(std::int64_t utc_ms) {
  const std::int64_t local = utc_ms + uk_utc_offset_minutes(utc_ms) * std::int64_t{60'000};
  return date_from_day_number(floor_div(local, kMsPerDay));
}

std::int64_t uk_start_of_day_utc_ms(const Date& d) {
  // Local midnight is never inside a transition (they happen at 01:00 UTC), so it is
  // either 23:00 UTC the day before (BST in force then) or 00:00 UTC (GMT).
  const std::int64_t midnight_utc = day_number(d) * kMsPerDay;
  const std::int64_t if_bst = midnight_utc - kMsPerHour;
  return uk_utc_offset_minutes(if_bst) == 60 ? if_bst : midnight_utc;
}

std::int64_t uk_end_of_day_utc_ms(const Date& d) {
  return uk_start_of_day_utc_ms(add_days(d, 1)) - 1;
}

}  // namespace parley
