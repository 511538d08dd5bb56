// Progress reporting for long work: one status line on stderr, rewritten at
// most ~5 times a second, with rate and ETA. Silent when disabled (--json,
// -q, or stderr is not a terminal). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/clock.h"

namespace tidemark {

class Progress {
 public:
  enum class Unit { kCount, kBytes };

  // total may be 0 when unknown (then no ETA is shown).
  Progress(std::string label, uint64_t total, Unit unit, bool enabled,
           const Clock* clock = Clock::Real());
  ~Progress();  // calls Finish()

  void Add(uint64_t n);
  void SetTotal(uint64_t total);
  // Clears the status line. Idempotent.
  void Finish();

  uint64_t done() const { return done_.load(); }
  // The line that would be printed now, e.g.
  // "check  1.2 GiB / 4.0 GiB  30%  85.3 MiB/s  ETA 34s". Exposed for tests.
  std::string Render() const;

  // True when stderr is a terminal: the default for `enabled`.
  static bool StderrIsTerminal();

 private:
  void MaybePrint();

  const std::string label_;
  std::atomic<uint64_t> total_;
  const Unit unit_;
  const bool enabled_;
  const Clock* clock_;
  const int64_t start_micros_;
  std::atomic<uint64_t> done_{0};
  std::mutex mu_;
  int64_t last_print_micros_ = 0;  // guarded by mu_
  bool printed_ = false;           // guarded by mu_
  bool finished_ = false;          // guarded by mu_
};

}  // namespace tidemark
