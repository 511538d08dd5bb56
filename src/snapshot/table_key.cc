#include "snapshot/table_key.h"

#include <optional>

#include "records/encoding.h"
#include "records/value_json.h"

namespace tidemark {

Result<std::vector<Value>> ParseStoredKey(NodeCache* cache, const TableSchema& schema,
                                          const TreeRoot& root, std::string_view text) {
  std::vector<Value> like;
  bool found = false;
  if (root.count > 0) {
    TM_RETURN_IF_ERROR(TreeScan(cache, root, std::nullopt,
                                [&](std::string_view k, std::string_view) -> Result<bool> {
                                  TM_RETURN_IF_ERROR(DecodeKey(k, &like));
                                  found = true;
                                  return false;
                                }));
  }
  return ParseKey(schema, text, found ? &like : nullptr);
}

}  // namespace tidemark
