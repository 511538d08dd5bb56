// Record-level differences between two snapshots of a source: which records
// were added, removed or changed, and for a change, which fields, old -> new
// (fields matched by name, so a column added or dropped shows as such).
// Also the schema differences (tables, columns, indexes, views, triggers).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/encoding.h"
#include "snapshot/manifest.h"
#include "tree/tree.h"

namespace tidemark {

struct FieldChange {
  std::string field;
  std::optional<Value> old_value;  // nullopt: the field did not exist
  std::optional<Value> new_value;
};

struct RecordChange {
  TreeChange::Kind kind;
  std::string key;                  // encoded key (records.md §4)
  std::vector<Value> key_values;    // decoded key
  Record old_record, new_record;    // decoded; large values stay references
  std::vector<FieldChange> fields;  // kChanged only: the fields that differ
};

// Field names and the record of a change side, for printing whole records.
std::vector<std::pair<std::string, Value>> NamedFields(const TableSchema& schema,
                                                       const Record& record);

// What a masked secret value shows as (docs/guide/platforms.md, "Secrets").
inline constexpr char kMaskedSecret[] = "<secret>";
// Replaces each value of `record` in a column `notes` marks secret for
// `schema` by the text kMaskedSecret, for output that people or logs read
// (`ls`, `cat`, `history` without --show-secrets); a NULL stays NULL (that
// a secret is unset is not a secret). Returns how many values were masked.
size_t MaskSecrets(const SchemaAnnotations& notes, const TableSchema& schema, Record* record);

// Differences of one table between `a` and `b` (either may be null: the table
// did not exist there, so every record is added or removed). fn returns false
// to stop. With fn null only counts are computed (cheap: equal subtrees and
// one-sided subtrees are not loaded). Virtual tables have no records: 0.
Result<TreeDiffCounts> DiffTable(NodeCache* cache, const SnapshotTable* a, const SnapshotTable* b,
                                 const std::function<Result<bool>(const RecordChange&)>& fn);

// Compares two records by field name; the fields that differ.
std::vector<FieldChange> DiffFields(const TableSchema& old_schema, const Record& old_record,
                                    const TableSchema& new_schema, const Record& new_record);

struct SchemaChange {
  enum Kind { kAdded, kRemoved, kChanged } kind;
  std::string type;              // table, index, view, trigger, column, setting
  std::string name;              // "table.column" for columns
  std::string old_sql, new_sql;  // definitions (or setting values)
};
const char* SchemaChangeKindName(SchemaChange::Kind k);
std::vector<SchemaChange> DiffSchemas(const SourceSchema& a, const SourceSchema& b);

}  // namespace tidemark
