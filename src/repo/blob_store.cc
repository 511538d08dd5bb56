#include "repo/blob_store.h"

#include "base/logging.h"
#include "repo/format.h"
#include "repo/small_file.h"

namespace tidemark {

BlobStore::BlobStore(const Repository* repo) : repo_(repo) {}

BlobStore::~BlobStore() {
  std::unique_lock lock(mu_);
  if (!writer_.empty()) {
    TM_LOG(kWarning, "blob store closed with ", writer_.count(), " unflushed blobs");
  }
}

Status BlobStore::LoadIndex(Progress* progress) {
  std::vector<FileInfo> files;
  TM_RETURN_IF_ERROR(repo_->backend()->List(FileKind::kIndex, [&](const FileInfo& f) {
    files.push_back(f);
    return Status::OK();
  }));
  if (progress) progress->SetTotal(files.size());
  std::unique_lock lock(mu_);
  for (const FileInfo& f : files) {
    TM_ASSIGN_OR_RETURN(std::string data,
                        ReadSmallFile(repo_->backend(), f.handle, kMaxIndexFileSize));
    TM_RETURN_IF_ERROR(
        DecodeIndexFile(f.handle.name, data, repo_->keys().data_key, [&](IndexPack&& p) {
          index_.AddPack(p);
          return Status::OK();
        }));
    if (progress) progress->Add(1);
  }
  return Status::OK();
}

Result<Id> BlobStore::Put(BlobType type, std::string_view content) {
  const Id id = ComputeBlobId(repo_->keys(), content);
  {
    std::shared_lock lock(mu_);
    if (!sticky_.ok()) return sticky_;
    if (index_.Contains(id) || pending_.count(id)) {
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
  if (index_.Contains(id) || pending_.count(id)) {  // another thread won the race
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
    loc = index_.Find(id);
  }
  if (!loc) return Status::NotFound("blob " + id.Hex() + " is not in the index");
  const FileHandle h = PackHandle(loc->pack_id);
  auto sealed = repo_->backend()->Get(h, loc->offset, loc->sealed_len);
  const std::string where =
      "pack " + loc->pack_id.Short() + " offset " + std::to_string(loc->offset);
  if (sealed.status().IsNotFound()) {
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
