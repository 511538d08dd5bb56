// LeafStreamDiff: a stored tree against a stream of new leaves (tree_stream.h).
#include "tree/tree_stream.h"

#include "base/coding.h"
#include "tree/tree_internal.h"

namespace tidemark {

using namespace tree_internal;  // NOLINT: the tree readers' shared helpers

// The old tree's leaf entries in key order. Between leaves it holds only the
// path of internal nodes to the next leaf reference, so that a leaf can be
// skipped by its id without being loaded.
class LeafStreamDiff::OldCursor {
 public:
  OldCursor(NodeCache* cache, const TreeRoot& root) : cache_(cache), root_(root) {}

  Status Start() {
    if (root_.level == 0) {
      root_pending_ = true;
      return Status::OK();
    }
    TM_ASSIGN_OR_RETURN(auto node, LoadOnce(root_.id, RootExpect(root_)));
    stack_.push_back({std::move(node), 0});
    return Descend();
  }

  // True when the next old entry is the first of a leaf: that leaf's id is
  // then NextLeafId() and SkipLeaf() passes it.
  bool AtLeafStart() const { return leaf_ ? pos_ == 0 : (root_pending_ || !stack_.empty()); }
  const Id& NextLeafId() const {
    if (leaf_) return leaf_id_;
    return root_pending_ ? root_.id : Top().node->entries[Top().index].child;
  }
  Status SkipLeaf() {
    if (leaf_) {
      leaf_.reset();
      return Status::OK();
    }
    return PassReference();
  }

  // Loads the next leaf when needed; then HasEntry() says whether one is left.
  Status Ensure() {
    while (!leaf_ && (root_pending_ || !stack_.empty())) {
      const Id id = NextLeafId();
      const Expect want = root_pending_ ? RootExpect(root_) : ChildExpect(*Top().node, Top().index);
      TM_ASSIGN_OR_RETURN(auto leaf, LoadOnce(id, want));
      TM_RETURN_IF_ERROR(PassReference());  // `want` is not used past here
      if (leaf->entries.empty()) continue;  // only the empty tree's root
      leaf_ = std::move(leaf);
      leaf_id_ = id;
      pos_ = 0;
    }
    return Status::OK();
  }
  bool HasEntry() const { return leaf_ != nullptr; }
  const TreeNode::Entry& entry() const { return leaf_->entries[pos_]; }
  void Next() {
    if (++pos_ == leaf_->entries.size()) leaf_.reset();
  }

  // Entries not yet passed, counted from the parents without loading.
  uint64_t RestCount() const {
    uint64_t n = leaf_ ? leaf_->entries.size() - pos_ : 0;
    if (root_pending_) n += root_.count;
    for (size_t f = 0; f < stack_.size(); f++) {
      const Frame& fr = stack_[f];
      // The top frame's index is the next reference; a lower frame's is the
      // child the frame above it walks.
      const size_t from = f + 1 == stack_.size() ? fr.index : fr.index + 1;
      for (size_t j = from; j < fr.node->entries.size(); j++) n += fr.node->entries[j].count;
    }
    return n;
  }
  uint64_t loaded() const { return loaded_; }

 private:
  struct Frame {
    std::shared_ptr<const TreeNode> node;
    size_t index;  // next child to visit
  };
  const Frame& Top() const { return stack_.back(); }

  // Every old node is visited once and held only while on the path: read
  // past the cache, so memory stays the path's whatever the tree's size.
  Result<std::shared_ptr<const TreeNode>> LoadOnce(const Id& id, const Expect& want) {
    TM_ASSIGN_OR_RETURN(auto node, cache_->LoadPassing(id));
    TM_RETURN_IF_ERROR(CheckNode(*node, id, want));
    loaded_++;
    return node;
  }

  // Moves past the next leaf reference.
  Status PassReference() {
    if (root_pending_) {
      root_pending_ = false;
      return Status::OK();
    }
    stack_.back().index++;
    return Descend();
  }
  // Makes the top frame a level-1 node whose index is a leaf reference, or
  // empties the stack at the end of the tree.
  Status Descend() {
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      if (f.index >= f.node->entries.size()) {
        stack_.pop_back();
        if (!stack_.empty()) stack_.back().index++;
        continue;
      }
      if (f.node->level == 1) return Status::OK();
      TM_ASSIGN_OR_RETURN(auto child,
                          LoadOnce(f.node->entries[f.index].child, ChildExpect(*f.node, f.index)));
      stack_.push_back({std::move(child), 0});  // invalidates f
    }
    return Status::OK();
  }

  NodeCache* cache_;
  TreeRoot root_;
  bool root_pending_ = false;             // the root is a leaf not yet passed
  std::vector<Frame> stack_;              // internal nodes on the path to the next leaf
  std::shared_ptr<const TreeNode> leaf_;  // the leaf being read, or null
  Id leaf_id_;
  size_t pos_ = 0;
  uint64_t loaded_ = 0;
};

LeafStreamDiff::LeafStreamDiff(NodeCache* cache, const TreeRoot& old,
                               std::function<Status(const TreeChange&)> fn)
    : old_(std::make_unique<OldCursor>(cache, old)), fn_(std::move(fn)) {
  start_ = old_->Start();
}

LeafStreamDiff::~LeafStreamDiff() = default;

Status LeafStreamDiff::Emit(TreeChange::Kind kind, std::string_view key, std::string_view old_value,
                            std::string_view new_value) {
  (kind == TreeChange::kAdded     ? counts_.added
   : kind == TreeChange::kRemoved ? counts_.removed
                                  : counts_.changed)++;
  if (!fn_) return Status::OK();
  return fn_(TreeChange{kind, key, old_value, new_value});
}

// One new entry against the old entries up to its key.
Status LeafStreamDiff::Merge(std::string_view key, std::string_view value) {
  for (;;) {
    TM_RETURN_IF_ERROR(old_->Ensure());
    if (!old_->HasEntry()) break;
    const TreeNode::Entry& e = old_->entry();
    const int cmp = std::string_view(e.key).compare(key);
    if (cmp > 0) break;
    if (cmp == 0) {
      if (e.value != value) TM_RETURN_IF_ERROR(Emit(TreeChange::kChanged, key, e.value, value));
      old_->Next();
      return Status::OK();
    }
    TM_RETURN_IF_ERROR(Emit(TreeChange::kRemoved, e.key, e.value, {}));
    old_->Next();
  }
  return Emit(TreeChange::kAdded, key, {}, value);
}

Status LeafStreamDiff::AddLeaf(const Id& id, std::string_view node) {
  TM_RETURN_IF_ERROR(start_);
  if (old_->AtLeafStart() && old_->NextLeafId() == id) {
    leaves_skipped_++;
    return old_->SkipLeaf();
  }
  // The node comes from this process's TreeBuilder; read it with the
  // bounds-checked reader all the same.
  ByteReader r(node, "new tree leaf");
  uint8_t magic = 0, level = 0;
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r.Fixed8("magic", &magic));
  TM_RETURN_IF_ERROR(r.Fixed8("level", &level));
  if (magic != 'N' || level != 0) return Status::InvalidArgument("tree stream: not a leaf node");
  TM_RETURN_IF_ERROR(r.Varint64("entry_count", &n));
  for (uint64_t i = 0; i < n; i++) {
    std::string_view key, value;
    TM_RETURN_IF_ERROR(r.LengthPrefixed("key", node.size(), &key));
    TM_RETURN_IF_ERROR(r.LengthPrefixed("value", node.size(), &value));
    TM_RETURN_IF_ERROR(Merge(key, value));
  }
  return r.ExpectEnd();
}

Result<TreeDiffCounts> LeafStreamDiff::Finish() {
  TM_RETURN_IF_ERROR(start_);
  if (!fn_) {
    counts_.removed += old_->RestCount();
  } else {
    for (;;) {
      TM_RETURN_IF_ERROR(old_->Ensure());
      if (!old_->HasEntry()) break;
      const TreeNode::Entry& e = old_->entry();
      TM_RETURN_IF_ERROR(Emit(TreeChange::kRemoved, e.key, e.value, {}));
      old_->Next();
    }
  }
  counts_.nodes_loaded = old_->loaded();
  return counts_;
}

}  // namespace tidemark
