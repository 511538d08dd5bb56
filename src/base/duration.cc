#include "base/duration.h"

#include <string>

namespace tidemark {

Result<uint64_t> ParseDurationUs(std::string_view text) {
  constexpr uint64_t kSecond = 1000000;
  constexpr uint64_t kMax = 100ull * 366 * 86400 * kSecond;
  auto bad = [&] {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is not a duration: write e.g. 500ms, 90s, 15m, 1h30m, 7d or 2w");
  };
  uint64_t total = 0;
  size_t i = 0;
  if (text.empty()) return bad();
  while (i < text.size()) {
    uint64_t n = 0;
    const size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > kMax) return bad();
      ++i;
    }
    if (i == digits_start || i == text.size()) return bad();
    uint64_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1000;
      i += 2;
    } else {
      switch (text[i++]) {
        case 's':
          unit = kSecond;
          break;
        case 'm':
          unit = 60 * kSecond;
          break;
        case 'h':
          unit = 3600 * kSecond;
          break;
        case 'd':
          unit = 86400 * kSecond;
          break;
        case 'w':
          unit = 7 * 86400 * kSecond;
          break;
        default:
          return bad();
      }
    }
    if (n > kMax / unit) return bad();
    total += n * unit;
    if (total > kMax) return bad();
  }
  return total;
}

}  // namespace tidemark
