#include "ops/copy/copy.h"

#include <algorithm>
#include <map>

#include "records/encoding.h"
#include "snapshot/large_values.h"
#include "tree/tree.h"

namespace tidemark {

namespace {

// What makes two snapshots the same for copy: source, time, and each table's
// name, rows and digest (ids differ between repositories).
std::string SameKey(const Manifest& m) {
  std::string k = m.source + '\0' + std::to_string(m.time_us);
  for (const SnapshotTable& t : m.tables) {
    k += '\0' + t.schema.name + '\0' + std::to_string(t.root.count) + '\0' + t.digest;
  }
  return k;
}

struct Copier {
  const Repository& from;
  Repository* to;
  BlobStore* to_store;
  BlobStore from_store;
  NodeCache cache;
  ChunkedValueStore from_large, to_large;

  Copier(const Repository& f, Repository* t, BlobStore* ts)
      : from(f),
        to(t),
        to_store(ts),
        from_store(&f),
        cache(&from_store),
        from_large(&from_store, f),
        to_large(ts, *t) {}

  // Rebuilds one table in the destination; checks rows and digest.
  Status CopyTable(const std::string& snap, SnapshotTable* t) {
    if (t->root.id.IsZero() && t->root.count == 0) return Status::OK();  // nothing stored
    TreeBuilder builder(to_store, TreeParams::ForRepository(*to));
    TableDigest digest;
    Record rec;
    std::string out;
    const std::string what = "snapshot " + snap + " table " + t->schema.name;
    TM_RETURN_IF_ERROR(TreeScan(&cache, t->root, std::nullopt,
                                [&](std::string_view key, std::string_view value) -> Result<bool> {
                                  rec.clear();
                                  TM_RETURN_IF_ERROR(DecodeRecord(value, what, &rec));
                                  for (Value& v : rec)
                                    TM_RETURN_IF_ERROR(ResolveValue(&from_large, &v));
                                  digest.Add(key, rec);
                                  out.clear();
                                  TM_RETURN_IF_ERROR(EncodeRecord(rec, &to_large, &out));
                                  TM_RETURN_IF_ERROR(builder.Add(key, out));
                                  return true;
                                }));
    TM_ASSIGN_OR_RETURN(TreeRoot root, builder.Finish());
    const std::string got = digest.Finish();
    if (root.count != t->root.count || (!t->digest.empty() && got != t->digest)) {
      return Status::Corruption(what + ": the records read (" + std::to_string(root.count) +
                                " rows) do not match the snapshot's row count (" +
                                std::to_string(t->root.count) +
                                ") and digest; run `tidemark check --read-data` on the source");
    }
    t->root = root;
    return Status::OK();
  }
};

Result<std::vector<const SnapshotInfo*>> Chosen(const std::vector<SnapshotInfo>& all,
                                                const CopyOptions& opts) {
  std::vector<const SnapshotInfo*> out;
  for (const std::string& spec : opts.snapshots) {
    TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, ResolveSnapshot(all, spec));
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  if (opts.snapshots.empty()) {
    for (const SnapshotInfo& s : all) out.push_back(&s);
  }
  std::sort(out.begin(), out.end(), [](const SnapshotInfo* a, const SnapshotInfo* b) {
    return a->manifest.time_us != b->manifest.time_us ? a->manifest.time_us < b->manifest.time_us
                                                      : a->id < b->id;
  });
  return out;
}

}  // namespace

Result<CopyResult> CopySnapshots(const Repository& from, Repository* to, BlobStore* to_store,
                                 const CopyOptions& opts) {
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> src, LoadSnapshots(from, opts.source));
  if (src.empty() && opts.snapshots.empty()) {
    return Status::NotFound(opts.source.empty() ? "the source repository has no snapshots to copy"
                                                : "the source repository has no snapshots of " +
                                                      opts.source + " (see `tidemark snapshots`)");
  }
  TM_ASSIGN_OR_RETURN(std::vector<const SnapshotInfo*> chosen, Chosen(src, opts));
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> dst, LoadSnapshots(*to));
  std::map<std::string, Id> in_dest;  // SameKey → destination id
  for (const SnapshotInfo& s : dst) in_dest.emplace(SameKey(s.manifest), s.id);
  std::map<Id, Id> mapped;  // source id → destination id
  for (const SnapshotInfo& s : src) {
    auto it = in_dest.find(SameKey(s.manifest));
    if (it != in_dest.end()) mapped[s.id] = it->second;
  }
  Copier copier(from, to, to_store);
  TM_RETURN_IF_ERROR(copier.from_store.LoadIndex());
  CopyResult result;
  for (const SnapshotInfo* s : chosen) {
    CopiedSnapshot c{
        s->id, Id(), s->manifest.source, s->manifest.time_us, false, s->manifest.TotalRecords()};
    if (auto it = mapped.find(s->id); it != mapped.end()) {
      c.to = it->second;
      c.already = true;
      ++result.already;
      result.snapshots.push_back(c);
      continue;
    }
    Manifest m = s->manifest;
    auto parent = mapped.find(m.parent);
    m.parent = parent != mapped.end() ? parent->second : Id();
    for (SnapshotTable& t : m.tables) TM_RETURN_IF_ERROR(copier.CopyTable(s->id.Short(), &t));
    TM_RETURN_IF_ERROR(to_store->Flush());
    TM_ASSIGN_OR_RETURN(c.to, WriteSnapshot(*to, m));
    mapped[s->id] = c.to;
    ++result.copied;
    result.snapshots.push_back(c);
  }
  result.bytes_added = to_store->stats().bytes_added;
  return result;
}

}  // namespace tidemark
