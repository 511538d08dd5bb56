// What a profile knows about a source beyond its SQL schema (DESIGN.md §6,
// docs/architecture.md "Profiles"): each table's role, relations the platform
// keeps without SQL foreign keys, secret columns and display names. Part of
// the schema model (SourceSchema::annotations), stored in the snapshot
// manifest (docs/format/records.md §6.1, snapshot.md §2 version 3) so that
// an old snapshot keeps the meaning it had when it was taken.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tidemark {

struct SourceSchema;  // records/schema.h (which holds SchemaAnnotations)

// A relation the platform keeps without a SQL foreign key: every non-NULL
// child.column must equal some parent.column.
struct Relation {
  std::string child_table, child_column, parent_table, parent_column;
  // What the platform does to the children when it deletes a parent, as SQL
  // names it: "SET NULL" (NocoDB clears a has-many link), "CASCADE" (it
  // deletes the junction rows of a many-to-many link, a view's filters), or
  // "" (not known: the platform leaves them, or the user declared the
  // relation). A rollback that re-creates the parent restores the links
  // "SET NULL" cleared; rows deleted with it come back for any value.
  std::string on_delete = "";
  std::string Name() const;  // "orders.customer_id -> customers.id"
  bool operator==(const Relation&) const = default;
};

// What a table is to the app (records.md §6.1). Data is the default.
enum class TableRole : uint8_t {
  kData = 0,       // the app's records
  kMetadata = 1,   // the app's own definitions: schema, views, workflows, users and roles
  kTransient = 2,  // sessions, logs, caches, executions: rebuilt or expired by the app
};
const char* TableRoleName(TableRole r);  // "data", "metadata", "transient"

struct ColumnAnnotation {
  std::string column;        // as the schema spells it
  std::string display_name;  // for people ("" = the column's name)
  bool secret = false;       // holds a password, token or key
  bool operator==(const ColumnAnnotation&) const = default;
};

// A table's annotations. A table without an entry is data, with no display
// name and no secret column.
struct TableAnnotation {
  std::string namespace_name;  // "" for a source without namespaces
  std::string table;           // as the schema spells it
  TableRole role = TableRole::kData;
  std::string display_name;               // "" = the table's name
  std::vector<ColumnAnnotation> columns;  // in the table's column order
  bool operator==(const TableAnnotation&) const = default;
};

struct SchemaAnnotations {
  std::string profile;                  // the profile that wrote them ("generic")
  std::vector<TableAnnotation> tables;  // in the schema's table order
  std::vector<Relation> relations;      // as declared, in declaration order

  // No annotation at all (what an old snapshot reads as; the profile name
  // alone does not count).
  bool empty() const { return tables.empty() && relations.empty(); }
  // The entry of `table` (ASCII case ignored) in `namespace_name`; null if none.
  const TableAnnotation* Find(std::string_view table, std::string_view namespace_name = "") const;
  TableRole RoleOf(std::string_view table, std::string_view namespace_name = "") const;
  // True when `column` of `table` is marked secret.
  bool IsSecret(std::string_view table, std::string_view column) const;
  // The display names, or the names themselves when none is set.
  std::string TableDisplayName(std::string_view table) const;
  std::string ColumnDisplayName(std::string_view table, std::string_view column) const;
  bool operator==(const SchemaAnnotations&) const = default;
};

// The relations the schema's profile declared (not the SQL foreign keys):
// what the rollback planner, drills and anomaly detection follow besides
// TableSchema::foreign_keys. Empty for a snapshot without annotations.
const std::vector<Relation>& RelationsOf(const SourceSchema& schema);
// The relations that hold for a snapshot's schema: those its profile
// declared when it was taken (RelationsOf), or, for a snapshot without
// annotations (taken before profiles), `without_annotations` (what
// tidemark.toml declares today).
std::vector<Relation> RelationsFor(const SourceSchema& snapshot,
                                   const std::vector<Relation>& without_annotations);
// True for the on_delete values a relation may hold ("", "SET NULL", "CASCADE").
bool KnownRelationAction(std::string_view on_delete);
// `a`, then each relation of `b` that `a` does not have (by Name()).
std::vector<Relation> MergeRelations(std::vector<Relation> a, const std::vector<Relation>& b);
// The role of `table` in `schema` (kData when not annotated).
TableRole RoleOf(const SourceSchema& schema, std::string_view table);

// What is wrong with `relations` against `schema` (the tables a backup
// reads, after include/exclude): one line per table or column that is not
// there, naming the relation, what is missing, the table's columns and what
// to do. `where` names the declaration ("source 'shop' [[source.relation]]").
// Empty: every relation resolves (names ignore ASCII case; a table's implicit
// row id counts as a column).
std::vector<std::string> RelationProblems(const std::vector<Relation>& relations,
                                          const SourceSchema& schema, const std::string& where);

// records.md §6.1. The encoder writes what the decoder accepts for any
// non-empty annotations (version 1 when no relation has an on_delete, so
// that such annotations keep their bytes; else version 2); the decoder
// refuses empty annotations (a writer leaves them out), an unknown role,
// flag or on_delete, an entry that annotates nothing, duplicate or
// out-of-order entries, and trailing bytes.
void EncodeAnnotations(const SchemaAnnotations& a, std::string* out);
Status DecodeAnnotations(std::string_view data, std::string_view what, SchemaAnnotations* out);

}  // namespace tidemark
