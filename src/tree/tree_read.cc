// Reading trees: NodeCache, TreeGet, TreeScan and TreeDiff (docs/format/tree.md §5-§6).
#include <algorithm>
#include <deque>

#include "tree/tree.h"
#include "tree/tree_internal.h"

namespace tidemark {

namespace tree_internal {

std::string NodeName(const Id& id) { return "tree node " + id.Short(); }

Status CheckNode(const TreeNode& node, const Id& id, const Expect& want) {
  auto bad = [&](const std::string& problem) {
    return Status::Corruption(NodeName(id) + ": " + problem);
  };
  if (node.level != want.level) {
    return bad("level " + std::to_string(node.level) + ", expected " + std::to_string(want.level));
  }
  uint64_t count = 0;
  for (const TreeNode::Entry& e : node.entries) count += e.count;  // no overflow: decoder
  if (count != want.count) {
    return bad("holds " + std::to_string(count) + " entries, its parent says " +
               std::to_string(want.count));
  }
  if (want.last_key && (node.entries.empty() || node.entries.back().key != *want.last_key)) {
    return bad("last key differs from its parent's key");
  }
  if (want.after_key && !node.entries.empty() && !(*want.after_key < node.entries[0].key)) {
    return bad("first key not above its left neighbour's last key");
  }
  return Status::OK();
}

Result<std::shared_ptr<const TreeNode>> LoadChecked(NodeCache* cache, const Id& id,
                                                    const Expect& want) {
  TM_ASSIGN_OR_RETURN(std::shared_ptr<const TreeNode> node, cache->Load(id));
  TM_RETURN_IF_ERROR(CheckNode(*node, id, want));
  return node;
}

Expect ChildExpect(const TreeNode& parent, size_t i) {
  Expect want;
  want.level = static_cast<uint8_t>(parent.level - 1);
  want.count = parent.entries[i].count;
  want.last_key = parent.entries[i].key;
  if (i > 0) want.after_key = parent.entries[i - 1].key;
  return want;
}

Expect RootExpect(const TreeRoot& root) {
  Expect want;
  want.level = root.level;
  want.count = root.count;
  return want;
}

}  // namespace tree_internal

namespace {

using namespace tree_internal;  // NOLINT: this file's own helpers

// Index of the first entry whose key is >= key.
size_t LowerBound(const TreeNode& node, std::string_view key) {
  auto it =
      std::lower_bound(node.entries.begin(), node.entries.end(), key,
                       [](const TreeNode::Entry& e, std::string_view k) { return e.key < k; });
  return static_cast<size_t>(it - node.entries.begin());
}

// Index of the first entry whose key is > key.
size_t UpperBound(const TreeNode& node, std::string_view key) {
  auto it =
      std::upper_bound(node.entries.begin(), node.entries.end(), key,
                       [](std::string_view k, const TreeNode::Entry& e) { return k < e.key; });
  return static_cast<size_t>(it - node.entries.begin());
}

}  // namespace

// ---------------------------------------------------------------------------
// NodeCache

NodeCache::NodeCache(BlobStore* store, size_t budget_bytes)
    : store_(store), budget_(budget_bytes) {}

size_t DecodedNodeSize(const TreeNode& node) {
  // Heap bytes of a string past its inline buffer (libstdc++: 15 bytes).
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  size_t n = sizeof(TreeNode) + node.entries.capacity() * sizeof(TreeNode::Entry);
  for (const TreeNode::Entry& e : node.entries) n += heap(e.key) + heap(e.value);
  return n;
}

std::shared_ptr<const TreeNode> NodeCache::Find(const Id& id) {
  std::lock_guard lock(mu_);
  auto it = map_.find(id);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  hits_++;
  return it->second->node;
}

Result<std::shared_ptr<const TreeNode>> NodeCache::Read(const Id& id) {
  // The blob type is not checked: ids do not depend on it, so a node's bytes
  // may have been stored first as a data blob.
  Result<std::string> bytes = store_->Get(id);
  if (!bytes.ok()) return bytes.status().WithContext(NodeName(id));
  TM_ASSIGN_OR_RETURN(TreeNode decoded, DecodeTreeNode(*bytes, NodeName(id)));
  std::lock_guard lock(mu_);
  reads_++;
  return std::make_shared<const TreeNode>(std::move(decoded));
}

Result<std::shared_ptr<const TreeNode>> NodeCache::Load(const Id& id) {
  if (std::shared_ptr<const TreeNode> found = Find(id)) return found;
  // Read and decode without the lock, so that threads overlap.
  TM_ASSIGN_OR_RETURN(std::shared_ptr<const TreeNode> node, Read(id));
  const size_t size = DecodedNodeSize(*node);
  std::lock_guard lock(mu_);
  auto it = map_.find(id);
  if (it != map_.end()) return it->second->node;  // another thread loaded it meanwhile
  lru_.push_front(Slot{id, node, size});
  map_.emplace(id, lru_.begin());
  used_ += size;
  while (used_ > budget_ && lru_.size() > 1) {
    used_ -= lru_.back().size;
    map_.erase(lru_.back().id);
    lru_.pop_back();
  }
  return node;
}

Result<std::shared_ptr<const TreeNode>> NodeCache::LoadPassing(const Id& id) {
  if (std::shared_ptr<const TreeNode> found = Find(id)) return found;
  return Read(id);
}

NodeCacheStats NodeCache::stats() const {
  std::lock_guard lock(mu_);
  return NodeCacheStats{hits_, reads_, used_, lru_.size()};
}

// ---------------------------------------------------------------------------
// TreeGet, TreeScan (§5)

Result<std::optional<std::string>> TreeGet(NodeCache* cache, const TreeRoot& root,
                                           std::string_view key) {
  TM_ASSIGN_OR_RETURN(std::shared_ptr<const TreeNode> node,
                      LoadChecked(cache, root.id, RootExpect(root)));
  while (node->level > 0) {
    const size_t i = LowerBound(*node, key);
    if (i == node->entries.size()) return std::optional<std::string>();
    TM_ASSIGN_OR_RETURN(node, LoadChecked(cache, node->entries[i].child, ChildExpect(*node, i)));
  }
  const size_t i = LowerBound(*node, key);
  if (i == node->entries.size() || node->entries[i].key != key) return std::optional<std::string>();
  return std::optional<std::string>(node->entries[i].value);
}

Status TreeScan(NodeCache* cache, const TreeRoot& root, std::optional<std::string_view> after,
                const std::function<Result<bool>(std::string_view, std::string_view)>& fn) {
  struct Frame {
    std::shared_ptr<const TreeNode> node;
    size_t index;
  };
  // Every key past the first path is > after, so the bound only skips there.
  auto start = [&](const TreeNode& node) { return after ? UpperBound(node, *after) : 0; };
  std::vector<Frame> stack;
  TM_ASSIGN_OR_RETURN(std::shared_ptr<const TreeNode> top,
                      LoadChecked(cache, root.id, RootExpect(root)));
  stack.push_back({top, start(*top)});
  while (!stack.empty()) {
    Frame& f = stack.back();
    const TreeNode& node = *f.node;
    if (f.index >= node.entries.size()) {
      stack.pop_back();
      if (!stack.empty()) stack.back().index++;
      continue;
    }
    const TreeNode::Entry& e = node.entries[f.index];
    if (node.level == 0) {
      TM_ASSIGN_OR_RETURN(bool more, fn(e.key, e.value));
      if (!more) return Status::OK();
      f.index++;
      continue;
    }
    TM_ASSIGN_OR_RETURN(std::shared_ptr<const TreeNode> child,
                        LoadChecked(cache, e.child, ChildExpect(node, f.index)));
    const size_t first = start(*child);
    stack.push_back({std::move(child), first});  // invalidates f
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// TreeDiff (§6)

namespace {

// One side of a diff: the not yet compared part of a tree, in key order, as a
// deque of items. An item is a subtree reference (the root, or an entry of an
// internal node) or a single leaf entry. Items hold their node alive.
class DiffSide {
 public:
  explicit DiffSide(const TreeRoot& root) : root_(root) { items_.push_back(Item{nullptr, 0}); }

  bool empty() const { return items_.empty(); }
  bool FrontIsRef() const { return !items_.front().node || items_.front().node->level > 0; }
  // Level of the node the front refers to; -1 for a leaf entry.
  int FrontLevel() const {
    const Item& it = items_.front();
    return it.node ? it.node->level - 1 : root_.level;
  }
  const Id& FrontId() const {
    const Item& it = items_.front();
    return it.node ? it.node->entries[it.index].child : root_.id;
  }
  uint64_t FrontCount() const {
    const Item& it = items_.front();
    return it.node ? it.node->entries[it.index].count : root_.count;
  }
  // REQUIRES: !FrontIsRef().
  const TreeNode::Entry& FrontEntry() const {
    return items_.front().node->entries[items_.front().index];
  }
  void Pop() { items_.pop_front(); }

  // Replaces the front reference by the entries of the node it refers to.
  Status Expand(NodeCache* cache, uint64_t* nodes_loaded) {
    const Item it = items_.front();
    const Expect want = it.node ? ChildExpect(*it.node, it.index) : RootExpect(root_);
    TM_ASSIGN_OR_RETURN(std::shared_ptr<const TreeNode> node, LoadChecked(cache, FrontId(), want));
    ++*nodes_loaded;
    items_.pop_front();
    for (size_t i = node->entries.size(); i-- > 0;) items_.push_front(Item{node, i});
    return Status::OK();
  }

 private:
  struct Item {
    std::shared_ptr<const TreeNode> node;  // the node holding the entry; null: the root
    size_t index;
  };
  TreeRoot root_;
  std::deque<Item> items_;
};

// One TreeDiff: two fronts merged in key order, counts, and the callback.
class TreeDiffer {
 public:
  TreeDiffer(NodeCache* cache, const TreeRoot& a, const TreeRoot& b,
             const std::function<Result<bool>(const TreeChange&)>& fn)
      : cache_(cache), sa_(a), sb_(b), fn_(fn) {}

  Result<TreeDiffCounts> Run() {
    while (!stopped_ && (!sa_.empty() || !sb_.empty())) {
      if (sa_.empty() || sb_.empty()) {
        TM_RETURN_IF_ERROR(OneSided(sa_.empty() ? sb_ : sa_, sa_.empty()));
      } else {
        TM_RETURN_IF_ERROR(BothSides());
      }
    }
    return counts_;
  }

 private:
  Status Emit(TreeChange::Kind kind, const TreeNode::Entry* old_e, const TreeNode::Entry* new_e) {
    (kind == TreeChange::kAdded     ? counts_.added
     : kind == TreeChange::kRemoved ? counts_.removed
                                    : counts_.changed)++;
    if (!fn_) return Status::OK();
    TreeChange c{kind, old_e ? old_e->key : new_e->key, {}, {}};
    if (old_e) c.old_value = old_e->value;
    if (new_e) c.new_value = new_e->value;
    TM_ASSIGN_OR_RETURN(bool more, fn_(c));
    stopped_ = !more;
    return Status::OK();
  }

  // The rest of one side is all added (or all removed): without a callback
  // a whole subtree counts from its subtree count, unloaded.
  Status OneSided(DiffSide& s, bool added) {
    if (!s.FrontIsRef()) {
      const TreeNode::Entry* e = &s.FrontEntry();
      TM_RETURN_IF_ERROR(added ? Emit(TreeChange::kAdded, nullptr, e)
                               : Emit(TreeChange::kRemoved, e, nullptr));
      s.Pop();
    } else if (!fn_) {
      (added ? counts_.added : counts_.removed) += s.FrontCount();
      s.Pop();
    } else {
      TM_RETURN_IF_ERROR(s.Expand(cache_, &counts_.nodes_loaded));
    }
    return Status::OK();
  }

  Status BothSides() {
    const bool ref_a = sa_.FrontIsRef(), ref_b = sb_.FrontIsRef();
    if (ref_a && ref_b && sa_.FrontId() == sb_.FrontId()) {  // the skip rule
      sa_.Pop();
      sb_.Pop();
      return Status::OK();
    }
    if (ref_a || ref_b) {
      // A reference can only ever match one of the same level at the other
      // front, and fronts only move down; so the higher one must be opened.
      const int la = ref_a ? sa_.FrontLevel() : -1, lb = ref_b ? sb_.FrontLevel() : -1;
      return (la >= lb ? sa_ : sb_).Expand(cache_, &counts_.nodes_loaded);
    }
    const TreeNode::Entry& ea = sa_.FrontEntry();
    const TreeNode::Entry& eb = sb_.FrontEntry();
    const int cmp = std::string_view(ea.key).compare(eb.key);
    if (cmp < 0) {
      TM_RETURN_IF_ERROR(Emit(TreeChange::kRemoved, &ea, nullptr));
      sa_.Pop();
    } else if (cmp > 0) {
      TM_RETURN_IF_ERROR(Emit(TreeChange::kAdded, nullptr, &eb));
      sb_.Pop();
    } else {
      if (ea.value != eb.value) TM_RETURN_IF_ERROR(Emit(TreeChange::kChanged, &ea, &eb));
      sa_.Pop();
      sb_.Pop();
    }
    return Status::OK();
  }

  NodeCache* cache_;
  DiffSide sa_, sb_;
  const std::function<Result<bool>(const TreeChange&)>& fn_;
  TreeDiffCounts counts_;
  bool stopped_ = false;
};

}  // namespace

Result<TreeDiffCounts> TreeDiff(NodeCache* cache, const TreeRoot& a, const TreeRoot& b,
                                const std::function<Result<bool>(const TreeChange&)>& fn) {
  return TreeDiffer(cache, a, b, fn).Run();
}

}  // namespace tidemark
