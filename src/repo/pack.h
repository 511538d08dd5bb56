// Packs (docs/FORMAT.md §7): many sealed blobs, then a sealed header, then a
// 12-byte trailer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/coding.h"
#include "base/result.h"
#include "repo/blob.h"
#include "repo/id.h"
#include "storage/backend.h"

namespace tidemark {

struct PackEntry {
  BlobType type = BlobType::kData;
  Id id;
  uint64_t offset = 0;  // derived from the lengths before it
  uint32_t sealed_len = 0;
  uint32_t raw_len = 0;
};

// Accumulates sealed blobs in memory and produces the pack file. Not
// thread-safe; one writer per pack.
class PackWriter {
 public:
  // Appends the sealed blob; returns its entry (offset within the pack).
  PackEntry Add(BlobType type, const EncodedBlob& blob);
  size_t size() const { return data_.size(); }
  // The sealed bytes buffered so far (blob i at entries' offsets).
  std::string_view data() const { return data_; }
  size_t count() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Appends header and trailer. Returns the file bytes and fills *entries;
  // the writer is empty afterwards.
  std::string Finish(std::string_view data_key, std::vector<PackEntry>* entries);

 private:
  std::string data_;
  std::vector<PackEntry> entries_;
};

// The pack id of file bytes: SHA-256.
Id PackIdOf(std::string_view file);

// Reads one blob entry: type, id, [offset,] sealed_len, raw_len, with the
// limits of FORMAT.md §7/§8. The pack header omits offset (with_offset false).
Status ReadPackEntry(ByteReader* r, bool with_offset, PackEntry* e);
// The inverse of ReadPackEntry.
void WritePackEntry(std::string* dst, bool with_offset, const PackEntry& e);

// Header plaintext codec (exposed for fuzzing and tests).
std::string EncodePackHeader(const std::vector<PackEntry>& entries);
// Parses a decrypted header; offsets are computed. `what` names the pack.
Result<std::vector<PackEntry>> DecodePackHeader(std::string_view plain, std::string_view what);

// Reads and verifies the header of pack `id` through the backend: trailer,
// magic, header length, header tag, and that blob lengths add up to where
// the header starts. Reads only the tail of the file.
Result<std::vector<PackEntry>> ReadPackHeader(Backend* backend, std::string_view data_key,
                                              const Id& id);

// The same checks over a whole pack file held in memory.
Result<std::vector<PackEntry>> ParsePackFile(std::string_view file, std::string_view data_key,
                                             std::string_view what);

FileHandle PackHandle(const Id& id);

}  // namespace tidemark
