#include "ops/rollback/rollback_run.h"

#include <algorithm>
#include <optional>

#include "base/crash_point.h"
#include "ledger/ledger.h"

namespace tidemark {
namespace {

// The source's last rollback or revert entry before any post snapshot (the
// entry before it tells the outcome); nullopt when there is none.
Result<std::optional<LedgerEntry>> LastApplyEntry(const RollbackSession& s) {
  std::optional<LedgerEntry> last;
  TM_RETURN_IF_ERROR(Ledger(s.repo).ForEach(1, [&](const LedgerEntry& e) {
    const auto& r = e.record;
    if ((r.action == "rollback" || r.action == "revert") && r.outcome != "post-snapshot" &&
        std::find(r.targets.begin(), r.targets.end(), "source " + s.source) != r.targets.end()) {
      last = e;
    }
    return Status::OK();
  }));
  return last;
}

std::string OutcomeText(const LedgerEntry& e, ApplyOutcome o) {
  return std::string("the ") + e.record.action + " of ledger entry " + std::to_string(e.seq) +
         " was interrupted and had " +
         (o == ApplyOutcome::kCommitted      ? "committed"
          : o == ApplyOutcome::kNotCommitted ? "not committed (live unchanged)"
                                             : "an unknown outcome (the records changed since)");
}

// Up to kUnsavedLookback snapshots of the source before the newest, newest
// first (`all` is oldest first).
std::vector<const SnapshotInfo*> OlderSnapshots(const std::vector<SnapshotInfo>& all,
                                                const std::string& source) {
  std::vector<const SnapshotInfo*> out;
  bool skipped_newest = false;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->manifest.source != source) continue;
    if (!skipped_newest) {
      skipped_newest = true;
      continue;
    }
    if (out.size() == kUnsavedLookback) break;
    out.push_back(&*it);
  }
  return out;
}

PlanInputs InputsOf(const RollbackSession& s, LiveView* live) {
  const SnapshotInfo* newest = LatestOf(*s.snapshots, s.source);
  const std::vector<Relation> relations =
      newest == nullptr ? s.relations_without_annotations
                        : RelationsFor(newest->manifest.objects, s.relations_without_annotations);
  return PlanInputs{live,
                    s.cache,
                    s.repo,
                    newest,
                    OlderSnapshots(*s.snapshots, s.source),
                    DeclaredRelations(relations),
                    s.show_progress};
}

const char* FailureOutcome(const Status& s) {
  if (s.code() == Status::Code::kCorruption) return "verify-failed";
  return s.IsRefused() ? "refused" : "failed";
}

}  // namespace

Status ResolvePendingApply(const RollbackSession& s, std::string* note) {
  note->clear();
  TM_ASSIGN_OR_RETURN(std::optional<LedgerEntry> last, LastApplyEntry(s));
  if (!last || last->record.outcome != "committing" || last->record.targets.size() < 2) {
    return Status::OK();
  }
  const std::string& t = last->record.targets[1];  // "plan <blob id> <digest>"
  TM_ASSIGN_OR_RETURN(Id plan_blob, Id::FromHex(t.substr(5, 64)));
  auto resolved = ResolveInterrupted(s.store, *s.repo, plan_blob, s.live);
  const std::vector<std::string> targets = {"source " + s.source,
                                            "entry " + std::to_string(last->seq)};
  if (!resolved.ok()) {
    // E.g. prune removed the plan's record list (no snapshot refers to it).
    *note = "the " + last->record.action + " of ledger entry " + std::to_string(last->seq) +
            " was interrupted around COMMIT and its outcome cannot be read back (" +
            resolved.status().message() +
            "); compare live with its safety snapshot using `tidemark diff`";
    return s.record(last->record.action, "recovered: unknown", targets, {}, *note);
  }
  *note = OutcomeText(*last, *resolved);
  return s.record(last->record.action, std::string("recovered: ") + ApplyOutcomeName(*resolved),
                  targets, {}, *note);
}

Result<RollbackPlan> PlanRollbackOf(const RollbackSession& s, const SnapshotInfo& target,
                                    const RollbackScope& scope) {
  // The read view ends before anything is written.
  TM_ASSIGN_OR_RETURN(LiveView live, OpenLiveView(s.live, s.lock_wait_ms));
  return PlanRollback(InputsOf(s, &live), target, scope);
}

Result<RollbackPlan> PlanRevertOf(const RollbackSession& s, const SnapshotInfo& a,
                                  const SnapshotInfo& b, const RollbackScope& scope,
                                  RevertPreference prefer) {
  TM_ASSIGN_OR_RETURN(LiveView live, OpenLiveView(s.live, s.lock_wait_ms));
  return PlanRevert(InputsOf(s, &live), a, b, scope, prefer);
}

std::vector<std::string> PlanTargets(const RollbackPlan& plan) {
  std::vector<std::string> targets = {"source " + plan.source};
  targets.push_back(plan.kind == RollbackPlan::kRollback
                        ? "target " + plan.target.Hex()
                        : "range " + plan.from.Hex() + ".." + plan.to.Hex());
  return targets;
}

std::vector<std::pair<std::string, int64_t>> PlanCounts(const RollbackPlan& plan) {
  int64_t ins = 0, upd = 0, del = 0, rel = 0;
  for (const TablePlan& t : plan.tables) {
    ins += int64_t(t.inserts);
    upd += int64_t(t.updates);
    del += int64_t(t.deletes);
    rel += int64_t(t.related);
  }
  return {{"inserts", ins},
          {"updates", upd},
          {"deletes", del},
          {"related", rel},
          {"unsaved", int64_t(plan.unsaved.size())},
          {"conflicts", int64_t(plan.conflicts.size())}};
}

Status PredictViolations(const RollbackSession& s, RollbackPlan* plan, const ApplyOptions& opts) {
  if (plan->TotalRows() == 0 || !plan->schema_issues.empty()) return Status::OK();
  TM_ASSIGN_OR_RETURN(ApplyResult trial, TrialApply(*plan, s.store, *s.repo, opts));
  for (PlanIssue& v : trial.violations) plan->violations.push_back(std::move(v));
  return Status::OK();
}

Status RefusePlan(const RollbackSession& s, const RollbackPlan& plan) {
  const std::string verb = PlanVerb(plan);
  const std::string refusal = plan.RefusalReason();
  (void)s.record(verb, "refused", PlanTargets(plan), PlanCounts(plan), refusal);
  return Status::Refused(verb + " refused: " + refusal);
}

Result<RecordedApply> ApplyRecorded(const RollbackSession& s, const RollbackPlan& plan,
                                    ApplyOptions opts) {
  const std::string verb = PlanVerb(plan);
  std::vector<std::string> targets = PlanTargets(plan);
  TM_RETURN_IF_ERROR(s.record(verb, "started", targets, PlanCounts(plan), ""));
  RecordedApply out;
  TM_ASSIGN_OR_RETURN(LedgerHead started, Ledger(s.repo).Head());
  out.ledger_seq = started.seq;
  BackupOptions safety = ApplySnapshotOptions(plan, s.live, /*pre=*/true, started.seq, s.catalog);
  BackupOptions post = ApplySnapshotOptions(plan, s.live, /*pre=*/false, started.seq, s.catalog);
  for (BackupOptions* o : {&safety, &post}) {
    o->tool_version = s.tool_version;
    o->show_progress = s.show_progress;
  }
  opts.post = &post;
  opts.on_step = [&](const std::string& step, const std::string& detail) {
    return s.record(
        verb, step,
        {"source " + plan.source, step == "committing" ? "plan " + detail : "snapshot " + detail},
        {}, "");
  };
  auto applied = ApplyPlan(plan, s.repo, s.store, safety, opts);
  if (!applied.ok()) {
    (void)s.record(verb, FailureOutcome(applied.status()), targets, PlanCounts(plan),
                   applied.status().ToString());
    return applied.status();
  }
  CrashPoint("rollback-before-ledger");
  targets.push_back("safety " + applied->safety_snapshot.Hex());
  auto counts = PlanCounts(plan);
  counts.push_back({"records", int64_t(applied->rows)});
  counts.push_back({"lock_wait_ms", applied->lock_wait_us / 1000});
  TM_RETURN_IF_ERROR(s.record(verb, "ok", targets, counts, ""));
  out.applied = std::move(*applied);
  return out;
}

}  // namespace tidemark
