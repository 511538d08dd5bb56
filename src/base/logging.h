// Minimal leveled logging to stderr. The CLI sets the level from -q / -v.
#pragma once

#include <sstream>
#include <string>

namespace tidemark {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Writes "tidemark: warning: msg\n" to stderr if level is enabled. Thread-safe.
void LogMessage(LogLevel level, const std::string& msg);

// StrCat("pack ", id, " at offset ", 17): concatenates anything streamable.
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

#define TM_LOG(level, ...)                                                                  \
  do {                                                                                      \
    if (static_cast<int>(::tidemark::LogLevel::level) <=                                    \
        static_cast<int>(::tidemark::GetLogLevel()))                                        \
      ::tidemark::LogMessage(::tidemark::LogLevel::level, ::tidemark::StrCat(__VA_ARGS__)); \
  } while (0)

}  // namespace tidemark
