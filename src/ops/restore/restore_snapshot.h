// Restore and export as use cases (docs/guide/restore.md, export.md): the
// ledger checked before anything is written, the action, and its ledger
// entry, whether it succeeded or not. The CLI (`tidemark restore`, `export`)
// and, later, `tidemark serve` call them alike; the caller resolves the
// snapshot and the target (a SourceRef from the connector registry).
#pragma once

#include <vector>

#include "base/result.h"
#include "ledger/action_log.h"
#include "ops/restore/export.h"
#include "ops/restore/restore.h"
#include "snapshot/catalog.h"

namespace tidemark {

// Restores snapshot `s` to `target` (opts.path is set from it). Refused,
// with nothing written, when the ledger would not record it; a failure is
// recorded ("restore" / "refused" or "failed", the error as reason) and
// returned; success is "restore" / "ok" with the tables and records counted.
// Targets: "snapshot ID", "to URI".
Result<RestoreResult> RestoreSnapshot(BlobStore* store, const Repository& repo,
                                      const ActionLog& log, const SnapshotInfo& s,
                                      const SourceRef& target, RestoreOptions opts);

// Exports snapshot `s` to opts.dir the same way ("export", targets
// "snapshot ID", "to DIR", counts files and records).
Result<std::vector<ExportedFile>> ExportSnapshotLogged(BlobStore* store, const Repository& repo,
                                                       const ActionLog& log, const SnapshotInfo& s,
                                                       const ExportOptions& opts);

}  // namespace tidemark
