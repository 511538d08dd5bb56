#include "snapshot/record_diff.h"

#include <map>

namespace tidemark {
namespace {

Status DecodeSide(const SnapshotTable* t, std::string_view bytes, Record* out) {
  return DecodeRecord(bytes, "record of table " + t->schema.name, out);
}

}  // namespace

std::vector<std::pair<std::string, Value>> NamedFields(const TableSchema& schema,
                                                       const Record& record) {
  std::vector<std::pair<std::string, Value>> out;
  const std::vector<std::string> names = schema.RecordFieldNames();
  for (size_t i = 0; i < record.size(); i++) {
    out.emplace_back(i < names.size() ? names[i] : "#" + std::to_string(i), record[i]);
  }
  return out;
}

size_t MaskSecrets(const SchemaAnnotations& notes, const TableSchema& schema, Record* record) {
  const TableAnnotation* a = notes.Find(schema.name, schema.namespace_name);
  if (a == nullptr) return 0;
  size_t masked = 0;
  const std::vector<std::string> names = schema.RecordFieldNames();
  for (size_t i = 0; i < record->size() && i < names.size(); i++) {
    if ((*record)[i].is_null() || !notes.IsSecret(schema.name, names[i])) continue;
    (*record)[i] = Value::Text(kMaskedSecret);
    masked++;
  }
  return masked;
}

std::vector<FieldChange> DiffFields(const TableSchema& old_schema, const Record& old_record,
                                    const TableSchema& new_schema, const Record& new_record) {
  std::vector<FieldChange> out;
  auto old_fields = NamedFields(old_schema, old_record);
  auto new_fields = NamedFields(new_schema, new_record);
  std::map<std::string, const Value*> olds;
  for (const auto& [name, v] : old_fields) olds[name] = &v;
  for (const auto& [name, v] : new_fields) {
    auto it = olds.find(name);
    if (it == olds.end()) {
      out.push_back({name, std::nullopt, v});
      continue;
    }
    if (*it->second != v) out.push_back({name, *it->second, v});
    olds.erase(it);
  }
  for (const auto& [name, v] : old_fields) {
    if (olds.count(name)) out.push_back({name, v, std::nullopt});
  }
  return out;
}

Result<TreeDiffCounts> DiffTable(NodeCache* cache, const SnapshotTable* a, const SnapshotTable* b,
                                 const std::function<Result<bool>(const RecordChange&)>& fn) {
  if ((a && !a->schema.has_records()) || (b && !b->schema.has_records()) || (!a && !b)) {
    return TreeDiffCounts{};
  }
  if (!a || !b) {
    // One side is missing: every record of the other is added or removed.
    const SnapshotTable* present = a ? a : b;
    TreeDiffCounts counts;
    (a ? counts.removed : counts.added) = present->root.count;
    if (!fn) return counts;
    RecordChange c;
    c.kind = a ? TreeChange::kRemoved : TreeChange::kAdded;
    TM_RETURN_IF_ERROR(TreeScan(cache, present->root, std::nullopt,
                                [&](std::string_view key, std::string_view value) -> Result<bool> {
                                  c.key.assign(key);
                                  TM_RETURN_IF_ERROR(DecodeKey(key, &c.key_values));
                                  Record* rec = a ? &c.old_record : &c.new_record;
                                  TM_RETURN_IF_ERROR(DecodeSide(present, value, rec));
                                  return fn(c);
                                }));
    return counts;
  }
  if (!fn) return TreeDiff(cache, a->root, b->root, nullptr);
  RecordChange c;
  return TreeDiff(cache, a->root, b->root, [&](const TreeChange& tc) -> Result<bool> {
    c.kind = tc.kind;
    c.key.assign(tc.key);
    TM_RETURN_IF_ERROR(DecodeKey(tc.key, &c.key_values));
    c.old_record.clear();
    c.new_record.clear();
    c.fields.clear();
    if (tc.kind != TreeChange::kAdded) {
      TM_RETURN_IF_ERROR(DecodeSide(a, tc.old_value, &c.old_record));
    }
    if (tc.kind != TreeChange::kRemoved) {
      TM_RETURN_IF_ERROR(DecodeSide(b, tc.new_value, &c.new_record));
    }
    if (tc.kind == TreeChange::kChanged) {
      c.fields = DiffFields(a->schema, c.old_record, b->schema, c.new_record);
    }
    return fn(c);
  });
}

const char* SchemaChangeKindName(SchemaChange::Kind k) {
  switch (k) {
    case SchemaChange::kAdded:
      return "added";
    case SchemaChange::kRemoved:
      return "removed";
    case SchemaChange::kChanged:
      return "changed";
  }
  return "";
}

std::vector<SchemaChange> DiffSchemas(const SourceSchema& a, const SourceSchema& b) {
  std::vector<SchemaChange> out;
  // Schema objects by (type, name); sql compared exactly.
  std::map<std::pair<std::string, std::string>, const SchemaObject*> old_objects;
  for (const SchemaObject& o : a.objects) old_objects[{o.type, o.name}] = &o;
  for (const SchemaObject& o : b.objects) {
    auto it = old_objects.find({o.type, o.name});
    if (it == old_objects.end()) {
      out.push_back({SchemaChange::kAdded, o.type, o.name, "", o.sql});
    } else {
      if (it->second->sql != o.sql) {
        out.push_back({SchemaChange::kChanged, o.type, o.name, it->second->sql, o.sql});
      }
      old_objects.erase(it);
    }
  }
  for (const SchemaObject& o : a.objects) {
    if (old_objects.count({o.type, o.name})) {
      out.push_back({SchemaChange::kRemoved, o.type, o.name, o.sql, ""});
    }
  }
  // Columns of tables on both sides, so that "which columns" is explicit.
  for (const TableSchema& tb : b.tables) {
    const TableSchema* ta = a.FindTable(tb.name);
    if (ta == nullptr || ta->columns == tb.columns) continue;
    std::map<std::string, const Column*> cols;
    for (const Column& c : ta->columns) cols[c.name] = &c;
    for (const Column& c : tb.columns) {
      auto it = cols.find(c.name);
      const std::string name = tb.name + "." + c.name;
      if (it == cols.end()) {
        out.push_back({SchemaChange::kAdded, "column", name, "", c.decl_type});
      } else {
        if (!(*it->second == c)) {
          out.push_back(
              {SchemaChange::kChanged, "column", name, it->second->decl_type, c.decl_type});
        }
        cols.erase(it);
      }
    }
    for (const Column& c : ta->columns) {
      if (cols.count(c.name)) {
        out.push_back({SchemaChange::kRemoved, "column", tb.name + "." + c.name, c.decl_type, ""});
      }
    }
  }
  for (const auto& [k, v] : b.settings) {
    const std::string old = a.Setting(k);
    if (old != v) out.push_back({SchemaChange::kChanged, "setting", k, old, v});
  }
  return out;
}

}  // namespace tidemark
