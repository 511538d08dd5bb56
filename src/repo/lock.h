// Repository locks (docs/FORMAT.md §9): shared for writers, exclusive for
// maintenance. A lock names host, pid, user, command and times.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
  // Non-empty when the lock file does not decode; such a lock protects
  // nothing (no holder can be named), so it counts as stale.
  std::string damage;

  // Stale: damaged, not refreshed for kLockStaleMicros, or held by a process
  // of this host (same host name) that no longer runs.
  bool IsStale(int64_t now_us, const std::string& this_host) const;
  std::string Describe() const;  // "exclusive lock by alice@db1 pid 4242 (tidemark prune) since …"
};

std::string EncodeLock(const LockInfo& info, std::string_view data_key);
Result<LockInfo> DecodeLock(std::string_view name, std::string_view file,
                            std::string_view data_key);

// Every lock in the repository. A lock file that fails to decode is listed
// with `damage` set rather than failing the listing: one bad lock file must
// not wedge every command.
Result<std::vector<LockInfo>> ListLocks(const Repository* repo);

// How long Acquire waits for a conflicting live lock to go away (e.g. a
// backup starting while `forget` holds its exclusive lock for a moment).
// Time is measured on the repository's clock; `sleep` (real sleep by
// default) lets tests advance a FakeClock instead of sleeping.
struct LockWait {
  int64_t max_wait_us = 0;                         // 0: refuse at once
  int64_t poll_us = 1000000;                       // retry interval
  std::function<void(int64_t micros)> sleep;       // empty: std::this_thread::sleep_for
  std::function<void(const std::string&)> notice;  // empty: a warning on stderr
};
// The wait used by Acquire without an explicit LockWait (the CLI sets it
// from --lock-wait, default 2 minutes: forget and key changes hold their
// exclusive lock for seconds). Not thread-safe: set it once at startup.
void SetDefaultLockWait(LockWait wait);
const LockWait& DefaultLockWait();

// A held lock; released (file removed) by Release() or the destructor.
class RepoLock {
 public:
  // Refused (exit 4) naming the holder when a conflicting live lock still
  // exists after waiting up to wait.max_wait_us; one notice line names it
  // ("waiting up to 2m for the exclusive lock held by pid 4242 on db1
  // (forget)") when a wait begins.
  static Result<std::unique_ptr<RepoLock>> Acquire(const Repository* repo, bool exclusive,
                                                   std::string command);
  static Result<std::unique_ptr<RepoLock>> Acquire(const Repository* repo, bool exclusive,
                                                   std::string command, const LockWait& wait);
  ~RepoLock();
  // Rewrites the lock with a new refresh time (call at least every
  // kLockRefreshMicros during long work). If the lock file is gone (someone
  // ran `unlock` while we held it), it is not recreated: the lock is lost,
  // Refresh returns Refused, and lost() stays true.
  Status Refresh();
  // True once a refresh found the lock removed. Long work must poll it and
  // stop: another process may have taken an exclusive lock meanwhile.
  bool lost() const { return lost_.load(); }
  // Refreshes the lock from a background thread every kLockRefreshMicros
  // until Release, for work that may run longer than the staleness limit.
  // A failed refresh is logged as a warning.
  void KeepFresh();
  Status Release();
  LockInfo info() const {
    std::lock_guard<std::mutex> lock(mu_);
    return info_;
  }

 private:
  RepoLock(const Repository* repo, LockInfo info) : repo_(repo), info_(std::move(info)) {}
  // One attempt: the lock, or null with *holder set to the conflicting lock.
  static Result<std::unique_ptr<RepoLock>> TryAcquire(const Repository* repo, bool exclusive,
                                                      const std::string& command, LockInfo* holder);
  void StopRefresher();

  const Repository* repo_;
  LockInfo info_;  // refreshed_us guarded by mu_ once the refresher runs
  bool released_ = false;
  mutable std::mutex mu_;
  std::atomic<bool> lost_{false};
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread refresher_;
};

// Removes stale locks (or all when `all`, which is only safe when no
// tidemark process uses the repository). Returns what was removed.
Result<std::vector<LockInfo>> RemoveLocks(const Repository* repo, bool all);

}  // namespace tidemark
