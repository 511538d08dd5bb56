// Byte coding used by every on-disk format (docs/FORMAT.md §1 "Conventions"):
// fixed-width integers are little-endian; varints are unsigned LEB128
// (at most 10 bytes); a "str" is varint length + bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tidemark {

void PutFixed16(std::string* dst, uint16_t v);
void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
// Inline: called for every value of every record a scan encodes.
inline void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}
inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s.data(), s.size());
}
// Signed values as zigzag varints (small magnitudes stay short).
void PutVarsint64(std::string* dst, int64_t v);

uint16_t DecodeFixed16(const char* p);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

// ByteReader walks an untrusted buffer. Every read is bounds-checked; on
// failure it returns Corruption naming `what` (the object being decoded), the
// field and the byte offset, e.g. "index 3fa1…: offset 17: truncated varint
// (field blob_count)". The reader never reads past the buffer.
class ByteReader {
 public:
  ByteReader(std::string_view data, std::string what)
      : data_(data), what_(std::move(what)), what_view_(what_) {}
  // Borrows `what`, which must outlive the reader: no copy for a reader
  // made per record.
  struct Borrow {};
  ByteReader(std::string_view data, std::string_view what, Borrow)
      : data_(data), what_view_(what) {}
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  Status Fixed8(std::string_view field, uint8_t* v);
  Status Fixed16(std::string_view field, uint16_t* v);
  Status Fixed32(std::string_view field, uint32_t* v);
  Status Fixed64(std::string_view field, uint64_t* v);
  Status Varint64(std::string_view field, uint64_t* v);
  Status Varsint64(std::string_view field, int64_t* v);
  // A varint that must be <= max (a limit from the format spec).
  Status VarintMax(std::string_view field, uint64_t max, uint64_t* v);
  // Exactly n bytes.
  Status Bytes(std::string_view field, size_t n, std::string_view* v);
  // varint length (<= max_len) followed by that many bytes.
  Status LengthPrefixed(std::string_view field, size_t max_len, std::string_view* v);
  // Fails unless every byte was consumed.
  Status ExpectEnd() const;

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  // A Corruption status at the current offset, for checks done by the caller.
  Status Error(std::string_view field, std::string_view problem) const;

 private:
  std::string_view data_;
  std::string what_;
  std::string_view what_view_;  // what_, or the borrowed name
  size_t pos_ = 0;
};

}  // namespace tidemark
