// ParseJson: a strict RFC 8259 reader into a small DOM, for JSON that tidemark
// or someone else wrote (export manifests, keys given on the command line,
// config). It is the counterpart of JsonWriter (base/json.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tidemark {

// One JSON value. Copyable; a default-constructed value is null. Objects keep
// their members in document order. Accessors for a type other than type() are
// programmer errors (assert) and return an empty/zero value in release builds.
class JsonValue {
 public:
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;

  JsonValue() = default;

  Type type() const { return type_; }
  bool is_null() const { return type_ == kNull; }
  bool is_bool() const { return type_ == kBool; }
  bool is_number() const { return type_ == kNumber; }
  bool is_string() const { return type_ == kString; }
  bool is_array() const { return type_ == kArray; }
  bool is_object() const { return type_ == kObject; }
  // "null", "boolean", "number", "string", "array", "object": for messages
  // such as "key: expected a string, found an array".
  static const char* TypeName(Type type);

  // REQUIRES: is_bool().
  bool bool_value() const;

  // Numbers. REQUIRES: is_number().
  // The number exactly as written in the document, e.g. "-0", "1.50", "2E+3".
  const std::string& number_text() const;
  // True when the text has no fraction and no exponent and the value fits an
  // int64 (so "1.0" and "1e2" are not integers, "-9223372036854775808" is).
  bool is_integer() const;
  // The exact value. REQUIRES: is_integer().
  int64_t int_value() const;
  // The nearest double (for integers too; large ones may round). A magnitude
  // too small for a double reads as 0 with the sign kept.
  double double_value() const;

  // REQUIRES: is_string(). Valid UTF-8.
  const std::string& string_value() const;
  // REQUIRES: is_array().
  const Array& array() const;
  // REQUIRES: is_object(). Keys are unique.
  const Object& members() const;
  // The value of member `key`, or nullptr when absent or when this is not an
  // object. Linear in the number of members. The pointer lives as long as
  // this value is neither destroyed nor assigned.
  const JsonValue* Find(std::string_view key) const;

 private:
  friend class JsonParser;

  Type type_ = kNull;
  bool bool_ = false;
  bool is_integer_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string text_;  // string value, or the number as written
  Array array_;
  Object members_;
};

// Parses `text`, which must hold exactly one JSON value (RFC 8259) with
// optional whitespace around it. Strict: no comments, trailing commas, leading
// zeros, NaN/Infinity, byte order mark, raw control characters in strings,
// invalid UTF-8, unpaired surrogates, duplicate keys, numbers beyond the range
// of a double, or nesting deeper than kMaxJsonDepth arrays/objects.
// On failure returns InvalidArgument("JSON: line L, column C: problem"), where
// line and column count from 1 and a column counts characters (UTF-8
// sequences), pointing at where the problem was found.
Result<JsonValue> ParseJson(std::string_view text);

inline constexpr int kMaxJsonDepth = 256;

}  // namespace tidemark
