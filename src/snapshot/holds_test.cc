// Legal holds: the signed hold file, its listing, and fail-safe handling of
// damaged hold files.
#include "snapshot/holds.h"

#include <gtest/gtest.h>

#include "repo/format.h"
#include "repo/signed_file.h"
#include "storage/mem_backend.h"

namespace tidemark {
namespace {

class HoldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    auto r = Repository::Init(&mem_, "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
  }
  static Id IdOf(char c) { return Id::FromBytes(std::string(32, c)); }
  Hold MakeHold(char c, std::string reason = "case 17") {
    Hold h;
    h.snapshot = IdOf(c);
    h.time_us = 1'700'000'000'000'000;
    h.actor = "alice";
    h.host = "db1";
    h.reason = std::move(reason);
    return h;
  }
  MemBackend mem_;
  std::unique_ptr<Repository> repo_;
};

TEST_F(HoldsTest, AddReadListRemove) {
  ASSERT_TRUE(AddHold(*repo_, MakeHold('a')).ok());
  ASSERT_TRUE(AddHold(*repo_, MakeHold('b', "audit 2026")).ok());
  auto h = ReadHold(*repo_, IdOf('b'));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->reason, "audit 2026");
  EXPECT_EQ(h->actor, "alice");
  EXPECT_EQ(h->host, "db1");
  EXPECT_EQ(h->time_us, 1'700'000'000'000'000);
  auto all = ListHolds(*repo_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].snapshot, IdOf('a'));
  EXPECT_TRUE((*all)[0].damage.empty());
  // A second hold on a held snapshot is refused, naming the first.
  Status again = AddHold(*repo_, MakeHold('a', "other"));
  EXPECT_TRUE(again.IsAlreadyExists());
  EXPECT_NE(again.message().find("case 17"), std::string::npos) << again.ToString();
  ASSERT_TRUE(RemoveHold(*repo_, IdOf('a')).ok());
  EXPECT_TRUE(RemoveHold(*repo_, IdOf('a')).IsNotFound());
  EXPECT_TRUE(ReadHold(*repo_, IdOf('a')).status().IsNotFound());
  EXPECT_EQ(ListHolds(*repo_)->size(), 1u);
}

TEST_F(HoldsTest, ReasonIsRequiredAndBounded) {
  EXPECT_EQ(AddHold(*repo_, MakeHold('a', "")).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AddHold(*repo_, MakeHold('a', std::string(4097, 'r'))).code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(AddHold(*repo_, MakeHold('a', std::string(4096, 'r'))).ok());
}

// A damaged or moved hold file still protects the snapshot its name names.
TEST_F(HoldsTest, DamagedHoldFailsSafe) {
  ASSERT_TRUE(AddHold(*repo_, MakeHold('a')).ok());
  const FileHandle h{FileKind::kHold, IdOf('a').Hex()};
  std::string file = *mem_.Get(h);
  file[20] ^= 1;
  ASSERT_TRUE(mem_.Put(h, file, PutMode::kOverwrite).ok());
  auto read = ReadHold(*repo_, IdOf('a'));
  EXPECT_EQ(read.status().code(), Status::Code::kCorruption);
  EXPECT_NE(read.status().message().find("hold " + IdOf('a').Short()), std::string::npos);
  auto all = ListHolds(*repo_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].snapshot, IdOf('a'));
  EXPECT_FALSE((*all)[0].damage.empty());
  // A valid hold file copied to another snapshot's name does not verify
  // (the name is bound into the seal and the signature).
  ASSERT_TRUE(AddHold(*repo_, MakeHold('b')).ok());
  ASSERT_TRUE(
      mem_.Put({FileKind::kHold, IdOf('c').Hex()}, *mem_.Get({FileKind::kHold, IdOf('b').Hex()}))
          .ok());
  EXPECT_EQ(ReadHold(*repo_, IdOf('c')).status().code(), Status::Code::kCorruption);
}

TEST_F(HoldsTest, DecoderRejectsBadPayloads) {
  const std::string good = EncodeHold(MakeHold('a'));
  ASSERT_TRUE(DecodeHold(good, "hold").ok());
  EXPECT_EQ(DecodeHold(good + "x", "hold").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeHold(good.substr(0, good.size() - 1), "hold").status().code(),
            Status::Code::kCorruption);
  std::string v2 = good;
  v2[0] = 2;
  EXPECT_EQ(DecodeHold(v2, "hold").status().code(), Status::Code::kCorruption);
  // A signed file under another role's label does not open as a hold.
  const std::string name = IdOf('a').Hex();
  const std::string other =
      SealSignedFile(repo_->keys(), format::kHoldMagic, format::kAadPruneMark, name, good);
  EXPECT_FALSE(
      OpenSignedFile(repo_->keys(), format::kHoldMagic, format::kAadHold, name, other, "hold")
          .ok());
}

}  // namespace
}  // namespace tidemark
