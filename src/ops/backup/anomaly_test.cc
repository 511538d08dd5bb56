#include "ops/backup/anomaly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "ops/testing/sqlite_testlib.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

// A CRM as a no-code platform keeps it: data tables with a SQL foreign key
// (orders -> customers) and one the platform keeps itself (activities ->
// customers), a small settings table, metadata tables, a view, a trigger.
constexpr char kCrm[] = R"sql(
CREATE TABLE customers(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT,
  status TEXT NOT NULL DEFAULT 'active');
CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  status TEXT NOT NULL, total REAL NOT NULL, note TEXT);
CREATE INDEX orders_by_customer ON orders(customer_id);
CREATE TABLE activities(id INTEGER PRIMARY KEY, customer_ref INTEGER, kind TEXT);
CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE nc_views(id TEXT PRIMARY KEY, table_name TEXT NOT NULL, title TEXT NOT NULL,
  meta TEXT NOT NULL);
CREATE TABLE nc_automations(id TEXT PRIMARY KEY, title TEXT NOT NULL, enabled INTEGER NOT NULL,
  workflow TEXT NOT NULL);
CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'open';
CREATE TRIGGER orders_touch AFTER UPDATE OF status ON orders
  BEGIN UPDATE customers SET status = status WHERE id = NEW.customer_id; END;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 500)
INSERT INTO customers(name, email, status)
  SELECT 'Customer ' || i, 'customer' || i || '@example.com',
         CASE WHEN i % 10 = 0 THEN 'lead' ELSE 'active' END FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 1500)
INSERT INTO orders(customer_id, status, total, note)
  SELECT 1 + (i * 7) % 500, CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'paid'
         WHEN 2 THEN 'shipped' ELSE 'closed' END, round((i * 37) % 1000 + 0.99, 2),
         'note ' || i FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 500)
INSERT INTO activities SELECT i, 1 + (i * 3) % 500, 'call' FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10)
INSERT INTO settings SELECT 'key' || i, 'value' || i FROM k;
INSERT INTO nc_views VALUES
  ('vw_open', 'orders', 'Open orders', '{"filters":[{"field":"status","value":"open"}]}'),
  ('vw_leads', 'customers', 'Leads', '{"filters":[{"field":"status","value":"lead"}]}');
INSERT INTO nc_automations VALUES
  ('wf_close', 'Close shipped orders', 1, '{"steps":[{"type":"update","table":"orders"}]}'),
  ('wf_welcome', 'Welcome new customers', 1, '{"steps":[{"type":"email"}]}');
)sql";

class AnomalyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    live_ = dir_.path() + "/crm.db";
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    db_ = std::make_unique<TestDb>(live_);
    db_->Exec(kCrm);
    // The platform's own relation, declared to the generic profile.
    input_.relations.push_back({"activities", "customer_ref", "customers", "id"});
  }

  // Backs up the live file, then detects the anomalies of the new snapshot
  // against every earlier one.
  std::vector<Anomaly> Backup() {
    auto b = repo_->BackupWithProfile(live_, "crm", MakeGenericProfile(input_).get());
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    snapshots_ = repo_->Snapshots("crm");
    if (!b.ok() || snapshots_.empty()) return {};
    std::vector<const Manifest*> history;
    for (size_t i = 0; i + 1 < snapshots_.size(); i++) history.push_back(&snapshots_[i].manifest);
    auto store = repo_->OpenStore();
    NodeCache cache(store.get());
    auto r = DetectAnomalies(&cache, snapshots_.back().manifest, history, rules_, &cost_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<Anomaly>{};
  }

  // "kind table[.column] count/of", for whole-list comparisons.
  static std::vector<std::string> Summary(const std::vector<Anomaly>& list) {
    std::vector<std::string> out;
    for (const Anomaly& a : list) {
      out.push_back(a.kind + " " + a.table + (a.column.empty() ? "" : "." + a.column) + " " +
                    std::to_string(a.count) + "/" + std::to_string(a.of));
    }
    return out;
  }

  std::string N(const std::string& sql) { return std::to_string(db_->Int(sql)); }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::string live_;
  std::unique_ptr<TestDb> db_;
  AnomalyRules rules_;
  ProfileInput input_;  // the generic profile's: relations, metadata and transient tables
  AnomalyCost cost_;
  std::vector<SnapshotInfo> snapshots_;
};

using Strings = std::vector<std::string>;

TEST_F(AnomalyTest, FirstBackupHasNone) { EXPECT_TRUE(Backup().empty()); }

TEST_F(AnomalyTest, UnchangedSourceHasNoneAndReadsNothing) {
  Backup();
  EXPECT_TRUE(Backup().empty());
  EXPECT_EQ(cost_.nodes_loaded, 0u);  // every root equal to the parent's
  EXPECT_EQ(cost_.records_decoded, 0u);
  EXPECT_EQ(cost_.records_scanned, 0u);
}

TEST_F(AnomalyTest, MassDeletionWithoutCascadeLeavesOrphans) {
  Backup();
  const std::string orders = N("SELECT count(*) FROM orders WHERE customer_id % 5 = 0");
  const std::string acts = N("SELECT count(*) FROM activities WHERE customer_ref % 5 = 0");
  db_->Exec("PRAGMA foreign_keys=OFF; DELETE FROM customers WHERE id % 5 = 0;");
  const auto found = Backup();
  EXPECT_EQ(Summary(found),
            (Strings{"deleted customers 100/500", "orphans orders.customer_id " + orders + "/1500",
                     "orphans activities.customer_ref " + acts + "/500"}));
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].detail, "customers: 100 of 500 records deleted (20%), threshold 10%");
  EXPECT_EQ(found[1].detail.rfind("orders.customer_id -> customers.id: " + orders +
                                      " of 1500 records refer to a deleted customers record (id ",
                                  0),
            0u)
      << found[1].detail;
  EXPECT_EQ(cost_.records_scanned, 2000u);  // orders and activities, once each
}

TEST_F(AnomalyTest, CascadedDeletionReportsDeletedChildrenNotOrphans) {
  Backup();
  const std::string orders = N("SELECT count(*) FROM orders WHERE customer_id % 5 = 0");
  const std::string acts = N("SELECT count(*) FROM activities WHERE customer_ref % 5 = 0");
  db_->Exec("PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id % 5 = 0;");
  EXPECT_EQ(Summary(Backup()),
            (Strings{"deleted customers 100/500", "deleted orders " + orders + "/1500",
                     "orphans activities.customer_ref " + acts + "/500"}));
}

// Relations and roles are read from the new snapshot's annotations: the
// same deletion without the declared relation in the profile's input finds
// no orphans of activities, and the stored annotations say why.
TEST_F(AnomalyTest, RelationsComeFromTheSnapshotsAnnotations) {
  input_.relations.clear();
  Backup();
  EXPECT_TRUE(snapshots_.back().manifest.objects.annotations.empty());
  const std::string orders = N("SELECT count(*) FROM orders WHERE customer_id % 5 = 0");
  db_->Exec("PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id % 5 = 0;");
  EXPECT_EQ(Summary(Backup()),
            (Strings{"deleted customers 100/500", "deleted orders " + orders + "/1500"}));
}

TEST_F(AnomalyTest, AnnotationsOfTheNewSnapshotAreStoredAndFollowed) {
  Backup();
  const Manifest& m = snapshots_.back().manifest;
  ASSERT_EQ(RelationsOf(m.FullSchema()).size(), 1u);
  EXPECT_EQ(RelationsOf(m.FullSchema())[0].Name(), "activities.customer_ref -> customers.id");
  EXPECT_EQ(m.objects.annotations.profile, "generic");
  const std::string acts = N("SELECT count(*) FROM activities WHERE customer_ref % 5 = 0");
  db_->Exec("PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id % 5 = 0;");
  // Detection on the stored snapshot, its annotations dropped: as before
  // annotations existed, the declared relation is not followed.
  const Strings found = Summary(Backup());
  EXPECT_NE(
      std::find(found.begin(), found.end(), "orphans activities.customer_ref " + acts + "/500"),
      found.end());
  Manifest bare = snapshots_.back().manifest;
  bare.objects.annotations = {};
  std::vector<const Manifest*> history;
  for (size_t i = 0; i + 1 < snapshots_.size(); i++) history.push_back(&snapshots_[i].manifest);
  auto store = repo_->OpenStore();
  NodeCache cache(store.get());
  auto again = DetectAnomalies(&cache, bare, history, rules_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const std::string& line : Summary(*again))
    EXPECT_EQ(line.find("activities"), std::string::npos) << line;
}

TEST_F(AnomalyTest, TransientTableIsNotJudgedByShares) {
  input_.transient = {"activities"};
  Backup();
  db_->Exec("DELETE FROM activities WHERE id > 100;");  // 400 of 500: a log expired
  EXPECT_TRUE(Backup().empty());
  EXPECT_EQ(snapshots_.back().manifest.objects.annotations.RoleOf("activities"),
            TableRole::kTransient);
}

TEST_F(AnomalyTest, ImplicitIndexGoesWithItsConstraint) {
  db_->Exec("CREATE TABLE tags(id INTEGER PRIMARY KEY, label TEXT UNIQUE);");
  Backup();
  const auto& objects = snapshots_.back().manifest.objects.objects;
  EXPECT_TRUE(std::any_of(objects.begin(), objects.end(),
                          [](const SchemaObject& o) { return o.type == "index" && o.implicit(); }));
  // Rebuilt without the UNIQUE constraint: its automatic index goes with it.
  db_->Exec(
      "CREATE TABLE tags2(id INTEGER PRIMARY KEY, label TEXT); DROP TABLE tags;"
      "ALTER TABLE tags2 RENAME TO tags;");
  EXPECT_TRUE(Backup().empty());
}

TEST_F(AnomalyTest, ColumnSetToNullOrEmptyOnMostOrders) {
  Backup();
  db_->Exec(
      "UPDATE orders SET note = NULL WHERE id % 10 BETWEEN 1 AND 4;"
      "UPDATE orders SET note = '' WHERE id % 10 >= 5;");
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"changed orders 1350/1500", "nulled orders.note 1350/1500"}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].detail, "orders: 1350 of 1500 records changed (90%), threshold 30%");
  EXPECT_EQ(found[1].detail,
            "orders.note: set to NULL or empty on 1350 of 1500 records (90%), threshold 30%");
}

TEST_F(AnomalyTest, StatusSetToOneValueEverywhereDominates) {
  Backup();
  db_->Exec("UPDATE orders SET status = 'archived';");
  const auto found = Backup();
  EXPECT_EQ(Summary(found),
            (Strings{"changed orders 1500/1500", "dominant orders.status 1500/1500"}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].detail,
            "orders.status: set to 'archived' on 1500 of 1500 records (100%), threshold 50%");
}

TEST_F(AnomalyTest, DominantValueAmongManyOthersIsCountedExactly) {
  Backup();
  // 1125 orders get 7.5, the other 375 distinct totals: more than the 64
  // counters hold, so the candidate is recounted exactly.
  db_->Exec("UPDATE orders SET total = CASE WHEN id % 4 = 0 THEN id + 0.25 ELSE 7.5 END;");
  const auto found = Backup();
  EXPECT_EQ(Summary(found),
            (Strings{"changed orders 1500/1500", "dominant orders.total 1125/1500"}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[1].detail.find("set to 7.5 on 1125 of 1500 records (75%)"), std::string::npos)
      << found[1].detail;
  EXPECT_EQ(cost_.records_decoded, 3000u);  // two passes over the 1500 changes
}

TEST_F(AnomalyTest, ScatteredUpdatesDoNotDominate) {
  Backup();
  db_->Exec("UPDATE orders SET total = total + 1;");  // 1500 changes, many distinct values
  EXPECT_EQ(Summary(Backup()), (Strings{"changed orders 1500/1500"}));
}

TEST_F(AnomalyTest, DroppedViewAndTrigger) {
  Backup();
  db_->Exec("DROP VIEW open_orders; DROP TRIGGER orders_touch;");
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"dropped open_orders 1/0", "dropped orders 1/0"}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].detail, "view open_orders dropped");
  EXPECT_EQ(found[1].detail, "trigger orders_touch on orders dropped");
}

TEST_F(AnomalyTest, DroppedTableFoldsItsIndexAndTrigger) {
  Backup();
  db_->Exec("PRAGMA foreign_keys=OFF; DROP TABLE orders;");
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"dropped orders 1500/1500"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].detail, "table orders dropped: 1500 records lost, with 1 index and 1 trigger");
}

TEST_F(AnomalyTest, DroppedColumnIsReportedButIsNoMassChange) {
  Backup();
  db_->Exec("ALTER TABLE orders DROP COLUMN note;");
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"dropped orders.note 1500/1500"}));
}

TEST_F(AnomalyTest, AddedColumnIsNoMassChange) {
  Backup();
  db_->Exec("ALTER TABLE orders ADD COLUMN priority INTEGER NOT NULL DEFAULT 3;");
  EXPECT_TRUE(Backup().empty());
}

TEST_F(AnomalyTest, DeletedMetadataRowIsDroppedEvenAlone) {
  input_.metadata = {"NC_*"};  // case-insensitive
  Backup();
  db_->Exec("DELETE FROM nc_automations WHERE id = 'wf_close';");
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"dropped nc_automations 1/2"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].detail, "nc_automations: 1 of 2 metadata records deleted (id 'wf_close')");
}

TEST_F(AnomalyTest, MetadataRowsAreOnlyWatchedWhenDeclared) {
  Backup();
  db_->Exec("DELETE FROM nc_automations WHERE id = 'wf_close';");
  EXPECT_TRUE(Backup().empty());  // 2 rows: under min_rows, and not declared metadata
}

TEST_F(AnomalyTest, SmallTableIsNotJudgedByShares) {
  Backup();
  db_->Exec("DELETE FROM settings WHERE rowid % 2 = 0;");  // 5 of 10
  EXPECT_TRUE(Backup().empty());
  rules_.min_rows = 5;
  db_->Exec("DELETE FROM settings WHERE name IN ('key1', 'key3');");  // 2 of 5
  EXPECT_EQ(Summary(Backup()), (Strings{"deleted settings 2/5"}));
}

// Ten days of ordinary work: about 1 % of orders updated, a few orders
// added, one deleted, a couple of customers edited.
TEST_F(AnomalyTest, OrdinaryDailyChurnRaisesNothing) {
  Backup();
  std::mt19937 rng(42);
  for (int day = 1; day <= 10; day++) {
    std::set<int> ids;
    while (ids.size() < 15) ids.insert(1 + int(rng() % 1500));
    for (int id : ids) {
      db_->Exec("UPDATE orders SET status = 'paid', total = total + 1 WHERE id = " +
                std::to_string(id));
    }
    db_->Exec(
        "INSERT INTO orders(customer_id, status, total, note) VALUES "
        "(1, 'open', 10, 'n'), (2, 'open', 20, 'n'), (3, 'open', 30, 'n');"
        "DELETE FROM orders WHERE id = (SELECT max(id) FROM orders) - 5;"
        "UPDATE customers SET email = 'x" +
        std::to_string(day) + "@example.com' WHERE id IN (" + std::to_string(day) + ", " +
        std::to_string(day + 100) + ");");
    const auto found = Backup();
    EXPECT_TRUE(found.empty()) << "day " << day << ": " << found.front().detail;
    EXPECT_EQ(cost_.records_scanned, 0u) << "day " << day;  // orders has no children
    EXPECT_EQ(cost_.records_decoded, 0u) << "day " << day;  // counts alone decide
  }
}

// A table that usually loses 20 % of its rows a day (a queue) is flagged by
// the fixed 10 % threshold until it has a baseline, then only for a spike
// above max(median + k*MAD, 2 x median).
TEST_F(AnomalyTest, BaselineAcceptsUsualChurnAndFlagsSpike) {
  db_->Exec(
      "CREATE TABLE jobs(id INTEGER PRIMARY KEY, payload TEXT);"
      "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100)"
      "INSERT INTO jobs SELECT i, 'job ' || i FROM k;");
  Backup();
  auto rotate = [&](int n) {
    db_->Exec("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs ORDER BY id LIMIT " +
              std::to_string(n) + ");");
    for (int i = 0; i < n; i++) db_->Exec("INSERT INTO jobs(payload) VALUES('new')");
  };
  for (int day = 1; day <= 8; day++) {
    rotate(20);
    const auto found = Backup();
    if (day <= 5) {  // fewer than min_history (5) earlier samples: the fixed threshold
      EXPECT_EQ(Summary(found), (Strings{"deleted jobs 20/100"})) << "day " << day;
    } else {
      EXPECT_TRUE(found.empty()) << "day " << day << ": " << found.front().detail;
    }
  }
  rotate(35);  // 35 %: above the threshold, below the baseline's limit (40 %)
  EXPECT_TRUE(Backup().empty());
  rotate(60);
  const auto found = Backup();
  // The inserts spiked too: 60 % against a usual 20 % (limit 50 %, the floor).
  EXPECT_EQ(Summary(found), (Strings{"deleted jobs 60/100", "added jobs 60/100"}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].detail,
            "jobs: 60 of 100 records deleted (60%); usually 20% (median of the last 9 backups), "
            "limit 40%");
}

// A table that never loses rows: once it has a baseline, a 7 % deletion
// (under the 10 % threshold) is flagged; the limit is then 5 %
// (baseline_floor x threshold).
TEST_F(AnomalyTest, BaselineLowersTheLimitOfAQuietTable) {
  Backup();
  db_->Exec("DELETE FROM orders WHERE id <= 105;");  // 7 %, no baseline yet: not flagged
  EXPECT_TRUE(Backup().empty());
  for (int day = 0; day < 6; day++) {
    db_->Exec("INSERT INTO orders(customer_id, status, total) VALUES (1, 'open', 1);");
    EXPECT_TRUE(Backup().empty());
  }
  db_->Exec("DELETE FROM orders WHERE id <= 210;");  // 105 of 1401
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"deleted orders 105/1401"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].detail,
            "orders: 105 of 1401 records deleted (7.5%); usually 0% (median of the last 7 "
            "backups), limit 5%");
}

TEST_F(AnomalyTest, LargeValuesAreComparedAsReferences) {
  db_->Exec(
      "CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);"
      "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 30)"
      "INSERT INTO docs SELECT i, printf('%d', i) || hex(randomblob(20000)) FROM k;");
  Backup();
  // The same 40000-byte text everywhere: stored out of line, one reference.
  db_->Exec("UPDATE docs SET body = hex(zeroblob(20000));");
  const auto found = Backup();
  EXPECT_EQ(Summary(found), (Strings{"changed docs 30/30", "dominant docs.body 30/30"}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[1].detail.find("set to <text, stored out of line> on 30 of 30"),
            std::string::npos)
      << found[1].detail;
}

TEST_F(AnomalyTest, CostFollowsTheChange) {
  db_->Exec(
      "CREATE TABLE big(id INTEGER PRIMARY KEY, v TEXT);"
      "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 50000)"
      "INSERT INTO big SELECT i, 'value ' || i FROM k;");
  Backup();
  db_->Exec("UPDATE big SET v = 'x' WHERE id % 5000 = 0;");  // 10 scattered changes
  EXPECT_TRUE(Backup().empty());
  // 10 leaf paths, not the table (~250 leaves).
  EXPECT_LE(cost_.nodes_loaded, 60u);
  EXPECT_EQ(cost_.records_decoded, 0u);
  EXPECT_EQ(cost_.records_scanned, 0u);
}

TEST(AnomalyRulesTest, ValidateNamesTheBadRule) {
  EXPECT_TRUE(ValidateAnomalyRules(AnomalyRules{}).ok());
  AnomalyRules r;
  r.deleted = 0;
  Status s = ValidateAnomalyRules(r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "anomaly rule deleted = 0: expected a share in (0, 1], e.g. 0.1 for 10 %");
  r = AnomalyRules{};
  r.added = 2.5;  // "added" may exceed 1: the table more than doubled
  EXPECT_TRUE(ValidateAnomalyRules(r).ok());
  r.dominant = 1.5;
  EXPECT_NE(ValidateAnomalyRules(r).message().find("dominant"), std::string::npos);
  ProfileInput in;
  in.relations.push_back({"orders", "", "customers", "id"});
  EXPECT_FALSE(ValidateProfileInput(in).ok());
}

}  // namespace
}  // namespace tidemark
