// Keys typed by users (cat, ls --after, history, rollback --key), read
// against what a snapshot stores: a key part of a kind beyond SQLite's
// storage classes (a time, a uuid, an enum) is read by the kind the stored
// keys have, which the schema alone does not say.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "records/value.h"
#include "tree/tree.h"

namespace tidemark {

// ParseKey (records/value_json.h) with the table's first stored key as the
// example of its kinds; a table with no rows has none, and the text is then
// read by the schema alone. Errors as ParseKey's, or the tree's.
Result<std::vector<Value>> ParseStoredKey(NodeCache* cache, const TableSchema& schema,
                                          const TreeRoot& root, std::string_view text);

}  // namespace tidemark
