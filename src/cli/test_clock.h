// The test clock: TIDEMARK_TEST_CLOCK makes the CLI read the time from the
// environment instead of the system clock, so a test can make an RPO expire
// or a drill fall due without sleeping
// (docs/guide/debugging.md#the-test-clock-tidemark_test_clock).
// A test hook, never a feature: every command run with it warns on stderr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace tidemark::cli {

inline constexpr const char* kTestClockVariable = "TIDEMARK_TEST_CLOCK";

// The instant `value` names: a UTC time as ParseTimeUtc reads it
// ("2026-11-21T10:00:00Z"), or else the path of a file whose first line is
// one (read now, once: a test advances the clock between commands by
// rewriting the file). InvalidArgument, saying what to set, otherwise.
Result<int64_t> ParseTestClock(const std::string& value);

// A FakeClock at the instant TIDEMARK_TEST_CLOCK names, or null when the
// variable is unset or empty. The clock stands still during the command
// except where the command waits (a lock wait, a webhook retry): those
// advance it by the time waited.
Result<std::unique_ptr<FakeClock>> TestClockFromEnvironment();

// The one stderr line a command prints while the test clock is in use.
std::string TestClockWarning(int64_t now_micros);

}  // namespace tidemark::cli
