// The value kinds beyond SQLite's storage classes (format v2,
// docs/format/records.md §1.2): builders that check their input, readers of
// the composite payloads (arrays, enums, domains, inet), and the text form
// shared by display, JSON/CSV export and diff. PostgreSQL is the model; a
// connector maps its types onto these kinds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/value.h"

namespace tidemark {

// Limits of the payloads (records.md §1.2), those of PostgreSQL.
inline constexpr size_t kMaxTypeName = 1u << 16;
inline constexpr int kMaxArrayDims = 6;
inline constexpr int32_t kMaxTimeTzOffset = 15 * 3600 + 59 * 60 + 59;  // ±15:59:59
inline constexpr int64_t kMicrosPerDay = 86400000000;

// numeric from PostgreSQL's output text: "-12.340" (the scale kept),
// "NaN", "Infinity", "-Infinity". InvalidArgument for any other spelling
// (exponents, leading zeros, "+", "-0", more than 131072 integer or 16383
// fraction digits).
Result<Value> MakeNumeric(std::string_view text);
// uuid from its 16 bytes.
Result<Value> MakeUuid(std::string_view bytes);
// json and jsonb keep their text as given (the database validated it).
Value MakeJson(std::string text);
Value MakeJsonb(std::string text);
// An enum label of type `type` (schema-qualified as the connector names it).
Result<Value> MakeEnum(std::string_view type, std::string_view label);
// A value of domain `type`. `base` is a non-NULL inline value of any kind
// but a domain (a domain over a domain names the outermost one).
Result<Value> MakeDomain(std::string_view type, const Value& base);
// inet / cidr: family 4 (4-byte address) or 6 (16 bytes), prefix length
// `bits` (<= 32 or 128). A cidr must have its host bits zero.
Result<Value> MakeInet(int family, int bits, std::string_view address);
Result<Value> MakeCidr(int family, int bits, std::string_view address);

// An array: elements in row-major order, one per cell of `lengths`; NULL
// elements are Value::Null(). An empty array has no dimensions.
struct ArrayValue {
  std::string element_type;           // e.g. "int4", "text", "public.mood"
  std::vector<int32_t> lengths;       // per dimension, each >= 1
  std::vector<int32_t> lower_bounds;  // per dimension (PostgreSQL's default: 1)
  std::vector<Value> elements;        // non-NULL ones of one kind; no arrays, no references
  bool operator==(const ArrayValue&) const = default;
};
Result<Value> MakeArray(const ArrayValue& a);
// A one-dimensional array with lower bound 1.
Result<Value> MakeArray1(std::string element_type, std::vector<Value> elements);

struct EnumValue {
  std::string type, label;
};
struct DomainValue {
  std::string type;
  Value base;
};
struct InetValue {
  int family = 4;  // 4 or 6
  int bits = 32;
  std::string address;  // 4 or 16 bytes
};
// Readers of a checked value's payload (REQUIRES: the value's kind; a value
// from a builder or DecodeRecord). Corruption if the payload is malformed.
Result<ArrayValue> ArrayOf(const Value& v);
Result<EnumValue> EnumOf(const Value& v);
Result<DomainValue> DomainOf(const Value& v);
Result<InetValue> InetOf(const Value& v);

// Checks the payload of a byte-payload v2 kind as DecodeRecord does.
// Corruption (naming `what`) if it is not canonical.
Status CheckPayload(ValueType type, std::string_view payload, std::string_view what);
// CheckPayload, then rewrites the varints inside an array, domain or enum
// payload in their shortest form (a reader accepts overlong ones, FORMAT.md
// §1), so that equal values hold equal bytes.
Status CanonicalizePayload(ValueType type, std::string* payload, std::string_view what);
// Checks the range of a fixed-size v2 kind (time of day, offsets).
bool ScalarInRange(const Value& v);

// The text form of a v2 value (records.md §7), used by display, CSV, JSON
// strings and diff: ISO 8601 times ("2024-05-01T12:30:00.25Z", "infinity"),
// ISO 8601 durations ("P1Y2M3DT4H5M6.5S"), canonical uuid, numeric text,
// inet as PostgreSQL prints it, arrays as PostgreSQL's literal
// ("{1,NULL,\"a b\"}", "[0:1]={1,2}"), an enum's label, a domain's base
// value. REQUIRES: a v2 kind, not a reference.
std::string TypedValueText(const Value& v);

// The value of `like`'s kind (and, for an enum or a domain, its type) whose
// text form is `text`: the inverse of TypedValueText for the kinds keys are
// made of (times, dates, uuid, numeric, json, enum, domain), so that a key
// typed by a user finds the stored one. A time also accepts a space for the
// "T" and, with a time zone, an offset ("+02:00") for the "Z".
// InvalidArgument saying what was expected for any other text, and for the
// kinds not parsed yet (interval, inet, cidr, array).
Result<Value> TypedValueFromText(const Value& like, std::string_view text);

// Days since 2000-01-01 to a proleptic Gregorian date (astronomical years:
// 0 is 1 BC; month 1..12, day 1..31).
void CivilFromDays(int64_t days, int64_t* y, int* m, int* d);

}  // namespace tidemark
