#include "ops/restore/restore_snapshot.h"

namespace tidemark {

Result<RestoreResult> RestoreSnapshot(BlobStore* store, const Repository& repo,
                                      const ActionLog& log, const SnapshotInfo& s,
                                      const SourceRef& target, RestoreOptions opts) {
  opts.path = target.location;
  TM_RETURN_IF_ERROR(log.Preflight());
  const std::vector<std::string> targets = {"snapshot " + s.id.Hex(), "to " + target.uri()};
  auto r = Restore(store, repo, s.manifest, *target.connector, opts);
  if (!r.ok()) {
    (void)log.Record("restore", LedgerFailureOutcome(r.status()), targets, {},
                     r.status().ToString());
    return r.status();
  }
  TM_RETURN_IF_ERROR(log.Record("restore", "ok", targets,
                                {{"tables", static_cast<int64_t>(r->tables)},
                                 {"records", static_cast<int64_t>(r->records)}}));
  return r;
}

Result<std::vector<ExportedFile>> ExportSnapshotLogged(BlobStore* store, const Repository& repo,
                                                       const ActionLog& log, const SnapshotInfo& s,
                                                       const ExportOptions& opts) {
  TM_RETURN_IF_ERROR(log.Preflight());
  const std::vector<std::string> targets = {"snapshot " + s.id.Hex(), "to " + opts.dir};
  auto files = ExportSnapshot(store, repo, s.id, s.manifest, opts);
  if (!files.ok()) {
    (void)log.Record("export", LedgerFailureOutcome(files.status()), targets, {},
                     files.status().ToString());
    return files.status();
  }
  uint64_t rows = 0;
  for (const ExportedFile& f : *files) rows += f.rows;
  TM_RETURN_IF_ERROR(log.Record(
      "export", "ok", targets,
      {{"files", static_cast<int64_t>(files->size())}, {"records", static_cast<int64_t>(rows)}}));
  return files;
}

}  // namespace tidemark
