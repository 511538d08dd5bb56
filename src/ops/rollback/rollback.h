// Applying a rollback or revert plan to the live source (DESIGN.md §8,
// docs/guide/rollback.md): predict violations with a trial transaction,
// take a safety snapshot, apply in one guarded write transaction, verify
// before COMMIT.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "ops/backup/backup.h"
#include "ops/rollback/rollback_plan.h"
#include "snapshot/plan_records.h"

namespace tidemark {

struct ApplyOptions {
  int lock_timeout_ms = 10000;  // wait for the app's write lock at most this long
  bool fire_triggers = false;   // default: triggers are suspended for our writes
  // Called at each step ("safety-snapshot" with its id, "committing" with the
  // expected digest); an error stops the apply before COMMIT.
  std::function<Status(const std::string& step, const std::string& detail)> on_step;
  // After COMMIT, a snapshot of the repaired source with these options (null:
  // none), so that SOURCE@latest is the state the apply made, and the next
  // backup compares with it rather than with the damaged state. Reported by
  // the step "post-snapshot" (its id); a failure leaves the apply committed
  // and is returned in ApplyResult::post_error.
  const BackupOptions* post = nullptr;
  bool show_progress = false;  // a progress line for the writes and their check
};

struct ApplyResult {
  Id safety_snapshot;  // zero for a trial
  Id post_snapshot;    // zero: none taken (see post_error)
  std::string post_error;
  int64_t post_us = 0;
  Id plan_blob;  // the stored record list (see ResolveInterrupted)
  int64_t lock_wait_us = 0;
  // Wall time of the safety snapshot, and of the transaction from BEGIN to
  // COMMIT (including the lock wait, the writes and the verification).
  int64_t safety_us = 0, transaction_us = 0;
  uint64_t rows = 0;
  size_t triggers_suspended = 0;
  std::string expected_digest, verified_digest;  // 32 raw bytes each
  // Trial only: constraint failures met while applying (empty: none).
  std::vector<PlanIssue> violations;
  bool committed = false;
};

// Applies the plan in one write transaction and always rolls it back:
// reports every record whose write breaks a constraint (unique, NOT NULL,
// CHECK, foreign key) and every record that changed since planning. Used
// to predict violations before anything is written. Holds the app's write
// lock for as long as it runs.
Result<ApplyResult> TrialApply(const RollbackPlan& plan, BlobStore* store, const Repository& repo,
                               const ApplyOptions& opts);

// The real thing, in this order: a safety snapshot of the live source
// (`safety` names it; tags it pre-rollback), BEGIN IMMEDIATE, suspend
// triggers, for each record check that live still holds the plan's
// `before` (else Refused: re-plan), write it; deletes children first,
// inserts parents first; then read every record back and check foreign
// keys; COMMIT only when all of it matches the plan. A failed check rolls
// the transaction back (Corruption, exit 3: live unchanged). REQUIRES: the
// plan's RefusalReason() is empty; the caller holds a shared repository
// lock.
Result<ApplyResult> ApplyPlan(const RollbackPlan& plan, Repository* repo, BlobStore* store,
                              const BackupOptions& safety, const ApplyOptions& opts);

// The options of an apply's own snapshots: `pre` the safety snapshot
// (tag and purpose pre-rollback / pre-revert), else the post snapshot (tag
// and purpose post-rollback / post-revert, label applied-by "rollback N",
// N the ledger entry of the apply's start). `catalog` are the source's
// catalog labels (owner, domain, sensitivity), kept on both. No anomaly
// detection: the changes are tidemark's own (docs/guide/anomalies.md).
// `live` is the source the plan writes to.
BackupOptions ApplySnapshotOptions(const RollbackPlan& plan, const SourceRef& live, bool pre,
                                   uint64_t ledger_seq,
                                   std::vector<std::pair<std::string, std::string>> catalog);

// "rollback" or "revert".
const char* PlanVerb(const RollbackPlan& plan);

// What became of an apply that was interrupted after its "committing"
// ledger step (the process died around COMMIT): the plan's record list is
// stored as a data blob before COMMIT, so the live records can be read back
// and compared with the plan's before and after digests.
enum class ApplyOutcome { kCommitted, kNotCommitted, kUnknown };
const char* ApplyOutcomeName(ApplyOutcome o);
Result<ApplyOutcome> ResolveInterrupted(BlobStore* store, const Repository& repo,
                                        const Id& plan_blob, const SourceRef& live);

}  // namespace tidemark
