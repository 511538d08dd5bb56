#include "snapshot/history.h"

namespace tidemark {

Result<std::vector<RecordVersion>> RecordHistory(NodeCache* cache,
                                                 const std::vector<SnapshotInfo>& snapshots,
                                                 const std::string& table, const std::string& key) {
  std::vector<RecordVersion> out;
  std::optional<Id> prev_root;
  std::optional<std::string> value;
  for (const SnapshotInfo& s : snapshots) {
    const SnapshotTable* t = s.manifest.FindTable(table);
    if (t == nullptr) {
      value.reset();
      prev_root.reset();
    } else if (!prev_root || *prev_root != t->root.id) {
      TM_ASSIGN_OR_RETURN(value, TreeGet(cache, t->root, key));
      prev_root = t->root.id;
    }
    if (!out.empty() && out.back().value == value) {
      out.back().last = &s;
      out.back().snapshots++;
      continue;
    }
    if (out.empty() && !value) continue;  // not created yet
    out.push_back({value, &s, &s, 1});
  }
  return out;
}

}  // namespace tidemark
