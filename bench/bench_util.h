// Small helpers for blobstore_bench: fatal errors, size parsing, number
// formatting, peak RSS, stopwatch and progress lines on stderr.
// Header-only (the bench target is one translation unit).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tidemark::bench {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;

// The folder Die() removes before exiting, so a failed run leaves no
// repository behind in $TMPDIR. Empty when there is nothing to remove.
inline std::string& CleanupDir() {
  static std::string dir;
  return dir;
}

inline void RemoveCleanupDir() {
  if (CleanupDir().empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(CleanupDir(), ec);
  if (ec)
    std::fprintf(stderr, "blobstore_bench: could not remove %s: %s\n", CleanupDir().c_str(),
                 ec.message().c_str());
  CleanupDir().clear();
}

// A benchmark that measured the wrong thing is worse than none: every
// unexpected outcome ends the run loudly, with exit status 1.
[[noreturn]] inline void Die(const std::string& msg) {
  std::fprintf(stderr, "blobstore_bench: FATAL: %s\n", msg.c_str());
  RemoveCleanupDir();
  std::exit(1);
}

// "1073741824", "64M", "64MiB", "1G", "512k": binary units (K = 1024).
inline std::optional<uint64_t> ParseSize(std::string_view s) {
  uint64_t n = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++) {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string unit(s.substr(i));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  uint64_t mult = 1;
  if (unit == "" || unit == "B") {
    mult = 1;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    mult = kKiB;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    mult = kMiB;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    mult = kGiB;
  } else {
    return std::nullopt;
  }
  if (n > UINT64_MAX / mult) return std::nullopt;
  return n * mult;
}

// printf into a std::string.
template <typename... Args>
std::string Fmt(const char* fmt, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// A rate or size with three significant digits or so: "1234", "98.7", "5.43".
inline std::string Num(double v) {
  if (v >= 100) return Fmt("%.0f", v);
  if (v >= 10) return Fmt("%.1f", v);
  return Fmt("%.2f", v);
}

inline std::string MiB(uint64_t bytes) { return Num(static_cast<double>(bytes) / kMiB) + " MiB"; }

inline std::string Seconds(double s) { return s < 1 ? Fmt("%.0f ms", s * 1000) : Fmt("%.2f s", s); }

// Peak resident set size of this process so far, in bytes.
inline uint64_t PeakRssBytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * kKiB;  // Linux reports KiB
}

class Stopwatch {
 public:
  Stopwatch() : t0_(Clock::now()) {}
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point t0_;
};

// Accumulates the time of many short timed sections (one per blob), so that
// generating the content between them is not counted.
class Accumulator {
 public:
  template <typename Fn>
  auto Time(Fn&& fn) {
    const auto t0 = Clock::now();
    auto r = fn();
    total_ += Clock::now() - t0;
    return r;
  }
  double Seconds() const { return std::chrono::duration<double>(total_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::duration total_{};
};

// Prints "label  42%  430 MiB  212 MiB/s" to stderr at most every 2 seconds
// (full lines, so logs keep them too).
class ProgressLine {
 public:
  ProgressLine(std::string label, uint64_t total_bytes)
      : label_(std::move(label)), total_(total_bytes) {}
  // done: bytes processed so far; busy: seconds of measured work so far.
  void Update(uint64_t done, double busy) {
    if (since_.Seconds() < 2.0 && done < total_) return;
    since_ = Stopwatch();
    const double rate = busy > 0 ? static_cast<double>(done) / kMiB / busy : 0;
    std::fprintf(stderr, "  %-10s %3.0f%%  %s  %s MiB/s\n", label_.c_str(),
                 100.0 * static_cast<double>(done) / static_cast<double>(total_), MiB(done).c_str(),
                 Num(rate).c_str());
  }

 private:
  const std::string label_;
  const uint64_t total_;
  Stopwatch since_;
};

}  // namespace tidemark::bench
