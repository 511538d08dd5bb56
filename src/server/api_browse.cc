// GET /api/v1/status, /sources, /snapshots[/{id}[/tables/{table}/records[/{key}]]].
#include <memory>

#include "base/json.h"
#include "base/suggest.h"
#include "config/status_input.h"
#include "ops/status/status_report.h"
#include "repo/blob_store.h"
#include "repo/lock.h"
#include "server/api_handlers.h"
#include "server/problem.h"
#include "snapshot/snapshot_json.h"
#include "tree/tree.h"

namespace tidemark::api {
namespace {

void SourceJson(JsonWriter* w, const SourceConfig& s, const ConfigFile& cfg) {
  size_t drills = 0;
  for (const DrillPlan& p : cfg.drills) drills += p.source == s.name;
  // No URI: a location may hold credentials (docs/api.md#sources).
  w->BeginObject().Field("name", s.name).Field("profile", s.profile);
  w->Field("owner", s.owner).Field("domain", s.domain).Field("sensitivity", s.sensitivity);
  w->Field("rpo", s.rpo).Field("rto", s.rto);
  w->Field("retention", s.retention.empty() ? "" : s.retention.Describe());
  w->Key("tags").BeginArray();
  for (const std::string& t : s.tags) w->String(t);
  w->EndArray().Field("drill_plans", static_cast<uint64_t>(drills)).EndObject();
}

// A snapshot among those the account may see: NotFound (404) for one it
// may not, as for one that does not exist (docs/api.md#scope).
Result<const SnapshotInfo*> Resolve(const std::vector<SnapshotInfo>& visible,
                                    const std::string& spec) {
  auto s = ResolveSnapshot(visible, spec);
  if (s.status().IsNotFound()) {
    return Status::NotFound("no snapshot " + spec + " among those this account may see");
  }
  return s;
}

Result<const SnapshotTable*> FindTable(const SnapshotInfo& s, const std::string& name) {
  if (const SnapshotTable* t = s.manifest.FindTable(name)) return t;
  std::vector<std::string> names;
  for (const SnapshotTable& t : s.manifest.tables) names.push_back(t.schema.name);
  return Status::NotFound("snapshot " + s.id.Short() + " has no table '" + name + "'; " +
                          DidYouMean(name, names, "tables"));
}

// What reading a snapshot's trees needs: a shared lock (so prune keeps
// what is read), the index, a node cache. Per request: the index may have
// grown since the last one.
struct TreeAccess {
  std::unique_ptr<RepoLock> lock;
  std::unique_ptr<BlobStore> store;
  std::unique_ptr<NodeCache> cache;
};

Result<TreeAccess> OpenTrees(ApiCore& core) {
  TreeAccess a;
  TM_ASSIGN_OR_RETURN(a.lock, RepoLock::Acquire(core.repo(), false, "serve (read)"));
  a.store = std::make_unique<BlobStore>(core.repo());
  TM_RETURN_IF_ERROR(a.store->LoadIndex());
  a.cache = std::make_unique<NodeCache>(a.store.get(), 16u << 20);
  return a;
}

}  // namespace

ApiResponse Json(std::string body, int status) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Result<ApiResponse> Page(const std::vector<std::pair<std::string, std::string>>& items,
                         const PageParams& page) {
  size_t start = 0;
  if (!page.after.empty()) {
    size_t i = 0;
    while (i < items.size() && items[i].first != page.after) ++i;
    if (i == items.size()) {
      return Status::InvalidArgument("after: no item " + page.after +
                                     " in this list (give a next_after the API returned)");
    }
    start = i + 1;
  }
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  size_t end = std::min(items.size(), start + page.limit);
  for (size_t i = start; i < end; ++i) w.Raw(items[i].second);
  w.EndArray();
  if (end < items.size() && end > start) w.Field("next_after", items[end - 1].first);
  w.EndObject();
  return Json(w.str());
}

Status Require(const Account& account, Action action, const Target& target) {
  switch (Authorize(account.grant, action, target)) {
    case Decision::kAllow:
      return Status::OK();
    case Decision::kDenyRole:
      return Status::PermissionDenied("account " + account.name + " is a " +
                                      RoleName(account.grant.role) + "; " + ActionName(action) +
                                      " needs " + RoleName(MinimumRole(action)));
    case Decision::kDenySource:
      break;
  }
  if (target.scope == Scope::kSource) {
    return Status::PermissionDenied("account " + account.name + " has no grant on source " +
                                    std::string(target.source));
  }
  return Status::PermissionDenied("account " + account.name +
                                  " has a grant on some sources only; this needs every source");
}

Result<std::vector<SnapshotInfo>> VisibleSnapshots(ApiCore& core, const Account& account,
                                                   const std::string& source) {
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, LoadSnapshots(*core.repo(), source));
  if (!account.grant.scoped()) return all;
  std::vector<SnapshotInfo> mine;
  for (SnapshotInfo& s : all) {
    if (InScope(account.grant, s.manifest.source)) mine.push_back(std::move(s));
  }
  return mine;
}

Result<ApiResponse> GetStatus(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(StatusReport r,
                      BuildStatusReport(*core.repo(), StatusInputOf(core.config())));
  const Grant& g = call.account->grant;
  if (!g.scoped()) return Json(StatusJson(r));
  return Json(StatusJson(r, [&g](const std::string& name) { return InScope(g, name); }));
}

Result<ApiResponse> GetSources(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(PageParams page, ParsePage(call.req));
  std::vector<std::pair<std::string, std::string>> items;
  for (const SourceConfig& s : core.config().sources) {
    if (!InScope(call.account->grant, s.name)) continue;
    JsonWriter w;
    SourceJson(&w, s, core.config());
    items.emplace_back(s.name, w.str());
  }
  return Page(items, page);
}

Result<ApiResponse> GetSnapshots(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(PageParams page, ParsePage(call.req));
  std::string source;
  if (const std::string* s = call.req.Query("source")) {
    source = *s;
    TM_RETURN_IF_ERROR(Require(*call.account, Action::kView, Target::Source(source)));
  }
  const std::string* tag = call.req.Query("tag");
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps,
                      VisibleSnapshots(core, *call.account, source));
  std::vector<std::pair<std::string, std::string>> items;
  for (const SnapshotInfo& s : snaps) {
    if (tag != nullptr && !s.manifest.HasTag(*tag)) continue;
    JsonWriter w;
    SnapshotJson(&w, s);
    items.emplace_back(s.id.Hex(), w.str());
  }
  return Page(items, page);
}

Result<ApiResponse> GetSnapshot(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, VisibleSnapshots(core, *call.account));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, Resolve(snaps, call.params[0]));
  JsonWriter w;
  SnapshotShowJson(&w, *s);
  return Json(w.str());
}

Result<ApiResponse> GetRecords(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(PageParams page, ParsePage(call.req));
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, VisibleSnapshots(core, *call.account));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, Resolve(snaps, call.params[0]));
  TM_ASSIGN_OR_RETURN(const SnapshotTable* t, FindTable(*s, call.params[1]));
  TM_ASSIGN_OR_RETURN(TreeAccess a, OpenTrees(core));
  JsonWriter w;
  // Secret columns stay masked over the API (docs/api.md).
  TM_RETURN_IF_ERROR(RecordsPageJson(a.cache.get(), *t, page.after, page.limit,
                                     &s->manifest.objects.annotations, &w)
                         .status());
  return Json(w.str());
}

Result<ApiResponse> GetRecord(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, VisibleSnapshots(core, *call.account));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, Resolve(snaps, call.params[0]));
  TM_ASSIGN_OR_RETURN(const SnapshotTable* t, FindTable(*s, call.params[1]));
  TM_ASSIGN_OR_RETURN(TreeAccess a, OpenTrees(core));
  JsonWriter w;
  TM_RETURN_IF_ERROR(RecordByKeyJson(a.cache.get(), a.store.get(), *core.repo(), *s, *t,
                                     call.params[2],
                                     /*show_secrets=*/false, &w));
  return Json(w.str());
}

}  // namespace tidemark::api
