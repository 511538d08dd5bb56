#include "base/progress.h"

#include <unistd.h>

#include <cstdio>

#include "base/hex.h"

namespace tidemark {

Progress::Progress(std::string label, uint64_t total, Unit unit, bool enabled, const Clock* clock)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      enabled_(enabled),
      clock_(clock),
      start_micros_(clock->NowMicros()) {}

Progress::~Progress() { Finish(); }

bool Progress::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

void Progress::Add(uint64_t n) {
  done_.fetch_add(n);
  if (enabled_) MaybePrint();
}

void Progress::SetTotal(uint64_t total) { total_.store(total); }

std::string Progress::Render() const {
  const uint64_t done = done_.load(), total = total_.load();
  const double elapsed = (clock_->NowMicros() - start_micros_) / 1e6;
  auto fmt = [&](double v) {
    return unit_ == Unit::kBytes ? FormatBytes(v) : std::to_string(static_cast<uint64_t>(v));
  };
  std::string line = label_ + "  " + fmt(done);
  if (total > 0) {
    line += " / " + fmt(total);
    line += "  " + std::to_string(done * 100 / total) + "%";
  }
  if (elapsed > 0.2) {
    const double rate = done / elapsed;
    line += "  " + fmt(rate) + "/s";
    if (total > done && rate > 0) line += "  ETA " + FormatDuration((total - done) / rate);
  }
  return line;
}

void Progress::MaybePrint() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  const int64_t now = clock_->NowMicros();
  if (now - last_print_micros_ < 200000) return;
  last_print_micros_ = now;
  fprintf(stderr, "\r\033[K%s", Render().c_str());
  fflush(stderr);
  printed_ = true;
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (printed_) {
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
  }
}

}  // namespace tidemark
