#include "sources/live_target.h"

#include <algorithm>

#include "base/ascii.h"

namespace tidemark {

int ColumnIndex(const TableSchema& t, std::string_view name) {
  for (size_t i = 0; i < t.columns.size(); i++) {
    if (EqualsIgnoreCase(t.columns[i].name, name)) return int(i);
  }
  return -1;
}

int RecordPosition(const TableSchema& t, int col) {
  std::vector<int> stored = t.StoredColumns();
  auto it = std::find(stored.begin(), stored.end(), col);
  return it == stored.end() ? -1 : int(it - stored.begin());
}

std::vector<std::string> ReferencedColumns(const TableSchema& parent, const ForeignKey& fk) {
  // The model's name of an implicit id (the key name of a table without key columns).
  static const std::string implicit_id = TableSchema{}.KeyNames().front();
  std::vector<std::string> keys = parent.KeyNames();
  std::vector<std::string> out;
  for (size_t i = 0; i < fk.to.size(); i++) {
    out.push_back(!fk.to[i].empty() ? fk.to[i] : i < keys.size() ? keys[i] : implicit_id);
  }
  return out;
}

bool ForeignKeyValues(const TableSchema& child, const ForeignKey& fk, const Record& record,
                      std::vector<Value>* out) {
  out->clear();
  for (const std::string& name : fk.from) {
    int pos = RecordPosition(child, ColumnIndex(child, name));
    if (pos < 0 || size_t(pos) >= record.size() || record[size_t(pos)].is_null()) return false;
    out->push_back(record[size_t(pos)]);
  }
  return true;
}

bool ReferencedValues(const TableSchema& parent, const std::vector<std::string>& to,
                      const SourceRow& row, std::vector<Value>* out) {
  out->clear();
  for (const std::string& name : to) {
    int col = ColumnIndex(parent, name);
    if (col < 0 && parent.key_columns.empty() && parent.NamesImplicitId(name)) {
      out->push_back(row.key.at(0));
      continue;
    }
    int pos = RecordPosition(parent, col);
    if (pos < 0 || size_t(pos) >= row.record.size()) return false;
    out->push_back(row.record[size_t(pos)]);
  }
  return true;
}

}  // namespace tidemark
