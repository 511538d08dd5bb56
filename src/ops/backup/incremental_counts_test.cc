// Change counts of an incremental backup, made while the trees are built
// (LeafStreamDiff in the tree stage), against a diff of the two snapshots.
#include <gtest/gtest.h>

#include "ops/backup/backup.h"
#include "ops/testing/sqlite_testlib.h"
#include "snapshot/record_diff.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

// The backup counts changes while it builds the trees (each new leaf against
// the parent's); the counts must be those a diff of the two snapshots gives,
// whatever happened to each table.
TEST(IncrementalTest, CountsMadeWhileBuildingEqualTheDiff) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string path = dir.path() + "/app.db";
  TestDb db(path);
  db.Exec(R"sql(
    CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);
    CREATE TABLE b(k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
    CREATE TABLE gone(id INTEGER PRIMARY KEY, v);
    CREATE TABLE same(id INTEGER PRIMARY KEY, v);
    CREATE VIRTUAL TABLE docs USING fts5(body);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
      INSERT INTO a SELECT i, hex(randomblob(20)) FROM n;
    INSERT INTO b SELECT printf('k%06d', id), id FROM a WHERE id % 3 = 0;
    INSERT INTO gone SELECT id, v FROM a WHERE id < 500;
    INSERT INTO same SELECT id, v FROM a WHERE id < 2000;
    INSERT INTO docs VALUES ('one'), ('two');
  )sql");
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  BlobStoreStats stats;
  auto first = repo->Backup(path, "app", &stats);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  db.Exec(R"sql(
    UPDATE a SET v = 'x' WHERE id % 997 = 0;
    DELETE FROM a WHERE id % 1499 = 0 OR id > 29900;
    INSERT INTO a VALUES (40000, 'new'), (40001, 'new');
    INSERT INTO b VALUES ('k000001x', 1), ('zz', 2);
    DELETE FROM b WHERE n % 5000 = 0;
    DROP TABLE gone;
    CREATE TABLE fresh(id INTEGER PRIMARY KEY);
    INSERT INTO fresh VALUES (1), (2), (3);
    INSERT INTO docs VALUES ('three');
  )sql");
  auto second = repo->Backup(path, "app", &stats);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto store = repo->OpenStore();
  NodeCache cache(store.get());
  TreeDiffCounts want;
  for (const SnapshotTable& t : second->manifest.tables) {
    auto c = DiffTable(&cache, first->manifest.FindTable(t.schema.name), &t, nullptr);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    want.added += c->added, want.changed += c->changed, want.removed += c->removed;
  }
  want.removed += first->manifest.FindTable("gone")->root.count;
  const SnapshotStats& got = second->manifest.stats;
  EXPECT_GT(want.added, 5u);
  EXPECT_GT(want.changed, 20u);
  EXPECT_GT(want.removed, 600u);
  EXPECT_EQ(got.records_added, want.added);
  EXPECT_EQ(got.records_changed, want.changed);
  EXPECT_EQ(got.records_removed, want.removed);
}

}  // namespace
}  // namespace tidemark
