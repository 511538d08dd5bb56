// Schema encoding version 2 (records.md §6): namespaces, identity columns,
// sequences; version 1 bytes unchanged when none is used.
#include <gtest/gtest.h>

#include "base/hex.h"
#include "records/schema.h"

namespace tidemark {
namespace {

TableSchema Orders() {
  TableSchema t;
  t.name = "orders";
  t.sql = "CREATE TABLE orders(id bigint, note text)";
  t.columns = {{"id", "bigint", "", "", true, 1, 0}, {"note", "text", "", "", false, 0, 0}};
  t.key_columns = {0};
  return t;
}

SequenceInfo OrdersIdSeq() {
  SequenceInfo q;
  q.namespace_name = "public";
  q.name = "orders_id_seq";
  q.type = "integer";
  q.start = 100;
  q.increment = -2;
  q.min = -1000;
  q.max = 2147483647;
  q.cache = 20;
  q.cycle = true;
  q.last_value = 96;
  q.is_called = true;
  q.owner_table = "orders";
  q.owner_column = "id";
  return q;
}

TEST(SchemaV2, TableWithoutNewFieldsIsWrittenAsVersion1) {
  std::string enc;
  EncodeTableSchema(Orders(), &enc);
  // version 1 | "orders" | sql | kind 0 | flags 0 | 2 columns ...
  EXPECT_EQ(HexEncode(enc.substr(0, 8)), "01066f7264657273");
  TableSchema back;
  ASSERT_TRUE(DecodeTableSchema(enc, "schema", &back).ok());
  EXPECT_EQ(back, Orders());
}

TEST(SchemaV2, NamespaceAndIdentityRoundTrip) {
  TableSchema t = Orders();
  t.namespace_name = "public";
  t.identity = {{0, IdentityKind::kAlways, "orders_id_seq"}};
  std::string enc;
  EncodeTableSchema(t, &enc);
  EXPECT_EQ(enc[0], 2);
  TableSchema back;
  ASSERT_TRUE(DecodeTableSchema(enc, "schema", &back).ok());
  EXPECT_EQ(back, t);
  EXPECT_EQ(back.QualifiedName(), "public.orders");
  ASSERT_NE(back.IdentityOf(0), nullptr);
  EXPECT_STREQ(IdentityKindName(back.IdentityOf(0)->kind), "ALWAYS");
  EXPECT_EQ(back.IdentityOf(1), nullptr);
  for (size_t cut = 0; cut < enc.size(); cut++) {
    TableSchema x;
    EXPECT_TRUE(DecodeTableSchema(enc.substr(0, cut), "schema", &x).IsCorruption()) << cut;
  }
  // A namespace alone is version 2 as well.
  t.identity.clear();
  enc.clear();
  EncodeTableSchema(t, &enc);
  ASSERT_TRUE(DecodeTableSchema(enc, "schema", &back).ok());
  EXPECT_EQ(back, t);
}

TEST(SchemaV2, RejectsVersion2ThatVersion1CouldHold) {
  TableSchema t = Orders();
  std::string v1;
  EncodeTableSchema(t, &v1);
  // The same table as version 2 with an empty namespace and no identity.
  std::string v2 = std::string("\x02\x00", 2) + v1.substr(1) + std::string("\x00", 1);
  TableSchema back;
  Status s = DecodeTableSchema(v2, "schema", &back);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("must use version 1"), std::string::npos) << s.ToString();
  EXPECT_TRUE(
      DecodeTableSchema(std::string("\x03", 1) + v1.substr(1), "schema", &back).IsCorruption());
}

TEST(SchemaV2, RejectsBadIdentity) {
  TableSchema t = Orders();
  t.namespace_name = "public";
  t.identity = {{1, IdentityKind::kByDefault, "s"}, {0, IdentityKind::kAlways, "s"}};
  std::string enc;
  EncodeTableSchema(t, &enc);
  TableSchema back;
  EXPECT_TRUE(DecodeTableSchema(enc, "schema", &back).IsCorruption());  // not ascending
  t.identity = {{2, IdentityKind::kAlways, "s"}};
  enc.clear();
  EncodeTableSchema(t, &enc);
  EXPECT_TRUE(DecodeTableSchema(enc, "schema", &back).IsCorruption());  // no column 2
}

TEST(SchemaV2, ObjectsWithoutNewFieldsKeepVersion1Bytes) {
  SourceSchema s;
  s.objects = {{"table", "t", "t", "CREATE TABLE t(a)"}};
  s.settings = {{"user_version", "7"}};
  std::string enc;
  EncodeSchemaObjects(s, &enc);
  EXPECT_EQ(HexEncode(enc),
            "01057461626c650174017411435245415445205441424"
            "c452074286129010c757365725f76657273696f6e0137");
}

TEST(SchemaV2, ObjectNamespacesAndSequencesRoundTrip) {
  SourceSchema s;
  s.objects = {{"view", "v", "v", "CREATE VIEW public.v AS SELECT 1"},
               {"type", "mood", "", "CREATE TYPE mood AS ENUM ('a')"}};
  s.object_namespaces = {"public", "app"};
  s.sequences = {OrdersIdSeq()};
  s.sequences.push_back(SequenceInfo{});
  s.sequences.back().name = "plain";
  std::string enc;
  EncodeSchemaObjects(s, &enc);
  SourceSchema back;
  ASSERT_TRUE(DecodeSchemaObjects(enc, "objects", &back).ok());
  EXPECT_EQ(back, s);
  ASSERT_NE(back.FindSequence("public", "orders_id_seq"), nullptr);
  EXPECT_EQ(back.FindSequence("public", "orders_id_seq")->QualifiedName(), "public.orders_id_seq");
  EXPECT_EQ(back.FindSequence("", "orders_id_seq"), nullptr);
  for (size_t cut = 1; cut < enc.size(); cut++) {
    SourceSchema x;
    Status st = DecodeSchemaObjects(enc.substr(0, cut), "objects", &x);
    // Cutting exactly before the extension leaves a valid version 1 encoding.
    if (st.ok()) {
      EXPECT_TRUE(x.sequences.empty() && x.object_namespaces.empty()) << cut;
      continue;
    }
    EXPECT_TRUE(st.IsCorruption()) << cut;
  }
  // Sequences alone: no namespace list.
  s.object_namespaces.clear();
  enc.clear();
  EncodeSchemaObjects(s, &enc);
  ASSERT_TRUE(DecodeSchemaObjects(enc, "objects", &back).ok());
  EXPECT_EQ(back, s);
}

TEST(SchemaV2, RejectsBadSequencesAndEmptyExtension) {
  SourceSchema s;
  s.sequences = {OrdersIdSeq()};
  SourceSchema back;
  auto decode = [&](const SequenceInfo& q) {
    s.sequences = {q};
    std::string enc;
    EncodeSchemaObjects(s, &enc);
    return DecodeSchemaObjects(enc, "objects", &back);
  };
  SequenceInfo q = OrdersIdSeq();
  EXPECT_TRUE(decode(q).ok());
  q.increment = 0;
  EXPECT_TRUE(decode(q).IsCorruption());
  q = OrdersIdSeq();
  q.max = q.min - 1;
  EXPECT_TRUE(decode(q).IsCorruption());
  q = OrdersIdSeq();
  q.last_value = q.max;
  EXPECT_TRUE(decode(q).ok());
  q.start = q.min - 1;
  EXPECT_TRUE(decode(q).IsCorruption());
  q = OrdersIdSeq();
  q.owner_column.clear();
  EXPECT_TRUE(decode(q).IsCorruption());
  // An extension that holds nothing must not be written.
  EXPECT_TRUE(
      DecodeSchemaObjects(std::string("\x00\x00\x02\x00\x00", 5), "objects", &back).IsCorruption());
  EXPECT_TRUE(
      DecodeSchemaObjects(std::string("\x00\x00\x03\x00\x00", 5), "objects", &back).IsCorruption());
}

TEST(SchemaV2, FindTableByNamespace) {
  SourceSchema s;
  s.tables = {Orders(), Orders()};
  s.tables[0].namespace_name = "archive";
  s.tables[1].namespace_name = "public";
  EXPECT_EQ(s.FindTable("public", "orders"), &s.tables[1]);
  EXPECT_EQ(s.FindTable("orders"), &s.tables[0]);
  EXPECT_EQ(s.FindTable("", "orders"), nullptr);
}

}  // namespace
}  // namespace tidemark
