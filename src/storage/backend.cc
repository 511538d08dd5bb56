#include "storage/backend.h"

namespace tidemark {

const char* FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kConfig:
      return "config";
    case FileKind::kKey:
      return "key";
    case FileKind::kPack:
      return "pack";
    case FileKind::kIndex:
      return "index";
    case FileKind::kLock:
      return "lock";
    case FileKind::kLedger:
      return "ledger";
    case FileKind::kSnapshot:
      return "snapshot";
    case FileKind::kHold:
      return "hold";
    case FileKind::kPrune:
      return "prune";
    case FileKind::kDrill:
      return "drill";
    case FileKind::kAccounts:
      return "accounts";
  }
  return "unknown";
}

const char* LockModeName(LockMode m) {
  switch (m) {
    case LockMode::kNone:
      return "none";
    case LockMode::kGovernance:
      return "governance";
    case LockMode::kCompliance:
      return "compliance";
  }
  return "unknown";
}

bool RetainedKind(FileKind kind) {
  return kind != FileKind::kLock && kind != FileKind::kHold && kind != FileKind::kPrune &&
         kind != FileKind::kIndex && kind != FileKind::kAccounts;
}

const char* KindFolder(FileKind kind) {
  switch (kind) {
    case FileKind::kConfig:
      return "";
    case FileKind::kKey:
      return "keys";
    case FileKind::kPack:
      return "data";
    case FileKind::kIndex:
      return "index";
    case FileKind::kLock:
      return "locks";
    case FileKind::kLedger:
      return "ledger";
    case FileKind::kSnapshot:
      return "snapshots";
    case FileKind::kHold:
      return "holds";
    case FileKind::kPrune:
      return "prune";
    case FileKind::kDrill:
      return "drills";
    case FileKind::kAccounts:
      return "accounts";
  }
  return "";
}

std::string RelativePath(const FileHandle& h) {
  if (h.kind == FileKind::kConfig) return "config";
  if (h.kind == FileKind::kPack) return "data/" + h.name.substr(0, 2) + "/" + h.name;
  return std::string(KindFolder(h.kind)) + "/" + h.name;
}

std::string FileHandle::ToString() const {
  if (kind == FileKind::kConfig) return "config";
  return std::string(FileKindName(kind)) + " " + name;
}

Status ValidateFileHandle(const FileHandle& h) {
  if (h.kind == FileKind::kConfig) {
    if (!h.name.empty()) return Status::InvalidArgument("config file takes no name");
    return Status::OK();
  }
  if (h.name.empty() || h.name.size() > 128) {
    return Status::InvalidArgument("file name must be 1 to 128 characters");
  }
  if (h.kind == FileKind::kPack && h.name.size() < 2) {
    return Status::InvalidArgument("pack name must be at least 2 characters");
  }
  for (char c : h.name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok)
      return Status::InvalidArgument("file name '" + h.name +
                                     "' has a character outside [0-9a-zA-Z_.-]");
  }
  if (h.name[0] == '.') return Status::InvalidArgument("file name may not start with '.'");
  return Status::OK();
}

Result<uint64_t> GetRangeLength(const FileHandle& h, uint64_t size, uint64_t offset,
                                uint64_t length) {
  if (offset > size) {
    return Status::InvalidArgument(h.ToString() + ": read offset " + std::to_string(offset) +
                                   " is past the end of the file (size " + std::to_string(size) +
                                   ")");
  }
  const uint64_t available = size - offset;
  if (length == 0 || length > available) return available;
  return length;
}

}  // namespace tidemark
