#include "base/coding.h"

#include <cstring>

namespace tidemark {

void PutFixed16(std::string* dst, uint16_t v) {
  char buf[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  dst->append(buf, 2);
}

void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; i++) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 4);
}

void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; i++) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 8);
}

void PutVarsint64(std::string* dst, int64_t v) {
  PutVarint64(dst, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

uint16_t DecodeFixed16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}

uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | u[i];
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | u[i];
  return v;
}

Status ByteReader::Error(std::string_view field, std::string_view problem) const {
  std::string msg =
      std::string(what_view_) + ": offset " + std::to_string(pos_) + ": " + std::string(problem);
  if (!field.empty()) msg += " (field " + std::string(field) + ")";
  return Status::Corruption(msg);
}

Status ByteReader::Fixed8(std::string_view field, uint8_t* v) {
  if (remaining() < 1) return Error(field, "truncated");
  *v = static_cast<uint8_t>(data_[pos_++]);
  return Status::OK();
}

Status ByteReader::Fixed16(std::string_view field, uint16_t* v) {
  if (remaining() < 2) return Error(field, "truncated");
  *v = DecodeFixed16(data_.data() + pos_);
  pos_ += 2;
  return Status::OK();
}

Status ByteReader::Fixed32(std::string_view field, uint32_t* v) {
  if (remaining() < 4) return Error(field, "truncated");
  *v = DecodeFixed32(data_.data() + pos_);
  pos_ += 4;
  return Status::OK();
}

Status ByteReader::Fixed64(std::string_view field, uint64_t* v) {
  if (remaining() < 8) return Error(field, "truncated");
  *v = DecodeFixed64(data_.data() + pos_);
  pos_ += 8;
  return Status::OK();
}

Status ByteReader::Varint64(std::string_view field, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0, i = 0; i < 10; i++, shift += 7) {
    if (pos_ + i >= data_.size()) return Error(field, "truncated varint");
    uint64_t byte = static_cast<unsigned char>(data_[pos_ + i]);
    if (i == 9 && byte > 1) return Error(field, "varint overflows 64 bits");
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      pos_ += i + 1;
      *v = result;
      return Status::OK();
    }
  }
  return Error(field, "varint longer than 10 bytes");
}

Status ByteReader::Varsint64(std::string_view field, int64_t* v) {
  uint64_t u;
  TM_RETURN_IF_ERROR(Varint64(field, &u));
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return Status::OK();
}

Status ByteReader::VarintMax(std::string_view field, uint64_t max, uint64_t* v) {
  size_t start = pos_;
  TM_RETURN_IF_ERROR(Varint64(field, v));
  if (*v > max) {
    pos_ = start;
    return Error(field, "value " + std::to_string(*v) + " exceeds limit " + std::to_string(max));
  }
  return Status::OK();
}

Status ByteReader::Bytes(std::string_view field, size_t n, std::string_view* v) {
  if (remaining() < n) {
    return Error(field, "truncated: need " + std::to_string(n) + " bytes, have " +
                            std::to_string(remaining()));
  }
  *v = data_.substr(pos_, n);
  pos_ += n;
  return Status::OK();
}

Status ByteReader::LengthPrefixed(std::string_view field, size_t max_len, std::string_view* v) {
  uint64_t n;
  TM_RETURN_IF_ERROR(VarintMax(field, max_len, &n));
  return Bytes(field, static_cast<size_t>(n), v);
}

Status ByteReader::ExpectEnd() const {
  if (remaining() != 0) {
    return Error("", std::to_string(remaining()) + " unexpected trailing bytes");
  }
  return Status::OK();
}

}  // namespace tidemark
