// Pending-deletion marks (docs/format/prune.md): phase 1 of prune records
// the blobs no kept snapshot references; writers that start after the mark
// exists never deduplicate against those blobs, and phase 2 deletes them
// once every operation that was running when the mark was written has
// finished. See docs/guide/retention.md "Prune beside running backups".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "repo/id.h"
#include "repo/repository.h"

namespace tidemark {

inline constexpr uint64_t kMaxPruneMarkFileSize = 256u << 20;  // prune.md §2

struct PruneMark {
  std::string name;  // file name: 32 random hex digits
  int64_t created_us = 0;
  std::string prune_lock;           // lock id of the prune that wrote the mark
  std::vector<Id> roots;            // root objects the marking walked: snapshots, … (sorted)
  std::vector<Id> packs;            // indexed packs holding a candidate (sorted)
  std::vector<Id> unindexed_packs;  // packs no index named at marking (sorted)
  std::vector<Id> candidates;       // unreferenced blob ids (sorted, unique)
};

// Payload codec (exposed for fuzzing and tests). Decode enforces the
// limits of prune.md and sortedness of every id list.
std::string EncodePruneMark(const PruneMark& m);
Result<PruneMark> DecodePruneMark(std::string_view payload, std::string_view what);

// Writes prune/<m.name> (exclusive create), signed and sealed.
Status WritePruneMark(const Repository& repo, const PruneMark& m);
// Reads and verifies prune/<name>. NotFound when it is gone.
Result<PruneMark> ReadPruneMark(const Repository& repo, const std::string& name);
// Names of every mark in prune/ (sorted; wait lists are not marks).
Result<std::vector<std::string>> ListPruneMarks(const Repository& repo);
// Names of wait lists whose mark is gone (left by a crash; removable).
Result<std::vector<std::string>> ListOrphanWaitLists(const Repository& repo);

// The wait list prune/<mark>.wait: the locks that were present once the
// mark was durable (prune.md §3). Written once; phase 2 may run when none
// of them exists any more.
Status WritePruneWaitList(const Repository& repo, const std::string& mark,
                          const std::vector<std::string>& locks);
// NotFound when the mark has no wait list yet (a crash came between them).
Result<std::vector<std::string>> ReadPruneWaitList(const Repository& repo, const std::string& mark);
// Removes the mark, then its wait list (a missing file is fine).
Status RemovePruneMark(const Repository& repo, const std::string& mark);

// A new random mark name.
std::string NewPruneMarkName();

}  // namespace tidemark
