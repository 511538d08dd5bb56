#include "records/annotations.h"

#include "base/ascii.h"

namespace tidemark {
namespace {

// "" when `table` has `column` (or it names the table's implicit row id);
// otherwise what is missing.
std::string MissingColumn(const SourceSchema& schema, const std::string& table,
                          const std::string& column) {
  const TableSchema* t = schema.FindTableIgnoreCase(table);
  if (t == nullptr) {
    std::string names;
    for (const TableSchema& o : schema.tables) {
      if (o.kind == TableKind::kTable) names += (names.empty() ? "" : ", ") + o.name;
    }
    return "no table " + table +
           " in the source (or it is excluded from the backup); its tables: " +
           (names.empty() ? "none" : names);
  }
  std::string cols;
  for (const Column& c : t->columns) {
    if (EqualsIgnoreCase(c.name, column)) return "";
    cols += (cols.empty() ? "" : ", ") + c.name;
  }
  if (t->NamesImplicitId(column)) return "";
  return "table " + t->name + " has no column " + column + " (its columns: " + cols + ")";
}

}  // namespace

std::vector<std::string> RelationProblems(const std::vector<Relation>& relations,
                                          const SourceSchema& schema, const std::string& where) {
  std::vector<std::string> out;
  for (const Relation& rel : relations) {
    for (const auto& [table, column] : {std::pair{rel.child_table, rel.child_column},
                                        std::pair{rel.parent_table, rel.parent_column}}) {
      const std::string missing = MissingColumn(schema, table, column);
      if (missing.empty()) continue;
      out.push_back(where + ": relation \"" + rel.Name() + "\": " + missing +
                    "; fix or remove the relation in tidemark.toml");
    }
  }
  return out;
}

std::string Relation::Name() const {
  return child_table + "." + child_column + " -> " + parent_table + "." + parent_column;
}

}  // namespace tidemark
