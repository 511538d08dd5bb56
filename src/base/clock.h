// An injectable clock, so time-dependent logic (lock staleness, ledger
// timestamps, retention) is testable.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace tidemark {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
  // The process-wide real clock. Thread-safe.
  static Clock* Real();
};

// A clock that only moves when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_micros) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Set(int64_t micros) { now_.store(micros); }
  void Advance(int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<int64_t> now_;
};

// "2026-11-21T23:52:07Z" (UTC, second precision).
std::string FormatTimeUtc(int64_t micros);
// Parses "2026-11-21", "2026-11-21T23:52", "2026-11-21 23:52:07",
// "2026-11-21T23:52:07Z" (always UTC). Returns false when malformed or when
// anything follows the time.
bool ParseTimeUtc(const std::string& text, int64_t* micros);

}  // namespace tidemark
