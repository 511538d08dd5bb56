// Schemas of a source: tables, their columns and keys, and every other schema
// object (indexes, views, triggers) with its exact SQL, plus source-level
// settings (for SQLite: user_version, application_id, page_size, encoding,
// auto_vacuum). Encoded into the snapshot manifest (docs/format/records.md §6).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tidemark {

struct Column {
  std::string name;
  std::string decl_type;    // as declared ("INTEGER", "varchar(255)", "")
  std::string collation;    // declared collation, "" = BINARY
  std::string default_sql;  // dflt_value as SQL text, "" = none
  bool not_null = false;
  int pk = 0;  // 1-based position in the primary key, 0 = not in it
  // 0 = ordinary; 1 = hidden (virtual table); 2 = generated VIRTUAL;
  // 3 = generated STORED. Only ordinary columns are stored in records.
  int hidden = 0;

  bool stored() const { return hidden == 0; }
  bool operator==(const Column&) const = default;
};

struct ForeignKey {
  std::string table;                  // referenced (parent) table
  std::vector<std::string> from, to;  // child columns, parent columns ("" = parent's pk)
  std::string on_update, on_delete;   // "NO ACTION", "CASCADE", ...
  bool operator==(const ForeignKey&) const = default;
};

struct IndexInfo {
  std::string name;
  bool unique = false;
  std::string origin;  // "c" CREATE INDEX, "u" UNIQUE, "pk"
  bool partial = false;
  std::vector<std::string> columns;  // "" for an expression
  bool operator==(const IndexInfo&) const = default;
};

// What a table is to its source. The connector decides; use cases only read
// the kind (and ask the connector which tables belong together).
enum class TableKind : uint8_t {
  kTable = 0,     // an ordinary table: records are kept
  kVirtual = 1,   // defined by the source over other storage: only its definition is kept
  kInternal = 2,  // storage the source keeps for a virtual table: records kept,
                  // restored with its owner, never rolled back on its own
  kCounters = 3,  // counters the source maintains (SQLite's AUTOINCREMENT table):
                  // records kept, created implicitly on restore, never rolled back
};
const char* TableKindName(TableKind k);

struct TableSchema {
  std::string name;
  std::string sql;  // exact CREATE statement from sqlite_schema ("" for sqlite_sequence)
  TableKind kind = TableKind::kTable;
  bool no_implicit_id = false;
  bool strict = false;
  std::vector<Column> columns;  // every column in declared order (table_xinfo)
  // Indices into `columns` forming the key, in key order. Empty: the key is
  // the rowid (a rowid table without a declared key, or INTEGER PRIMARY KEY
  // aliasing it - then key_columns holds that one column).
  std::vector<int> key_columns;
  // True for a rowid table whose key is a declared non-rowid primary key:
  // the rowid is then kept as the last value of each record so that a
  // restore reproduces it exactly.
  bool implicit_id_in_record = false;
  std::vector<ForeignKey> foreign_keys;
  std::vector<IndexInfo> indexes;

  // Indices into `columns` of the stored columns (the record's values).
  std::vector<int> StoredColumns() const;
  // Names of the record's values, in order ("rowid" last when implicit_id_in_record).
  std::vector<std::string> RecordFieldNames() const;
  // Names of the key's parts ("rowid" for a rowid key).
  std::vector<std::string> KeyNames() const;
  // True when `name` (any ASCII case) is a name of the table's implicit row
  // id: rowid, _rowid_ or oid, for a table that has one (records.md §6).
  bool NamesImplicitId(std::string_view name) const;
  // True when records carry data (not a virtual table).
  bool has_records() const { return kind != TableKind::kVirtual; }
  bool operator==(const TableSchema&) const = default;
};

// One row of sqlite_schema, in sqlite_schema order.
struct SchemaObject {
  std::string type;  // table, index, view, trigger
  std::string name;
  std::string tbl_name;
  std::string sql;  // "" where SQLite keeps NULL (automatic indexes)
  bool operator==(const SchemaObject&) const = default;
};

struct SourceSchema {
  std::vector<TableSchema> tables;    // in sqlite_schema order; sqlite_sequence last
  std::vector<SchemaObject> objects;  // every sqlite_schema row, in order
  // Source-level settings as (name, value): user_version, application_id,
  // page_size, encoding, auto_vacuum (SQLite).
  std::vector<std::pair<std::string, std::string>> settings;

  const TableSchema* FindTable(std::string_view name) const;
  // The table named `name` ignoring ASCII case (a foreign key or a declared
  // relation may spell a table in another case); null if none.
  const TableSchema* FindTableIgnoreCase(std::string_view name) const;
  std::string Setting(std::string_view name) const;  // "" when absent
  bool operator==(const SourceSchema&) const = default;
};

// Encodings used by the snapshot manifest (records.md §6).
void EncodeTableSchema(const TableSchema& t, std::string* out);
Status DecodeTableSchema(std::string_view data, std::string_view what, TableSchema* out);
void EncodeSchemaObjects(const SourceSchema& s, std::string* out);  // objects + settings
Status DecodeSchemaObjects(std::string_view data, std::string_view what, SourceSchema* out);

}  // namespace tidemark
