#include "repo/index.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/coding.h"
#include "crypto/crypto.h"
#include "repo/format.h"

namespace tidemark {

using namespace format;

FileHandle IndexHandle(const Id& id) { return {FileKind::kIndex, id.Hex()}; }

std::string EncodeIndexFile(const std::vector<IndexPack>& packs, std::string_view data_key) {
  std::string plain;
  plain.push_back(1);  // version
  PutVarint64(&plain, packs.size());
  for (const IndexPack& p : packs) {
    plain.append(p.pack_id.View());
    PutVarint64(&plain, p.blobs.size());
    for (const PackEntry& e : p.blobs) WritePackEntry(&plain, /*with_offset=*/true, e);
  }
  return AeadSeal(data_key, plain, kAadIndex);
}

Status DecodeIndexPlain(std::string_view plain, std::string_view what,
                        const std::function<Status(IndexPack&&)>& fn) {
  ByteReader r(plain, std::string(what));
  uint8_t version;
  uint64_t pack_count;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != 1)
    return r.Error("version", "unsupported index version " + std::to_string(version));
  TM_RETURN_IF_ERROR(r.VarintMax("pack_count", kMaxPacksPerIndex, &pack_count));
  for (uint64_t p = 0; p < pack_count; p++) {
    IndexPack pack;
    std::string_view pack_id;
    uint64_t blob_count;
    TM_RETURN_IF_ERROR(r.Bytes("pack_id", 32, &pack_id));
    pack.pack_id = Id::FromBytes(pack_id);
    TM_RETURN_IF_ERROR(r.VarintMax("blob_count", kMaxBlobsPerPack, &blob_count));
    if (blob_count == 0) return r.Error("blob_count", "pack lists no blobs");
    if (blob_count > r.remaining() / 36)
      return r.Error("blob_count", "count larger than the file can hold");
    pack.blobs.reserve(blob_count);
    for (uint64_t i = 0; i < blob_count; i++) {
      PackEntry e;
      TM_RETURN_IF_ERROR(ReadPackEntry(&r, /*with_offset=*/true, &e));
      pack.blobs.push_back(e);
    }
    TM_RETURN_IF_ERROR(fn(std::move(pack)));
  }
  return r.ExpectEnd();
}

Status DecodeIndexFile(std::string_view name, std::string_view file, std::string_view data_key,
                       const std::function<Status(IndexPack&&)>& fn) {
  const std::string what = "index " + std::string(name);
  if (PackIdOf(file).Hex() != name) {
    return Status::Corruption(what + ": content hash does not match the file name (file damaged)");
  }
  auto plain = AeadOpen(data_key, file, kAadIndex);
  if (!plain.ok()) return Status::Corruption(what + ": offset 0: " + plain.status().message());
  return DecodeIndexPlain(*plain, what, fn);
}

// ---- MemIndex ----

namespace {
// Id order (bytes compared as unsigned, first to last), deciding on the
// first eight bytes where they differ, as they almost always do for
// uniformly random ids: a load and a compare instead of a memcmp call.
bool EntryLess(const Id& a, const Id& b) {
  uint64_t x, y;
  std::memcpy(&x, a.bytes.data(), sizeof x);
  std::memcpy(&y, b.bytes.data(), sizeof y);
  if constexpr (std::endian::native == std::endian::little) {
    x = __builtin_bswap64(x);
    y = __builtin_bswap64(y);
  }
  if (x != y) return x < y;
  return a < b;
}
}  // namespace

uint32_t MemIndex::PackRef(const Id& pack_id) {
  auto [it, inserted] = pack_refs_.try_emplace(pack_id, static_cast<uint32_t>(packs_.size()));
  if (inserted) packs_.push_back(pack_id);
  return it->second;
}

MemIndex::Entry MemIndex::MakeEntry(const PackEntry& b, uint32_t pack_ref) {
  return Entry{b.id, pack_ref, static_cast<uint32_t>(b.offset), b.sealed_len,
               b.raw_len | (static_cast<uint32_t>(b.type) << 28)};
}

void MemIndex::AddPack(const IndexPack& pack) {
  const uint32_t ref = PackRef(pack.pack_id);
  for (const PackEntry& b : pack.blobs) {
    if (FindEntry(b.id) != nullptr) {
      duplicates_++;
      continue;
    }
    recent_.emplace(b.id, MakeEntry(b, ref));
  }
  if (recent_.size() > 4096 + main_.size() / 8) MergeRecent();
}

void MemIndex::AppendPack(const IndexPack& pack) {
  if (!appending_) {
    MergeRecent();
    sorted_ = main_.size();
    appending_ = true;
  }
  const uint32_t ref = PackRef(pack.pack_id);
  for (const PackEntry& b : pack.blobs) main_.push_back(MakeEntry(b, ref));
}

void MemIndex::FinishAppends() {
  if (!appending_) return;
  appending_ = false;
  auto less = [](const Entry& x, const Entry& y) { return EntryLess(x.id, y.id); };
  // Of equal ids, the one in the pack seen first (the lower reference)
  // comes first, and the merge puts the entries that were there before
  // ahead of the new ones: the first location is kept, as AddPack keeps it.
  std::sort(main_.begin() + static_cast<ptrdiff_t>(sorted_), main_.end(),
            [](const Entry& x, const Entry& y) {
              if (x.id != y.id) return EntryLess(x.id, y.id);
              return x.pack != y.pack ? x.pack < y.pack : x.offset < y.offset;
            });
  std::inplace_merge(main_.begin(), main_.begin() + static_cast<ptrdiff_t>(sorted_), main_.end(),
                     less);
  auto end = std::unique(main_.begin(), main_.end(),
                         [](const Entry& x, const Entry& y) { return x.id == y.id; });
  duplicates_ += static_cast<size_t>(main_.end() - end);
  main_.erase(end, main_.end());
  main_.shrink_to_fit();
}

void MemIndex::MergeRecent() {
  if (recent_.empty()) return;
  const size_t mid = main_.size();
  main_.reserve(mid + recent_.size());
  for (const auto& [id, e] : recent_) main_.push_back(e);
  auto less = [](const Entry& x, const Entry& y) { return EntryLess(x.id, y.id); };
  std::sort(main_.begin() + mid, main_.end(), less);
  std::inplace_merge(main_.begin(), main_.begin() + mid, main_.end(), less);
  recent_ = {};
}

const MemIndex::Entry* MemIndex::FindEntry(const Id& id) const {
  auto it = std::lower_bound(main_.begin(), main_.end(), id,
                             [](const Entry& e, const Id& key) { return EntryLess(e.id, key); });
  if (it != main_.end() && it->id == id) return &*it;
  auto r = recent_.find(id);
  return r == recent_.end() ? nullptr : &r->second;
}

BlobLocation MemIndex::ToLocation(const Entry& e) const {
  BlobLocation loc;
  loc.pack_id = packs_[e.pack];
  loc.type = static_cast<BlobType>(e.raw_len_and_type >> 28);
  loc.offset = e.offset;
  loc.sealed_len = e.sealed_len;
  loc.raw_len = e.raw_len_and_type & ((1u << 28) - 1);
  return loc;
}

std::optional<size_t> MemIndex::PositionOf(const Id& id) const {
  auto it = std::lower_bound(main_.begin(), main_.end(), id,
                             [](const Entry& e, const Id& key) { return EntryLess(e.id, key); });
  if (it == main_.end() || it->id != id) return std::nullopt;
  return static_cast<size_t>(it - main_.begin());
}

std::optional<BlobLocation> MemIndex::Find(const Id& id) const {
  const Entry* e = FindEntry(id);
  if (e == nullptr) return std::nullopt;
  return ToLocation(*e);
}

size_t MemIndex::MemoryBytes() const {
  // recent_: entry + key + node pointers, plus the bucket array.
  const size_t recent =
      recent_.size() * (sizeof(Entry) + sizeof(Id) + 16) + recent_.bucket_count() * sizeof(void*);
  return main_.capacity() * sizeof(Entry) + recent + packs_.capacity() * sizeof(Id) +
         pack_refs_.size() * (sizeof(Id) + 4 + 16) + pack_refs_.bucket_count() * sizeof(void*);
}

void MemIndex::ForEach(const std::function<void(const Id&, const BlobLocation&)>& fn) const {
  for (const Entry& e : main_) fn(e.id, ToLocation(e));
  for (const auto& [id, e] : recent_) fn(e.id, ToLocation(e));
}

}  // namespace tidemark
