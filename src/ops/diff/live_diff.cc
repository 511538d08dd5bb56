#include "ops/diff/live_diff.h"

#include "snapshot/large_values.h"

namespace tidemark {
namespace {

// Walks a tree's leaf entries in key order, one at a time.
class TreeCursor {
 public:
  explicit TreeCursor(NodeCache* cache) : cache_(cache) {}
  Status Start(const TreeRoot& root) {
    TM_ASSIGN_OR_RETURN(auto node, cache_->Load(root.id));
    stack_.push_back({node, 0});
    return Settle();
  }
  bool valid() const { return !stack_.empty(); }
  std::string_view key() const { return Entry().key; }
  std::string_view value() const { return Entry().value; }
  Status Next() {
    stack_.back().index++;
    return Settle();
  }

 private:
  struct Frame {
    std::shared_ptr<const TreeNode> node;
    size_t index;
  };
  const TreeNode::Entry& Entry() const { return stack_.back().node->entries[stack_.back().index]; }
  // Moves to the next leaf entry at or after the current position.
  Status Settle() {
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      if (f.index >= f.node->entries.size()) {
        stack_.pop_back();
        if (!stack_.empty()) stack_.back().index++;
        continue;
      }
      if (f.node->level == 0) return Status::OK();
      TM_ASSIGN_OR_RETURN(auto child, cache_->Load(f.node->entries[f.index].child));
      stack_.push_back({child, 0});
    }
    return Status::OK();
  }
  NodeCache* cache_;
  std::vector<Frame> stack_;
};

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

// Merges the live rows, in key order, with the snapshot's cursor.
Status MergeLive(NodeCache* cache, const Repository& repo, SourceReader* source,
                 const TableSchema& live, TreeCursor* cursor, ChangeSink* sink) {
  // Large live values are compared by the chunk ids they would get.
  ChunkedValueStore ids_only(cache->store(), repo, /*dry_run=*/true);
  std::string key, value;
  return source->Scan(live, [&](const SourceRow& row) -> Status {
    key.clear();
    value.clear();
    EncodeKey(row.key, &key);
    TM_RETURN_IF_ERROR(EncodeRecord(row.record, &ids_only, &value));
    while (cursor->valid() && cursor->key() < key) {
      TM_RETURN_IF_ERROR(sink->Emit(TreeChange::kRemoved, cursor->key(), cursor->value(), ""));
      TM_RETURN_IF_ERROR(cursor->Next());
    }
    if (cursor->valid() && cursor->key() == key) {
      if (cursor->value() != value) {
        TM_RETURN_IF_ERROR(sink->Emit(TreeChange::kChanged, key, cursor->value(), value));
      }
      return cursor->Next();
    }
    return sink->Emit(TreeChange::kAdded, key, "", value);
  });
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
  TreeCursor cursor(cache);
  if (snap) TM_RETURN_IF_ERROR(cursor.Start(snap->root));
  if (live) TM_RETURN_IF_ERROR(MergeLive(cache, repo, source, *live, &cursor, &sink));
  while (cursor.valid()) {
    TM_RETURN_IF_ERROR(sink.Emit(TreeChange::kRemoved, cursor.key(), cursor.value(), ""));
    TM_RETURN_IF_ERROR(cursor.Next());
  }
  return sink.counts();
}

}  // namespace tidemark
