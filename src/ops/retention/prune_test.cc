// prune: reclaims space without ever losing a kept snapshot. Covers the
// two-phase protocol beside writers (docs/format/prune.md), a kill at every
// named step, the Nth backend call failing, a loop of backups racing
// repeated prunes, and the memory bound. After every run the repository
// must pass check with read-data and every snapshot must restore.
#include "ops/retention/prune.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ops/backup/backup.h"
#include "ops/integrity/check.h"
#include "ops/restore/restore.h"
#include "ops/retention/forget.h"
#include "ops/testing/sqlite_testlib.h"
#include "repo/index.h"
#include "repo/lock.h"
#include "repo/pack.h"
#include "storage/faulty_backend.h"
#include "storage/mem_backend.h"
#include "storage/s3_backend.h"
#include "storage/s3_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

const FileKind kKinds[] = {FileKind::kConfig,   FileKind::kKey,  FileKind::kPack,
                           FileKind::kIndex,    FileKind::kLock, FileKind::kLedger,
                           FileKind::kSnapshot, FileKind::kHold, FileKind::kPrune};

void CopyBackend(Backend* from, Backend* to) {
  for (FileKind k : kKinds) {
    ASSERT_TRUE(from->List(k,
                           [&](const FileInfo& f) {
                             auto data = from->Get(f.handle);
                             if (!data.ok()) return data.status();
                             return to->Put(f.handle, *data);
                           })
                    .ok());
  }
}

uint64_t PackBytes(Backend* b) {
  uint64_t n = 0;
  EXPECT_TRUE(b->List(FileKind::kPack, [&](const FileInfo& f) {
                 n += f.size;
                 return Status::OK();
               }).ok());
  return n;
}

// A few tables, ~600 rows and a 150 KB blob; `version` changes part of it.
void WriteVersion(const std::string& path, int version) {
  TestDb db(path);
  if (version == 1) {
    db.Exec(R"sql(
      CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, memo TEXT);
      CREATE TABLE files(id INTEGER PRIMARY KEY, content BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
        INSERT INTO orders SELECT i, 'c' || (i % 40), hex(randomblob(40)) FROM n;
      INSERT INTO files VALUES (1, randomblob(150000));
    )sql");
    return;
  }
  db.Exec("UPDATE orders SET memo = hex(randomblob(40)) WHERE id % 3 = " +
          std::to_string(version % 3) + "; UPDATE files SET content = randomblob(150000);");
}

// Check with read-data finds no damage, and every snapshot restores and
// matches its digests. Returns the number of snapshots.
size_t ExpectIntact(Backend* backend, const std::string& scratch) {
  auto repo = Repository::Open(backend, TestRepo::kPassword);
  EXPECT_TRUE(repo.ok()) << repo.status().ToString();
  if (!repo.ok()) return 0;
  CheckOptions co;
  co.read_data = true;
  co.check_ledger = false;
  auto report = CheckRepository(repo->get(), co);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  if (report.ok()) {
    for (const CheckFinding& f : report->damage) ADD_FAILURE() << f.object << ": " << f.message;
  }
  auto ids = ListSnapshots(**repo);
  EXPECT_TRUE(ids.ok());
  if (!ids.ok()) return 0;
  BlobStore store(repo->get());
  EXPECT_TRUE(store.LoadIndex().ok());
  for (const Id& id : *ids) {
    auto m = ReadSnapshot(**repo, id);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (!m.ok()) continue;
    RestoreOptions ro;
    ro.path = scratch + "/r-" + id.Short() + ".db";
    auto r = RestoreSqlite(&store, **repo, *m, ro);
    EXPECT_TRUE(r.ok()) << "snapshot " << id.Short() << ": " << r.status().ToString();
    if (r.ok()) {
      EXPECT_TRUE(VerifySqliteAgainstManifest(ro.path, *m, {}).ok());
    }
    ::unlink(ro.path.c_str());
  }
  return ids->size();
}

Result<PruneReport> PruneThrough(Backend* backend, PruneOptions o = {}) {
  TM_ASSIGN_OR_RETURN(auto repo, Repository::Open(backend, TestRepo::kPassword));
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo.get(), false, "prune"));
  o.own_lock = lock->info().id;
  return Prune(repo.get(), o);
}

PruneOptions DryRun() {
  PruneOptions o;
  o.dry_run = true;
  return o;
}

// As `tidemark forget` does it: under an exclusive lock (Refused while a
// backup holds its shared one).
Status ForgetAllButLast(Backend* backend) {
  TM_ASSIGN_OR_RETURN(auto repo, Repository::Open(backend, TestRepo::kPassword));
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo.get(), true, "forget"));
  ForgetOptions o;
  o.policy.last = 1;
  return Forget(*repo, o).status();
}

class PruneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    for (int v = 1; v <= 3; v++) {
      paths_[v] = dir_.path() + "/v" + std::to_string(v) + ".db";
      if (v > 1) CopyFileOrFail(paths_[v - 1], paths_[v]);
      WriteVersion(paths_[v], v);
    }
  }
  // Three snapshots (v1, v2, v3) of source "app" in `mem`.
  std::unique_ptr<TestRepo> History(MemBackend* mem) {
    auto repo = TestRepo::Create(mem);
    if (!repo) return nullptr;
    for (int v = 1; v <= 3; v++) EXPECT_TRUE(repo->Backup(paths_[v]).ok());
    return repo;
  }
  // The history with all but v3 forgotten, made once and copied.
  void ForgottenHistory(MemBackend* mem) {
    if (!template_) {
      template_ = std::make_unique<MemBackend>();
      ASSERT_NE(History(template_.get()), nullptr);
      ASSERT_TRUE(ForgetAllButLast(template_.get()).ok());
    }
    CopyBackend(template_.get(), mem);
  }
  ScopedTempDir dir_;
  std::string paths_[4];
  std::unique_ptr<MemBackend> template_;
};

TEST_F(PruneTest, ReclaimsWhatForgottenSnapshotsUsed) {
  MemBackend mem;
  ForgottenHistory(&mem);
  const uint64_t before = PackBytes(&mem);
  auto dry = PruneThrough(&mem, DryRun());
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_GT(dry->candidates, 0u);
  EXPECT_GT(dry->would_delete_packs + dry->would_repack_packs, 0u);
  EXPECT_EQ(PackBytes(&mem), before);  // a dry run changes nothing
  auto r = PruneThrough(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->roots, 1u);
  EXPECT_EQ(r->marks_swept, 1u);
  EXPECT_TRUE(r->waiting_for.empty());
  EXPECT_EQ(r->blobs_spared, 0u);
  EXPECT_GT(r->packs_deleted, 0u);
  EXPECT_GT(r->blobs_deleted, 0u);
  EXPECT_LT(PackBytes(&mem), before * 6 / 10);
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
  // Nothing is left to do, and no mark stays behind.
  auto again = PruneThrough(&mem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->candidates, 0u);
  EXPECT_EQ(again->packs_deleted, 0u);
  bool any_mark = false;
  ASSERT_TRUE(mem.List(FileKind::kPrune,
                       [&](const FileInfo&) {
                         any_mark = true;
                         return Status::OK();
                       })
                  .ok());
  EXPECT_FALSE(any_mark);
}

// A backup that loaded the index before the mark may deduplicate against a
// candidate; prune must wait for it and then spare what its snapshot uses.
TEST_F(PruneTest, WaitsForEarlierWritersAndSparesWhatTheyReference) {
  MemBackend mem;
  ForgottenHistory(&mem);  // v1's blobs are candidates now
  auto writer = Repository::Open(&mem, TestRepo::kPassword);
  ASSERT_TRUE(writer.ok());
  auto wlock = RepoLock::Acquire(writer->get(), false, "backup");
  ASSERT_TRUE(wlock.ok());
  BlobStore early(writer->get());
  ASSERT_TRUE(early.LoadIndex().ok());  // before the mark: nothing is doomed
  EXPECT_EQ(early.doomed_count(), 0u);

  auto first = PruneThrough(&mem);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->mark.empty());
  ASSERT_EQ(first->waiting_for.size(), 1u);
  EXPECT_NE(first->waiting_for[0].find("backup"), std::string::npos);
  EXPECT_EQ(first->packs_deleted, 0u);

  // The early writer now stores v1 again: every blob deduplicates against
  // the old (doomed) copies.
  BackupOptions bo;
  bo.source = SqliteSourceRef(paths_[1]);
  bo.name = "app";
  auto b = Backup(writer->get(), &early, bo);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(early.stats().blobs_added, 0u);
  // While it holds its lock, a second prune still waits and makes no new mark.
  auto second = PruneThrough(&mem);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->waiting_for.size(), 1u);
  EXPECT_TRUE(second->mark.empty());
  ASSERT_TRUE((*wlock)->Release().ok());

  auto third = PruneThrough(&mem);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->marks_swept, 1u);
  EXPECT_GT(third->blobs_spared, 0u);
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 2u);
}

// A writer that starts after the mark never reuses a doomed blob: it stores
// fresh copies, so the sweep may delete the old ones at once.
TEST_F(PruneTest, LaterWritersStoreFreshCopiesOfDoomedBlobs) {
  MemBackend mem;
  ForgottenHistory(&mem);
  auto other = Repository::Open(&mem, TestRepo::kPassword);
  ASSERT_TRUE(other.ok());
  auto olock = RepoLock::Acquire(other->get(), false, "restore");  // keeps the mark waiting
  ASSERT_TRUE(olock.ok());
  auto first = PruneThrough(&mem);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->waiting_for.size(), 1u);

  auto writer = Repository::Open(&mem, TestRepo::kPassword);
  ASSERT_TRUE(writer.ok());
  BlobStore late(writer->get());
  ASSERT_TRUE(late.LoadIndex().ok());
  EXPECT_EQ(late.doomed_count(), first->candidates);
  BackupOptions bo;
  bo.source = SqliteSourceRef(paths_[1]);
  bo.name = "app";
  auto b = Backup(writer->get(), &late, bo);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_GT(late.stats().blobs_added, 0u);  // fresh copies, not dedup
  // Reads of a rewritten blob come from the fresh copy.
  ASSERT_TRUE(late.Get(b->manifest.tables[0].root.id).ok());
  ASSERT_TRUE((*olock)->Release().ok());
  auto sweep = PruneThrough(&mem);
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  EXPECT_EQ(sweep->marks_swept, 1u);
  EXPECT_GT(sweep->packs_deleted, 0u);
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 2u);
}

// Kill prune after each step that changes the repository, then check,
// restore, resume, and check again.
TEST_F(PruneTest, KillAtEveryStepThenResume) {
  for (int k = 0; k < 200; k++) {
    SCOPED_TRACE("killed after step " + std::to_string(k));
    MemBackend mem;
    ForgottenHistory(&mem);
    const uint64_t before = PackBytes(&mem);
    int steps = 0;
    std::string killed_at;
    PruneOptions o;
    o.crash_point = [&](std::string_view step) {
      if (steps++ == k) {
        killed_at = step;
        return Status::IOError("killed");
      }
      return Status::OK();
    };
    auto r = PruneThrough(&mem, o);
    if (r.ok()) {
      EXPECT_GT(k, 5);  // mark, wait list, packs, index, deletions, mark removal
      EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
      return;
    }
    SCOPED_TRACE("at " + killed_at);
    EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
    auto resumed = PruneThrough(&mem);
    ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
    EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
    EXPECT_LT(PackBytes(&mem), before * 6 / 10);
    auto idle = PruneThrough(&mem);
    ASSERT_TRUE(idle.ok());
    EXPECT_EQ(idle->candidates, 0u);
  }
  FAIL() << "prune never completed";
}

// The Nth backend call fails, for N = 1, 2, ... until no fault fires.
TEST_F(PruneTest, FailNthCallUntilNoFaultFires) {
  for (uint64_t n = 1; n < 2000; n++) {
    SCOPED_TRACE("fault at call " + std::to_string(n));
    MemBackend mem;
    ForgottenHistory(&mem);
    FaultyBackend faulty(&mem);
    faulty.FailNthCall(n);
    auto r = PruneThrough(&faulty);
    const bool fired = faulty.fault_fired();
    EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
    if (!fired) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_GT(n, 20u);
      return;
    }
    // Whatever happened, a later prune finishes the job (after `unlock`,
    // in case the fault kept the lock file from being removed).
    {
      auto r2 = Repository::Open(&mem, TestRepo::kPassword);
      ASSERT_TRUE(r2.ok());
      ASSERT_TRUE(RemoveLocks(r2->get(), /*all=*/true).ok());
    }
    auto again = PruneThrough(&mem);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    auto idle = PruneThrough(&mem);
    ASSERT_TRUE(idle.ok());
    EXPECT_EQ(idle->candidates, 0u);
    EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
  }
  FAIL() << "the fault still fired after 2000 calls";
}

// Backups run in a loop while another thread forgets and prunes again and
// again. No snapshot may ever reference a deleted blob.
TEST_F(PruneTest, BackupsRacingRepeatedPrunes) {
  MemBackend mem;
  auto repo = History(&mem);
  ASSERT_NE(repo, nullptr);
  const std::string live = dir_.path() + "/live.db";
  CopyFileOrFail(paths_[3], live);
  std::atomic<bool> done{false};
  std::atomic<int> backups{0}, prunes{0}, sweeps{0};
  std::thread writer([&] {
    // However this thread ends (a failed ASSERT returns early), the loop
    // below must stop.
    struct Done {
      std::atomic<bool>* flag;
      ~Done() { *flag = true; }
    } set_done{&done};
    for (int i = 0; i < 10; i++) {
      WriteVersion(live, 4 + i);
      auto r = Repository::Open(&mem, TestRepo::kPassword);
      ASSERT_TRUE(r.ok());
      // forget holds an exclusive lock for a moment; a backup then waits.
      auto lock = RepoLock::Acquire(r->get(), false, "backup");
      for (int tries = 0; !lock.ok() && lock.status().IsRefused() && tries < 5000; tries++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        lock = RepoLock::Acquire(r->get(), false, "backup");
      }
      ASSERT_TRUE(lock.ok()) << lock.status().ToString();
      BlobStore store(r->get());
      ASSERT_TRUE(store.LoadIndex().ok());
      BackupOptions bo;
      bo.source = SqliteSourceRef(live);
      bo.name = "app";
      auto b = Backup(r->get(), &store, bo);
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      backups++;
    }
  });
  while (!done) {
    // forget needs an exclusive lock: refused while a backup holds its
    // shared one, which is the documented behaviour; try again.
    Status f = ForgetAllButLast(&mem);
    EXPECT_TRUE(f.ok() || f.IsRefused()) << f.ToString();
    auto p = PruneThrough(&mem);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    prunes++;
    sweeps += static_cast<int>(p->marks_swept);
  }
  writer.join();
  EXPECT_EQ(backups.load(), 10);
  EXPECT_GT(prunes.load(), 0);
  EXPECT_GE(ExpectIntact(&mem, dir_.path()), 1u);
  // Quiet now: one more forget and prune leave exactly the last snapshot.
  ASSERT_TRUE(ForgetAllButLast(&mem).ok());
  auto last = PruneThrough(&mem);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->waiting_for.empty());
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
}

TEST_F(PruneTest, MarkingMemoryStaysUnder64BytesPerBlob) {
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  BlobStore store(repo->repo());
  for (int i = 0; i < 40000; i++) {
    ASSERT_TRUE(store.Put(BlobType::kData, "blob " + std::to_string(i)).ok());
  }
  ASSERT_TRUE(store.Flush().ok());
  auto r = PruneThrough(&mem, DryRun());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->blobs, 40000u);
  EXPECT_EQ(r->candidates, 40000u);
  EXPECT_LE(r->index_memory_bytes, 64u * r->blobs) << r->index_memory_bytes;
}

TEST_F(PruneTest, AppendOnlyRefusesAndAnotherPruneExcludes) {
  MemBackend mem;
  ForgottenHistory(&mem);
  auto repo = Repository::Open(&mem, TestRepo::kPassword);
  ASSERT_TRUE(repo.ok());
  auto ao = (*repo)->AddKey("ao", KdfParams{1, 8192}, format::kKeyFlagAppendOnly);
  ASSERT_TRUE(ao.ok());
  auto limited = Repository::Open(&mem, "ao");
  ASSERT_TRUE(limited.ok());
  EXPECT_TRUE(Prune(limited->get(), PruneOptions{}).status().IsPermissionDenied());
  auto other = RepoLock::Acquire(repo->get(), false, "prune");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(PruneThrough(&mem).status().IsRefused());
}

// Flips one bit of a file in `mem` (in its last byte: the sealed part).
void FlipLastBit(MemBackend* mem, const FileHandle& h) {
  auto data = mem->Get(h);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  data->back() ^= 0x01;
  ASSERT_TRUE(mem->Put(h, *data, PutMode::kOverwrite).ok());
}

std::vector<CheckFinding> CheckFindings(Backend* backend, bool notes) {
  auto repo = Repository::Open(backend, TestRepo::kPassword);
  EXPECT_TRUE(repo.ok());
  if (!repo.ok()) return {};
  CheckOptions co;
  co.check_ledger = false;
  auto r = CheckRepository(repo->get(), co);
  EXPECT_TRUE(r.ok());
  return r.ok() ? (notes ? r->notes : r->damage) : std::vector<CheckFinding>{};
}

// One flipped bit in prune/<mark>.wait: check reports it, and prune sets
// the mark aside and goes on (it used to fail every run with exit 3).
TEST_F(PruneTest, DamagedWaitListIsReportedAndSetAside) {
  MemBackend mem;
  ForgottenHistory(&mem);
  {
    auto other = Repository::Open(&mem, TestRepo::kPassword);
    ASSERT_TRUE(other.ok());
    auto olock = RepoLock::Acquire(other->get(), false, "restore");  // keeps the mark waiting
    ASSERT_TRUE(olock.ok());
    auto first = PruneThrough(&mem);
    ASSERT_TRUE(first.ok());
    ASSERT_FALSE(first->mark.empty());
    ASSERT_EQ(first->waiting_for.size(), 1u);
    FlipLastBit(&mem, {FileKind::kPrune, first->mark + ".wait"});
    auto damage = CheckFindings(&mem, false);
    ASSERT_EQ(damage.size(), 1u);
    EXPECT_EQ(damage[0].object, "prune wait list " + first->mark + ".wait");
  }
  auto r = PruneThrough(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->set_aside.size(), 1u);
  EXPECT_EQ(r->marks_swept, 1u);  // the fresh mark, swept at once
  EXPECT_GT(r->packs_deleted, 0u);
  EXPECT_TRUE(CheckFindings(&mem, false).empty());
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
}

// A lock not refreshed for longer than the staleness limit (its holder was
// killed) does not hold the sweep back: no `unlock` needed.
TEST_F(PruneTest, StaleLockDoesNotHoldTheSweep) {
  MemBackend mem;
  ForgottenHistory(&mem);
  FakeClock clock(Clock::Real()->NowMicros());
  auto killed = Repository::Open(&mem, TestRepo::kPassword, &clock);
  ASSERT_TRUE(killed.ok());
  auto klock = RepoLock::Acquire(killed->get(), false, "backup");
  ASSERT_TRUE(klock.ok());
  auto first = PruneThrough(&mem);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->waiting_for.size(), 1u);  // live: it may still use a candidate
  EXPECT_EQ(first->marks_swept, 0u);
  // Its holder dies: no refresh. Rewind the lock's refresh time past the
  // limit by writing it again from an old clock.
  clock.Advance(-(kLockStaleMicros + kLockRefreshMicros));
  ASSERT_TRUE((*klock)->Refresh().ok());
  auto second = PruneThrough(&mem);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->waiting_for.empty());
  EXPECT_EQ(second->marks_swept, 1u);
  EXPECT_GT(second->packs_deleted, 0u);
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
}

size_t DuplicateNotes(Backend* backend) {
  size_t n = 0;
  for (const CheckFinding& f : CheckFindings(backend, true)) {
    if (f.message.find("more than one pack") != std::string::npos) n++;
  }
  return n;
}

// Killed between writing its repack index and deleting the old index
// files, a prune leaves two copies of every repacked blob; the resumed
// prune must not copy them a third time, and leaves one copy of each.
TEST_F(PruneTest, DuplicateCopiesLeftByAKilledSweepAreDropped) {
  MemBackend mem;
  {
    // Two snapshots that share the orders table; only the file changes,
    // so the first one's packs mix kept and unused blobs.
    auto repo = TestRepo::Create(&mem);
    ASSERT_NE(repo, nullptr);
    ASSERT_TRUE(repo->Backup(paths_[1]).ok());
    const std::string changed = dir_.path() + "/files-changed.db";
    CopyFileOrFail(paths_[1], changed);
    TestDb(changed).Exec("UPDATE files SET content = randomblob(150000);");
    ASSERT_TRUE(repo->Backup(changed).ok());
  }
  ASSERT_TRUE(ForgetAllButLast(&mem).ok());
  PruneOptions o;
  o.max_unused = 0;  // repack every pack with a candidate
  o.crash_point = [](std::string_view step) {
    return step == "index-written" ? Status::IOError("killed") : Status::OK();
  };
  auto killed = PruneThrough(&mem, o);
  ASSERT_FALSE(killed.ok()) << killed->packs_repacked << " " << killed->index_written << " "
                            << killed->packs_deleted << " " << killed->candidates;
  ASSERT_GT(DuplicateNotes(&mem), 0u);  // the precondition of this test
  PruneOptions again;
  again.max_unused = 0;
  auto resumed = PruneThrough(&mem, again);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  auto idle = PruneThrough(&mem, again);
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_EQ(DuplicateNotes(&mem), 0u);
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
}

// Copies of a blob in two packs (however they came): prune drops one.
TEST_F(PruneTest, DropsDuplicateCopies) {
  MemBackend mem;
  ForgottenHistory(&mem);
  ASSERT_TRUE(PruneThrough(&mem).ok());
  ASSERT_EQ(DuplicateNotes(&mem), 0u);
  // A second copy of every pack and index file, under new names.
  auto repo = Repository::Open(&mem, TestRepo::kPassword);
  ASSERT_TRUE(repo.ok());
  BlobStore store(repo->get());
  ASSERT_TRUE(store.LoadIndex().ok());
  std::vector<IndexPack> copies;
  ASSERT_TRUE(mem.List(FileKind::kIndex,
                       [&](const FileInfo& f) {
                         auto data = mem.Get(f.handle);
                         return DecodeIndexFile(f.handle.name, *data, (*repo)->keys().data_key,
                                                [&](IndexPack&& p) {
                                                  copies.push_back(std::move(p));
                                                  return Status::OK();
                                                });
                       })
                  .ok());
  std::vector<IndexPack> renamed;
  for (IndexPack& p : copies) {
    PackWriter w;
    for (const PackEntry& e : p.blobs) {
      auto sealed = mem.Get(PackHandle(p.pack_id), e.offset, e.sealed_len);
      ASSERT_TRUE(sealed.ok());
      w.Add(e.type, EncodedBlob{e.id, *sealed, e.raw_len});
    }
    IndexPack n;
    const std::string file = w.Finish((*repo)->keys().data_key, &n.blobs);
    n.pack_id = PackIdOf(file);
    ASSERT_TRUE(mem.Put(PackHandle(n.pack_id), file).ok());
    renamed.push_back(std::move(n));
  }
  const std::string index = EncodeIndexFile(renamed, (*repo)->keys().data_key);
  ASSERT_TRUE(mem.Put(IndexHandle(PackIdOf(index)), index).ok());
  const uint64_t doubled = PackBytes(&mem);
  ASSERT_GT(DuplicateNotes(&mem), 0u);
  auto r = PruneThrough(&mem);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->duplicate_copies, 0u);
  EXPECT_EQ(DuplicateNotes(&mem), 0u);
  EXPECT_LT(PackBytes(&mem), doubled * 6 / 10);
  EXPECT_EQ(ExpectIntact(&mem, dir_.path()), 1u);
}

// Object Lock (FORMAT.md §5.2): while storage retains them, prune deletes
// no pack and no index file, reports what it kept, and leaves a repository
// that checks and restores; once the retention has ended it reclaims them.
TEST_F(PruneTest, KeepsWhatObjectLockStillRetains) {
  auto state = std::make_shared<FakeS3Transport::State>();
  state->object_lock = true;
  auto open = [&] {
    auto b = S3Backend::Open(FakeS3Options(), std::make_unique<FakeS3Transport>(state));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(*b) : nullptr;
  };
  auto s3 = open();
  ASSERT_NE(s3, nullptr);
  {
    auto repo = TestRepo::Create(s3.get(), LockMode::kCompliance, 1);
    ASSERT_NE(repo, nullptr);
    for (int v = 1; v <= 3; v++) ASSERT_TRUE(repo->Backup(paths_[v]).ok());
  }
  ASSERT_TRUE(ForgetAllButLast(s3.get()).ok());
  const uint64_t before = PackBytes(s3.get());
  auto r = PruneThrough(s3.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->candidates, 0u);
  EXPECT_EQ(r->packs_deleted + r->unindexed_deleted, 0u);
  EXPECT_GT(r->locked_kept, 0u);
  EXPECT_GT(r->locked_until_us, Clock::Real()->NowMicros());
  EXPECT_EQ(r->locks_extended, 0u);  // more than half of each lock is left
  // Locks and marks go; forget hid the forgotten snapshots behind delete
  // markers (their versions stay in the bucket); prune removed nothing retained.
  for (const auto& [key, body] : state->hidden) {
    if (key.rfind("snapshots/", 0) == 0) continue;
    auto lock = state->retention.find(key);
    if (lock != state->retention.end() && lock->second.until_us > Clock::Real()->NowMicros()) {
      ADD_FAILURE() << "prune deleted retained " << key;
    }
  }
  EXPECT_GE(PackBytes(s3.get()), before);  // repacked copies are added, nothing goes
  EXPECT_EQ(ExpectIntact(s3.get(), dir_.path()), 1u);

  // Two days later the locks have ended, for storage and for tidemark.
  FakeClock later(Clock::Real()->NowMicros() + 2 * 86400LL * 1000000);
  state->clock = &later;
  auto repo = Repository::Open(s3.get(), TestRepo::kPassword, &later);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  auto lock = RepoLock::Acquire(repo->get(), false, "prune");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  PruneOptions o;
  o.own_lock = (*lock)->info().id;
  auto after = Prune(repo->get(), o);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  // The packs the first prune took out of the index are deleted now.
  EXPECT_GT(after->packs_deleted + after->unindexed_deleted, 0u);
  EXPECT_EQ(after->locked_kept, 0u);
  EXPECT_LT(PackBytes(s3.get()), before);
  // What the kept snapshot needs is locked again for a full day from then;
  // nothing of it was left unlocked: every pack the index lists, and the
  // snapshot and config.
  EXPECT_GT(after->locks_extended, 0u);
  {
    auto check = Repository::Open(s3.get(), TestRepo::kPassword, &later);
    ASSERT_TRUE(check.ok());
    BlobStore store(check->get());
    ASSERT_TRUE(store.LoadIndex().ok());
    ASSERT_TRUE(s3->List(FileKind::kPack, [&](const FileInfo& f) {
                    auto id = Id::FromHex(f.handle.name);
                    if (!id.ok() || !store.index().HasPack(*id)) return Status::OK();
                    EXPECT_GE(
                        state->retention["data/" + f.handle.name.substr(0, 2) + "/" + f.handle.name]
                            .until_us,
                        later.NowMicros() + 86400LL * 1000000 - 2000000)
                        << f.handle.name;
                    return Status::OK();
                  }).ok());
  }
  for (const auto& [key, lock] : state->retention) {
    if (!state->objects.count(key) || key.rfind("locks/", 0) == 0) continue;
    if (key.rfind("snapshots/", 0) == 0 || key == "config") {
      EXPECT_GE(lock.until_us, later.NowMicros() + 86400LL * 1000000 - 2000000) << key;
    }
  }
  lock->reset();
  repo->reset();
  EXPECT_EQ(ExpectIntact(s3.get(), dir_.path()), 1u);
  state->clock = Clock::Real();
}

}  // namespace
}  // namespace tidemark
