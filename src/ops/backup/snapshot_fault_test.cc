// Snapshots that stay whole: backups under storage faults (STYLE.md: fail
// the Nth call for N = 1, 2, … until no fault fires; crash after every put),
// restores of damaged repositories, and backups taken while a writer
// commits. After every run the repository must pass check with read-data,
// and every snapshot that exists must restore and verify.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>

#include "ops/backup/backup.h"
#include "ops/integrity/check.h"
#include "ops/restore/restore.h"
#include "ops/testing/sqlite_testlib.h"
#include "repo/pack.h"
#include "storage/faulty_backend.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

// A source whose backup writes several packs (64 KiB each): a few tables,
// ~500 rows, and a 200 KB random blob. `version` changes some of it.
void CreateSource(const std::string& path, int version) {
  TestDb db(path);
  db.Exec(R"sql(
    CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, total REAL, memo);
    CREATE TABLE customers(name TEXT PRIMARY KEY, city TEXT) WITHOUT ROWID;
    CREATE TABLE files(id INTEGER PRIMARY KEY, content BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
      INSERT INTO orders SELECT i, 'c' || (i % 40), i * 1.25, hex(randomblob(30)) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
      INSERT INTO customers SELECT 'c' || i, 'city ' || i FROM n;
    INSERT INTO files VALUES (1, randomblob(200000));
  )sql");
  if (version > 1) {
    db.Exec(
        "UPDATE orders SET memo = 'v2' WHERE id % 7 = 0; DELETE FROM customers WHERE "
        "name > 'c3'; INSERT INTO files VALUES (2, randomblob(150000));");
  }
}

// Opens the repository in `backend` and backs up `path` as source "app".
Status BackupThrough(Backend* backend, const Clock* clock, const std::string& path) {
  TM_ASSIGN_OR_RETURN(auto repo, Repository::Open(backend, TestRepo::kPassword, clock));
  BlobStore store(repo.get());
  TM_RETURN_IF_ERROR(store.LoadIndex());
  BackupOptions opts;
  opts.source = SqliteSourceRef(path);
  opts.name = "app";
  return Backup(repo.get(), &store, opts).status();
}

// The repository in `clean` passes check with read-data, and each snapshot
// restores (the restore checks every table's digest) into `scratch`.
// Returns the number of snapshots.
size_t ExpectIntactAndRestorable(Backend* clean, const std::string& scratch) {
  auto repo = Repository::Open(clean, TestRepo::kPassword);
  EXPECT_TRUE(repo.ok()) << repo.status().ToString();
  if (!repo.ok()) return 0;
  CheckOptions co;
  co.read_data = true;
  auto report = CheckRepository(repo->get(), co);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  if (report.ok()) {
    for (const CheckFinding& f : report->damage) ADD_FAILURE() << f.object << ": " << f.message;
  }
  // Every snapshot file, read strictly (LoadSnapshots would skip damage).
  auto ids = ListSnapshots(**repo);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  if (!ids.ok()) return 0;
  BlobStore store(repo->get());
  EXPECT_TRUE(store.LoadIndex().ok());
  for (const Id& id : *ids) {
    auto m = ReadSnapshot(**repo, id);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (!m.ok()) continue;
    const std::string target = scratch + "/restore-" + id.Short() + ".db";
    RestoreOptions ro;
    ro.path = target;
    auto r = RestoreSqlite(&store, **repo, *m, ro);
    EXPECT_TRUE(r.ok()) << "snapshot " << id.Short() << ": " << r.status().ToString();
    EXPECT_TRUE(VerifySqliteAgainstManifest(target, *m, {}).ok());
    ::unlink(target.c_str());
  }
  return ids->size();
}

// A temp dir on tmpfs when there is one: every restore fsyncs its file, and
// the fault loops restore hundreds of times. Falls back to $TMPDIR.
std::unique_ptr<ScopedTempDir> MakeScratchDir() {
  const char* old = ::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  if (::access("/dev/shm", W_OK) == 0) ::setenv("TMPDIR", "/dev/shm", 1);
  auto dir = std::make_unique<ScopedTempDir>();
  if (old) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  return dir;
}

class SnapshotFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    v1_ = dir_.path() + "/v1.db";
    v2_ = dir_.path() + "/v2.db";
    ASSERT_NO_FATAL_FAILURE(CreateSource(v1_, 1));
    ASSERT_NO_FATAL_FAILURE(CreateSource(v2_, 2));
  }
  // A fresh repository in `mem` holding one clean backup of v1.
  std::unique_ptr<TestRepo> RepoWithFirstBackup(MemBackend* mem) {
    auto repo = TestRepo::Create(mem);
    if (repo == nullptr) return nullptr;
    auto b = repo->Backup(v1_);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    repo->clock()->Advance(60'000'000);
    return repo;
  }

  std::unique_ptr<ScopedTempDir> scratch_ = MakeScratchDir();
  const ScopedTempDir& dir_ = *scratch_;
  std::string v1_, v2_;
};

TEST_F(SnapshotFaultTest, FailNthCallUntilNoFaultFires) {
  uint64_t runs = 0;
  for (uint64_t n = 1; n < 1000; n++) {
    SCOPED_TRACE("fault at call " + std::to_string(n));
    MemBackend mem;
    auto repo = RepoWithFirstBackup(&mem);
    ASSERT_NE(repo, nullptr);
    FaultyBackend faulty(&mem);
    faulty.FailNthCall(n);
    const Status s = BackupThrough(&faulty, repo->clock(), v2_);
    const bool fired = faulty.fault_fired();
    const uint64_t calls = faulty.calls();
    runs++;
    const size_t snapshots = ExpectIntactAndRestorable(&mem, dir_.path());
    if (fired) {
      // A failed backup leaves no new snapshot; one that got past the
      // fault must have left a whole one (checked above).
      EXPECT_EQ(snapshots, s.ok() ? 2u : 1u) << s.ToString();
      EXPECT_FALSE(s.ok()) << "the fault was not reported";
      continue;
    }
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(snapshots, 2u);
    // Every call had its turn to fail. (The count varies a little from run
    // to run: two threads fill the packs, so pack boundaries move.)
    EXPECT_GT(calls, 20u);
    EXPECT_GE(runs, calls + 1);
    return;
  }
  FAIL() << "the fault still fired after 1000 calls";
}

// A crash after the k-th put, for every k: all later calls fail. Then a
// "restart" (a clean backend) must find the repository intact, and a new
// backup must succeed despite the leftovers.
TEST_F(SnapshotFaultTest, CrashAfterEveryPut) {
  for (uint64_t k = 0; k < 1000; k++) {
    SCOPED_TRACE("crash after put " + std::to_string(k));
    MemBackend mem;
    auto repo = RepoWithFirstBackup(&mem);
    ASSERT_NE(repo, nullptr);
    FaultyBackend faulty(&mem);
    faulty.FailMethod(FaultyBackend::Method::kPut, Status::IOError("crashed"), k);
    const Status s = BackupThrough(&faulty, repo->clock(), v2_);
    const size_t snapshots = ExpectIntactAndRestorable(&mem, dir_.path());
    EXPECT_EQ(snapshots, s.ok() ? 2u : 1u) << s.ToString();
    if (s.ok()) return;
    repo->clock()->Advance(60'000'000);
    const Status again = BackupThrough(&mem, repo->clock(), v2_);
    ASSERT_TRUE(again.ok()) << again.ToString();
    EXPECT_EQ(ExpectIntactAndRestorable(&mem, dir_.path()), 2u);
  }
  FAIL() << "the backup never completed";
}

// Writes acknowledged but never synced (a power loss with a cache that lies)
// vanish whole: the repository is as it was before the backup.
TEST_F(SnapshotFaultTest, UnsyncedBackupVanishesWhole) {
  MemBackend mem;
  auto repo = RepoWithFirstBackup(&mem);
  ASSERT_NE(repo, nullptr);
  FaultyBackend faulty(&mem);
  ASSERT_TRUE(faulty.HoldWrites(true).ok());
  ASSERT_TRUE(BackupThrough(&faulty, repo->clock(), v2_).ok());
  EXPECT_GT(faulty.pending_writes(), 2u);  // packs, index files, the snapshot
  faulty.Crash();
  EXPECT_EQ(ExpectIntactAndRestorable(&mem, dir_.path()), 1u);
}

// Flips one byte of a stored blob through the backend (the pack is
// rewritten in place, as disk damage would leave it).
void FlipBlobByte(Backend* backend, const BlobLocation& loc, uint32_t offset_in_blob) {
  const FileHandle h = PackHandle(loc.pack_id);
  auto pack = backend->Get(h);
  ASSERT_TRUE(pack.ok()) << pack.status().ToString();
  ASSERT_LT(offset_in_blob, loc.sealed_len);
  (*pack)[loc.offset + offset_in_blob] ^= 0x01;
  ASSERT_TRUE(backend->Put(h, *pack, PutMode::kOverwrite).ok());
}

TEST_F(SnapshotFaultTest, DamagedTreeNodeFailsRestoreAndLeavesNoFile) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(v1_);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  // The last leaf of the largest table: the restore has written rows by then.
  const TreeRoot root = b->manifest.FindTable("orders")->root;
  ASSERT_GE(root.level, 1);
  auto store = repo->OpenStore();
  Id leaf = root.id;
  {
    NodeCache cache(store.get());
    for (int level = root.level; level > 0; level--) {
      auto node = cache.Load(leaf);
      ASSERT_TRUE(node.ok());
      leaf = (*node)->entries.back().child;
    }
  }
  auto loc = store->Find(leaf);
  ASSERT_TRUE(loc.has_value());
  ASSERT_NO_FATAL_FAILURE(FlipBlobByte(&mem, *loc, loc->sealed_len / 2));

  const std::string target = dir_.path() + "/restored.db";
  auto r = repo->Restore(b->manifest, target);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(leaf.Hex().substr(0, 12)), std::string::npos)
      << "the error should name the damaged node: " << r.status().ToString();
  EXPECT_FALSE(PathExists(target));
  for (const std::string& name : ListFolder(dir_.path())) {
    EXPECT_EQ(name.find("restored"), std::string::npos) << "left behind: " << name;
  }
  // Other tables still restore on their own.
  RestoreOptions opts;
  opts.path = target;
  opts.tables = {"customers"};
  EXPECT_TRUE(repo->Restore(b->manifest, opts).ok());
}

TEST_F(SnapshotFaultTest, DamagedLargeValueChunkFailsRestore) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(v1_);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  // The 200 KB blob is the only large value: its chunks are the only data
  // blobs (tree nodes are tree blobs).
  auto store = repo->OpenStore();
  std::vector<BlobLocation> data;
  store->index().ForEach([&](const Id&, const BlobLocation& l) {
    if (l.type == BlobType::kData) data.push_back(l);
  });
  ASSERT_FALSE(data.empty());
  ASSERT_NO_FATAL_FAILURE(FlipBlobByte(&mem, data[0], 40));
  const std::string target = dir_.path() + "/restored.db";
  auto r = repo->Restore(b->manifest, target);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_FALSE(PathExists(target));
}

TEST_F(SnapshotFaultTest, TamperedSnapshotFileFailsToRead) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(v1_);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const FileHandle h{FileKind::kSnapshot, b->snapshot.Hex()};
  auto file = mem.Get(h);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(ReadSnapshot(*repo->repo(), b->snapshot).ok());
  for (size_t at : {size_t(0), size_t(8), file->size() / 2, file->size() - 1}) {
    SCOPED_TRACE("byte " + std::to_string(at));
    std::string bad = *file;
    bad[at] ^= 0x01;
    ASSERT_TRUE(mem.Put(h, bad, PutMode::kOverwrite).ok());
    auto m = ReadSnapshot(*repo->repo(), b->snapshot);
    ASSERT_FALSE(m.ok());
    EXPECT_TRUE(m.status().IsCorruption()) << m.status().ToString();
    EXPECT_NE(m.status().message().find(b->snapshot.Hex().substr(0, 12)), std::string::npos)
        << m.status().ToString();
    // Listing skips the damaged snapshot; check names it.
    auto all = LoadSnapshots(*repo->repo());
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_TRUE(all->empty());
    auto report = CheckRepository(repo->repo(), CheckOptions{});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->damage.size(), 1u);
    EXPECT_EQ(report->damage[0].object, "snapshot " + b->snapshot.Hex());
  }
  // A whole snapshot file stored under another snapshot's name is refused.
  ASSERT_TRUE(mem.Put(h, *file, PutMode::kOverwrite).ok());
  auto second = repo->Backup(v2_);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(
      mem.Put({FileKind::kSnapshot, second->snapshot.Hex()}, *file, PutMode::kOverwrite).ok());
  auto swapped = ReadSnapshot(*repo->repo(), second->snapshot);
  EXPECT_TRUE(swapped.status().IsCorruption()) << swapped.status().ToString();
}

// Bank transfers: money moves between accounts and each move is logged in
// another table, so a backup that read the two tables at different moments
// would break the invariants checked by CheckBank. A filler table read
// between them makes that window wide: the writer commits many times while
// the backup scans it.
void CreateBank(const std::string& path, bool wal) {
  TestDb db(path);
  db.Exec(std::string("PRAGMA journal_mode = ") + (wal ? "WAL" : "DELETE") + ";" + R"sql(
    CREATE TABLE transfers(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, amount INTEGER);
    CREATE TABLE filler(id INTEGER PRIMARY KEY, pad TEXT);
    CREATE TABLE accounts(id INTEGER PRIMARY KEY, opening INTEGER NOT NULL,
                          balance INTEGER NOT NULL, moves INTEGER NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
      INSERT INTO filler SELECT i, hex(randomblob(50)) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
      INSERT INTO accounts SELECT i, 10000, 10000, 0 FROM n;
  )sql");
}

// Commits transfers (and now and then a new empty account) until *stop.
void TransferLoop(const std::string& path, std::atomic<bool>* stop, std::atomic<int>* commits,
                  std::atomic<int>* failures) {
  TestDb db(path, 60000);
  db.Exec("PRAGMA synchronous = OFF");
  std::mt19937 rng(7);
  int accounts = 100;
  while (!stop->load()) {
    const int src = 1 + int(rng() % accounts), dst = 1 + int(rng() % accounts);
    const std::string amount = std::to_string(1 + rng() % 500);
    std::string sql = "BEGIN IMMEDIATE;";
    sql += "UPDATE accounts SET balance = balance - " + amount +
           ", moves = moves + 1 WHERE id = " + std::to_string(src) + ";";
    sql += "UPDATE accounts SET balance = balance + " + amount +
           ", moves = moves + 1 WHERE id = " + std::to_string(dst) + ";";
    sql += "INSERT INTO transfers(src, dst, amount) VALUES (" + std::to_string(src) + ", " +
           std::to_string(dst) + ", " + amount + ");";
    const bool open_account = rng() % 10 == 0;
    if (open_account)
      sql += "INSERT INTO accounts VALUES (" + std::to_string(accounts + 1) + ", 0, 0, 0);";
    if (db.TryExec(sql + "COMMIT") != SQLITE_OK) {
      // SQLITE_BUSY past the timeout (rollback journal): undo and try again.
      db.TryExec("ROLLBACK");
      failures->fetch_add(1);
      continue;
    }
    if (open_account) accounts++;
    commits->fetch_add(1);
  }
}

// The invariants of a bank file: total money, and every balance and move
// count explained by the transfers table.
void CheckBank(const std::string& path) {
  TestDb db(path);
  EXPECT_EQ(db.Int("SELECT sum(balance) FROM accounts"), 1000000);
  EXPECT_EQ(db.Int("SELECT sum(moves) FROM accounts"),
            2 * db.Int("SELECT count(*) FROM transfers"));
  EXPECT_EQ(db.Int(R"sql(
    SELECT count(*) FROM accounts a WHERE balance != opening
      + coalesce((SELECT sum(amount) FROM transfers WHERE dst = a.id), 0)
      - coalesce((SELECT sum(amount) FROM transfers WHERE src = a.id), 0))sql"),
            0);
  EXPECT_EQ(db.Text("PRAGMA integrity_check"), "ok");
}

void BackupsWhileWriting(bool wal) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string bank = dir.path() + "/bank.db";
  ASSERT_NO_FATAL_FAILURE(CreateBank(bank, wal));
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0}, failures{0};
  std::thread writer(TransferLoop, bank, &stop, &commits, &failures);
  // Stops and joins the writer however the test ends.
  struct Joiner {
    std::atomic<bool>* stop;
    std::thread* t;
    ~Joiner() {
      *stop = true;
      if (t->joinable()) t->join();
    }
  } joiner{&stop, &writer};
  std::vector<BackupResult> backups;
  for (int i = 0; i < 5; i++) {
    // Let the writer commit between backups (a wait, not a timing assertion).
    const int target = commits.load() + 50;
    while (commits.load() < target && failures.load() < 10000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_LT(failures.load(), 10000) << "the writer cannot commit";
    auto b = repo->Backup(bank);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (b.ok()) backups.push_back(*b);
  }
  stop = true;
  writer.join();
  ASSERT_EQ(backups.size(), 5u);
  for (size_t i = 0; i < backups.size(); i++) {
    SCOPED_TRACE("backup " + std::to_string(i));
    const Manifest& m = backups[i].manifest;
    if (i > 0) {
      EXPECT_EQ(m.parent, backups[i - 1].snapshot);
      EXPECT_GT(m.FindTable("transfers")->root.count,
                backups[i - 1].manifest.FindTable("transfers")->root.count);
    }
    const std::string restored = dir.path() + "/restored" + std::to_string(i) + ".db";
    auto r = repo->Restore(m, restored);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(VerifySqliteAgainstManifest(restored, m, {}).ok());
    CheckBank(restored);
  }
  CheckBank(bank);
}

TEST(ConsistencyTest, BackupsOfWalDatabaseUnderWritesAreConsistent) { BackupsWhileWriting(true); }

TEST(ConsistencyTest, BackupsOfRollbackJournalDatabaseUnderWritesAreConsistent) {
  BackupsWhileWriting(false);
}

}  // namespace
}  // namespace tidemark
