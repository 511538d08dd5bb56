// A diff of a stored tree against entries that arrive in key order, as the
// leaves a TreeBuilder makes of them (docs/format/tree.md §6): the
// comparison of a backup with its parent while the backup builds its trees,
// and of a snapshot with the live source.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tree/tree.h"

namespace tidemark {

// Reports what TreeDiff(old, new) would report, where `new` is the tree
// whose leaves are handed to AddLeaf (TreeBuilder::SetLeafListener), without
// loading any node of `new`. A new leaf whose id equals the old tree's next
// unread leaf is skipped unread; the entries of any other new leaf are merged
// with the old entries they overlap, loading only those old leaves. Leaf
// boundaries depend only on the entries since the last boundary (tree.md §2),
// so after a change both sides cut at the same entry again within a leaf or
// two: the cost is that of the change plus one id comparison per leaf.
// Old nodes are loaded with NodeCache::LoadPassing (a diff reads each once,
// and holds only the path to the next leaf). Old nodes are checked as TreeDiff checks
// them (Corruption names the node). Not thread-safe.
class LeafStreamDiff {
 public:
  // fn, when given, is called for each difference in key order (views valid
  // during the call); an error it returns is returned by AddLeaf or Finish.
  // Without fn only counts are computed, and old subtrees left past the last
  // new leaf are counted from their parents, unloaded.
  LeafStreamDiff(NodeCache* cache, const TreeRoot& old,
                 std::function<Status(const TreeChange&)> fn = nullptr);
  ~LeafStreamDiff();

  // The next leaf of the new side: its id and its encoded node (tree.md §3).
  // InvalidArgument when `node` is not a leaf; errors of reading the old tree.
  Status AddLeaf(const Id& id, std::string_view node);
  // Every old entry not yet matched is removed. Call once, after the last leaf.
  Result<TreeDiffCounts> Finish();

  uint64_t leaves_skipped() const { return leaves_skipped_; }

 private:
  class OldCursor;
  Status Merge(std::string_view key, std::string_view value);
  Status Emit(TreeChange::Kind kind, std::string_view key, std::string_view old_value,
              std::string_view new_value);

  std::unique_ptr<OldCursor> old_;
  std::function<Status(const TreeChange&)> fn_;
  Status start_;  // loading the old root
  TreeDiffCounts counts_;
  uint64_t leaves_skipped_ = 0;
};

}  // namespace tidemark
