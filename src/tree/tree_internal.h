// Helpers shared by the readers of trees (tree_read.cc, tree_stream.cc);
// not part of the tree layer's interface.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tree/tree.h"

namespace tidemark {
namespace tree_internal {

std::string NodeName(const Id& id);

// What a parent entry (or the root) promises about the node it points to.
struct Expect {
  uint8_t level = 0;
  uint64_t count = 0;
  std::optional<std::string_view> last_key;   // nullopt for the root
  std::optional<std::string_view> after_key;  // keys must be > this; nullopt: no bound
};

// Checks node `id` against what its parent says: level, number of entries
// beneath, and key range. Corruption names the node otherwise.
Status CheckNode(const TreeNode& node, const Id& id, const Expect& want);

// Loads `id` through the cache and checks it (CheckNode).
Result<std::shared_ptr<const TreeNode>> LoadChecked(NodeCache* cache, const Id& id,
                                                    const Expect& want);

// What the parent's entry i promises about its child.
Expect ChildExpect(const TreeNode& parent, size_t i);
Expect RootExpect(const TreeRoot& root);

}  // namespace tree_internal
}  // namespace tidemark
