// Values and records exactly as their source stores them
// (docs/format/records.md §1): SQLite's five storage classes, and the types
// a server database has beyond them (PostgreSQL's numeric, date and time
// types, uuid, json, arrays, enums, domains, inet; see typed_values.h).
//
// A Value keeps SQLite's dynamic type: a text stored in an INTEGER column
// stays text, a REAL keeps its exact bits (NaN payloads, ±Inf, -0.0). A
// text or blob larger than kInlineMax is stored out of line as chunks; after
// decoding such a value is a *reference* (ref() true): `bytes` then holds
// the encoded chunk list, not the content (see LargeValue below).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

// Value kinds, numbered as their tags in the record encoding (records.md §2;
// 5 and 6 are the out-of-line tags of text and blob, 22 of the others).
// Kinds 0..4 are SQLite's storage classes (format v1); 7..21 came with v2.
enum class ValueType : uint8_t {
  kNull = 0,
  kInteger = 1,
  kReal = 2,
  kText = 3,
  kBlob = 4,         // also PostgreSQL's bytea
  kNumeric = 7,      // arbitrary precision decimal: canonical text (numeric.h)
  kTimestampTz = 8,  // instant: microseconds since 2000-01-01 00:00 UTC
  kTimestamp = 9,    // wall clock: microseconds since 2000-01-01 00:00
  kDate = 10,        // days since 2000-01-01 (int32)
  kTime = 11,        // microseconds since midnight, 0..86400000000
  kTimeTz = 12,      // time of day and a UTC offset in seconds (east positive)
  kInterval = 13,    // months, days, microseconds (each kept, as PostgreSQL does)
  kUuid = 14,        // 16 bytes
  kJson = 15,        // JSON text exactly as stored
  kJsonb = 16,       // JSON text in the database's normalized form
  kArray = 17,       // typed, multi-dimensional, NULL elements (typed_values.h)
  kEnum = 18,        // enum type name and label
  kDomain = 19,      // domain type name and a value of its base type
  kInet = 20,        // address with a prefix length (host bits kept)
  kCidr = 21,        // network: host bits zero
};

// "null", "integer", "real", "text", "blob", "numeric", "timestamptz",
// "timestamp", "date", "time", "timetz", "interval", "uuid", "json",
// "jsonb", "array", "enum", "domain", "inet", "cidr".
const char* ValueTypeName(ValueType t);
// True for kinds whose content is a byte string (bytes()): text, blob and
// the v2 kinds that are not fixed-size numbers. These are the values a
// record may store out of line (records.md §2).
bool HasBytePayload(ValueType t);

class Value {
 public:
  Value() = default;
  static Value Null() { return Value(); }
  static Value Integer(int64_t v);
  static Value Real(double v);
  static Value Text(std::string v);
  static Value Blob(std::string v);
  // An out-of-line value (HasBytePayload(type)): `encoded_ref` is a
  // LargeValue encoding.
  static Value Ref(ValueType type, std::string encoded_ref);
  // The fixed-size v2 kinds. Ranges are the caller's to respect (see the
  // kind comments above); DecodeRecord refuses values out of range.
  static Value TimestampTz(int64_t micros);
  static Value Timestamp(int64_t micros);
  static Value Date(int32_t days);
  static Value Time(int64_t micros);
  static Value TimeTz(int64_t micros, int32_t offset_seconds);
  static Value Interval(int32_t months, int32_t days, int64_t micros);
  // A byte-payload v2 kind from its canonical payload. REQUIRES: the payload
  // is valid for `type` (use the builders in typed_values.h, which check).
  static Value FromPayload(ValueType type, std::string payload);

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  bool ref() const { return ref_; }
  int64_t integer() const { return i_; }  // REQUIRES: type() == kInteger
  double real() const;                    // REQUIRES: type() == kReal
  // kTimestampTz, kTimestamp, kTime, kTimeTz, kInterval: microseconds;
  // kDate: days.
  int64_t micros() const { return i_; }
  int32_t days() const;            // kDate; kInterval: the days part
  int32_t months() const;          // kInterval
  int32_t offset_seconds() const;  // kTimeTz
  // Text or blob bytes, the payload of other byte kinds (or, when ref(),
  // the encoded reference).
  const std::string& bytes() const { return s_; }
  std::string* mutable_bytes() { return &s_; }
  // Makes this an inline text or blob holding `bytes`, reusing its buffer
  // (decoders that fill the same values row after row).
  // REQUIRES: type is kText or kBlob.
  void SetBytes(ValueType type, std::string_view bytes) {
    type_ = type;
    ref_ = false;
    i_ = 0;
    aux_ = 0;
    s_.assign(bytes);
  }

  // Exact equality: same type, same bits (NaN == NaN with equal bits,
  // -0.0 != 0.0), same bytes. A reference equals only the same reference.
  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }

  // Size in memory terms of the content (bytes for byte kinds, 8 otherwise).
  size_t ContentSize() const;

 private:
  static Value Scalar(ValueType type, int64_t i, uint64_t aux);

  ValueType type_ = ValueType::kNull;
  bool ref_ = false;
  int64_t i_ = 0;
  uint64_t aux_ = 0;  // kReal: the bits; kTimeTz: offset; kInterval: months, days
  std::string s_;
};

// One row: the stored columns of a table in schema order (see schema.h,
// TableSchema::stored_columns), plus the rowid as the last value when the
// table keeps one beside a declared key (TableSchema::implicit_id_in_record).
using Record = std::vector<Value>;

// Values longer than this are split out of the record (records.md §3).
inline constexpr size_t kInlineMax = 32u << 10;

}  // namespace tidemark
