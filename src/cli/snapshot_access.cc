#include "cli/snapshot_access.h"

#include "base/suggest.h"
#include "snapshot/table_names.h"

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
  a->source = source;
  return a;
}

Result<const SnapshotInfo*> SnapshotAccess::Resolve(const std::string& spec) const {
  auto found = ResolveSnapshot(all, spec);
  if (found.ok() || source.empty() || !found.status().IsNotFound()) return found;
  if (spec.find('@') != std::string::npos) return found;
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> every, LoadSnapshots(*repo));
  auto other = ResolveSnapshot(every, spec);
  if (!other.ok() || spec == "latest") return found;
  return Status::NotFound(spec + " is a snapshot of " + (*other)->manifest.source + ", not " +
                          source + "; `tidemark snapshots --source " + source + "` lists its own");
}

std::string TableSuggestion(const std::string& name, const std::vector<std::string>& tables) {
  return DidYouMean(name, tables, "tables") + "; `tidemark ls SNAP` lists them";
}

std::vector<std::string> TableNamesOf(const Manifest& m) {
  std::vector<std::string> names;
  for (const SnapshotTable& t : m.tables) names.push_back(t.schema.name);
  return names;
}

Result<const SnapshotTable*> FindTableOrExplain(const SnapshotInfo& s, const std::string& name) {
  Result<std::string> table = ResolveTableName(s.manifest, name);
  if (table.ok()) return s.manifest.FindTable(*table);
  if (!table.status().IsNotFound()) return table.status();
  return Status::InvalidArgument("snapshot " + s.id.Short() + " has no table '" + name + "'; " +
                                 TableSuggestion(name, TableNamesOf(s.manifest)));
}

}  // namespace tidemark::cli
