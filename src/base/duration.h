// Durations as operators write them in tidemark.toml and on the command line
// ("90s", "15m", "1h30m", "7d", "2w"). docs/guide/config.md#durations
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace tidemark {

// One or more <number><unit> terms, units ms, s, m (minutes), h, d, w; the sum in
// microseconds. InvalidArgument (without naming the key: the caller does)
// for anything else, for zero terms, and for sums past 100 years.
Result<uint64_t> ParseDurationUs(std::string_view text);

}  // namespace tidemark
