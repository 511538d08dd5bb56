// What a profile knows about a source beyond its SQL schema
// (DESIGN.md §6, docs/architecture.md "Profiles"): relations the platform
// keeps without SQL foreign keys, and more to come (table roles, secret
// columns, display names).
#pragma once

#include <string>
#include <vector>

#include "records/schema.h"

namespace tidemark {

// A relation the platform keeps without a SQL foreign key: every non-NULL
// child.column must equal some parent.column.
struct Relation {
  std::string child_table, child_column, parent_table, parent_column;
  std::string Name() const;  // "orders.customer_id -> customers.id"
  bool operator==(const Relation&) const = default;
};

// What is wrong with `relations` against `schema` (the tables a backup
// reads, after include/exclude): one line per table or column that is not
// there, naming the relation, what is missing, the table's columns and what
// to do. `where` names the declaration ("source 'shop' [[source.relation]]").
// Empty: every relation resolves (names ignore ASCII case; a table's implicit
// row id counts as a column).
std::vector<std::string> RelationProblems(const std::vector<Relation>& relations,
                                          const SourceSchema& schema, const std::string& where);

}  // namespace tidemark
