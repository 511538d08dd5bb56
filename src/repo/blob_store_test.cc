#include "repo/blob_store.h"

#include <gtest/gtest.h>

#include "repo/lock.h"
#include "storage/faulty_backend.h"
#include "storage/mem_backend.h"

namespace tidemark {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    opts.pack_target = 64 * 1024;
    auto r = Repository::Init(&backend_, "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
  }

  static std::string Content(int i) {
    std::string s = "record " + std::to_string(i) + ":";
    s += RandomBytes(2000);  // incompressible, so packs fill
    return s;
  }

  MemBackend backend_;
  std::unique_ptr<Repository> repo_;
};

TEST_F(BlobStoreTest, PutGetFlushReopen) {
  BlobStore store(repo_.get());
  std::vector<std::pair<Id, std::string>> stored;
  for (int i = 0; i < 100; i++) {
    std::string c = Content(i);
    auto id = store.Put(BlobType::kData, c);
    ASSERT_TRUE(id.ok());
    stored.emplace_back(*id, c);
  }
  // Readable before the final flush (from the buffered pack).
  EXPECT_EQ(*store.Get(stored.back().first), stored.back().second);
  ASSERT_TRUE(store.Flush().ok());
  EXPECT_GE(store.stats().packs_written, 3u);  // 200 KB in 64 KiB packs
  EXPECT_EQ(store.stats().blobs_added, 100u);

  BlobStore again(repo_.get());
  ASSERT_TRUE(again.LoadIndex().ok());
  EXPECT_EQ(again.index().blob_count(), 100u);
  for (const auto& [id, content] : stored) {
    auto got = again.Get(id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, content);
  }
  EXPECT_TRUE(again.Get(Id{}).status().IsNotFound());
}

TEST_F(BlobStoreTest, StoredOnceOnly) {
  BlobStore store(repo_.get());
  const std::string c = Content(1);
  auto a = store.Put(BlobType::kData, c);
  auto b = store.Put(BlobType::kData, c);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  ASSERT_TRUE(store.Flush().ok());
  BlobStore again(repo_.get());
  ASSERT_TRUE(again.LoadIndex().ok());
  ASSERT_TRUE(again.Put(BlobType::kData, c).ok());
  ASSERT_TRUE(again.Flush().ok());
  EXPECT_EQ(again.stats().blobs_added, 0u);
  EXPECT_EQ(again.stats().blobs_deduped, 1u);
  EXPECT_EQ(store.stats().blobs_deduped, 1u);
  size_t packs = 0;
  ASSERT_TRUE(backend_
                  .List(FileKind::kPack,
                        [&](const FileInfo&) {
                          packs++;
                          return Status::OK();
                        })
                  .ok());
  EXPECT_EQ(packs, 1u);
}

TEST_F(BlobStoreTest, WriteFailureIsSticky) {
  FaultyBackend faulty(&backend_);
  auto repo = Repository::Open(&faulty, "pw");
  ASSERT_TRUE(repo.ok());
  BlobStore store(repo->get());
  ASSERT_TRUE(store.Put(BlobType::kData, Content(1)).ok());
  faulty.FailMethod(FaultyBackend::Method::kPut, Status::IOError("disk full"));
  Status s = store.Flush();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("disk full"), std::string::npos);
  faulty.Reset();
  EXPECT_EQ(store.Put(BlobType::kData, Content(2)).status().code(), Status::Code::kIOError);
  EXPECT_EQ(store.Flush().code(), Status::Code::kIOError);
}

TEST_F(BlobStoreTest, LocksConflictAndStaleOnesAreRemoved) {
  auto shared1 = RepoLock::Acquire(repo_.get(), false, "backup");
  auto shared2 = RepoLock::Acquire(repo_.get(), false, "backup");
  ASSERT_TRUE(shared1.ok() && shared2.ok());
  auto excl = RepoLock::Acquire(repo_.get(), true, "prune");
  ASSERT_TRUE(excl.status().IsRefused());
  EXPECT_NE(excl.status().message().find("tidemark unlock"), std::string::npos);
  EXPECT_EQ(ListLocks(repo_.get())->size(), 2u);  // the refused lock cleaned up
  ASSERT_TRUE((*shared1)->Release().ok());
  ASSERT_TRUE((*shared2)->Release().ok());
  auto ex = RepoLock::Acquire(repo_.get(), true, "prune");
  ASSERT_TRUE(ex.ok());
  EXPECT_TRUE(RepoLock::Acquire(repo_.get(), false, "backup").status().IsRefused());
  // Nothing is stale while its holder runs; with a clock 31 minutes ahead it is.
  EXPECT_TRUE(RemoveLocks(repo_.get(), false)->empty());
  FakeClock later(Clock::Real()->NowMicros() + 31ll * 60 * 1000000);
  auto reopened = Repository::Open(&backend_, "pw", &later);
  ASSERT_TRUE(reopened.ok());
  auto removed = RemoveLocks(reopened->get(), false);
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_TRUE((*removed)[0].exclusive);
  EXPECT_EQ((*removed)[0].command, "prune");
}

TEST_F(BlobStoreTest, RemovedLockIsLostNotRecreated) {
  auto lock = RepoLock::Acquire(repo_.get(), false, "backup");
  ASSERT_TRUE(lock.ok());
  ASSERT_TRUE((*lock)->Refresh().ok());
  EXPECT_FALSE((*lock)->lost());
  ASSERT_TRUE(backend_.Remove({FileKind::kLock, (*lock)->info().id}).ok());  // `unlock`
  EXPECT_TRUE((*lock)->Refresh().IsRefused());
  EXPECT_TRUE((*lock)->lost());
  EXPECT_TRUE(ListLocks(repo_.get())->empty());
}

TEST_F(BlobStoreTest, TruncatedPackIsCorruption) {
  BlobStore store(repo_.get());
  auto first = store.Put(BlobType::kData, Content(1));
  auto second = store.Put(BlobType::kData, Content(2));
  ASSERT_TRUE(store.Flush().ok());
  const BlobLocation loc = *store.Find(*second);
  const FileHandle h = PackHandle(loc.pack_id);
  ASSERT_TRUE(
      backend_.Put(h, backend_.Get(h, 0, loc.offset - 10).value(), PutMode::kOverwrite).ok());
  auto got = store.Get(*second);  // its offset now lies past the end
  EXPECT_TRUE(got.status().IsCorruption()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("pack is truncated"), std::string::npos);
  EXPECT_TRUE(store.Get(*first).status().IsCorruption());  // cut short too
}

TEST_F(BlobStoreTest, LockFileTamperDetected) {
  LockInfo info;
  info.id = "abc";
  info.host = "h";
  const std::string file = EncodeLock(info, repo_->keys().data_key);
  ASSERT_TRUE(DecodeLock("abc", file, repo_->keys().data_key).ok());
  for (size_t i = 0; i < file.size(); i++) {
    std::string bad = file;
    bad[i] ^= 2;
    ASSERT_TRUE(DecodeLock("abc", bad, repo_->keys().data_key).status().IsCorruption()) << i;
  }
}

}  // namespace
}  // namespace tidemark
