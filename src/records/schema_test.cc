#include "records/schema.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

TableSchema SampleTable() {
  TableSchema t;
  t.name = "or\"ders";
  t.sql = "CREATE TABLE \"or\"\"ders\"(id TEXT PRIMARY KEY, customer INT REFERENCES c(id))";
  t.kind = TableKind::kTable;
  t.implicit_id_in_record = true;
  t.columns = {{"id", "TEXT", "NOCASE", "", true, 1, 0},
               {"customer", "INT", "", "0", false, 0, 0},
               {"total", "REAL", "", "", false, 0, 2}};
  t.key_columns = {0};
  t.foreign_keys = {{"c", {"customer"}, {"id"}, "NO ACTION", "CASCADE"}};
  t.indexes = {{"sqlite_autoindex_orders_1", true, "pk", false, {"id"}},
               {"by_expr", false, "c", true, {""}}};
  return t;
}

TEST(SchemaEncoding, TableRoundTrip) {
  const TableSchema t = SampleTable();
  std::string enc;
  EncodeTableSchema(t, &enc);
  TableSchema back;
  ASSERT_TRUE(DecodeTableSchema(enc, "schema", &back).ok());
  EXPECT_EQ(back, t);
  EXPECT_EQ(back.RecordFieldNames(), (std::vector<std::string>{"id", "customer", "rowid"}));
  EXPECT_EQ(back.KeyNames(), (std::vector<std::string>{"id"}));
  for (size_t cut = 0; cut < enc.size(); cut++) {
    TableSchema x;
    EXPECT_TRUE(DecodeTableSchema(enc.substr(0, cut), "schema", &x).IsCorruption()) << cut;
  }
}

TEST(SchemaEncoding, RejectsKeyColumnOutOfRange) {
  TableSchema t = SampleTable();
  t.key_columns = {7};
  std::string enc;
  EncodeTableSchema(t, &enc);
  TableSchema back;
  Status s = DecodeTableSchema(enc, "schema of t", &back);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("key_column"), std::string::npos) << s.ToString();
}

TEST(SchemaEncoding, ObjectsRoundTrip) {
  SourceSchema s;
  s.objects = {{"table", "t", "t", "CREATE TABLE t(a)"},
               {"index", "sqlite_autoindex_t_1", "t", ""},
               {"view", "v", "v", "CREATE VIEW v AS SELECT 1"}};
  s.settings = {{"user_version", "7"}, {"encoding", "UTF-8"}};
  std::string enc;
  EncodeSchemaObjects(s, &enc);
  SourceSchema back;
  ASSERT_TRUE(DecodeSchemaObjects(enc, "objects", &back).ok());
  EXPECT_EQ(back.objects, s.objects);
  EXPECT_EQ(back.settings, s.settings);
  EXPECT_EQ(back.Setting("user_version"), "7");
  EXPECT_EQ(back.Setting("nope"), "");
  // A huge count with no data behind it is refused before allocating.
  SourceSchema x;
  EXPECT_TRUE(DecodeSchemaObjects("\xff\xff\x3f", "objects", &x).IsCorruption());
}

// Finding: GetStrings (foreign key and index column lists) and the column
// list allocated for a count before checking it against the bytes left.
TEST(FuzzFindings, SchemaCountsLargerThanDataAreRejectedBeforeAllocating) {
  // version, name "t", sql "", kind, flags, no columns, no key, one foreign
  // key to "p" whose `from` list claims 32767 names.
  const std::string head("\x01\x01t\x00\x00\x00\x00\x00\x01\x01p", 11);
  TableSchema t;
  Status s = DecodeTableSchema(head + "\xff\xff\x01", "table schema t", &t);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("count larger than the data (field fk.from)"), std::string::npos)
      << s.ToString();
  // Ten columns need at least 70 bytes; 20 are left.
  const std::string cols = std::string("\x01\x01t\x00\x00\x00\x0a", 7) + std::string(20, '\0');
  s = DecodeTableSchema(cols, "table schema t", &t);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("(field column_count)"), std::string::npos) << s.ToString();
}

TEST(SchemaHelpers, RowidKeyAndStoredColumns) {
  TableSchema t;
  t.columns = {{"a", "", "", "", false, 0, 0},
               {"g", "", "", "", false, 0, 3},
               {"b", "", "", "", false, 0, 0}};
  EXPECT_EQ(t.StoredColumns(), (std::vector<int>{0, 2}));
  EXPECT_EQ(t.KeyNames(), (std::vector<std::string>{"rowid"}));
  EXPECT_TRUE(t.has_records());
  t.kind = TableKind::kVirtual;
  EXPECT_FALSE(t.has_records());
}

}  // namespace
}  // namespace tidemark
