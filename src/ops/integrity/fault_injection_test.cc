// Write paths under failure: fail the Nth backend call for N = 1, 2, … until
// no fault fires; crash between steps; several writers at once. After each
// run the repository must pass check, and every blob whose pack was
// committed must read back exactly (STYLE.md: SQLite's do_faultsim_test).
#include <dirent.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "ops/integrity/check.h"
#include "repo/blob_store.h"
#include "storage/faulty_backend.h"
#include "storage/local_backend.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

const KdfParams kFastKdf{1, 8192};

// Deterministic, incompressible content: packs fill at the real rate.
std::string Content(int i, size_t size) {
  std::string s = "blob " + std::to_string(i) + " ";
  std::string block = Sha256(s);
  while (s.size() < size) {
    s += block;
    block = Sha256(block);
  }
  s.resize(size);
  return s;
}

void InitRepo(Backend* backend) {
  InitOptions opts;
  opts.kdf = kFastKdf;
  opts.pack_target = 64 * 1024;
  ASSERT_TRUE(Repository::Init(backend, "pw", opts).ok());
}

// Opens through `clean`, checks with read-data, and returns the damage.
std::vector<CheckFinding> CheckDamage(Backend* clean) {
  auto repo = Repository::Open(clean, "pw");
  EXPECT_TRUE(repo.ok()) << repo.status().ToString();
  if (!repo.ok()) return {{"repo", repo.status().ToString()}};
  CheckOptions o;
  o.read_data = true;
  auto r = CheckRepository(repo->get(), o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->damage : std::vector<CheckFinding>{{"check", r.status().ToString()}};
}

// Stores 1000 blobs of 1-3 KiB and flushes, then appends a ledger entry,
// through `backend`. Records which blobs were committed (pack + index
// durable). Returns the first error.
Status StoreThousand(Backend* backend, std::set<Id>* committed, std::map<Id, std::string>* all) {
  TM_ASSIGN_OR_RETURN(auto repo, Repository::Open(backend, "pw"));
  BlobStore store(repo.get());
  TM_RETURN_IF_ERROR(store.LoadIndex());
  store.SetCommitListener([&](const IndexPack& p) {
    for (const PackEntry& e : p.blobs) committed->insert(e.id);
  });
  for (int i = 0; i < 1000; i++) {
    const std::string c = Content(i, 1024 + (i * 37) % 2048);
    (*all)[ComputeBlobId(repo->keys(), c)] = c;
    TM_RETURN_IF_ERROR(store.Put(BlobType::kData, c).status());
  }
  TM_RETURN_IF_ERROR(store.Flush());
  Ledger ledger(repo.get());
  return ledger.Append({"", "store", "ok", {}, {}, {{"blobs", 1000}}}).status();
}

TEST(FaultInjectionTest, FailNthCallUntilNoFaultFires) {
  ScopedTempDir cache;
  setenv("TIDEMARK_CACHE_DIR", cache.path().c_str(), 1);
  int runs = 0;
  for (uint64_t n = 1;; n++) {
    MemBackend mem;
    InitRepo(&mem);
    FaultyBackend faulty(&mem);
    faulty.FailNthCall(n);
    std::set<Id> committed;
    std::map<Id, std::string> all;
    Status s = StoreThousand(&faulty, &committed, &all);
    const bool fired = faulty.fault_fired();
    if (fired) faulty.Reset();  // keep calls() of the clean run only
    runs++;
    if (!fired) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(committed.size(), 1000u);
    } else {
      EXPECT_FALSE(s.ok()) << "fault at call " << n << " was not reported";
    }
    // Whatever happened, the repository is intact ...
    auto damage = CheckDamage(&mem);
    ASSERT_TRUE(damage.empty()) << "call " << n << ": " << damage[0].object << ": "
                                << damage[0].message;
    // ... every committed blob reads back, and no blob reads back wrong.
    auto repo = Repository::Open(&mem, "pw");
    ASSERT_TRUE(repo.ok());
    BlobStore store(repo->get());
    ASSERT_TRUE(store.LoadIndex().ok());
    for (const Id& id : committed) {
      auto got = store.Get(id);
      ASSERT_TRUE(got.ok()) << "call " << n << ": " << got.status().ToString();
      ASSERT_EQ(*got, all[id]);
    }
    store.index().ForEach(
        [&](const Id& id, const BlobLocation&) { EXPECT_EQ(*store.Get(id), all[id]); });
    if (!fired) {
      // Every call of the clean run had its turn to fail.
      EXPECT_EQ(static_cast<uint64_t>(runs), faulty.calls() + 1);
      EXPECT_GT(faulty.calls(), 60u);  // ~32 packs: a pack and an index put each
      break;
    }
  }
}

TEST(FaultInjectionTest, LostAcknowledgementsLeaveOnlyHarmlessLeftovers) {
  MemBackend mem;
  InitRepo(&mem);
  FaultyBackend faulty(&mem);
  faulty.FailPutAfterWrite(true);  // every put lands but reports failure
  std::set<Id> committed;
  std::map<Id, std::string> all;
  EXPECT_FALSE(StoreThousand(&faulty, &committed, &all).ok());
  EXPECT_TRUE(committed.empty());
  EXPECT_TRUE(CheckDamage(&mem).empty());
}

// Crash points: stop the process (all later calls fail) after the k-th put,
// for every k: between pack and index, between index and ledger, mid-ledger.
TEST(FaultInjectionTest, CrashAfterEveryPut) {
  ScopedTempDir cache;
  setenv("TIDEMARK_CACHE_DIR", cache.path().c_str(), 1);
  for (uint64_t k = 0;; k++) {
    MemBackend mem;
    InitRepo(&mem);
    FaultyBackend faulty(&mem);
    faulty.FailMethod(FaultyBackend::Method::kPut, Status::IOError("crashed"), k);
    std::set<Id> committed;
    std::map<Id, std::string> all;
    Status s = StoreThousand(&faulty, &committed, &all);
    auto damage = CheckDamage(&mem);
    ASSERT_TRUE(damage.empty()) << "crash after put " << k << ": " << damage[0].message;
    if (s.ok()) break;
  }
}

// A disk that acknowledges writes and then loses them (no real fsync):
// the index survives, its pack does not. check must notice.
TEST(FaultInjectionTest, DroppedUnsyncedPackIsDetected) {
  MemBackend mem;
  InitRepo(&mem);
  FaultyBackend faulty(&mem);
  auto repo = Repository::Open(&faulty, "pw");
  ASSERT_TRUE(repo.ok());
  BlobStore store(repo->get());
  ASSERT_TRUE(faulty.HoldWrites(true).ok());
  ASSERT_TRUE(store.Put(BlobType::kData, Content(1, 5000)).ok());
  ASSERT_TRUE(store.Flush().ok());
  // Sync only the index (simulated by copying the held index file through).
  std::vector<FileInfo> index;
  ASSERT_TRUE(faulty
                  .List(FileKind::kIndex,
                        [&](const FileInfo& f) {
                          index.push_back(f);
                          return Status::OK();
                        })
                  .ok());
  ASSERT_EQ(index.size(), 1u);
  ASSERT_TRUE(mem.Put(index[0].handle, *faulty.Get(index[0].handle)).ok());
  faulty.Crash();
  auto damage = CheckDamage(&mem);
  ASSERT_EQ(damage.size(), 1u);
  EXPECT_NE(damage[0].message.find("but missing"), std::string::npos);
}

TEST(ConcurrencyTest, FourWritersWithOverlappingBlobs) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  ASSERT_TRUE(LocalBackend::Create(dir.path() + "/repo").ok());
  auto backend = LocalBackend::Open(dir.path() + "/repo");
  ASSERT_TRUE(backend.ok());
  InitRepo(backend->get());
  std::mutex mu;
  std::map<Id, std::string> all;
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      auto repo = Repository::Open(backend->get(), "pw");
      if (!repo.ok()) {
        results[t] = repo.status();
        return;
      }
      BlobStore store(repo->get());
      // Writer t stores blobs [t*200, t*200+400): each overlaps its neighbour.
      for (int i = t * 200; i < t * 200 + 400 && results[t].ok(); i++) {
        const std::string c = Content(i, 2000);
        auto id = store.Put(BlobType::kData, c);
        results[t] = id.status();
        std::lock_guard<std::mutex> lock(mu);
        if (id.ok()) all[*id] = c;
      }
      if (results[t].ok()) results[t] = store.Flush();
      Ledger ledger(repo->get());
      if (results[t].ok()) results[t] = ledger.Append({"", "store", "ok", {}, {}, {}}).status();
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& s : results) ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(all.size(), 1000u);
  auto damage = CheckDamage(backend->get());
  ASSERT_TRUE(damage.empty()) << damage[0].message;
  auto repo = Repository::Open(backend->get(), "pw");
  BlobStore store(repo->get());
  ASSERT_TRUE(store.LoadIndex().ok());
  for (const auto& [id, content] : all) ASSERT_EQ(*store.Get(id), content);
  Ledger ledger(repo->get());
  auto verified = ledger.Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok);
  EXPECT_EQ(verified->head.seq, 4u);
}

// Known plaintext in blobs and ledger entries appears in no repository file.
TEST(ConfidentialityTest, KnownPlaintextAppearsInNoFile) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string root = dir.path() + "/repo";
  ASSERT_TRUE(LocalBackend::Create(root).ok());
  auto backend = LocalBackend::Open(root);
  ASSERT_TRUE(backend.ok());
  InitRepo(backend->get());
  auto repo = Repository::Open(backend->get(), "pw");
  ASSERT_TRUE(repo.ok());
  const std::string marker = "KNOWN-PLAINTEXT-customer-alice@example.com";
  BlobStore store(repo->get());
  ASSERT_TRUE(store.Put(BlobType::kData, marker).ok());  // stored raw
  std::string repeated;
  for (int i = 0; i < 200; i++) repeated += marker + "\n";
  ASSERT_TRUE(store.Put(BlobType::kData, repeated).ok());  // zstd-compressed
  ASSERT_TRUE(store.Flush().ok());
  Ledger ledger(repo->get());
  ASSERT_TRUE(ledger.Append({"", "backup", "ok", {{"source", marker}}, {marker}, {}}).ok());
  int files = 0;
  std::function<void(const std::string&)> scan = [&](const std::string& path) {
    DIR* d = opendir(path.c_str());
    ASSERT_NE(d, nullptr);
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string p = path + "/" + name;
      if (e->d_type == DT_DIR) {
        scan(p);
        continue;
      }
      std::ifstream in(p, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      files++;
      EXPECT_EQ(bytes.find("KNOWN-PLAINTEXT"), std::string::npos) << p;
      EXPECT_EQ(bytes.find("alice@example"), std::string::npos) << p;
    }
    closedir(d);
  };
  scan(root);
  EXPECT_GE(files, 5);  // config, key, pack, index, ledger entry
}

}  // namespace
}  // namespace tidemark
