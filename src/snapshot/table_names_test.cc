// ResolveTableName (snapshot/table_names.h).
#include "snapshot/table_names.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

Manifest Library() {
  Manifest m;
  for (const char* name : {"nc_a___authors", "nc_a___books", "nc_b___books", "Books"}) {
    SnapshotTable t;
    t.schema.name = name;
    m.tables.push_back(t);
  }
  m.objects.annotations.profile = "nocodb";
  m.objects.annotations.tables = {{"", "nc_a___authors", TableRole::kData, "Authors", {}},
                                  {"", "nc_a___books", TableRole::kData, "Novels", {}},
                                  {"", "nc_b___books", TableRole::kData, "Novels", {}},
                                  {"", "gone", TableRole::kData, "Gone", {}}};
  return m;
}

TEST(TableNamesTest, NameFirstThenDisplayName) {
  const Manifest m = Library();
  EXPECT_EQ(*ResolveTableName(m, "nc_a___authors"), "nc_a___authors");
  EXPECT_EQ(*ResolveTableName(m, "Authors"), "nc_a___authors");
  EXPECT_EQ(*ResolveTableName(m, "authors"), "nc_a___authors");  // case ignored
  EXPECT_EQ(*ResolveTableName(m, "Books"), "Books");             // a table's name wins
}

TEST(TableNamesTest, AmbiguousAndUnknownNames) {
  const Manifest m = Library();
  Status s = ResolveTableName(m, "Novels").status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("nc_a___books, nc_b___books"), std::string::npos) << s.message();
  EXPECT_TRUE(ResolveTableName(m, "Gone").status().IsNotFound());  // annotated, not in the snapshot
  EXPECT_TRUE(ResolveTableName(m, "nope").status().IsNotFound());
  Manifest plain;
  EXPECT_TRUE(ResolveTableName(plain, "Authors").status().IsNotFound());
}

}  // namespace
}  // namespace tidemark
