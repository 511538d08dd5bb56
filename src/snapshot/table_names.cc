#include "snapshot/table_names.h"

#include <vector>

#include "base/ascii.h"

namespace tidemark {

Result<std::string> ResolveTableName(const Manifest& m, std::string_view name) {
  if (m.FindTable(name) != nullptr) return std::string(name);
  std::vector<std::string> shown_as;
  for (const TableAnnotation& a : m.objects.annotations.tables) {
    if (a.display_name.empty() || !EqualsIgnoreCase(a.display_name, name)) continue;
    if (const SnapshotTable* t = m.FindTable(a.table)) shown_as.push_back(t->schema.name);
  }
  if (shown_as.size() == 1) return shown_as[0];
  if (shown_as.size() > 1) {
    std::string list;
    for (const std::string& t : shown_as) list += (list.empty() ? "" : ", ") + t;
    return Status::InvalidArgument("\"" + std::string(name) + "\" is the display name of " +
                                   std::to_string(shown_as.size()) + " tables (" + list +
                                   "); give the table's name instead");
  }
  return Status::NotFound("no table '" + std::string(name) + "'");
}

}  // namespace tidemark
