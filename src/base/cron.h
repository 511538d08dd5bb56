// Cron-style schedules, as tidemark.toml's `schedule` keys take them
// (docs/guide/schedule.md#cron-schedules): five fields "minute hour
// day-of-month month day-of-week" with `*`, numbers, ranges `A-B`, steps
// `*/S` and `A-B/S`, lists `A,B`, month and weekday names (jan, mon), and
// the shorthands @hourly, @daily, @weekly, @monthly and @yearly. Always UTC.
// As in cron, when both day fields are restricted (neither starts with `*`)
// a day matching either runs; otherwise a day must match both.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tidemark {

class CronSchedule {
 public:
  // InvalidArgument naming the field and what it accepts (without naming
  // the key: the caller does); also for a schedule that never matches
  // ("0 0 30 2 *").
  static Result<CronSchedule> Parse(std::string_view text);

  // The first whole minute strictly after `after_us` (microseconds since
  // the epoch, UTC) that the schedule matches.
  int64_t NextAfter(int64_t after_us) const;

  const std::string& text() const { return text_; }

 private:
  bool DayMatches(int mday, int mon, int wday) const;
  // Next match within about 9 years after after_us; -1 when none.
  int64_t Search(int64_t after_us) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool any_day_ = true, any_weekday_ = true;
};

}  // namespace tidemark
