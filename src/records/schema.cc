// Schema encodings: docs/format/records.md §6.
#include "records/schema.h"

#include "base/ascii.h"
#include "base/coding.h"

namespace tidemark {
namespace {

constexpr uint8_t kTableSchemaVersion = 1;   // SQLite-shaped
constexpr uint8_t kTableSchemaVersion2 = 2;  // + namespace, identity columns
constexpr uint8_t kObjectsExtension = 2;     // objects: + namespaces, sequences
constexpr size_t kMaxName = 1u << 16;        // names, types, collations
constexpr size_t kMaxSql = 16u << 20;        // one CREATE statement
constexpr uint64_t kMaxColumns = 32767;      // SQLite's hard limit
constexpr uint64_t kMaxObjects = 1u << 20;   // schema objects per source

void PutStrings(std::string* out, const std::vector<std::string>& v) {
  PutVarint64(out, v.size());
  for (const std::string& s : v) PutLengthPrefixed(out, s);
}

Status GetString(ByteReader* r, std::string_view field, size_t max, std::string* s) {
  std::string_view v;
  TM_RETURN_IF_ERROR(r->LengthPrefixed(field, max, &v));
  s->assign(v);
  return Status::OK();
}

Status GetStrings(ByteReader* r, std::string_view field, std::vector<std::string>* v) {
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r->VarintMax(field, kMaxColumns, &n));
  // Each str takes at least its length byte: refuse counts the input cannot hold.
  if (n > r->remaining()) return r->Error(field, "count larger than the data");
  v->resize(n);
  for (std::string& s : *v) TM_RETURN_IF_ERROR(GetString(r, field, kMaxName, &s));
  return Status::OK();
}

void EncodeColumn(const Column& c, std::string* out) {
  PutLengthPrefixed(out, c.name);
  PutLengthPrefixed(out, c.decl_type);
  PutLengthPrefixed(out, c.collation);
  PutLengthPrefixed(out, c.default_sql);
  out->push_back(c.not_null ? 1 : 0);
  PutVarint64(out, static_cast<uint64_t>(c.pk));
  PutVarint64(out, static_cast<uint64_t>(c.hidden));
}

Status DecodeColumn(ByteReader* r, Column* c) {
  TM_RETURN_IF_ERROR(GetString(r, "column.name", kMaxName, &c->name));
  TM_RETURN_IF_ERROR(GetString(r, "column.decl_type", kMaxName, &c->decl_type));
  TM_RETURN_IF_ERROR(GetString(r, "column.collation", kMaxName, &c->collation));
  TM_RETURN_IF_ERROR(GetString(r, "column.default", kMaxSql, &c->default_sql));
  uint8_t flags = 0;
  uint64_t pk = 0, hidden = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("column.flags", &flags));
  if (flags > 1) return r->Error("column.flags", "unknown flag bits");
  TM_RETURN_IF_ERROR(r->VarintMax("column.pk", kMaxColumns, &pk));
  TM_RETURN_IF_ERROR(r->VarintMax("column.hidden", 3, &hidden));
  c->not_null = flags & 1;
  c->pk = static_cast<int>(pk);
  c->hidden = static_cast<int>(hidden);
  return Status::OK();
}

void EncodeForeignKey(const ForeignKey& fk, std::string* out) {
  PutLengthPrefixed(out, fk.table);
  PutStrings(out, fk.from);
  PutStrings(out, fk.to);
  PutLengthPrefixed(out, fk.on_update);
  PutLengthPrefixed(out, fk.on_delete);
}

Status DecodeForeignKey(ByteReader* r, ForeignKey* fk) {
  TM_RETURN_IF_ERROR(GetString(r, "fk.table", kMaxName, &fk->table));
  TM_RETURN_IF_ERROR(GetStrings(r, "fk.from", &fk->from));
  TM_RETURN_IF_ERROR(GetStrings(r, "fk.to", &fk->to));
  if (fk->from.size() != fk->to.size()) return r->Error("fk.to", "column counts differ");
  TM_RETURN_IF_ERROR(GetString(r, "fk.on_update", kMaxName, &fk->on_update));
  return GetString(r, "fk.on_delete", kMaxName, &fk->on_delete);
}

void EncodeIndex(const IndexInfo& ix, std::string* out) {
  PutLengthPrefixed(out, ix.name);
  out->push_back(static_cast<char>((ix.unique ? 1 : 0) | (ix.partial ? 2 : 0)));
  PutLengthPrefixed(out, ix.origin);
  PutStrings(out, ix.columns);
}

Status DecodeIndex(ByteReader* r, IndexInfo* ix) {
  TM_RETURN_IF_ERROR(GetString(r, "index.name", kMaxName, &ix->name));
  uint8_t flags = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("index.flags", &flags));
  if (flags > 3) return r->Error("index.flags", "unknown flag bits");
  ix->unique = flags & 1;
  ix->partial = flags & 2;
  TM_RETURN_IF_ERROR(GetString(r, "index.origin", kMaxName, &ix->origin));
  return GetStrings(r, "index.columns", &ix->columns);
}

void EncodeIdentity(const IdentityColumn& id, std::string* out) {
  PutVarint64(out, static_cast<uint64_t>(id.column));
  out->push_back(static_cast<char>(id.kind));
  PutLengthPrefixed(out, id.sequence);
}

Status DecodeIdentity(ByteReader* r, size_t ncol, IdentityColumn* id) {
  uint64_t column = 0;
  uint8_t kind = 0;
  TM_RETURN_IF_ERROR(r->VarintMax("identity.column", ncol - 1, &column));
  TM_RETURN_IF_ERROR(r->Fixed8("identity.kind", &kind));
  if (kind != 1 && kind != 2) return r->Error("identity.kind", "not 1 (ALWAYS) or 2 (BY DEFAULT)");
  id->column = static_cast<int>(column);
  id->kind = static_cast<IdentityKind>(kind);
  return GetString(r, "identity.sequence", kMaxName, &id->sequence);
}

// Version 2's additions after the indexes: identity columns, ascending.
Status DecodeIdentities(ByteReader* r, TableSchema* t) {
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r->VarintMax("identity_count", t->columns.size(), &n));
  if (n > r->remaining() / 3) return r->Error("identity_count", "count larger than the data");
  t->identity.resize(n);
  for (size_t i = 0; i < n; i++) {
    TM_RETURN_IF_ERROR(DecodeIdentity(r, t->columns.size(), &t->identity[i]));
    if (i > 0 && t->identity[i].column <= t->identity[i - 1].column) {
      return r->Error("identity.column", "not in ascending column order");
    }
  }
  return Status::OK();
}

void EncodeSequence(const SequenceInfo& q, std::string* out) {
  PutLengthPrefixed(out, q.namespace_name);
  PutLengthPrefixed(out, q.name);
  PutLengthPrefixed(out, q.type);
  for (int64_t v : {q.start, q.increment, q.min, q.max, q.cache, q.last_value})
    PutVarsint64(out, v);
  out->push_back(static_cast<char>((q.cycle ? 1 : 0) | (q.is_called ? 2 : 0)));
  PutLengthPrefixed(out, q.owner_table);
  PutLengthPrefixed(out, q.owner_column);
}

Status DecodeSequence(ByteReader* r, SequenceInfo* q) {
  TM_RETURN_IF_ERROR(GetString(r, "sequence.namespace", kMaxName, &q->namespace_name));
  TM_RETURN_IF_ERROR(GetString(r, "sequence.name", kMaxName, &q->name));
  TM_RETURN_IF_ERROR(GetString(r, "sequence.type", kMaxName, &q->type));
  for (int64_t* v : {&q->start, &q->increment, &q->min, &q->max, &q->cache, &q->last_value}) {
    TM_RETURN_IF_ERROR(r->Varsint64("sequence.parameters", v));
  }
  if (q->increment == 0) return r->Error("sequence.increment", "is 0");
  if (q->min > q->max) return r->Error("sequence.min", "larger than max");
  if (q->cache < 1) return r->Error("sequence.cache", "less than 1");
  if (q->start < q->min || q->start > q->max || q->last_value < q->min || q->last_value > q->max) {
    return r->Error("sequence.start", "start or last value outside min..max");
  }
  uint8_t flags = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("sequence.flags", &flags));
  if (flags > 3) return r->Error("sequence.flags", "unknown flag bits");
  q->cycle = flags & 1;
  q->is_called = flags & 2;
  TM_RETURN_IF_ERROR(GetString(r, "sequence.owner_table", kMaxName, &q->owner_table));
  TM_RETURN_IF_ERROR(GetString(r, "sequence.owner_column", kMaxName, &q->owner_column));
  if (q->owner_table.empty() != q->owner_column.empty()) {
    return r->Error("sequence.owner_column", "an owner needs both table and column");
  }
  return Status::OK();
}

// Smallest encodings (all strs empty): column 4 strs + flags + pk + hidden;
// foreign key 5 strs/lists; index 4; schema object 4 strs; setting 2 strs.
constexpr size_t kMinColumn = 7, kMinForeignKey = 5, kMinIndex = 4, kMinObject = 4, kMinSetting = 2;
// A sequence: 3 strs, 6 svarints, flags, 2 strs.
constexpr size_t kMinSequence = 12;

// Decodes a count (<= max) and that many elements of at least `min_size`
// bytes each; a count the remaining bytes cannot hold is refused before any
// allocation.
template <typename T, typename F>
Status DecodeList(ByteReader* r, std::string_view field, uint64_t max, size_t min_size,
                  std::vector<T>* v, F fn) {
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r->VarintMax(field, max, &n));
  if (n > r->remaining() / min_size) return r->Error(field, "count larger than the data");
  v->resize(n);
  for (T& x : *v) TM_RETURN_IF_ERROR(fn(r, &x));
  return Status::OK();
}

}  // namespace

const char* IdentityKindName(IdentityKind k) {
  return k == IdentityKind::kAlways ? "ALWAYS" : "BY DEFAULT";
}

std::string SequenceInfo::QualifiedName() const {
  return namespace_name.empty() ? name : namespace_name + "." + name;
}

std::string TableSchema::QualifiedName() const {
  return namespace_name.empty() ? name : namespace_name + "." + name;
}

const IdentityColumn* TableSchema::IdentityOf(int column) const {
  for (const IdentityColumn& id : identity) {
    if (id.column == column) return &id;
  }
  return nullptr;
}

const TableSchema* SourceSchema::FindTable(std::string_view namespace_name,
                                           std::string_view name) const {
  for (const TableSchema& t : tables) {
    if (t.namespace_name == namespace_name && t.name == name) return &t;
  }
  return nullptr;
}

const SequenceInfo* SourceSchema::FindSequence(std::string_view namespace_name,
                                               std::string_view name) const {
  for (const SequenceInfo& q : sequences) {
    if (q.namespace_name == namespace_name && q.name == name) return &q;
  }
  return nullptr;
}

const char* TableKindName(TableKind k) {
  switch (k) {
    case TableKind::kTable:
      return "table";
    case TableKind::kVirtual:
      return "virtual";
    case TableKind::kInternal:
      return "shadow";
    case TableKind::kCounters:
      return "sequence";
  }
  return "unknown";
}

std::vector<int> TableSchema::StoredColumns() const {
  std::vector<int> out;
  for (size_t i = 0; i < columns.size(); i++) {
    if (columns[i].stored()) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<std::string> TableSchema::RecordFieldNames() const {
  std::vector<std::string> out;
  for (int i : StoredColumns()) out.push_back(columns[i].name);
  if (implicit_id_in_record) out.push_back("rowid");
  return out;
}

std::vector<std::string> TableSchema::KeyNames() const {
  if (key_columns.empty()) return {"rowid"};
  std::vector<std::string> out;
  for (int i : key_columns) out.push_back(columns[i].name);
  return out;
}

const TableSchema* SourceSchema::FindTable(std::string_view name) const {
  for (const TableSchema& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const TableSchema* SourceSchema::FindTableIgnoreCase(std::string_view name) const {
  for (const TableSchema& t : tables) {
    if (EqualsIgnoreCase(t.name, name)) return &t;
  }
  return nullptr;
}

bool TableSchema::NamesImplicitId(std::string_view n) const {
  return !no_implicit_id && (EqualsIgnoreCase(n, "rowid") || EqualsIgnoreCase(n, "_rowid_") ||
                             EqualsIgnoreCase(n, "oid"));
}

bool TableSchema::IsImplicitIdField(std::string_view field) const {
  return implicit_id_in_record && field == "rowid";  // RecordFieldNames' last name
}

std::string SourceSchema::Setting(std::string_view name) const {
  for (const auto& [k, v] : settings) {
    if (k == name) return v;
  }
  return "";
}

void EncodeTableSchema(const TableSchema& t, std::string* out) {
  // Version 1 when nothing of version 2 is used: the bytes earlier releases wrote.
  const bool v2 = !t.namespace_name.empty() || !t.identity.empty();
  out->push_back(static_cast<char>(v2 ? kTableSchemaVersion2 : kTableSchemaVersion));
  if (v2) PutLengthPrefixed(out, t.namespace_name);
  PutLengthPrefixed(out, t.name);
  PutLengthPrefixed(out, t.sql);
  out->push_back(static_cast<char>(t.kind));
  out->push_back(static_cast<char>((t.no_implicit_id ? 1 : 0) | (t.strict ? 2 : 0) |
                                   (t.implicit_id_in_record ? 4 : 0)));
  PutVarint64(out, t.columns.size());
  for (const Column& c : t.columns) EncodeColumn(c, out);
  PutVarint64(out, t.key_columns.size());
  for (int k : t.key_columns) PutVarint64(out, static_cast<uint64_t>(k));
  PutVarint64(out, t.foreign_keys.size());
  for (const ForeignKey& fk : t.foreign_keys) EncodeForeignKey(fk, out);
  PutVarint64(out, t.indexes.size());
  for (const IndexInfo& ix : t.indexes) EncodeIndex(ix, out);
  if (!v2) return;
  PutVarint64(out, t.identity.size());
  for (const IdentityColumn& id : t.identity) EncodeIdentity(id, out);
}

Status DecodeTableSchema(std::string_view data, std::string_view what, TableSchema* t) {
  ByteReader r(data, std::string(what));
  uint8_t version = 0, kind = 0, flags = 0;
  TM_RETURN_IF_ERROR(r.Fixed8("schema_version", &version));
  if (version != kTableSchemaVersion && version != kTableSchemaVersion2) {
    return r.Error("schema_version", "unsupported version " + std::to_string(version) +
                                         " (written by a newer tidemark: upgrade tidemark)");
  }
  t->namespace_name.clear();
  t->identity.clear();
  if (version == kTableSchemaVersion2) {
    TM_RETURN_IF_ERROR(GetString(&r, "namespace", kMaxName, &t->namespace_name));
  }
  TM_RETURN_IF_ERROR(GetString(&r, "name", kMaxName, &t->name));
  TM_RETURN_IF_ERROR(GetString(&r, "sql", kMaxSql, &t->sql));
  TM_RETURN_IF_ERROR(r.Fixed8("kind", &kind));
  if (kind > static_cast<uint8_t>(TableKind::kCounters)) return r.Error("kind", "unknown kind");
  t->kind = static_cast<TableKind>(kind);
  TM_RETURN_IF_ERROR(r.Fixed8("flags", &flags));
  if (flags > 7) return r.Error("flags", "unknown flag bits");
  t->no_implicit_id = flags & 1;
  t->strict = flags & 2;
  t->implicit_id_in_record = flags & 4;
  TM_RETURN_IF_ERROR(
      DecodeList(&r, "column_count", kMaxColumns, kMinColumn, &t->columns, DecodeColumn));
  uint64_t nkey = 0;
  TM_RETURN_IF_ERROR(r.VarintMax("key_count", t->columns.size(), &nkey));
  if (nkey > r.remaining()) return r.Error("key_count", "count larger than the data");
  t->key_columns.resize(nkey);
  for (int& k : t->key_columns) {
    uint64_t v = 0;
    TM_RETURN_IF_ERROR(r.VarintMax("key_column", t->columns.size() - 1, &v));
    k = static_cast<int>(v);
  }
  TM_RETURN_IF_ERROR(
      DecodeList(&r, "fk_count", kMaxColumns, kMinForeignKey, &t->foreign_keys, DecodeForeignKey));
  TM_RETURN_IF_ERROR(
      DecodeList(&r, "index_count", kMaxObjects, kMinIndex, &t->indexes, DecodeIndex));
  if (version == kTableSchemaVersion2) {
    TM_RETURN_IF_ERROR(DecodeIdentities(&r, t));
    if (t->namespace_name.empty() && t->identity.empty()) {
      return r.Error("schema_version",
                     "version 2 without a namespace or an identity column "
                     "(a writer must use version 1)");
    }
  }
  return r.ExpectEnd();
}

void EncodeSchemaObjects(const SourceSchema& s, std::string* out) {
  PutVarint64(out, s.objects.size());
  for (const SchemaObject& o : s.objects) {
    PutLengthPrefixed(out, o.type);
    PutLengthPrefixed(out, o.name);
    PutLengthPrefixed(out, o.tbl_name);
    PutLengthPrefixed(out, o.sql);
  }
  PutVarint64(out, s.settings.size());
  for (const auto& [k, v] : s.settings) {
    PutLengthPrefixed(out, k);
    PutLengthPrefixed(out, v);
  }
  // The extension only when something needs it: the v1 bytes otherwise.
  bool namespaces = false;
  for (const std::string& n : s.object_namespaces) namespaces |= !n.empty();
  if (!namespaces && s.sequences.empty()) return;
  out->push_back(static_cast<char>(kObjectsExtension));
  PutVarint64(out, namespaces ? s.objects.size() : 0);
  if (namespaces) {
    for (size_t i = 0; i < s.objects.size(); i++) {
      PutLengthPrefixed(out, i < s.object_namespaces.size() ? s.object_namespaces[i] : "");
    }
  }
  PutVarint64(out, s.sequences.size());
  for (const SequenceInfo& q : s.sequences) EncodeSequence(q, out);
}

namespace {

Status DecodeObjectsExtension(ByteReader* r, SourceSchema* s) {
  uint8_t version = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("objects_extension", &version));
  if (version != kObjectsExtension) {
    return r->Error("objects_extension", "unsupported version " + std::to_string(version) +
                                             " (written by a newer tidemark: upgrade tidemark)");
  }
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r->VarintMax("namespace_count", s->objects.size(), &n));
  if (n != 0 && n != s->objects.size())
    return r->Error("namespace_count", "not 0 or one per object");
  s->object_namespaces.resize(n);
  bool any = false;
  for (std::string& ns : s->object_namespaces) {
    TM_RETURN_IF_ERROR(GetString(r, "object.namespace", kMaxName, &ns));
    any |= !ns.empty();
  }
  if (n != 0 && !any) return r->Error("namespace_count", "namespaces listed but all empty");
  TM_RETURN_IF_ERROR(
      DecodeList(r, "sequence_count", kMaxObjects, kMinSequence, &s->sequences, DecodeSequence));
  if (!any && s->sequences.empty()) {
    return r->Error("objects_extension", "present without namespaces or sequences");
  }
  return r->ExpectEnd();
}

}  // namespace

Status DecodeSchemaObjects(std::string_view data, std::string_view what, SourceSchema* s) {
  ByteReader r(data, std::string(what));
  auto object = [](ByteReader* r, SchemaObject* o) -> Status {
    TM_RETURN_IF_ERROR(GetString(r, "object.type", kMaxName, &o->type));
    TM_RETURN_IF_ERROR(GetString(r, "object.name", kMaxName, &o->name));
    TM_RETURN_IF_ERROR(GetString(r, "object.tbl_name", kMaxName, &o->tbl_name));
    return GetString(r, "object.sql", kMaxSql, &o->sql);
  };
  auto setting = [](ByteReader* r, std::pair<std::string, std::string>* kv) -> Status {
    TM_RETURN_IF_ERROR(GetString(r, "setting.name", kMaxName, &kv->first));
    return GetString(r, "setting.value", kMaxName, &kv->second);
  };
  TM_RETURN_IF_ERROR(DecodeList(&r, "object_count", kMaxObjects, kMinObject, &s->objects, object));
  TM_RETURN_IF_ERROR(DecodeList(&r, "setting_count", 1024, kMinSetting, &s->settings, setting));
  s->object_namespaces.clear();
  s->sequences.clear();
  if (r.remaining() == 0) return Status::OK();  // version 1
  return DecodeObjectsExtension(&r, s);
}

}  // namespace tidemark
