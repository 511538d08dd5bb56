// The backup use case (docs/guide/backup.md): one source into one snapshot
// with every guarantee a front end needs: the ledger checked first, the
// repository's shared lock (kept fresh, and a lost lock reported), ledger
// entries for the backup and its anomalies, and the anomaly alert posted.
// The CLI (`tidemark backup`) and, later, `tidemark serve` call it alike.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/result.h"
#include "ledger/action_log.h"
#include "ops/alerts/alerts.h"
#include "ops/backup/backup.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"

namespace tidemark {

// Where a backup's anomalies are posted; no webhook or no transport: nowhere.
struct BackupAlerts {
  AlertPolicy policy;
  AlertTransport* transport = nullptr;
};

struct BackupOutcome {
  BackupResult result;
  std::optional<AlertDelivery> alert;  // the post of its anomalies; nullopt: none was made
};

// Called once the snapshot and its ledger entries are written, before the
// alert is posted, so that a front end reports the snapshot without waiting
// for the webhook's retries.
using BackupSaved = std::function<void(const BackupResult&)>;

// Backs up opts.source as opts.name:
//  1. the ledger must accept an entry (else Refused, nothing done);
//  2. the shared lock "backup" is taken and kept fresh while Backup runs;
//  3. a failed Backup is recorded ("backup" / "failed") and returned; a
//     cancelled one (opts.cancel) is Cancelled, recorded "backup" /
//     "cancelled", with no snapshot written and the lock released;
//  4. a lock removed while it ran is Refused (the snapshot is written; run
//     `tidemark check`), with no ledger entry;
//  5. "backup" / "ok" with its counts, and "anomaly" / "open" naming the
//     snapshot, the source and its alerts when it found any;
//  6. `saved`, then the "anomalies" alert through alerts.transport (a failed
//     post is in the outcome and the ledger, never an error).
Result<BackupOutcome> BackupSource(Repository* repo, const ActionLog& log,
                                   const BackupOptions& opts, const BackupAlerts& alerts,
                                   const BackupSaved& saved = {});

// Whether a source is due for `backup --all --due`: never backed up
// (`last` null), or its newest snapshot is at least `rpo_us` old. Without
// an RPO a source is due only when it was never backed up.
bool BackupDue(const SnapshotInfo* last, std::optional<uint64_t> rpo_us, int64_t now_us);

}  // namespace tidemark
