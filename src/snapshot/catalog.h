// Finding snapshots: loading manifests and resolving what a user typed
// (docs/guide/snapshots.md: id, unique prefix, latest, SOURCE@latest,
// SOURCE@TIME).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "snapshot/manifest.h"

namespace tidemark {

struct SnapshotInfo {
  Id id;
  Manifest manifest;
};

// Every snapshot (of `source` only, when not empty), oldest first (by time,
// then id). A damaged snapshot (Corruption) is skipped with a warning on
// stderr (and listed in *damaged when given, with the failed check); other
// errors fail the load.
Result<std::vector<SnapshotInfo>> LoadSnapshots(
    const Repository& repo, std::string_view source = "",
    std::vector<std::pair<Id, std::string>>* damaged = nullptr);

// Resolves `spec` among `all`: a full id, a unique id prefix,
// "latest", "SOURCE@latest", or "SOURCE@TIME" (the newest snapshot of SOURCE
// taken at or before TIME, UTC). NotFound / InvalidArgument (ambiguous
// prefix, listing the candidates) say what to do next.
Result<const SnapshotInfo*> ResolveSnapshot(const std::vector<SnapshotInfo>& all,
                                            std::string_view spec);

// The newest snapshot of `source`, or null.
const SnapshotInfo* LatestOf(const std::vector<SnapshotInfo>& all, std::string_view source);

}  // namespace tidemark
