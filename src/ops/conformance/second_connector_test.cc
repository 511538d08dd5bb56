// The use cases of ops/ over a second connector: sources held in memory
// (sources/memory/), with no SQLite anywhere underneath. Backup, diff of two
// snapshots, diff against the live source and restore run through the
// connector interfaces only, so a new connector that implements them gets
// every use case (docs/architecture.md "Connectors").
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "ops/backup/backup.h"
#include "ops/diff/live_diff.h"
#include "ops/restore/restore.h"
#include "records/encoding.h"
#include "repo/blob_store.h"
#include "repo/repository.h"
#include "snapshot/record_diff.h"
#include "sources/memory/memory_connector_testlib.h"
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
    connector_ = memory::NewMemoryConnector(&world_);
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
    opts.source = SourceRef{connector_.get(), "shop"};
    opts.name = "shop";
    auto store = OpenStore();
    auto r = Backup(repo_.get(), store.get(), opts);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : BackupResult{};
  }

  MemoryWorld world_;
  std::unique_ptr<Connector> connector_;
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

}  // namespace
}  // namespace tidemark
