// Damage maps against real damage: a byte flipped in one blob of a
// repository with three snapshots of a multi-table SQLite database. The map
// must name the blob, the table, a key range holding the records lost, and
// the snapshots that use it; the other snapshots must restore.
#include "ops/integrity/damage_map.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "ops/integrity/check.h"
#include "ops/restore/restore.h"
#include "ops/testing/sqlite_testlib.h"
#include "records/encoding.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

// Every node under `id`; the integer keys of each leaf go to *leaves.
void CollectTree(NodeCache* cache, const Id& id, std::set<Id>* nodes,
                 std::map<Id, std::vector<int64_t>>* leaves) {
  nodes->insert(id);
  auto node = cache->Load(id);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  if ((*node)->level > 0) {
    for (const TreeNode::Entry& e : (*node)->entries) CollectTree(cache, e.child, nodes, leaves);
    return;
  }
  std::vector<int64_t>& keys = (*leaves)[id];
  for (const TreeNode::Entry& e : (*node)->entries) {
    std::vector<Value> key;
    ASSERT_TRUE(DecodeKey(e.key, &key).ok());
    keys.push_back(key[0].type() == ValueType::kInteger ? key[0].integer() : -1);
  }
}

void FlipBlobByte(Backend* backend, const BlobLocation& loc, uint32_t offset_in_blob) {
  const FileHandle h = PackHandle(loc.pack_id);
  auto pack = backend->Get(h);
  ASSERT_TRUE(pack.ok()) << pack.status().ToString();
  ASSERT_LT(offset_in_blob, loc.sealed_len);
  (*pack)[loc.offset + offset_in_blob] ^= 0x01;
  ASSERT_TRUE(backend->Put(h, *pack, PutMode::kOverwrite).ok());
}

class DamageMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    db_path_ = dir_.path() + "/app.db";
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    TestDb db(db_path_);
    db.Exec(R"sql(
      CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, memo TEXT);
      CREATE TABLE customers(name TEXT PRIMARY KEY, city TEXT) WITHOUT ROWID;
      CREATE TABLE files(id INTEGER PRIMARY KEY, content BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 15000)
        INSERT INTO orders SELECT i, 'c' || (i % 40), hex(randomblob(40)) FROM n;
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
        INSERT INTO customers SELECT 'c' || i, 'city ' || i FROM n;
      INSERT INTO files VALUES (1, randomblob(100000));
    )sql");
    ASSERT_NO_FATAL_FAILURE(BackupOnce());
    // Each later snapshot rewrites only the last orders (new leaves); the
    // rest of each tree is shared with the snapshots before.
    db.Exec("UPDATE orders SET memo = 'v2' WHERE id > 14900");
    ASSERT_NO_FATAL_FAILURE(BackupOnce());
    db.Exec("UPDATE orders SET memo = 'v3' WHERE id > 14900");
    ASSERT_NO_FATAL_FAILURE(BackupOnce());
    store_ = repo_->OpenStore();
  }

  void BackupOnce() {
    auto b = repo_->Backup(db_path_);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    snaps_.push_back(*b);
  }

  // A leaf of `table` in the newest snapshot that no older snapshot uses,
  // with its keys.
  std::pair<Id, std::vector<int64_t>> LeafOnlyInNewest(const std::string& table) {
    NodeCache cache(store_.get());
    std::set<Id> older;
    std::map<Id, std::vector<int64_t>> ignored, newest;
    for (size_t i = 0; i + 1 < snaps_.size(); i++) {
      CollectTree(&cache, snaps_[i].manifest.FindTable(table)->root.id, &older, &ignored);
    }
    std::set<Id> nodes;
    CollectTree(&cache, snaps_.back().manifest.FindTable(table)->root.id, &nodes, &newest);
    for (const auto& [id, keys] : newest) {
      if (!older.count(id)) return {id, keys};
    }
    ADD_FAILURE() << "every leaf of " << table << " is shared";
    return {};
  }

  void Damage(const Id& blob) {
    auto loc = store_->Find(blob);
    ASSERT_TRUE(loc.has_value());
    ASSERT_NO_FATAL_FAILURE(FlipBlobByte(&mem_, *loc, loc->sealed_len / 2));
  }

  CheckReport CheckReadData() {
    CheckOptions o;
    o.read_data = true;
    o.check_ledger = false;
    auto r = CheckRepository(repo_->repo(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CheckReport{};
  }

  Status RestoreSnapshot(size_t i) {
    const std::string path =
        dir_.path() + "/restored-" + std::to_string(i) + "-" + std::to_string(restores_++) + ".db";
    return repo_->Restore(snaps_[i].manifest, path).status();
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::unique_ptr<BlobStore> store_;
  std::string db_path_;
  std::vector<BackupResult> snaps_;
  int restores_ = 0;
};

TEST_F(DamageMapTest, HealthyCheckDoesNotWalk) {
  CheckReport r = CheckReadData();
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.damage_mapped);
  EXPECT_TRUE(r.damage_map.empty());
}

TEST_F(DamageMapTest, DamagedLeafIsMappedToItsTableKeysAndSnapshots) {
  auto [leaf, keys] = LeafOnlyInNewest("orders");
  ASSERT_FALSE(keys.empty());
  ASSERT_NO_FATAL_FAILURE(Damage(leaf));

  CheckReport r = CheckReadData();
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(r.damage_mapped);
  ASSERT_EQ(r.damage_map.size(), 1u);
  const DamagedBlob& d = r.damage_map[0];
  EXPECT_EQ(d.blob, leaf);
  EXPECT_NE(d.problem.find("authentication failed"), std::string::npos) << d.problem;
  ASSERT_EQ(d.uses.size(), 1u);
  const BlobUse& u = d.uses[0];
  EXPECT_EQ(u.snapshot, snaps_[2].snapshot);
  EXPECT_EQ(u.source, "app");
  EXPECT_EQ(u.table, "orders");
  EXPECT_FALSE(u.large_value);
  // The range holds every key of the leaf: after the previous leaf's last
  // key, up to this leaf's last key.
  ASSERT_TRUE(u.has_to);
  EXPECT_EQ(std::stoll(u.to_key), keys.back());
  if (u.has_from) {
    EXPECT_LT(std::stoll(u.from_key), keys.front());
  }
  EXPECT_EQ(r.snapshots_affected, std::vector<Id>{snaps_[2].snapshot});
  EXPECT_EQ(r.snapshots_restorable, (std::vector<Id>{snaps_[0].snapshot, snaps_[1].snapshot}));

  // The untouched snapshots restore (every table's digest verified); the
  // affected one does not.
  EXPECT_TRUE(RestoreSnapshot(0).ok());
  EXPECT_TRUE(RestoreSnapshot(1).ok());
  EXPECT_TRUE(RestoreSnapshot(2).IsCorruption());

  // check --snapshot's API agrees, snapshot by snapshot.
  for (size_t i = 0; i < 2; i++) {
    auto clean = CheckSnapshotData(store_.get(), snaps_[i].snapshot, snaps_[i].manifest, false);
    ASSERT_TRUE(clean.ok()) << clean.status().ToString();
    EXPECT_TRUE(clean->empty()) << "snapshot " << i;
  }
  DamageWalkStats stats;
  auto bad = CheckSnapshotData(store_.get(), snaps_[2].snapshot, snaps_[2].manifest, false, &stats);
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  ASSERT_EQ(bad->size(), 1u);
  EXPECT_EQ((*bad)[0].blob, leaf);
  ASSERT_EQ((*bad)[0].uses.size(), 1u);
  EXPECT_EQ((*bad)[0].uses[0].table, "orders");
  EXPECT_EQ((*bad)[0].uses[0].to_key, u.to_key);
  EXPECT_EQ((*bad)[0].uses[0].from_key, u.from_key);
  EXPECT_GT(stats.nodes_read, 3u);
  EXPECT_EQ(stats.chunks_read, 1u);  // the one large value
}

TEST_F(DamageMapTest, DamagedLargeValueChunkIsMappedToItsRecordKey) {
  std::vector<Id> chunks;
  store_->index().ForEach([&](const Id& id, const BlobLocation& l) {
    if (l.type == BlobType::kData) chunks.push_back(id);
  });
  ASSERT_EQ(chunks.size(), 1u);  // 100 KB: one chunk, shared by all three snapshots
  ASSERT_NO_FATAL_FAILURE(Damage(chunks[0]));

  CheckReport r = CheckReadData();
  ASSERT_TRUE(r.damage_mapped);
  ASSERT_EQ(r.damage_map.size(), 1u);
  const DamagedBlob& d = r.damage_map[0];
  EXPECT_EQ(d.blob, chunks[0]);
  ASSERT_EQ(d.uses.size(), 3u);
  for (size_t i = 0; i < 3; i++) {
    const BlobUse& u = d.uses[i];
    EXPECT_EQ(u.snapshot, snaps_[i].snapshot);
    EXPECT_EQ(u.table, "files");
    EXPECT_TRUE(u.large_value);
    EXPECT_EQ(u.from_key, "1");
    EXPECT_EQ(u.to_key, "1");
    EXPECT_EQ(u.column, "content");
    EXPECT_EQ(u.DescribeKeys(), "key 1, column content (large value)");
  }
  EXPECT_EQ(r.snapshots_affected.size(), 3u);
  EXPECT_TRUE(r.snapshots_restorable.empty());

  auto bad = CheckSnapshotData(store_.get(), snaps_[0].snapshot, snaps_[0].manifest, false);
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(bad->size(), 1u);
  EXPECT_EQ((*bad)[0].blob, chunks[0]);
  EXPECT_TRUE((*bad)[0].uses.at(0).large_value);
  // The other tables restore on their own.
  RestoreOptions opts;
  opts.path = dir_.path() + "/partial.db";
  opts.tables = {"orders", "customers"};
  EXPECT_TRUE(repo_->Restore(snaps_[0].manifest, opts).ok());
}

TEST_F(DamageMapTest, DamagedRootCoversTheWholeTable) {
  const Id root = snaps_[0].manifest.FindTable("customers")->root.id;
  ASSERT_NO_FATAL_FAILURE(Damage(root));
  CheckReport r = CheckReadData();
  ASSERT_TRUE(r.damage_mapped);
  ASSERT_EQ(r.damage_map.size(), 1u);
  ASSERT_EQ(r.damage_map[0].uses.size(), 3u);  // unchanged: shared by every snapshot
  for (const BlobUse& u : r.damage_map[0].uses) {
    EXPECT_EQ(u.table, "customers");
    EXPECT_FALSE(u.has_from);
    EXPECT_FALSE(u.has_to);
    EXPECT_EQ(u.DescribeKeys(), "every key");
  }
}

TEST_F(DamageMapTest, DamagedInternalNodeCoversEverythingBelowIt) {
  const TreeRoot root = snaps_[0].manifest.FindTable("orders")->root;
  ASSERT_GE(root.level, 2) << "the test needs an internal node below the root";
  NodeCache cache(store_.get());
  auto top = cache.Load(root.id);
  ASSERT_TRUE(top.ok());
  const TreeNode::Entry& first = (*top)->entries.front();  // shared by every snapshot
  std::set<Id> nodes;
  std::map<Id, std::vector<int64_t>> leaves;
  ASSERT_NO_FATAL_FAILURE(CollectTree(&cache, first.child, &nodes, &leaves));
  int64_t max_key = 0;
  for (const auto& [id, keys] : leaves) max_key = std::max(max_key, keys.back());
  ASSERT_NO_FATAL_FAILURE(Damage(first.child));

  CheckReport r = CheckReadData();
  ASSERT_TRUE(r.damage_mapped);
  const DamagedBlob* d = nullptr;
  for (const DamagedBlob& b : r.damage_map) {
    if (b.blob == first.child) d = &b;
  }
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->uses.size(), 3u);
  for (const BlobUse& u : d->uses) {
    EXPECT_FALSE(u.has_from);  // the first child: from the table's first key
    ASSERT_TRUE(u.has_to);
    EXPECT_EQ(std::stoll(u.to_key), max_key);
  }
}

TEST_F(DamageMapTest, MissingPackMapsEveryBlobInIt) {
  // The newest backup wrote its new leaves and the new nodes above them
  // (up to the root of orders) into one pack.
  auto [leaf, keys] = LeafOnlyInNewest("orders");
  const Id root = snaps_[2].manifest.FindTable("orders")->root.id;
  auto loc = store_->Find(leaf);
  ASSERT_TRUE(loc.has_value());
  ASSERT_EQ(store_->Find(root)->pack_id, loc->pack_id);
  ASSERT_TRUE(mem_.Remove(PackHandle(loc->pack_id)).ok());
  CheckReport r = CheckReadData();
  ASSERT_TRUE(r.damage_mapped);
  std::map<Id, const DamagedBlob*> by_id;
  for (const DamagedBlob& d : r.damage_map) {
    EXPECT_NE(d.problem.find("missing"), std::string::npos) << d.problem;
    by_id[d.blob] = &d;
  }
  // The root is damaged: the whole table is lost in that snapshot. The leaf
  // is listed too, but no use can be found below a damaged node.
  ASSERT_TRUE(by_id.count(root));
  ASSERT_EQ(by_id[root]->uses.size(), 1u);
  EXPECT_EQ(by_id[root]->uses[0].snapshot, snaps_[2].snapshot);
  EXPECT_EQ(by_id[root]->uses[0].DescribeKeys(), "every key");
  ASSERT_TRUE(by_id.count(leaf));
  EXPECT_TRUE(by_id[leaf]->uses.empty());
  EXPECT_EQ(r.snapshots_affected, std::vector<Id>{snaps_[2].snapshot});
  EXPECT_TRUE(RestoreSnapshot(0).ok()) << "the oldest snapshot's blobs are in other packs";
}

// Shared subtrees are read once, however many snapshots use them.
TEST_F(DamageMapTest, SharedNodesAreWalkedOnce) {
  std::map<Id, int> reads;
  DamageWalkSource source;
  source.read = [&](const Id& id) {
    reads[id]++;
    return store_->Get(id);
  };
  source.verify_chunks = true;
  DamageWalker walker(std::move(source));
  for (const BackupResult& b : snaps_)
    ASSERT_TRUE(walker.AddSnapshot(b.snapshot, b.manifest, nullptr).ok());
  EXPECT_TRUE(walker.Finish().empty());
  EXPECT_EQ(walker.untouched().size(), 3u);
  std::set<Id> distinct;
  NodeCache cache(store_.get());
  std::map<Id, std::vector<int64_t>> leaves;
  for (const BackupResult& b : snaps_) {
    for (const SnapshotTable& t : b.manifest.tables) {
      if (t.schema.has_records()) CollectTree(&cache, t.root.id, &distinct, &leaves);
    }
  }
  EXPECT_EQ(walker.stats().nodes_read, distinct.size());
  for (const auto& [id, n] : reads) EXPECT_EQ(n, 1) << id.Hex();
}

TEST(RenderKeyTest, KeysAsUsersSeeThem) {
  std::string k;
  EncodeKey({Value::Integer(42)}, &k);
  EXPECT_EQ(RenderKey(k), "42");
  k.clear();
  EncodeKey({Value::Text("a"), Value::Integer(7)}, &k);
  EXPECT_EQ(RenderKey(k), "[\"a\",7]");
  EXPECT_EQ(RenderKey("\x99"), "x'99'");
}

}  // namespace
}  // namespace tidemark
