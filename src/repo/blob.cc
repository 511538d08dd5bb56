#include "repo/blob.h"

#include "compress/zstd.h"
#include "crypto/crypto.h"
#include "repo/format.h"

namespace tidemark {

using namespace format;

const char* BlobTypeName(BlobType t) {
  switch (t) {
    case BlobType::kData:
      return "data";
    case BlobType::kTree:
      return "tree";
  }
  return "unknown";
}

bool BlobTypeValid(uint8_t t) { return t == 1 || t == 2; }

Id ComputeBlobId(const MasterKeys& keys, std::string_view content) {
  return Id::FromBytes(HmacSha256(keys.id_key, content));
}

static std::string BlobAad(const Id& id) {
  std::string aad(kAadBlob);
  aad.append(id.View());
  return aad;
}

Result<EncodedBlob> EncodeBlobWithId(const MasterKeys& keys, const Id& id, std::string_view content,
                                     int compression_level) {
  if (content.size() > kMaxBlobSize) {
    return Status::InvalidArgument("blob of " + std::to_string(content.size()) +
                                   " bytes exceeds the 64 MiB limit");
  }
  std::string plain;
  TM_ASSIGN_OR_RETURN(std::string compressed, ZstdCompress(content, compression_level));
  if (compressed.size() < content.size()) {
    plain.reserve(compressed.size() + 1);
    plain.push_back(static_cast<char>(kZstd));
    plain += compressed;
  } else {
    plain.reserve(content.size() + 1);
    plain.push_back(static_cast<char>(kStored));
    plain.append(content);
  }
  EncodedBlob b;
  b.id = id;
  b.raw_len = static_cast<uint32_t>(content.size());
  b.sealed = AeadSeal(keys.data_key, plain, BlobAad(id));
  return b;
}

Result<EncodedBlob> EncodeBlob(const MasterKeys& keys, std::string_view content,
                               int compression_level) {
  return EncodeBlobWithId(keys, ComputeBlobId(keys, content), content, compression_level);
}

Result<std::string> DecodeBlob(const MasterKeys& keys, const Id& id, std::string_view sealed,
                               uint32_t raw_len, std::string_view where) {
  const std::string what = "blob " + id.Short() + " (" + std::string(where) + ")";
  // The index decoder caps raw_len too; checking here keeps every caller
  // (and the fuzzer) from sizing a decompression buffer by a hostile length.
  if (raw_len > kMaxBlobSize) {
    return Status::Corruption(what + ": length " + std::to_string(raw_len) +
                              " is over the limit of " + std::to_string(kMaxBlobSize) +
                              " bytes (FORMAT.md §6)");
  }
  auto plain = AeadOpen(keys.data_key, sealed, BlobAad(id));
  if (!plain.ok()) return Status::Corruption(what + ": " + plain.status().message());
  if (plain->empty()) return Status::Corruption(what + ": empty payload");
  const uint8_t compression = static_cast<uint8_t>((*plain)[0]);
  std::string content;
  if (compression == kStored) {
    content = plain->substr(1);
  } else if (compression == kZstd) {
    // raw_len (<= 64 MiB, checked above) bounds the allocation.
    auto d = ZstdDecompress(std::string_view(*plain).substr(1), raw_len);
    if (!d.ok()) return Status::Corruption(what + ": " + d.status().message());
    content = std::move(*d);
  } else {
    return Status::Corruption(what + ": unknown compression " + std::to_string(compression));
  }
  if (content.size() != raw_len) {
    return Status::Corruption(what + ": length " + std::to_string(content.size()) +
                              " differs from the index's " + std::to_string(raw_len));
  }
  if (ComputeBlobId(keys, content) != id) {
    return Status::Corruption(what + ": content does not hash to its id");
  }
  return content;
}

}  // namespace tidemark
