// Rollback and revert against real SQLite files and an in-memory
// repository: edge cases of the planner (foreign key actions, parents
// brought back over several levels, schema changes, key scopes, reverts
// with conflicts) and of the apply (large values, the guard against
// records changed after planning, resolving an interrupted apply). The
// end-to-end scenarios are in tests/rollback_cli_test.sh.
#include "ops/rollback/rollback.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

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

using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

Value Int(int64_t v) { return Value::Integer(v); }
Value Text(std::string s) { return Value::Text(std::move(s)); }

const TablePlan* FindPlan(const RollbackPlan& plan, const std::string& table) {
  for (const TablePlan& t : plan.tables) {
    if (t.schema.name == table) return &t;
  }
  return nullptr;
}

std::vector<std::string> TableOrder(const RollbackPlan& plan) {
  std::vector<std::string> out;
  for (const TablePlan& t : plan.tables) out.push_back(t.schema.name);
  return out;
}

// One live database "app.db" and a repository in memory.
class RollbackTest : public ::testing::Test {
 protected:
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

  ScopedTempDir dir_;
  std::string path_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  SnapshotInfo newest_;
};

// Naming a virtual table brings its internal tables, by the connector's
// owner rule: those of "docs", never those of "docs_x" (whose names also
// start with "docs_").
TEST_F(RollbackTest, VirtualTableScopeBringsOnlyItsOwnInternalTables) {
  Sql("CREATE VIRTUAL TABLE docs USING fts5(body);"
      "CREATE VIRTUAL TABLE docs_x USING fts5(body);"
      "INSERT INTO docs VALUES ('one');");
  const SnapshotInfo a = Backup();
  Sql("INSERT INTO docs VALUES ('two'); INSERT INTO docs_x VALUES ('other');");
  Backup();
  auto plan = Plan(a, {{"docs"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_FALSE(plan->tables.empty());
  for (const TablePlan& t : plan->tables) {
    EXPECT_EQ(t.schema.name.rfind("docs_x", 0), std::string::npos) << t.schema.name;
    EXPECT_EQ(t.schema.name.rfind("docs_", 0), 0u) << t.schema.name;
  }
}

// Deleting a parent sets its children's key to NULL, as the key says: the
// children are in the plan as related updates, and applied.
TEST_F(RollbackTest, SetNullChildrenBecomeRelatedUpdates) {
  Sql("CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE child(id INTEGER PRIMARY KEY,"
      "  parent_id INTEGER REFERENCES parent(id) ON DELETE SET NULL, note TEXT);"
      "INSERT INTO parent VALUES (1, 'one');"
      "INSERT INTO child VALUES (10, 1, 'keeps its parent');");
  const SnapshotInfo a = Backup();
  Sql("INSERT INTO parent VALUES (2, 'two');"
      "INSERT INTO child VALUES (11, 2, 'x'), (12, 2, 'y');");
  Backup();
  auto plan = Plan(a, {{"parent"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(TableOrder(*plan), (std::vector<std::string>{"parent", "child"}));
  const TablePlan* parent = FindPlan(*plan, "parent");
  const TablePlan* child = FindPlan(*plan, "child");
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(parent->deletes, 1u);
  EXPECT_EQ(parent->related, 0u);
  EXPECT_EQ(child->updates, 2u);
  EXPECT_EQ(child->related, 2u);
  ASSERT_EQ(child->rows.size(), 2u);
  for (const PlannedRow& r : child->rows) {
    EXPECT_EQ(r.op, PlanOp::kUpdate);
    EXPECT_EQ(r.related, "ON DELETE SET NULL from parent 2");
    ASSERT_TRUE(r.before && r.after);
    EXPECT_EQ((*r.before)[1], Int(2));
    EXPECT_TRUE((*r.after)[1].is_null());
    EXPECT_EQ((*r.after)[2], (*r.before)[2]);
  }
  EXPECT_TRUE(plan->violations.empty());
  ASSERT_EQ(plan->RefusalReason(), "");

  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(applied->committed);
  EXPECT_EQ(applied->rows, 3u);
  EXPECT_EQ(Query("SELECT id, name FROM parent ORDER BY id"), (Rows{{"1", "one"}}));
  EXPECT_EQ(Query("SELECT id, parent_id, note FROM child ORDER BY id"),
            (Rows{{"10", "1", "keeps its parent"}, {"11", kSqlNull, "x"}, {"12", kSqlNull, "y"}}));
  EXPECT_EQ(Query("PRAGMA foreign_key_check"), Rows{});
}

// A live child that restricts the deletion of its parent is a violation
// naming the child and the action; the apply is refused and writes nothing.
TEST_F(RollbackTest, RestrictAndNoActionChildrenAreViolations) {
  Sql("CREATE TABLE parent(id INTEGER PRIMARY KEY);"
      "CREATE TABLE r_child(id INTEGER PRIMARY KEY,"
      "  pid INTEGER REFERENCES parent(id) ON DELETE RESTRICT);"
      "CREATE TABLE n_child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id));"
      "INSERT INTO parent VALUES (1);");
  const SnapshotInfo a = Backup();
  Sql("INSERT INTO parent VALUES (2); INSERT INTO r_child VALUES (5, 2);"
      "INSERT INTO n_child VALUES (6, 2), (7, 1);");
  Backup();
  auto plan = Plan(a, {{"parent"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->violations.size(), 2u);
  std::map<std::string, PlanIssue> by_table;
  for (const PlanIssue& v : plan->violations) by_table[v.table] = v;
  ASSERT_EQ(by_table.count("r_child"), 1u);
  ASSERT_EQ(by_table.count("n_child"), 1u);
  EXPECT_EQ(by_table["r_child"].key, std::vector<Value>{Int(5)});
  EXPECT_THAT(by_table["r_child"].problem, HasSubstr("parent 2"));
  EXPECT_THAT(by_table["r_child"].problem, HasSubstr("ON DELETE RESTRICT"));
  EXPECT_EQ(by_table["n_child"].key, std::vector<Value>{Int(6)});
  EXPECT_THAT(by_table["n_child"].problem, HasSubstr("ON DELETE NO ACTION"));
  EXPECT_EQ(FindPlan(*plan, "r_child"), nullptr);
  EXPECT_EQ(FindPlan(*plan, "n_child"), nullptr);
  EXPECT_THAT(plan->RefusalReason(), HasSubstr("2 constraint(s)"));

  const std::string before = DumpDatabase(path_);
  auto applied = Apply(*plan);
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE(applied.status().IsRefused()) << applied.status().ToString();
  EXPECT_EQ(DumpDatabase(path_), before);
}

// Restoring items whose order and customer were deleted brings both back
// as related records, parents first, and the database is as it was.
TEST_F(RollbackTest, MissingParentsComeBackRecursively) {
  Sql("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE orders(id INTEGER PRIMARY KEY,"
      "  customer_id INTEGER NOT NULL REFERENCES customers(id), total REAL);"
      "CREATE TABLE items(id INTEGER PRIMARY KEY,"
      "  order_id INTEGER NOT NULL REFERENCES orders(id), sku TEXT);"
      "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Bob');"
      "INSERT INTO orders VALUES (10, 1, 9.5), (11, 2, 3);"
      "INSERT INTO items VALUES (100, 10, 'a'), (101, 10, 'b'), (102, 11, 'c');");
  const std::string dump_a = DumpDatabase(path_);
  const SnapshotInfo a = Backup();
  Sql("DELETE FROM items WHERE order_id = 10; DELETE FROM orders WHERE id = 10;"
      "DELETE FROM customers WHERE id = 1;");
  Backup();
  auto plan = Plan(a, {{"items"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(TableOrder(*plan), (std::vector<std::string>{"customers", "orders", "items"}));
  const TablePlan* customers = FindPlan(*plan, "customers");
  const TablePlan* orders = FindPlan(*plan, "orders");
  const TablePlan* items = FindPlan(*plan, "items");
  ASSERT_TRUE(customers && orders && items);
  EXPECT_EQ(items->inserts, 2u);
  EXPECT_EQ(items->related, 0u);
  ASSERT_EQ(orders->rows.size(), 1u);
  EXPECT_EQ(orders->rows[0].op, PlanOp::kInsert);
  EXPECT_EQ(orders->rows[0].key_values, std::vector<Value>{Int(10)});
  EXPECT_THAT(orders->rows[0].related, HasSubstr("parent of items 10"));
  ASSERT_EQ(customers->rows.size(), 1u);
  EXPECT_EQ(customers->rows[0].key_values, std::vector<Value>{Int(1)});
  EXPECT_EQ(customers->rows[0].related, "parent of orders 10");
  EXPECT_TRUE(plan->violations.empty());

  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->rows, 4u);
  EXPECT_EQ(DumpDatabase(path_), dump_a);
}

// The same through a foreign key that names the parent's key column in
// another case (SQLite matches column names ignoring case).
// Regression: was a bug found by this test (fixed with it).
TEST_F(RollbackTest, MissingParentFoundThroughKeyNamedInAnotherCase) {
  Sql("CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL);"
      "CREATE TABLE items(id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(ID));"
      "INSERT INTO orders VALUES (10, 9.5); INSERT INTO items VALUES (100, 10);");
  const std::string dump_a = DumpDatabase(path_);
  const SnapshotInfo a = Backup();
  Sql("DELETE FROM items; DELETE FROM orders;");
  Backup();
  auto plan = Plan(a, {{"items"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->violations.empty())
      << plan->violations.size() << " violation(s), first: " << plan->violations[0].problem;
  const TablePlan* orders = FindPlan(*plan, "orders");
  ASSERT_NE(orders, nullptr);
  ASSERT_EQ(orders->rows.size(), 1u);
  EXPECT_EQ(orders->rows[0].related, "parent of items 100");
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(DumpDatabase(path_), dump_a);
}

// The same through a foreign key that names the parent table in another
// case (REFERENCES Orders for table orders; SQLite matches table names
// ignoring case and enforces this key).
// Regression: was a bug found by this test (fixed with it).
TEST_F(RollbackTest, MissingParentFoundThroughTableNamedInAnotherCase) {
  Sql("CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL);"
      "CREATE TABLE items(id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES Orders(id));"
      "INSERT INTO orders VALUES (10, 9.5); INSERT INTO items VALUES (100, 10);");
  const std::string dump_a = DumpDatabase(path_);
  const SnapshotInfo a = Backup();
  Sql("DELETE FROM items; DELETE FROM orders;");
  Backup();
  auto plan = Plan(a, {{"items"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const TablePlan* orders = FindPlan(*plan, "orders");
  EXPECT_TRUE(orders != nullptr && orders->rows.size() == 1u)
      << plan->violations.size() << " violation(s)";
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("PRAGMA foreign_key_check"), Rows{});
  EXPECT_EQ(DumpDatabase(path_), dump_a);
}

// A NULL in a parent's UNIQUE column is referred to by no child (a NULL
// foreign key refers to nothing), so deleting that parent needs nothing.
// Regression: was a bug found by this test (fixed with it).
TEST_F(RollbackTest, DeletedParentWithNullCodeHasNoChildren) {
  Sql("CREATE TABLE parent(id INTEGER PRIMARY KEY, code TEXT UNIQUE);"
      "CREATE TABLE child(id INTEGER PRIMARY KEY, code TEXT REFERENCES parent(code));"
      "INSERT INTO parent VALUES (1, 'A');"
      "INSERT INTO child VALUES (10, 'A'), (11, NULL);");
  const std::string dump_a = DumpDatabase(path_);
  const SnapshotInfo a = Backup();
  Sql("INSERT INTO parent VALUES (2, NULL);");
  Backup();
  auto plan = Plan(a, {{"parent"}, {}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->violations.empty())
      << plan->violations.size() << " violation(s), first: " << plan->violations[0].problem;
  EXPECT_EQ(plan->TotalRows(), 1u);
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(DumpDatabase(path_), dump_a);
}

// A table whose key changed live cannot be rolled back: a schema issue
// naming the keys, no rows for it, and the plan is refused.
TEST_F(RollbackTest, ChangedKeyGivesASchemaIssueAndNoRows) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
      "CREATE TABLE u(id INTEGER PRIMARY KEY, w TEXT);"
      "INSERT INTO t VALUES (1, 'a'); INSERT INTO u VALUES (1, 'a');");
  const SnapshotInfo a = Backup();
  Sql("CREATE TABLE t2(id INTEGER, v TEXT PRIMARY KEY); INSERT INTO t2 SELECT id, 'b' FROM t;"
      "DROP TABLE t; ALTER TABLE t2 RENAME TO t; UPDATE u SET w = 'b';");
  Backup();
  auto plan = Plan(a);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->schema_issues.size(), 1u);
  EXPECT_THAT(plan->schema_issues[0], HasSubstr("table t is defined differently"));
  EXPECT_THAT(plan->schema_issues[0], HasSubstr("key (id) is now (v)"));
  EXPECT_EQ(FindPlan(*plan, "t"), nullptr);
  const TablePlan* u = FindPlan(*plan, "u");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->updates, 1u);
  EXPECT_EQ(plan->TotalRows(), 1u);
  EXPECT_THAT(plan->RefusalReason(), HasSubstr("differ in their definition"));

  const std::string before = DumpDatabase(path_);
  auto applied = Apply(*plan);
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE(applied.status().IsRefused()) << applied.status().ToString();
  EXPECT_EQ(DumpDatabase(path_), before);
}

// Columns added and dropped live (same key) are mapped by name: a column
// only live keeps its value in updated records and is NULL in re-created
// ones; a column only in the snapshot is named in a note.
TEST_F(RollbackTest, ChangedColumnsAreMappedByName) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, gone TEXT, v TEXT);"
      "INSERT INTO t VALUES (1, 'g1', 'a'), (2, 'g2', 'b'), (3, 'g3', 'c');");
  const SnapshotInfo a = Backup();
  Sql("ALTER TABLE t DROP COLUMN gone; ALTER TABLE t ADD COLUMN extra INTEGER;"
      "UPDATE t SET v = 'B', extra = 5 WHERE id = 2; UPDATE t SET extra = 6 WHERE id = 3;"
      "DELETE FROM t WHERE id = 1;");
  Backup();
  auto plan = Plan(a);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->schema_issues.empty());
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_THAT(plan->notes[0], HasSubstr("mapped by name"));
  EXPECT_THAT(plan->notes[0], HasSubstr("gone is not in the live table"));
  EXPECT_THAT(plan->notes[0], HasSubstr("extra is only live"));
  const TablePlan* t = FindPlan(*plan, "t");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 2u);  // record 3 differs only in columns that do not map
  EXPECT_EQ(t->rows[0].op, PlanOp::kInsert);
  EXPECT_EQ(t->rows[0].after, (Record{Int(1), Text("a"), Value::Null()}));
  EXPECT_EQ(t->rows[1].op, PlanOp::kUpdate);
  EXPECT_EQ(t->rows[1].after, (Record{Int(2), Text("b"), Int(5)}));
  ASSERT_EQ(plan->RefusalReason(), "");

  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("SELECT id, v, extra FROM t ORDER BY id"),
            (Rows{{"1", "a", kSqlNull}, {"2", "b", "5"}, {"3", "c", "6"}}));
}

// --key: a key only in the snapshot is inserted, a key only live deleted;
// unchanged and unknown keys plan nothing, and other records stay.
TEST_F(RollbackTest, KeyScopeInsertsAndDeletes) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
      "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');");
  const SnapshotInfo a = Backup();
  Sql("DELETE FROM t WHERE id = 2; INSERT INTO t VALUES (4, 'd');"
      "UPDATE t SET v = 'C' WHERE id = 3;");
  Backup();
  // (A key held nowhere is an error: UnknownKeyIsAnErrorAndCompositeKeysParse.)
  auto plan = Plan(a, {{"t"}, {"2", "4", "1"}});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const TablePlan* t = FindPlan(*plan, "t");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].op, PlanOp::kInsert);
  EXPECT_EQ(t->rows[0].key_values, std::vector<Value>{Int(2)});
  EXPECT_EQ(t->rows[0].after, (Record{Int(2), Text("b")}));
  EXPECT_EQ(t->rows[1].op, PlanOp::kDelete);
  EXPECT_EQ(t->rows[1].key_values, std::vector<Value>{Int(4)});
  EXPECT_EQ(t->rows[1].before, (Record{Int(4), Text("d")}));
  EXPECT_EQ(t->inserts + t->deletes + t->updates, 2u);

  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"), (Rows{{"1", "a"}, {"2", "b"}, {"3", "C"}}));

  // --key needs exactly one table.
  auto bad = Plan(a, {{}, {"2"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
}

// A record deleted and its UNIQUE value taken by a new record: restoring
// only the old key is predicted to fail (TrialApply, nothing written); the
// whole table succeeds because deletes run before inserts.
TEST_F(RollbackTest, UniqueValueTakenByANewRecord) {
  Sql("CREATE TABLE c(id INTEGER PRIMARY KEY, email TEXT UNIQUE);"
      "INSERT INTO c VALUES (1, 'x@');");
  const SnapshotInfo a = Backup();
  Sql("DELETE FROM c; INSERT INTO c VALUES (2, 'x@');");
  Backup();
  auto one = Plan(a, {{"c"}, {"1"}});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->TotalRows(), 1u);
  const std::string before = DumpDatabase(path_);
  auto store = repo_->OpenStore();
  auto trial = TrialApply(*one, store.get(), *repo_->repo(), ApplyOptions{});
  ASSERT_TRUE(trial.ok()) << trial.status().ToString();
  ASSERT_EQ(trial->violations.size(), 1u);
  EXPECT_EQ(trial->violations[0].table, "c");
  EXPECT_EQ(trial->violations[0].key, std::vector<Value>{Int(1)});
  EXPECT_THAT(trial->violations[0].problem, HasSubstr("UNIQUE"));
  EXPECT_FALSE(trial->committed);
  EXPECT_EQ(DumpDatabase(path_), before);

  auto all = Plan(a, {{"c"}, {}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  auto applied = Apply(*all);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(Query("SELECT id, email FROM c"), (Rows{{"1", "x@"}}));
}

// Values over 32 KiB stay references in the plan and are resolved when
// written: the database comes back byte for byte.
TEST_F(RollbackTest, LargeValuesRoundTrip) {
  Sql("CREATE TABLE big(id INTEGER PRIMARY KEY, body TEXT, data BLOB);"
      "INSERT INTO big VALUES (1, hex(randomblob(20480)), randomblob(100000)),"
      "  (2, printf('%.*c', 33000, 'x') || 'end', X'');");
  const std::string dump_a = DumpDatabase(path_);
  const SnapshotInfo a = Backup();
  Sql("UPDATE big SET body = 'short' WHERE id = 1; DELETE FROM big WHERE id = 2;");
  Backup();
  auto plan = Plan(a);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const TablePlan* big = FindPlan(*plan, "big");
  ASSERT_NE(big, nullptr);
  ASSERT_EQ(big->rows.size(), 2u);
  EXPECT_EQ(big->updates, 1u);
  EXPECT_EQ(big->inserts, 1u);
  for (const PlannedRow& r : big->rows) {
    ASSERT_TRUE(r.after);
    EXPECT_TRUE((*r.after)[1].ref()) << "body of big " << KeyToDisplay(r.key_values);
  }
  auto applied = Apply(*plan);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(applied->committed);
  EXPECT_EQ(applied->verified_digest, applied->expected_digest);
  EXPECT_EQ(DumpDatabase(path_), dump_a);
}

// The app changes a planned record between planning and applying: the
// guard refuses, the records written before it are rolled back, and live
// is exactly as the app left it.
TEST_F(RollbackTest, GuardRefusesARecordChangedAfterPlanning) {
  Sql("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
      "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');");
  const SnapshotInfo a = Backup();
  Sql("UPDATE t SET v = upper(v);");
  Backup();
  auto plan = Plan(a);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->TotalRows(), 3u);
  Sql("UPDATE t SET v = 'app' WHERE id = 2;");
  const std::string before = DumpDatabase(path_);
  auto applied = Apply(*plan);
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE(applied.status().IsRefused()) << applied.status().ToString();
  EXPECT_THAT(applied.status().message(), HasSubstr("t 2 changed after the plan"));
  EXPECT_EQ(DumpDatabase(path_), before);
  EXPECT_EQ(Query("SELECT v FROM t ORDER BY id"), (Rows{{"A"}, {"app"}, {"C"}}));

  // A record the plan deletes that the app already deleted: refused too.
  Sql("INSERT INTO t VALUES (4, 'd');");
  Backup();
  auto plan2 = Plan(a, {{"t"}, {"4"}});
  ASSERT_TRUE(plan2.ok()) << plan2.status().ToString();
  ASSERT_EQ(plan2->TotalRows(), 1u);
  Sql("DELETE FROM t WHERE id = 4;");
  auto applied2 = Apply(*plan2);
  ASSERT_FALSE(applied2.ok());
  EXPECT_TRUE(applied2.status().IsRefused()) << applied2.status().ToString();
}

// revert A..B, where B changed one record, deleted one and inserted one.
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

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

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

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

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
