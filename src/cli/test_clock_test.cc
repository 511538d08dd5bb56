// TIDEMARK_TEST_CLOCK: what it accepts and what it refuses. The CLI's use
// of it is in tests/clock_cli_test.sh.
#include "cli/test_clock.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "storage/temp_dir_testlib.h"

namespace tidemark::cli {
namespace {

int64_t At(const std::string& text) {
  int64_t micros = 0;
  EXPECT_TRUE(ParseTimeUtc(text, &micros)) << text;
  return micros;
}

TEST(TestClockTest, ReadsAnInstant) {
  auto t = ParseTestClock("2026-11-21T10:00:00Z");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, At("2026-11-21T10:00:00Z"));
  EXPECT_EQ(*ParseTestClock("2026-11-21"), At("2026-11-21T00:00:00Z"));
}

TEST(TestClockTest, ReadsTheFirstLineOfAFile) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/clock";
  std::ofstream(path) << "  2026-11-21T10:05:30Z \r\nignored\n";
  auto t = ParseTestClock(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, At("2026-11-21T10:05:30Z"));
}

TEST(TestClockTest, RefusesWhatIsNotATime) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/clock";
  std::ofstream(path) << "tomorrow\n";
  auto bad_file = ParseTestClock(path);
  ASSERT_TRUE(bad_file.status().IsInvalidArgument());
  EXPECT_NE(bad_file.status().message().find("holds 'tomorrow', not a time"), std::string::npos)
      << bad_file.status().message();
  auto missing = ParseTestClock(dir.path() + "/nope");
  ASSERT_TRUE(missing.status().IsInvalidArgument());
  EXPECT_NE(missing.status().message().find("TIDEMARK_TEST_CLOCK: '"), std::string::npos);
  EXPECT_NE(missing.status().message().find("or unset it"), std::string::npos);
  EXPECT_FALSE(ParseTestClock("2026-11-21T10:00:00Zx").ok());
}

TEST(TestClockTest, UnsetOrEmptyMeansTheSystemClock) {
  unsetenv(kTestClockVariable);
  auto none = TestClockFromEnvironment();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  setenv(kTestClockVariable, "", 1);
  EXPECT_EQ(*TestClockFromEnvironment(), nullptr);
  setenv(kTestClockVariable, "2026-11-21T10:00:00Z", 1);
  auto set = TestClockFromEnvironment();
  ASSERT_TRUE(set.ok());
  ASSERT_NE(*set, nullptr);
  EXPECT_EQ((*set)->NowMicros(), At("2026-11-21T10:00:00Z"));
  unsetenv(kTestClockVariable);
}

TEST(TestClockTest, WarningNamesTheVariableAndTheTime) {
  EXPECT_EQ(TestClockWarning(At("2026-11-21T10:00:00Z")),
            "tidemark: warning: TIDEMARK_TEST_CLOCK is set: the time is 2026-11-21T10:00:00Z, "
            "not the system clock's (a test hook; unset it)");
}

}  // namespace
}  // namespace tidemark::cli
