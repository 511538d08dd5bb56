// Schema annotations (records.md §6.1): the model's lookups and the codec.
#include "records/annotations.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "records/schema.h"

namespace tidemark {
namespace {

SchemaAnnotations Sample() {
  SchemaAnnotations a;
  a.profile = "generic";
  a.tables = {
      {"", "nc_views", TableRole::kMetadata, "", {}},
      {"", "sessions", TableRole::kTransient, "", {}},
      {"", "tbl_x1", TableRole::kData, "Customers", {{"c3", "Email", false}, {"c9", "", true}}}};
  a.relations = {{"orders", "customer_ref", "tbl_x1", "id"}};
  return a;
}

TEST(AnnotationsTest, Lookups) {
  const SchemaAnnotations a = Sample();
  EXPECT_EQ(a.RoleOf("NC_VIEWS"), TableRole::kMetadata);  // ASCII case ignored
  EXPECT_EQ(a.RoleOf("sessions"), TableRole::kTransient);
  EXPECT_EQ(a.RoleOf("orders"), TableRole::kData);              // not annotated
  EXPECT_EQ(a.RoleOf("sessions", "public"), TableRole::kData);  // another namespace
  EXPECT_STREQ(TableRoleName(TableRole::kTransient), "transient");
  EXPECT_TRUE(a.IsSecret("tbl_x1", "C9"));
  EXPECT_FALSE(a.IsSecret("tbl_x1", "c3"));
  EXPECT_EQ(a.TableDisplayName("tbl_x1"), "Customers");
  EXPECT_EQ(a.TableDisplayName("orders"), "orders");
  EXPECT_EQ(a.ColumnDisplayName("tbl_x1", "c3"), "Email");
  EXPECT_EQ(a.ColumnDisplayName("tbl_x1", "c9"), "c9");
  SourceSchema s;
  EXPECT_TRUE(RelationsOf(s).empty());  // a snapshot without annotations
  s.annotations = a;
  ASSERT_EQ(RelationsOf(s).size(), 1u);
  EXPECT_EQ(RelationsOf(s)[0].Name(), "orders.customer_ref -> tbl_x1.id");
  EXPECT_EQ(RoleOf(s, "nc_views"), TableRole::kMetadata);
  EXPECT_TRUE((SchemaAnnotations{"generic", {}, {}}.empty()));
}

// A snapshot keeps the relations its profile declared; one taken before
// profiles gets today's declarations. A drill adds the snapshot's to its own.
TEST(AnnotationsTest, RelationsForASnapshot) {
  const std::vector<Relation> today = {{"notes", "owner", "users", "id"}};
  SourceSchema old_snapshot;
  EXPECT_EQ(RelationsFor(old_snapshot, today), today);
  SourceSchema annotated;
  annotated.annotations = Sample();
  EXPECT_EQ(RelationsFor(annotated, today), annotated.annotations.relations);
  SourceSchema roles_only;  // annotated, but its profile declared no relation
  roles_only.annotations.tables = Sample().tables;
  EXPECT_TRUE(RelationsFor(roles_only, today).empty());

  const std::vector<Relation> merged = MergeRelations(today, {today[0], Sample().relations[0]});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0], today[0]);
  EXPECT_EQ(merged[1], Sample().relations[0]);
}

TEST(AnnotationsTest, RoundTripsAndEveryCutIsRefused) {
  std::string enc;
  EncodeAnnotations(Sample(), &enc);
  SchemaAnnotations back;
  ASSERT_TRUE(DecodeAnnotations(enc, "a", &back).ok());
  EXPECT_EQ(back, Sample());
  for (size_t cut = 0; cut < enc.size(); cut++) {
    SchemaAnnotations x;
    EXPECT_TRUE(DecodeAnnotations(enc.substr(0, cut), "a", &x).IsCorruption()) << cut;
  }
  SchemaAnnotations x;
  EXPECT_TRUE(DecodeAnnotations(enc + "x", "a", &x).IsCorruption());
}

// The bytes of version 1, fixed: a change here is a format change.
TEST(AnnotationsTest, GoldenBytes) {
  SchemaAnnotations a;
  a.profile = "generic";
  a.tables = {{"", "s", TableRole::kTransient, "", {{"k", "", true}}}};
  a.relations = {{"c", "p_id", "p", "id"}};
  std::string enc;
  EncodeAnnotations(a, &enc);
  EXPECT_EQ(HexEncode(enc),
            "01"                // version 1
            "0767656e65726963"  // profile "generic"
            "01"
            "00"
            "0173"
            "02"
            "00"  // 1 table: namespace "", "s", transient, display ""
            "01"
            "016b"
            "01"
            "00"  // 1 column: "k", secret, display ""
            "01"
            "0163"
            "0470"
            "5f6964"
            "0170"
            "026964");  // c.p_id -> p.id
}

// Version 2: a relation's on_delete, only written when one has it.
TEST(AnnotationsTest, Version2AddsOnDelete) {
  SchemaAnnotations a;
  a.profile = "nocodb";
  a.relations = {{"c", "p_id", "p", "id", "SET NULL"}, {"j", "p_id", "p", "id"}};
  std::string enc;
  EncodeAnnotations(a, &enc);
  EXPECT_EQ(HexEncode(enc),
            "02"              // version 2
            "066e6f636f6462"  // profile "nocodb"
            "00"              // no table
            "02"
            "0163"
            "0470"
            "5f6964"
            "0170"
            "026964"
            "08534554204e554c4c"  // c.p_id -> p.id, SET NULL
            "016a"
            "0470"
            "5f6964"
            "0170"
            "026964"
            "00");  // j.p_id -> p.id, no action known
  SchemaAnnotations back;
  ASSERT_TRUE(DecodeAnnotations(enc, "a", &back).ok());
  EXPECT_EQ(back, a);
  for (size_t cut = 0; cut < enc.size(); cut++) {
    EXPECT_TRUE(DecodeAnnotations(enc.substr(0, cut), "a", &back).IsCorruption()) << cut;
  }
  a.relations[1].on_delete = "RESTRICT";  // not an action a profile declares
  enc.clear();
  EncodeAnnotations(a, &enc);
  Status s = DecodeAnnotations(enc, "a", &back);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("relation.on_delete"), std::string::npos) << s.message();
  a.relations = {{"c", "p_id", "p", "id"}};  // none has one: version 1, as before
  enc.clear();
  EncodeAnnotations(a, &enc);
  EXPECT_EQ(enc[0], 1);
}

TEST(AnnotationsTest, RefusesWhatAWriterWouldNotWrite) {
  auto bad = [](const SchemaAnnotations& a, const std::string& field) {
    std::string enc;
    EncodeAnnotations(a, &enc);
    SchemaAnnotations x;
    Status s = DecodeAnnotations(enc, "snapshot 1234 annotations", &x);
    EXPECT_TRUE(s.IsCorruption()) << field;
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  };
  bad(SchemaAnnotations{"generic", {}, {}}, "table_count");  // nothing: leave it out
  bad(SchemaAnnotations{"g", {{"", "t", TableRole::kData, "", {}}}, {}}, "table.role");
  bad(SchemaAnnotations{"g", {{"", "t", TableRole::kData, "", {{"c", "", false}}}}, {}},
      "column.flags");
  bad(SchemaAnnotations{"g", {{"", "", TableRole::kMetadata, "", {}}}, {}}, "table.name");
  SchemaAnnotations twice = Sample();
  twice.tables.push_back(twice.tables[0]);
  bad(twice, "listed twice");
  SchemaAnnotations rel = Sample();
  rel.relations[0].parent_column.clear();
  bad(rel, "relation");
  std::string enc;
  EncodeAnnotations(Sample(), &enc);
  SchemaAnnotations x;
  std::string v3 = enc;
  v3[0] = 3;
  EXPECT_NE(DecodeAnnotations(v3, "a", &x).message().find("upgrade tidemark"), std::string::npos);
  std::string role = enc;
  role[1 + 8 + 1 + 1 + 9] = 3;  // the first table's role: no role 3
  EXPECT_NE(DecodeAnnotations(role, "a", &x).message().find("unknown role"), std::string::npos);
}

}  // namespace
}  // namespace tidemark
