// FdCache: open read-only descriptors of immutable files, kept for reuse.
// A restore, check or diff reads thousands of blobs out of a few hundred
// packs; opening the pack for each read cost a path walk and two system
// calls per blob. Packs never change once written (FORMAT.md §7: pack-id =
// SHA-256 of the file), so a descriptor opened once reads the same bytes for
// as long as the file exists, and keeping it open is safe. A descriptor in
// use stays open even when evicted (shared ownership). Thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/result.h"
#include "storage/posix_io.h"

namespace tidemark {

class FdCache {
 public:
  // Keeps at most `capacity` descriptors (least recently used out first).
  explicit FdCache(size_t capacity) : capacity_(capacity) {}

  // The cached descriptor of `path`, or a new one opened O_RDONLY (errors
  // as OpenFd's, named with `op`).
  Result<std::shared_ptr<const ScopedFd>> Open(std::string_view op, const std::string& path);
  // Forgets `path` (after it was removed or replaced).
  void Forget(const std::string& path);
  size_t size() const;

 private:
  using Lru = std::list<std::pair<std::string, std::shared_ptr<const ScopedFd>>>;
  const size_t capacity_;
  mutable std::mutex mu_;
  Lru lru_;  // most recently used first
  std::unordered_map<std::string, Lru::iterator> by_path_;
};

}  // namespace tidemark
