// Damage maps: which snapshots, tables and keys depend on damaged blobs
// (docs/guide/check.md, "Damage map"). Used by `check --read-data` (to map
// the damage it found), by `check --snapshot` and by drills (to verify and
// explain one snapshot).
//
// A map walks every tree of a snapshot from its roots: node children and
// the chunks of out-of-line values in leaf records (records.md §3). A
// reference to a damaged blob becomes a BlobUse. Results are memoized per
// node id, so a subtree shared by many snapshots (or tables) is walked once;
// memory grows with the number of distinct nodes visited, never with the
// number of snapshots that share them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/progress.h"
#include "base/result.h"
#include "repo/blob_store.h"
#include "repo/id.h"
#include "snapshot/manifest.h"

namespace tidemark {

// One place that depends on a damaged blob. Keys are rendered as `ls`,
// `cat` and `diff` show them (KeyToDisplay), or as x'<hex>' when a key does
// not decode.
struct BlobUse {
  Id snapshot;
  std::string source, table;
  // A tree node: the records lost have keys k with from_key < k <= to_key;
  // has_from false means "from the table's first record" (the damaged node
  // is the first of its level), has_to false "to its last" (the root itself
  // is damaged). A large value: large_value is true, from_key == to_key is
  // the key of the one record whose value in `column` is lost (the rest of
  // the record is intact).
  std::string from_key, to_key;
  bool has_from = false, has_to = false;
  bool large_value = false;
  std::string column;  // large values only

  // "keys after 41 up to 80", "every key", "key 42, column body (large value)".
  std::string DescribeKeys() const;
};

struct DamagedBlob {
  Id blob;
  std::string problem;  // why it is damaged: the failed check, or the missing pack
  // In the order the snapshots were walked (check: oldest first). Empty: no
  // snapshot uses it, or only below another damaged node (the walk cannot
  // descend there; that node's use covers the keys).
  std::vector<BlobUse> uses;
};

// How the walker reads and judges blobs. `read` returns a blob's verified
// content, or an error: Corruption or NotFound makes the blob damaged (the
// message is the problem); any other error (storage unreachable) stops the
// walk, since it says nothing about the blob. `known_damaged` lists blobs already found damaged
// (they are not read again). With `verify_chunks`, every large-value chunk is read through `read`
// too; otherwise a chunk is damaged only when it is known damaged or `present` says no index lists
// it.
struct DamageWalkSource {
  std::function<Result<std::string>(const Id&)> read;
  std::function<bool(const Id&)> present;  // may be null with verify_chunks
  std::unordered_map<Id, std::string, IdHash> known_damaged;
  bool verify_chunks = false;
};

struct DamageWalkStats {
  uint64_t nodes_read = 0, chunks_read = 0, bytes_read = 0;
};

// Walks snapshots and collects the uses of damaged blobs. Not thread-safe.
class DamageWalker {
 public:
  explicit DamageWalker(DamageWalkSource source);
  ~DamageWalker();

  // Walks every table of `m` that holds records. Blobs that fail to read or decode during the
  // walk become damaged. `progress` (may be null) counts records: a leaf
  // adds its entries, a damaged or already-walked subtree its count.
  // Non-OK when `keep_going` (may be null) says stop, or `read` fails with
  // an error other than Corruption or NotFound.
  Status AddSnapshot(const Id& id, const Manifest& m, Progress* progress,
                     const std::function<Status()>& keep_going = nullptr);

  // Every damaged blob (known or found), by blob id, with its uses in the
  // order the snapshots were added.
  std::vector<DamagedBlob> Finish();
  // Snapshots added that use no damaged blob / at least one, in order added.
  const std::vector<Id>& affected() const { return affected_; }
  const std::vector<Id>& untouched() const { return untouched_; }
  const DamageWalkStats& stats() const { return stats_; }

 private:
  struct Hit;
  struct Memo;
  Result<const std::vector<Hit>*> Visit(const Id& id, uint64_t count, Progress* progress);
  Result<std::vector<Hit>> LeafHits(const TreeNode& leaf, const Id& id);
  // The problem of a damaged chunk, nullopt when it is intact.
  Result<std::optional<std::string>> ChunkProblem(const Id& chunk);
  void MarkDamaged(const Id& id, const std::string& problem);

  DamageWalkSource source_;
  std::unique_ptr<Memo> memo_;
  std::vector<Id> affected_, untouched_;
  DamageWalkStats stats_;
};

// Reads every blob `m` needs (every tree node of every table and every
// large-value chunk) through store->Get, which verifies each, and returns
// the damaged ones with where `m` uses them (snapshot_id, m.source). An
// empty result means every blob the snapshot needs is intact: a restore
// will find all its data. Non-OK only if reading could not proceed at all.
// The manifest's signature is verified by ReadSnapshot, which the caller
// used to get `m`. Progress is shown on stderr when show_progress.
Result<std::vector<DamagedBlob>> CheckSnapshotData(BlobStore* store, const Id& snapshot_id,
                                                   const Manifest& m, bool show_progress,
                                                   DamageWalkStats* stats = nullptr);

// Renders a key as users see it (KeyToDisplay), or x'<hex>' when it does not decode.
std::string RenderKey(std::string_view key);

}  // namespace tidemark
