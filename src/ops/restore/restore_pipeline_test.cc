// Restore of tables large enough to load on two threads (row_pipeline.h):
// the copy is exact, and a failure on either thread (the target refusing a
// row, a damaged node read by the decoding thread, a damaged copy read back)
// ends the restore with that error and leaves nothing at the location.
#include <gtest/gtest.h>

#include "ops/restore/restore.h"
#include "ops/testing/sqlite_testlib.h"
#include "repo/pack.h"
#include "sources/live_target.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

constexpr int kRows = 20000;  // above the size that loads on one thread

// A restore target that fails once `fail_after` rows were inserted.
class FailingTarget final : public RestoreTarget {
 public:
  FailingTarget(std::unique_ptr<RestoreTarget> inner, uint64_t fail_after)
      : inner_(std::move(inner)), fail_after_(fail_after) {}
  Status BeginTable(const TableSchema& t) override { return inner_->BeginTable(t); }
  Status Insert(const SourceRow& row) override {
    if (++rows_ > fail_after_) return Status::IOError("disk full (test)");
    return inner_->Insert(row);
  }
  Status EndTable() override { return inner_->EndTable(); }
  Status Finish() override { return inner_->Finish(); }
  Result<std::unique_ptr<SourceReader>> OpenStaged() override { return inner_->OpenStaged(); }
  Status Publish() override { return inner_->Publish(); }
  uint64_t bytes() const override { return inner_->bytes(); }

 private:
  std::unique_ptr<RestoreTarget> inner_;
  uint64_t fail_after_;
  uint64_t rows_ = 0;
};

// The SQLite connector, with targets that fail after some rows.
class FailingConnector final : public Connector {
 public:
  FailingConnector(const Connector* inner, uint64_t fail_after)
      : inner_(inner), fail_after_(fail_after) {}
  std::string_view scheme() const override { return inner_->scheme(); }
  std::string_view location_help() const override { return inner_->location_help(); }
  std::string Canonical(const std::string& l) const override { return inner_->Canonical(l); }
  Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& l, int ms) const override {
    return inner_->OpenReader(l, ms);
  }
  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& l, const SourceSchema& s, const RestoreTargetOptions& o) const override {
    TM_ASSIGN_OR_RETURN(auto inner, inner_->CreateRestoreTarget(l, s, o));
    return std::unique_ptr<RestoreTarget>(new FailingTarget(std::move(inner), fail_after_));
  }
  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* v) const override {
    return inner_->OpenLookup(v);
  }
  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& l) const override {
    return inner_->OpenLive(l);
  }
  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& l) const override {
    return inner_->OpenProbe(l);
  }
  const TableSchema* OwnerOf(const SourceSchema& s, const TableSchema& t) const override {
    return inner_->OwnerOf(s, t);
  }
  std::string_view integrity_check_name() const override { return inner_->integrity_check_name(); }
  std::string_view integrity_repair_hint() const override {
    return inner_->integrity_repair_hint();
  }

 private:
  const Connector* inner_;
  uint64_t fail_after_;
};

class RestorePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    db_ = dir_.path() + "/app.db";
    TestDb(db_).Exec(
        "CREATE TABLE small(id INTEGER PRIMARY KEY, v TEXT);"
        "INSERT INTO small(v) VALUES ('a'), ('b');"
        "CREATE TABLE big(id INTEGER PRIMARY KEY, n INTEGER, t TEXT, r REAL, b BLOB);"
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " +
        std::to_string(kRows) +
        ") INSERT INTO big SELECT i * 3, i % 97, 'text ' || i, i / 7.0,"
        " CASE WHEN i % 5 = 0 THEN NULL ELSE randomblob(i % 40) END FROM k;"
        "CREATE INDEX big_n ON big(n);");
    auto b = repo_->Backup(db_);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    manifest_ = b->manifest;
    target_ = dir_.path() + "/restored.db";
  }
  void ExpectNothingLeft() {
    EXPECT_FALSE(PathExists(target_));
    for (const std::string& name : ListFolder(dir_.path())) {
      EXPECT_EQ(name.find("restored"), std::string::npos) << "left behind: " << name;
    }
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::string db_, target_;
  Manifest manifest_;
};

TEST_F(RestorePipelineTest, LargeTableRestoresExactly) {
  auto r = repo_->Restore(manifest_, target_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records, uint64_t(kRows) + 2);
  EXPECT_EQ(DumpDatabase(target_), DumpDatabase(db_));
  // A single table alone, through the same path.
  RestoreOptions one;
  one.path = dir_.path() + "/one.db";
  one.tables = {"big"};
  auto store = repo_->OpenStore();
  ASSERT_TRUE(RestoreSqlite(store.get(), *repo_->repo(), manifest_, one).ok());
  EXPECT_EQ(RunCommand("sqlite3 " + ShellQuote(one.path) + " 'select count(*), sum(n) from big'"),
            RunCommand("sqlite3 " + ShellQuote(db_) + " 'select count(*), sum(n) from big'"));
}

TEST_F(RestorePipelineTest, TargetFailingMidTableEndsTheRestore) {
  auto store = repo_->OpenStore();
  const SourceRef sqlite = SqliteSourceRef(target_);
  for (uint64_t fail_after : {uint64_t(0), uint64_t(1), uint64_t(kRows / 2), uint64_t(kRows)}) {
    SCOPED_TRACE("fails after " + std::to_string(fail_after) + " rows");
    FailingConnector failing(sqlite.connector, fail_after);
    RestoreOptions opts;
    opts.path = target_;
    auto r = Restore(store.get(), *repo_->repo(), manifest_, failing, opts);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("disk full (test)"), std::string::npos)
        << r.status().ToString();
    ExpectNothingLeft();
  }
}

void FlipBlobByte(Backend* backend, const BlobLocation& loc, uint32_t offset_in_blob) {
  const FileHandle h = PackHandle(loc.pack_id);
  auto pack = backend->Get(h);
  ASSERT_TRUE(pack.ok()) << pack.status().ToString();
  (*pack)[loc.offset + offset_in_blob] ^= 0x01;
  ASSERT_TRUE(backend->Put(h, *pack, PutMode::kOverwrite).ok());
}

TEST_F(RestorePipelineTest, DamagedNodeReadByTheDecodingThreadEndsTheRestore) {
  const TreeRoot root = manifest_.FindTable("big")->root;
  ASSERT_GE(root.level, 1);
  auto store = repo_->OpenStore();
  Id leaf;
  {
    NodeCache cache(store.get());
    auto top = cache.Load(root.id);
    ASSERT_TRUE(top.ok());
    leaf = (*top)->entries[(*top)->entries.size() / 2].child;  // mid-table
  }
  auto loc = store->Find(leaf);
  ASSERT_TRUE(loc.has_value());
  ASSERT_NO_FATAL_FAILURE(FlipBlobByte(&mem_, *loc, loc->sealed_len / 2));
  auto r = repo_->Restore(manifest_, target_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(leaf.Hex().substr(0, 12)), std::string::npos)
      << r.status().ToString();
  ExpectNothingLeft();
}

TEST_F(RestorePipelineTest, VerificationReadsTheCopyOnTwoThreads) {
  // A copy whose large table lost one row in the middle and changed another
  // reads back with other counts and digests.
  auto r = repo_->Restore(manifest_, target_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(VerifySqliteAgainstManifest(target_, manifest_, {}).ok());
  TestDb(target_).Exec("UPDATE big SET t = 'changed' WHERE id = 30000");
  Status s = VerifySqliteAgainstManifest(target_, manifest_, {"big"});
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("table big: restored 20000 rows"), std::string::npos) << s.ToString();
  TestDb(target_).Exec("DELETE FROM big WHERE id = 30003");
  s = VerifySqliteAgainstManifest(target_, manifest_, {});
  EXPECT_NE(s.message().find("table big: restored 19999 rows"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace tidemark
