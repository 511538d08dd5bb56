// A cancelled backup (BackupOptions::cancel): stopped at each of its check
// points in turn by a hook that cancels the token at the Nth check (no
// threads racing, no sleeps), it returns Cancelled, writes no snapshot,
// records "backup" / "cancelled", releases its lock, and leaves a
// repository that passes check; the next backup stores what the source holds.
#include <gtest/gtest.h>

#include "base/cancel.h"
#include "ledger/ledger.h"
#include "ops/backup/backup_source.h"
#include "ops/integrity/check.h"
#include "ops/testing/sqlite_testlib.h"
#include "repo/lock.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class BackupCancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    db_ = dir_.path() + "/crm.db";
    TestDb db(db_);
    // Three tables of 2.5 x kCancelCheckRows rows: two row checks in each.
    for (const char* t : {"customers", "orders", "notes"}) {
      db.Exec(std::string("CREATE TABLE ") + t + "(id INTEGER PRIMARY KEY, v TEXT);");
      db.Exec(std::string("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n ") +
              "WHERE i < " + std::to_string(kCancelCheckRows * 5 / 2) + ") INSERT INTO " + t +
              "(v) SELECT 'row ' || i FROM n;");
    }
  }
  BackupOptions Options(const CancelToken* cancel) {
    repo_->clock()->Advance(60'000'000);
    BackupOptions o;
    o.source = SqliteSourceRef(db_);
    o.name = "crm";
    o.host = "testhost";
    o.cancel = cancel;
    return o;
  }
  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    EXPECT_TRUE(Ledger(repo_->repo())
                    .ForEach(1,
                             [&](const LedgerEntry& e) {
                               out.push_back(e.record.action + "/" + e.record.outcome);
                               return Status::OK();
                             })
                    .ok());
    return out;
  }
  void ExpectCheckPasses() {
    CheckOptions co;
    co.read_data = true;
    auto report = CheckRepository(repo_->repo(), co);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const CheckFinding& f : report->damage) ADD_FAILURE() << f.object << ": " << f.message;
    for (const CheckFinding& f : report->warnings) ADD_FAILURE() << f.object << ": " << f.message;
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::string db_;
};

// The check points a whole backup of the test source passes, in order.
TEST_F(BackupCancelTest, AnUncancelledBackupPassesEveryCheckPoint) {
  CancelToken token;
  std::vector<std::string> points;
  token.SetCheckHook([&](const char* point, uint64_t n) {
    EXPECT_EQ(n, points.size());
    points.push_back(point);
  });
  auto r = BackupSource(repo_->repo(), ActionLog(repo_->repo(), "test"), Options(&token), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::vector<std::string> table = {"backup-table", "backup-rows", "backup-rows"};
  std::vector<std::string> want;
  for (int i = 0; i < 3; i++) want.insert(want.end(), table.begin(), table.end());
  want.push_back("backup-before-snapshot");
  EXPECT_EQ(points, want);
}

TEST_F(BackupCancelTest, CancelledAtEachCheckPointLeavesNoSnapshotAndAValidRepository) {
  const size_t kPoints = 10;  // the test above lists them
  for (size_t n = 0; n < kPoints; n++) {
    SCOPED_TRACE("cancelled at check " + std::to_string(n));
    CancelToken token;
    token.SetCheckHook([&](const char*, uint64_t i) {
      if (i == n) token.Cancel(CancelReason::kSignal);
    });
    auto r = BackupSource(repo_->repo(), ActionLog(repo_->repo(), "test"), Options(&token), {});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsCancelled()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("cancelled (signal)"), std::string::npos);
    EXPECT_TRUE(repo_->Snapshots().empty());
    EXPECT_EQ(Entries().size(), n + 1);
    EXPECT_EQ(Entries().back(), "backup/cancelled");
    // The shared lock is gone: an exclusive one (prune's) is granted.
    auto exclusive = RepoLock::Acquire(repo_->repo(), true, "prune", LockWait{});
    EXPECT_TRUE(exclusive.ok()) << exclusive.status().ToString();
    ExpectCheckPasses();
  }
  auto r = BackupSource(repo_->repo(), ActionLog(repo_->repo(), "test"), Options(nullptr), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->result.records, 3 * (kCancelCheckRows * 5 / 2));
  EXPECT_EQ(Entries().back(), "backup/ok");
  ExpectCheckPasses();
}

TEST_F(BackupCancelTest, ATokenCancelledBeforeTheStartStopsAtTheFirstTable) {
  CancelToken token;
  token.Cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_EQ(token.reason(), CancelReason::kRequested);
  token.Cancel(CancelReason::kShutdown);  // the first reason sticks
  EXPECT_EQ(token.reason(), CancelReason::kRequested);
  auto r = BackupSource(repo_->repo(), ActionLog(repo_->repo(), "test"), Options(&token), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cancelled (requested) at backup-table"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Entries(), std::vector<std::string>{"backup/cancelled"});
}

}  // namespace
}  // namespace tidemark
