#include "repo/blob_store.h"

#include <algorithm>

#include "base/logging.h"
#include "repo/format.h"
#include "repo/prune_mark.h"
#include "repo/small_file.h"

namespace tidemark {

BlobStore::BlobStore(const Repository* repo) : repo_(repo) {}

BlobStore::~BlobStore() {
  std::unique_lock lock(mu_);
  if (!writer_.empty()) {
    TM_LOG(kWarning, "blob store closed with ", writer_.count(), " unflushed blobs");
  }
}

// Marks are read before the index is listed: a prune deletes index files
// before it removes its mark, so an index file this store reads that names a
// doomed blob was listed while the mark still existed (prune.md §4).
Status BlobStore::LoadPruneMarks() {
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListPruneMarks(*repo_));
  std::vector<Id> doomed;
  bool off = false;
  for (const std::string& name : names) {
    auto mark = ReadPruneMark(*repo_, name);
    if (mark.status().IsNotFound()) continue;  // finished and removed meanwhile
    if (!mark.ok()) {
      TM_LOG(kWarning, "cannot read prune mark ", name, " (", mark.status().ToString(),
             "); deduplication against stored blobs is off for this run");
      off = true;
      continue;
    }
    doomed.insert(doomed.end(), mark->candidates.begin(), mark->candidates.end());
  }
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
  std::unique_lock lock(mu_);
  doomed_ = std::move(doomed);
  dedup_off_ = dedup_off_ || off;
  return Status::OK();
}

bool BlobStore::StoredLocked(const Id& id) const {
  if (pending_.count(id)) return true;
  if (!index_.Contains(id)) return false;
  if (!dedup_off_ && !std::binary_search(doomed_.begin(), doomed_.end(), id)) return true;
  return rewritten_.count(id) > 0;
}

size_t BlobStore::doomed_count() const {
  std::shared_lock lock(mu_);
  return doomed_.size();
}

void BlobStore::CompactIndex() {
  std::unique_lock lock(mu_);
  frozen_ = true;
  index_.Compact();
}

Status BlobStore::ReadIndexFiles(Progress* progress,
                                 const std::function<void(IndexPack&&)>& fn) const {
  std::vector<FileInfo> files;
  TM_RETURN_IF_ERROR(repo_->backend()->List(FileKind::kIndex, [&](const FileInfo& f) {
    files.push_back(f);
    return Status::OK();
  }));
  if (progress) progress->SetTotal(files.size());
  for (const FileInfo& f : files) {
    auto data = ReadSmallFile(repo_->backend(), f.handle, kMaxIndexFileSize);
    // Removed between the listing and the read: a prune replaced it, and
    // wrote its replacement before removing it (prune.md §4).
    if (data.status().IsNotFound()) continue;
    if (!data.ok()) return data.status();
    TM_RETURN_IF_ERROR(
        DecodeIndexFile(f.handle.name, *data, repo_->keys().data_key, [&](IndexPack&& p) {
          fn(std::move(p));
          return Status::OK();
        }));
    if (progress) progress->Add(1);
  }
  return Status::OK();
}

Status BlobStore::LoadIndex(Progress* progress) {
  TM_RETURN_IF_ERROR(LoadPruneMarks());
  std::unique_lock lock(mu_);
  Status read = ReadIndexFiles(progress, [&](IndexPack&& p) { index_.AppendPack(p); });
  index_.FinishAppends();
  return read;
}

std::optional<BlobLocation> BlobStore::Relocate(const Id& id, const Id& missing_pack) {
  {
    std::shared_lock lock(mu_);
    if (frozen_) return std::nullopt;
    if (std::find(missing_packs_.begin(), missing_packs_.end(), missing_pack) !=
        missing_packs_.end()) {
      auto loc = index_.Find(id);
      if (loc && loc->pack_id != missing_pack) return loc;
      return std::nullopt;
    }
  }
  MemIndex fresh;
  Status read = ReadIndexFiles(nullptr, [&](IndexPack&& p) { fresh.AppendPack(p); });
  fresh.FinishAppends();
  if (!read.ok()) return std::nullopt;
  std::unique_lock lock(mu_);
  missing_packs_.push_back(missing_pack);
  index_ = std::move(fresh);
  auto loc = index_.Find(id);
  if (loc && loc->pack_id != missing_pack) return loc;
  return std::nullopt;
}

Id BlobStore::IdOf(std::string_view content) const { return ComputeBlobId(repo_->keys(), content); }

Result<Id> BlobStore::Put(BlobType type, std::string_view content) {
  const Id id = IdOf(content);
  {
    std::shared_lock lock(mu_);
    if (!sticky_.ok()) return sticky_;
    if (StoredLocked(id)) {
      lock.unlock();
      std::unique_lock wlock(mu_);
      stats_.blobs_deduped++;
      return id;
    }
  }
  // Compress and encrypt without holding the lock, so that threads overlap.
  TM_ASSIGN_OR_RETURN(EncodedBlob blob, EncodeBlobWithId(repo_->keys(), id, content,
                                                         repo_->config().compression_level));
  std::unique_lock lock(mu_);
  if (!sticky_.ok()) return sticky_;
  if (StoredLocked(id)) {  // another thread won the race
    stats_.blobs_deduped++;
    return id;
  }
  pending_.emplace(id, writer_.Add(type, blob));
  stats_.blobs_added++;
  stats_.bytes_added += content.size();
  // Close the pack at its target size, or at the most blobs a pack header
  // may list (FORMAT.md §7), whichever comes first.
  if (writer_.size() >= repo_->config().pack_target ||
      writer_.count() >= format::kMaxBlobsPerPack) {
    TM_RETURN_IF_ERROR(FlushLocked());
  }
  return id;
}

Status BlobStore::Flush() {
  std::unique_lock lock(mu_);
  return FlushLocked();
}

Status BlobStore::FlushLocked() {
  if (!sticky_.ok()) return sticky_;
  if (writer_.empty()) return Status::OK();
  IndexPack pack;
  std::string file = writer_.Finish(repo_->keys().data_key, &pack.blobs);
  pending_.clear();
  pack.pack_id = PackIdOf(file);
  // Write ordering (FORMAT.md §11): the pack is durable before any index
  // names it.
  Status s = repo_->backend()->Put(PackHandle(pack.pack_id), file);
  // The same content written twice has the same id: an existing pack file
  // with our id holds exactly these bytes.
  if (s.IsAlreadyExists()) s = Status::OK();
  if (!s.ok()) {
    sticky_ = s.WithContext("writing pack " + pack.pack_id.Short());
    return sticky_;
  }
  std::string index_file = EncodeIndexFile({pack}, repo_->keys().data_key);
  const Id index_id = PackIdOf(index_file);
  s = repo_->backend()->Put(IndexHandle(index_id), index_file);
  if (s.IsAlreadyExists()) s = Status::OK();
  if (!s.ok()) {
    sticky_ = s.WithContext("writing index " + index_id.Short());
    return sticky_;
  }
  index_.AddPack(pack);
  if (dedup_off_ || !doomed_.empty()) {
    for (const PackEntry& e : pack.blobs) {
      if (dedup_off_ || std::binary_search(doomed_.begin(), doomed_.end(), e.id)) {
        rewritten_[e.id] = BlobLocation{pack.pack_id, e.type, static_cast<uint32_t>(e.offset),
                                        e.sealed_len, e.raw_len};
      }
    }
  }
  stats_.packs_written++;
  stats_.bytes_written += file.size() + index_file.size();
  if (on_commit_) on_commit_(pack);
  return Status::OK();
}

Result<std::string> BlobStore::Get(const Id& id) {
  std::optional<BlobLocation> loc;
  {
    std::shared_lock lock(mu_);
    auto it = pending_.find(id);
    if (it != pending_.end()) {
      const PackEntry& e = it->second;
      std::string sealed(writer_.data().substr(e.offset, e.sealed_len));
      lock.unlock();
      return DecodeBlob(repo_->keys(), id, sealed, e.raw_len, "unflushed pack");
    }
    auto fresh = rewritten_.find(id);
    loc = fresh != rewritten_.end() ? std::optional<BlobLocation>(fresh->second) : index_.Find(id);
  }
  if (!loc) return Status::NotFound("blob " + id.Hex() + " is not in the index");
  const FileHandle h = PackHandle(loc->pack_id);
  auto sealed = repo_->backend()->Get(h, loc->offset, loc->sealed_len);
  const std::string where =
      "pack " + loc->pack_id.Short() + " offset " + std::to_string(loc->offset);
  if (sealed.status().IsNotFound()) {
    if (auto moved = Relocate(id, loc->pack_id)) {
      sealed = repo_->backend()->Get(PackHandle(moved->pack_id), moved->offset, moved->sealed_len);
      if (sealed.ok() && sealed->size() == moved->sealed_len) {
        return DecodeBlob(
            repo_->keys(), id, *sealed, moved->raw_len,
            "pack " + moved->pack_id.Short() + " offset " + std::to_string(moved->offset));
      }
    }
    return Status::Corruption("blob " + id.Short() + ": pack " + loc->pack_id.Hex() +
                              " named by the index is missing");
  }
  if (sealed.status().IsInvalidArgument()) {  // the offset lies past the end of the pack
    return Status::Corruption("blob " + id.Short() + " (" + where + "): pack is truncated");
  }
  if (!sealed.ok()) return sealed.status();
  if (sealed->size() != loc->sealed_len) {
    return Status::Corruption("blob " + id.Short() + " (" + where + "): pack is truncated");
  }
  return DecodeBlob(repo_->keys(), id, *sealed, loc->raw_len, where);
}

bool BlobStore::Has(const Id& id) const {
  std::shared_lock lock(mu_);
  return index_.Contains(id) || pending_.count(id) > 0;
}

std::optional<BlobLocation> BlobStore::Find(const Id& id) const {
  std::shared_lock lock(mu_);
  return index_.Find(id);
}

void BlobStore::SetCommitListener(std::function<void(const IndexPack&)> fn) {
  std::unique_lock lock(mu_);
  on_commit_ = std::move(fn);
}

BlobStoreStats BlobStore::stats() const {
  std::shared_lock lock(mu_);
  return stats_;
}

}  // namespace tidemark
