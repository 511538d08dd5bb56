#include <gtest/gtest.h>

#include "repo/blob.h"
#include "repo/format.h"
#include "repo/index.h"
#include "repo/pack.h"
#include "storage/mem_backend.h"

namespace tidemark {
namespace {

class PackIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CryptoInit().ok());
    keys_ = MasterKeys::Generate();
  }

  // A pack of n blobs; contents[i] = "blob i" repeated.
  std::string MakePack(int n, std::vector<PackEntry>* entries) {
    PackWriter w;
    for (int i = 0; i < n; i++) {
      std::string content;
      for (int k = 0; k < 50; k++) content += "blob " + std::to_string(i) + " ";
      auto b = EncodeBlob(keys_, content, 3);
      EXPECT_TRUE(b.ok());
      w.Add(i % 2 ? BlobType::kTree : BlobType::kData, *b);
    }
    return w.Finish(keys_.data_key, entries);
  }

  MasterKeys keys_;
};

TEST_F(PackIndexTest, BlobRoundTripCompressesOrStores) {
  auto text = EncodeBlob(keys_, std::string(10000, 'a'), 3);
  ASSERT_TRUE(text.ok());
  EXPECT_LT(text->sealed.size(), 200u);
  auto d = DecodeBlob(keys_, text->id, text->sealed, 10000, "test");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, std::string(10000, 'a'));
  // Random bytes do not compress: stored as is (1 byte + AEAD overhead).
  const std::string random = RandomBytes(5000);
  auto r = EncodeBlob(keys_, random, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sealed.size(), 5000 + 1 + kAeadOverhead);
  EXPECT_EQ(*DecodeBlob(keys_, r->id, r->sealed, 5000, "test"), random);
  // Ids are keyed: another repository gives another id for the same content.
  EXPECT_NE(ComputeBlobId(MasterKeys::Generate(), random), r->id);
}

TEST_F(PackIndexTest, BlobChecksEverything) {
  auto b = EncodeBlob(keys_, "some content", 3);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(DecodeBlob(keys_, b->id, b->sealed, 11, "t").status().IsCorruption());  // raw_len
  auto other = EncodeBlob(keys_, "other content", 3);
  // A blob moved under another id fails the tag (the id is in the aad).
  auto moved = DecodeBlob(keys_, other->id, b->sealed, 12, "pack x offset 7");
  ASSERT_TRUE(moved.status().IsCorruption());
  EXPECT_EQ(moved.status().message(),
            "blob " + other->id.Short() + " (pack x offset 7): authentication failed");
  EXPECT_TRUE(EncodeBlob(keys_, std::string(format::kMaxBlobSize + 1, 'x'), 3)
                  .status()
                  .IsInvalidArgument());
}

TEST_F(PackIndexTest, PackRoundTrip) {
  std::vector<PackEntry> entries;
  const std::string file = MakePack(5, &entries);
  ASSERT_EQ(entries.size(), 5u);
  auto parsed = ParsePackFile(file, keys_.data_key, "pack t");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 5u);
  for (size_t i = 0; i < 5; i++) {
    EXPECT_EQ((*parsed)[i].id, entries[i].id);
    EXPECT_EQ((*parsed)[i].offset, entries[i].offset);
    EXPECT_EQ((*parsed)[i].type, entries[i].type);
    auto content =
        DecodeBlob(keys_, entries[i].id,
                   std::string_view(file).substr(entries[i].offset, entries[i].sealed_len),
                   entries[i].raw_len, "t");
    EXPECT_TRUE(content.ok());
  }
  MemBackend backend;
  const Id id = PackIdOf(file);
  ASSERT_TRUE(backend.Put(PackHandle(id), file).ok());
  auto via_backend = ReadPackHeader(&backend, keys_.data_key, id);
  ASSERT_TRUE(via_backend.ok()) << via_backend.status().ToString();
  EXPECT_EQ(via_backend->size(), 5u);
}

// Every byte of the header region and trailer, flipped, is caught with a
// message naming the pack; a flipped blob byte is caught by the blob's tag.
TEST_F(PackIndexTest, PackTamperAnyByte) {
  std::vector<PackEntry> entries;
  const std::string file = MakePack(3, &entries);
  const size_t blobs_end = entries.back().offset + entries.back().sealed_len;
  for (size_t i = blobs_end; i < file.size(); i++) {
    std::string bad = file;
    bad[i] ^= 0x04;
    auto r = ParsePackFile(bad, keys_.data_key, "pack t");
    ASSERT_TRUE(r.status().IsCorruption()) << "flip at " << i;
    EXPECT_EQ(r.status().message().rfind("pack t", 0), 0u) << r.status().message();
  }
  for (size_t i = 0; i < blobs_end; i += 7) {
    std::string bad = file;
    bad[i] ^= 0x04;
    ASSERT_TRUE(ParsePackFile(bad, keys_.data_key, "pack t").ok());  // header intact
    size_t k = 0;
    while (entries[k].offset + entries[k].sealed_len <= i) k++;
    auto blob = DecodeBlob(keys_, entries[k].id,
                           std::string_view(bad).substr(entries[k].offset, entries[k].sealed_len),
                           entries[k].raw_len, "t");
    EXPECT_TRUE(blob.status().IsCorruption()) << i;
  }
  EXPECT_EQ(ParsePackFile("short", keys_.data_key, "pack t").status().message(),
            "pack t: file of 5 bytes is shorter than a pack trailer");
}

TEST_F(PackIndexTest, HeaderDecoderLimits) {
  std::string h;
  h.push_back(1);
  h.push_back(static_cast<char>(0x90));  // varint count 16 + continuation...
  h.push_back(0x03);                     // = 400, but no bytes follow
  auto r = DecodePackHeader(h, "pack t");
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_EQ(r.status().message(),
            "pack t header: offset 3: count larger than the header can hold (field count)");
  EXPECT_TRUE(DecodePackHeader(std::string("\x02\x01", 2), "p").status().IsCorruption());
  EXPECT_TRUE(DecodePackHeader(std::string("\x01\x00", 2), "p").status().IsCorruption());
}

TEST_F(PackIndexTest, IndexFileRoundTripAndTamper) {
  std::vector<PackEntry> entries;
  const std::string pack = MakePack(4, &entries);
  IndexPack ip{PackIdOf(pack), entries};
  const std::string file = EncodeIndexFile({ip}, keys_.data_key);
  const std::string name = PackIdOf(file).Hex();
  std::vector<IndexPack> got;
  ASSERT_TRUE(DecodeIndexFile(name, file, keys_.data_key, [&](IndexPack&& p) {
                got.push_back(std::move(p));
                return Status::OK();
              }).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pack_id, ip.pack_id);
  ASSERT_EQ(got[0].blobs.size(), 4u);
  EXPECT_EQ(got[0].blobs[3].offset, entries[3].offset);
  for (size_t i = 0; i < file.size(); i++) {
    std::string bad = file;
    bad[i] ^= 0x10;
    Status s = DecodeIndexFile(name, bad, keys_.data_key, [](IndexPack&&) { return Status::OK(); });
    ASSERT_TRUE(s.IsCorruption()) << i;
    EXPECT_EQ(s.message(),
              "index " + name + ": content hash does not match the file name (file damaged)");
  }
}

TEST_F(PackIndexTest, MemIndexFindsAndCountsDuplicates) {
  MemIndex index;
  std::vector<Id> ids;
  for (int p = 0; p < 20; p++) {
    IndexPack pack;
    pack.pack_id = Id::FromBytes(Sha256("pack" + std::to_string(p)));
    for (int b = 0; b < 1000; b++) {
      PackEntry e;
      e.id = Id::FromBytes(Sha256(std::to_string(p * 1000 + b)));
      e.offset = b * 100;
      e.sealed_len = 100;
      e.raw_len = b;
      e.type = BlobType::kTree;
      pack.blobs.push_back(e);
      ids.push_back(e.id);
    }
    index.AddPack(pack);
  }
  EXPECT_EQ(index.blob_count(), 20000u);
  EXPECT_EQ(index.pack_count(), 20u);
  for (size_t i = 0; i < ids.size(); i += 97) {
    auto loc = index.Find(ids[i]);
    ASSERT_TRUE(loc.has_value());
    EXPECT_EQ(loc->raw_len, i % 1000);
    EXPECT_EQ(loc->type, BlobType::kTree);
    EXPECT_EQ(loc->pack_id, Id::FromBytes(Sha256("pack" + std::to_string(i / 1000))));
  }
  EXPECT_FALSE(index.Find(Id::FromBytes(Sha256("absent"))).has_value());
  // The same blob in another pack keeps the first location.
  IndexPack dup;
  dup.pack_id = Id::FromBytes(Sha256("dup pack"));
  PackEntry e;
  e.id = ids[5];
  e.sealed_len = 41;
  dup.blobs.push_back(e);
  index.AddPack(dup);
  EXPECT_EQ(index.duplicate_count(), 1u);
  EXPECT_EQ(index.Find(ids[5])->pack_id, Id::FromBytes(Sha256("pack0")));
  // Memory stays near 48 bytes per blob (format spec promises ~64 at most).
  EXPECT_LT(index.MemoryBytes() / index.blob_count(), 64u);
}

// AppendPack + FinishAppends answer exactly as AddPack does: every location,
// the first location of a duplicated id (within the appended packs and
// against blobs added before), and the duplicate count.
TEST_F(PackIndexTest, AppendedPacksAnswerAsAddedOnes) {
  std::vector<IndexPack> packs;
  for (int p = 0; p < 12; p++) {
    IndexPack pack;
    pack.pack_id = Id::FromBytes(Sha256("pack" + std::to_string(p)));
    for (int b = 0; b < 700; b++) {
      PackEntry e;
      // Every seventh blob of a pack repeats one of the pack before it.
      const int n = (b % 7 == 0 && p > 0) ? (p - 1) * 700 + b : p * 700 + b;
      e.id = Id::FromBytes(Sha256(std::to_string(n)));
      e.offset = static_cast<uint64_t>(b) * 100;
      e.sealed_len = 100;
      e.raw_len = static_cast<uint32_t>(p);
      e.type = p % 2 ? BlobType::kTree : BlobType::kData;
      pack.blobs.push_back(e);
    }
    packs.push_back(pack);
  }
  MemIndex added, appended;
  for (const IndexPack& p : packs) added.AddPack(p);
  appended.AddPack(packs[0]);  // a blob already there keeps its place
  for (size_t i = 1; i < packs.size(); i++) appended.AppendPack(packs[i]);
  appended.AppendPack(packs[3]);  // a whole pack listed twice
  appended.FinishAppends();
  EXPECT_EQ(appended.blob_count(), added.blob_count());
  EXPECT_EQ(appended.pack_count(), added.pack_count());
  EXPECT_EQ(appended.duplicate_count(), added.duplicate_count() + packs[3].blobs.size());
  for (const IndexPack& p : packs) {
    for (const PackEntry& e : p.blobs) {
      auto want = added.Find(e.id), got = appended.Find(e.id);
      ASSERT_TRUE(want.has_value() && got.has_value());
      EXPECT_EQ(got->pack_id, want->pack_id);
      EXPECT_EQ(got->offset, want->offset);
      EXPECT_EQ(got->raw_len, want->raw_len);
      EXPECT_EQ(got->type, want->type);
    }
  }
  EXPECT_FALSE(appended.Find(Id::FromBytes(Sha256("absent"))).has_value());
  EXPECT_LT(appended.MemoryBytes() / appended.blob_count(), 64u);
}

}  // namespace
}  // namespace tidemark
