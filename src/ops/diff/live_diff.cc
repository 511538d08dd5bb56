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

}  // namespace

Result<TreeDiffCounts> DiffLiveTable(NodeCache* cache, const Repository& repo,
                                     const SnapshotTable* snap, SourceReader* source,
                                     const TableSchema* live,
                                     const std::function<Result<bool>(const RecordChange&)>& fn) {
  TreeDiffCounts counts;
  if ((snap && !snap->schema.has_records()) || (live && !live->has_records())) return counts;
  const TableSchema empty_schema;
  const TableSchema& old_schema = snap ? snap->schema : empty_schema;
  const TableSchema& new_schema = live ? *live : empty_schema;
  TreeCursor cursor(cache);
  if (snap) TM_RETURN_IF_ERROR(cursor.Start(snap->root));
  bool calling = static_cast<bool>(fn);
  RecordChange c;
  auto emit = [&](TreeChange::Kind kind, std::string_view key, std::string_view old_value,
                  std::string_view new_value) -> Status {
    (kind == TreeChange::kAdded     ? counts.added
     : kind == TreeChange::kRemoved ? counts.removed
                                    : counts.changed)++;
    if (!calling) return Status::OK();
    c.kind = kind;
    c.key.assign(key);
    TM_RETURN_IF_ERROR(DecodeKey(key, &c.key_values));
    c.old_record.clear();
    c.new_record.clear();
    c.fields.clear();
    if (kind != TreeChange::kAdded) {
      TM_RETURN_IF_ERROR(DecodeRecord(old_value, "record of " + old_schema.name, &c.old_record));
    }
    if (kind != TreeChange::kRemoved) {
      TM_RETURN_IF_ERROR(
          DecodeRecord(new_value, "live record of " + new_schema.name, &c.new_record));
    }
    if (kind == TreeChange::kChanged) {
      c.fields = DiffFields(old_schema, c.old_record, new_schema, c.new_record);
    }
    TM_ASSIGN_OR_RETURN(calling, fn(c));
    return Status::OK();
  };
  if (live) {
    // Large live values are compared by the chunk ids they would get.
    ChunkedValueStore ids_only(cache->store(), repo, /*dry_run=*/true);
    std::string key, value;
    TM_RETURN_IF_ERROR(source->Scan(*live, [&](const SourceRow& row) -> Status {
      key.clear();
      value.clear();
      EncodeKey(row.key, &key);
      TM_RETURN_IF_ERROR(EncodeRecord(row.record, &ids_only, &value));
      while (cursor.valid() && cursor.key() < key) {
        TM_RETURN_IF_ERROR(emit(TreeChange::kRemoved, cursor.key(), cursor.value(), ""));
        TM_RETURN_IF_ERROR(cursor.Next());
      }
      if (cursor.valid() && cursor.key() == key) {
        if (cursor.value() != value) {
          TM_RETURN_IF_ERROR(emit(TreeChange::kChanged, key, cursor.value(), value));
        }
        return cursor.Next();
      }
      return emit(TreeChange::kAdded, key, "", value);
    }));
  }
  while (cursor.valid()) {
    TM_RETURN_IF_ERROR(emit(TreeChange::kRemoved, cursor.key(), cursor.value(), ""));
    TM_RETURN_IF_ERROR(cursor.Next());
  }
  return counts;
}

}  // namespace tidemark
