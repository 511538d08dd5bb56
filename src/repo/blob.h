// Blob encoding (docs/FORMAT.md §6): content -> id, compressed, sealed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "repo/id.h"
#include "repo/keys.h"

namespace tidemark {

enum class BlobType : uint8_t { kData = 1, kTree = 2 };
const char* BlobTypeName(BlobType t);
bool BlobTypeValid(uint8_t t);

// HMAC-SHA-256(id_key, content).
Id ComputeBlobId(const MasterKeys& keys, std::string_view content);

struct EncodedBlob {
  Id id;
  std::string sealed;  // what goes into the pack
  uint32_t raw_len = 0;
};

// REQUIRES: content.size() <= format::kMaxBlobSize (else InvalidArgument).
Result<EncodedBlob> EncodeBlob(const MasterKeys& keys, std::string_view content,
                               int compression_level);
// Same, with an id the caller already computed.
Result<EncodedBlob> EncodeBlobWithId(const MasterKeys& keys, const Id& id, std::string_view content,
                                     int compression_level);

// Opens a stored blob and verifies everything FORMAT.md §6 lists. `where`
// names the location for messages ("pack 3fa1… offset 1234").
Result<std::string> DecodeBlob(const MasterKeys& keys, const Id& id, std::string_view sealed,
                               uint32_t raw_len, std::string_view where);

}  // namespace tidemark
