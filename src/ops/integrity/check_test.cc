// check against real damage: every kind of tampering is found and named.
#include "ops/integrity/check.h"

#include <gtest/gtest.h>

#include "ledger/ledger.h"
#include "repo/blob_store.h"
#include "snapshot/holds.h"
#include "storage/local_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    ASSERT_TRUE(LocalBackend::Create(dir_.path() + "/repo").ok());
    auto b = LocalBackend::Open(dir_.path() + "/repo");
    ASSERT_TRUE(b.ok());
    backend_ = std::move(*b);
    InitOptions opts;
    opts.kdf = KdfParams{1, 8192};
    opts.pack_target = 64 * 1024;
    auto r = Repository::Init(backend_.get(), "pw", opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
    BlobStore store(repo_.get());
    for (int i = 0; i < 60; i++) {
      std::string c = "row " + std::to_string(i) + " " + RandomBytes(3000);
      auto id = store.Put(BlobType::kData, c);
      ASSERT_TRUE(id.ok());
      blobs_.emplace_back(*id, c);
    }
    ASSERT_TRUE(store.Flush().ok());
    Ledger ledger(repo_.get());
    for (int i = 0; i < 3; i++) ASSERT_TRUE(ledger.Append({"", "test", "ok", {}, {}, {}}).ok());
  }

  CheckReport Check(bool read_data) {
    CheckOptions o;
    o.read_data = read_data;
    auto r = CheckRepository(repo_.get(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CheckReport{};
  }

  std::string PathOf(const FileHandle& h) {
    switch (h.kind) {
      case FileKind::kPack:
        return dir_.path() + "/repo/data/" + h.name.substr(0, 2) + "/" + h.name;
      case FileKind::kIndex:
        return dir_.path() + "/repo/index/" + h.name;
      case FileKind::kKey:
        return dir_.path() + "/repo/keys/" + h.name;
      case FileKind::kLedger:
        return dir_.path() + "/repo/ledger/" + h.name;
      case FileKind::kHold:
        return dir_.path() + "/repo/holds/" + h.name;
      default:
        return dir_.path() + "/repo/config";
    }
  }

  void FlipByte(const FileHandle& h, int64_t offset_from_end_or_start) {
    const std::string path = PathOf(h);
    FILE* f = fopen(path.c_str(), "r+b");
    ASSERT_NE(f, nullptr) << path;
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    const long at =
        offset_from_end_or_start >= 0 ? offset_from_end_or_start : size + offset_from_end_or_start;
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
  }

  std::vector<FileInfo> Files(FileKind kind) {
    std::vector<FileInfo> out;
    EXPECT_TRUE(backend_
                    ->List(kind,
                           [&](const FileInfo& f) {
                             out.push_back(f);
                             return Status::OK();
                           })
                    .ok());
    return out;
  }

  static bool Mentions(const CheckReport& r, const std::string& object, const std::string& text) {
    for (const auto& f : r.damage) {
      if (f.object == object && f.message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  ScopedTempDir dir_;
  std::unique_ptr<LocalBackend> backend_;
  std::unique_ptr<Repository> repo_;
  std::vector<std::pair<Id, std::string>> blobs_;
};

TEST_F(CheckTest, CleanRepositoryPasses) {
  CheckReport r = Check(true);
  EXPECT_TRUE(r.ok()) << r.damage[0].object << ": " << r.damage[0].message;
  EXPECT_EQ(r.blobs, 60u);
  EXPECT_EQ(r.blobs_read, 60u);
  EXPECT_GE(r.packs, 3u);
  EXPECT_EQ(r.ledger_entries, 3u);
  EXPECT_TRUE(r.notes.empty());
}

TEST_F(CheckTest, FlippedBlobByteNamesBlobAndOffset) {
  BlobStore store(repo_.get());
  ASSERT_TRUE(store.LoadIndex().ok());
  const BlobLocation l = *store.Find(blobs_[7].first);
  FlipByte(PackHandle(l.pack_id), l.offset + 100);
  EXPECT_TRUE(Check(false).ok());  // structure is intact
  CheckReport r = Check(true);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Mentions(r, "blob " + blobs_[7].first.Hex(),
                       "offset " + std::to_string(l.offset) + "): authentication failed"));
  EXPECT_TRUE(Mentions(r, "pack " + l.pack_id.Hex(), "content does not hash to the pack id"));
  EXPECT_EQ(r.damage.size(), 2u);
  // The other blobs still read back.
  EXPECT_TRUE(store.Get(blobs_[7].first).status().IsCorruption());
  EXPECT_EQ(*store.Get(blobs_[8].first), blobs_[8].second);
}

TEST_F(CheckTest, FlippedPackHeaderNamed) {
  const FileInfo pack = Files(FileKind::kPack)[0];
  FlipByte(pack.handle, -20);  // inside the sealed header
  CheckReport r = Check(false);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_EQ(r.damage[0].object, "pack " + pack.handle.name);
  EXPECT_NE(r.damage[0].message.find("header authentication failed"), std::string::npos);
}

TEST_F(CheckTest, MissingPackNamed) {
  const FileInfo pack = Files(FileKind::kPack)[0];
  ASSERT_TRUE(backend_->Remove(pack.handle).ok());
  CheckReport r = Check(false);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_EQ(r.damage[0].object, "pack " + pack.handle.name);
  EXPECT_NE(r.damage[0].message.find("but missing"), std::string::npos);
}

TEST_F(CheckTest, FlippedIndexNamed) {
  const FileInfo index = Files(FileKind::kIndex)[0];
  FlipByte(index.handle, 50);
  CheckReport r = Check(false);
  EXPECT_TRUE(Mentions(r, "index " + index.handle.name, "content hash does not match"));
  // Its pack is now unreferenced; with an index damaged, that is no
  // harmless leftover: it may be the only copy of what the index listed.
  ASSERT_EQ(r.damage.size(), 2u);
  EXPECT_NE(r.damage[1].message.find("do not delete it"), std::string::npos);
  EXPECT_TRUE(r.notes.empty());
}

TEST_F(CheckTest, FlippedKeyFileNamed) {
  ASSERT_TRUE(repo_->AddKey("second", KdfParams{1, 8192}).ok());
  for (const FileInfo& k : Files(FileKind::kKey)) {
    if (k.handle.name != repo_->key_id()) FlipByte(k.handle, 30);
  }
  CheckReport r = Check(false);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_NE(r.damage[0].message.find("checksum mismatch"), std::string::npos);
}

TEST_F(CheckTest, FlippedLedgerEntryNamed) {
  FlipByte({FileKind::kLedger, LedgerEntryName(2)}, 60);
  CheckReport r = Check(false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.damage[0].object, "ledger entry 2");
}

TEST_F(CheckTest, FlippedConfigFailsOpen) {
  FlipByte({FileKind::kConfig, ""}, 40);
  auto r = Repository::Open(backend_.get(), "pw");
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("config"), std::string::npos);
}

// A second index file that lists a pack differently is compared too: the
// loader may serve a blob from it.
TEST_F(CheckTest, EveryListingOfAPackIsCompared) {
  BlobStore store(repo_.get());
  ASSERT_TRUE(store.LoadIndex().ok());
  const BlobLocation l = *store.Find(blobs_[3].first);
  IndexPack wrong;
  wrong.pack_id = l.pack_id;
  PackEntry e;
  e.id = blobs_[3].first;
  e.offset = l.offset + 1;
  e.sealed_len = l.sealed_len;
  e.raw_len = l.raw_len;
  wrong.blobs.push_back(e);
  const std::string file = EncodeIndexFile({wrong}, repo_->keys().data_key);
  ASSERT_TRUE(backend_->Put(IndexHandle(PackIdOf(file)), file).ok());
  CheckReport r = Check(false);
  EXPECT_TRUE(Mentions(r, "pack " + l.pack_id.Hex(),
                       "offset " + std::to_string(l.offset + 1) + " in the index vs " +
                           std::to_string(l.offset) + " in the header"));
}

TEST_F(CheckTest, StopsWhenToldTo) {
  CheckOptions o;
  o.read_data = true;
  int asked = 0;
  o.keep_going = [&] { return ++asked < 2 ? Status::OK() : Status::Refused("lock lost"); };
  auto r = CheckRepository(repo_.get(), o);
  EXPECT_TRUE(r.status().IsRefused());
  EXPECT_EQ(asked, 2);
}

TEST_F(CheckTest, SubsetReadsSomePacks) {
  CheckOptions o;
  o.read_data = true;
  o.read_data_fraction = 0.01;
  auto r = CheckRepository(repo_.get(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packs_read, 1u);  // ceil(1% of the packs)
}

// holds/ is checked: a damaged hold is damage (hold list shows it DAMAGED).
TEST_F(CheckTest, DamagedHoldIsReported) {
  Hold h;
  h.snapshot = Id::FromBytes(std::string(32, 'h'));
  h.actor = "alice";
  h.reason = "audit";
  ASSERT_TRUE(AddHold(*repo_, h).ok());
  CheckReport clean = Check(false);
  EXPECT_TRUE(clean.ok());
  EXPECT_EQ(clean.holds, 1u);
  FlipByte({FileKind::kHold, h.snapshot.Hex()}, -3);
  CheckReport r = Check(false);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_EQ(r.damage[0].object, "hold " + h.snapshot.Hex());
}

// Temporary files of killed writers are notes with what removes them.
TEST_F(CheckTest, TemporaryFilesAreNoted) {
  FILE* f = fopen((dir_.path() + "/repo/index/.tmp-left").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  fputs("half an index", f);
  fclose(f);
  CheckReport r = Check(false);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.temp_files, 1u);
  bool noted = false;
  for (const CheckFinding& n : r.notes) noted |= n.object == "temporary file index/.tmp-left";
  EXPECT_TRUE(noted);
}

}  // namespace
}  // namespace tidemark
