#include "ops/drill/drill.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "ledger/ledger.h"
#include "ops/drill/drill_run.h"
#include "ops/drill/drill_store.h"
#include "ops/testing/sqlite_testlib.h"
#include "sources/builtin/builtin.h"
#include "sources/live_target.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class DrillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    live_ = dir_.path() + "/shop.db";
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    TestDb db(live_);
    db.Exec(
        "CREATE TABLE customers(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT);"
        "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES "
        "customers(id), note TEXT);"
        "CREATE TABLE tags(order_ref INTEGER, label TEXT);"  // a relation without an FK
        "CREATE INDEX orders_by_customer ON orders(customer_id);"
        "CREATE VIEW big AS SELECT * FROM orders WHERE id > 5;");
    for (int i = 1; i <= 20; ++i) {
      db.Exec("INSERT INTO customers VALUES(" + std::to_string(i) + ", 'c" + std::to_string(i) +
              "@x', 'n')");
      db.Exec("INSERT INTO orders VALUES(" + std::to_string(i) + ", " + std::to_string(i) +
              ", 'o')");
      db.Exec("INSERT INTO tags VALUES(" + std::to_string(i) + ", 't')");
    }
    plan_.name = "p";
    plan_.source = "shop";
    plan_.scratch_dir = dir_.path();
    plan_.relations.push_back({"tags", "order_ref", "orders", "id"});
  }

  Result<DrillReport> Run() {
    auto store = repo_->OpenStore();
    DrillContext ctx;
    ctx.store = store.get();
    ctx.repo = repo_->repo();
    ctx.snapshots = repo_->Snapshots();
    ctx.history = history_;
    ctx.now_us = repo_->clock()->NowMicros();
    ctx.source = source_;
    ctx.connectors = connectors_;
    auto r = RunDrill(plan_, ctx);
    if (r.ok()) history_.push_back(*r);
    return r;
  }

  // The failed checks as "kind name: detail".
  static std::vector<std::string> Failures(const DrillReport& r) {
    std::vector<std::string> out;
    for (const DrillCheck& c : r.checks) {
      if (c.outcome == CheckOutcome::kFail) out.push_back(c.kind + " " + c.name + ": " + c.detail);
    }
    return out;
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::string live_;
  DrillPlan plan_;
  DrillContext::Source source_;
  std::vector<DrillReport> history_;
  const ConnectorRegistry* connectors_ = &BuiltinConnectors();
};

// The built-in connector of `scheme` with a drill probe that answers no SQL,
// as a connector without SQL has: every check but the assertions runs.
class NoSqlProbe final : public SourceProbe {
 public:
  explicit NoSqlProbe(std::unique_ptr<SourceProbe> p) : p_(std::move(p)) {}
  CheckName integrity_check() const override { return p_->integrity_check(); }
  Result<std::vector<std::string>> IntegrityProblems(size_t max) override {
    return p_->IntegrityProblems(max);
  }
  CheckName reference_check() const override { return p_->reference_check(); }
  Status ForEachReferenceViolation(
      const std::function<void(const ReferenceViolation&)>& fn) override {
    return p_->ForEachReferenceViolation(fn);
  }
  Result<std::vector<SchemaObject>> SchemaObjects() override { return p_->SchemaObjects(); }
  bool Recreates(const SchemaObject& o) const override { return p_->Recreates(o); }
  bool KeyUniqueByConstruction(const TableSchema& t) const override {
    return p_->KeyUniqueByConstruction(t);
  }
  Result<Duplicates> FindDuplicates(const std::string& table,
                                    const std::vector<std::string>& columns, size_t max) override {
    return p_->FindDuplicates(table, columns, max);
  }
  Result<Orphans> FindOrphans(const Relation& rel, size_t max) override {
    return p_->FindOrphans(rel, max);
  }

 private:
  std::unique_ptr<SourceProbe> p_;
};

class NoSqlConnector final : public Connector {
 public:
  explicit NoSqlConnector(const Connector* c) : c_(c) {}
  std::string_view scheme() const override { return c_->scheme(); }
  std::string_view location_help() const override { return c_->location_help(); }
  std::string Canonical(const std::string& l) const override { return c_->Canonical(l); }
  Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& l,
                                                   int wait_ms) const override {
    return c_->OpenReader(l, wait_ms);
  }
  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& l, const SourceSchema& s, const RestoreTargetOptions& o) const override {
    return c_->CreateRestoreTarget(l, s, o);
  }
  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const override {
    return c_->OpenLookup(view);
  }
  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& l) const override {
    return c_->OpenLive(l);
  }
  Result<std::string> CreateScratch(const ScratchRequest& r) const override {
    return c_->CreateScratch(r);
  }
  Status DropScratch(const std::string& l) const override { return c_->DropScratch(l); }
  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& l) const override {
    TM_ASSIGN_OR_RETURN(auto p, c_->OpenProbe(l));
    return std::unique_ptr<SourceProbe>(new NoSqlProbe(std::move(p)));
  }
  const TableSchema* OwnerOf(const SourceSchema& s, const TableSchema& t) const override {
    return c_->OwnerOf(s, t);
  }
  std::string_view integrity_check_name() const override { return c_->integrity_check_name(); }
  std::string_view integrity_repair_hint() const override { return c_->integrity_repair_hint(); }

 private:
  const Connector* c_;
};

TEST_F(DrillTest, GoodBackupPassesEveryCheck) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.rto_us = 3600ull * 1000000;
  DrillAssertion a;
  a.name = "twenty";
  a.sql = "SELECT count(*) FROM customers";
  a.op = DrillAssertion::Op::kEq;
  a.a = 20;
  plan_.assertions.push_back(a);
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
  EXPECT_EQ(r->records_restored, 60u);
  EXPECT_EQ(r->tables.size(), 3u);
  EXPECT_FALSE(PathExists(r->target)) << "the scratch file must be removed";
  std::set<std::string> kinds;
  for (const DrillCheck& c : r->checks) kinds.insert(c.kind);
  for (const char* k :
       {"snapshot", "restore", "schema", "counts", "digest", "integrity", "foreign-keys",
        "relation", "uniqueness", "assertion", "baseline", "rto", "rpo"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
  EXPECT_EQ(r->rto_achieved_us, r->restore_us + r->checks_us);
}

TEST_F(DrillTest, NoSnapshotIsAFailedCheckNotAnError) {
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->passed());
  ASSERT_EQ(Failures(*r).size(), 1u);
  EXPECT_NE(Failures(*r)[0].find("has no snapshots"), std::string::npos);
}

TEST_F(DrillTest, DeclaredRelationFindsOrphans) {
  TestDb(live_).Exec("INSERT INTO tags VALUES(777, 'lost'); INSERT INTO tags VALUES(NULL, 'ok')");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  auto r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("relation tags.order_ref -> orders.id: 1 orphaned tags records"),
            std::string::npos)
      << f[0];
  EXPECT_NE(f[0].find("order_ref = 777"), std::string::npos);
}

TEST_F(DrillTest, PlanDeclaredUniqueKeyFindsDuplicates) {
  TestDb(live_).Exec("UPDATE customers SET name = 'same'");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.unique = {"customers.name"};
  auto r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("uniqueness customers(name): duplicate values"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("(same) x20"), std::string::npos) << f[0];
}

TEST_F(DrillTest, BaselineCatchesCountDropAndDroppedIndex) {
  plan_.baseline_min_rows = 5;  // 10 of 20 rows gone is past max(10%, 5 rows)
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  ASSERT_TRUE(Run()->passed());
  TestDb(live_).Exec("DELETE FROM tags WHERE order_ref > 10; DROP INDEX orders_by_customer");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  auto r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 2u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("baseline counts: outside max(10%, 5 rows) of run"), std::string::npos)
      << f[0];
  EXPECT_NE(f[0].find("tags 20 -> 10"), std::string::npos) << f[0];
  EXPECT_NE(f[1].find("index orders_by_customer (on orders)"), std::string::npos) << f[1];
  // The failed run is not a baseline: the next run still compares with the first.
  plan_.baseline_tolerance = 0.6;
  r = Run();
  ASSERT_TRUE(r.ok());
  f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("missing since run " + history_[0].run_id.substr(0, 8)), std::string::npos);
}

// Operator trial: one author added to a 3-row table failed the baseline.
// A change of at most max(10 %, 20 rows) passes by default.
TEST_F(DrillTest, BaselineLetsSmallTablesGrowWithinTheRowFloor) {
  TestDb(live_).Exec(
      "CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT);"
      "INSERT INTO authors(name) VALUES('a'), ('b'), ('c')");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  ASSERT_TRUE(Run()->passed());
  TestDb(live_).Exec("INSERT INTO authors(name) VALUES('d')");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
  bool said = false;
  for (const DrillCheck& c : r->checks) {
    if (c.kind == "baseline" && c.name == "counts") {
      said = c.detail.find("within max(10%, 20 rows)") != std::string::npos;
    }
  }
  EXPECT_TRUE(said);
  // Past the floor (4 -> 25 rows is 21 more) it fails, naming the rule.
  TestDb(live_).Exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 21) "
      "INSERT INTO authors(name) SELECT 'x' FROM n");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("outside max(10%, 20 rows) of run"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("authors 4 -> 25"), std::string::npos) << f[0];
}

// Operator trial: a relation naming a missing column passed backup and
// config check and failed only a drill, with a raw SQL error.
TEST(RelationProblemsTest, NamesTheRelationTheMissingColumnOrTableAndWhatToDo) {
  SourceSchema schema;
  TableSchema orders;
  orders.name = "Orders";
  orders.columns.resize(2);
  orders.columns[0].name = "id";
  orders.columns[1].name = "customer_id";
  TableSchema customers;
  customers.name = "customers";
  customers.columns.resize(1);
  customers.columns[0].name = "id";
  schema.tables = {orders, customers};
  const std::string where = "source 'shop' [[source.relation]]";
  EXPECT_TRUE(RelationProblems({{"orders", "CUSTOMER_ID", "customers", "id"},
                                {"orders", "rowid", "customers", "id"}},
                               schema, where)
                  .empty());
  auto p = RelationProblems({{"orders", "cust", "customers", "id"}}, schema, where);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0],
            "source 'shop' [[source.relation]]: relation \"orders.cust -> customers.id\": table "
            "Orders has no column cust (its columns: id, customer_id); fix or remove the relation "
            "in tidemark.toml");
  p = RelationProblems({{"orders", "customer_id", "clients", "id"}}, schema, where);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("no table clients in the source (or it is excluded from the backup); its "
                      "tables: Orders, customers"),
            std::string::npos)
      << p[0];
}

TEST_F(DrillTest, RelationWithAMissingColumnIsNamedNotARawSqlError) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.relations = {{"tags", "order_id", "orders", "id"}};
  auto r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("the snapshot: relation \"tags.order_id -> orders.id\": table tags has no "
                      "column order_id (its columns: order_ref, label); fix or remove"),
            std::string::npos)
      << f[0];
}

TEST_F(DrillTest, RotationCoversEveryTableBeforeRepeating) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.rotate = true;
  plan_.rotate_tables = 1;
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    repo_->clock()->Advance(1000000);
    auto r = Run();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
    ASSERT_EQ(r->tables.size(), 1u);
    EXPECT_TRUE(seen.insert(r->tables[0].name).second) << r->tables[0].name << " twice";
  }
  EXPECT_EQ(seen, (std::set<std::string>{"customers", "orders", "tags"}));
}

// Operator trial: the report said "no target" although the source declares
// rpo = "4h". The source's targets apply when the plan sets none.
TEST_F(DrillTest, SourceTargetsApplyWhenThePlanSetsNone) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  repo_->clock()->Advance(5 * 3600 * 1000000ll);
  source_.rpo_us = 4 * 3600ull * 1000000;
  source_.rto_us = 3600ull * 1000000;
  source_.uri = "sqlite:" + live_;
  source_.owner = "ops@example.com";
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rpo_target_us, source_.rpo_us);
  EXPECT_EQ(r->rpo_target_from, "source");
  EXPECT_EQ(r->rto_target_from, "source");
  EXPECT_EQ(r->source_owner, "ops@example.com");
  EXPECT_EQ(r->repository_id, repo_->repo()->id_hex());
  EXPECT_FALSE(r->plan_definition.empty());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("rpo snapshot age: 5 h exceeds the source's target of 4 h"),
            std::string::npos)
      << f[0];
  // The plan's own target wins.
  plan_.rpo_us = 6 * 3600ull * 1000000;
  r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
  EXPECT_EQ(r->rpo_target_from, "plan");
}

TEST_F(DrillTest, SnapshotChoiceAndRpo) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  TestDb(live_).Exec("DELETE FROM tags");
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  const auto snaps = repo_->Snapshots("shop");
  repo_->clock()->Advance(2 * 3600 * 1000000ll);
  plan_.rpo_us = 3600ull * 1000000;  // the newest is about 2 h old: missed
  plan_.snapshot = "oldest";
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->snapshot_id, snaps.front().id.Hex());
  EXPECT_EQ(r->tables[2].rows, 20u);
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("rpo snapshot age"), std::string::npos);
  EXPECT_NE(f[0].find("exceeds the plan's target of 1 h"), std::string::npos) << f[0];
  plan_.snapshot = snaps.back().id.Hex().substr(0, 10);
  r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->snapshot_id, snaps.back().id.Hex());
  plan_.snapshot = "nosuch@latest";
  r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->passed());
  EXPECT_TRUE(r->snapshot_id.empty());
}

TEST_F(DrillTest, LiveAssertionComparesRows) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  DrillAssertion a;
  a.name = "customers as live";
  a.sql = "SELECT id, email FROM customers ORDER BY id";
  a.op = DrillAssertion::Op::kLive;
  plan_.assertions.push_back(a);
  ASSERT_TRUE(Run()->passed());
  TestDb(live_).Exec("UPDATE customers SET email = 'new@x' WHERE id = 3");
  auto r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("only live: (3, new@x)"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("only restored: (3, c3@x)"), std::string::npos) << f[0];
}

TEST_F(DrillTest, AssertionErrorsAreFailedChecks) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  DrillAssertion a;
  a.name = "writes are refused";
  a.sql = "DELETE FROM customers";
  plan_.assertions.push_back(a);
  a.name = "two columns";
  a.sql = "SELECT 1, 2";
  plan_.assertions.push_back(a);
  auto r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 2u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("readonly"), std::string::npos) << f[0];
  EXPECT_NE(f[1].find("one row with one column"), std::string::npos) << f[1];
}

TEST_F(DrillTest, ReportsRoundTripThroughTheRepository) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  auto r = Run();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(StoreDrillReport(*repo_->repo(), *r).ok());
  EXPECT_TRUE(StoreDrillReport(*repo_->repo(), *r).IsAlreadyExists());
  auto all = ListDrillReports(*repo_->repo());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->reports.size(), 1u);
  EXPECT_EQ(all->reports[0].run_id, r->run_id);
  EXPECT_TRUE(all->reports[0].checks.empty()) << "a summary keeps only failed checks";
  auto full = ReadDrillReport(*repo_->repo(), r->run_id);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(DrillReportToJson(*full), DrillReportToJson(*r));
  auto found = ResolveDrillRun(*all, r->run_id.substr(0, 6));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)->run_id, r->run_id);
  EXPECT_TRUE(ResolveDrillRun(*all, "zz").status().IsNotFound());
  // A report moved to another run's name fails its signature binding.
  const std::string file = *mem_.Get({FileKind::kDrill, r->run_id});
  const std::string other(32, 'a');
  ASSERT_TRUE(mem_.Put({FileKind::kDrill, other}, file).ok());
  all = ListDrillReports(*repo_->repo());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->reports.size(), 1u);
  ASSERT_EQ(all->damaged.size(), 1u);
  EXPECT_EQ(all->damaged[0].first, other);
}

TEST_F(DrillTest, OverdueByCadence) {
  plan_.cadence_us = 7 * 86400ull * 1000000;
  EXPECT_TRUE(DrillOverdue(plan_, {}, 0));
  DrillReport r;
  r.started_us = 1000;
  EXPECT_FALSE(DrillOverdue(plan_, {r}, 1000 + 86400ll * 1000000));
  EXPECT_TRUE(DrillOverdue(plan_, {r}, 1000 + 8 * 86400ll * 1000000));
  plan_.cadence_us = 0;
  EXPECT_FALSE(DrillOverdue(plan_, {}, 0));
}

TEST(DrillExpectationTest, Forms) {
  DrillAssertion a;
  ASSERT_TRUE(ParseExpectation("= 3", &a).ok());
  EXPECT_EQ(a.op, DrillAssertion::Op::kEq);
  EXPECT_EQ(a.a, 3);
  ASSERT_TRUE(ParseExpectation(">=-2", &a).ok());
  EXPECT_EQ(a.op, DrillAssertion::Op::kGe);
  EXPECT_EQ(a.a, -2);
  ASSERT_TRUE(ParseExpectation("<= 10", &a).ok());
  EXPECT_EQ(a.op, DrillAssertion::Op::kLe);
  ASSERT_TRUE(ParseExpectation("between 1 and 5", &a).ok());
  EXPECT_EQ(a.Expectation(), "between 1 and 5");
  ASSERT_TRUE(ParseExpectation("between 1 5", &a).ok());
  ASSERT_TRUE(ParseExpectation("live", &a).ok());
  EXPECT_EQ(a.op, DrillAssertion::Op::kLive);
  for (const char* bad : {"", "3", "> 3", "= x", "between 5 1", "between 1", "= 1 2", "=="}) {
    EXPECT_TRUE(ParseExpectation(bad, &a).IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

TEST_F(DrillTest, RotationAdvancesWhenCountsAreSkipped) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.rotate = true;
  plan_.rotate_tables = 1;
  plan_.skip = {"counts", "digest"};
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    repo_->clock()->Advance(1000000);
    auto r = Run();
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->tables.size(), 1u);
    seen.insert(r->tables[0].name);
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(DrillTest, AssertionOnATableNotRestoredThisRunIsSkipped) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.tables = {"tags"};
  DrillAssertion a;
  a.name = "customers";
  a.sql = "SELECT count(*) FROM customers";
  a.a = 20;
  plan_.assertions.push_back(a);
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
  bool skipped = false;
  for (const DrillCheck& c : r->checks) {
    skipped |= c.kind == "assertion" && c.outcome == CheckOutcome::kSkip;
  }
  EXPECT_TRUE(skipped);
}

TEST_F(DrillTest, ForeignKeysIntoTablesNotRestoredAreCountedApart) {
  {
    TestDb db(live_);
    db.Exec("PRAGMA foreign_keys=OFF");
    for (int i = 0; i < 30; ++i) db.Exec("INSERT INTO orders(customer_id, note) VALUES(500, 'x')");
  }
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  plan_.tables = {"orders", "tags"};  // customers (the parent) not restored
  auto r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
  plan_.tables.clear();  // with customers, the 30 orphans are found
  r = Run();
  ASSERT_TRUE(r.ok());
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("30 foreign-key violations, e.g. orders rowid 21 -> customers"),
            std::string::npos)
      << f[0];
}

TEST_F(DrillTest, AssertionOnASourceWithoutSqlSaysWhatToDo) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  ConnectorRegistry no_sql;
  no_sql.Register(std::make_unique<NoSqlConnector>(BuiltinConnectors().Find("sqlite")));
  connectors_ = &no_sql;
  DrillAssertion a;
  a.name = "twenty";
  a.sql = "SELECT count(*) FROM customers";
  a.a = 20;
  plan_.assertions.push_back(a);
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("assertion twenty: the restored copy"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("answers no SQL"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("add \"assertion\" to its skip list"), std::string::npos) << f[0];
  plan_.skip = {"assertion"};  // what it says to do: then every other check passes
  r = Run();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
}

TEST_F(DrillTest, UnknownSourceSchemeIsAFailedRestore) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  ConnectorRegistry none;
  connectors_ = &none;
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto f = Failures(*r);
  ASSERT_EQ(f.size(), 1u) << testing::PrintToString(f);
  EXPECT_NE(f[0].find("restore snapshot"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("no connector for the snapshot's source"), std::string::npos) << f[0];
}

TEST_F(DrillTest, RunAndRecordStoresTheReportAndAppendsTheLedgerEntry) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  auto store = repo_->OpenStore();
  DrillContext ctx;
  ctx.store = store.get();
  ctx.repo = repo_->repo();
  ctx.snapshots = repo_->Snapshots();
  ctx.now_us = repo_->clock()->NowMicros();
  ctx.connectors = &BuiltinConnectors();
  ASSERT_TRUE(Ledger(ctx.repo).CheckAppendable().ok());
  auto r = RunAndRecordDrill(plan_, ctx, {{"command", "tidemark drill p"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->passed()) << testing::PrintToString(Failures(*r));
  auto stored = ListDrillReports(*ctx.repo);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(PlanHistory(*stored, "p").size(), 1u);
  EXPECT_EQ(PlanHistory(*stored, "p")[0].run_id, r->run_id);
  EXPECT_TRUE(PlanHistory(*stored, "other").empty());
  std::vector<LedgerEntry> entries;
  ASSERT_TRUE(Ledger(ctx.repo)
                  .ForEach(1,
                           [&](const LedgerEntry& e) {
                             entries.push_back(e);
                             return Status::OK();
                           })
                  .ok());
  ASSERT_FALSE(entries.empty());
  const LedgerRecord& rec = entries.back().record;
  EXPECT_EQ(rec.action, "drill");
  EXPECT_EQ(rec.outcome, "ok");
  EXPECT_EQ(rec.targets,
            (std::vector<std::string>{"plan p", "run " + r->run_id, "snapshot " + r->snapshot_id}));
  ASSERT_FALSE(rec.args.empty());
  EXPECT_EQ(rec.args[0].first, "command");
  EXPECT_FALSE(DrillAlertFor(*r).has_value()) << "a passed drill posts nothing";
}

TEST_F(DrillTest, ACancelledDrillStoresNoReportAndIsRecorded) {
  ASSERT_TRUE(repo_->Backup(live_, "shop").ok());
  auto store = repo_->OpenStore();
  // Cancelled at each check point: before each of the three tables, before
  // publishing the copy, before the checks.
  for (uint64_t n = 0; n < 5; n++) {
    CancelToken cancel;
    cancel.SetCheckHook([&](const char*, uint64_t i) {
      if (i == n) cancel.Cancel();
    });
    DrillContext ctx;
    ctx.store = store.get();
    ctx.repo = repo_->repo();
    ctx.snapshots = repo_->Snapshots();
    ctx.now_us = repo_->clock()->NowMicros();
    ctx.connectors = &BuiltinConnectors();
    ctx.cancel = &cancel;
    auto r = RunAndRecordDrill(plan_, ctx, {{"command", "tidemark drill p"}});
    EXPECT_TRUE(r.status().IsCancelled()) << n << ": " << r.status().ToString();
  }
  auto stored = ListDrillReports(*repo_->repo());
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->reports.empty());
  std::vector<std::string> outcomes;
  ASSERT_TRUE(Ledger(repo_->repo())
                  .ForEach(1,
                           [&](const LedgerEntry& e) {
                             if (e.record.action == "drill") outcomes.push_back(e.record.outcome);
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(outcomes, std::vector<std::string>(5, "cancelled"));
  // The scratch folder holds no copy left behind.
  size_t left = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    left += e.path().filename().string().rfind("tidemark-drill", 0) == 0;
  }
  EXPECT_EQ(left, 0u);
}

TEST_F(DrillTest, FailedDrillAlertNamesItsFailedChecks) {
  auto r = Run();  // no snapshot: a failed check
  ASSERT_TRUE(r.ok());
  auto alert = DrillAlertFor(*r);
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(alert->target, "run " + r->run_id);
  EXPECT_NE(alert->body.find("\"event\":\"drill-failed\""), std::string::npos) << alert->body;
  EXPECT_NE(alert->body.find("\"failed_checks\":[{\"kind\":\"snapshot\""), std::string::npos)
      << alert->body;
}

TEST_F(DrillTest, DueWhenNeverRunOrOverdue) {
  plan_.cadence_us = 1000;
  EXPECT_TRUE(DrillDue(plan_, {}, 0));
  DrillReport last;
  last.started_us = 10;
  EXPECT_FALSE(DrillDue(plan_, {last}, 500));
  EXPECT_TRUE(DrillDue(plan_, {last}, 2000));
  plan_.cadence_us = 0;
  EXPECT_FALSE(DrillDue(plan_, {last}, 1000000)) << "without a cadence only a first run is due";
}

}  // namespace
}  // namespace tidemark
