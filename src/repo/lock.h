// Repository locks (docs/FORMAT.md §9): shared for writers, exclusive for
// maintenance. A lock names host, pid, user, command and times.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "repo/repository.h"

namespace tidemark {

inline constexpr int64_t kLockStaleMicros = 30ll * 60 * 1000000;   // not refreshed for 30 min
inline constexpr int64_t kLockRefreshMicros = 5ll * 60 * 1000000;  // holders refresh every 5 min

struct LockInfo {
  std::string id;  // file name
  bool exclusive = false;
  int64_t created_us = 0;
  int64_t refreshed_us = 0;
  uint32_t pid = 0;
  std::string host, user, command;

  // Stale: not refreshed for kLockStaleMicros, or held by a process of this
  // host that no longer runs.
  bool IsStale(int64_t now_us, const std::string& this_host) const;
  std::string Describe() const;  // "exclusive lock by alice@db1 pid 4242 (tidemark prune) since …"
};

std::string EncodeLock(const LockInfo& info, std::string_view data_key);
Result<LockInfo> DecodeLock(std::string_view name, std::string_view file,
                            std::string_view data_key);

// Every lock in the repository. A lock file that fails to decode is
// reported as Corruption.
Result<std::vector<LockInfo>> ListLocks(const Repository* repo);

// A held lock; released (file removed) by Release() or the destructor.
class RepoLock {
 public:
  // Refused (exit 4) naming the holder when a conflicting lock exists.
  static Result<std::unique_ptr<RepoLock>> Acquire(const Repository* repo, bool exclusive,
                                                   std::string command);
  ~RepoLock();
  // Rewrites the lock with a new refresh time (call at least every
  // kLockRefreshMicros during long work).
  Status Refresh();
  Status Release();
  const LockInfo& info() const { return info_; }

 private:
  RepoLock(const Repository* repo, LockInfo info) : repo_(repo), info_(std::move(info)) {}
  const Repository* repo_;
  LockInfo info_;
  bool released_ = false;
};

// Removes stale locks (or all when `all`, which is only safe when no
// tidemark process uses the repository). Returns what was removed.
Result<std::vector<LockInfo>> RemoveLocks(const Repository* repo, bool all);

}  // namespace tidemark
