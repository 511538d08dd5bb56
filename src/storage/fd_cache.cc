#include "storage/fd_cache.h"

#include <fcntl.h>

namespace tidemark {

Result<std::shared_ptr<const ScopedFd>> FdCache::Open(std::string_view op,
                                                      const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_path_.find(path);
    if (it != by_path_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Opened outside the lock: another thread may open the same file at the
  // same time, and the second descriptor simply replaces the first.
  TM_ASSIGN_OR_RETURN(int raw, OpenFd(op, path, O_RDONLY));
  auto fd = std::make_shared<const ScopedFd>(raw);
  if (capacity_ == 0) return fd;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_path_.find(path);
  if (it != by_path_.end()) {
    it->second->second = fd;
    lru_.splice(lru_.begin(), lru_, it->second);
    return fd;
  }
  lru_.emplace_front(path, fd);
  by_path_[path] = lru_.begin();
  if (lru_.size() > capacity_) {
    by_path_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return fd;
}

void FdCache::Forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return;
  lru_.erase(it->second);
  by_path_.erase(it);
}

size_t FdCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace tidemark
