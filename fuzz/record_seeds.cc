// The seeds of the decoders of records, snapshots and tree nodes (see
// seeds.h): values, keys, schemas and annotations, manifests, nodes.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "base/coding.h"
#include "crypto/crypto.h"
#include "records/annotations.h"
#include "records/encoding.h"
#include "records/schema.h"
#include "records/typed_values.h"
#include "repo/format.h"
#include "seeds.h"
#include "snapshot/holds.h"
#include "snapshot/manifest.h"
#include "snapshot/plan_records.h"
#include "targets.h"
#include "tree/tree.h"

namespace tidemark::fuzz {

using namespace format;

namespace {

// ---- records ----

LargeValue SampleLargeRef(uint64_t length, int chunks) {
  LargeValue v;
  v.length = length;
  for (int i = 0; i < chunks; i++) v.chunk_ids.push_back(Sha256("chunk " + std::to_string(i)));
  return v;
}

std::string RecordBytes(const Record& rec) {
  std::string out;
  EXPECT_TRUE(EncodeRecord(rec, nullptr, &out).ok());
  return out;
}

std::string KeyBytes(const std::vector<Value>& key) {
  std::string out;
  EncodeKey(key, &out);
  return out;
}

// Every column type, key and foreign key; a rowid kept beside a declared key.
TableSchema SampleTableSchema() {
  TableSchema t;
  t.name = "orders";
  t.sql = "CREATE TABLE orders(id TEXT PRIMARY KEY, customer TEXT, total REAL AS (1) STORED)";
  t.strict = true;
  t.implicit_id_in_record = true;
  t.columns = {{"id", "TEXT", "", "", true, 1, 0},
               {"customer", "varchar(255)", "NOCASE", "'anon'", false, 0, 0},
               {"total", "REAL", "", "", false, 0, 3}};
  t.key_columns = {0};
  t.foreign_keys = {{"customers", {"customer"}, {"name"}, "CASCADE", "NO ACTION"},
                    {"regions", {"id", "customer"}, {"", ""}, "NO ACTION", "SET NULL"}};
  t.indexes = {{"sqlite_autoindex_orders_1", true, "pk", false, {"id"}},
               {"orders_customer", false, "c", true, {"customer", ""}}};
  return t;
}

TableSchema VirtualTableSchema() {
  TableSchema t;
  t.name = "notes_fts";
  t.sql = "CREATE VIRTUAL TABLE notes_fts USING fts5(body)";
  t.kind = TableKind::kVirtual;
  t.columns = {{"body", "", "", "", false, 0, 0}};
  return t;
}

std::string TableSchemaBytes(const TableSchema& t) {
  std::string out;
  EncodeTableSchema(t, &out);
  return out;
}

SourceSchema SampleObjects() {
  SourceSchema s;
  s.objects = {
      {"table", "orders", "orders", SampleTableSchema().sql},
      {"index", "sqlite_autoindex_orders_1", "orders", ""},
      {"index", "orders_customer", "orders", "CREATE INDEX orders_customer ON orders(customer)"},
      {"view", "big_orders", "big_orders", "CREATE VIEW big_orders AS SELECT 1"},
      {"trigger", "orders_ai", "orders",
       "CREATE TRIGGER orders_ai AFTER INSERT ON orders BEGIN SELECT 1; END"}};
  s.settings = {{"user_version", "7"}, {"application_id", "1953459565"},
                {"page_size", "4096"}, {"encoding", "UTF-8"},
                {"auto_vacuum", "0"},  {"journal_mode", "wal"}};
  return s;
}

std::string ObjectsBytes(const SourceSchema& s) {
  std::string out;
  EncodeSchemaObjects(s, &out);
  return out;
}

// One value of every kind format v2 added (records.md §1.2).
std::vector<Value> EveryV2Kind() {
  ArrayValue grid;
  grid.element_type = "numeric";
  grid.lengths = {2, 2};
  grid.lower_bounds = {0, 1};
  grid.elements = {*MakeNumeric("1.50"), Value::Null(), *MakeNumeric("-2"), *MakeNumeric("NaN")};
  return {*MakeNumeric("-12.3400"),
          Value::TimestampTz(-1),
          Value::Timestamp(INT64_MAX),
          Value::Date(-730119),
          Value::Time(86400000000),
          Value::TimeTz(45296789000, -12600),
          Value::Interval(-14, 3, -3723500000),
          *MakeUuid(
              std::string("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16)),
          MakeJson("{\"a\": [1, 2]}"),
          MakeJsonb("{\"a\": [1, 2]}"),
          *MakeArray(grid),
          *MakeEnum("public.mood", "happy"),
          *MakeDomain("public.us_zip", Value::Text("02134")),
          *MakeInet(4, 24, std::string("\xc0\xa8\x00\x01", 4)),
          *MakeCidr(6, 32, std::string("\x20\x01\x0d\xb8", 4) + std::string(12, '\0'))};
}

// tag | payload of one v2 value, as a one-value record.
std::string OneValueRecord(uint8_t tag, std::string_view payload) {
  return std::string(1, '\x01') + static_cast<char>(tag) + std::string(payload);
}

std::string Str(std::string_view s) {
  std::string out;
  PutLengthPrefixed(&out, s);
  return out;
}

void RecordV2Seeds(SeedSet* s) {
  s->Ok("record", "v2-every-kind", RecordBytes(EveryV2Kind()));
  s->Ok("record", "v2-references",
        RecordBytes({Value::Ref(ValueType::kJsonb, SampleLargeRef(100000, 3).Encode()),
                     Value::Ref(ValueType::kArray, SampleLargeRef(40000, 1).Encode()),
                     Value::Ref(ValueType::kNumeric, SampleLargeRef(70000, 2).Encode())}));
  s->Bad("record", "numeric-leading-zero", OneValueRecord(7, Str("01.5")));
  s->Bad("record", "numeric-negative-zero", OneValueRecord(7, Str("-0.0")));
  std::string late;
  PutVarint64(&late, 86400000001);
  s->Bad("record", "time-after-midnight", OneValueRecord(11, late));
  s->Bad("record", "cidr-host-bits",
         OneValueRecord(21, Str(std::string("\x04\x08\x0a\x01\x00\x00", 6))));
  s->Bad("record", "array-two-kinds",
         OneValueRecord(17, Str(Str("x") + std::string("\x01\x02\x02\x01\x02\x03\x01y", 9))));
  s->Bad("record", "domain-of-domain",
         OneValueRecord(19, Str(Str("d") + std::string(1, '\x13') +
                                Str(Str("e") + std::string("\x01\x02", 2)))));
  s->Bad("record", "tag-22-of-text",
         OneValueRecord(22, "\x03" + Str(SampleLargeRef(100000, 3).Encode())));
}

void RecordSeeds(SeedSet* s) {
  const Record every_tag = {
      Value::Null(),
      Value::Integer(INT64_MIN),
      Value::Integer(42),
      Value::Real(-0.0),
      Value::Real(std::bit_cast<double>(uint64_t{0x7ff8000000000123})),  // a NaN payload
      Value::Real(-std::numeric_limits<double>::infinity()),
      Value::Text("h\xc3\xa9llo"),
      Value::Text(""),
      Value::Blob(std::string("\0\xff", 2)),
      Value::Blob(""),
      Value::Ref(ValueType::kText, SampleLargeRef(100000, 3).Encode()),
      Value::Ref(ValueType::kBlob, SampleLargeRef(1u << 20, 2).Encode())};
  const std::string record = RecordBytes(every_tag);
  s->Ok("record", "every-tag", record);
  s->Ok("record", "empty", RecordBytes({}));
  s->Ok("record", "inline-max", RecordBytes({Value::Text(std::string(kInlineMax, 't'))}));
  // FORMAT.md §1 allows overlong varints: the target's second round trip runs.
  s->Ok("record", "overlong-count", std::string("\x81\x80\x00\x00", 4));
  std::string too_long = "\x01\x03";
  PutLengthPrefixed(&too_long, std::string(kInlineMax + 1, 't'));
  s->Bad("record", "inline-too-long", too_long);
  s->Bad("record", "unknown-tag-23", std::string("\x01\x17", 2));
  s->Bad("record", "trailing-byte", record + "x");
  s->Bad("record", "ref-without-chunks", std::string("\x01\x05\x02\x0a\x00", 5));
  // Fuzz findings (encoding_test.cc FuzzFindings.*): a reference for a value
  // of at most 32 KiB in a record that fits; a count the data cannot hold.
  std::string small_ref = "\x01\x06";
  PutLengthPrefixed(&small_ref, SampleLargeRef(100, 1).Encode());
  s->Bad("record", "small-value-out-of-line", small_ref);
  std::string many;
  PutVarint64(&many, 32768);
  s->Bad("record", "count-over-data", many + std::string(10, '\0'));
}

void KeySeeds(SeedSet* s) {
  const std::vector<Value> every_type = {Value::Null(),
                                         Value::Integer(INT64_MIN),
                                         Value::Integer((int64_t{1} << 53) + 1),  // needs the tie
                                         Value::Integer(INT64_MAX),
                                         Value::Real(-std::numeric_limits<double>::infinity()),
                                         Value::Real(2.5),
                                         Value::Text(std::string("a\0b", 3)),
                                         Value::Text(""),
                                         Value::Blob(std::string("\0\xff", 2))};
  const std::string key = KeyBytes(every_type);
  s->Ok("key", "every-type", key);
  s->Ok("key", "integers", KeyBytes({Value::Integer(7), Value::Integer(-1)}));
  s->Ok("key", "rowid", KeyBytes({Value::Integer(1)}));
  s->Ok("key", "empty", "");
  s->Bad("key", "marks-mismatch", KeyBytes({Value::Real(1.5)}) + '\0');
  std::string remainder = KeyBytes({Value::Integer((int64_t{1} << 53) + 1), Value::Real(0.5)});
  remainder[remainder.size() - 2] = 1;  // marks the integer with a tie as a real
  s->Bad("key", "real-with-remainder", remainder);
  s->Bad("key", "bad-escape",
         std::string("\x25"
                     "a\0\x01\0\0",
                     6));
  s->Bad("key", "unterminated-text",
         "\x25"
         "abc");
  s->Bad("key", "truncated-number", key.substr(0, 10));
  s->Bad("key", "unknown-tag", "\x4f");
  // Fuzz findings: keys that decode but are not what EncodeKey writes.
  const std::string big = KeyBytes({Value::Integer((int64_t{1} << 53) + 1)});  // (2^53, +1)
  std::string split = KeyBytes({Value::Real(9007199254740994.0)}).substr(0, 9) + big.substr(9, 8);
  split[16] = static_cast<char>(split[16] - 2);  // (2^53 + 2, -1): the same integer
  s->Bad("key", "integer-split-differently", split);
  std::string neg_zero = KeyBytes({Value::Real(0.0)});
  for (size_t i = 1; i <= 8; i++) neg_zero[i] = static_cast<char>(~neg_zero[i]);
  s->Bad("key", "negative-zero", neg_zero);
  s->Bad("key", "nan-payload",
         Flip(KeyBytes({Value::Real(std::numeric_limits<double>::quiet_NaN())}), 8));
  s->Bad("key", "marks-without-real", KeyBytes({Value::Integer(7)}) + std::string("\x01\x00", 2));
}

void KeyV2Seeds(SeedSet* s) {
  const std::vector<Value> every = EveryV2Kind();
  s->Ok("key", "v2-every-kind", KeyBytes(every));
  s->Ok("key", "numeric-scale", KeyBytes({*MakeNumeric("1.50"), Value::Text("a")}));
  s->Ok("key", "interval-and-real",
        KeyBytes({Value::Interval(1, 0, 0), Value::Real(0.5), Value::Integer(3)}));
  s->Ok("key", "array-with-nulls",
        KeyBytes({*MakeArray1("int4", {Value::Integer(1), Value::Null(), Value::Integer(-3)})}));
  const std::string scaled = KeyBytes({*MakeNumeric("1.50")});
  s->Bad("key", "numeric-without-residuals", scaled.substr(0, scaled.size() - 2));
  s->Bad("key", "numeric-scale-too-small", scaled.substr(0, scaled.size() - 1) + '\0');
  s->Bad("key", "residuals-without-numeric",
         KeyBytes({Value::Integer(1)}) + std::string("\x02\x00", 2));
  s->Bad("key", "array-in-array", std::string("\x4at\0\0\x4at\0\0\0\0\0", 12));
  s->Bad("key", "domain-of-null",
         std::string("\x4c"
                     "d\0\0\x05",
                     5));
  s->Bad("key", "inet-family-5", std::string("\x4d\x05", 2) + std::string(10, '\0'));
  std::string offset = KeyBytes({Value::TimeTz(0, 0)});
  offset[9] = '\x00';  // offset -2^31
  s->Bad("key", "timetz-offset", offset);
}

void LargeRefSeeds(SeedSet* s) {
  s->Ok("largeref", "three-chunks", SampleLargeRef(100000, 3).Encode());
  s->Ok("largeref", "one-byte", SampleLargeRef(1, 1).Encode());
  s->Bad("largeref", "more-chunks-than-bytes", SampleLargeRef(1, 2).Encode());
  s->Bad("largeref", "over-2gib", SampleLargeRef((uint64_t{1} << 31) + 1, 1).Encode());
  const std::string three = SampleLargeRef(100000, 3).Encode();
  s->Bad("largeref", "missing-chunk", three.substr(0, three.size() - 32));
  s->Bad("largeref", "trailing-byte", three + "x");
}

void SchemaSeeds(SeedSet* s) {
  const std::string orders = TableSchemaBytes(SampleTableSchema());
  TableSchema sequence;
  sequence.name = "sqlite_sequence";
  sequence.kind = TableKind::kCounters;
  sequence.columns = {{"name", "", "", "", false, 0, 0}, {"seq", "", "", "", false, 0, 0}};
  s->Ok("schema", "orders", orders);
  s->Ok("schema", "virtual", TableSchemaBytes(VirtualTableSchema()));
  s->Ok("schema", "sqlite-sequence", TableSchemaBytes(sequence));
  s->Bad("schema", "version-3", "\x03" + orders.substr(1));
  // Version 2: a namespace and identity columns (records.md §6).
  TableSchema pg;
  pg.namespace_name = "public";
  pg.name = "orders";
  pg.columns = {{"id", "bigint", "", "", true, 1, 0}, {"note", "text", "", "", false, 0, 0}};
  pg.key_columns = {0};
  pg.identity = {{0, IdentityKind::kAlways, "orders_id_seq"}};
  s->Ok("schema", "v2-namespace-identity", TableSchemaBytes(pg));
  const std::string v1 = TableSchemaBytes(VirtualTableSchema());
  s->Bad("schema", "v2-without-new-fields", std::string("\x02\x00", 2) + v1.substr(1) + '\0');
  pg.identity = {{1, IdentityKind::kByDefault, "a"}, {0, IdentityKind::kAlways, "b"}};
  s->Bad("schema", "identity-out-of-order", TableSchemaBytes(pg));
  TableSchema t = SampleTableSchema();
  std::string flags = TableSchemaBytes(t);
  flags[1 + 1 + t.name.size() + 1 + t.sql.size() + 1] = 8;  // after version, name, sql, kind
  s->Bad("schema", "unknown-flag", flags);
  t.key_columns = {3};
  s->Bad("schema", "key-column-out-of-range", TableSchemaBytes(t));
  t = SampleTableSchema();
  t.foreign_keys[0].to.push_back("extra");
  s->Bad("schema", "fk-column-counts-differ", TableSchemaBytes(t));
  t = SampleTableSchema();
  t.columns[0].hidden = 4;
  s->Bad("schema", "hidden-4", TableSchemaBytes(t));
  // Fuzz finding: a string-list count larger than the data (foreign key
  // `from` of 32767 names) was allocated before it was checked.
  s->Bad("schema", "fk-from-count-over-data",
         std::string("\x01\x01t\x00\x00\x00\x00\x00\x01\x01p\xff\xff\x01", 14));
}

void ObjectsSeeds(SeedSet* s) {
  const std::string objects = ObjectsBytes(SampleObjects());
  s->Ok("objects", "orders", objects);
  s->Ok("objects", "empty", ObjectsBytes({}));
  SourceSchema many;
  for (int i = 0; i < 1025; i++) many.settings.emplace_back("s" + std::to_string(i), "");
  s->Bad("objects", "1025-settings", ObjectsBytes(many));
  s->Bad("objects", "trailing-byte", objects + "x");
  s->Bad("objects", "truncated", objects.substr(0, objects.size() - 3));
  // The v2 extension: object namespaces and sequences (records.md §6).
  SourceSchema pg;
  pg.objects = {{"view", "v", "v", "CREATE VIEW public.v AS SELECT 1"}};
  pg.object_namespaces = {"public"};
  SequenceInfo q;
  q.namespace_name = "public";
  q.name = "orders_id_seq";
  q.start = 100;
  q.increment = -2;
  q.min = -1000;
  q.cache = 20;
  q.cycle = true;
  q.last_value = 96;
  q.is_called = true;
  q.owner_table = "orders";
  q.owner_column = "id";
  pg.sequences = {q};
  s->Ok("objects", "v2-namespaces-sequences", ObjectsBytes(pg));
  pg.object_namespaces.clear();
  s->Ok("objects", "v2-sequences-only", ObjectsBytes(pg));
  s->Bad("objects", "empty-extension", std::string("\x00\x00\x02\x00\x00", 5));
  pg.sequences[0].increment = 0;
  s->Bad("objects", "sequence-increment-0", ObjectsBytes(pg));
}

}  // namespace

std::vector<Seed> RecordsSeeds() {
  SeedSet s("records");
  RecordSeeds(&s);
  RecordV2Seeds(&s);
  KeySeeds(&s);
  KeyV2Seeds(&s);
  LargeRefSeeds(&s);
  SchemaSeeds(&s);
  ObjectsSeeds(&s);
  return s.Take();
}

namespace {

// ---- snapshot ----

Manifest SampleManifest() {
  Manifest m;
  m.source = "crm";
  m.source_uri = "sqlite:/srv/crm.db";
  m.time_us = 1700000000123456;
  m.parent = Id::FromBytes(Sha256("parent snapshot"));
  m.tool_version = "0.1.0";
  m.host = "db1";
  m.actor = "alice@db1";
  m.tags = {"nightly", "pre-migration"};
  m.labels = {{"domain", "sales"}, {"env", "prod"}, {"purpose", "dr"}};
  m.objects = SampleObjects();
  SnapshotTable orders, fts;
  orders.schema = SampleTableSchema();
  orders.root = {Id::FromBytes(Sha256("orders root")), 123456, 2};
  orders.digest = Sha256("orders digest");
  orders.bytes = 9876543;
  fts.schema = VirtualTableSchema();
  fts.root = {Id::FromBytes(Sha256("empty leaf")), 0, 0};  // a virtual table keeps no digest
  m.tables = {orders, fts};
  m.stats = {1000, 20, 3, 65536, 1500000};
  return m;
}

// Input of snapshot "file": id | the snapshot file of `manifest` named `id`,
// signed for that id and re-sealed deterministically.
std::string SnapshotInput(const Id& id, std::string_view manifest) {
  const std::string file = SealSnapshot(FuzzKeys(), id, manifest);
  return std::string(id.View()) + file.substr(0, 8) + Reseal(file.substr(8), SnapshotAad(id));
}

// Manifest version 3: the schema's annotations (records.md §6.1).
void AnnotationSeeds(SeedSet* s) {
  Manifest m = SampleManifest();
  SchemaAnnotations& a = m.objects.annotations;
  a.profile = "generic";
  a.tables = {{"", "orders", TableRole::kData, "Orders", {{"total", "Total", false}}},
              {"", "nc_views", TableRole::kMetadata, "", {}},
              {"", "sessions", TableRole::kTransient, "", {{"token", "", true}}}};
  a.relations = {{"orders", "customer_ref", "customers", "id"}};
  const std::string v3 = EncodeManifestUnchecked(m);
  s->Ok("manifest", "v3-annotations", v3);
  s->Ok("file", "v3-annotations", SnapshotInput(SnapshotIdOf(FuzzKeys(), v3), v3));
  m.anomalies.push_back({"orphans", "orders", "customer_ref", 3, 10, "orders.customer_ref"});
  s->Ok("manifest", "v3-annotations-and-anomalies", EncodeManifestUnchecked(m));
  s->Bad("manifest", "v3-truncated", v3.substr(0, v3.size() - 2));
  s->Bad("manifest", "v3-trailing-byte", v3 + "x");
  Manifest bare = SampleManifest();
  bare.objects.annotations.profile = "generic";  // says nothing
  std::string empty;
  EncodeAnnotations(bare.objects.annotations, &empty);
  const std::string v1 = EncodeManifestUnchecked(bare);
  std::string v3_empty = "\x03" + v1.substr(1) + std::string(1, '\0');
  PutLengthPrefixed(&v3_empty, empty);
  s->Bad("manifest", "v3-empty-annotations", v3_empty);
  Manifest role = m;
  role.objects.annotations.tables[1].role = static_cast<TableRole>(3);
  s->Bad("manifest", "v3-unknown-role", EncodeManifestUnchecked(role));
  Manifest nothing = m;
  nothing.objects.annotations.tables[1].role = TableRole::kData;  // an entry that says nothing
  s->Bad("manifest", "v3-entry-says-nothing", EncodeManifestUnchecked(nothing));
}

}  // namespace

std::vector<Seed> SnapshotSeeds() {
  SeedSet s("snapshot");
  const std::string bytes = EncodeManifestUnchecked(SampleManifest());
  const Id id = SnapshotIdOf(FuzzKeys(), bytes);
  const std::string input = SnapshotInput(id, bytes);
  const std::string body = Open(input.substr(32 + 8), SnapshotAad(id));
  s.Ok("manifest", "two-tables", bytes);
  s.Ok("manifest", "empty", EncodeManifestUnchecked({}));
  s.Bad("manifest", "version-4", "\x04" + bytes.substr(1));
  AnnotationSeeds(&s);
  Manifest flagged = SampleManifest();
  flagged.anomalies.push_back({"deleted", "customers", "", 120, 500, "customers: 120 of 500"});
  flagged.anomalies.push_back({"nulled", "orders", "total", 9, 10, "orders.total: NULL"});
  const std::string v2 = EncodeManifestUnchecked(flagged);
  s.Ok("manifest", "with-anomalies", v2);
  s.Bad("manifest", "anomalies-truncated", v2.substr(0, v2.size() - 3));
  s.Bad("manifest", "v2-without-anomalies", "\x02" + bytes.substr(1) + std::string(1, '\0'));
  s.Bad("manifest", "truncated", bytes.substr(0, bytes.size() - 1));
  Manifest deep = SampleManifest();
  deep.tables[0].root.level = 33;
  s.Bad("manifest", "level-33", EncodeManifestUnchecked(deep));
  Manifest digest = SampleManifest();
  digest.tables[0].digest = "short";
  s.Bad("manifest", "digest-5-bytes", EncodeManifestUnchecked(digest));
  // Fuzz finding: tag and table counts larger than the data were allocated
  // before they were checked. An empty manifest ends with tag_count,
  // label_count, objects (3 bytes), table_count and five stats.
  std::string tags = EncodeManifestUnchecked({});
  tags.replace(tags.size() - 11, 1, "\xff\x1f");  // 4095 tags
  s.Bad("manifest", "tag-count-over-data", tags);
  std::string tables = EncodeManifestUnchecked({});
  tables[tables.size() - 6] = 3;  // 3 tables in 5 bytes
  s.Bad("manifest", "table-count-over-data", tables);
  PlanRecords plan{std::string(32, 'e'), std::string(32, 'b'), {}};
  std::string key;
  EncodeKey({Value::Integer(17)}, &key);
  plan.records = {{"customers", key}, {"orders", key}};
  const std::string list = EncodePlanRecords(plan);
  s.Ok("plan", "two-records", list);
  s.Ok("plan", "empty", EncodePlanRecords(PlanRecords{std::string(32, 0), std::string(32, 0), {}}));
  s.Bad("plan", "bad-magic", Flip(list, 0));
  s.Bad("plan", "truncated", list.substr(0, list.size() - 1));
  std::string many = list;
  many[8 + 64] = 0x7f;  // 127 records in a few bytes
  s.Bad("plan", "count-over-data", many);
  Hold hold;
  hold.snapshot = Id::FromBytes(Sha256("held"));
  hold.time_us = 1763600000000000;
  hold.actor = "alice";
  hold.host = "ops1";
  hold.reason = "litigation 2026-17";
  const std::string hold_bytes = EncodeHold(hold);
  s.Ok("hold", "litigation", hold_bytes);
  s.Bad("hold", "truncated", hold_bytes.substr(0, hold_bytes.size() - 1));
  s.Ok("file", "two-tables", input);
  const std::string empty = EncodeManifestUnchecked({});
  s.Ok("file", "empty", SnapshotInput(SnapshotIdOf(FuzzKeys(), empty), empty));
  s.Bad("file", "renamed", std::string(Id::FromBytes(Sha256("other")).View()) + input.substr(32));
  s.Bad("file", "tag-flipped", Flip(input, input.size() - 1));
  s.Bad("file", "bad-magic", Flip(input, 32));
  s.Ok("sealed", "two-tables", std::string(id.View()) + body);
  s.Bad("sealed", "signature-flipped", std::string(id.View()) + Flip(body, body.size() - 1));
  // Signed and sealed for a name the manifest does not hash to.
  const Id other = Id::FromBytes(Sha256("not the manifest's id"));
  const std::string misnamed = SnapshotInput(other, bytes);
  s.Bad("sealed", "id-check",
        std::string(other.View()) + Open(misnamed.substr(40), SnapshotAad(other)));
  s.Bad("sealed", "trailing-byte", std::string(id.View()) + body + "x");
  return s.Take();
}

namespace {

// ---- tree_node ----

TreeNode Leaf() {
  TreeNode n;
  n.entries = {{"", "the empty key", Id(), 1},
               {"a", "", Id(), 1},
               {std::string("a\0", 2), RecordBytes({Value::Integer(1), Value::Text("x")}), Id(), 1},
               {"b", Text(20), Id(), 1}};
  return n;
}

TreeNode Internal(uint8_t level) {
  TreeNode n;
  n.level = level;
  n.entries = {{"apple", "", Id::FromBytes(Sha256("child 1")), 40},
               {"banana", "", Id::FromBytes(Sha256("child 2")), 1},
               {"cherry", "", Id::FromBytes(Sha256("child 3")), uint64_t{1} << 40}};
  return n;
}

}  // namespace

std::vector<Seed> TreeNodeSeeds() {
  SeedSet s("tree_node");
  const std::string leaf = EncodeTreeNode(Leaf());
  s.Ok("node", "leaf", leaf);
  s.Ok("node", "empty-leaf", EncodeTreeNode({}));
  s.Ok("node", "internal", EncodeTreeNode(Internal(1)));
  s.Ok("node", "level-32", EncodeTreeNode(Internal(32)));
  s.Ok("node", "overlong-count", std::string("N\x00\x80\x00", 4));
  TreeNode unordered = Leaf();
  std::swap(unordered.entries[1], unordered.entries[2]);
  s.Bad("node", "keys-out-of-order", EncodeTreeNode(unordered));
  TreeNode duplicate = Leaf();
  duplicate.entries[1].key = "";
  s.Bad("node", "duplicate-key", EncodeTreeNode(duplicate));
  TreeNode zero = Internal(1);
  zero.entries[1].count = 0;
  s.Bad("node", "zero-count", EncodeTreeNode(zero));
  TreeNode overflow = Internal(1);
  overflow.entries[0].count = overflow.entries[2].count = UINT64_MAX / 2 + 1;
  s.Bad("node", "count-overflow", EncodeTreeNode(overflow));
  s.Bad("node", "level-33", EncodeTreeNode(Internal(33)));
  s.Bad("node", "internal-empty", std::string("N\x01\x00", 3));
  s.Bad("node", "bad-magic", "M" + leaf.substr(1));
  s.Bad("node", "trailing-byte", leaf + "x");
  s.Bad("node", "count-too-large", std::string("N\x00\x05\x00\x00", 5));
  return s.Take();
}

}  // namespace tidemark::fuzz
