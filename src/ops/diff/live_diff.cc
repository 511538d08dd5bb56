#include "ops/diff/live_diff.h"

#include "snapshot/large_values.h"
#include "tree/tree_stream.h"

namespace tidemark {
namespace {

// Counts each change and hands it, decoded, to the callback until that
// says stop.
class ChangeSink {
 public:
  ChangeSink(const TableSchema& old_schema, const TableSchema& new_schema,
             const std::function<Result<bool>(const RecordChange&)>& fn)
      : old_(old_schema), new_(new_schema), fn_(fn), calling_(static_cast<bool>(fn)) {}

  Status Emit(TreeChange::Kind kind, std::string_view key, std::string_view old_value,
              std::string_view new_value) {
    (kind == TreeChange::kAdded     ? counts_.added
     : kind == TreeChange::kRemoved ? counts_.removed
                                    : counts_.changed)++;
    if (!calling_) return Status::OK();
    c_.kind = kind;
    c_.key.assign(key);
    TM_RETURN_IF_ERROR(DecodeKey(key, &c_.key_values));
    c_.old_record.clear();
    c_.new_record.clear();
    c_.fields.clear();
    if (kind != TreeChange::kAdded) {
      TM_RETURN_IF_ERROR(DecodeRecord(old_value, "record of " + old_.name, &c_.old_record));
    }
    if (kind != TreeChange::kRemoved) {
      TM_RETURN_IF_ERROR(DecodeRecord(new_value, "live record of " + new_.name, &c_.new_record));
    }
    if (kind == TreeChange::kChanged)
      c_.fields = DiffFields(old_, c_.old_record, new_, c_.new_record);
    TM_ASSIGN_OR_RETURN(calling_, fn_(c_));
    return Status::OK();
  }
  const TreeDiffCounts& counts() const { return counts_; }

 private:
  const TableSchema& old_;
  const TableSchema& new_;
  const std::function<Result<bool>(const RecordChange&)>& fn_;
  bool calling_;
  RecordChange c_;
  TreeDiffCounts counts_;
};

// Encodes each live row as a backup would (large values by the chunk ids
// they would get) and hands it to add(key, value).
Status ScanEncoded(NodeCache* cache, const Repository& repo, SourceReader* source,
                   const TableSchema& live,
                   const std::function<Status(std::string_view, std::string_view)>& add) {
  ChunkedValueStore ids_only(cache->store(), repo, /*dry_run=*/true);
  std::string key, value;
  return source->Scan(live, [&](const SourceRow& row) -> Status {
    key.clear();
    value.clear();
    EncodeKey(row.key, &key);
    TM_RETURN_IF_ERROR(EncodeRecord(row.record, &ids_only, &value));
    return add(key, value);
  });
}

// Builds the live table's tree without storing it (the ids its nodes would
// get) and compares each leaf with the snapshot's: a leaf with the snapshot's
// id is equal and skipped unread, so an unchanged table costs one scan and
// the snapshot's internal nodes (LeafStreamDiff).
Status MergeLive(NodeCache* cache, const Repository& repo, SourceReader* source,
                 const TableSchema& live, const TreeRoot& snap_root, ChangeSink* sink) {
  LeafStreamDiff diff(cache, snap_root, [&](const TreeChange& c) {
    return sink->Emit(c.kind, c.key, c.old_value, c.new_value);
  });
  TreeBuilder builder(cache->store(), TreeParams::ForRepository(repo));
  builder.StoreNothing();
  builder.SetLeafListener(
      [&](const Id& id, std::string_view node) { return diff.AddLeaf(id, node); });
  TM_RETURN_IF_ERROR(ScanEncoded(cache, repo, source, live,
                                 [&](auto key, auto value) { return builder.Add(key, value); }));
  TM_RETURN_IF_ERROR(builder.Finish().status());
  return diff.Finish().status();
}

}  // namespace

Result<TreeDiffCounts> DiffLiveTable(NodeCache* cache, const Repository& repo,
                                     const SnapshotTable* snap, SourceReader* source,
                                     const TableSchema* live,
                                     const std::function<Result<bool>(const RecordChange&)>& fn) {
  if ((snap && !snap->schema.has_records()) || (live && !live->has_records())) {
    return TreeDiffCounts{};
  }
  const TableSchema empty_schema;
  ChangeSink sink(snap ? snap->schema : empty_schema, live ? *live : empty_schema, fn);
  if (snap && live) {
    TM_RETURN_IF_ERROR(MergeLive(cache, repo, source, *live, snap->root, &sink));
  } else if (live) {  // a table new in live: every row added
    TM_RETURN_IF_ERROR(ScanEncoded(cache, repo, source, *live, [&](auto key, auto value) {
      return sink.Emit(TreeChange::kAdded, key, "", value);
    }));
  } else if (snap) {  // a table dropped: every record removed
    TM_RETURN_IF_ERROR(TreeScan(cache, snap->root, std::nullopt,
                                [&](std::string_view key, std::string_view value) -> Result<bool> {
                                  TM_RETURN_IF_ERROR(
                                      sink.Emit(TreeChange::kRemoved, key, value, ""));
                                  return true;
                                }));
  }
  return sink.counts();
}

}  // namespace tidemark
