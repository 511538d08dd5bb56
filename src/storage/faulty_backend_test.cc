#include "storage/faulty_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "storage/mem_backend.h"

namespace tidemark {
namespace {

using Method = FaultyBackend::Method;

const FileHandle kSnap{FileKind::kSnapshot, "s1"};
const FileHandle kKey{FileKind::kKey, "k1"};
const FileHandle kPack{FileKind::kPack, "3fa1"};

class FaultyBackendTest : public ::testing::Test {
 protected:
  std::vector<std::string> Names(Backend& b, FileKind kind) {
    std::vector<std::string> names;
    Status s = b.List(kind, [&](const FileInfo& info) {
      names.push_back(info.handle.name);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string InnerGet(const FileHandle& h) {
    Result<std::string> r = mem_.Get(h);
    return r.ok() ? *r : "<" + r.status().ToString() + ">";
  }

  MemBackend mem_;
  FaultyBackend faulty_{&mem_};
};

TEST_F(FaultyBackendTest, PassesThroughAndCountsEveryCall) {
  EXPECT_EQ(faulty_.Location(), "faulty:mem:");
  EXPECT_TRUE(faulty_.Put(kSnap, "x").ok());
  EXPECT_TRUE(faulty_.Get(kSnap).ok());
  EXPECT_TRUE(faulty_.Stat(kSnap).ok());
  EXPECT_EQ(Names(faulty_, FileKind::kSnapshot), std::vector<std::string>{"s1"});
  EXPECT_TRUE(faulty_.Remove(kSnap).ok());
  EXPECT_TRUE(faulty_.Remove(kSnap).IsNotFound());  // failed calls count too
  EXPECT_TRUE(faulty_.Get({FileKind::kSnapshot, "../x"}).status().IsInvalidArgument());
  EXPECT_EQ(faulty_.calls(), 7u);
  EXPECT_FALSE(faulty_.fault_fired());
}

TEST_F(FaultyBackendTest, FailNthCallFailsExactlyThatCall) {
  faulty_.FailNthCall(3, Status::IOError("disk on fire"));
  EXPECT_TRUE(faulty_.Put(kSnap, "a").ok());  // 1
  EXPECT_TRUE(faulty_.Get(kSnap).ok());       // 2
  EXPECT_FALSE(faulty_.fault_fired());
  Status s = faulty_.Put(kKey, "b");  // 3
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "disk on fire");
  EXPECT_TRUE(faulty_.fault_fired());
  EXPECT_TRUE(mem_.Get(kKey).status().IsNotFound()) << "failed call reached the backend";
  EXPECT_TRUE(faulty_.Put(kKey, "b").ok());  // 4
  EXPECT_EQ(faulty_.calls(), 4u);
}

TEST_F(FaultyBackendTest, FailNthCallDefaultStatus) {
  faulty_.FailNthCall(1);
  Status s = faulty_.Stat(kSnap).status();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "injected fault");
}

// The SQLite habit: fail call N for N = 1, 2, … until no fault fires.
TEST_F(FaultyBackendTest, FailNthCallLoopVisitsEveryCall) {
  uint64_t n = 1;
  for (;; ++n) {
    faulty_.Reset();
    ASSERT_TRUE(mem_.Put(kSnap, "x", PutMode::kOverwrite).ok());
    faulty_.FailNthCall(n);
    std::vector<Status> results;
    results.push_back(faulty_.Put(kKey, "k", PutMode::kOverwrite));
    results.push_back(faulty_.Get(kSnap).status());
    results.push_back(faulty_.Stat(kSnap).status());
    results.push_back(faulty_.List(FileKind::kKey, [](const FileInfo&) { return Status::OK(); }));
    results.push_back(faulty_.Remove(kKey));
    if (!faulty_.fault_fired()) break;
    for (size_t i = 0; i < results.size(); ++i) {
      const bool injected = results[i].message() == "injected fault";
      EXPECT_EQ(injected, i + 1 == n)
          << "n=" << n << " call " << i + 1 << ": " << results[i].ToString();
    }
    // The failed call did not reach the backend.
    EXPECT_EQ(mem_.Stat(kKey).ok(), n == 5) << "n=" << n;
  }
  EXPECT_EQ(n, 6u);  // five calls, so the sixth never comes
}

TEST_F(FaultyBackendTest, FailMethodAfterSuccessfulCalls) {
  ASSERT_TRUE(mem_.Put(kSnap, "x").ok());
  faulty_.FailMethod(Method::kGet, Status::Corruption("bad get"), 2);
  EXPECT_TRUE(faulty_.Get(kSnap).ok());
  EXPECT_TRUE(faulty_.Get(kSnap).ok());
  EXPECT_FALSE(faulty_.fault_fired());
  for (int i = 0; i < 3; ++i) {
    Result<std::string> r = faulty_.Get(kSnap);
    EXPECT_TRUE(r.status().IsCorruption()) << i;
    EXPECT_EQ(r.status().message(), "bad get");
  }
  EXPECT_TRUE(faulty_.fault_fired());
  EXPECT_TRUE(faulty_.Stat(kSnap).ok());  // other methods are unaffected
  EXPECT_TRUE(faulty_.Put(kKey, "k").ok());
}

TEST_F(FaultyBackendTest, FailMethodPutNeverReachesBackend) {
  faulty_.FailMethod(Method::kPut, Status::IOError("no"));
  EXPECT_FALSE(faulty_.Put(kSnap, "x").ok());
  EXPECT_TRUE(mem_.Stat(kSnap).status().IsNotFound());
  faulty_.FailMethod(Method::kRemove, Status::IOError("no"));
  ASSERT_TRUE(mem_.Put(kKey, "k").ok());
  EXPECT_FALSE(faulty_.Remove(kKey).ok());
  EXPECT_EQ(InnerGet(kKey), "k");
  faulty_.FailMethod(Method::kList, Status::IOError("no list"));
  EXPECT_EQ(faulty_.List(FileKind::kKey, [](const FileInfo&) { return Status::OK(); }).message(),
            "no list");
}

TEST_F(FaultyBackendTest, FailPutAfterWriteReallyWrites) {
  faulty_.FailPutAfterWrite(true);
  Status s = faulty_.Put(kSnap, "written");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("acknowledgement was lost"), std::string::npos) << s.message();
  EXPECT_TRUE(faulty_.fault_fired());
  EXPECT_EQ(InnerGet(kSnap), "written");
  // A retry of the exclusive create now meets the file it wrote itself.
  faulty_.FailPutAfterWrite(false);
  EXPECT_TRUE(faulty_.Put(kSnap, "written").IsAlreadyExists());
}

TEST_F(FaultyBackendTest, FailPutAfterWriteKeepsRealErrors) {
  ASSERT_TRUE(mem_.Put(kSnap, "old").ok());
  faulty_.FailPutAfterWrite(true);
  EXPECT_TRUE(faulty_.Put(kSnap, "new").IsAlreadyExists());
  EXPECT_FALSE(faulty_.fault_fired());
  EXPECT_EQ(InnerGet(kSnap), "old");
}

TEST_F(FaultyBackendTest, CorruptReadsFlipsExactlyOneByte) {
  const std::string data = "0123456789abcdef";
  ASSERT_TRUE(mem_.Put(kPack, data).ok());
  ASSERT_TRUE(mem_.Put(kSnap, data).ok());
  faulty_.CorruptReads([](const FileHandle& h) { return h.kind == FileKind::kPack; }, 5);

  Result<std::string> whole = faulty_.Get(kPack);
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->size(), data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    if (i == 5) {
      EXPECT_EQ((*whole)[i], static_cast<char>(data[i] ^ 0x01));
    } else {
      EXPECT_EQ((*whole)[i], data[i]) << i;
    }
  }
  EXPECT_TRUE(faulty_.fault_fired());

  Result<std::string> range = faulty_.Get(kPack, 3, 4);  // bytes 3..6
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(*range, std::string("3") + "4" + static_cast<char>('5' ^ 1) + "6");
  EXPECT_EQ(*faulty_.Get(kPack, 6, 0), data.substr(6));  // offset 5 outside the range
  EXPECT_EQ(*faulty_.Get(kPack, 0, 5), data.substr(0, 5));
  EXPECT_EQ(*faulty_.Get(kSnap), data);  // not matched
  EXPECT_EQ(InnerGet(kPack), data);      // stored bytes untouched
}

TEST_F(FaultyBackendTest, CorruptReadsBeyondFileDoesNothing) {
  ASSERT_TRUE(mem_.Put(kPack, "abc").ok());
  faulty_.CorruptReads([](const FileHandle&) { return true; }, 3);
  EXPECT_EQ(*faulty_.Get(kPack), "abc");
  EXPECT_FALSE(faulty_.fault_fired());
}

TEST_F(FaultyBackendTest, HeldWritesAreVisibleButNotStored) {
  ASSERT_TRUE(mem_.Put(kKey, "synced key").ok());
  faulty_.HoldWrites(true);
  ASSERT_TRUE(faulty_.Put(kSnap, "held").ok());
  ASSERT_TRUE(faulty_.Remove(kKey).ok());
  EXPECT_EQ(faulty_.pending_writes(), 2u);
  // The faulty view (the page cache) sees the changes …
  EXPECT_EQ(*faulty_.Get(kSnap), "held");
  EXPECT_EQ(*faulty_.Get(kSnap, 1, 2), "el");
  EXPECT_EQ(faulty_.Stat(kSnap)->size, 4u);
  EXPECT_TRUE(faulty_.Get(kKey).status().IsNotFound());
  EXPECT_TRUE(faulty_.Stat(kKey).status().IsNotFound());
  EXPECT_TRUE(faulty_.Remove(kKey).IsNotFound());
  EXPECT_EQ(Names(faulty_, FileKind::kSnapshot), std::vector<std::string>{"s1"});
  EXPECT_TRUE(Names(faulty_, FileKind::kKey).empty());
  // … the disk does not.
  EXPECT_TRUE(mem_.Get(kSnap).status().IsNotFound());
  EXPECT_EQ(InnerGet(kKey), "synced key");
}

TEST_F(FaultyBackendTest, HeldExclusiveCreateSeesBothLayers) {
  ASSERT_TRUE(mem_.Put(kKey, "on disk").ok());
  faulty_.HoldWrites(true);
  EXPECT_TRUE(faulty_.Put(kKey, "x").IsAlreadyExists());
  ASSERT_TRUE(faulty_.Put(kSnap, "held").ok());
  EXPECT_TRUE(faulty_.Put(kSnap, "again").IsAlreadyExists());
  ASSERT_TRUE(faulty_.Remove(kKey).ok());
  EXPECT_TRUE(faulty_.Put(kKey, "recreated").ok());
  EXPECT_EQ(*faulty_.Get(kKey), "recreated");
  ASSERT_TRUE(faulty_.Sync().ok());
  EXPECT_EQ(InnerGet(kKey), "recreated");
}

TEST_F(FaultyBackendTest, CrashLosesHeldWritesButKeepsSyncedOnes) {
  faulty_.HoldWrites(true);
  ASSERT_TRUE(faulty_.Put(kKey, "synced").ok());
  ASSERT_TRUE(faulty_.Sync().ok());
  EXPECT_EQ(faulty_.pending_writes(), 0u);
  ASSERT_TRUE(faulty_.Put(kSnap, "lost").ok());
  ASSERT_TRUE(faulty_.Remove(kKey).ok());  // an unsynced removal is lost too
  faulty_.Crash();

  Status s = faulty_.Get(kKey).status();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(s.message(), "backend crashed");
  EXPECT_FALSE(faulty_.Put(kPack, "x").ok());
  EXPECT_EQ(faulty_.Stat(kKey).status().message(), "backend crashed");
  EXPECT_FALSE(faulty_.Sync().ok());
  EXPECT_FALSE(faulty_.fault_fired());

  faulty_.Reset();  // restart
  EXPECT_EQ(*faulty_.Get(kKey), "synced");
  EXPECT_TRUE(faulty_.Get(kSnap).status().IsNotFound());
  EXPECT_TRUE(mem_.Get(kPack).status().IsNotFound());
  EXPECT_EQ(faulty_.calls(), 2u);  // Reset cleared the counter
}

TEST_F(FaultyBackendTest, HoldWritesOffAppliesPendingChanges) {
  ASSERT_TRUE(mem_.Put(kKey, "k").ok());
  faulty_.HoldWrites(true);
  ASSERT_TRUE(faulty_.Put(kSnap, "s").ok());
  ASSERT_TRUE(faulty_.Remove(kKey).ok());
  ASSERT_TRUE(faulty_.HoldWrites(false).ok());
  EXPECT_EQ(faulty_.pending_writes(), 0u);
  EXPECT_EQ(InnerGet(kSnap), "s");
  EXPECT_TRUE(mem_.Get(kKey).status().IsNotFound());
  ASSERT_TRUE(faulty_.Put(kPack, "direct").ok());
  EXPECT_EQ(InnerGet(kPack), "direct");
}

TEST_F(FaultyBackendTest, ResetClearsAllFaults) {
  ASSERT_TRUE(mem_.Put(kPack, "abc").ok());
  faulty_.FailNthCall(2);
  faulty_.FailMethod(Method::kStat, Status::IOError("x"));
  faulty_.FailPutAfterWrite(true);
  faulty_.CorruptReads([](const FileHandle&) { return true; }, 0);
  EXPECT_FALSE(faulty_.Stat(kPack).ok());
  faulty_.Reset();
  EXPECT_FALSE(faulty_.fault_fired());
  EXPECT_EQ(faulty_.calls(), 0u);
  EXPECT_TRUE(faulty_.Stat(kPack).ok());
  EXPECT_TRUE(faulty_.Stat(kPack).ok());  // would have been call 2
  EXPECT_EQ(*faulty_.Get(kPack), "abc");
  EXPECT_TRUE(faulty_.Put(kSnap, "s").ok());
  EXPECT_FALSE(faulty_.fault_fired());
}

TEST_F(FaultyBackendTest, FailNthCallUnderConcurrency) {
  ASSERT_TRUE(mem_.Put(kSnap, "x").ok());
  faulty_.FailNthCall(50);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!faulty_.Get(kSnap).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(faulty_.calls(), 200u);
}

}  // namespace
}  // namespace tidemark
