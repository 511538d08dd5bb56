// Temporary files left by killed writers (a Put's ".tmp-*" file that never
// became its target). check reports them; prune and unlock remove those
// older than kTempFileGraceMicros. See docs/guide/check.md.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.h"
#include "repo/repository.h"
#include "storage/backend.h"

namespace tidemark {

// How old (since its last write) a temporary file must be before it is
// removed. A temporary file lives for one Put: from its creation, through
// the writing and fsync of one file, to the rename or link that publishes
// it, after which it is gone at once. The largest file (a 256 MiB prune
// mark) written at 100 KiB/s takes about 45 minutes, and its modification
// time moves with every write; a running writer never leaves a temp file
// untouched for hours. 24 hours is a wide margin (also for a clock skew
// between hosts sharing the repository) and still gives space back daily.
inline constexpr int64_t kTempFileGraceMicros = 24ll * 3600 * 1000000;

Result<std::vector<TempFileInfo>> ListTempFiles(const Repository& repo);

struct TempCleanup {
  std::vector<TempFileInfo> removed;
  uint64_t bytes_removed = 0;
  uint64_t kept = 0;  // younger than the grace period: possibly being written
};

// Removes the temporary files last written more than grace_us ago, by the
// repository's clock.
Result<TempCleanup> RemoveOldTempFiles(const Repository& repo,
                                       int64_t grace_us = kTempFileGraceMicros);

}  // namespace tidemark
