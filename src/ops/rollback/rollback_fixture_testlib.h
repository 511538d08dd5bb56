// The fixture of the rollback and revert tests (rollback_test.cc,
// revert_test.cc): one live SQLite file "app.db" and a repository in memory,
// with the planner's and the apply's inputs as the CLI passes them.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ops/rollback/rollback.h"
#include "ops/rollback/rollback_plan.h"
#include "ops/testing/sqlite_testlib.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark::rollback_testing {

using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

inline Value Int(int64_t v) { return Value::Integer(v); }
inline Value Text(std::string s) { return Value::Text(std::move(s)); }

inline const TablePlan* FindPlan(const RollbackPlan& plan, const std::string& table) {
  for (const TablePlan& t : plan.tables) {
    if (t.schema.name == table) return &t;
  }
  return nullptr;
}

inline std::vector<std::string> TableOrder(const RollbackPlan& plan) {
  std::vector<std::string> out;
  for (const TablePlan& t : plan.tables) out.push_back(t.schema.name);
  return out;
}

// One live database "app.db" and a repository in memory.
class RollbackTest : public ::testing::Test {
 public:
  const std::string& path() const { return path_; }

  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    path_ = dir_.path() + "/app.db";
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
  }

  void Sql(const std::string& sql) { TestDb(path_).Exec(sql); }
  Rows Query(const std::string& sql) { return TestDb(path_).Rows(sql); }

  // Backs the live file up; the snapshot becomes the newest one.
  SnapshotInfo Backup() {
    auto b = repo_->Backup(path_);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return {};
    newest_ = SnapshotInfo{b->snapshot, b->manifest};
    return newest_;
  }

  // What the CLI passes, for the newest snapshot only.
  PlanInputs Inputs(LiveView* live, NodeCache* cache) {
    PlanInputs in;
    in.live = live;
    in.cache = cache;
    in.repo = repo_->repo();
    in.newest = &newest_;
    return in;
  }

  Result<RollbackPlan> Plan(const SnapshotInfo& target, const RollbackScope& scope = {}) {
    TM_ASSIGN_OR_RETURN(LiveView live, OpenLiveView(SqliteSourceRef(path_)));
    auto store = repo_->OpenStore();
    NodeCache cache(store.get());
    PlanInputs in = Inputs(&live, &cache);
    return PlanRollback(in, target, scope);
  }

  Result<RollbackPlan> Revert(const SnapshotInfo& a, const SnapshotInfo& b,
                              RevertPreference prefer) {
    TM_ASSIGN_OR_RETURN(LiveView live, OpenLiveView(SqliteSourceRef(path_)));
    auto store = repo_->OpenStore();
    NodeCache cache(store.get());
    PlanInputs in = Inputs(&live, &cache);
    return PlanRevert(in, a, b, RollbackScope{}, prefer);
  }

  Result<ApplyResult> Apply(const RollbackPlan& plan) {
    repo_->clock()->Advance(60'000'000);
    auto store = repo_->OpenStore();
    BackupOptions safety;
    safety.source = SqliteSourceRef(path_);
    safety.name = "app";
    safety.tags = {"pre-rollback"};
    safety.host = "testhost";
    safety.tool_version = "test";
    ApplyOptions opts;
    opts.lock_timeout_ms = 2000;
    return ApplyPlan(plan, repo_->repo(), store.get(), safety, opts);
  }

 protected:
  ScopedTempDir dir_;
  std::string path_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  SnapshotInfo newest_;
};

// Naming a virtual table brings its internal tables, by the connector's
// owner rule: those of "docs", never those of "docs_x" (whose names also

}  // namespace tidemark::rollback_testing
