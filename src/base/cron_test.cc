#include "base/cron.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace tidemark {
namespace {

int64_t At(const char* text) {
  int64_t us = 0;
  EXPECT_TRUE(ParseTimeUtc(text, &us)) << text;
  return us;
}

std::string Next(const char* cron, const char* after) {
  auto c = CronSchedule::Parse(cron);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return "";
  return FormatTimeUtc(c->NextAfter(At(after)));
}

TEST(CronTest, NextRunOfCommonSchedules) {
  EXPECT_EQ(Next("30 2 * * *", "2026-11-21T02:29:59Z"), "2026-11-21T02:30:00Z");
  EXPECT_EQ(Next("30 2 * * *", "2026-11-21T02:30:00Z"), "2026-11-22T02:30:00Z");  // strictly after
  EXPECT_EQ(Next("*/15 * * * *", "2026-11-21T10:07:00Z"), "2026-11-21T10:15:00Z");
  EXPECT_EQ(Next("0 */4 * * *", "2026-11-21T21:00:00Z"), "2026-11-22T00:00:00Z");
  EXPECT_EQ(Next("@hourly", "2026-11-21T10:00:00Z"), "2026-11-21T11:00:00Z");
  EXPECT_EQ(Next("@daily", "2026-12-31T23:59:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("@monthly", "2026-11-21T10:00:00Z"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(Next("0 0 * * mon", "2026-11-21T10:00:00Z"), "2026-11-23T00:00:00Z");  // a Saturday
  EXPECT_EQ(Next("0 9 * * 1-5", "2026-11-21T10:00:00Z"), "2026-11-23T09:00:00Z");
  EXPECT_EQ(Next("0 0 * * 7", "2026-11-21T10:00:00Z"), "2026-11-22T00:00:00Z");  // 7 is Sunday
  EXPECT_EQ(Next("0 0 1 jan,JUL *", "2026-11-21T10:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("0 0 29 2 *", "2026-11-21T10:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(Next("5-10/5 1 * * *", "2026-11-21T01:05:00Z"), "2026-11-21T01:10:00Z");
}

TEST(CronTest, BothDayFieldsRestrictedMatchEither) {
  // The 1st of the month or any Monday (Vixie cron's rule).
  EXPECT_EQ(Next("0 0 1 * mon", "2026-11-24T00:00:00Z"), "2026-11-30T00:00:00Z");
  EXPECT_EQ(Next("0 0 1 * mon", "2026-11-30T00:00:00Z"), "2026-12-01T00:00:00Z");
  // A day field starting with '*' leaves the other to decide: both must match.
  EXPECT_EQ(Next("0 0 */2 * mon", "2026-11-24T00:00:00Z"), "2026-12-07T00:00:00Z");
}

TEST(CronTest, MalformedSchedulesSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "give five fields"},
      {"* * * *", "give five fields"},
      {"60 * * * *", "cron field minute '60': out of range (from 0 to 59)"},
      {"* 24 * * *", "cron field hour '24'"},
      {"* * 0 * *", "cron field day of month '0'"},
      {"* * * 13 *", "cron field month '13'"},
      {"* * * * 8", "cron field day of week '8'"},
      {"*/0 * * * *", "a step is a number from 1"},
      {"10-5 * * * *", "a range runs from low to high"},
      {"1,,2 * * * *", "out of range"},
      {"x * * * *", "out of range"},
      {"0 0 30 2 *", "never matches a day"},
      {"@often", "give five fields"},
  };
  for (const Case& c : cases) {
    auto r = CronSchedule::Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.text << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace tidemark
