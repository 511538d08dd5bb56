// Schema annotations and their encoding: docs/format/records.md §6.1.
#include "records/annotations.h"

#include <algorithm>
#include <set>

#include "base/ascii.h"
#include "base/coding.h"
#include "records/schema.h"

namespace tidemark {
namespace {

// Version 1: relations without on_delete; version 2 adds it (records.md §6.1).
constexpr uint8_t kAnnotationsVersion1 = 1, kAnnotationsVersion = 2;
constexpr size_t kMaxAction = 16;          // a relation's on_delete
constexpr size_t kMaxName = 1u << 16;      // names and display names
constexpr size_t kMaxProfile = 256;        // a profile's name
constexpr uint64_t kMaxTables = 1u << 20;  // annotated tables
constexpr uint64_t kMaxColumns = 32767;    // annotated columns of one table
constexpr uint64_t kMaxRelations = 1u << 16;
// Smallest encodings: a table 2 strs, role, display str, count; a column
// str, flags, str; a relation 4 strs.
constexpr size_t kMinTable = 5, kMinColumn = 3, kMinRelation = 4;

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

Status GetString(ByteReader* r, std::string_view field, size_t max, std::string* s) {
  std::string_view v;
  TM_RETURN_IF_ERROR(r->LengthPrefixed(field, max, &v));
  s->assign(v);
  return Status::OK();
}

Status CountOf(ByteReader* r, std::string_view field, uint64_t max, size_t min_size, uint64_t* n) {
  TM_RETURN_IF_ERROR(r->VarintMax(field, max, n));
  if (*n > r->remaining() / min_size) return r->Error(field, "count larger than the data");
  return Status::OK();
}

void EncodeTable(const TableAnnotation& t, std::string* out) {
  PutLengthPrefixed(out, t.namespace_name);
  PutLengthPrefixed(out, t.table);
  out->push_back(static_cast<char>(t.role));
  PutLengthPrefixed(out, t.display_name);
  PutVarint64(out, t.columns.size());
  for (const ColumnAnnotation& c : t.columns) {
    PutLengthPrefixed(out, c.column);
    out->push_back(c.secret ? 1 : 0);
    PutLengthPrefixed(out, c.display_name);
  }
}

Status DecodeColumns(ByteReader* r, TableAnnotation* t) {
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(CountOf(r, "column_count", kMaxColumns, kMinColumn, &n));
  t->columns.resize(n);
  std::set<std::string> seen;
  for (ColumnAnnotation& c : t->columns) {
    uint8_t flags = 0;
    TM_RETURN_IF_ERROR(GetString(r, "column.name", kMaxName, &c.column));
    TM_RETURN_IF_ERROR(r->Fixed8("column.flags", &flags));
    if (flags > 1) return r->Error("column.flags", "unknown flag bits");
    c.secret = flags & 1;
    TM_RETURN_IF_ERROR(GetString(r, "column.display_name", kMaxName, &c.display_name));
    if (c.column.empty()) return r->Error("column.name", "empty");
    if (!c.secret && c.display_name.empty()) {
      return r->Error("column.flags", "a column entry that annotates nothing");
    }
    if (!seen.insert(c.column).second) return r->Error("column.name", "listed twice");
  }
  return Status::OK();
}

Status DecodeTable(ByteReader* r, TableAnnotation* t) {
  uint8_t role = 0;
  TM_RETURN_IF_ERROR(GetString(r, "table.namespace", kMaxName, &t->namespace_name));
  TM_RETURN_IF_ERROR(GetString(r, "table.name", kMaxName, &t->table));
  TM_RETURN_IF_ERROR(r->Fixed8("table.role", &role));
  if (role > static_cast<uint8_t>(TableRole::kTransient))
    return r->Error("table.role", "unknown role");
  t->role = static_cast<TableRole>(role);
  TM_RETURN_IF_ERROR(GetString(r, "table.display_name", kMaxName, &t->display_name));
  TM_RETURN_IF_ERROR(DecodeColumns(r, t));
  if (t->table.empty()) return r->Error("table.name", "empty");
  if (t->role == TableRole::kData && t->display_name.empty() && t->columns.empty()) {
    return r->Error("table.role", "a table entry that annotates nothing");
  }
  return Status::OK();
}

Status DecodeRelation(ByteReader* r, uint8_t version, Relation* rel) {
  TM_RETURN_IF_ERROR(GetString(r, "relation.child_table", kMaxName, &rel->child_table));
  TM_RETURN_IF_ERROR(GetString(r, "relation.child_column", kMaxName, &rel->child_column));
  TM_RETURN_IF_ERROR(GetString(r, "relation.parent_table", kMaxName, &rel->parent_table));
  TM_RETURN_IF_ERROR(GetString(r, "relation.parent_column", kMaxName, &rel->parent_column));
  if (rel->child_table.empty() || rel->child_column.empty() || rel->parent_table.empty() ||
      rel->parent_column.empty()) {
    return r->Error("relation", "a table or column name is empty");
  }
  if (version == kAnnotationsVersion1) return Status::OK();
  TM_RETURN_IF_ERROR(GetString(r, "relation.on_delete", kMaxAction, &rel->on_delete));
  if (!KnownRelationAction(rel->on_delete)) {
    return r->Error("relation.on_delete", "unknown action \"" + rel->on_delete + "\"");
  }
  return Status::OK();
}

}  // namespace

const char* TableRoleName(TableRole r) {
  switch (r) {
    case TableRole::kData:
      return "data";
    case TableRole::kMetadata:
      return "metadata";
    case TableRole::kTransient:
      return "transient";
  }
  return "unknown";
}

std::string Relation::Name() const {
  return child_table + "." + child_column + " -> " + parent_table + "." + parent_column;
}

const TableAnnotation* SchemaAnnotations::Find(std::string_view table,
                                               std::string_view namespace_name) const {
  for (const TableAnnotation& t : tables) {
    if (EqualsIgnoreCase(t.table, table) && EqualsIgnoreCase(t.namespace_name, namespace_name)) {
      return &t;
    }
  }
  return nullptr;
}

TableRole SchemaAnnotations::RoleOf(std::string_view table, std::string_view namespace_name) const {
  const TableAnnotation* t = Find(table, namespace_name);
  return t == nullptr ? TableRole::kData : t->role;
}

namespace {
const ColumnAnnotation* FindColumn(const TableAnnotation* t, std::string_view column) {
  if (t == nullptr) return nullptr;
  for (const ColumnAnnotation& c : t->columns) {
    if (EqualsIgnoreCase(c.column, column)) return &c;
  }
  return nullptr;
}
}  // namespace

bool SchemaAnnotations::IsSecret(std::string_view table, std::string_view column) const {
  const ColumnAnnotation* c = FindColumn(Find(table), column);
  return c != nullptr && c->secret;
}

std::string SchemaAnnotations::TableDisplayName(std::string_view table) const {
  const TableAnnotation* t = Find(table);
  return t == nullptr || t->display_name.empty() ? std::string(table) : t->display_name;
}

std::string SchemaAnnotations::ColumnDisplayName(std::string_view table,
                                                 std::string_view column) const {
  const ColumnAnnotation* c = FindColumn(Find(table), column);
  return c == nullptr || c->display_name.empty() ? std::string(column) : c->display_name;
}

const std::vector<Relation>& RelationsOf(const SourceSchema& schema) {
  return schema.annotations.relations;
}

std::vector<Relation> RelationsFor(const SourceSchema& snapshot,
                                   const std::vector<Relation>& without_annotations) {
  return snapshot.annotations.empty() ? without_annotations : RelationsOf(snapshot);
}

bool KnownRelationAction(std::string_view on_delete) {
  return on_delete.empty() || on_delete == "SET NULL" || on_delete == "CASCADE";
}

std::vector<Relation> MergeRelations(std::vector<Relation> a, const std::vector<Relation>& b) {
  for (const Relation& r : b) {
    const std::string name = r.Name();
    if (std::none_of(a.begin(), a.end(), [&](const Relation& o) { return o.Name() == name; })) {
      a.push_back(r);
    }
  }
  return a;
}

TableRole RoleOf(const SourceSchema& schema, std::string_view table) {
  return schema.annotations.RoleOf(table);
}

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

void EncodeAnnotations(const SchemaAnnotations& a, std::string* out) {
  const bool actions = std::any_of(a.relations.begin(), a.relations.end(),
                                   [](const Relation& r) { return !r.on_delete.empty(); });
  out->push_back(static_cast<char>(actions ? kAnnotationsVersion : kAnnotationsVersion1));
  PutLengthPrefixed(out, a.profile);
  PutVarint64(out, a.tables.size());
  for (const TableAnnotation& t : a.tables) EncodeTable(t, out);
  PutVarint64(out, a.relations.size());
  for (const Relation& r : a.relations) {
    for (const std::string* s :
         {&r.child_table, &r.child_column, &r.parent_table, &r.parent_column}) {
      PutLengthPrefixed(out, *s);
    }
    if (actions) PutLengthPrefixed(out, r.on_delete);
  }
}

Status DecodeAnnotations(std::string_view data, std::string_view what, SchemaAnnotations* a) {
  ByteReader r(data, std::string(what));
  uint8_t version = 0;
  TM_RETURN_IF_ERROR(r.Fixed8("annotations_version", &version));
  if (version != kAnnotationsVersion1 && version != kAnnotationsVersion) {
    return r.Error("annotations_version", "unsupported version " + std::to_string(version) +
                                              " (written by a newer tidemark: upgrade tidemark)");
  }
  TM_RETURN_IF_ERROR(GetString(&r, "profile", kMaxProfile, &a->profile));
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(CountOf(&r, "table_count", kMaxTables, kMinTable, &n));
  a->tables.resize(n);
  std::set<std::pair<std::string, std::string>> seen;
  for (TableAnnotation& t : a->tables) {
    TM_RETURN_IF_ERROR(DecodeTable(&r, &t));
    if (!seen.insert({t.namespace_name, t.table}).second) {
      return r.Error("table.name", "table " + t.table + " listed twice");
    }
  }
  TM_RETURN_IF_ERROR(CountOf(&r, "relation_count", kMaxRelations, kMinRelation, &n));
  a->relations.resize(n);
  for (Relation& rel : a->relations) TM_RETURN_IF_ERROR(DecodeRelation(&r, version, &rel));
  if (a->empty()) return r.Error("table_count", "no annotation (a writer leaves them out)");
  return r.ExpectEnd();
}

}  // namespace tidemark
