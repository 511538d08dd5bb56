// The history of one record across the snapshots of a source: each distinct
// version with the snapshots that hold it, including when the record appeared
// and when it was deleted. One root-to-leaf walk per snapshot, skipped when a
// table's root is unchanged from the previous snapshot.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "snapshot/catalog.h"
#include "tree/tree.h"

namespace tidemark {

struct RecordVersion {
  // nullopt: the record is absent (deleted, or not yet created) in these snapshots.
  std::optional<std::string> value;     // encoded record
  const SnapshotInfo* first = nullptr;  // first snapshot holding this version
  const SnapshotInfo* last = nullptr;   // last consecutive snapshot holding it
  size_t snapshots = 0;
};

// `snapshots` is one source's snapshots, oldest first. Snapshots in which the
// table does not exist count as "absent". Leading absence (before the record
// first appears) is omitted.
Result<std::vector<RecordVersion>> RecordHistory(NodeCache* cache,
                                                 const std::vector<SnapshotInfo>& snapshots,
                                                 const std::string& table, const std::string& key);

}  // namespace tidemark
