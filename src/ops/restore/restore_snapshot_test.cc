// Restore and export as use cases: each records its ledger entry, a refusal
// too (a target that exists without force).
#include "ops/restore/restore_snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "ops/testing/sqlite_testlib.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class RestoreSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    const std::string db = dir_.path() + "/crm.db";
    TestDb(db).Exec(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('a'), ('b');");
    auto b = repo_->Backup(db, "crm");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    snap_ = {b->snapshot, b->manifest};
    store_ = repo_->OpenStore();
  }
  // The entries as "action/outcome", and the last one's targets.
  std::vector<std::string> Entries(std::vector<std::string>* last_targets) const {
    std::vector<std::string> out;
    EXPECT_TRUE(Ledger(repo_->repo())
                    .ForEach(1,
                             [&](const LedgerEntry& e) {
                               out.push_back(e.record.action + "/" + e.record.outcome);
                               *last_targets = e.record.targets;
                               return Status::OK();
                             })
                    .ok());
    return out;
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  SnapshotInfo snap_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(RestoreSnapshotTest, RecordsTheRestoreAndARefusal) {
  const ActionLog log(repo_->repo(), "test restore");
  const SourceRef target = SqliteSourceRef(dir_.path() + "/back.db");
  auto r = RestoreSnapshot(store_.get(), *repo_->repo(), log, snap_, target, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->records, 2u);
  std::vector<std::string> targets;
  EXPECT_EQ(Entries(&targets), std::vector<std::string>{"restore/ok"});
  EXPECT_EQ(targets,
            (std::vector<std::string>{"snapshot " + snap_.id.Hex(), "to " + target.uri()}));
  r = RestoreSnapshot(store_.get(), *repo_->repo(), log, snap_, target, {});
  EXPECT_EQ(r.status().code(), Status::Code::kAlreadyExists) << r.status().ToString();
  EXPECT_EQ(Entries(&targets), (std::vector<std::string>{"restore/ok", "restore/refused"}));
}

TEST_F(RestoreSnapshotTest, ACancelledRestoreLeavesNothingAndIsRecorded) {
  const ActionLog log(repo_->repo(), "test restore");
  const SourceRef target = SqliteSourceRef(dir_.path() + "/back.db");
  // Cancelled at each of its check points: before the table, before publishing.
  for (uint64_t n : {0u, 1u}) {
    CancelToken cancel;
    cancel.SetCheckHook([&](const char*, uint64_t i) {
      if (i == n) cancel.Cancel();
    });
    RestoreOptions opts;
    opts.cancel = &cancel;
    auto r = RestoreSnapshot(store_.get(), *repo_->repo(), log, snap_, target, opts);
    EXPECT_TRUE(r.status().IsCancelled()) << r.status().ToString();
    EXPECT_NE(access((dir_.path() + "/back.db").c_str(), F_OK), 0) << "check " << n;
  }
  std::vector<std::string> targets;
  EXPECT_EQ(Entries(&targets),
            (std::vector<std::string>{"restore/cancelled", "restore/cancelled"}));
  auto r = RestoreSnapshot(store_.get(), *repo_->repo(), log, snap_, target, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(RestoreSnapshotTest, RecordsTheExport) {
  ExportOptions opts;
  opts.dir = dir_.path() + "/out";
  auto files = ExportSnapshotLogged(store_.get(), *repo_->repo(),
                                    ActionLog(repo_->repo(), "test export"), snap_, opts);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 1u);
  std::vector<std::string> targets;
  EXPECT_EQ(Entries(&targets), std::vector<std::string>{"export/ok"});
  EXPECT_EQ(targets, (std::vector<std::string>{"snapshot " + snap_.id.Hex(), "to " + opts.dir}));
}

}  // namespace
}  // namespace tidemark
