// repair index against lost and damaged index files, damaged pack headers,
// storage faults (fail the Nth call for N = 1, 2, … until no fault fires)
// and crashes between steps: afterwards the repository passes check, or a
// rerun makes it pass, and every snapshot restores.
#include "ops/integrity/repair_index.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "ops/integrity/check.h"
#include "ops/testing/sqlite_testlib.h"
#include "repo/index.h"
#include "repo/pack.h"
#include "storage/faulty_backend.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

std::vector<std::string> Names(Backend* b, FileKind kind) {
  std::vector<std::string> out;
  EXPECT_TRUE(b->List(kind, [&](const FileInfo& f) {
                 out.push_back(f.handle.name);
                 return Status::OK();
               }).ok());
  std::sort(out.begin(), out.end());
  return out;
}

void FlipByteFromEnd(Backend* b, const FileHandle& h, size_t from_end) {
  auto data = b->Get(h);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_GT(data->size(), from_end);
  (*data)[data->size() - from_end] ^= 0x01;
  ASSERT_TRUE(b->Put(h, *data, PutMode::kOverwrite).ok());
}

// Check (structure and data) through `backend`; returns the damage found.
std::vector<CheckFinding> Damage(Backend* backend) {
  auto repo = Repository::Open(backend, TestRepo::kPassword);
  EXPECT_TRUE(repo.ok()) << repo.status().ToString();
  if (!repo.ok()) return {{"repo", repo.status().ToString()}};
  CheckOptions o;
  o.read_data = true;
  o.check_ledger = false;
  auto r = CheckRepository(repo->get(), o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->damage : std::vector<CheckFinding>{{"check", r.status().ToString()}};
}

std::string Describe(const std::vector<CheckFinding>& damage) {
  std::string out;
  for (const CheckFinding& f : damage) out += f.object + ": " + f.message + "\n";
  return out;
}

Result<RepairIndexReport> Repair(Backend* backend, RepairIndexOptions o = {}) {
  TM_ASSIGN_OR_RETURN(auto repo, Repository::Open(backend, TestRepo::kPassword));
  return RepairIndex(repo.get(), o);
}

class RepairIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    db_path_ = dir_.path() + "/app.db";
    TestDb db(db_path_);
    db.Exec(R"sql(
      CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, memo TEXT);
      CREATE TABLE customers(name TEXT PRIMARY KEY, city TEXT) WITHOUT ROWID;
      CREATE TABLE files(id INTEGER PRIMARY KEY, content BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
        INSERT INTO orders SELECT i, 'c' || (i % 40), hex(randomblob(40)) FROM n;
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
        INSERT INTO customers SELECT 'c' || i, 'city ' || i FROM n;
      INSERT INTO files VALUES (1, randomblob(100000));
    )sql");
  }

  // A repository in `mem` with three snapshots of the database.
  std::unique_ptr<TestRepo> MakeRepo(MemBackend* mem) {
    auto repo = TestRepo::Create(mem);
    TestDb db(db_path_);
    for (int i = 1; repo != nullptr && i <= 3; i++) {
      if (i > 1) db.Exec("UPDATE orders SET memo = 'v" + std::to_string(i) + "' WHERE id > 2900");
      auto b = repo->Backup(db_path_);
      EXPECT_TRUE(b.ok()) << b.status().ToString();
    }
    return repo;
  }

  // Every snapshot restores, each table's digest verified.
  void ExpectAllRestore(Backend* backend) {
    auto repo = Repository::Open(backend, TestRepo::kPassword);
    ASSERT_TRUE(repo.ok());
    auto snaps = LoadSnapshots(**repo);
    ASSERT_TRUE(snaps.ok());
    ASSERT_EQ(snaps->size(), 3u);
    BlobStore store(repo->get());
    ASSERT_TRUE(store.LoadIndex().ok());
    for (const SnapshotInfo& s : *snaps) {
      RestoreOptions o;
      o.path = dir_.path() + "/restore-" + std::to_string(restores_++) + ".db";
      auto r = RestoreSqlite(&store, **repo, s.manifest, o);
      EXPECT_TRUE(r.ok()) << s.id.Short() << ": " << r.status().ToString();
    }
  }

  void RemoveAllIndexFiles(Backend* b) {
    for (const std::string& n : Names(b, FileKind::kIndex)) {
      ASSERT_TRUE(b->Remove({FileKind::kIndex, n}).ok());
    }
  }

  ScopedTempDir dir_;
  std::string db_path_;
  int restores_ = 0;
};

TEST_F(RepairIndexTest, RebuildsDeletedIndex) {
  MemBackend mem;
  auto repo = MakeRepo(&mem);
  const size_t packs = Names(&mem, FileKind::kPack).size();
  ASSERT_GT(packs, 3u);
  ASSERT_NO_FATAL_FAILURE(RemoveAllIndexFiles(&mem));
  EXPECT_FALSE(Damage(&mem).empty()) << "snapshot roots are in no index";

  auto r = Repair(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->packs, packs);
  EXPECT_EQ(r->packs_indexed, packs);
  EXPECT_TRUE(r->unreadable_packs.empty());
  EXPECT_EQ(r->old_index_files, 0u);
  EXPECT_EQ(r->index_written, 1u);
  EXPECT_EQ(Names(&mem, FileKind::kIndex).size(), 1u);
  EXPECT_EQ(Describe(Damage(&mem)), "");
  ExpectAllRestore(&mem);
}

TEST_F(RepairIndexTest, ReplacesDamagedAndDuplicateIndexFiles) {
  MemBackend mem;
  auto repo = MakeRepo(&mem);
  const std::vector<std::string> old = Names(&mem, FileKind::kIndex);
  ASSERT_GT(old.size(), 2u);
  ASSERT_NO_FATAL_FAILURE(FlipByteFromEnd(&mem, {FileKind::kIndex, old[0]}, 5));
  ASSERT_FALSE(Damage(&mem).empty());
  auto r = Repair(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->damaged_index_files.size(), 1u);
  EXPECT_EQ(r->damaged_index_files[0].rfind(old[0], 0), 0u) << r->damaged_index_files[0];
  EXPECT_EQ(r->index_removed, old);
  const std::vector<std::string> now = Names(&mem, FileKind::kIndex);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(std::find(old.begin(), old.end(), now[0]), old.end());
  EXPECT_EQ(Describe(Damage(&mem)), "");
  ExpectAllRestore(&mem);
}

TEST_F(RepairIndexTest, DamagedPackHeaderIsReportedAndLeftInPlace) {
  MemBackend mem;
  auto repo = MakeRepo(&mem);
  const std::vector<std::string> packs = Names(&mem, FileKind::kPack);
  const Id bad = *Id::FromHex(packs[0]);
  ASSERT_NO_FATAL_FAILURE(FlipByteFromEnd(&mem, PackHandle(bad), 20));  // inside the header
  auto r = Repair(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->unreadable_packs.size(), 1u);
  EXPECT_EQ(r->unreadable_packs[0].first, bad);
  EXPECT_NE(r->unreadable_packs[0].second.find("header authentication failed"), std::string::npos)
      << r->unreadable_packs[0].second;
  EXPECT_EQ(r->packs_indexed, packs.size() - 1);
  EXPECT_EQ(Names(&mem, FileKind::kPack), packs) << "no pack is deleted";
  // The old file that lists the damaged pack stays: it alone says where
  // that pack's blobs are. Every other old file was replaced.
  ASSERT_EQ(r->index_kept.size(), 1u);
  EXPECT_NE(r->index_kept[0].find(bad.Hex()), std::string::npos);
  EXPECT_EQ(Names(&mem, FileKind::kIndex).size(), 2u);
  // check still reports the damaged header, and nothing else.
  auto damage = Damage(&mem);
  ASSERT_FALSE(damage.empty());
  for (const CheckFinding& f : damage) EXPECT_EQ(f.object, "pack " + bad.Hex()) << f.message;
}

TEST_F(RepairIndexTest, DryRunChangesNothing) {
  MemBackend mem;
  auto repo = MakeRepo(&mem);
  const std::vector<std::string> before = Names(&mem, FileKind::kIndex);
  RepairIndexOptions o;
  o.dry_run = true;
  auto r = Repair(&mem, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->index_written, 1u);
  EXPECT_EQ(r->index_removed, before);
  EXPECT_EQ(r->bytes_written, 0u);
  EXPECT_EQ(Names(&mem, FileKind::kIndex), before);
}

TEST_F(RepairIndexTest, FailNthCallUntilNoFaultFiresThenRerunRepairs) {
  int runs = 0;
  for (uint64_t n = 1;; n++) {
    MemBackend mem;
    auto repo = MakeRepo(&mem);
    // A damaged index file and a lost one: the repair has work to do.
    const std::vector<std::string> old = Names(&mem, FileKind::kIndex);
    ASSERT_NO_FATAL_FAILURE(FlipByteFromEnd(&mem, {FileKind::kIndex, old[0]}, 5));
    ASSERT_TRUE(mem.Remove({FileKind::kIndex, old[1]}).ok());
    FaultyBackend faulty(&mem);
    faulty.FailNthCall(n);
    auto r = Repair(&faulty);
    const bool fired = faulty.fault_fired();
    runs++;
    if (!fired) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(Describe(Damage(&mem)), "");
      EXPECT_GT(runs, 10);
      break;
    }
    EXPECT_FALSE(r.ok()) << "fault at call " << n << " was not reported";
    // Whatever the fault left, a rerun repairs it.
    auto again = Repair(&mem);
    ASSERT_TRUE(again.ok()) << "call " << n << ": " << again.status().ToString();
    ASSERT_EQ(Describe(Damage(&mem)), "") << "call " << n;
    if (n % 5 == 1) ExpectAllRestore(&mem);
    ASSERT_LT(n, 1000u);
  }
}

// A crash after any step leaves a repository that check accepts (when it
// was intact before) or that a rerun repairs.
TEST_F(RepairIndexTest, CrashAfterEveryStep) {
  for (bool damaged_before : {false, true}) {
    for (int stop_at = 1;; stop_at++) {
      MemBackend mem;
      auto repo = MakeRepo(&mem);
      if (damaged_before) {
        const std::vector<std::string> old = Names(&mem, FileKind::kIndex);
        ASSERT_NO_FATAL_FAILURE(FlipByteFromEnd(&mem, {FileKind::kIndex, old[0]}, 5));
      }
      int steps = 0;
      std::vector<std::string> seen;
      RepairIndexOptions o;
      o.crash_point = [&](std::string_view step) {
        seen.emplace_back(step);
        return ++steps == stop_at ? Status::Internal("crash") : Status::OK();
      };
      auto r = Repair(&mem, o);
      if (r.ok()) {
        EXPECT_GT(stop_at, 2);  // at least one write and one removal
        break;
      }
      ASSERT_EQ(r.status().message(), "crash");
      if (!damaged_before) {
        EXPECT_EQ(Describe(Damage(&mem)), "")
            << "crash at step " << stop_at << " (" << seen.back() << ")";
      }
      ASSERT_TRUE(Repair(&mem).ok());
      ASSERT_EQ(Describe(Damage(&mem)), "") << "after a rerun, crash at step " << stop_at;
    }
  }
}

TEST_F(RepairIndexTest, AppendOnlyAddsButNeverRemoves) {
  MemBackend mem;
  InitOptions opts;
  opts.kdf = KdfParams{1, 8192};
  opts.pack_target = 64 * 1024;
  opts.append_only = true;
  ASSERT_TRUE(Repository::Init(&mem, TestRepo::kPassword, opts).ok());
  for (int i = 1; i <= 3; i++) {
    TestDb db(db_path_);
    db.Exec("UPDATE orders SET memo = 'a" + std::to_string(i) + "' WHERE id > 2900");
    auto repo = Repository::Open(&mem, TestRepo::kPassword);
    ASSERT_TRUE(repo.ok());
    BlobStore store(repo->get());
    ASSERT_TRUE(store.LoadIndex().ok());
    BackupOptions bo;
    bo.source = SqliteSourceRef(db_path_);
    bo.name = "app";
    ASSERT_TRUE(Backup(repo->get(), &store, bo).ok());
  }
  std::vector<std::string> old = Names(&mem, FileKind::kIndex);
  ASSERT_GT(old.size(), 2u);
  // A lost index file: the repair indexes only the packs it listed.
  ASSERT_TRUE(mem.Remove({FileKind::kIndex, old[1]}).ok());
  auto r = Repair(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->append_only);
  EXPECT_EQ(r->packs_indexed, 1u);
  EXPECT_TRUE(r->index_removed.empty());
  EXPECT_TRUE(r->removal_refused.empty());
  EXPECT_EQ(Describe(Damage(&mem)), "");
  ExpectAllRestore(&mem);
  // A damaged index file cannot be removed in an append-only session.
  old = Names(&mem, FileKind::kIndex);
  ASSERT_NO_FATAL_FAILURE(FlipByteFromEnd(&mem, {FileKind::kIndex, old[0]}, 5));
  r = Repair(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removal_refused, std::vector<std::string>{old[0]});
  const std::vector<std::string> now = Names(&mem, FileKind::kIndex);
  EXPECT_NE(std::find(now.begin(), now.end(), old[0]), now.end()) << "nothing is removed";
  EXPECT_GT(now.size(), old.size()) << "its packs were indexed anew";
}

}  // namespace
}  // namespace tidemark
