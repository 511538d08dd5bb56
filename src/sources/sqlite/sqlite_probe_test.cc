#include "sources/sqlite/sqlite_probe.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "storage/temp_dir_testlib.h"

namespace tidemark::sqlite {
namespace {

// A SQLite file built by `sql`, and the probe on it.
class SqliteProbeTest : public ::testing::Test {
 protected:
  void Make(const std::string& sql) {
    path_ = dir_.path() + "/app.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
    auto p = OpenProbe(path_);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    probe_ = std::move(*p);
  }

  ScopedTempDir dir_;
  std::string path_;
  std::unique_ptr<SourceProbe> probe_;
};

TEST_F(SqliteProbeTest, MissingFileIsNotFoundAndNonDatabaseIsInvalid) {
  EXPECT_TRUE(OpenProbe(dir_.path() + "/none.db").status().IsNotFound());
  const std::string junk = dir_.path() + "/junk.db";
  FILE* f = fopen(junk.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not a database, and it is long enough to have a header page", f);
  fclose(f);
  EXPECT_TRUE(OpenProbe(junk).status().IsInvalidArgument());
}

TEST_F(SqliteProbeTest, SoundFileHasNoProblemsAndNamesItsChecks) {
  Make("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES(1, 'a');");
  auto problems = probe_->IntegrityProblems(20);
  ASSERT_TRUE(problems.ok());
  EXPECT_TRUE(problems->empty());
  EXPECT_EQ(probe_->integrity_check().name, "integrity_check");
  EXPECT_EQ(probe_->integrity_check().label, "PRAGMA integrity_check");
  EXPECT_EQ(probe_->reference_check().name, "foreign_key_check");
}

TEST_F(SqliteProbeTest, ReferenceViolationsNameTheRowOrNone) {
  Make(
      "CREATE TABLE p(id INTEGER PRIMARY KEY);"
      "CREATE TABLE c(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));"
      "CREATE TABLE w(k TEXT PRIMARY KEY, pid INTEGER REFERENCES p(id)) WITHOUT ROWID;"
      "CREATE TABLE gone(pid INTEGER REFERENCES absent(id));"
      "INSERT INTO p VALUES(1); INSERT INTO c VALUES(7, 1), (8, 2);"
      "INSERT INTO w VALUES('x', 3); INSERT INTO gone VALUES(5);");
  std::vector<std::string> seen;
  ASSERT_TRUE(probe_
                  ->ForEachReferenceViolation([&](const ReferenceViolation& v) {
                    seen.push_back(v.table + "|" + v.row + "|" + v.parent);
                  })
                  .ok());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"c|rowid 8|p", "gone|rowid 1|absent", "w||p"}));
}

TEST_F(SqliteProbeTest, SchemaObjectsAndWhatARestoreRecreates) {
  Make(
      "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT UNIQUE);"
      "CREATE INDEX t_v ON t(v); INSERT INTO t(v) VALUES('a'); ANALYZE;");
  auto objects = probe_->SchemaObjects();
  ASSERT_TRUE(objects.ok());
  std::vector<std::string> names;
  for (const SchemaObject& o : *objects) {
    names.push_back(o.type + " " + o.name + (probe_->Recreates(o) ? "" : " (implicit)"));
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "table t"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "index t_v"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "table sqlite_sequence (implicit)"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "table sqlite_stat1 (implicit)"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "index sqlite_autoindex_t_1"), names.end());
}

TEST_F(SqliteProbeTest, IntegerPrimaryKeyIsUniqueByConstruction) {
  TableSchema t;
  t.columns = {{"id", "INTEGER", "", "", false, 1, 0}};
  Make("CREATE TABLE x(a);");
  EXPECT_TRUE(probe_->KeyUniqueByConstruction(t));
  t.no_implicit_id = true;  // WITHOUT ROWID: an ordinary key
  EXPECT_FALSE(probe_->KeyUniqueByConstruction(t));
  t.no_implicit_id = false;
  t.columns[0].decl_type = "INT";
  EXPECT_FALSE(probe_->KeyUniqueByConstruction(t));
  t.columns[0].decl_type = "integer";
  t.columns.push_back({"b", "TEXT", "", "", false, 2, 0});
  EXPECT_FALSE(probe_->KeyUniqueByConstruction(t));
}

TEST_F(SqliteProbeTest, DuplicatesSkipNullsAndStopAtTheMaximum) {
  Make(
      "CREATE TABLE t(a, b);"
      "INSERT INTO t VALUES(1, 'x'), (1, 'x'), (1, 'x'), (2, NULL), (2, NULL), (3, 'y'), (3, "
      "'y'), (4, x'0a'), (4, x'0a');");
  auto d = probe_->FindDuplicates("t", {"a", "b"}, 10);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->found.size(), 3u);
  EXPECT_FALSE(d->truncated);
  EXPECT_EQ(d->found[0].values, (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(d->found[0].rows, 3u);
  EXPECT_EQ(d->found[2].values, (std::vector<std::string>{"4", "x'0a'"}));
  d = probe_->FindDuplicates("t", {"a", "b"}, 2);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->found.size(), 2u);
  EXPECT_TRUE(d->truncated);
  EXPECT_FALSE(probe_->FindDuplicates("nope", {"a"}, 2).ok());
}

TEST_F(SqliteProbeTest, OrphansNameTheRowAndTheValue) {
  Make(
      "CREATE TABLE p(id); CREATE TABLE c(pid);"
      "INSERT INTO p VALUES(1); INSERT INTO c VALUES(1), (NULL), (9);");
  auto o = probe_->FindOrphans({"c", "pid", "p", "id"}, 10);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_EQ(o->found.size(), 1u);
  EXPECT_EQ(o->found[0].row, "rowid 3");
  EXPECT_EQ(o->found[0].value, "9");
}

TEST_F(SqliteProbeTest, SqlIsReadOnlyAndNamesMissingTables) {
  Make("CREATE TABLE t(a); INSERT INTO t VALUES(1), (2);");
  EXPECT_TRUE(probe_->has_sql());
  auto n = probe_->QueryInteger("SELECT count(*) FROM t");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  auto rows = probe_->Query("SELECT a FROM t ORDER BY a", 1);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows, (std::vector<std::vector<std::string>>{{"1"}}));
  EXPECT_TRUE(rows->truncated);
  EXPECT_TRUE(probe_->Query("DELETE FROM t", 10).status().IsInvalidArgument());
  EXPECT_TRUE(probe_->CheckTablesExist("SELECT count(*) FROM t").ok());
  Status missing = probe_->CheckTablesExist("SELECT count(*) FROM gone");
  EXPECT_TRUE(missing.IsNotFound());
  EXPECT_NE(missing.message().find("no such table: gone"), std::string::npos);
  EXPECT_TRUE(probe_->CheckTablesExist("SELEC nonsense").ok()) << "Query reports other errors";
}

}  // namespace
}  // namespace tidemark::sqlite
