// What the snapshot commands share: opening the repository for reading
// snapshots (index loaded, shared lock held) and resolving names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/context.h"
#include "repo/blob_store.h"
#include "repo/lock.h"
#include "snapshot/catalog.h"
#include "tree/tree.h"

namespace tidemark::cli {

struct SnapshotAccess {
  Repository* repo = nullptr;
  std::unique_ptr<RepoLock> lock;
  std::unique_ptr<BlobStore> store;
  std::unique_ptr<NodeCache> cache;
  std::vector<SnapshotInfo> all;  // oldest first
  std::string source;             // `all` holds this source's snapshots only ("" = every one)

  // `spec` among `all`. An id of another source's snapshot is NotFound
  // saying whose snapshot it is.
  Result<const SnapshotInfo*> Resolve(const std::string& spec) const;
};

// Opens the repository, takes a shared lock named `command`, loads the index
// and every snapshot manifest (of `source` only, when given).
Result<std::unique_ptr<SnapshotAccess>> OpenSnapshots(Context* ctx, const std::string& command,
                                                      const std::string& source = "");

// The table `name` (its name, or the display name its profile gave it:
// ResolveTableName) of a snapshot, or InvalidArgument naming the closest
// table names (TableSuggestion) or the tables a display name is ambiguous between.
Result<const SnapshotTable*> FindTableOrExplain(const SnapshotInfo& s, const std::string& name);

// Every table name of a manifest, in schema order.
std::vector<std::string> TableNamesOf(const Manifest& m);
// "did you mean 'Books'? (65 tables); `tidemark ls SNAP` lists them".
std::string TableSuggestion(const std::string& name, const std::vector<std::string>& tables);

}  // namespace tidemark::cli
