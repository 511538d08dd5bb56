// Differences between a snapshot and the live source as it is now (`diff A
// live`). The live table is read in key order inside one read transaction
// and its entries cut into leaves as a backup would cut them (nothing is
// stored); a leaf whose id is the snapshot's is equal and skipped unread,
// the others are merged with the snapshot's entries (LeafStreamDiff). Cost:
// one scan of the live table, plus the snapshot's leaves that changed.
#pragma once

#include <functional>

#include "base/result.h"
#include "repo/blob_store.h"
#include "snapshot/record_diff.h"
#include "sources/connector.h"

namespace tidemark {

// `snap` may be null (the table is new in live) and `live` may be null (the
// table was dropped). fn as in DiffTable (may be null: counts only); once fn
// returns false it is not called again, but counting goes on.
Result<TreeDiffCounts> DiffLiveTable(NodeCache* cache, const Repository& repo,
                                     const SnapshotTable* snap, SourceReader* source,
                                     const TableSchema* live,
                                     const std::function<Result<bool>(const RecordChange&)>& fn);

}  // namespace tidemark
