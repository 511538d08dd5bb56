// MemBackend: a Backend that keeps every file in memory. For tests and for
// tools that need a scratch repository; nothing survives the object.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "storage/backend.h"

namespace tidemark {

class MemBackend : public Backend {
 public:
  MemBackend() = default;
  MemBackend(const MemBackend&) = delete;
  MemBackend& operator=(const MemBackend&) = delete;

  // Same contract as Backend (see backend.h). All methods are thread-safe.
  // List calls fn without holding the internal lock, so fn may call back
  // into this backend; it sees the files present when List started.
  Status Put(const FileHandle& h, std::string_view data,
             PutMode mode = PutMode::kCreateExclusive) override;
  Result<std::string> Get(const FileHandle& h, uint64_t offset = 0, uint64_t length = 0) override;
  Result<FileInfo> Stat(const FileHandle& h) override;
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override;
  Status Remove(const FileHandle& h) override;
  std::string Location() const override { return "mem:"; }

 private:
  using Key = std::pair<FileKind, std::string>;

  std::mutex mu_;
  std::map<Key, std::string> files_;  // GUARDED_BY(mu_)
};

}  // namespace tidemark
