// prune: deletes blobs that nothing kept references, safely beside running
// backups (docs/guide/retention.md, docs/format/prune.md).
//
// Two phases. Phase 1 (mark) walks every root (snapshots today) and writes
// a pending-deletion mark listing the unreferenced blobs and the locks
// present once the mark was durable. Writers that start later never
// deduplicate against marked blobs (BlobStore::LoadIndex). Phase 2 (sweep)
// runs only once every lock the mark lists is gone; it spares candidates
// that roots written since phase 1 reference, repacks partly used packs,
// writes the new index, then deletes stale index files, then packs, then
// the mark. A crash at any point leaves a valid repository; the next prune
// resumes from the mark.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "repo/blob_store.h"
#include "repo/prune_mark.h"
#include "repo/repository.h"

namespace tidemark {

// The set of reachable blobs: one bit per blob of a compacted index (about
// 48 bytes per blob for the index plus 1 bit).
class BlobMarker {
 public:
  // REQUIRES: store's index is loaded and compacted, and stays unchanged.
  explicit BlobMarker(const BlobStore* store);
  // Marks id. Returns true when it was not marked before. Corruption when
  // the index does not hold id (a kept object references a missing blob:
  // prune must stop rather than delete around damage).
  Result<bool> Mark(const Id& id, std::string_view referrer);
  bool IsMarked(size_t pos) const { return (bits_[pos / 64] >> (pos % 64)) & 1; }
  size_t size() const { return count_; }
  uint64_t marked() const { return marked_; }
  size_t MemoryBytes() const { return bits_.capacity() * 8; }

 private:
  const MemIndex& index_;
  size_t count_;
  std::vector<uint64_t> bits_;
  uint64_t marked_ = 0;
};

// A kind of object whose presence keeps blobs (snapshots; later drill
// reports and anything else that is kept). Reachability starts from the
// union of every kind's objects.
struct ReachabilityRoot {
  std::string kind;  // "snapshot"
  // The ids of the objects present now.
  std::function<Result<std::vector<Id>>(const Repository&)> list;
  // Marks every blob object `id` references. NotFound when the object is
  // gone (it was removed meanwhile: it then keeps nothing).
  std::function<Status(const Repository&, BlobStore*, const Id& id, BlobMarker*)> mark;
};
// Snapshots: tree roots -> tree nodes -> large-value chunks.
ReachabilityRoot SnapshotRoots();
std::vector<ReachabilityRoot> DefaultRoots();

// Marks every blob of the tree under root (nodes and large-value chunks),
// skipping subtrees already marked.
Status MarkTree(BlobStore* store, const Id& root, BlobMarker* marker, std::string_view what);

struct PruneOptions {
  bool dry_run = false;
  // A pack whose unused share (bytes) is above this fraction is repacked;
  // one with nothing used is deleted. restic's default, 5 %.
  double max_unused = 0.05;
  bool show_progress = false;
  std::vector<ReachabilityRoot> roots = DefaultRoots();
  // The id of the lock this prune holds (so that it does not wait for itself).
  std::string own_lock;
  // Named crash points for tests: called after each step that changes the
  // repository ("mark-written", "pack-written", "index-written",
  // "index-deleted", "pack-deleted", "mark-removed"); a non-OK status stops
  // the prune there, as a kill would.
  std::function<Status(std::string_view step)> crash_point;
  // Asked between steps; a non-OK status stops (e.g. the lock was lost).
  std::function<Status()> keep_going;
};

struct PruneReport {
  // Phase 1.
  uint64_t roots = 0, blobs = 0, blobs_used = 0;
  uint64_t candidates = 0, candidate_bytes = 0;       // unreferenced blobs (sealed bytes)
  uint64_t duplicate_copies = 0;                      // extra copies of a blob in another pack
  uint64_t temp_removed = 0, temp_bytes_removed = 0;  // killed writers' temp files (>24 h old)
  std::string mark;                                   // the mark written ("" = none)
  uint64_t index_memory_bytes = 0;                    // index + marking bitmap at phase 1
  // Phase 2, over every mark swept in this run.
  uint64_t marks_swept = 0;
  std::vector<std::string> waiting_for;  // locks a pending mark still waits for
  std::vector<std::string> set_aside;    // damaged marks or wait lists removed ("name: why")
  uint64_t blobs_spared = 0;             // candidates a newer root references
  uint64_t blobs_deleted = 0, packs_deleted = 0, packs_repacked = 0, packs_written = 0;
  uint64_t index_deleted = 0, index_written = 0, unindexed_deleted = 0;
  uint64_t bytes_deleted = 0, bytes_written = 0;  // pack and index file bytes
  // Object Lock: packs and index files kept because storage still retains
  // them (or a retained index file lists them), and the latest such date.
  uint64_t locked_kept = 0;
  int64_t locked_until_us = 0;
  // Object Lock: files whose retention was extended to a full lock_days
  // (those kept snapshots need, with less than half of it left).
  uint64_t locks_extended = 0;
  // With dry_run: what phase 2 would do now.
  uint64_t would_delete_packs = 0, would_repack_packs = 0, would_free_bytes = 0;
};

// Runs prune: sweeps every pending mark that is ready (reporting those still
// waiting), then, unless a mark still waits, marks anew and sweeps at once
// when nothing else ran meanwhile. The caller holds a shared lock
// (own_lock); another prune's lock makes this one refuse (Refused).
// PermissionDenied in an append-only session.
Result<PruneReport> Prune(Repository* repo, const PruneOptions& options);

}  // namespace tidemark
