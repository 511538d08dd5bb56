// Reading the small, fixed-purpose files of a repository (config, key
// files, locks, index files) with a size cap, so that a huge file planted in
// storage cannot exhaust memory. Caps follow from docs/FORMAT.md.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "storage/backend.h"

namespace tidemark {

inline constexpr uint64_t kMaxConfigFileSize = 4096;         // §5: ~141 bytes today
inline constexpr uint64_t kMaxKeyFileSize = 12 + 4096 + 32;  // §4
inline constexpr uint64_t kMaxLockFileSize = 4096;           // §9: ~1.6 KiB at most
inline constexpr uint64_t kMaxIndexFileSize = 256u << 20;    // §8: 1M blobs x ~45 B, with room

// NotFound when missing; Corruption naming the file when larger than max.
Result<std::string> ReadSmallFile(Backend* backend, const FileHandle& h, uint64_t max);

}  // namespace tidemark
