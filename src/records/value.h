// Values and records exactly as SQLite stores them (docs/format/records.md).
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

// Storage classes, numbered as in the record encoding (records.md §2).
enum class ValueType : uint8_t { kNull = 0, kInteger = 1, kReal = 2, kText = 3, kBlob = 4 };

const char* ValueTypeName(ValueType t);  // "null", "integer", "real", "text", "blob"

class Value {
 public:
  Value() = default;
  static Value Null() { return Value(); }
  static Value Integer(int64_t v);
  static Value Real(double v);
  static Value Text(std::string v);
  static Value Blob(std::string v);
  // An out-of-line text or blob: `encoded_ref` is a LargeValue encoding.
  static Value Ref(ValueType type, std::string encoded_ref);

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  bool ref() const { return ref_; }
  int64_t integer() const { return i_; }  // REQUIRES: type() == kInteger
  double real() const { return r_; }      // REQUIRES: type() == kReal
  // Text or blob bytes (or, when ref(), the encoded reference).
  const std::string& bytes() const { return s_; }
  std::string* mutable_bytes() { return &s_; }

  // Exact equality: same type, same bits (NaN == NaN with equal bits,
  // -0.0 != 0.0), same bytes. A reference equals only the same reference.
  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }

  // Size in memory terms of the content (bytes for text/blob, 8 otherwise).
  size_t ContentSize() const;

 private:
  ValueType type_ = ValueType::kNull;
  bool ref_ = false;
  int64_t i_ = 0;
  double r_ = 0;
  std::string s_;
};

// One row: the stored columns of a table in schema order (see schema.h,
// TableSchema::stored_columns), plus the rowid as the last value when the
// table keeps one beside a declared key (TableSchema::implicit_id_in_record).
using Record = std::vector<Value>;

// Values longer than this are split out of the record (records.md §3).
inline constexpr size_t kInlineMax = 32u << 10;

}  // namespace tidemark
