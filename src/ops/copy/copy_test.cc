// copy between repositories: large values re-chunked under the destination's
// keys, byte-identical restores, incremental copies, parents, and a source
// whose records do not match its manifest.
#include "ops/copy/copy.h"

#include <gtest/gtest.h>

#include "ops/testing/sqlite_testlib.h"
#include "storage/mem_backend.h"
#include "storage/s3_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class CopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", cache_.path().c_str(), 1);
    from_ = TestRepo::Create(&from_backend_);
    to_ = TestRepo::Create(&to_backend_);
    ASSERT_NE(from_, nullptr);
    ASSERT_NE(to_, nullptr);
    db_ = dir_.path() + "/app.db";
    TestDb db(db_);
    db.Exec(
        "CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT, body TEXT, pic BLOB);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
        "INSERT INTO notes SELECT i, 'note ' || i, printf('%.*c', 200 + i * 40, 'x') || i, "
        "randomblob(i * 100) FROM n;");
  }
  void TearDown() override { unsetenv("TIDEMARK_CACHE_DIR"); }

  Result<CopyResult> Copy(const CopyOptions& opts = {}) {
    std::unique_ptr<BlobStore> store = to_->OpenStore();
    auto r = CopySnapshots(*from_->repo(), to_->repo(), store.get(), opts);
    if (r.ok()) {
      EXPECT_TRUE(store->Flush().ok());
    }
    return r;
  }

  ScopedTempDir dir_, cache_;
  MemBackend from_backend_, to_backend_;
  std::unique_ptr<TestRepo> from_, to_;
  std::string db_;
};

TEST_F(CopyTest, CopiesRestoresAndIsIncremental) {
  auto b1 = from_->Backup(db_);
  ASSERT_TRUE(b1.ok()) << b1.status().ToString();
  auto r = Copy();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->copied, 1u);
  EXPECT_GT(r->bytes_added, 300u * 100);  // the blobs, at least
  const uint64_t first_bytes = r->bytes_added;
  std::vector<SnapshotInfo> copies = to_->Snapshots();
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_NE(copies[0].id, b1->snapshot);  // another repository, other keys
  EXPECT_EQ(copies[0].manifest.tables[0].digest, b1->manifest.tables[0].digest);
  EXPECT_NE(copies[0].manifest.tables[0].root.id, b1->manifest.tables[0].root.id);
  ASSERT_TRUE(to_->Restore(copies[0].manifest, dir_.path() + "/r1.db").ok());
  EXPECT_EQ(DumpDatabase(dir_.path() + "/r1.db"), DumpDatabase(db_));

  // Nothing new: nothing copied, nothing written.
  r = Copy();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->copied, 0u);
  EXPECT_EQ(r->already, 1u);
  EXPECT_EQ(r->bytes_added, 0u);

  // One changed record: the second copy writes little, and its parent is the
  // first copy.
  TestDb(db_).Exec("UPDATE notes SET title = 'changed' WHERE id = 150");
  auto b2 = from_->Backup(db_);
  ASSERT_TRUE(b2.ok()) << b2.status().ToString();
  r = Copy();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->copied, 1u);
  EXPECT_EQ(r->already, 1u);
  EXPECT_LT(r->bytes_added, first_bytes / 10);
  copies = to_->Snapshots();
  ASSERT_EQ(copies.size(), 2u);
  EXPECT_EQ(copies[1].manifest.parent, copies[0].id);
  ASSERT_TRUE(to_->Restore(copies[1].manifest, dir_.path() + "/r2.db").ok());
  EXPECT_EQ(DumpDatabase(dir_.path() + "/r2.db"), DumpDatabase(db_));
}

TEST_F(CopyTest, ChosenSnapshotsAndSources) {
  ASSERT_TRUE(from_->Backup(db_, "a").ok());
  ASSERT_TRUE(from_->Backup(db_, "b").ok());
  CopyOptions only_b;
  only_b.source = "b";
  auto r = Copy(only_b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->snapshots.size(), 1u);
  EXPECT_EQ(r->snapshots[0].source, "b");
  CopyOptions spec;
  spec.snapshots = {"a@latest"};
  r = Copy(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->copied, 1u);
  EXPECT_EQ(to_->Snapshots().size(), 2u);
  CopyOptions missing;
  missing.source = "nope";
  EXPECT_TRUE(Copy(missing).status().IsNotFound());
  missing = {};
  missing.snapshots = {"nope@latest"};
  EXPECT_FALSE(Copy(missing).ok());
}

// Into S3 on the test server: the same copy, through the real backend.
TEST_F(CopyTest, IntoS3) {
  ASSERT_TRUE(from_->Backup(db_).ok());
  std::unique_ptr<Backend> s3 = S3rverBackendFactory().make();
  ASSERT_NE(s3, nullptr);
  auto dest = TestRepo::Create(s3.get());
  ASSERT_NE(dest, nullptr);
  std::unique_ptr<BlobStore> store = dest->OpenStore();
  auto r = CopySnapshots(*from_->repo(), dest->repo(), store.get(), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(store->Flush().ok());
  std::vector<SnapshotInfo> copies = dest->Snapshots();
  ASSERT_EQ(copies.size(), 1u);
  ASSERT_TRUE(dest->Restore(copies[0].manifest, dir_.path() + "/r3.db").ok());
  EXPECT_EQ(DumpDatabase(dir_.path() + "/r3.db"), DumpDatabase(db_));
}

}  // namespace
}  // namespace tidemark
