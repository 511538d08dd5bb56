// Revert (with conflicts, by key), the records a re-created parent brings
// back, resolving an interrupted apply, the post snapshot, and the rollback
// use case with its ledger steps, against real SQLite files and an in-memory
// repository (fixture: rollback_fixture_testlib.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "ops/rollback/rollback.h"
#include "ops/rollback/rollback_fixture_testlib.h"
#include "ops/rollback/rollback_plan.h"
#include "ops/rollback/rollback_run.h"
#include "ops/testing/sqlite_testlib.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

using namespace rollback_testing;
using ::testing::HasSubstr;

class RevertTest : public RollbackTest {
 protected:
  void SetUp() override {
    RollbackTest::SetUp();
    Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
        "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');");
    a_ = Backup();
    Sql("UPDATE t SET v = 'A' WHERE id = 1; DELETE FROM t WHERE id = 2;"
        "INSERT INTO t VALUES (4, 'd');");
    b_ = Backup();
  }

  SnapshotInfo a_, b_;
  const Rows rows_a_ = {{"1", "a"}, {"2", "b"}, {"3", "c"}};
};

TEST_F(RevertTest, LiveEqualsBIsReverted) {
  Sql("UPDATE t SET v = 'later' WHERE id = 3;");  // not in A..B: kept
  Backup();
  auto plan = Revert(a_, b_, RevertPreference::kNone);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->conflicts.empty());
  const TablePlan* t = FindPlan(*plan, "t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->updates, 1u);
  EXPECT_EQ(t->inserts, 1u);
  EXPECT_EQ(t->deletes, 1u);
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"),
            (Rows{{"1", "a"}, {"2", "b"}, {"3", "later"}}));
}

TEST_F(RevertTest, LiveEqualsAHasNothingToDo) {
  Sql("UPDATE t SET v = 'a' WHERE id = 1; INSERT INTO t VALUES (2, 'b');"
      "DELETE FROM t WHERE id = 4;");
  Backup();
  auto plan = Revert(a_, b_, RevertPreference::kNone);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->TotalRows(), 0u);
  EXPECT_TRUE(plan->conflicts.empty());
  EXPECT_TRUE(plan->violations.empty());
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"), rows_a_);
}

// Live holds neither A's nor B's version of record 1: a conflict, left as
// it is by default and reverted with kRevert; the other records revert.
TEST_F(RevertTest, LiveIsNeitherAsNorBsIsAConflict) {
  Sql("UPDATE t SET v = 'Z' WHERE id = 1;");
  Backup();
  auto keep = Revert(a_, b_, RevertPreference::kNone);
  ASSERT_TRUE(keep.ok()) << keep.status().ToString();
  ASSERT_EQ(keep->conflicts.size(), 1u);
  EXPECT_EQ(keep->conflicts[0].key, std::vector<Value>{Int(1)});
  EXPECT_THAT(keep->conflicts[0].problem, HasSubstr("left as it is"));
  EXPECT_EQ(keep->TotalRows(), 2u);
  EXPECT_EQ(keep->RefusalReason(), "");

  auto revert = Revert(a_, b_, RevertPreference::kRevert);
  ASSERT_TRUE(revert.ok()) << revert.status().ToString();
  ASSERT_EQ(revert->conflicts.size(), 1u);
  EXPECT_THAT(revert->conflicts[0].problem, HasSubstr("reverted"));
  ASSERT_EQ(revert->TotalRows(), 3u);
  auto applied = Apply(*revert);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"), rows_a_);
}

// The stored record list tells a committed apply from one whose database
// went back to its pre-apply copy, and from neither.
TEST_F(RollbackTest, ResolveInterruptedTellsCommittedFromNotCommitted) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
      "INSERT INTO t VALUES (1, 'a'), (2, 'b');");
  const SnapshotInfo a = Backup();
  Sql("UPDATE t SET v = 'B' WHERE id = 2; INSERT INTO t VALUES (3, 'c');");
  Backup();
  auto plan = Plan(a);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->TotalRows(), 2u);
  const std::string pre = dir_.path() + "/pre.db";
  CopyFileOrFail(path_, pre);
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_FALSE(applied->plan_blob.IsZero());
  auto resolve = [&]() {
    auto store = repo_->OpenStore();
    auto r =
        ResolveInterrupted(store.get(), *repo_->repo(), applied->plan_blob, SqliteSourceRef(path_));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ApplyOutcome::kUnknown;
  };
  EXPECT_EQ(resolve(), ApplyOutcome::kCommitted);
  CopyFileOrFail(pre, path_);
  EXPECT_EQ(resolve(), ApplyOutcome::kNotCommitted);
  Sql("UPDATE t SET v = 'other' WHERE id = 2;");
  EXPECT_EQ(resolve(), ApplyOutcome::kUnknown);
  // Records outside the plan do not matter.
  Sql("UPDATE t SET v = 'B' WHERE id = 2; UPDATE t SET v = 'changed' WHERE id = 1;");
  EXPECT_EQ(resolve(), ApplyOutcome::kNotCommitted);
}

// Re-creating a deleted parent by key brings back the children its delete
// cascaded to (over two levels), the links it set NULL, and the children
// of a declared relation; with_children=false leaves them out.
TEST_F(RollbackTest, RecreatedParentBringsBackWhatItsDeleteTook) {
  Sql("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE orders(id INTEGER PRIMARY KEY,"
      "  customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE);"
      "CREATE TABLE items(order_id INTEGER REFERENCES orders(id) ON DELETE CASCADE,"
      "  line INTEGER, PRIMARY KEY(order_id, line)) WITHOUT ROWID;"
      "CREATE TABLE tickets(id INTEGER PRIMARY KEY,"
      "  customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL, body TEXT);"
      "CREATE TABLE notes(id INTEGER PRIMARY KEY, customer INTEGER);"
      "INSERT INTO customers VALUES (42, 'a'), (7, 'b');"
      "INSERT INTO orders VALUES (1, 42), (2, 42), (3, 7);"
      "INSERT INTO items VALUES (1, 1), (1, 2), (3, 1);"
      "INSERT INTO tickets VALUES (5, 42, 'x'), (6, 7, 'y');"
      "INSERT INTO notes VALUES (9, 42);");
  const SnapshotInfo a = Backup();
  Sql("PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id = 42;"
      "DELETE FROM notes WHERE customer = 42;");
  Backup();
  RollbackScope scope{{"customers"}, {"42"}};
  auto plan_with = [&]() -> Result<RollbackPlan> {
    TM_ASSIGN_OR_RETURN(LiveView live, OpenLiveView(SqliteSourceRef(path_)));
    auto store = repo_->OpenStore();
    NodeCache cache(store.get());
    PlanInputs in = Inputs(&live, &cache);
    in.declared = DeclaredRelations({{"notes", "customer", "customers", "id"}});
    return PlanRollback(in, a, scope);
  };
  auto plan = plan_with();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::map<std::string, std::vector<std::string>> got;
  for (const TablePlan& t : plan->tables) {
    for (const PlannedRow& r : t.rows) {
      got[t.schema.name].push_back(std::string(PlanOpName(r.op)) + " " +
                                   KeyToDisplay(r.key_values) + ": " + r.related);
    }
  }
  EXPECT_EQ(got["customers"], (std::vector<std::string>{"insert 42: "}));
  EXPECT_EQ(got["orders"],
            (std::vector<std::string>{"insert 1: deleted with customers 42 by ON DELETE CASCADE",
                                      "insert 2: deleted with customers 42 by ON DELETE CASCADE"}));
  EXPECT_EQ(got["items"],
            (std::vector<std::string>{"insert [1,1]: deleted with orders 1 by ON DELETE CASCADE",
                                      "insert [1,2]: deleted with orders 1 by ON DELETE CASCADE"}));
  EXPECT_EQ(
      got["tickets"],
      (std::vector<std::string>{"update 5: link to customers 42 cleared by ON DELETE SET NULL"}));
  EXPECT_EQ(got["notes"], (std::vector<std::string>{"insert 9: deleted with customers 42"}));
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM items"), (Rows{{"3"}}));
  EXPECT_EQ(Query("SELECT customer_id FROM tickets WHERE id = 5"), (Rows{{"42"}}));

  scope.with_children = false;
  Sql("DELETE FROM customers WHERE id = 42;");  // foreign keys off: nothing cascades
  auto only = plan_with();
  ASSERT_TRUE(only.ok()) << only.status().ToString();
  EXPECT_EQ(TableOrder(*only), (std::vector<std::string>{"customers"}));
}

// A parent brought back for a child does not bring back its other children.
TEST_F(RollbackTest, ParentBroughtForAChildBringsNoSiblings) {
  Sql("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE orders(id INTEGER PRIMARY KEY,"
      "  customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE);"
      "INSERT INTO customers VALUES (42, 'a');"
      "INSERT INTO orders VALUES (1, 42), (2, 42);");
  const SnapshotInfo a = Backup();
  Sql("PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id = 42;");
  Backup();
  auto plan = Plan(a, {{"orders"}, {"1"}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_NE(FindPlan(*plan, "orders"), nullptr);
  EXPECT_EQ(FindPlan(*plan, "orders")->rows.size(), 1u);
  EXPECT_EQ(FindPlan(*plan, "customers")->rows.size(), 1u);
}

// A key that neither the snapshot nor live holds is an error, not "nothing
// to do"; a composite key parses from its JSON array.
TEST_F(RollbackTest, UnknownKeyIsAnErrorAndCompositeKeysParse) {
  Sql("CREATE TABLE j(a INTEGER, b INTEGER, v TEXT, PRIMARY KEY(a, b));"
      "INSERT INTO j VALUES (2, 1, 'x');");
  const SnapshotInfo a = Backup();
  Sql("UPDATE j SET v = 'y';");
  Backup();
  auto plan = Plan(a, {{"j"}, {"[2,1]"}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->TotalRows(), 1u);
  auto missing = Plan(a, {{"j"}, {"[9,9]"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no record j [9,9] in the snapshot or live"));
}

// revert with keys: only those records; an unknown key is an error.
TEST_F(RollbackTest, RevertByKey) {
  Sql("CREATE TABLE views(id TEXT PRIMARY KEY, title TEXT);"
      "INSERT INTO views VALUES ('a', 'A'), ('b', 'B');");
  const SnapshotInfo a = Backup();
  Sql("UPDATE views SET title = 'broken';");
  const SnapshotInfo b = Backup();
  auto live = OpenLiveView(SqliteSourceRef(path_));
  ASSERT_TRUE(live.ok());
  auto store = repo_->OpenStore();
  NodeCache cache(store.get());
  PlanInputs in = Inputs(&*live, &cache);
  auto plan = PlanRevert(in, a, b, RollbackScope{{"views"}, {"a"}}, RevertPreference::kNone);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->TotalRows(), 1u);
  EXPECT_EQ(KeyToDisplay(plan->tables[0].rows[0].key_values), "a");
  auto missing = PlanRevert(in, a, b, RollbackScope{{"views"}, {"zz"}}, RevertPreference::kNone);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no record views zz"));
  auto no_table = PlanRevert(in, a, b, RollbackScope{{}, {"a"}}, RevertPreference::kNone);
  EXPECT_FALSE(no_table.ok());
}

// After COMMIT the post snapshot holds the repaired state and keeps the
// catalog labels.
TEST_F(RollbackTest, PostSnapshotHoldsTheRepairedState) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');");
  const SnapshotInfo a = Backup();
  Sql("UPDATE t SET v = 'b';");
  Backup();
  auto plan = Plan(a);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  BackupOptions safety = ApplySnapshotOptions(*plan, SqliteSourceRef(path_), /*pre=*/true, 7,
                                              {{"sensitivity", "restricted"}});
  BackupOptions post = ApplySnapshotOptions(*plan, SqliteSourceRef(path_), /*pre=*/false, 7,
                                            {{"sensitivity", "restricted"}});
  for (BackupOptions* o : {&safety, &post}) o->host = "testhost";
  std::vector<std::string> steps;
  ApplyOptions opts;
  opts.post = &post;
  opts.on_step = [&](const std::string& s, const std::string&) {
    steps.push_back(s);
    return Status::OK();
  };
  repo_->clock()->Advance(60'000'000);
  auto store = repo_->OpenStore();
  auto applied = ApplyPlan(*plan, repo_->repo(), store.get(), safety, opts);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(steps, (std::vector<std::string>{"safety-snapshot", "committing", "post-snapshot"}));
  ASSERT_FALSE(applied->post_snapshot.IsZero());
  EXPECT_TRUE(applied->post_error.empty());
  const Manifest* m = nullptr;
  const std::vector<SnapshotInfo> all = repo_->Snapshots("app");
  for (const SnapshotInfo& s : all) {
    if (s.id == applied->post_snapshot) m = &s.manifest;
  }
  ASSERT_NE(m, nullptr);
  using Labels = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(m->labels, (Labels{{"applied-by", "rollback 7"},
                               {"purpose", "post-rollback"},
                               {"sensitivity", "restricted"}}));
  EXPECT_EQ(m->tags, (std::vector<std::string>{"post-rollback"}));
  EXPECT_EQ(safety.labels, (Labels{{"sensitivity", "restricted"}, {"purpose", "pre-rollback"}}));
}

// The use case without the CLI: the session plans over the live source,
// refuses with a ledger entry, and applies with every ledger step in order,
// the post snapshot naming the "started" entry.
TEST_F(RollbackTest, SessionRecordsEveryStepOfAnApply) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
      "INSERT INTO t VALUES (1, 'a'), (2, 'b');");
  const SnapshotInfo a = Backup();
  Sql("UPDATE t SET v = 'B' WHERE id = 2; DELETE FROM t WHERE id = 1;");
  Backup();
  repo_->clock()->Advance(60'000'000);
  auto store = repo_->OpenStore();
  NodeCache cache(store.get());
  auto snapshots = LoadSnapshots(*repo_->repo(), "app");
  ASSERT_TRUE(snapshots.ok()) << snapshots.status().ToString();
  std::vector<std::string> steps;
  RollbackSession s;
  s.repo = repo_->repo();
  s.store = store.get();
  s.cache = &cache;
  s.snapshots = &*snapshots;
  s.source = "app";
  s.live = SqliteSourceRef(path_);
  s.tool_version = "test";
  s.record = [&](const std::string& action, const std::string& outcome,
                 std::vector<std::string> targets, std::vector<std::pair<std::string, int64_t>>,
                 const std::string&) {
    EXPECT_EQ(action, "rollback");
    EXPECT_FALSE(targets.empty());
    steps.push_back(outcome);
    return Status::OK();
  };
  std::string note;
  ASSERT_TRUE(ResolvePendingApply(s, &note).ok());
  EXPECT_EQ(note, "");  // nothing pending: no entry recorded
  EXPECT_TRUE(steps.empty());

  auto plan = PlanRollbackOf(s, a, RollbackScope{});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->TotalRows(), 2u);
  EXPECT_EQ(PlanTargets(*plan), (std::vector<std::string>{"source app", "target " + a.id.Hex()}));
  ASSERT_TRUE(PredictViolations(s, &*plan, ApplyOptions{}).ok());
  EXPECT_TRUE(plan->violations.empty());

  RollbackPlan refused = *plan;
  refused.schema_issues.push_back("table t is defined differently");
  Status r = RefusePlan(s, refused);
  EXPECT_TRUE(r.IsRefused()) << r.ToString();
  EXPECT_THAT(r.message(), HasSubstr("rollback refused: 1 table(s) differ"));
  EXPECT_EQ(steps, (std::vector<std::string>{"refused"}));
  steps.clear();

  auto done = ApplyRecorded(s, *plan, ApplyOptions{});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->applied.committed);
  EXPECT_FALSE(done->applied.safety_snapshot.IsZero());
  EXPECT_FALSE(done->applied.post_snapshot.IsZero());
  EXPECT_EQ(steps, (std::vector<std::string>{"started", "safety-snapshot", "committing",
                                             "post-snapshot", "ok"}));
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"), (Rows{{"1", "a"}, {"2", "b"}}));
}

}  // namespace
}  // namespace tidemark
