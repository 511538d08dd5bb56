#include "base/duration.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

constexpr uint64_t kS = 1000000;

TEST(DurationTest, Units) {
  EXPECT_EQ(*ParseDurationUs("500ms"), 500000u);
  EXPECT_EQ(*ParseDurationUs("90s"), 90 * kS);
  EXPECT_EQ(*ParseDurationUs("15m"), 900 * kS);
  EXPECT_EQ(*ParseDurationUs("1h30m"), 5400 * kS);
  EXPECT_EQ(*ParseDurationUs("7d"), 7 * 86400 * kS);
  EXPECT_EQ(*ParseDurationUs("2w"), 14 * 86400 * kS);
  EXPECT_EQ(*ParseDurationUs("1m1ms"), 60 * kS + 1000);
  EXPECT_EQ(*ParseDurationUs("0s"), 0u);
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "15", "m", "1x", "1h 30m", "-1s", "1.5h", "1y", "s1",
                          "99999999999999999999s", "40000w"}) {
    auto d = ParseDurationUs(bad);
    EXPECT_TRUE(d.status().IsInvalidArgument()) << bad;
  }
  EXPECT_NE(ParseDurationUs("1y").status().message().find("write e.g."), std::string::npos);
}

}  // namespace
}  // namespace tidemark
