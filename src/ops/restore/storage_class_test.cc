// Storage classes through a backup and restore: every class in a column of
// every affinity keeps its typeof() and value (docs/format/records.md §1).
#include <gtest/gtest.h>

#include "ops/backup/backup.h"
#include "ops/restore/restore.h"
#include "ops/testing/sqlite_testlib.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

// typeof() and the value of every storage class in a column of every
// affinity survive a backup and restore: in a table typed from the start
// (SQLite converted on insert) and in one whose types were edited in after
// the rows were written (nothing converted: each value keeps its class).
TEST(StorageClassTest, TypeofRoundTripsForEveryClassInEveryAffinity) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string source = dir.path() + "/classes.db";
  const std::string typed =
      "(id INTEGER PRIMARY KEY, i INTEGER, t TEXT, b BLOB, r REAL, n NUMERIC, x, "
      "v VARCHAR(10) NOT NULL DEFAULT '' CHECK (length(v) < 100), d DOUBLE /* c, d */ PRECISION)";
  const char* values[] = {"NULL",
                          "42",
                          "-7",
                          "5.0",
                          "2.5",
                          "-0.0",
                          "1e300",
                          "'42'",
                          "' 7 '",
                          "'1e3'",
                          "'2.5'",
                          "'abc'",
                          "'12abc'",
                          "X'3432'",
                          "X''",
                          "''",
                          "9223372036854775807",
                          "'0x10'",
                          "'-0'",
                          "'+5'",
                          "'.5'"};
  {
    TestDb db(source);
    db.Exec("CREATE TABLE plain" + typed +
            "; CREATE TABLE edited(id INTEGER PRIMARY KEY, i, t, b, r, n, x, v, d)");
    int id = 1;
    for (const char* v : values) {
      const std::string row = std::to_string(id++) + ", " + v + ", " + v + ", " + v + ", " + v +
                              ", " + v + ", " + v + ", " + (std::string(v) == "NULL" ? "''" : v) +
                              ", " + v;
      db.Exec("INSERT INTO plain VALUES (" + row + "); INSERT INTO edited VALUES (" + row + ")");
    }
    std::string sql = "CREATE TABLE edited" + typed;
    for (size_t q = sql.find('\''); q != std::string::npos; q = sql.find('\'', q + 2)) {
      sql.insert(q, 1, '\'');
    }
    db.Exec("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = '" + sql +
            "' WHERE name = 'edited';");
  }
  const std::string query =
      "SELECT id, typeof(i), quote(i), typeof(t), quote(t), typeof(b), quote(b), typeof(r), "
      "quote(r), typeof(n), quote(n), typeof(x), quote(x), typeof(v), quote(v), typeof(d), "
      "quote(d) FROM ";
  // The edited table does hold values its types would have converted.
  EXPECT_NE(TestDb(source).Rows(query + "plain ORDER BY id"),
            TestDb(source).Rows(query + "edited ORDER BY id"));
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(source);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const std::string restored = dir.path() + "/restored.db";
  auto r = repo->Restore(b->manifest, restored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const char* table : {"plain", "edited"}) {
    SCOPED_TRACE(table);
    EXPECT_EQ(TestDb(restored).Rows(query + table + " ORDER BY id"),
              TestDb(source).Rows(query + table + " ORDER BY id"));
  }
  EXPECT_EQ(DumpDatabase(source), DumpDatabase(restored));
}

}  // namespace
}  // namespace tidemark
