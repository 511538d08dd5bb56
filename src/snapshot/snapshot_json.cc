#include "snapshot/snapshot_json.h"

#include "base/clock.h"
#include "base/hex.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "snapshot/large_values.h"
#include "snapshot/record_diff.h"
#include "snapshot/table_key.h"

namespace tidemark {
namespace {

// "annotations": what the source's profile said when the backup ran.
void AnnotationsJson(JsonWriter* w, const SchemaAnnotations& notes) {
  w->Key("annotations").BeginObject().Field("profile", notes.profile);
  w->Key("tables").BeginArray();
  for (const TableAnnotation& t : notes.tables) {
    w->BeginObject().Field("namespace", t.namespace_name).Field("table", t.table);
    w->Field("role", TableRoleName(t.role)).Field("display_name", t.display_name);
    w->Key("columns").BeginArray();
    for (const ColumnAnnotation& c : t.columns) {
      w->BeginObject().Field("column", c.column).Field("display_name", c.display_name);
      w->Field("secret", c.secret).EndObject();
    }
    w->EndArray().EndObject();
  }
  w->EndArray().Key("relations").BeginArray();
  for (const Relation& r : notes.relations) {
    w->BeginObject().Field("child", r.child_table + "." + r.child_column);
    w->Field("parent", r.parent_table + "." + r.parent_column);
    w->Field("on_delete", r.on_delete).EndObject();
  }
  w->EndArray().EndObject();
}

// The fields of a listed snapshot, inside an open object.
void SnapshotFields(JsonWriter* w, const SnapshotInfo& s) {
  const Manifest& m = s.manifest;
  w->Field("id", s.id.Hex()).Field("short_id", s.id.Short());
  w->Field("source", m.source).Field("source_uri", m.source_uri);
  w->Field("time", FormatTimeUtc(m.time_us)).Field("host", m.host).Field("actor", m.actor);
  w->Key("parent");
  if (m.parent.IsZero()) {
    w->Null();
  } else {
    w->String(m.parent.Hex());
  }
  w->Key("tags").BeginArray();
  for (const std::string& t : m.tags) w->String(t);
  w->EndArray().Key("labels").BeginObject();
  for (const auto& [k, v] : m.labels) w->Field(k, v);
  w->EndObject();
  w->Field("tool_version", m.tool_version).Field("records", m.TotalRecords());
  w->Field("records_added", m.stats.records_added)
      .Field("records_changed", m.stats.records_changed)
      .Field("records_removed", m.stats.records_removed)
      .Field("bytes_added", m.stats.bytes_added)
      .Field("duration_s", static_cast<double>(m.stats.duration_us) / 1e6);
}

}  // namespace

void SnapshotJson(JsonWriter* w, const SnapshotInfo& s) {
  w->BeginObject();
  SnapshotFields(w, s);
  w->EndObject();
}

void SnapshotShowJson(JsonWriter* w, const SnapshotInfo& s) {
  const Manifest& m = s.manifest;
  const SchemaAnnotations& notes = m.objects.annotations;
  w->BeginObject();
  SnapshotFields(w, s);
  if (!notes.empty()) AnnotationsJson(w, notes);
  w->Key("settings").BeginObject();
  for (const auto& [k, v] : m.objects.settings) w->Field(k, v);
  w->EndObject().Key("tables").BeginArray();
  for (const SnapshotTable& t : m.tables) TableJson(w, t);
  w->EndArray().Key("objects").BeginArray();
  for (const SchemaObject& o : m.objects.objects) {
    w->BeginObject().Field("type", o.type).Field("name", o.name).Field("table", o.tbl_name);
    w->Field("sql", o.sql).EndObject();
  }
  w->EndArray().EndObject();
}

void TableJson(JsonWriter* w, const SnapshotTable& t) {
  w->BeginObject().Field("name", t.schema.name).Field("kind", TableKindName(t.schema.kind));
  w->Field("rows", t.root.count).Field("bytes", t.bytes).Field("digest", HexEncode(t.digest));
  w->Field("root", t.root.id.Hex()).Field("sql", t.schema.sql);
  w->Key("key").BeginArray();
  for (const std::string& k : t.schema.KeyNames()) w->String(k);
  w->EndArray().EndObject();
}

void RecordJson(JsonWriter* w, const TableSchema& schema, const std::vector<Value>& key,
                const Record& rec) {
  w->BeginObject().Key("key").BeginArray();
  for (const Value& v : key) WriteValueJson(w, v);
  w->EndArray().Key("fields").BeginObject();
  for (const auto& [name, v] : NamedFields(schema, rec)) {
    w->Key(name);
    WriteValueJson(w, v);
  }
  w->EndObject().EndObject();
}

Result<std::optional<std::string>> RecordsPageJson(
    NodeCache* cache, const SnapshotTable& t, const std::string& after, uint64_t limit,
    const SchemaAnnotations* mask, JsonWriter* w,
    const std::function<void(const std::vector<Value>&, const Record&, const std::string&)>& each) {
  if (!t.schema.has_records()) {
    return Status::InvalidArgument("table " + t.schema.name +
                                   " is a virtual table: its data is in its internal tables");
  }
  std::string after_key;
  if (!after.empty()) {
    TM_ASSIGN_OR_RETURN(std::vector<Value> k, ParseStoredKey(cache, t.schema, t.root, after));
    EncodeKey(k, &after_key);
  }
  w->BeginObject().Field("table", t.schema.name).Field("rows", t.root.count);
  w->Key("records").BeginArray();
  uint64_t shown = 0;
  bool more = false;
  std::string last;
  std::vector<Value> key;
  Record rec;
  TM_RETURN_IF_ERROR(TreeScan(
      cache, t.root, after.empty() ? std::nullopt : std::optional<std::string_view>(after_key),
      [&](std::string_view k, std::string_view v) -> Result<bool> {
        if (limit && shown >= limit) {
          more = true;  // a record beyond the limit exists
          return false;
        }
        TM_RETURN_IF_ERROR(DecodeKey(k, &key));
        TM_RETURN_IF_ERROR(DecodeRecord(v, "record of " + t.schema.name, &rec));
        if (mask != nullptr) MaskSecrets(*mask, t.schema, &rec);
        RecordJson(w, t.schema, key, rec);
        last = KeyToDisplay(key);
        if (each) each(key, rec, last);
        shown++;
        return true;
      }));
  w->EndArray();
  if (more) w->Field("next_after", last);
  w->EndObject();
  if (!more) return std::optional<std::string>();
  return std::optional<std::string>(last);
}

Status RecordByKeyJson(NodeCache* cache, BlobStore* store, const Repository& repo,
                       const SnapshotInfo& s, const SnapshotTable& t, const std::string& key_text,
                       bool show_secrets, JsonWriter* w) {
  TM_ASSIGN_OR_RETURN(std::vector<Value> key, ParseStoredKey(cache, t.schema, t.root, key_text));
  std::string k;
  EncodeKey(key, &k);
  TM_ASSIGN_OR_RETURN(std::optional<std::string> value, TreeGet(cache, t.root, k));
  if (!value) {
    return Status::NotFound("no record with key " + KeyToDisplay(key) + " in table " +
                            t.schema.name + " of snapshot " + s.id.Short());
  }
  Record rec;
  TM_RETURN_IF_ERROR(DecodeRecord(*value, "record of " + t.schema.name, &rec));
  ChunkedValueStore large(store, repo);
  for (Value& v : rec) TM_RETURN_IF_ERROR(ResolveValue(&large, &v));
  if (!show_secrets) MaskSecrets(s.manifest.objects.annotations, t.schema, &rec);
  RecordJson(w, t.schema, key, rec);
  return Status::OK();
}

}  // namespace tidemark
