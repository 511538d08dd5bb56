#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

#include "storage/mem_backend.h"
#include "tree/tree.h"
#include "tree/tree_stream.h"

namespace tidemark {
namespace {

using Entries = std::map<std::string, std::string>;
// kind, key, old value, new value
using Change = std::tuple<TreeChange::Kind, std::string, std::string, std::string>;

std::string Key(uint64_t i) {
  char buf[16];
  snprintf(buf, sizeof buf, "k%08llu", static_cast<unsigned long long>(i));
  return buf;
}
std::string Value(std::mt19937_64& rng, size_t n) {
  std::string v(n, '\0');
  for (char& c : v) c = static_cast<char>(rng());
  return v;
}

// The differences a diff must report, from the two maps.
std::vector<Change> ModelDiff(const Entries& a, const Entries& b) {
  std::vector<Change> out;
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      out.emplace_back(TreeChange::kRemoved, ia->first, ia->second, "");
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      out.emplace_back(TreeChange::kAdded, ib->first, "", ib->second);
      ++ib;
    } else {
      if (ia->second != ib->second) {
        out.emplace_back(TreeChange::kChanged, ia->first, ia->second, ib->second);
      }
      ++ia, ++ib;
    }
  }
  return out;
}

TreeDiffCounts CountsOf(const std::vector<Change>& changes) {
  TreeDiffCounts c;
  for (const Change& ch : changes) {
    (std::get<0>(ch) == TreeChange::kAdded     ? c.added
     : std::get<0>(ch) == TreeChange::kRemoved ? c.removed
                                               : c.changed)++;
  }
  return c;
}

class TreeDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto r = Repository::Init(&backend_, "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
    store_ = std::make_unique<BlobStore>(repo_.get());
    cache_ = std::make_unique<NodeCache>(store_.get());
    params_ = TreeParams::ForRepository(*repo_);
    small_ = params_;
    small_.min_bytes = 64, small_.avg_bytes = 256, small_.max_bytes = 1024;
  }
  void TearDown() override { EXPECT_TRUE(store_->Flush().ok()); }

  TreeRoot Build(const Entries& m, const TreeParams& p) {
    TreeBuilder b(store_.get(), p);
    for (const auto& [k, v] : m) EXPECT_TRUE(b.Add(k, v).ok());
    auto root = b.Finish();
    EXPECT_TRUE(root.ok()) << root.status().ToString();
    return root.ok() ? *root : TreeRoot{};
  }

  // Runs the full diff (collecting changes) and the counts-only diff.
  std::vector<Change> Diff(const TreeRoot& a, const TreeRoot& b, TreeDiffCounts* full = nullptr) {
    std::vector<Change> out;
    auto counts = TreeDiff(cache_.get(), a, b, [&](const TreeChange& c) {
      out.emplace_back(c.kind, c.key, c.old_value, c.new_value);
      return true;
    });
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    auto only = TreeDiff(cache_.get(), a, b, nullptr);
    EXPECT_TRUE(only.ok()) << only.status().ToString();
    if (counts.ok() && only.ok()) {
      EXPECT_EQ(only->added, counts->added);
      EXPECT_EQ(only->removed, counts->removed);
      EXPECT_EQ(only->changed, counts->changed);
      EXPECT_LE(only->nodes_loaded, counts->nodes_loaded);
      const TreeDiffCounts model = CountsOf(out);
      EXPECT_EQ(counts->added, model.added);
      EXPECT_EQ(counts->removed, model.removed);
      EXPECT_EQ(counts->changed, model.changed);
      if (full) *full = *counts;
    }
    return out;
  }

  MemBackend backend_;
  std::unique_ptr<Repository> repo_;
  std::unique_ptr<BlobStore> store_;
  std::unique_ptr<NodeCache> cache_;
  TreeParams params_, small_;
};

// Random edits of a random map: single keys, runs of keys, values that keep
// or change their size.
Entries Mutate(Entries m, std::mt19937_64& rng, size_t key_space) {
  const size_t ops = std::vector<size_t>{0, 1, 2, 5, 40, 300}[rng() % 6];
  for (size_t i = 0; i < ops; i++) {
    const std::string k = Key(rng() % key_space);
    switch (rng() % 5) {
      case 0:
        m[k] = Value(rng, 1 + rng() % 120);
        break;
      case 1:
        m.erase(k);
        break;
      case 2: {
        auto it = m.lower_bound(k);
        if (it != m.end()) it->second = Value(rng, it->second.size());
        break;
      }
      case 3: {  // delete a run
        auto it = m.lower_bound(k);
        for (size_t n = rng() % 200; n > 0 && it != m.end(); n--) it = m.erase(it);
        break;
      }
      case 4:
        m[k + "/" + std::to_string(rng() % 10)] = "";
        break;
    }
  }
  return m;
}

TEST_F(TreeDiffTest, MatchesModelOverManySeeds) {
  for (uint64_t seed = 1; seed <= 120; seed++) {
    std::mt19937_64 rng(seed);
    const size_t key_space = 1 + rng() % 6000;
    Entries a;
    for (size_t n = rng() % 3000; n > 0; n--) a[Key(rng() % key_space)] = Value(rng, rng() % 100);
    const Entries b = Mutate(a, rng, key_space);
    const TreeParams& pa = seed % 3 == 0 ? params_ : small_;
    // Some seeds build b with other boundaries: a diff must not rely on them.
    TreeParams pb = pa;
    if (seed % 4 == 1) pb.hash_key[0] ^= 1;
    if (seed % 4 == 2) pb.min_bytes = 32, pb.avg_bytes = 128;
    const TreeRoot ra = Build(a, pa), rb = Build(b, pb);
    EXPECT_EQ(Diff(ra, rb), ModelDiff(a, b)) << seed;
    EXPECT_EQ(Diff(rb, ra), ModelDiff(b, a)) << seed;
  }
}

TEST_F(TreeDiffTest, SameEntriesOtherBoundariesHaveNoChanges) {
  std::mt19937_64 rng(9);
  Entries m;
  for (int i = 0; i < 5000; i++) m[Key(i)] = Value(rng, 50);
  TreeParams other = small_;
  other.hash_key[3] ^= 0x40;
  const TreeRoot a = Build(m, small_), b = Build(m, other);
  ASSERT_NE(a.id, b.id);
  EXPECT_TRUE(Diff(a, b).empty());
}

TEST_F(TreeDiffTest, EqualRootsLoadNothing) {
  std::mt19937_64 rng(10);
  Entries m;
  for (int i = 0; i < 20000; i++) m[Key(i)] = Value(rng, 80);
  const TreeRoot root = Build(m, params_);
  TreeDiffCounts counts;
  EXPECT_TRUE(Diff(root, root, &counts).empty());
  EXPECT_EQ(counts.nodes_loaded, 0u);
}

TEST_F(TreeDiffTest, OneChangeLoadsOnlyItsPath) {
  std::mt19937_64 rng(11);
  Entries m;
  for (int i = 0; i < 100000; i++) m[Key(i)] = Value(rng, 87);
  const TreeRoot a = Build(m, params_);
  ASSERT_GE(a.level, 2);
  for (int round = 0; round < 6; round++) {
    Entries changed = m;
    const std::string k = Key(rng() % 100000);
    if (round % 3 == 0) changed[k] = Value(rng, 87);
    if (round % 3 == 1) changed.erase(k);
    if (round % 3 == 2) changed[k + "+"] = "new";
    const TreeRoot b = Build(changed, params_);
    TreeDiffCounts counts;
    const std::vector<Change> got = Diff(a, b, &counts);
    EXPECT_EQ(got, ModelDiff(m, changed));
    EXPECT_EQ(got.size(), 1u);
    // Both paths, plus a neighbour or two where a boundary moved.
    EXPECT_LE(counts.nodes_loaded, 2u * (a.level + 1) + 4) << round;
  }
}

TEST_F(TreeDiffTest, OneSidedSubtreesAreCountedWithoutLoading) {
  std::mt19937_64 rng(12);
  Entries m;
  for (int i = 0; i < 50000; i++) m[Key(i)] = Value(rng, 60);
  const TreeRoot empty = Build({}, params_), full = Build(m, params_);
  auto counts = TreeDiff(cache_.get(), empty, full, nullptr);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->added, 50000u);
  EXPECT_LE(counts->nodes_loaded, full.level + 1u);  // the leftmost path and the empty leaf
  counts = TreeDiff(cache_.get(), full, empty, nullptr);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->removed, 50000u);
  TreeDiffCounts all;
  EXPECT_EQ(Diff(empty, full, &all), ModelDiff({}, m));
}

TEST_F(TreeDiffTest, CallbackStopsAndFails) {
  Entries a, b;
  for (int i = 0; i < 1000; i++) b[Key(i)] = "v";
  const TreeRoot ra = Build(a, small_), rb = Build(b, small_);
  int calls = 0;
  auto counts = TreeDiff(cache_.get(), ra, rb, [&](const TreeChange& c) {
    EXPECT_EQ(c.key, Key(calls));
    return ++calls < 5;
  });
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(counts->added, 5u);
  auto failed = TreeDiff(cache_.get(), ra, rb,
                         [](const TreeChange&) -> Result<bool> { return Status::IOError("disk"); });
  EXPECT_EQ(failed.status().code(), Status::Code::kIOError);
}

TEST_F(TreeDiffTest, MissingNodeIsAnError) {
  Entries a, b;
  for (int i = 0; i < 1000; i++) a[Key(i)] = "v";
  b = a;
  b.erase(Key(500));
  const TreeRoot ra = Build(a, small_);
  TreeRoot rb = Build(b, small_);
  rb.id.bytes[0] ^= 1;  // a root no store holds
  EXPECT_FALSE(TreeDiff(cache_.get(), ra, rb, nullptr).ok());
}

// ---------------------------------------------------------------------------
// LeafStreamDiff: the old tree against the leaves a builder makes of `b`.

struct Streamed {
  std::vector<Change> changes;
  TreeDiffCounts counts, counts_only;
  uint64_t skipped = 0;
  TreeRoot root;  // of b, as the builder made it
};

Streamed StreamDiff(BlobStore* store, NodeCache* cache, const TreeRoot& old, const Entries& b,
                    const TreeParams& p, bool store_nothing) {
  Streamed out;
  LeafStreamDiff with(cache, old, [&](const TreeChange& c) {
    out.changes.emplace_back(c.kind, c.key, c.old_value, c.new_value);
    return Status::OK();
  });
  LeafStreamDiff counts_only(cache, old);
  TreeBuilder builder(store, p);
  if (store_nothing) builder.StoreNothing();
  builder.SetLeafListener([&](const Id& id, std::string_view node) {
    TM_RETURN_IF_ERROR(with.AddLeaf(id, node));
    return counts_only.AddLeaf(id, node);
  });
  for (const auto& [k, v] : b) EXPECT_TRUE(builder.Add(k, v).ok());
  auto root = builder.Finish();
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  if (root.ok()) out.root = *root;
  auto c = with.Finish();
  auto co = counts_only.Finish();
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(co.ok()) << co.status().ToString();
  if (c.ok()) out.counts = *c;
  if (co.ok()) out.counts_only = *co;
  out.skipped = with.leaves_skipped();
  return out;
}

TEST_F(TreeDiffTest, StreamMatchesModelOverManySeeds) {
  for (uint64_t seed = 1; seed <= 120; seed++) {
    std::mt19937_64 rng(seed);
    const size_t key_space = 1 + rng() % 6000;
    Entries a;
    for (size_t n = rng() % 3000; n > 0; n--) a[Key(rng() % key_space)] = Value(rng, rng() % 100);
    const Entries b = Mutate(a, rng, key_space);
    const TreeParams& pa = seed % 3 == 0 ? params_ : small_;
    TreeParams pb = pa;  // other boundaries only cost time
    if (seed % 5 == 1) pb.hash_key[0] ^= 1;
    const TreeRoot ra = Build(a, pa);
    const Streamed s = StreamDiff(store_.get(), cache_.get(), ra, b, pb, seed % 2 == 0);
    const std::vector<Change> model = ModelDiff(a, b);
    EXPECT_EQ(s.changes, model) << seed;
    const TreeDiffCounts want = CountsOf(model);
    for (const TreeDiffCounts& c : {s.counts, s.counts_only}) {
      EXPECT_EQ(c.added, want.added) << seed;
      EXPECT_EQ(c.removed, want.removed) << seed;
      EXPECT_EQ(c.changed, want.changed) << seed;
    }
    EXPECT_EQ(s.root, Build(b, pb)) << seed;  // the listener changes nothing
  }
}

TEST_F(TreeDiffTest, StreamSkipsEqualLeavesUnread) {
  std::mt19937_64 rng(21);
  Entries m;
  for (int i = 0; i < 100000; i++) m[Key(i)] = Value(rng, 87);
  const TreeRoot a = Build(m, params_);
  ASSERT_GE(a.level, 2);
  TreeDiffCounts walk = *TreeDiff(cache_.get(), a, Build({}, params_), [](auto&) { return true; });
  const uint64_t all_nodes = walk.nodes_loaded - 1;  // every node of a, and the empty leaf
  const Streamed same = StreamDiff(store_.get(), cache_.get(), a, m, params_, true);
  EXPECT_TRUE(same.changes.empty());
  EXPECT_LT(same.counts.nodes_loaded * 20, all_nodes);  // internal nodes only
  Entries changed = m;
  changed[Key(50000)] = Value(rng, 87);
  changed.erase(Key(70000));
  const Streamed s = StreamDiff(store_.get(), cache_.get(), a, changed, params_, true);
  EXPECT_EQ(s.changes, ModelDiff(m, changed));
  // The internal nodes, plus the leaves around the two changes.
  EXPECT_LE(s.counts.nodes_loaded, same.counts.nodes_loaded + 6);
  EXPECT_GE(s.skipped + 6, same.skipped);
}

TEST_F(TreeDiffTest, StreamStoresNothingWhenAsked) {
  std::mt19937_64 rng(22);
  Entries m;
  for (int i = 0; i < 3000; i++) m[Key(i)] = Value(rng, 40);
  const TreeRoot empty = Build({}, small_);
  const uint64_t before = store_->stats().blobs_added;
  const Streamed s = StreamDiff(store_.get(), cache_.get(), empty, m, small_, true);
  EXPECT_EQ(store_->stats().blobs_added, before);
  EXPECT_EQ(s.counts.added, 3000u);
  EXPECT_EQ(s.root, Build(m, small_));  // the ids it would have had
}

TEST_F(TreeDiffTest, StreamErrors) {
  Entries m;
  for (int i = 0; i < 1000; i++) m[Key(i)] = "v";
  TreeRoot bad = Build(m, small_);
  bad.id.bytes[0] ^= 1;  // a root no store holds
  LeafStreamDiff missing(cache_.get(), bad);
  EXPECT_FALSE(missing.AddLeaf(Id(), EncodeTreeNode(TreeNode{})).ok());
  EXPECT_FALSE(missing.Finish().ok());

  const TreeRoot good = Build(m, small_);
  LeafStreamDiff d(cache_.get(), good);
  TreeNode internal;
  internal.level = 1;
  internal.entries = {{"k", "", good.id, 1}};
  EXPECT_TRUE(d.AddLeaf(Id(), EncodeTreeNode(internal)).IsInvalidArgument());

  // The callback's error is returned; the listener's fails the build.
  LeafStreamDiff failing(cache_.get(), Build({}, small_),
                         [](const TreeChange&) { return Status::IOError("disk"); });
  TreeBuilder builder(store_.get(), small_);
  builder.SetLeafListener(
      [&](const Id& id, std::string_view node) { return failing.AddLeaf(id, node); });
  Status st;
  for (const auto& [k, v] : m) {
    st = builder.Add(k, v);
    if (!st.ok()) break;
  }
  if (st.ok()) st = builder.Finish().status();
  EXPECT_EQ(st.code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace tidemark
