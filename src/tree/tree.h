// Prolly trees over a BlobStore (docs/format/tree.md): a B-tree of (key,
// value) byte strings whose node boundaries are chosen from a hash of the
// key, so the same entries always give the same nodes. Nodes are tree blobs.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "repo/blob_store.h"
#include "repo/id.h"

namespace tidemark {

// Node size targets (from RepoConfig tree_min/avg/max) and the key of the
// boundary hash (derived from the repository's id key, tree.md §2).
struct TreeParams {
  uint32_t min_bytes = 512;
  uint32_t avg_bytes = 4096;
  uint32_t max_bytes = 16384;
  std::string hash_key;  // 16 bytes (SipHash-2-4 key)

  static TreeParams ForRepository(const Repository& repo);
};

// The root of a tree: what a snapshot manifest stores per table.
struct TreeRoot {
  Id id;               // root node blob id
  uint64_t count = 0;  // entries in the tree
  uint8_t level = 0;   // 0 = the root is a leaf
  bool operator==(const TreeRoot&) const = default;
};

struct TreeBuildStats {
  uint64_t nodes = 0;        // nodes produced (new or already stored)
  uint64_t node_bytes = 0;   // encoded bytes of all nodes
  uint64_t entry_bytes = 0;  // key + value bytes added
};

// Builds a tree from entries given in strictly increasing key order
// (memcmp). Memory: O(height x max node size). Not thread-safe.
class TreeBuilder {
 public:
  TreeBuilder(BlobStore* store, TreeParams params);
  ~TreeBuilder();
  // InvalidArgument when key <= the previous key (names both keys in hex,
  // shortened). Errors from the store are returned as they are.
  Status Add(std::string_view key, std::string_view value);
  // Writes the remaining nodes; the empty tree is one empty leaf.
  Result<TreeRoot> Finish();
  const TreeBuildStats& stats() const { return stats_; }
  // fn is called with each leaf as it is written (its id and encoded node,
  // valid during the call), in key order. An error it returns fails the
  // build (sticky, like a store error). Set before the first Add.
  void SetLeafListener(std::function<Status(const Id& id, std::string_view node)> fn) {
    leaf_listener_ = std::move(fn);
  }
  // Nodes get the ids they would be stored under, but nothing is stored
  // (a diff against entries that are not backed up). Set before the first Add.
  void StoreNothing() { store_nothing_ = true; }

 private:
  struct Level;
  Status AddAt(size_t level, std::string_view key, std::string_view value, uint64_t count);
  bool IsBoundary(size_t level, std::string_view key, size_t entry_bytes);
  Result<Id> WriteNode(size_t level);
  Status EmitNode(size_t level);
  Result<TreeRoot> FinishLevels();
  BlobStore* store_;
  TreeParams params_;
  std::vector<std::unique_ptr<Level>> levels_;
  std::string last_key_;
  std::string hash_input_;  // reused buffer: level byte || key
  std::string node_buf_;    // reused buffer: the node being written
  std::function<Status(const Id&, std::string_view)> leaf_listener_;
  bool store_nothing_ = false;
  bool any_ = false;
  bool finished_ = false;
  uint64_t count_ = 0;
  Status status_;  // first error (bad params, store failure); sticky
  TreeBuildStats stats_;
};

// A decoded node (tree.md §3).
struct TreeNode {
  uint8_t level = 0;
  struct Entry {
    std::string key;     // leaf: the entry's key; internal: the last key of the child
    std::string value;   // leaf: the value; internal: unused
    Id child;            // internal only
    uint64_t count = 0;  // internal: entries under child; leaf: 1
  };
  std::vector<Entry> entries;
};
std::string EncodeTreeNode(const TreeNode& node);
// Corruption names `what`, the offset and the field.
Result<TreeNode> DecodeTreeNode(std::string_view data, std::string_view what);

// Bytes a decoded node holds in memory (the node, its entry array and the
// heap part of its strings): what NodeCache charges against its budget.
size_t DecodedNodeSize(const TreeNode& node);

struct NodeCacheStats {
  uint64_t hits = 0;   // loads answered from the cache
  uint64_t reads = 0;  // nodes read from the store and decoded
  size_t bytes = 0;    // decoded bytes held (DecodedNodeSize), at most the budget
  size_t nodes = 0;    // nodes held
};

// Loads and caches decoded nodes, least recently used first out, within a
// budget in decoded bytes (DecodedNodeSize; the last node loaded stays even
// when it alone is larger). Thread-safe.
class NodeCache {
 public:
  explicit NodeCache(BlobStore* store, size_t budget_bytes = 64u << 20);
  // Corruption names the node id when the blob does not decode.
  Result<std::shared_ptr<const TreeNode>> Load(const Id& id);
  // As Load, but a node read from the store is not kept: for nodes a walk
  // visits once (the leaves of a scan), which would only push out the ones
  // visited again. A node already cached is returned from the cache.
  Result<std::shared_ptr<const TreeNode>> LoadPassing(const Id& id);
  BlobStore* store() const { return store_; }
  NodeCacheStats stats() const;

 private:
  struct Slot {
    Id id;
    std::shared_ptr<const TreeNode> node;
    size_t size;  // decoded bytes, charged against budget_
  };
  // The cached node (marked most recent), or null.
  std::shared_ptr<const TreeNode> Find(const Id& id);
  // Reads and decodes a node without caching it.
  Result<std::shared_ptr<const TreeNode>> Read(const Id& id);
  BlobStore* store_;
  size_t budget_;
  mutable std::mutex mu_;
  size_t used_ = 0;      // guarded by mu_
  uint64_t hits_ = 0;    // guarded by mu_
  uint64_t reads_ = 0;   // guarded by mu_
  std::list<Slot> lru_;  // most recent first; guarded by mu_
  std::unordered_map<Id, std::list<Slot>::iterator, IdHash> map_;  // guarded by mu_
};

// Point lookup: the value of `key`, or nullopt.
Result<std::optional<std::string>> TreeGet(NodeCache* cache, const TreeRoot& root,
                                           std::string_view key);

// Calls fn(key, value) for each entry with key > after (or every entry when
// `after` is nullopt), in order, until fn returns false or an error.
Status TreeScan(
    NodeCache* cache, const TreeRoot& root, std::optional<std::string_view> after,
    const std::function<Result<bool>(std::string_view key, std::string_view value)>& fn);

// A difference between two trees.
struct TreeChange {
  enum Kind { kAdded, kRemoved, kChanged } kind;
  std::string_view key;
  std::string_view old_value;  // removed, changed
  std::string_view new_value;  // added, changed
};
struct TreeDiffCounts {
  uint64_t added = 0, removed = 0, changed = 0;
  uint64_t nodes_loaded = 0;  // how much work the diff did
};
// Calls fn for each difference from a to b in key order, skipping every
// subtree whose id is equal on both sides (cost proportional to the change).
// fn returns false to stop early. With fn null only counts are computed, and
// whole subtrees present on one side only are counted from their subtree
// counts without being loaded.
Result<TreeDiffCounts> TreeDiff(NodeCache* cache, const TreeRoot& a, const TreeRoot& b,
                                const std::function<Result<bool>(const TreeChange&)>& fn);

}  // namespace tidemark
