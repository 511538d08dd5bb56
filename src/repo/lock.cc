#include "repo/lock.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "base/clock.h"
#include "base/coding.h"
#include "base/hex.h"
#include "base/logging.h"
#include "crypto/crypto.h"
#include "repo/format.h"
#include "repo/small_file.h"

namespace tidemark {

using namespace format;

bool LockInfo::IsStale(int64_t now_us, const std::string& this_host) const {
  if (!damage.empty()) return true;
  // Compare without overflow: refreshed_us comes from storage.
  if (refreshed_us<now_us&& static_cast<uint64_t>(now_us) -
                   static_cast<uint64_t>(refreshed_us)> static_cast<uint64_t>(kLockStaleMicros)) {
    return true;
  }
  if (host == this_host && pid != 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
    return true;
  }
  return false;
}

std::string LockInfo::Describe() const {
  if (!damage.empty()) return "damaged lock " + id.substr(0, 8) + " (" + damage + ")";
  return std::string(exclusive ? "exclusive" : "shared") + " lock " + id.substr(0, 8) + " by " +
         user + "@" + host + " pid " + std::to_string(pid) + " (" + command + ") since " +
         FormatTimeUtc(created_us);
}

std::string EncodeLock(const LockInfo& info, std::string_view data_key) {
  std::string body;
  body.push_back(info.exclusive ? 1 : 0);
  PutFixed64(&body, static_cast<uint64_t>(info.created_us));
  PutFixed64(&body, static_cast<uint64_t>(info.refreshed_us));
  PutFixed32(&body, info.pid);
  PutLengthPrefixed(&body, info.host.substr(0, 255));
  PutLengthPrefixed(&body, info.user.substr(0, 255));
  PutLengthPrefixed(&body, info.command.substr(0, 1024));
  std::string out(kLockMagic);
  out += AeadSeal(data_key, body, kAadLock);
  return out;
}

Result<LockInfo> DecodeLock(std::string_view name, std::string_view file,
                            std::string_view data_key) {
  const std::string what = "lock " + std::string(name);
  if (file.substr(0, 8) != kLockMagic) {
    return Status::Corruption(what + ": offset 0: not a tidemark lock (bad magic)");
  }
  auto body = AeadOpen(data_key, file.substr(8), kAadLock);
  if (!body.ok()) return Status::Corruption(what + ": offset 8: " + body.status().message());
  ByteReader r(*body, what);
  LockInfo info;
  info.id = name;
  uint8_t exclusive;
  uint64_t created, refreshed;
  std::string_view host, user, command;
  TM_RETURN_IF_ERROR(r.Fixed8("exclusive", &exclusive));
  if (exclusive > 1) return r.Error("exclusive", "must be 0 or 1");
  TM_RETURN_IF_ERROR(r.Fixed64("created_us", &created));
  TM_RETURN_IF_ERROR(r.Fixed64("refreshed_us", &refreshed));
  TM_RETURN_IF_ERROR(r.Fixed32("pid", &info.pid));
  TM_RETURN_IF_ERROR(r.LengthPrefixed("host", 255, &host));
  TM_RETURN_IF_ERROR(r.LengthPrefixed("user", 255, &user));
  TM_RETURN_IF_ERROR(r.LengthPrefixed("command", 1024, &command));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  info.exclusive = exclusive == 1;
  info.created_us = static_cast<int64_t>(created);
  info.refreshed_us = static_cast<int64_t>(refreshed);
  info.host = host;
  info.user = user;
  info.command = command;
  return info;
}

Result<std::vector<LockInfo>> ListLocks(const Repository* repo) {
  std::vector<LockInfo> locks;
  TM_RETURN_IF_ERROR(repo->backend()->List(FileKind::kLock, [&](const FileInfo& f) -> Status {
    auto data = ReadSmallFile(repo->backend(), f.handle, kMaxLockFileSize);
    if (data.status().IsNotFound()) return Status::OK();  // released meanwhile
    if (!data.ok()) return data.status();
    auto info = DecodeLock(f.handle.name, *data, repo->keys().data_key);
    if (!info.ok()) {
      LockInfo damaged;
      damaged.id = f.handle.name;
      damaged.damage = info.status().message();
      locks.push_back(std::move(damaged));
      return Status::OK();
    }
    locks.push_back(std::move(*info));
    return Status::OK();
  }));
  return locks;
}

namespace {
LockWait& DefaultWaitStorage() {
  static LockWait wait;
  return wait;
}

std::string Seconds(int64_t micros) {
  const int64_t s = (micros + 999999) / 1000000;
  return s % 60 == 0 && s > 0 ? std::to_string(s / 60) + "m" : std::to_string(s) + "s";
}
}  // namespace

void SetDefaultLockWait(LockWait wait) { DefaultWaitStorage() = std::move(wait); }
const LockWait& DefaultLockWait() { return DefaultWaitStorage(); }

Result<std::unique_ptr<RepoLock>> RepoLock::TryAcquire(const Repository* repo, bool exclusive,
                                                       const std::string& command,
                                                       LockInfo* holder) {
  LockInfo info;
  info.id = HexEncode(RandomBytes(16));
  info.exclusive = exclusive;
  info.created_us = info.refreshed_us = repo->clock()->NowMicros();
  info.pid = static_cast<uint32_t>(getpid());
  info.host = CurrentHost();
  info.user = CurrentUser();
  info.command = command;
  TM_RETURN_IF_ERROR(
      repo->backend()->Put({FileKind::kLock, info.id}, EncodeLock(info, repo->keys().data_key)));
  std::unique_ptr<RepoLock> lock(new RepoLock(repo, info));
  // Our lock is visible before we look, so of two racing lockers at least
  // one sees the other (both may back off; neither proceeds unsafely).
  TM_ASSIGN_OR_RETURN(auto others, ListLocks(repo));
  const int64_t now = repo->clock()->NowMicros();
  for (const LockInfo& other : others) {
    if (other.id == info.id) continue;
    if (!(exclusive || other.exclusive)) continue;
    if (other.IsStale(now, info.host)) {
      TM_LOG(kWarning, "ignoring stale ", other.Describe(), "; `tidemark unlock` removes it");
      continue;
    }
    Status released = lock->Release();
    if (!released.ok())
      TM_LOG(kWarning, "could not remove our lock ", info.id, ": ", released.ToString());
    *holder = other;
    return std::unique_ptr<RepoLock>();
  }
  return lock;
}

Result<std::unique_ptr<RepoLock>> RepoLock::Acquire(const Repository* repo, bool exclusive,
                                                    std::string command) {
  return Acquire(repo, exclusive, std::move(command), DefaultLockWait());
}

Result<std::unique_ptr<RepoLock>> RepoLock::Acquire(const Repository* repo, bool exclusive,
                                                    std::string command, const LockWait& wait) {
  const int64_t start = repo->clock()->NowMicros();
  std::string last_holder;
  for (;;) {
    LockInfo holder;
    TM_ASSIGN_OR_RETURN(auto lock, TryAcquire(repo, exclusive, command, &holder));
    if (lock) return lock;
    const int64_t waited = repo->clock()->NowMicros() - start;
    if (waited >= wait.max_wait_us) {
      return Status::Refused(
          "repository is locked: " + holder.Describe() +
          (wait.max_wait_us > 0 ? " (waited " + Seconds(waited) + ")" : std::string()) +
          ". Wait for it to finish (or give more --lock-wait); if that process is gone, run "
          "`tidemark unlock` (removes stale locks)");
    }
    if (holder.id != last_holder) {  // one line per holder waited for
      last_holder = holder.id;
      const std::string line = "waiting up to " + Seconds(wait.max_wait_us - waited) + " for the " +
                               (holder.exclusive ? "exclusive" : "shared") + " lock held by pid " +
                               std::to_string(holder.pid) + " on " + holder.host + " (" +
                               holder.command + ")";
      if (wait.notice) {
        wait.notice(line);
      } else {
        TM_LOG(kWarning, line);
      }
    }
    const int64_t pause = std::min(wait.poll_us, wait.max_wait_us - waited);
    if (wait.sleep) {
      wait.sleep(pause);
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(pause));
    }
  }
}

RepoLock::~RepoLock() {
  StopRefresher();
  Status s = Release();
  if (!s.ok()) TM_LOG(kWarning, "could not remove lock ", info_.id, ": ", s.ToString());
}

Status RepoLock::Refresh() {
  const FileHandle h{FileKind::kLock, info_.id};
  auto present = repo_->backend()->Stat(h);
  if (present.status().IsNotFound()) {
    lost_ = true;
    return Status::Refused("lock " + info_.id.substr(0, 8) +
                           " was removed while held (by `tidemark unlock`?): stop, the "
                           "repository may be under maintenance");
  }
  if (!present.ok()) return present.status();
  std::string file;
  {
    std::lock_guard<std::mutex> lock(mu_);
    info_.refreshed_us = repo_->clock()->NowMicros();
    file = EncodeLock(info_, repo_->keys().data_key);
  }
  return repo_->backend()->Put(h, file, PutMode::kOverwrite);
}

void RepoLock::KeepFresh() {
  if (refresher_.joinable()) return;
  refresher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_cv_.wait_for(lock, std::chrono::microseconds(kLockRefreshMicros),
                              [this] { return stop_; })) {
      lock.unlock();
      Status s = Refresh();
      if (!s.ok()) TM_LOG(kWarning, "could not refresh lock ", info_.id, ": ", s.ToString());
      lock.lock();
    }
  });
}

void RepoLock::StopRefresher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

Status RepoLock::Release() {
  StopRefresher();
  if (released_) return Status::OK();
  Status s = repo_->backend()->Remove({FileKind::kLock, info_.id});
  if (s.ok() || s.IsNotFound()) {
    released_ = true;  // only then: a failed removal is retried by the destructor
    return Status::OK();
  }
  return s;
}

Result<std::vector<LockInfo>> RemoveLocks(const Repository* repo, bool all) {
  TM_ASSIGN_OR_RETURN(auto locks, ListLocks(repo));
  std::vector<LockInfo> removed;
  const int64_t now = repo->clock()->NowMicros();
  const std::string host = CurrentHost();
  for (const LockInfo& l : locks) {
    if (!all && !l.IsStale(now, host)) continue;
    Status s = repo->backend()->Remove({FileKind::kLock, l.id});
    if (!s.ok() && !s.IsNotFound()) return s;
    removed.push_back(l);
  }
  return removed;
}

}  // namespace tidemark
