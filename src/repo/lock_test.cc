// Repository locks: a conflicting live lock is waited for, boundedly and
// with one notice line, on the repository's (fake) clock: no test sleeps.
#include "repo/lock.h"

#include <gtest/gtest.h>

#include "storage/mem_backend.h"

namespace tidemark {
namespace {

class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto r = Repository::Init(&backend_, "pw", opts, &clock_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
  }
  LockWait Wait(int64_t max_us) {
    LockWait w;
    w.max_wait_us = max_us;
    w.sleep = [this](int64_t us) {
      clock_.Advance(us);
      if (on_sleep_) on_sleep_();
    };
    w.notice = [this](const std::string& line) { notices_.push_back(line); };
    return w;
  }
  MemBackend backend_;
  FakeClock clock_{1'800'000'000'000'000};
  std::unique_ptr<Repository> repo_;
  std::vector<std::string> notices_;
  std::function<void()> on_sleep_;
};

// forget's exclusive lock ends while the backup waits: the backup goes on.
TEST_F(LockTest, WaitsForAnExclusiveLockToBeReleased) {
  auto forget = RepoLock::Acquire(repo_.get(), true, "forget", LockWait{});
  ASSERT_TRUE(forget.ok());
  int sleeps = 0;
  on_sleep_ = [&] {
    if (++sleeps == 3) {
      ASSERT_TRUE((*forget)->Release().ok());
    }
  };
  auto backup = RepoLock::Acquire(repo_.get(), false, "backup", Wait(60'000'000));
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_EQ(sleeps, 3);
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_NE(notices_[0].find("waiting up to 1m for the exclusive lock held by pid"),
            std::string::npos)
      << notices_[0];
  EXPECT_NE(notices_[0].find("(forget)"), std::string::npos);
}

// A holder that stays past the bound: Refused, after exactly the bound.
TEST_F(LockTest, RefusesAfterTheBoundedWait) {
  auto forget = RepoLock::Acquire(repo_.get(), true, "forget", LockWait{});
  ASSERT_TRUE(forget.ok());
  const int64_t start = clock_.NowMicros();
  auto backup = RepoLock::Acquire(repo_.get(), false, "backup", Wait(10'000'000));
  ASSERT_TRUE(backup.status().IsRefused());
  EXPECT_NE(backup.status().message().find("waited 10s"), std::string::npos)
      << backup.status().message();
  EXPECT_EQ(clock_.NowMicros() - start, 10'000'000);
  EXPECT_EQ(notices_.size(), 1u);
  // Without a wait: refused at once, no notice.
  notices_.clear();
  EXPECT_TRUE(RepoLock::Acquire(repo_.get(), true, "prune", Wait(0)).status().IsRefused());
  EXPECT_TRUE(notices_.empty());
}

// Shared locks never wait for each other.
TEST_F(LockTest, SharedLocksDoNotWait) {
  auto a = RepoLock::Acquire(repo_.get(), false, "backup", Wait(60'000'000));
  auto b = RepoLock::Acquire(repo_.get(), false, "check", Wait(60'000'000));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(notices_.empty());
}

// The default wait (set by the CLI from --lock-wait) applies to the
// three-argument Acquire that every command uses.
TEST_F(LockTest, DefaultWaitAppliesToEveryAcquire) {
  auto forget = RepoLock::Acquire(repo_.get(), true, "forget", LockWait{});
  ASSERT_TRUE(forget.ok());
  SetDefaultLockWait(Wait(5'000'000));
  const int64_t start = clock_.NowMicros();
  EXPECT_TRUE(RepoLock::Acquire(repo_.get(), false, "backup").status().IsRefused());
  EXPECT_EQ(clock_.NowMicros() - start, 5'000'000);
  SetDefaultLockWait(LockWait{});
}

}  // namespace
}  // namespace tidemark
