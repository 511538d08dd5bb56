#include "base/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace tidemark {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowMicros() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock clock;
  return &clock;
}

std::string FormatTimeUtc(int64_t micros) {
  time_t secs = static_cast<time_t>(micros / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ParseTimeUtc(const std::string& text, int64_t* micros) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
  const char* p = text.c_str();
  // Date, then optionally [T or space]HH:MM[:SS], then optionally Z; every
  // byte must be consumed, so "2026-11-22 08:00x" is rejected, not truncated.
  if (sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return false;
  p += used;
  if (*p == 'T' || *p == ' ') {
    p++;
    if (sscanf(p, "%2d:%2d%n", &h, &mi, &used) != 2 || used != 5) return false;
    p += used;
    if (*p == ':') {
      if (sscanf(p + 1, "%2d%n", &s, &used) != 1 || used != 2) return false;
      p += 3;
    }
  }
  if (*p == 'Z') p++;
  if (*p != '\0') return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  *micros = static_cast<int64_t>(timegm(&tm)) * 1000000;
  return true;
}

}  // namespace tidemark
