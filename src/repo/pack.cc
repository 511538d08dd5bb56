#include "repo/pack.h"

#include "base/coding.h"
#include "crypto/crypto.h"
#include "repo/format.h"

namespace tidemark {

using namespace format;

FileHandle PackHandle(const Id& id) { return {FileKind::kPack, id.Hex()}; }

Id PackIdOf(std::string_view file) { return Id::FromBytes(Sha256(file)); }

PackEntry PackWriter::Add(BlobType type, const EncodedBlob& blob) {
  PackEntry e;
  e.type = type;
  e.id = blob.id;
  e.offset = data_.size();
  e.sealed_len = static_cast<uint32_t>(blob.sealed.size());
  e.raw_len = blob.raw_len;
  data_ += blob.sealed;
  entries_.push_back(e);
  return e;
}

std::string EncodePackHeader(const std::vector<PackEntry>& entries) {
  std::string h;
  h.push_back(1);  // version
  PutVarint64(&h, entries.size());
  for (const PackEntry& e : entries) WritePackEntry(&h, /*with_offset=*/false, e);
  return h;
}

std::string PackWriter::Finish(std::string_view data_key, std::vector<PackEntry>* entries) {
  std::string sealed = AeadSeal(data_key, EncodePackHeader(entries_), kAadPackHeader);
  std::string file = std::move(data_);
  file += sealed;
  PutFixed32(&file, static_cast<uint32_t>(sealed.size()));
  file += kPackMagic;
  *entries = std::move(entries_);
  data_.clear();
  entries_.clear();
  return file;
}

void WritePackEntry(std::string* dst, bool with_offset, const PackEntry& e) {
  dst->push_back(static_cast<char>(e.type));
  dst->append(e.id.View());
  if (with_offset) PutVarint64(dst, e.offset);
  PutVarint64(dst, e.sealed_len);
  PutVarint64(dst, e.raw_len);
}

Status ReadPackEntry(ByteReader* r, bool with_offset, PackEntry* e) {
  uint8_t type;
  std::string_view id;
  uint64_t offset = 0, sealed_len, raw_len;
  TM_RETURN_IF_ERROR(r->Fixed8("type", &type));
  if (!BlobTypeValid(type)) return r->Error("type", "unknown blob type " + std::to_string(type));
  TM_RETURN_IF_ERROR(r->Bytes("blob_id", 32, &id));
  if (with_offset) TM_RETURN_IF_ERROR(r->VarintMax("offset", UINT32_MAX, &offset));
  TM_RETURN_IF_ERROR(r->VarintMax("sealed_len", kMaxSealedBlobSize, &sealed_len));
  if (sealed_len < kMinSealedBlobSize) return r->Error("sealed_len", "blob shorter than 41 bytes");
  TM_RETURN_IF_ERROR(r->VarintMax("raw_len", kMaxBlobSize, &raw_len));
  e->type = static_cast<BlobType>(type);
  e->id = Id::FromBytes(id);
  e->offset = offset;
  e->sealed_len = static_cast<uint32_t>(sealed_len);
  e->raw_len = static_cast<uint32_t>(raw_len);
  return Status::OK();
}

Result<std::vector<PackEntry>> DecodePackHeader(std::string_view plain, std::string_view what) {
  ByteReader r(plain, std::string(what) + " header");
  uint8_t version;
  uint64_t count;
  TM_RETURN_IF_ERROR(r.Fixed8("version", &version));
  if (version != 1)
    return r.Error("version", "unsupported pack header version " + std::to_string(version));
  TM_RETURN_IF_ERROR(r.VarintMax("count", kMaxBlobsPerPack, &count));
  if (count == 0) return r.Error("count", "pack holds no blobs");
  // Each entry takes at least 35 bytes: refuse counts the buffer cannot hold
  // before reserving memory for them.
  if (count > r.remaining() / 35) return r.Error("count", "count larger than the header can hold");
  std::vector<PackEntry> entries;
  entries.reserve(count);
  uint64_t offset = 0;
  for (uint64_t i = 0; i < count; i++) {
    PackEntry e;
    TM_RETURN_IF_ERROR(ReadPackEntry(&r, /*with_offset=*/false, &e));
    e.offset = offset;
    offset += e.sealed_len;
    entries.push_back(e);
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return entries;
}

// Checks the trailer at the end of `tail` (the last bytes of a file of
// `file_size`) and returns the header length.
static Result<uint32_t> ParseTrailer(std::string_view tail, uint64_t file_size,
                                     const std::string& what) {
  if (file_size < kPackTrailerSize) {
    return Status::Corruption(what + ": file of " + std::to_string(file_size) +
                              " bytes is shorter than a pack trailer");
  }
  std::string_view trailer = tail.substr(tail.size() - kPackTrailerSize);
  const uint64_t at = file_size - kPackTrailerSize;
  if (trailer.substr(4) != kPackMagic) {
    return Status::Corruption(what + ": offset " + std::to_string(at + 4) +
                              ": not a tidemark pack (bad magic)");
  }
  const uint32_t header_len = DecodeFixed32(trailer.data());
  if (header_len < kAeadOverhead || header_len > file_size - kPackTrailerSize) {
    return Status::Corruption(what + ": offset " + std::to_string(at) + ": header length " +
                              std::to_string(header_len) + " does not fit a file of " +
                              std::to_string(file_size) + " bytes");
  }
  return header_len;
}

static Result<std::vector<PackEntry>> OpenHeader(std::string_view sealed, uint64_t header_start,
                                                 std::string_view data_key,
                                                 const std::string& what) {
  auto plain = AeadOpen(data_key, sealed, kAadPackHeader);
  if (!plain.ok()) {
    return Status::Corruption(what + ": offset " + std::to_string(header_start) + ": header " +
                              plain.status().message());
  }
  TM_ASSIGN_OR_RETURN(auto entries, DecodePackHeader(*plain, what));
  const PackEntry& last = entries.back();
  if (last.offset + last.sealed_len != header_start) {
    return Status::Corruption(what + ": blobs end at " +
                              std::to_string(last.offset + last.sealed_len) +
                              " but the header starts at " + std::to_string(header_start));
  }
  return entries;
}

Result<std::vector<PackEntry>> ParsePackFile(std::string_view file, std::string_view data_key,
                                             std::string_view what) {
  const std::string w(what);
  TM_ASSIGN_OR_RETURN(uint32_t header_len, ParseTrailer(file, file.size(), w));
  const uint64_t header_start = file.size() - kPackTrailerSize - header_len;
  return OpenHeader(file.substr(header_start, header_len), header_start, data_key, w);
}

Result<std::vector<PackEntry>> ReadPackHeader(Backend* backend, std::string_view data_key,
                                              const Id& id) {
  const FileHandle h = PackHandle(id);
  const std::string what = "pack " + id.Hex();
  TM_ASSIGN_OR_RETURN(FileInfo info, backend->Stat(h));
  // Read a generous tail at once: most headers fit, saving a second read.
  const uint64_t guess = std::min<uint64_t>(info.size, 64 * 1024);
  TM_ASSIGN_OR_RETURN(std::string tail, backend->Get(h, info.size - guess, guess));
  if (tail.size() != guess) return Status::Corruption(what + ": file shorter than its size");
  TM_ASSIGN_OR_RETURN(uint32_t header_len, ParseTrailer(tail, info.size, what));
  const uint64_t header_start = info.size - kPackTrailerSize - header_len;
  std::string sealed;
  if (header_len + kPackTrailerSize <= guess) {
    sealed = tail.substr(guess - kPackTrailerSize - header_len, header_len);
  } else {
    TM_ASSIGN_OR_RETURN(sealed, backend->Get(h, header_start, header_len));
    if (sealed.size() != header_len) return Status::Corruption(what + ": header truncated");
  }
  return OpenHeader(sealed, header_start, data_key, what);
}

}  // namespace tidemark
