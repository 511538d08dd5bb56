#include "ops/backup/backup_source.h"

#include <memory>

#include "repo/blob_store.h"
#include "repo/lock.h"

namespace tidemark {
namespace {

// The "backup" / "ok" entry with the snapshot's counts.
Status RecordBackup(const ActionLog& log, const std::string& name, const BackupResult& r) {
  const SnapshotStats& st = r.manifest.stats;
  return log.Record("backup", "ok", {"snapshot " + r.snapshot.Hex(), "source " + name},
                    {{"records", static_cast<int64_t>(r.records)},
                     {"added", static_cast<int64_t>(st.records_added)},
                     {"changed", static_cast<int64_t>(st.records_changed)},
                     {"removed", static_cast<int64_t>(st.records_removed)},
                     {"bytes_added", static_cast<int64_t>(st.bytes_added)},
                     {"anomalies", static_cast<int64_t>(r.manifest.anomalies.size())}});
}

// The "anomaly" / "open" entry: the snapshot, the source and its first
// alerts (at most 50 targets), the first anomaly's detail as the reason.
Status RecordAnomalies(const ActionLog& log, const std::string& name, const BackupResult& r) {
  const std::vector<Anomaly>& found = r.manifest.anomalies;
  if (found.empty()) return Status::OK();
  std::vector<std::string> targets = {"snapshot " + r.snapshot.Hex(), "source " + name};
  for (size_t i = 0; i < found.size() && targets.size() < 50; ++i) {
    targets.push_back("alert " + AlertId(r.snapshot, i));
  }
  return log.Record("anomaly", "open", targets, {{"anomalies", static_cast<int64_t>(found.size())}},
                    found.front().detail);
}

// Steps 3 to 5, under the lock `lock`.
Result<BackupResult> BackupAndRecord(Repository* repo, const ActionLog& log,
                                     const BackupOptions& opts, const RepoLock& lock) {
  BlobStore store(repo);
  TM_RETURN_IF_ERROR(store.LoadIndex());
  auto r = Backup(repo, &store, opts);
  if (!r.ok() && r.status().IsCancelled()) {
    const Status s =
        Status::Cancelled("backup of " + opts.name + " " + r.status().message() +
                          ": no snapshot was written; what it stored is unreferenced data that "
                          "`tidemark prune` removes");
    (void)log.Record("backup", "cancelled", {"source " + opts.name}, {}, s.message());
    return s;
  }
  if (!r.ok()) {
    (void)log.Record("backup", "failed", {"source " + opts.name}, {}, r.status().ToString());
    return r.status();
  }
  if (lock.lost()) {
    return Status::Refused("the backup's lock was removed while it ran; its snapshot " +
                           r->snapshot.Short() + " was written, but run `tidemark check`");
  }
  TM_RETURN_IF_ERROR(RecordBackup(log, opts.name, *r));
  TM_RETURN_IF_ERROR(RecordAnomalies(log, opts.name, *r));
  return r;
}

}  // namespace

Result<BackupOutcome> BackupSource(Repository* repo, const ActionLog& log,
                                   const BackupOptions& opts, const BackupAlerts& alerts,
                                   const BackupSaved& saved) {
  TM_RETURN_IF_ERROR(log.Preflight());
  // Held to the end, as long as the snapshot's entries and its alert take.
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "backup"));
  lock->KeepFresh();
  BackupOutcome out;
  TM_ASSIGN_OR_RETURN(out.result, BackupAndRecord(repo, log, opts, *lock));
  const BackupResult& r = out.result;
  if (saved) saved(r);
  if (auto body = AnomalyAlertBody(alerts.policy, r.snapshot, r.manifest)) {
    out.alert =
        DeliverAlert(alerts.policy, alerts.transport, log, *body, "snapshot " + r.snapshot.Hex());
  }
  return out;
}

bool BackupDue(const SnapshotInfo* last, std::optional<uint64_t> rpo_us, int64_t now_us) {
  return last == nullptr ||
         (rpo_us && now_us - last->manifest.time_us >= static_cast<int64_t>(*rpo_us));
}

}  // namespace tidemark
