#include "storage/mem_backend.h"

#include <vector>

namespace tidemark {

namespace {

Status NotFoundError(const FileHandle& h) {
  return Status::NotFound("mem: " + h.ToString() + " does not exist");
}

}  // namespace

Status MemBackend::Put(const FileHandle& h, std::string_view data, PutMode mode) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  std::lock_guard<std::mutex> lock(mu_);
  Key key(h.kind, h.name);
  auto it = files_.find(key);
  if (it == files_.end()) {
    files_.emplace(std::move(key), std::string(data));
    return Status::OK();
  }
  if (mode == PutMode::kCreateExclusive) {
    return Status::AlreadyExists("mem: " + h.ToString() + " already exists");
  }
  it->second.assign(data);
  return Status::OK();
}

Result<std::string> MemBackend::Get(const FileHandle& h, uint64_t offset, uint64_t length) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(Key(h.kind, h.name));
  if (it == files_.end()) return NotFoundError(h);
  TM_ASSIGN_OR_RETURN(uint64_t n, GetRangeLength(h, it->second.size(), offset, length));
  return it->second.substr(offset, n);
}

Result<FileInfo> MemBackend::Stat(const FileHandle& h) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(Key(h.kind, h.name));
  if (it == files_.end()) return NotFoundError(h);
  return FileInfo{h, it->second.size()};
}

Status MemBackend::List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) {
  std::vector<FileInfo> infos;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = files_.lower_bound(Key(kind, "")); it != files_.end(); ++it) {
      if (it->first.first != kind) break;
      infos.push_back(FileInfo{FileHandle{kind, it->first.second}, it->second.size()});
    }
  }
  for (const FileInfo& info : infos) TM_RETURN_IF_ERROR(fn(info));
  return Status::OK();
}

Status MemBackend::Remove(const FileHandle& h) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  std::lock_guard<std::mutex> lock(mu_);
  if (files_.erase(Key(h.kind, h.name)) == 0) return NotFoundError(h);
  return Status::OK();
}

}  // namespace tidemark
