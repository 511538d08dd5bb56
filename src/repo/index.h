// Index files (docs/FORMAT.md §8) and MemIndex, the in-memory lookup from
// blob id to its place in a pack.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "repo/id.h"
#include "repo/pack.h"

namespace tidemark {

struct IndexPack {
  Id pack_id;
  std::vector<PackEntry> blobs;
};

// Encrypts an index listing `packs`. Returns the file bytes; its name is
// PackIdOf(bytes) (SHA-256 of the file).
std::string EncodeIndexFile(const std::vector<IndexPack>& packs, std::string_view data_key);

// Verifies name == SHA-256(file) and the tag, then calls fn for every pack.
// `name` is the file name (64 hex digits).
Status DecodeIndexFile(std::string_view name, std::string_view file, std::string_view data_key,
                       const std::function<Status(IndexPack&&)>& fn);
// Parses decrypted index plaintext (exposed for fuzzing).
Status DecodeIndexPlain(std::string_view plain, std::string_view what,
                        const std::function<Status(IndexPack&&)>& fn);

struct BlobLocation {
  Id pack_id;
  BlobType type = BlobType::kData;
  uint32_t offset = 0;
  uint32_t sealed_len = 0;
  uint32_t raw_len = 0;
};

// Sorted, compact map from blob id to location: 48 bytes per blob plus 36
// per pack. Not thread-safe; the caller synchronises.
class MemIndex {
 public:
  // Adds every blob of pack. A blob id already present keeps its first
  // location; the duplicate is counted.
  void AddPack(const IndexPack& pack);
  // Loading a whole index: AppendPack adds every blob of pack without
  // looking anything up, and FinishAppends sorts them in once, keeping the
  // first location of an id (as AddPack would) and counting the others as
  // duplicates. One sort instead of a lookup per blob and a merge of all of
  // main_ each time the recent blobs outgrow main_/8. REQUIRES:
  // FinishAppends before any other call after AppendPack.
  void AppendPack(const IndexPack& pack);
  void FinishAppends();
  std::optional<BlobLocation> Find(const Id& id) const;
  bool Contains(const Id& id) const { return Find(id).has_value(); }
  bool HasPack(const Id& pack_id) const { return pack_refs_.count(pack_id) > 0; }

  size_t blob_count() const { return main_.size() + recent_.size(); }
  size_t pack_count() const { return packs_.size(); }
  size_t duplicate_count() const { return duplicates_; }
  size_t MemoryBytes() const;

  // Calls fn for every blob, in no particular order.
  void ForEach(const std::function<void(const Id&, const BlobLocation&)>& fn) const;

  // Dense positions, for marking bitmaps (prune): after Compact() and until
  // the next AddPack, every blob has a position in [0, blob_count()), in id
  // order. PositionOf returns nullopt for an unknown id.
  void Compact() { MergeRecent(); }
  std::optional<size_t> PositionOf(const Id& id) const;  // REQUIRES: compacted
  const Id& IdAt(size_t pos) const { return main_[pos].id; }
  BlobLocation LocationAt(size_t pos) const { return ToLocation(main_[pos]); }

 private:
  struct Entry {
    Id id;
    uint32_t pack;
    uint32_t offset;
    uint32_t sealed_len;
    uint32_t raw_len_and_type;  // raw_len (< 2^27) | type << 28
  };
  static_assert(sizeof(Entry) == 48);

  const Entry* FindEntry(const Id& id) const;
  uint32_t PackRef(const Id& pack_id);
  static Entry MakeEntry(const PackEntry& b, uint32_t pack_ref);
  BlobLocation ToLocation(const Entry& e) const;
  void MergeRecent();

  // main_ is sorted by id. New blobs go to recent_, which is merged into
  // main_ when it exceeds main_/8 (+4096): each blob is moved O(log n) times
  // and recent_'s per-entry overhead (~100 B) is spread over 8x as many
  // main_ entries, so the index stays near 60 bytes per blob.
  std::vector<Entry> main_;
  std::unordered_map<Id, Entry, IdHash> recent_;
  std::vector<Id> packs_;
  std::unordered_map<Id, uint32_t, IdHash> pack_refs_;
  size_t duplicates_ = 0;
  size_t sorted_ = 0;  // while appending: main_[0, sorted_) is sorted
  bool appending_ = false;
};

FileHandle IndexHandle(const Id& id);

}  // namespace tidemark
