#include "ops/rollback/rollback.h"

#include <chrono>

#include "base/ascii.h"
#include "base/coding.h"
#include "base/crash_point.h"
#include "base/hex.h"
#include "base/progress.h"
#include "records/value_json.h"
#include "snapshot/large_values.h"
#include "sources/live_target.h"

namespace tidemark {
namespace {

std::string Describe(const std::string& table, const std::vector<Value>& key) {
  return table + " " + KeyToDisplay(key);
}

// Runs a plan's writes inside the caller's write transaction. In a trial,
// failures are collected and the work goes on; otherwise the first one
// stops it.
class Applier {
 public:
  Applier(const RollbackPlan& plan, BlobStore* store, const Repository& repo, LiveTarget* live,
          bool trial)
      : plan_(plan),
        ids_(store, repo, /*dry_run=*/true),
        loader_(store, repo),
        live_(live),
        trial_(trial) {}

  Status WriteAll(ApplyResult* out, bool show_progress);
  // Reads every planned record back; Corruption when one differs.
  Status VerifyRecords(ApplyResult* out, bool show_progress);
  // Parents of written records exist; deleted records have no children.
  Status VerifyRelations();
  const std::vector<PlanIssue>& violations() const { return violations_; }

 private:
  Status Write(const TablePlan& t, const PlannedRow& r);
  Status VerifyParents(const TablePlan& t, const PlannedRow& r);
  Status VerifyNoChildren(const TablePlan& t, const PlannedRow& r);
  // A failure of one record: collected in a trial, returned otherwise.
  // Constraint failures (Refused) are collected in both modes, so that a
  // refusal lists every offending record; other errors stop at once.
  Status Fail(const TablePlan& t, const PlannedRow& r, const Status& s) {
    if (!s.IsRefused()) return s;
    violations_.push_back({t.schema.name, r.key_values, s.message()});
    return Status::OK();
  }
  Status Violation(const std::string& table, const std::vector<Value>& key, std::string problem) {
    violations_.push_back({table, key, std::move(problem)});
    return Status::OK();
  }

  const RollbackPlan& plan_;
  ChunkedValueStore ids_, loader_;
  LiveTarget* live_;
  bool trial_;
  std::vector<PlanIssue> violations_;
  uint64_t written_ = 0;
};

Status Applier::Write(const TablePlan& t, const PlannedRow& r) {
  // The guard: live must still hold exactly what the plan saw.
  SourceRow now;
  TM_ASSIGN_OR_RETURN(bool exists, live_->lookup()->Get(t.schema, r.key_values, &now));
  bool same = exists == r.before.has_value();
  if (same && exists) {
    std::string a, b;
    TM_RETURN_IF_ERROR(EncodeRecord(now.record, &ids_, &a));
    TM_RETURN_IF_ERROR(EncodeRecord(*r.before, &ids_, &b));
    same = a == b;
  }
  if (!same) {
    Status changed = Status::Refused(Describe(t.schema.name, r.key_values) +
                                     " changed after the plan was made; nothing was written. "
                                     "Plan again (run the command again) to see the new state");
    return trial_ ? Fail(t, r, changed) : changed;
  }
  if (!r.after) return Fail(t, r, live_->Delete(t.schema, now));
  SourceRow row{r.key_values, *r.after};
  for (Value& v : row.record) TM_RETURN_IF_ERROR(ResolveValue(&loader_, &v));
  if (!r.before) return Fail(t, r, live_->Insert(t.schema, row));
  return Fail(t, r, live_->Update(t.schema, now, row));
}

Status Applier::WriteAll(ApplyResult* out, bool show_progress) {
  const uint64_t total = plan_.TotalRows();
  Progress progress(trial_ ? "predict" : "write", total, Progress::Unit::kCount, show_progress);
  auto step = [&](const TablePlan& t, PlanOp op) -> Status {
    for (const PlannedRow& r : t.rows) {
      if (r.op != op) continue;
      TM_RETURN_IF_ERROR(Write(t, r));
      progress.Add(1);
      if (++written_ == total / 2 + 1) CrashPoint("rollback-in-transaction");
    }
    return Status::OK();
  };
  // Children first for deletes, parents first for inserts (plan order).
  for (auto t = plan_.tables.rbegin(); t != plan_.tables.rend(); ++t) {
    TM_RETURN_IF_ERROR(step(*t, PlanOp::kDelete));
  }
  for (const TablePlan& t : plan_.tables) TM_RETURN_IF_ERROR(step(t, PlanOp::kUpdate));
  for (const TablePlan& t : plan_.tables) TM_RETURN_IF_ERROR(step(t, PlanOp::kInsert));
  out->rows = written_;
  return Status::OK();
}

Status Applier::VerifyRecords(ApplyResult* out, bool show_progress) {
  TM_ASSIGN_OR_RETURN(out->expected_digest, plan_.ExpectedDigest(&ids_));
  PlanDigest digest;
  std::string first_bad;
  Progress progress("verify", plan_.TotalRows(), Progress::Unit::kCount, show_progress && !trial_);
  for (const TablePlan& t : plan_.tables) {
    for (const PlannedRow& r : t.rows) {
      progress.Add(1);
      SourceRow now;
      TM_ASSIGN_OR_RETURN(bool exists, live_->lookup()->Get(t.schema, r.key_values, &now));
      std::string rec, want;
      if (exists) TM_RETURN_IF_ERROR(EncodeRecord(now.record, &ids_, &rec));
      if (r.after) TM_RETURN_IF_ERROR(EncodeRecord(*r.after, &ids_, &want));
      digest.Add(t.schema.name, r.key, exists ? &rec : nullptr);
      if (first_bad.empty() && (exists != r.after.has_value() || rec != want)) {
        first_bad = Describe(t.schema.name, r.key_values);
      }
    }
  }
  out->verified_digest = digest.Finish();
  if (out->verified_digest == out->expected_digest) return Status::OK();
  if (trial_) return Status::OK();  // a trial reports violations instead
  return Status::Corruption(
      "verification failed: after applying, " + (first_bad.empty() ? "a record" : first_bad) +
      " does not hold what the plan wrote (digest " + HexEncode(out->verified_digest) +
      ", expected " + HexEncode(out->expected_digest) +
      "); the transaction was rolled back, live is unchanged");
}

// The parents a written record refers to exist.
Status Applier::VerifyParents(const TablePlan& t, const PlannedRow& r) {
  std::vector<Value> values;
  for (const ForeignKey& fk : t.schema.foreign_keys) {
    const TableSchema* parent = plan_.live_schema.FindTableIgnoreCase(fk.table);
    if (parent == nullptr || !ForeignKeyValues(t.schema, fk, *r.after, &values)) continue;
    if (std::any_of(values.begin(), values.end(), [](const Value& v) { return v.ref(); })) {
      continue;
    }
    TM_ASSIGN_OR_RETURN(bool ok,
                        live_->lookup()->AnyWhere(*parent, ReferencedColumns(*parent, fk), values));
    if (!ok) {
      TM_RETURN_IF_ERROR(Violation(
          t.schema.name, r.key_values,
          "refers to " + fk.table + " " + KeyToDisplay(values) + ", which does not exist"));
    }
  }
  return Status::OK();
}

// Nothing still refers to a deleted record.
Status Applier::VerifyNoChildren(const TablePlan& t, const PlannedRow& r) {
  SourceRow gone{r.key_values, *r.before};
  std::vector<Value> values;
  for (const TableSchema& child : plan_.live_schema.tables) {
    for (const ForeignKey& fk : child.foreign_keys) {
      if (!EqualsIgnoreCase(fk.table, t.schema.name)) continue;
      if (!ReferencedValues(t.schema, ReferencedColumns(t.schema, fk), gone, &values)) continue;
      std::vector<std::vector<Value>> children;
      TM_RETURN_IF_ERROR(
          live_->lookup()->ForEachWhere(child, fk.from, values, [&](const SourceRow& c) {
            children.push_back(c.key);
            return Status::OK();
          }));
      for (const auto& key : children) {
        TM_RETURN_IF_ERROR(Violation(child.name, key,
                                     "still refers to " + Describe(t.schema.name, r.key_values) +
                                         ", which the plan deletes"));
      }
    }
  }
  return Status::OK();
}

Status Applier::VerifyRelations() {
  for (const TablePlan& t : plan_.tables) {
    for (const PlannedRow& r : t.rows) {
      TM_RETURN_IF_ERROR(r.after ? VerifyParents(t, r) : VerifyNoChildren(t, r));
    }
  }
  return Status::OK();
}

Status RunInTransaction(const RollbackPlan& plan, BlobStore* store, const Repository& repo,
                        LiveTarget* live, const ApplyOptions& opts, bool trial, ApplyResult* out) {
  TM_RETURN_IF_ERROR(live->BeginWrite(opts.lock_timeout_ms, &out->lock_wait_us));
  if (!opts.fire_triggers && live->capabilities().suspendable_triggers) {
    std::vector<std::string> tables;
    for (const TablePlan& t : plan.tables) tables.push_back(t.schema.name);
    TM_RETURN_IF_ERROR(live->SuspendTriggers(tables, &out->triggers_suspended));
  }
  Applier applier(plan, store, repo, live, trial);
  TM_RETURN_IF_ERROR(applier.WriteAll(out, opts.show_progress));
  TM_RETURN_IF_ERROR(applier.VerifyRelations());
  if (!trial && !applier.violations().empty()) {
    const auto& v = applier.violations();
    std::string list;
    for (size_t i = 0; i < v.size() && i < 10; i++) {
      list += (i > 0 ? "; " : "") + Describe(v[i].table, v[i].key) + ": " + v[i].problem;
    }
    return Status::Refused("the result would break " + std::to_string(v.size()) +
                           " constraint(s): " + list + (v.size() > 10 ? "; ..." : "") +
                           ". The transaction was rolled back, live is unchanged");
  }
  TM_RETURN_IF_ERROR(applier.VerifyRecords(out, opts.show_progress));
  TM_RETURN_IF_ERROR(live->RestoreTriggers());
  out->violations = applier.violations();
  return Status::OK();
}

Result<std::string> EncodeRecordList(const RollbackPlan& plan, LargeValueStore* ids,
                                     const std::string& expected) {
  PlanDigest before;
  PlanRecords list;
  list.expected = expected;
  std::string rec;
  for (const TablePlan& t : plan.tables) {
    for (const PlannedRow& r : t.rows) {
      rec.clear();
      if (r.before) TM_RETURN_IF_ERROR(EncodeRecord(*r.before, ids, &rec));
      before.Add(t.schema.name, r.key, r.before ? &rec : nullptr);
      list.records.emplace_back(t.schema.name, r.key);
    }
  }
  list.before = before.Finish();
  return EncodePlanRecords(list);
}

// The live target the plan writes to. Unsupported when it cannot apply a
// plan whole or not at all.
Result<std::unique_ptr<LiveTarget>> OpenTarget(const RollbackPlan& plan) {
  if (!plan.live.valid()) return Status::Internal("a plan without a live source");
  TM_ASSIGN_OR_RETURN(auto live, plan.live.connector->OpenLive(plan.live.location));
  if (!live->capabilities().atomic_transaction) {
    return Status::Unsupported(plan.live.uri() +
                               ": this kind of source cannot apply writes in one "
                               "transaction, which " +
                               std::string(PlanVerb(plan)) + " needs");
  }
  return live;
}

int64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

Status Step(const ApplyOptions& opts, const std::string& name, const std::string& detail) {
  return opts.on_step ? opts.on_step(name, detail) : Status::OK();
}

// Stores what to read back should the process die around COMMIT, and
// records the "committing" step.
Status StorePlanRecords(const RollbackPlan& plan, BlobStore* store, const Repository& repo,
                        const ApplyOptions& opts, ApplyResult* out) {
  ChunkedValueStore ids(store, repo, /*dry_run=*/true);
  TM_ASSIGN_OR_RETURN(std::string list, EncodeRecordList(plan, &ids, out->expected_digest));
  TM_ASSIGN_OR_RETURN(Id id, store->Put(BlobType::kData, list));
  TM_RETURN_IF_ERROR(store->Flush());
  out->plan_blob = id;
  return Step(opts, "committing", out->plan_blob.Hex() + " " + HexEncode(out->expected_digest));
}

// The snapshot after COMMIT; a failure is kept in out->post_error.
void PostSnapshot(Repository* repo, BlobStore* store, const ApplyOptions& opts, ApplyResult* out) {
  const auto started = std::chrono::steady_clock::now();
  auto b = Backup(repo, store, *opts.post);
  out->post_us = MicrosSince(started);
  Status p = b.ok() ? Step(opts, "post-snapshot", b->snapshot.Hex()) : b.status();
  if (b.ok()) out->post_snapshot = b->snapshot;
  if (!p.ok()) out->post_error = p.ToString();
}

}  // namespace

const char* ApplyOutcomeName(ApplyOutcome o) {
  switch (o) {
    case ApplyOutcome::kCommitted:
      return "committed";
    case ApplyOutcome::kNotCommitted:
      return "not committed";
    case ApplyOutcome::kUnknown:
      return "unknown";
  }
  return "?";
}

Result<ApplyOutcome> ResolveInterrupted(BlobStore* store, const Repository& repo,
                                        const Id& plan_blob, const SourceRef& live) {
  TM_ASSIGN_OR_RETURN(std::string data, store->Get(plan_blob));
  PlanRecords plan;
  TM_RETURN_IF_ERROR(DecodePlanRecords(data, "rollback plan " + plan_blob.Short(), &plan));
  TM_ASSIGN_OR_RETURN(LiveView view, OpenLiveView(live));
  ChunkedValueStore ids(store, repo, /*dry_run=*/true);
  PlanDigest digest;
  std::vector<Value> key;
  std::string rec;
  for (const auto& [table, key_bytes] : plan.records) {
    const TableSchema* t = view.reader->schema().FindTable(table);
    if (t == nullptr) return ApplyOutcome::kUnknown;
    TM_RETURN_IF_ERROR(DecodeKey(key_bytes, &key));
    SourceRow row;
    TM_ASSIGN_OR_RETURN(bool exists, view.lookup->Get(*t, key, &row));
    rec.clear();
    if (exists) TM_RETURN_IF_ERROR(EncodeRecord(row.record, &ids, &rec));
    digest.Add(table, key_bytes, exists ? &rec : nullptr);
  }
  const std::string now = digest.Finish();
  if (now == plan.expected) return ApplyOutcome::kCommitted;
  if (now == plan.before) return ApplyOutcome::kNotCommitted;
  return ApplyOutcome::kUnknown;
}

Result<ApplyResult> TrialApply(const RollbackPlan& plan, BlobStore* store, const Repository& repo,
                               const ApplyOptions& opts) {
  TM_ASSIGN_OR_RETURN(auto live, OpenTarget(plan));
  ApplyResult out;
  Status s = RunInTransaction(plan, store, repo, live.get(), opts, /*trial=*/true, &out);
  Status r = live->Rollback();
  TM_RETURN_IF_ERROR(s);
  TM_RETURN_IF_ERROR(r);
  return out;
}

Result<ApplyResult> ApplyPlan(const RollbackPlan& plan, Repository* repo, BlobStore* store,
                              const BackupOptions& safety, const ApplyOptions& opts) {
  if (std::string why = plan.RefusalReason(); !why.empty()) return Status::Refused(why);
  // Open first: a missing or read-only source fails before the snapshot.
  TM_ASSIGN_OR_RETURN(auto live, OpenTarget(plan));
  ApplyResult out;
  auto started = std::chrono::steady_clock::now();
  {
    TM_ASSIGN_OR_RETURN(BackupResult b, Backup(repo, store, safety));
    out.safety_snapshot = b.snapshot;
  }
  out.safety_us = MicrosSince(started);
  TM_RETURN_IF_ERROR(Step(opts, "safety-snapshot", out.safety_snapshot.Hex()));
  CrashPoint("rollback-after-safety-snapshot");
  started = std::chrono::steady_clock::now();
  Status s = RunInTransaction(plan, store, *repo, live.get(), opts, /*trial=*/false, &out);
  if (s.ok()) s = StorePlanRecords(plan, store, *repo, opts, &out);
  if (!s.ok()) {
    (void)live->Rollback();
    return s;
  }
  CrashPoint("rollback-before-commit");
  TM_RETURN_IF_ERROR(live->Commit());
  out.committed = true;
  out.transaction_us = MicrosSince(started);
  CrashPoint("rollback-after-commit");
  if (opts.post != nullptr) PostSnapshot(repo, store, opts, &out);
  return out;
}

const char* PlanVerb(const RollbackPlan& plan) {
  return plan.kind == RollbackPlan::kRollback ? "rollback" : "revert";
}

BackupOptions ApplySnapshotOptions(const RollbackPlan& plan, const SourceRef& live, bool pre,
                                   uint64_t ledger_seq,
                                   std::vector<std::pair<std::string, std::string>> catalog) {
  const std::string verb = PlanVerb(plan);
  const std::string purpose = (pre ? "pre-" : "post-") + verb;
  BackupOptions o;
  o.source = live;
  o.name = plan.source;
  o.tags = {purpose};
  o.labels = std::move(catalog);
  o.labels.emplace_back("purpose", purpose);
  if (!pre) o.labels.emplace_back("applied-by", verb + " " + std::to_string(ledger_seq));
  return o;
}

}  // namespace tidemark
