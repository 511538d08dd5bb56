// Content-defined chunking (FastCDC with normalized chunking) for large
// values (docs/format/chunker.md; used for large values, records.md §3). The gear table and masks
// are part of the format: changing them changes chunk boundaries and so blob ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tidemark {

struct ChunkerParams {
  uint32_t min_size = 512u << 10;
  uint32_t avg_size = 1u << 20;  // a power of two
  uint32_t max_size = 8u << 20;
};

// Length of the first chunk of `data` (1..max_size, or data.size() when that
// is smaller). Deterministic: depends only on the bytes and params.
size_t NextChunkLength(std::string_view data, const ChunkerParams& params);

}  // namespace tidemark
