#include "repo/prune_mark.h"

#include <algorithm>

#include "base/coding.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "repo/format.h"
#include "repo/signed_file.h"
#include "repo/small_file.h"

namespace tidemark {
namespace {

constexpr uint64_t kMaxLocks = 100000;
constexpr uint64_t kMaxIds = kMaxPruneMarkFileSize / 32;
constexpr size_t kMaxLockName = 128;

void PutIds(std::string* out, const std::vector<Id>& ids) {
  PutVarint64(out, ids.size());
  for (const Id& id : ids) out->append(id.View());
}

Status GetIds(ByteReader* r, const char* field, std::vector<Id>* ids) {
  uint64_t n;
  TM_RETURN_IF_ERROR(r->VarintMax(field, kMaxIds, &n));
  if (n > r->remaining() / 32) return r->Error(field, "count larger than the file can hold");
  ids->reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    std::string_view b;
    TM_RETURN_IF_ERROR(r->Bytes(field, 32, &b));
    ids->push_back(Id::FromBytes(b));
    if (i > 0 && !((*ids)[i - 1] < (*ids)[i])) {
      return r->Error(field, "ids not strictly increasing");
    }
  }
  return Status::OK();
}

FileHandle MarkHandle(const std::string& name) { return {FileKind::kPrune, name}; }
FileHandle WaitHandle(const std::string& mark) { return {FileKind::kPrune, mark + ".wait"}; }
constexpr std::string_view kWaitSuffix = ".wait";

bool IsMarkName(const std::string& name) {
  if (name.size() != 32) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string NewPruneMarkName() { return HexEncode(RandomBytes(16)); }

std::string EncodePruneMark(const PruneMark& m) {
  std::string out;
  out.push_back(1);  // version
  PutFixed64(&out, static_cast<uint64_t>(m.created_us));
  PutLengthPrefixed(&out, m.prune_lock);
  PutIds(&out, m.roots);
  PutIds(&out, m.packs);
  PutIds(&out, m.unindexed_packs);
  PutIds(&out, m.candidates);
  return out;
}

Result<PruneMark> DecodePruneMark(std::string_view payload, std::string_view what) {
  ByteReader r(payload, std::string(what));
  PruneMark m;
  uint8_t version;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != 1) {
    return r.Error("version", "unsupported prune mark version " + std::to_string(version) +
                                  " (written by a newer tidemark)");
  }
  uint64_t created;
  TM_RETURN_IF_ERROR(r.Fixed64("created_us", &created));
  if (created > static_cast<uint64_t>(INT64_MAX)) return r.Error("created_us", "out of range");
  m.created_us = static_cast<int64_t>(created);
  std::string_view s;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("prune_lock", kMaxLockName, &s));
  m.prune_lock = std::string(s);
  TM_RETURN_IF_ERROR(GetIds(&r, "roots", &m.roots));
  TM_RETURN_IF_ERROR(GetIds(&r, "packs", &m.packs));
  TM_RETURN_IF_ERROR(GetIds(&r, "unindexed_packs", &m.unindexed_packs));
  TM_RETURN_IF_ERROR(GetIds(&r, "candidates", &m.candidates));
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

Status WritePruneMark(const Repository& repo, const PruneMark& m) {
  const std::string file = SealSignedFile(repo.keys(), format::kPruneMarkMagic,
                                          format::kAadPruneMark, m.name, EncodePruneMark(m));
  if (file.size() > kMaxPruneMarkFileSize) {
    return Status::Unsupported("prune mark of " + std::to_string(m.candidates.size()) +
                               " blobs is larger than the 256 MiB limit");
  }
  return repo.backend()->Put(MarkHandle(m.name), file, PutMode::kCreateExclusive);
}

Result<PruneMark> ReadPruneMark(const Repository& repo, const std::string& name) {
  TM_ASSIGN_OR_RETURN(std::string file,
                      ReadSmallFile(repo.backend(), MarkHandle(name), kMaxPruneMarkFileSize));
  const std::string what = "prune mark " + name;
  TM_ASSIGN_OR_RETURN(std::string payload, OpenSignedFile(repo.keys(), format::kPruneMarkMagic,
                                                          format::kAadPruneMark, name, file, what));
  TM_ASSIGN_OR_RETURN(PruneMark m, DecodePruneMark(payload, what));
  m.name = name;
  return m;
}

Result<std::vector<std::string>> ListPruneMarks(const Repository& repo) {
  std::vector<std::string> names;
  TM_RETURN_IF_ERROR(repo.backend()->List(FileKind::kPrune, [&](const FileInfo& f) {
    if (IsMarkName(f.handle.name)) names.push_back(f.handle.name);
    return Status::OK();
  }));
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> ListOrphanWaitLists(const Repository& repo) {
  std::vector<std::string> all;
  TM_RETURN_IF_ERROR(repo.backend()->List(FileKind::kPrune, [&](const FileInfo& f) {
    all.push_back(f.handle.name);
    return Status::OK();
  }));
  std::sort(all.begin(), all.end());
  std::vector<std::string> orphans;
  for (const std::string& n : all) {
    if (n.size() <= kWaitSuffix.size() ||
        n.compare(n.size() - kWaitSuffix.size(), kWaitSuffix.size(), kWaitSuffix) != 0) {
      continue;
    }
    const std::string mark = n.substr(0, n.size() - kWaitSuffix.size());
    if (!std::binary_search(all.begin(), all.end(), mark)) orphans.push_back(mark);
  }
  return orphans;
}

Status WritePruneWaitList(const Repository& repo, const std::string& mark,
                          const std::vector<std::string>& locks) {
  std::string payload;
  payload.push_back(1);  // version
  PutVarint64(&payload, locks.size());
  for (const std::string& l : locks) PutLengthPrefixed(&payload, l);
  const std::string name = mark + std::string(kWaitSuffix);
  return repo.backend()->Put(
      WaitHandle(mark),
      SealSignedFile(repo.keys(), format::kPruneMarkMagic, format::kAadPruneMark, name, payload),
      PutMode::kCreateExclusive);
}

Result<std::vector<std::string>> ReadPruneWaitList(const Repository& repo,
                                                   const std::string& mark) {
  const std::string name = mark + std::string(kWaitSuffix);
  TM_ASSIGN_OR_RETURN(std::string file,
                      ReadSmallFile(repo.backend(), WaitHandle(mark), kMaxPruneMarkFileSize));
  const std::string what = "prune wait list " + name;
  TM_ASSIGN_OR_RETURN(std::string payload, OpenSignedFile(repo.keys(), format::kPruneMarkMagic,
                                                          format::kAadPruneMark, name, file, what));
  ByteReader r(payload, what);
  uint8_t version;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != 1) return r.Error("version", "unsupported version " + std::to_string(version));
  uint64_t n;
  TM_RETURN_IF_ERROR(r.VarintMax("lock_count", kMaxLocks, &n));
  if (n > r.remaining()) return r.Error("lock_count", "count larger than the file can hold");
  std::vector<std::string> locks;
  for (uint64_t i = 0; i < n; i++) {
    std::string_view s;
    TM_RETURN_IF_ERROR(r.LengthPrefixed("lock", kMaxLockName, &s));
    locks.emplace_back(s);
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return locks;
}

Status RemovePruneMark(const Repository& repo, const std::string& mark) {
  Status s = repo.backend()->Remove(MarkHandle(mark));
  if (!s.ok() && !s.IsNotFound()) return s;
  s = repo.backend()->Remove(WaitHandle(mark));
  if (!s.ok() && !s.IsNotFound()) return s;
  return Status::OK();
}

}  // namespace tidemark
