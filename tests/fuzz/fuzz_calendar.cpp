// tests/fuzz/fuzz_calendar.cpp — libFuzzer target: the holiday data parser
// (core/calendar.h Calendar::from_json), which reads newer holiday tables the server sends.
//
// Contract under test: from_json accepts any bytes and either returns a Calendar or
// throws std::invalid_argument naming the field. A calendar it accepts must answer every
// query for its own years and the years either side without throwing: holidays,
// is_working_day, add_working_days, working_days_between (which must agree with
// add_working_days) and holidays_between. Seeds: core/data/holidays.json and one-year
// cuts of it (tests/fuzz/make_corpus.py).
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "core/calendar.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parley;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Calendar cal;
  try {
    cal = Calendar::from_json(fuzz::as_text(data, size));
  } catch (const std::invalid_argument&) {
    return 0;   // refused, naming the field: the contract
  }
  const int first = cal.first_data_year(), last = cal.last_data_year();
  // At most a few years either way: a table may cover 1900..2999.
  const int years[] = {first - 1, first, std::min(first + 1, last), last, last + 1};
  for (Region r : {Region::EnglandAndWales, Region::Scotland, Region::NorthernIreland}) {
    for (int y : years) {
      auto list = cal.holidays(r, y);
      if (!std::is_sorted(list.begin(), list.end(), [](const Holiday& a, const Holiday& b) { return a.date < b.date; }))
        fuzz::fail("holidays(" + to_string(r) + ", " + std::to_string(y) + ") is not sorted by date");
      for (const Holiday& h : list) {
        if (h.date.year != y) fuzz::fail("holidays(" + std::to_string(y) + ") holds " + to_string(h.date));
        if (!cal.is_holiday(r, h.date)) fuzz::fail(to_string(h.date) + " is listed but is_holiday says no");
        if (cal.is_working_day(r, h.date)) fuzz::fail(to_string(h.date) + " is a holiday and a working day");
      }
      const Date from{y, 12, 20};
      const Date to = cal.add_working_days(r, from, 10);
      if (cal.working_days_between(r, from, to) != 10)
        fuzz::fail("working_days_between disagrees with add_working_days after " + to_string(from));
      (void)cal.holidays_between(r, Date{y, 1, 1}, Date{y, 12, 31});
    }
  }
  return 0;
}
