#include "repo/keys.h"

#include <gtest/gtest.h>

#include "repo/config.h"
#include "repo/repository.h"
#include "storage/mem_backend.h"
#include "storage/s3_backend.h"
#include "storage/s3_testlib.h"

namespace tidemark {
namespace {

const KdfParams kFastKdf{1, 8192};

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CryptoInit().ok()); }
};

TEST_F(KeysTest, MasterKeysRoundTrip) {
  MasterKeys k = MasterKeys::Generate();
  auto d = MasterKeys::Decode(k.Encode());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->data_key, k.data_key);
  EXPECT_EQ(d->id_key, k.id_key);
  EXPECT_EQ(d->sign.public_key, k.sign.public_key);
  EXPECT_TRUE(MasterKeys::Decode(k.Encode() + "x").status().IsCorruption());
}

TEST_F(KeysTest, KeyFileUnwrapsOnlyWithItsPassword) {
  MasterKeys k = MasterKeys::Generate();
  auto f = KeyFile::Create(k, "correct horse", kFastKdf, 123, "host", "alice");
  ASSERT_TRUE(f.ok());
  auto decoded = KeyFile::Decode(f->id, f->Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->user, "alice");
  EXPECT_EQ(decoded->kdf.memlimit, 8192u);
  auto keys = decoded->Unwrap("correct horse");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->data_key, k.data_key);
  auto wrong = decoded->Unwrap("wrong");
  EXPECT_TRUE(wrong.status().IsPermissionDenied());
  EXPECT_EQ(wrong.status().message(), "wrong password for key " + f->id);
}

// Flipping any byte of a key file gives Corruption naming the file, never a
// crash, never a wrong-password verdict, never keys.
TEST_F(KeysTest, EveryFlippedByteIsDetected) {
  MasterKeys k = MasterKeys::Generate();
  auto f = KeyFile::Create(k, "pw", kFastKdf, 123, "h", "u");
  ASSERT_TRUE(f.ok());
  const std::string bytes = f->Encode();
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x20;
    auto d = KeyFile::Decode(f->id, bad);
    ASSERT_FALSE(d.ok()) << "flip at " << i;
    EXPECT_TRUE(d.status().IsCorruption()) << i << ": " << d.status().ToString();
    EXPECT_NE(d.status().message().find("key file keys/" + f->id), std::string::npos);
  }
}

// An attacker who edits the wrapped keys and recomputes the checksum is
// caught by the AEAD tag: Corruption, not "wrong password".
TEST_F(KeysTest, RecomputedChecksumStillCaught) {
  MasterKeys k = MasterKeys::Generate();
  auto f = KeyFile::Create(k, "pw", kFastKdf, 123, "h", "u");
  ASSERT_TRUE(f.ok());
  f->wrapped[30] ^= 1;
  auto d = KeyFile::Decode(f->id, f->Encode());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->Unwrap("pw").status().IsCorruption());
}

TEST_F(KeysTest, ConfigRoundTripAndTamper) {
  MasterKeys k = MasterKeys::Generate();
  RepoConfig cfg;
  cfg.repo_id = std::string(16, 'r');
  cfg.created_us = 42;
  cfg.sign_public_key = k.sign.public_key;
  ASSERT_TRUE(cfg.Validate().ok());
  const std::string bytes = cfg.Encode(k.data_key);
  auto d = RepoConfig::Decode(bytes, k.data_key);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->pack_target, cfg.pack_target);
  EXPECT_EQ(d->created_us, 42u);
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    auto r = RepoConfig::Decode(bad, k.data_key);
    ASSERT_TRUE(r.status().IsCorruption()) << i << ": " << r.status().ToString();
    EXPECT_EQ(r.status().message().rfind("config", 0), 0u) << r.status().message();
  }
}

TEST_F(KeysTest, NewerConfigVersionSaysUpgrade) {
  MasterKeys k = MasterKeys::Generate();
  RepoConfig cfg;
  cfg.version = 2;
  cfg.repo_id = std::string(16, 'r');
  cfg.sign_public_key = k.sign.public_key;
  auto r = RepoConfig::Decode(cfg.Encode(k.data_key), k.data_key);
  EXPECT_EQ(r.status().code(), Status::Code::kUnsupported);
  EXPECT_NE(r.status().message().find("upgrade tidemark"), std::string::npos);
}

TEST_F(KeysTest, RepositoryKeySlots) {
  MemBackend backend;
  InitOptions opts;
  opts.kdf = kFastKdf;
  auto repo = Repository::Init(&backend, "first", opts);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  EXPECT_TRUE(Repository::Init(&backend, "again", opts).status().IsAlreadyExists());

  auto second = (*repo)->AddKey("second", kFastKdf);
  ASSERT_TRUE(second.ok());
  auto opened = Repository::Open(&backend, "second");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->key_id(), second->id);
  EXPECT_EQ((*opened)->id_hex(), (*repo)->id_hex());
  auto wrong = Repository::Open(&backend, "nope");
  EXPECT_TRUE(wrong.status().IsPermissionDenied());
  EXPECT_NE(wrong.status().message().find("wrong password"), std::string::npos);

  // The key in use cannot be removed; another can, but never the last one.
  EXPECT_TRUE((*opened)->RemoveKey(second->id).IsRefused());
  ASSERT_TRUE((*opened)->RemoveKey((*repo)->key_id().substr(0, 6)).ok());
  EXPECT_TRUE(Repository::Open(&backend, "first").status().IsPermissionDenied());
  auto keys = (*opened)->ListKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);

  // passwd replaces the slot.
  ASSERT_TRUE((*opened)->ChangePassword("third", kFastKdf).ok());
  EXPECT_TRUE(Repository::Open(&backend, "second").status().IsPermissionDenied());
  EXPECT_TRUE(Repository::Open(&backend, "third").ok());
  EXPECT_EQ((*(*opened)->ListKeys()).size(), 1u);
}

// A slot from another repository (say, left by an interrupted init) that
// accepts the same password must not make this repository unopenable.
TEST_F(KeysTest, ForeignSlotWithSamePasswordIsSkipped) {
  MemBackend a, b;
  InitOptions opts;
  opts.kdf = kFastKdf;
  ASSERT_TRUE(Repository::Init(&a, "pw", opts).ok());
  ASSERT_TRUE(Repository::Init(&b, "pw", opts).ok());
  ASSERT_TRUE(b.List(FileKind::kKey, [&](const FileInfo& f) {
                 return a.Put(f.handle, *b.Get(f.handle));
               }).ok());
  for (int i = 0; i < 3; i++) {  // whatever order the slots are tried in
    auto r = Repository::Open(&a, "pw");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

TEST_F(KeysTest, InitRefusesLeftoverKeys) {
  MemBackend backend;
  MasterKeys k = MasterKeys::Generate();
  auto f = KeyFile::Create(k, "pw", kFastKdf, 1, "h", "u");
  ASSERT_TRUE(backend.Put({FileKind::kKey, f->id}, f->Encode()).ok());
  InitOptions opts;
  opts.kdf = kFastKdf;
  auto r = Repository::Init(&backend, "pw", opts);
  EXPECT_TRUE(r.status().IsAlreadyExists());
  EXPECT_NE(r.status().message().find("did not finish"), std::string::npos);
}

// The right password on an altered slot is damage (exit 3), not a wrong
// password (exit 5): the user must not be sent hunting for another password.
TEST_F(KeysTest, RightPasswordOnDamagedSlotIsCorruption) {
  MemBackend backend;
  InitOptions opts;
  opts.kdf = kFastKdf;
  auto repo = Repository::Init(&backend, "pw", opts);
  ASSERT_TRUE(repo.ok());
  const FileHandle h{FileKind::kKey, (*repo)->key_id()};
  auto key = KeyFile::Decode(h.name, *backend.Get(h));
  key->wrapped[50] ^= 1;  // altered, checksum recomputed by Encode
  ASSERT_TRUE(backend.Put(h, key->Encode(), PutMode::kOverwrite).ok());
  auto r = Repository::Open(&backend, "pw");
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_TRUE(Repository::Open(&backend, "other").status().IsPermissionDenied());
}

TEST_F(KeysTest, OversizedKeyFileIsRefusedUnread) {
  MemBackend backend;
  InitOptions opts;
  opts.kdf = kFastKdf;
  ASSERT_TRUE(Repository::Init(&backend, "pw", opts).ok());
  ASSERT_TRUE(backend.Put({FileKind::kKey, "planted"}, std::string(1 << 20, 'x')).ok());
  auto r = Repository::Open(&backend, "wrong");
  ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("key planted: more than the 4140 bytes"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(Repository::Open(&backend, "pw").ok());
}

TEST_F(KeysTest, OpenMissingRepositorySaysInit) {
  MemBackend backend;
  auto r = Repository::Open(&backend, "pw");
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_NE(r.status().message().find("tidemark init"), std::string::npos);
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

TEST(ObjectLockConfigTest, RoundTripsAndValidates) {
  MasterKeys k = MasterKeys::Generate();
  RepoConfig plain;
  plain.repo_id = std::string(16, 'r');
  plain.sign_public_key = k.sign.public_key;
  RepoConfig locked = plain;
  locked.flags |= format::kConfigFlagObjectLock;
  locked.lock_mode = 2;
  locked.lock_days = 90;
  ASSERT_TRUE(locked.Validate().ok());
  auto d = RepoConfig::Decode(locked.Encode(k.data_key), k.data_key);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->object_lock());
  EXPECT_EQ(d->lock_mode, 2);
  EXPECT_EQ(d->lock_days, 90u);
  // Without the flag the body is what earlier releases wrote: 5 bytes shorter.
  EXPECT_EQ(locked.Encode(k.data_key).size(), plain.Encode(k.data_key).size() + 5);
  RepoConfig bad = locked;
  bad.lock_mode = 3;
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
  bad = locked;
  bad.lock_days = 0;
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
  bad = plain;
  bad.lock_days = 5;  // a lock without the flag
  EXPECT_TRUE(bad.Validate().IsInvalidArgument());
}

TEST(ObjectLockConfigTest, InitLocksEveryFileAndOpenKeepsLocking) {
  auto state = std::make_shared<FakeS3Transport::State>();
  state->object_lock = true;
  auto backend = S3Backend::Open(FakeS3Options(), std::make_unique<FakeS3Transport>(state));
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  InitOptions opts;
  opts.kdf = kFastKdf;
  opts.lock_mode = LockMode::kGovernance;
  opts.lock_days = 14;
  ASSERT_TRUE(Repository::Init(backend->get(), "pw", opts).ok());
  EXPECT_EQ(state->retention.count("config"), 1u);
  size_t keys = 0;
  for (const auto& [key, r] : state->retention) keys += key.rfind("keys/", 0) == 0;
  EXPECT_EQ(keys, 1u);
  // A second process: the config says lock, so its writes are locked too.
  auto again = S3Backend::Open(FakeS3Options(), std::make_unique<FakeS3Transport>(state));
  ASSERT_TRUE(again.ok());
  auto repo = Repository::Open(again->get(), "pw");
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  ASSERT_TRUE((*repo)->backend()->Put({FileKind::kSnapshot, "s1"}, "x").ok());
  EXPECT_EQ(state->retention["snapshots/s1"].mode, "GOVERNANCE");
}

TEST(ObjectLockConfigTest, StorageWithoutObjectLockIsRefusedClearly) {
  MemBackend mem;
  InitOptions opts;
  opts.kdf = kFastKdf;
  opts.lock_mode = LockMode::kCompliance;
  opts.lock_days = 7;
  auto repo = Repository::Init(&mem, "pw", opts);
  ASSERT_EQ(repo.status().code(), Status::Code::kUnsupported) << repo.status().ToString();
  EXPECT_NE(repo.status().message().find("Object Lock"), std::string::npos);
  bool any = false;  // nothing was written
  ASSERT_TRUE(mem.List(FileKind::kKey,
                       [&](const FileInfo&) {
                         any = true;
                         return Status::OK();
                       })
                  .ok());
  EXPECT_FALSE(any);
}

}  // namespace
}  // namespace tidemark
