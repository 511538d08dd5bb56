#include "storage/faulty_backend.h"

#include <vector>

namespace tidemark {

namespace {

Status CrashedError() { return Status::IOError("backend crashed"); }

Status LostAckError(const FileHandle& h) {
  return Status::IOError("injected fault: " + h.ToString() +
                         " was written but the acknowledgement was lost");
}

}  // namespace

void FaultyBackend::FailNthCall(uint64_t n, Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_nth_ = n;
  fail_nth_status_ = std::move(s);
}

void FaultyBackend::FailMethod(Method m, Status s, uint64_t after) {
  std::lock_guard<std::mutex> lock(mu_);
  method_faults_[static_cast<int>(m)] = MethodFault{true, std::move(s), after, 0};
}

void FaultyBackend::FailPutAfterWrite(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  put_after_write_ = on;
}

void FaultyBackend::CorruptReads(std::function<bool(const FileHandle&)> match,
                                 uint64_t file_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  corrupt_match_ = std::move(match);
  corrupt_offset_ = file_offset;
}

Status FaultyBackend::HoldWrites(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!on) TM_RETURN_IF_ERROR(SyncLocked());
  hold_ = on;
  return Status::OK();
}

Status FaultyBackend::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  return SyncLocked();
}

Status FaultyBackend::SyncLocked() {
  if (crashed_) return CrashedError();
  while (!pending_.empty()) {
    auto it = pending_.begin();
    const FileHandle h{it->first.first, it->first.second};
    Status s = it->second ? inner_->Put(h, *it->second, PutMode::kOverwrite) : inner_->Remove(h);
    if (!s.ok() && !(s.IsNotFound() && !it->second)) return s;
    pending_.erase(it);
  }
  return Status::OK();
}

void FaultyBackend::Crash() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.clear();
  crashed_ = true;
}

void FaultyBackend::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  calls_ = 0;
  fault_fired_ = false;
  fail_nth_ = 0;
  fail_nth_status_ = Status::OK();
  for (MethodFault& f : method_faults_) f = MethodFault{};
  put_after_write_ = false;
  corrupt_match_ = nullptr;
  corrupt_offset_ = 0;
  hold_ = false;
  pending_.clear();
  crashed_ = false;
}

uint64_t FaultyBackend::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

bool FaultyBackend::fault_fired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fault_fired_;
}

size_t FaultyBackend::pending_writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

Status FaultyBackend::Admit(Method m) {
  std::lock_guard<std::mutex> lock(mu_);
  ++calls_;
  if (crashed_) return CrashedError();
  if (calls_ == fail_nth_) {
    fault_fired_ = true;
    return fail_nth_status_;
  }
  MethodFault& f = method_faults_[static_cast<int>(m)];
  if (f.on) {
    if (f.passed < f.after) {
      ++f.passed;
    } else {
      fault_fired_ = true;
      return f.status;
    }
  }
  return Status::OK();
}

void FaultyBackend::MaybeCorrupt(const FileHandle& h, uint64_t offset, std::string* data) {
  std::function<bool(const FileHandle&)> match;
  uint64_t at;
  {
    std::lock_guard<std::mutex> lock(mu_);
    match = corrupt_match_;
    at = corrupt_offset_;
  }
  if (!match || at < offset || at - offset >= data->size() || !match(h)) return;
  (*data)[at - offset] ^= 0x01;
  std::lock_guard<std::mutex> lock(mu_);
  fault_fired_ = true;
}

Status FaultyBackend::Put(const FileHandle& h, std::string_view data, PutMode mode) {
  TM_RETURN_IF_ERROR(Admit(Method::kPut));
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  Status s;
  bool lose_ack;
  {
    std::unique_lock<std::mutex> lock(mu_);
    lose_ack = put_after_write_;
    if (hold_) {
      s = PutHeldLocked(h, data, mode);
    } else {
      lock.unlock();
      s = inner_->Put(h, data, mode);
    }
  }
  if (!s.ok() || !lose_ack) return s;
  std::lock_guard<std::mutex> lock(mu_);
  fault_fired_ = true;
  return LostAckError(h);
}

Status FaultyBackend::PutHeldLocked(const FileHandle& h, std::string_view data, PutMode mode) {
  Key key(h.kind, h.name);
  auto it = pending_.find(key);
  if (mode == PutMode::kCreateExclusive) {
    bool exists;
    if (it != pending_.end()) {
      exists = it->second.has_value();
    } else {
      Result<FileInfo> info = inner_->Stat(h);
      if (!info.ok() && !info.status().IsNotFound()) return info.status();
      exists = info.ok();
    }
    if (exists) return Status::AlreadyExists(h.ToString() + " already exists");
  }
  pending_[std::move(key)] = std::string(data);
  return Status::OK();
}

Result<std::string> FaultyBackend::Get(const FileHandle& h, uint64_t offset, uint64_t length) {
  TM_RETURN_IF_ERROR(Admit(Method::kGet));
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  std::string data;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = pending_.find(Key(h.kind, h.name));
    if (it == pending_.end()) {
      lock.unlock();
      TM_ASSIGN_OR_RETURN(data, inner_->Get(h, offset, length));
    } else {
      if (!it->second)
        return Status::NotFound(h.ToString() + " does not exist (removed, unsynced)");
      TM_ASSIGN_OR_RETURN(uint64_t n, GetRangeLength(h, it->second->size(), offset, length));
      data = it->second->substr(offset, n);
    }
  }
  MaybeCorrupt(h, offset, &data);
  return data;
}

Result<FileInfo> FaultyBackend::Stat(const FileHandle& h) {
  TM_RETURN_IF_ERROR(Admit(Method::kStat));
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(Key(h.kind, h.name));
    if (it != pending_.end()) {
      if (!it->second)
        return Status::NotFound(h.ToString() + " does not exist (removed, unsynced)");
      return FileInfo{h, it->second->size()};
    }
  }
  return inner_->Stat(h);
}

Status FaultyBackend::List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) {
  TM_RETURN_IF_ERROR(Admit(Method::kList));
  std::map<std::string, uint64_t> merged;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (pending_.empty()) {
      lock.unlock();
      return inner_->List(kind, fn);
    }
    TM_RETURN_IF_ERROR(ListMergedLocked(kind, &merged));
  }
  for (const auto& [name, size] : merged) TM_RETURN_IF_ERROR(fn(FileInfo{{kind, name}, size}));
  return Status::OK();
}

Status FaultyBackend::ListMergedLocked(FileKind kind, std::map<std::string, uint64_t>* out) {
  TM_RETURN_IF_ERROR(inner_->List(kind, [out](const FileInfo& info) {
    (*out)[info.handle.name] = info.size;
    return Status::OK();
  }));
  for (auto it = pending_.lower_bound(Key(kind, "")); it != pending_.end(); ++it) {
    if (it->first.first != kind) break;
    if (it->second) {
      (*out)[it->first.second] = it->second->size();
    } else {
      out->erase(it->first.second);
    }
  }
  return Status::OK();
}

Status FaultyBackend::Remove(const FileHandle& h) {
  TM_RETURN_IF_ERROR(Admit(Method::kRemove));
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  std::unique_lock<std::mutex> lock(mu_);
  if (hold_) return RemoveHeldLocked(h);
  lock.unlock();
  return inner_->Remove(h);
}

Status FaultyBackend::RemoveHeldLocked(const FileHandle& h) {
  Key key(h.kind, h.name);
  auto it = pending_.find(key);
  if (it != pending_.end()) {
    if (!it->second) return Status::NotFound(h.ToString() + " does not exist (removed, unsynced)");
    it->second.reset();
    return Status::OK();
  }
  Result<FileInfo> info = inner_->Stat(h);
  if (!info.ok()) return info.status();
  pending_.emplace(std::move(key), std::nullopt);
  return Status::OK();
}

}  // namespace tidemark
