// zstd compression of one buffer. See docs/FORMAT.md §4 (blob payload).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace tidemark {

// zstd frame of data at `level` (1..19; the repository default is 3). The
// frame records the content size.
Result<std::string> ZstdCompress(std::string_view data, int level);

// Decompresses exactly one zstd frame. Refuses (Corruption) input with bytes
// after the frame, a frame whose declared content size is missing or larger
// than max_size, whose actual size differs from the declared one, or that
// does not decode.
Result<std::string> ZstdDecompress(std::string_view frame, size_t max_size);

}  // namespace tidemark
