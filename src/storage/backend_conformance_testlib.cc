#include "storage/backend_conformance_testlib.h"

#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "storage/faulty_backend.h"
#include "storage/local_backend.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {

namespace {

// Forwards every call to `backend`, and destroys `backend` before `owned`
// (the temporary folder or wrapped backend it depends on).
class OwningBackend : public Backend {
 public:
  OwningBackend(std::unique_ptr<Backend> backend, std::shared_ptr<void> owned)
      : owned_(std::move(owned)), backend_(std::move(backend)) {}

  Status Put(const FileHandle& h, std::string_view data, PutMode mode) override {
    return backend_->Put(h, data, mode);
  }
  Result<std::string> Get(const FileHandle& h, uint64_t offset, uint64_t length) override {
    return backend_->Get(h, offset, length);
  }
  Result<FileInfo> Stat(const FileHandle& h) override { return backend_->Stat(h); }
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override {
    return backend_->List(kind, fn);
  }
  Status Remove(const FileHandle& h) override { return backend_->Remove(h); }
  std::string Location() const override { return backend_->Location(); }
  Status EnableObjectLock(LockMode mode, int days) override {
    return backend_->EnableObjectLock(mode, days);
  }
  Status ExtendRetention(const FileHandle& h, int64_t until_us) override {
    return backend_->ExtendRetention(h, until_us);
  }
  Result<WormProbe> ProbeWorm() override { return backend_->ProbeWorm(); }

 private:
  std::shared_ptr<void> owned_;       // destroyed last
  std::unique_ptr<Backend> backend_;  // destroyed first
};

std::unique_ptr<Backend> MakeLocal() {
  auto dir = std::make_shared<ScopedTempDir>();
  const std::string path = dir->path() + "/repo";
  Status s = LocalBackend::Create(path);
  if (!s.ok()) {
    ADD_FAILURE() << s.ToString();
    return nullptr;
  }
  Result<std::unique_ptr<LocalBackend>> b = LocalBackend::Open(path);
  if (!b.ok()) {
    ADD_FAILURE() << b.status().ToString();
    return nullptr;
  }
  return std::make_unique<OwningBackend>(std::move(b).value(), dir);
}

std::unique_ptr<Backend> MakeFaultyOverMem() {
  auto mem = std::make_shared<MemBackend>();
  return std::make_unique<OwningBackend>(std::make_unique<FaultyBackend>(mem.get()), mem);
}

// Deterministic bytes covering all 256 values, NUL included.
std::string BinaryData(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

FileHandle Pack(const std::string& name) { return FileHandle{FileKind::kPack, name}; }
FileHandle Snap(const std::string& name) { return FileHandle{FileKind::kSnapshot, name}; }

const FileKind kAllKinds[] = {FileKind::kConfig,  FileKind::kKey,  FileKind::kPack,
                              FileKind::kIndex,   FileKind::kLock, FileKind::kLedger,
                              FileKind::kSnapshot};

}  // namespace

std::string BackendFactoryName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

BackendFactory LocalBackendFactory() { return {"Local", MakeLocal}; }
BackendFactory MemBackendFactory() {
  return {"Mem", [] { return std::unique_ptr<Backend>(new MemBackend()); }};
}
BackendFactory FaultyOverMemBackendFactory() { return {"FaultyOverMem", MakeFaultyOverMem}; }

void BackendConformanceTest::SetUp() {
  backend_ = GetParam().make();
  ASSERT_NE(backend_, nullptr) << "factory " << GetParam().name << " made no backend";
}

void BackendConformanceTest::TearDown() { backend_.reset(); }

void BackendConformanceTest::MustPut(const FileHandle& h, const std::string& data) {
  Status s = backend_->Put(h, data, PutMode::kCreateExclusive);
  ASSERT_TRUE(s.ok()) << h.ToString() << ": " << s.ToString();
}

std::string BackendConformanceTest::MustGet(const FileHandle& h) {
  Result<std::string> r = backend_->Get(h);
  EXPECT_TRUE(r.ok()) << h.ToString() << ": " << r.status().ToString();
  return r.ok() ? *r : std::string();
}

std::vector<std::string> BackendConformanceTest::ListNames(FileKind kind) {
  std::vector<std::string> names;
  Status s = backend_->List(kind, [&](const FileInfo& info) {
    EXPECT_EQ(info.handle.kind, kind);
    names.push_back(info.handle.name);
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << FileKindName(kind) << ": " << s.ToString();
  std::sort(names.begin(), names.end());
  return names;
}

// The tests run only in binaries that instantiate the suite.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BackendConformanceTest);

TEST_P(BackendConformanceTest, PutGetRoundTrip) {
  for (FileKind kind : kAllKinds) {
    const FileHandle h{kind, kind == FileKind::kConfig ? "" : "a1b2c3"};
    const std::string data = std::string("content of ") + FileKindName(kind);
    MustPut(h, data);
    EXPECT_EQ(MustGet(h), data) << h.ToString();
  }
}

TEST_P(BackendConformanceTest, EmptyFile) {
  MustPut(Snap("empty"), "");
  Result<std::string> r = backend().Get(Snap("empty"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "");
  Result<FileInfo> info = backend().Stat(Snap("empty"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 0u);
  EXPECT_EQ(ListNames(FileKind::kSnapshot), std::vector<std::string>{"empty"});
}

TEST_P(BackendConformanceTest, OneMebibyteOfBinaryData) {
  const std::string data = BinaryData(1 << 20, 7);
  ASSERT_NE(data.find('\0'), std::string::npos);
  MustPut(Pack("3fa1"), data);
  const std::string got = MustGet(Pack("3fa1"));
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data) << "1 MiB round trip differs";
}

TEST_P(BackendConformanceTest, RangedGet) {
  const std::string data = BinaryData(1000, 3);
  const FileHandle h = Pack("abcd");
  MustPut(h, data);
  struct Case {
    uint64_t offset, length;
    std::string want;
  };
  const Case cases[] = {
      {100, 50, data.substr(100, 50)},  // middle
      {0, 1, data.substr(0, 1)},        // first byte
      {999, 1, data.substr(999, 1)},    // last byte
      {900, 500, data.substr(900)},     // reaches past the end: the tail
      {950, 0, data.substr(950)},       // length 0: to the end
      {0, 0, data},                     // whole file
      {1000, 10, ""},                   // offset == size: empty
      {1000, 0, ""},
  };
  for (const Case& c : cases) {
    Result<std::string> r = backend().Get(h, c.offset, c.length);
    ASSERT_TRUE(r.ok()) << c.offset << "+" << c.length << ": " << r.status().ToString();
    EXPECT_TRUE(*r == c.want) << c.offset << "+" << c.length << " gave " << r->size()
                              << " bytes, want " << c.want.size();
  }
  Result<std::string> past = backend().Get(h, 1001, 1);
  EXPECT_TRUE(past.status().IsInvalidArgument()) << past.status().ToString();
  Result<std::string> huge = backend().Get(h, 10, UINT64_MAX);
  ASSERT_TRUE(huge.ok()) << huge.status().ToString();
  EXPECT_TRUE(*huge == data.substr(10));
}

TEST_P(BackendConformanceTest, RangedGetOfEmptyFile) {
  MustPut(Snap("e"), "");
  Result<std::string> r = backend().Get(Snap("e"), 0, 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "");
  EXPECT_TRUE(backend().Get(Snap("e"), 1, 0).status().IsInvalidArgument());
}

TEST_P(BackendConformanceTest, StatReportsSize) {
  MustPut(FileHandle{FileKind::kIndex, "i1"}, std::string(12345, 'x'));
  Result<FileInfo> info = backend().Stat(FileHandle{FileKind::kIndex, "i1"});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 12345u);
  EXPECT_EQ(info->handle.kind, FileKind::kIndex);
  EXPECT_EQ(info->handle.name, "i1");
  EXPECT_TRUE(backend().Stat(FileHandle{FileKind::kIndex, "i2"}).status().IsNotFound());
}

TEST_P(BackendConformanceTest, MissingFileIsNotFound) {
  EXPECT_TRUE(backend().Get(Snap("nope")).status().IsNotFound());
  EXPECT_TRUE(backend().Get(Pack("nope"), 5, 5).status().IsNotFound());
  EXPECT_TRUE(backend().Stat(FileHandle{FileKind::kConfig, ""}).status().IsNotFound());
}

TEST_P(BackendConformanceTest, ListEmptyRepository) {
  for (FileKind kind : kAllKinds) EXPECT_TRUE(ListNames(kind).empty()) << FileKindName(kind);
}

TEST_P(BackendConformanceTest, ListPerKind) {
  MustPut(FileHandle{FileKind::kConfig, ""}, "cfg");
  MustPut(FileHandle{FileKind::kKey, "k1"}, "key");
  MustPut(FileHandle{FileKind::kKey, "k2"}, "key2");
  MustPut(Pack("aa01"), "pack");
  MustPut(FileHandle{FileKind::kIndex, "i1"}, "index");
  MustPut(FileHandle{FileKind::kLock, "l1"}, "lock");
  MustPut(FileHandle{FileKind::kLedger, "0001"}, "ledger");
  MustPut(Snap("s1"), "snap");
  MustPut(Snap("k1"), "a snapshot named like a key");
  using V = std::vector<std::string>;
  EXPECT_EQ(ListNames(FileKind::kConfig), V{""});
  EXPECT_EQ(ListNames(FileKind::kKey), (V{"k1", "k2"}));
  EXPECT_EQ(ListNames(FileKind::kPack), V{"aa01"});
  EXPECT_EQ(ListNames(FileKind::kIndex), V{"i1"});
  EXPECT_EQ(ListNames(FileKind::kLock), V{"l1"});
  EXPECT_EQ(ListNames(FileKind::kLedger), V{"0001"});
  EXPECT_EQ(ListNames(FileKind::kSnapshot), (V{"k1", "s1"}));
}

TEST_P(BackendConformanceTest, ListReportsSizes) {
  MustPut(FileHandle{FileKind::kKey, "small"}, "abc");
  MustPut(FileHandle{FileKind::kKey, "big"}, std::string(4096, 'b'));
  std::map<std::string, uint64_t> sizes;
  ASSERT_TRUE(backend()
                  .List(FileKind::kKey,
                        [&](const FileInfo& info) {
                          sizes[info.handle.name] = info.size;
                          return Status::OK();
                        })
                  .ok());
  EXPECT_EQ(sizes, (std::map<std::string, uint64_t>{{"big", 4096}, {"small", 3}}));
}

TEST_P(BackendConformanceTest, ListPacksAcrossFolders) {
  std::vector<std::string> want;
  for (int i = 0; i < 256; i += 5) {
    char prefix[3];
    snprintf(prefix, sizeof(prefix), "%02x", i);
    for (const char* suffix : {"0001", "ffee"}) want.push_back(std::string(prefix) + suffix);
  }
  want.push_back("zz-not-hex");  // a prefix outside 00..ff
  want.push_back("AB");          // shortest pack name
  for (const std::string& name : want) MustPut(Pack(name), "pack " + name);
  std::sort(want.begin(), want.end());
  std::vector<std::string> got = ListNames(FileKind::kPack);
  EXPECT_EQ(got, want);  // sorted, so a duplicate would show
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size());
  EXPECT_EQ(MustGet(Pack("zz-not-hex")), "pack zz-not-hex");
}

// More files than one page of an S3 list (1,000 keys): continuation tokens.
TEST_P(BackendConformanceTest, ListMoreThanOnePage) {
  constexpr int kFiles = 1105;
  std::vector<std::string> want;
  for (int i = 0; i < kFiles; ++i) want.push_back("idx" + std::to_string(100000 + i));
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kFiles; i += 4) {
        Status s =
            backend().Put(FileHandle{FileKind::kIndex, want[i]}, want[i], PutMode::kOverwrite);
        EXPECT_TRUE(s.ok()) << want[i] << ": " << s.ToString();
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(ListNames(FileKind::kIndex), want);  // sorted, so a duplicate would show
}

TEST_P(BackendConformanceTest, ListStopsAtCallbackError) {
  for (const char* name : {"a", "b", "c"}) MustPut(FileHandle{FileKind::kLock, name}, "x");
  int calls = 0;
  Status s = backend().List(FileKind::kLock, [&](const FileInfo&) {
    ++calls;
    return Status::Refused("stop here");
  });
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_EQ(s.message(), "stop here");
  EXPECT_EQ(calls, 1);
}

TEST_P(BackendConformanceTest, ListCallbackMayRemove) {
  for (const char* name : {"a", "b", "c", "d"}) MustPut(FileHandle{FileKind::kLock, name}, "x");
  Status s = backend().List(FileKind::kLock,
                            [&](const FileInfo& info) { return backend().Remove(info.handle); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(ListNames(FileKind::kLock).empty());
}

TEST_P(BackendConformanceTest, ExclusiveCreateConflict) {
  MustPut(FileHandle{FileKind::kKey, "k"}, "original");
  Status s = backend().Put(FileHandle{FileKind::kKey, "k"}, "intruder", PutMode::kCreateExclusive);
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  EXPECT_EQ(MustGet(FileHandle{FileKind::kKey, "k"}), "original");
  EXPECT_EQ(ListNames(FileKind::kKey), std::vector<std::string>{"k"});
}

TEST_P(BackendConformanceTest, DefaultPutModeIsExclusive) {
  MustPut(Snap("s"), "one");
  EXPECT_TRUE(backend().Put(Snap("s"), "two").IsAlreadyExists());
  EXPECT_EQ(MustGet(Snap("s")), "one");
}

TEST_P(BackendConformanceTest, OverwriteReplaces) {
  const FileHandle h{FileKind::kConfig, ""};
  ASSERT_TRUE(backend().Put(h, "first version, long", PutMode::kOverwrite).ok());  // creates
  ASSERT_TRUE(backend().Put(h, "second", PutMode::kOverwrite).ok());
  EXPECT_EQ(MustGet(h), "second");
  Result<FileInfo> info = backend().Stat(h);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 6u);
  EXPECT_EQ(ListNames(FileKind::kConfig), std::vector<std::string>{""});
}

TEST_P(BackendConformanceTest, RemoveThenGetIsNotFound) {
  MustPut(Pack("cafe"), "data");
  ASSERT_TRUE(backend().Remove(Pack("cafe")).ok());
  EXPECT_TRUE(backend().Get(Pack("cafe")).status().IsNotFound());
  EXPECT_TRUE(backend().Stat(Pack("cafe")).status().IsNotFound());
  EXPECT_TRUE(ListNames(FileKind::kPack).empty());
  MustPut(Pack("cafe"), "again");  // the name is free again
  EXPECT_EQ(MustGet(Pack("cafe")), "again");
}

TEST_P(BackendConformanceTest, RemoveMissingIsNotFound) {
  EXPECT_TRUE(backend().Remove(Snap("ghost")).IsNotFound());
  MustPut(FileHandle{FileKind::kKey, "ghost"}, "a key, not a snapshot");
  EXPECT_TRUE(backend().Remove(Snap("ghost")).IsNotFound());
  EXPECT_EQ(MustGet(FileHandle{FileKind::kKey, "ghost"}), "a key, not a snapshot");
}

TEST_P(BackendConformanceTest, InvalidNamesRejected) {
  const FileHandle bad[] = {
      Snap("../x"),
      Snap("a/b"),
      Snap(""),
      Snap(".hidden"),
      Snap(".."),
      Snap("a b"),
      Snap(std::string(129, 'a')),
      Pack("a"),
      Pack("../../etc"),
      Snap(std::string("nul\0byte", 8)),
      FileHandle{FileKind::kConfig, "x"},
  };
  for (const FileHandle& h : bad) {
    SCOPED_TRACE(h.ToString());
    EXPECT_TRUE(backend().Put(h, "x", PutMode::kOverwrite).IsInvalidArgument());
    EXPECT_TRUE(backend().Put(h, "x", PutMode::kCreateExclusive).IsInvalidArgument());
    EXPECT_TRUE(backend().Get(h).status().IsInvalidArgument());
    EXPECT_TRUE(backend().Stat(h).status().IsInvalidArgument());
    EXPECT_TRUE(backend().Remove(h).IsInvalidArgument());
  }
  for (FileKind kind : kAllKinds) EXPECT_TRUE(ListNames(kind).empty()) << FileKindName(kind);
}

TEST_P(BackendConformanceTest, RacingExclusiveCreateHasOneWinner) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    const FileHandle h{FileKind::kLock, "race" + std::to_string(round)};
    std::latch start(kThreads);
    std::atomic<int> wins{0}, conflicts{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        Status s = backend().Put(h, "writer " + std::to_string(t), PutMode::kCreateExclusive);
        if (s.ok()) {
          ++wins;
          winner = t;
        } else if (s.IsAlreadyExists()) {
          ++conflicts;
        } else {
          ADD_FAILURE() << "writer " << t << ": " << s.ToString();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(conflicts.load(), kThreads - 1);
    EXPECT_EQ(MustGet(h), "writer " + std::to_string(winner.load()));
  }
  EXPECT_EQ(ListNames(FileKind::kLock).size(), 5u);
}

TEST_P(BackendConformanceTest, ConcurrentDistinctWritesAllListed) {
  constexpr int kThreads = 8, kPerThread = 16;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = std::to_string(t) + std::to_string(t) + "-" + std::to_string(i);
        Status s = backend().Put(Pack(name), BinaryData(1000 + i, t * 100 + i));
        EXPECT_TRUE(s.ok()) << name << ": " << s.ToString();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<std::string> want;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      want.push_back(std::to_string(t) + std::to_string(t) + "-" + std::to_string(i));
      EXPECT_TRUE(MustGet(Pack(want.back())) == BinaryData(1000 + i, t * 100 + i)) << want.back();
    }
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ListNames(FileKind::kPack), want);
}

TEST_P(BackendConformanceTest, ReadersNeverSeePartialFiles) {
  const std::string a = BinaryData(256 << 10, 1), b = BinaryData(200 << 10, 2);
  const FileHandle h = Snap("flip");
  const FileHandle fresh = Snap("fresh");
  MustPut(h, a);
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        Result<std::string> r = backend().Get(h);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_TRUE(*r == a || *r == b) << "saw a partial file of " << r->size() << " bytes";
        Result<std::string> f = backend().Get(fresh);
        ASSERT_TRUE(f.ok() || f.status().IsNotFound()) << f.status().ToString();
        if (f.ok()) {
          ASSERT_TRUE(*f == a) << "saw a partial new file of " << f->size() << " bytes";
        }
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(backend().Put(h, i % 2 ? a : b, PutMode::kOverwrite).ok());
    if (i == 10) {
      EXPECT_TRUE(backend().Put(fresh, a).ok());
    }
  }
  done = true;
  for (std::thread& t : readers) t.join();
}

TEST_P(BackendConformanceTest, LocationIsDescriptive) {
  const std::string loc = backend().Location();
  EXPECT_FALSE(loc.empty());
  EXPECT_NE(loc.find(':'), std::string::npos) << loc;
}

}  // namespace tidemark
