#include "cli/test_clock.h"

#include <cstdlib>
#include <fstream>

namespace tidemark::cli {
namespace {

Status Unusable(const std::string& what) {
  return Status::InvalidArgument(std::string(kTestClockVariable) + ": " + what +
                                 "; set it to a UTC time such as 2026-11-21T10:00:00Z or to a "
                                 "file holding one, or unset it (it is a test hook)");
}

}  // namespace

Result<int64_t> ParseTestClock(const std::string& value) {
  int64_t micros = 0;
  if (ParseTimeUtc(value, &micros)) return micros;
  std::ifstream in(value);
  if (!in) return Unusable("'" + value + "' is neither a time nor a readable file");
  std::string line;
  std::getline(in, line);
  line.erase(line.find_last_not_of(" \t\r") + 1);  // npos + 1 == 0: all blank
  line.erase(0, line.find_first_not_of(" \t"));
  if (!ParseTimeUtc(line, &micros)) {
    return Unusable("file " + value + " holds '" + line + "', not a time");
  }
  return micros;
}

Result<std::unique_ptr<FakeClock>> TestClockFromEnvironment() {
  const char* value = getenv(kTestClockVariable);
  if (value == nullptr || *value == '\0') return std::unique_ptr<FakeClock>();
  TM_ASSIGN_OR_RETURN(int64_t micros, ParseTestClock(value));
  return std::make_unique<FakeClock>(micros);
}

std::string TestClockWarning(int64_t now_micros) {
  return std::string("tidemark: warning: ") + kTestClockVariable + " is set: the time is " +
         FormatTimeUtc(now_micros) + ", not the system clock's (a test hook; unset it)";
}

}  // namespace tidemark::cli
