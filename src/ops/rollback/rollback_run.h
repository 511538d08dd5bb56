// The rollback and revert use cases as a caller runs them (the CLI's
// `tidemark rollback` and `revert`, later a server): plan against the live
// source, predict violations, refuse or apply, with the ledger entries, the
// safety snapshot and the post snapshot of each step, and find out what
// became of an apply interrupted around COMMIT. The caller parses, asks for
// confirmation, prints and maps exit codes; everything that must hold for
// every caller is here. docs/guide/rollback.md.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "ops/rollback/rollback.h"
#include "ops/rollback/rollback_plan.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"
#include "sources/connector.h"
#include "tree/tree.h"

namespace tidemark {

// Appends one ledger entry for the use case; the caller adds who asked and
// how (the CLI: its command line, Context::Record). An error means the
// entry is not in the ledger.
using LedgerWriter = std::function<Status(
    const std::string& action, const std::string& outcome, std::vector<std::string> targets,
    std::vector<std::pair<std::string, int64_t>> counts, const std::string& reason)>;

// One source as the use case works on it. The caller holds a shared
// repository lock (kept fresh) for as long as the session is used.
struct RollbackSession {
  Repository* repo = nullptr;
  BlobStore* store = nullptr;  // index loaded
  NodeCache* cache = nullptr;
  const std::vector<SnapshotInfo>* snapshots = nullptr;  // of `source`, oldest first
  std::string source;                                    // the source's name
  SourceRef live;                                        // where it is live
  // How long opening the planning read view may wait for the source's lock
  // (the same --lock-timeout as the apply's write lock).
  int lock_wait_ms = 10000;
  // The source's catalog labels (owner, domain, sensitivity), kept on the
  // apply's snapshots.
  std::vector<std::pair<std::string, std::string>> catalog;
  // The planner follows, besides the live schema's foreign keys, the
  // relations of the newest snapshot's annotations (what its profile
  // declared); these, tidemark.toml's [[source.relation]], only when that
  // snapshot has no annotations (RelationsFor).
  std::vector<Relation> relations_without_annotations;
  bool show_progress = false;
  std::string tool_version;  // recorded in the apply's snapshots
  LedgerWriter record;
};

// A rollback or revert of this source that died around its COMMIT leaves a
// "committing" entry as the source's last: reads its records back and
// records in the ledger whether it had committed. *note says what was found
// for people ("" when nothing was pending), also when recording it fails.
Status ResolvePendingApply(const RollbackSession& s, std::string* note);

// Plans over one read view of the live source, closed before returning (so
// nothing stays locked between planning and applying).
Result<RollbackPlan> PlanRollbackOf(const RollbackSession& s, const SnapshotInfo& target,
                                    const RollbackScope& scope);
Result<RollbackPlan> PlanRevertOf(const RollbackSession& s, const SnapshotInfo& a,
                                  const SnapshotInfo& b, const RollbackScope& scope,
                                  RevertPreference prefer);

// The targets ("source NAME", "target ID" or "range A..B") and counts of
// the ledger entries of a plan.
std::vector<std::string> PlanTargets(const RollbackPlan& plan);
std::vector<std::pair<std::string, int64_t>> PlanCounts(const RollbackPlan& plan);

// Predicts constraint violations by applying in a transaction that is
// always rolled back (TrialApply), adding them to plan->violations; for a
// plan shown before it is applied (a dry run, a person confirming). Does
// nothing for an empty plan or one with schema issues.
Status PredictViolations(const RollbackSession& s, RollbackPlan* plan, const ApplyOptions& opts);

// For a plan whose RefusalReason() is not empty: records the refusal in
// the ledger (best effort) and returns Refused("VERB refused: REASON").
Status RefusePlan(const RollbackSession& s, const RollbackPlan& plan);

struct RecordedApply {
  ApplyResult applied;
  uint64_t ledger_seq = 0;  // the "started" entry (named by the post snapshot)
};

// Applies a confirmed plan (ApplyPlan) with its ledger entries: "started",
// each step ("safety-snapshot", "committing", "post-snapshot"), then "ok",
// or "refused" / "verify-failed" / "failed" with the reason. The safety and
// post snapshots get ApplySnapshotOptions. REQUIRES: RefusalReason() empty.
Result<RecordedApply> ApplyRecorded(const RollbackSession& s, const RollbackPlan& plan,
                                    ApplyOptions opts);

}  // namespace tidemark
