// Object Lock over S3: the lock logic against the in-process fake (no S3
// server that installs here enforces Object Lock), and the WORM probe's
// "not enforced" answer from the real test server.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "crypto/crypto.h"
#include "storage/s3_backend.h"
#include "storage/s3_testlib.h"

namespace tidemark {
namespace {

constexpr int64_t kDay = 86400LL * 1000000;

struct LockedFake {
  std::shared_ptr<FakeS3Transport::State> state = std::make_shared<FakeS3Transport::State>();
  std::unique_ptr<S3Backend> backend;

  explicit LockedFake(bool object_lock = true, bool enforce = true) {
    state->object_lock = object_lock;
    state->enforce_lock = enforce;
    auto b = S3Backend::Open(FakeS3Options(), std::make_unique<FakeS3Transport>(state));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (b.ok()) backend = std::move(b).value();
  }
};

TEST(S3ObjectLockTest, DatesRoundTrip) {
  EXPECT_EQ(RetainUntilText(1798761599000000), "2026-12-31T23:59:59Z");
  EXPECT_EQ(ParseRetainUntil("2026-12-31T23:59:59Z"), 1798761599000000);
  EXPECT_EQ(ParseRetainUntil("2026-12-31T23:59:59.000Z"), 1798761599000000);
  EXPECT_EQ(ParseRetainUntil("2026-12-31T23:59:59.250Z"), 1798761600000000);  // rounded up
  EXPECT_EQ(ParseRetainUntil(""), 0);
  EXPECT_EQ(ParseRetainUntil("tomorrow"), 0);
}

TEST(S3ObjectLockTest, ContentFilesAreWrittenLockedLocksAreNot) {
  LockedFake f;
  ASSERT_NE(f.backend, nullptr);
  ASSERT_TRUE(f.backend->EnableObjectLock(LockMode::kCompliance, 30).ok());
  const int64_t before = Clock::Real()->NowMicros();
  ASSERT_TRUE(f.backend->Put({FileKind::kPack, "ab12"}, "pack bytes").ok());
  ASSERT_TRUE(f.backend->Put({FileKind::kLock, "l1"}, "lock").ok());
  ASSERT_TRUE(f.backend->Put({FileKind::kPrune, "m1"}, "mark").ok());
  auto pack = f.backend->Stat({FileKind::kPack, "ab12"});
  ASSERT_TRUE(pack.ok()) << pack.status().ToString();
  EXPECT_GE(pack->retain_until_us, before + 30 * kDay - 1000000);
  EXPECT_LE(pack->retain_until_us, Clock::Real()->NowMicros() + 30 * kDay + 1000000);
  EXPECT_EQ(f.state->retention["data/ab/ab12"].mode, "COMPLIANCE");
  EXPECT_EQ(f.backend->Stat({FileKind::kLock, "l1"})->retain_until_us, 0);
  EXPECT_EQ(f.backend->Stat({FileKind::kPrune, "m1"})->retain_until_us, 0);
  // The lock file can go; a delete of the locked pack only hides it behind a
  // delete marker (so prune must not try: docs/guide/s3.md).
  EXPECT_TRUE(f.backend->Remove({FileKind::kLock, "l1"}).ok());
  EXPECT_TRUE(f.backend->Remove({FileKind::kPack, "ab12"}).ok());
  EXPECT_EQ(f.state->hidden.count("data/ab/ab12"), 1u);
}

TEST(S3ObjectLockTest, ABucketWithoutObjectLockRefusesLockedPutsClearly) {
  LockedFake f(/*object_lock=*/false);
  ASSERT_NE(f.backend, nullptr);
  ASSERT_TRUE(f.backend->EnableObjectLock(LockMode::kGovernance, 7).ok());
  Status s = f.backend->Put({FileKind::kSnapshot, "s1"}, "snap");
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_NE(s.message().find("--object-lock-enabled-for-bucket"), std::string::npos)
      << s.ToString();
}

TEST(S3ObjectLockTest, ExtendingMovesTheDateOnlyForward) {
  LockedFake f;
  ASSERT_NE(f.backend, nullptr);
  ASSERT_TRUE(f.backend->EnableObjectLock(LockMode::kCompliance, 1).ok());
  const FileHandle h{FileKind::kSnapshot, "s9"};
  ASSERT_TRUE(f.backend->Put(h, "index").ok());
  const int64_t first = f.backend->Stat(h)->retain_until_us;
  const int64_t later = (first / 1000000 + 10 * 86400) * 1000000;
  ASSERT_TRUE(f.backend->ExtendRetention(h, later).ok());
  EXPECT_EQ(f.backend->Stat(h)->retain_until_us, later);
  ASSERT_TRUE(f.backend->ExtendRetention(h, first).ok());  // earlier: nothing to do
  EXPECT_EQ(f.backend->Stat(h)->retain_until_us, later);
  EXPECT_EQ(f.state->retention["snapshots/s9"].mode, "COMPLIANCE");
}

TEST(S3ObjectLockTest, TheProbeTellsEnforcedFromIgnored) {
  LockedFake enforcing;
  ASSERT_NE(enforcing.backend, nullptr);
  ASSERT_TRUE(enforcing.backend->EnableObjectLock(LockMode::kGovernance, 7).ok());
  auto yes = enforcing.backend->ProbeWorm();
  ASSERT_TRUE(yes.ok()) << yes.status().ToString();
  EXPECT_TRUE(yes->enforced) << yes->detail;
  bool listed = false;  // the canary that stays is never listed as a lock
  ASSERT_TRUE(enforcing.backend
                  ->List(FileKind::kLock,
                         [&](const FileInfo&) {
                           listed = true;
                           return Status::OK();
                         })
                  .ok());
  EXPECT_FALSE(listed);

  LockedFake ignoring(/*object_lock=*/true, /*enforce=*/false);
  ASSERT_NE(ignoring.backend, nullptr);
  auto no = ignoring.backend->ProbeWorm();
  ASSERT_TRUE(no.ok()) << no.status().ToString();
  EXPECT_FALSE(no->enforced);
  EXPECT_NE(no->detail.find("deleted a locked version"), std::string::npos) << no->detail;

  LockedFake plain(/*object_lock=*/false);
  ASSERT_NE(plain.backend, nullptr);
  auto none = plain.backend->ProbeWorm();
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->enforced);
  EXPECT_NE(none->detail.find("Object Lock enabled"), std::string::npos) << none->detail;
}

TEST(S3ObjectLockTest, TheRealTestServerDoesNotEnforce) {
  S3TestServer* server = S3TestServer::Shared();
  ASSERT_NE(server, nullptr);
  auto b = S3Backend::Open(server->Options(FreshS3Prefix()));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto probe = (*b)->ProbeWorm();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  EXPECT_FALSE(probe->enforced) << probe->detail;
  EXPECT_NE(probe->detail.find("does not enforce immutability"), std::string::npos)
      << probe->detail;
}

}  // namespace
}  // namespace tidemark
