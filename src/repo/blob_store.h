// BlobStore: content-addressed storage of blobs in packs (docs/FORMAT.md
// §6-§8, write ordering §11). Thread-safe.
//
// Durability: Put returns once the blob is buffered. A blob is durable when
// the pack holding it and that pack's index file are written; Flush makes
// every blob Put before it durable. If a write fails, the store keeps that
// error ("sticky") and fails every later Put and Flush with it: blobs that
// were only buffered are lost and the caller must not assume otherwise.
#pragma once

#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/progress.h"
#include "base/result.h"
#include "repo/blob.h"
#include "repo/index.h"
#include "repo/pack.h"
#include "repo/repository.h"

namespace tidemark {

struct BlobStoreStats {
  uint64_t blobs_added = 0;    // new blobs stored
  uint64_t blobs_deduped = 0;  // Puts whose content was already stored
  uint64_t bytes_added = 0;    // raw content bytes of new blobs
  uint64_t bytes_written = 0;  // pack + index bytes written
  uint64_t packs_written = 0;
};

class BlobStore {
 public:
  // `repo` must outlive the store.
  explicit BlobStore(const Repository* repo);
  ~BlobStore();  // does not flush: call Flush() and check its result

  // Reads the pending-deletion marks (prune/, docs/format/prune.md), then
  // every index file into memory. Corruption names the first bad index
  // file. Blobs a mark lists are "doomed": Put never deduplicates against
  // them but stores a fresh copy, because a concurrent prune may delete
  // them (docs/guide/retention.md). A mark that cannot be read turns
  // deduplication against stored blobs off for this store (safe, slower).
  Status LoadIndex(Progress* progress = nullptr);

  // Stores content as a blob of `type` unless one with the same id is
  // already stored or buffered. Returns the id.
  Result<Id> Put(BlobType type, std::string_view content);
  // The id Put would give `content`, storing nothing.
  Id IdOf(std::string_view content) const;
  // Reads and verifies a blob (stored or still buffered). When the pack the
  // index names is gone (a concurrent prune repacked it), the index is
  // re-read once per missing pack and the blob read from its new place.
  Result<std::string> Get(const Id& id);
  bool Has(const Id& id) const;
  std::optional<BlobLocation> Find(const Id& id) const;

  // Writes the buffered pack and its index file.
  Status Flush();

  // Number of doomed blob ids loaded from prune marks (for tests).
  size_t doomed_count() const;
  // Merges the index so that MemIndex positions are dense (see MemIndex).
  // The index then stays as it is (Get no longer re-reads it).
  void CompactIndex();

  // Called (under the store's lock) after each pack and its index are
  // durable, with the blobs that pack holds. For tests and progress.
  void SetCommitListener(std::function<void(const IndexPack&)> fn);

  BlobStoreStats stats() const;
  const MemIndex& index() const { return index_; }  // REQUIRES: no concurrent Put

 private:
  Status FlushLocked();  // REQUIRES: mu_ held exclusively
  Status LoadPruneMarks();
  // Reads every index file, calling fn for each pack listing. Uses only
  // immutable state (repo_), so callers may hold mu_.
  Status ReadIndexFiles(Progress* progress, const std::function<void(IndexPack&&)>& fn) const;
  // After a missing pack: re-reads the index and returns the blob's new
  // location, if it moved.
  std::optional<BlobLocation> Relocate(const Id& id, const Id& missing_pack);
  // True when Put may reuse the stored copy of id. REQUIRES: mu_ held.
  bool StoredLocked(const Id& id) const;

  const Repository* const repo_;
  mutable std::shared_mutex mu_;
  MemIndex index_;                                     // guarded by mu_
  PackWriter writer_;                                  // guarded by mu_
  std::unordered_map<Id, PackEntry, IdHash> pending_;  // blobs in writer_; guarded by mu_
  Status sticky_;                                      // guarded by mu_
  BlobStoreStats stats_;                               // guarded by mu_
  std::function<void(const IndexPack&)> on_commit_;
  std::vector<Id> doomed_;         // sorted; blobs of pending-deletion marks; guarded by mu_
  bool dedup_off_ = false;         // a mark was unreadable; guarded by mu_
  bool frozen_ = false;            // CompactIndex was called: positions must stay; guarded by mu_
  std::vector<Id> missing_packs_;  // packs found gone, index re-read; guarded by mu_
  // Doomed blobs this store wrote again, at their fresh place; guarded by mu_.
  std::unordered_map<Id, BlobLocation, IdHash> rewritten_;
};

}  // namespace tidemark
