// The use cases of ops/ over a second connector: sources held in memory
// (sources/memory/), with no SQLite anywhere underneath (the test binary
// does not link it). Backup, diff of two snapshots, diff against the live
// source, restore, rollback, revert and drills run through the connector
// interfaces only, so a new connector that implements them gets every use
// case (docs/architecture.md "Connectors").
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "ops/backup/backup.h"
#include "ops/diff/live_diff.h"
#include "ops/drill/drill.h"
#include "ops/restore/restore.h"
#include "ops/rollback/rollback_run.h"
#include "records/annotations.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "repo/blob_store.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"
#include "snapshot/record_diff.h"
#include "sources/memory/memory_connector_testlib.h"
#include "sources/profile.h"
#include "storage/mem_backend.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

using memory::MemorySource;
using memory::MemoryWorld;

Column KeyColumn(const std::string& name) {
  Column c;
  c.name = name;
  c.decl_type = "INTEGER";
  c.not_null = true;
  c.pk = 1;
  return c;
}

Column PlainColumn(const std::string& name, const std::string& type) {
  Column c;
  c.name = name;
  c.decl_type = type;
  return c;
}

TableSchema KeyedTable(const std::string& name, std::vector<Column> rest) {
  TableSchema t;
  t.name = name;
  t.no_implicit_id = true;
  t.columns.push_back(KeyColumn("id"));
  for (Column& c : rest) t.columns.push_back(std::move(c));
  t.key_columns = {0};
  return t;
}

// A shop: customers, and orders that refer to them.
SourceSchema ShopSchema() {
  SourceSchema s;
  s.tables.push_back(
      KeyedTable("customers", {PlainColumn("name", "TEXT"), PlainColumn("email", "TEXT")}));
  TableSchema orders =
      KeyedTable("orders", {PlainColumn("customer_id", "INTEGER"), PlainColumn("total", "REAL")});
  orders.foreign_keys.push_back(
      ForeignKey{"customers", {"customer_id"}, {"id"}, "NO ACTION", "NO ACTION"});
  s.tables.push_back(std::move(orders));
  return s;
}

Record Customer(int64_t id, const std::string& name, const std::string& email) {
  return {Value::Integer(id), Value::Text(name), Value::Text(email)};
}

Record Order(int64_t id, int64_t customer, double total) {
  return {Value::Integer(id), Value::Integer(customer), Value::Real(total)};
}

// Each table as key bytes -> encoded record, to compare two sources exactly.
std::map<std::string, std::map<std::string, std::string>> Contents(const MemorySource& s) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& [table, rows] : s.rows) {
    for (const auto& [key, row] : rows) {
      std::string bytes;
      EXPECT_TRUE(EncodeRecord(row.record, nullptr, &bytes).ok());
      out[table][key] = bytes;
    }
  }
  return out;
}

class SecondConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connectors_.Register(memory::NewMemoryConnector(&world_));
    connector_ = connectors_.Find("memory");
    InitOptions init;
    init.kdf = KdfParams{1, 8192};
    init.pack_target = 64 * 1024;
    auto repo = Repository::Init(&backend_, "pw", init, &clock_);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    repo_ = std::move(*repo);
    ASSERT_TRUE(world_.Create("shop", ShopSchema()).ok());
    for (int64_t i = 1; i <= 50; i++) {
      Put("customers", Customer(i, "c" + std::to_string(i), "c" + std::to_string(i) + "@x"));
      Put("orders", Order(100 + i, i, 10.0 * double(i)));
    }
  }

  void Put(const std::string& table, const Record& r) {
    Status s = world_.Put("shop", table, r);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<BlobStore> OpenStore() {
    auto store = std::make_unique<BlobStore>(repo_.get());
    EXPECT_TRUE(store->LoadIndex().ok());
    return store;
  }

  BackupResult BackUp() {
    clock_.Advance(60'000'000);
    BackupOptions opts;
    opts.source = SourceRef{connector_, "shop", nullptr};
    opts.name = "shop";
    auto store = OpenStore();
    auto r = Backup(repo_.get(), store.get(), opts);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : BackupResult{};
  }

  // Snapshots of the shop, oldest first.
  std::vector<SnapshotInfo> Snapshots() {
    auto all = LoadSnapshots(*repo_, "shop");
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? std::move(*all) : std::vector<SnapshotInfo>{};
  }

  // A rollback/revert session over the shop, writing its ledger entries
  // into ledger_.
  RollbackSession Session(BlobStore* store, NodeCache* cache,
                          const std::vector<SnapshotInfo>* snaps) {
    RollbackSession s;
    s.repo = repo_.get();
    s.store = store;
    s.cache = cache;
    s.snapshots = snaps;
    s.source = "shop";
    s.live = SourceRef{connector_, "shop", nullptr};
    s.record = [this](const std::string& action, const std::string& outcome,
                      std::vector<std::string>, std::vector<std::pair<std::string, int64_t>>,
                      const std::string&) {
      ledger_.push_back(action + " " + outcome);
      return Status::OK();
    };
    return s;
  }

  // Applies `plan` as the CLI would after a confirmation (refused plans
  // fail); the post snapshot, which holds the state it made.
  Id Apply(const RollbackSession& s, const RollbackPlan& plan) {
    EXPECT_EQ(plan.RefusalReason(), "");
    clock_.Advance(60'000'000);
    auto applied = ApplyRecorded(s, plan, ApplyOptions{});
    EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    if (!applied.ok()) return Id{};
    EXPECT_TRUE(applied->applied.committed);
    EXPECT_FALSE(applied->applied.safety_snapshot.IsZero());
    EXPECT_EQ(applied->applied.post_error, "");
    return applied->applied.post_snapshot;
  }

  Value Field(const std::string& table, int64_t id, size_t pos) {
    auto s = world_.Get("shop");
    const auto& rows = s->rows[table];
    auto it = rows.find(memory::KeyBytes({Value::Integer(id)}));
    return it == rows.end() ? Value::Null() : it->second.record[pos];
  }

  MemoryWorld world_;
  ConnectorRegistry connectors_;
  const Connector* connector_ = nullptr;
  std::vector<std::string> ledger_;
  MemBackend backend_;
  FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<Repository> repo_;
};

TEST_F(SecondConnectorTest, BackupDiffLiveDiffAndRestoreRunThroughTheInterfaces) {
  const BackupResult a = BackUp();
  ASSERT_FALSE(a.snapshot.IsZero());
  EXPECT_EQ(a.records, 100u);
  EXPECT_EQ(a.manifest.source_uri, "memory:shop");

  // An integration overwrites one email, an order goes, a customer arrives.
  Put("customers", Customer(7, "c7", "wrong@x"));
  ASSERT_TRUE(world_.Erase("shop", "orders", {Value::Integer(120)}).ok());
  Put("customers", Customer(51, "c51", "c51@x"));
  const BackupResult b = BackUp();
  EXPECT_EQ(b.parent, a.snapshot);
  EXPECT_EQ(b.manifest.stats.records_added, 1u);
  EXPECT_EQ(b.manifest.stats.records_changed, 1u);
  EXPECT_EQ(b.manifest.stats.records_removed, 1u);

  // diff A B: field by field.
  auto store = OpenStore();
  NodeCache cache(store.get());
  std::vector<RecordChange> changes;
  auto counts = DiffTable(&cache, a.manifest.FindTable("customers"),
                          b.manifest.FindTable("customers"), [&](const RecordChange& c) {
                            changes.push_back(c);
                            return Result<bool>(true);
                          });
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->added, 1u);
  EXPECT_EQ(counts->changed, 1u);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key_values[0].integer(), 7);
  ASSERT_EQ(changes[0].fields.size(), 1u);
  EXPECT_EQ(changes[0].fields[0].field, "email");
  EXPECT_EQ(changes[1].key_values[0].integer(), 51);

  // diff B live, after the app deletes a customer.
  const MemorySource at_b = *world_.Get("shop");
  ASSERT_TRUE(world_.Erase("shop", "customers", {Value::Integer(3)}).ok());
  auto reader = connector_->OpenReader("shop", 1000);
  ASSERT_TRUE(reader.ok());
  auto live = DiffLiveTable(&cache, *repo_, b.manifest.FindTable("customers"), reader->get(),
                            (*reader)->schema().FindTable("customers"), nullptr);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(live->removed, 1u);
  EXPECT_EQ(live->added + live->changed, 0u);

  // restore B into a new source: exactly the source as it was at B.
  RestoreOptions ro;
  ro.path = "restored";
  auto restored = Restore(store.get(), *repo_, b.manifest, *connector_, ro);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->tables, 2u);
  EXPECT_EQ(restored->records, 100u);
  EXPECT_EQ(Contents(*world_.Get("restored")), Contents(at_b));
  // A second restore to the same place refuses, and leaves it as it is.
  auto again = Restore(store.get(), *repo_, a.manifest, *connector_, ro);
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(Contents(*world_.Get("restored")), Contents(at_b));
}

// An automation overwrites ten emails; a backup saves the damage. Rollback
// of customers to the snapshot before puts them back, with a safety snapshot
// and ledger entries; then revert undoes one integration's change and keeps
// a later one.
TEST_F(SecondConnectorTest, RollbackAndRevertWriteThroughTheLiveTarget) {
  const MemorySource before = *world_.Get("shop");
  const BackupResult a = BackUp();
  for (int64_t i = 1; i <= 10; i++) Put("customers", Customer(i, "c" + std::to_string(i), "oops"));
  BackUp();

  auto store = OpenStore();
  NodeCache cache(store.get());
  std::vector<SnapshotInfo> snaps = Snapshots();
  RollbackSession s = Session(store.get(), &cache, &snaps);
  RollbackScope scope;
  scope.tables = {"customers"};
  auto plan = PlanRollbackOf(s, snaps.front(), scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->TotalRows(), 10u);
  const Id post = Apply(s, *plan);
  EXPECT_EQ(Contents(*world_.Get("shop")), Contents(before));
  EXPECT_EQ(ledger_.front(), "rollback started");
  EXPECT_EQ(ledger_.back(), "rollback ok");

  // An integration deletes an order and renames a customer (saved in Q);
  // later the app renames another customer (saved in R).
  ASSERT_TRUE(world_.Erase("shop", "orders", {Value::Integer(120)}).ok());
  Put("customers", Customer(7, "renamed", "c7@x"));
  BackUp();
  Put("customers", Customer(8, "kept", "c8@x"));
  BackUp();
  snaps = Snapshots();
  const SnapshotInfo& q = snaps[snaps.size() - 2];
  auto p =
      std::find_if(snaps.begin(), snaps.end(), [&](const SnapshotInfo& i) { return i.id == post; });
  ASSERT_NE(p, snaps.end());
  store = OpenStore();  // as the next command would: it sees the new backups
  NodeCache cache2(store.get());
  s = Session(store.get(), &cache2, &snaps);
  auto revert = PlanRevertOf(s, *p, q, RollbackScope{}, RevertPreference::kNone);
  ASSERT_TRUE(revert.ok()) << revert.status().ToString();
  EXPECT_EQ(revert->TotalRows(), 2u);
  Apply(s, *revert);
  EXPECT_EQ(Field("orders", 120, 2).real(), 200.0);
  EXPECT_EQ(Field("customers", 7, 1).bytes(), "c7");
  EXPECT_EQ(Field("customers", 8, 1).bytes(), "kept");
  EXPECT_EQ(ledger_.back(), "revert ok");
  EXPECT_NE(a.snapshot, post);
}

// While the app holds its write lock, a rollback is refused and writes nothing.
TEST_F(SecondConnectorTest, RollbackIsRefusedWhileTheSourceIsLocked) {
  BackUp();
  Put("customers", Customer(1, "c1", "oops"));
  BackUp();
  auto store = OpenStore();
  NodeCache cache(store.get());
  std::vector<SnapshotInfo> snaps = Snapshots();
  RollbackSession s = Session(store.get(), &cache, &snaps);
  auto plan = PlanRollbackOf(s, snaps.front(), RollbackScope{});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_TRUE(world_.TryLockWrite("shop"));
  auto applied = ApplyRecorded(s, *plan, ApplyOptions{});
  EXPECT_EQ(applied.status().code(), Status::Code::kRefused) << applied.status().ToString();
  world_.UnlockWrite("shop");
  EXPECT_EQ(Field("customers", 1, 2).bytes(), "oops");
}

// A drill restores the latest snapshot into a scratch copy and checks it
// through the memory connector's probe: sound at first; an orphaned order
// fails the foreign-key and relation checks; an SQL assertion is a failed
// check that says the connector has no SQL.
TEST_F(SecondConnectorTest, DrillsProbeTheCopyWithoutSql) {
  BackUp();
  DrillPlan plan;
  plan.name = "weekly";
  plan.source = "shop";
  plan.unique = {"customers.email"};
  plan.relations = {Relation{"orders", "customer_id", "customers", "id"}};
  auto store = OpenStore();
  DrillContext ctx;
  ctx.store = store.get();
  ctx.repo = repo_.get();
  ctx.snapshots = Snapshots();
  ctx.now_us = clock_.NowMicros();
  ctx.connectors = &connectors_;
  auto report = RunDrill(plan, ctx);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const DrillCheck& c : report->checks) {
    EXPECT_NE(c.outcome, CheckOutcome::kFail) << c.kind << " " << c.name << ": " << c.detail;
  }
  EXPECT_TRUE(report->passed());

  ASSERT_TRUE(world_.Erase("shop", "customers", {Value::Integer(5)}).ok());
  BackUp();
  DrillAssertion rows;
  rows.name = "customers";
  rows.sql = "SELECT count(*) FROM customers";
  rows.a = 49;
  plan.assertions = {rows};
  store = OpenStore();
  ctx.store = store.get();
  ctx.snapshots = Snapshots();
  report = RunDrill(plan, ctx);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->passed());
  std::set<std::string> failed;
  for (const DrillCheck& c : report->checks) {
    if (c.outcome == CheckOutcome::kFail) failed.insert(c.kind);
  }
  EXPECT_EQ(failed, (std::set<std::string>{"foreign-keys", "relation", "assertion"}));
  for (const DrillCheck& c : report->checks) {
    if (c.kind == "assertion") {
      EXPECT_NE(c.detail.find("SQL"), std::string::npos) << c.detail;
    }
  }
}

// A relation the platform keeps without a foreign key, declared through the
// generic profile: the backup stores it in the snapshot's annotations, and a
// drill of that snapshot checks it although neither the plan nor today's
// catalog declares it.
TEST_F(SecondConnectorTest, DrillsCheckTheRelationsTheSnapshotKeeps) {
  SourceSchema schema = ShopSchema();
  schema.tables[1].foreign_keys.clear();
  ASSERT_TRUE(world_.Create("shop", schema).ok());
  for (int64_t i = 1; i <= 5; i++) {
    Put("customers", Customer(i, "c" + std::to_string(i), "c" + std::to_string(i) + "@x"));
    Put("orders", Order(100 + i, i, 1.0));
  }
  ASSERT_TRUE(world_.Erase("shop", "customers", {Value::Integer(5)}).ok());
  ProfileInput input;
  input.where = "source 'shop'";
  input.relations = {Relation{"orders", "customer_id", "customers", "id"}};
  const std::unique_ptr<Profile> profile = MakeGenericProfile(input);
  BackupOptions opts;
  opts.source = SourceRef{connector_, "shop", nullptr};
  opts.name = "shop";
  opts.profile = profile.get();
  auto store = OpenStore();
  auto b = Backup(repo_.get(), store.get(), opts);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(RelationsOf(b->manifest.objects).size(), 1u);

  DrillPlan plan;
  plan.name = "weekly";
  plan.source = "shop";
  store = OpenStore();
  DrillContext ctx;
  ctx.store = store.get();
  ctx.repo = repo_.get();
  ctx.snapshots = Snapshots();
  ctx.connectors = &connectors_;
  auto report = RunDrill(plan, ctx);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::vector<std::string> failed;
  for (const DrillCheck& c : report->checks) {
    if (c.outcome == CheckOutcome::kFail) failed.push_back(c.kind + " " + c.name);
  }
  EXPECT_EQ(failed, (std::vector<std::string>{"relation orders.customer_id -> customers.id"}));
}

}  // namespace
}  // namespace tidemark
