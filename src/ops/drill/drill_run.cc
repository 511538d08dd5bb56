#include "ops/drill/drill_run.h"

#include "base/clock.h"
#include "base/json.h"
#include "ledger/ledger.h"
#include "snapshot/catalog.h"

namespace tidemark {

Result<std::unique_ptr<DrillBatch>> DrillBatch::Open(const Repository* repo,
                                                     const ConnectorRegistry* connectors) {
  TM_RETURN_IF_ERROR(Ledger(repo).CheckAppendable().WithContext(
      "nothing was changed, because the ledger would not record it"));
  std::unique_ptr<DrillBatch> b(new DrillBatch(repo));
  TM_ASSIGN_OR_RETURN(b->lock_, RepoLock::Acquire(repo, false, "drill"));
  b->lock_->KeepFresh();
  TM_RETURN_IF_ERROR(b->store_.LoadIndex());
  b->ctx_.store = &b->store_;
  b->ctx_.repo = repo;
  b->ctx_.connectors = connectors;
  TM_ASSIGN_OR_RETURN(b->ctx_.snapshots, LoadSnapshots(*repo, "", &b->ctx_.unreadable_snapshots));
  TM_ASSIGN_OR_RETURN(b->stored_, ListDrillReports(*repo));
  return b;
}

DrillContext* DrillBatch::ContextFor(const DrillPlan& plan) {
  ctx_.history = PlanHistory(stored_, plan.name);
  ctx_.now_us = ctx_.repo->clock()->NowMicros();
  return &ctx_;
}

std::vector<DrillReport> PlanHistory(const StoredDrills& stored, const std::string& plan) {
  std::vector<DrillReport> out;
  for (const DrillReport& r : stored.reports) {
    if (r.plan == plan) out.push_back(r);
  }
  return out;
}

bool DrillDue(const DrillPlan& plan, const std::vector<DrillReport>& history, int64_t now_us) {
  return history.empty() || DrillOverdue(plan, history, now_us);
}

Result<DrillReport> RunAndRecordDrill(
    const DrillPlan& plan, const DrillContext& ctx,
    const std::vector<std::pair<std::string, std::string>>& args) {
  if (ctx.repo == nullptr) return Status::InvalidArgument("drill: no repository given");
  Result<DrillReport> run = RunDrill(plan, ctx);
  if (!run.ok() && run.status().IsCancelled()) {
    LedgerRecord rec;
    rec.action = "drill";
    rec.outcome = "cancelled";
    rec.args = args;
    rec.args.emplace_back("reason", run.status().message());
    rec.targets = {"plan " + plan.name};
    (void)Ledger(ctx.repo).Append(std::move(rec));
    return run.status();
  }
  TM_ASSIGN_OR_RETURN(DrillReport r, std::move(run));
  TM_RETURN_IF_ERROR(StoreDrillReport(*ctx.repo, r));
  LedgerRecord rec;
  rec.action = "drill";
  rec.outcome = r.passed() ? "ok" : "failed";
  rec.args = args;
  rec.targets = {"plan " + r.plan, "run " + r.run_id, "snapshot " + r.snapshot_id};
  rec.counts = {{"checks_failed", static_cast<int64_t>(r.CountOutcome(CheckOutcome::kFail))},
                {"rto_ms", static_cast<int64_t>(r.rto_achieved_us / 1000)},
                {"rpo_s", static_cast<int64_t>(r.rpo_achieved_us / 1000000)}};
  auto entry = Ledger(ctx.repo).Append(std::move(rec));
  if (!entry.ok()) {
    return entry.status().WithContext("drill was done, but recording it in the ledger failed");
  }
  return r;
}

std::optional<DrillAlert> DrillAlertFor(const DrillReport& r) {
  if (r.passed()) return std::nullopt;
  JsonWriter body;
  body.BeginObject().Field("event", "drill-failed").Field("plan", r.plan);
  body.Field("source", r.source).Field("run_id", r.run_id).Field("snapshot", r.snapshot_id);
  body.Field("time", FormatTimeUtc(r.started_us)).Field("host", r.host);
  body.Key("failed_checks").BeginArray();
  for (const DrillCheck& c : r.checks) {
    if (c.outcome != CheckOutcome::kFail) continue;
    body.BeginObject().Field("kind", c.kind).Field("name", c.name).Field("detail", c.detail);
    body.EndObject();
  }
  body.EndArray().EndObject();
  return DrillAlert{body.str(), "run " + r.run_id};
}

}  // namespace tidemark
