#include "cli/snapshot_access.h"

namespace tidemark::cli {

Result<std::unique_ptr<SnapshotAccess>> OpenSnapshots(Context* ctx, const std::string& command,
                                                      const std::string& source) {
  auto a = std::make_unique<SnapshotAccess>();
  TM_ASSIGN_OR_RETURN(a->repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(a->lock, RepoLock::Acquire(a->repo, false, command));
  a->lock->KeepFresh();
  a->store = std::make_unique<BlobStore>(a->repo);
  TM_RETURN_IF_ERROR(a->store->LoadIndex());
  a->cache = std::make_unique<NodeCache>(a->store.get());
  TM_ASSIGN_OR_RETURN(a->all, LoadSnapshots(*a->repo, source));
  return a;
}

Result<const SnapshotTable*> FindTableOrExplain(const SnapshotInfo& s, const std::string& name) {
  if (const SnapshotTable* t = s.manifest.FindTable(name)) return t;
  std::string names;
  for (const SnapshotTable& t : s.manifest.tables) {
    if (t.schema.kind != TableKind::kTable) continue;
    if (names.size() > 200) {
      names += ", ...";
      break;
    }
    names += (names.empty() ? "" : ", ") + t.schema.name;
  }
  return Status::InvalidArgument("snapshot " + s.id.Short() + " has no table '" + name +
                                 "'; its tables: " + names);
}

Result<std::string> SqlitePathOf(const std::string& uri) {
  if (uri.rfind("sqlite:", 0) == 0 && uri.size() > 7) return uri.substr(7);
  return Status::InvalidArgument("source '" + uri +
                                 "' is not supported; give sqlite:PATH (the app's SQLite file)");
}

}  // namespace tidemark::cli
