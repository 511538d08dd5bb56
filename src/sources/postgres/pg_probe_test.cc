// The drill probe on a real PostgreSQL server (pg_probe.h): what the catalog
// knows is unsound, foreign keys re-checked, duplicates, orphans, and SQL
// that can never change the copy; the scratch database's name and removal.
#include "sources/postgres/pg_probe.h"

#include <gtest/gtest.h>

#include "sources/postgres/pg_testlib.h"

namespace tidemark::pg {
namespace {

class PgProbeTest : public PgDatabaseTest {
 protected:
  std::unique_ptr<SourceProbe> Open() {
    auto p = OpenPgProbe(server_->Location(db_), PgAuth{});
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(*p) : nullptr;
  }
};

constexpr char kShop[] = R"SQL(
CREATE TABLE customers (id int PRIMARY KEY, email text);
CREATE TABLE orders (id int PRIMARY KEY, customer int);
CREATE TABLE notes (id int PRIMARY KEY, order_ref text);
INSERT INTO customers VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x'), (4, NULL), (5, NULL);
INSERT INTO orders VALUES (10, 1), (11, 7), (12, NULL);
INSERT INTO notes VALUES (1, '10'), (2, '99'), (3, NULL);
-- Added NOT VALID, so the orphan order 11 is still there.
ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer)
  REFERENCES customers NOT VALID;
)SQL";

TEST_F(PgProbeTest, CatalogProblemsAndForeignKeysAreFound) {
  ASSERT_TRUE(server_->Exec(db_, kShop));
  auto p = Open();
  ASSERT_NE(p, nullptr);
  auto problems = p->IntegrityProblems(10);
  ASSERT_TRUE(problems.ok()) << problems.status().ToString();
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_EQ((*problems)[0],
            "constraint orders_customer_fkey on orders is not validated (ALTER TABLE ... "
            "VALIDATE CONSTRAINT)");
  std::vector<ReferenceViolation> found;
  ASSERT_TRUE(
      p->ForEachReferenceViolation([&](const ReferenceViolation& v) { found.push_back(v); }).ok());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].table, "public.orders");
  EXPECT_EQ(found[0].parent, "public.customers");
  EXPECT_EQ(found[0].row, "ctid (0,2)");
  EXPECT_TRUE(found[0].parent_present);
}

TEST_F(PgProbeTest, DuplicatesAndOrphans) {
  ASSERT_TRUE(server_->Exec(db_, kShop));
  auto p = Open();
  ASSERT_NE(p, nullptr);
  auto dups = p->FindDuplicates("customers", {"email"}, 5);
  ASSERT_TRUE(dups.ok()) << dups.status().ToString();
  ASSERT_EQ(dups->found.size(), 1u);  // NULLs never collide
  EXPECT_EQ(dups->found[0].values, std::vector<std::string>{"a@x"});
  EXPECT_EQ(dups->found[0].rows, 2u);
  EXPECT_FALSE(dups->truncated);
  // A platform's link kept as text finds its integer parent.
  auto orphans = p->FindOrphans(Relation{"notes", "order_ref", "orders", "id"}, 5);
  ASSERT_TRUE(orphans.ok()) << orphans.status().ToString();
  ASSERT_EQ(orphans->found.size(), 1u);
  EXPECT_EQ(orphans->found[0].value, "99");
  EXPECT_TRUE(p->FindDuplicates("public.customers", {"email"}, 0)->truncated);
  EXPECT_TRUE(p->FindDuplicates("nope", {"email"}, 5).status().IsNotFound());
}

TEST_F(PgProbeTest, QueriesNeverChangeTheCopy) {
  ASSERT_TRUE(server_->Exec(db_, kShop));
  auto p = Open();
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->has_sql());
  auto rows = p->Query("SELECT id, email FROM customers ORDER BY id", 2);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"id", "email"}));
  EXPECT_EQ(rows->rows, (std::vector<std::vector<std::string>>{{"1", "a@x"}, {"2", "a@x"}}));
  EXPECT_TRUE(rows->truncated);
  EXPECT_EQ(*p->QueryInteger("SELECT count(*) FROM orders"), 3);
  Status write = p->Query("DELETE FROM orders", 10).status();
  EXPECT_TRUE(write.IsInvalidArgument()) << write.ToString();
  EXPECT_NE(write.message().find("read-only"), std::string::npos) << write.message();
  Status two = p->Query("SELECT 1; DELETE FROM orders", 10).status();
  EXPECT_TRUE(two.IsInvalidArgument()) << two.ToString();
  EXPECT_EQ(*p->QueryInteger("SELECT count(*) FROM orders"), 3);
  EXPECT_TRUE(p->QueryInteger("SELECT id FROM orders").status().IsInvalidArgument());
  EXPECT_TRUE(p->CheckTablesExist("SELECT * FROM nope").IsNotFound());
  EXPECT_TRUE(p->CheckTablesExist("SELECT * FROM orders").ok());
  EXPECT_TRUE(p->CheckTablesExist("SELEC oops").ok());  // Query says how it is wrong
}

TEST_F(PgProbeTest, SchemaObjectsAreWhatABackupReads) {
  ASSERT_TRUE(server_->Exec(db_, kShop));
  auto p = Open();
  ASSERT_NE(p, nullptr);
  auto objects = p->SchemaObjects();
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  bool table = false, fk = false;
  for (const SchemaObject& o : *objects) {
    table |= o.type == "TABLE" && o.name == "orders";
    fk |= o.type == "FK CONSTRAINT" && o.name == "orders orders_customer_fkey";
    if (o.type == "ROLE") {
      EXPECT_FALSE(p->Recreates(o));
    }
  }
  EXPECT_TRUE(table);
  EXPECT_TRUE(fk);
}

TEST(PgScratchTest, NamesAreFoldedShortAndFresh) {
  const std::string a = ScratchDatabaseName("Shop-Deep.v2");
  EXPECT_EQ(a.rfind("tidemark_drill_shop_deep_v2_", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string("tidemark_drill_shop_deep_v2_").size() + 8);
  EXPECT_NE(a, ScratchDatabaseName("Shop-Deep.v2"));
  EXPECT_LE(ScratchDatabaseName(std::string(64, 'x')).size(), 63u);
}

TEST_F(PgProbeTest, DropScratchDatabaseDropsOnlyThatDatabase) {
  const std::string scratch = ScratchDatabaseName("t");
  ASSERT_TRUE(server_->Exec("postgres", "CREATE DATABASE " + scratch));
  auto keep = server_->Connect(scratch);  // a session on it is forced off
  ASSERT_NE(keep, nullptr);
  ASSERT_TRUE(DropScratchDatabase(server_->Location(scratch), PgAuth{}).ok());
  EXPECT_TRUE(
      server_->Rows("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + scratch + "'")
          .empty());
  EXPECT_FALSE(
      server_->Rows("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + db_ + "'").empty());
  EXPECT_TRUE(DropScratchDatabase(server_->Location(scratch), PgAuth{}).ok());  // already gone
}

}  // namespace
}  // namespace tidemark::pg
