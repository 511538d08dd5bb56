// The order-preserving key encoding (EncodeKey, DecodeKey):
// docs/format/records.md §4 for every byte written here.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "base/coding.h"
#include "records/encoding.h"
#include "records/key_tags.h"
#include "records/numeric.h"
#include "records/typed_values.h"

namespace tidemark {
namespace {

// Trailers (records.md §4.1): they order only keys whose components are equal.
constexpr __int128 kMicrosPerMonth = __int128{30} * kMicrosPerDay;

void PutBigEndian(std::string* out, unsigned __int128 v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>(static_cast<uint64_t>(v >> shift) & 0xff));
  }
}

void PutOrdered(std::string* out, __int128 v, int bytes) {  // sign bit flipped
  const unsigned __int128 sign = static_cast<unsigned __int128>(1) << (bytes * 8 - 1);
  PutBigEndian(out, static_cast<unsigned __int128>(v) ^ sign, bytes);
}

// IEEE-754 bits mapped so that unsigned order equals numeric order.
uint64_t OrderedDouble(double d) {
  if (d == 0) d = 0;  // -0.0 sorts (and is) equal to 0.0
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // after +Inf
  const uint64_t b = std::bit_cast<uint64_t>(d);
  return (b & (1ull << 63)) ? ~b : b | (1ull << 63);
}

void PutEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->append("\0\0", 2);
}

// What components leave for the trailers.
struct Trailers {
  std::string marks;  // one byte per number: 0 integer, 1 real
  bool any_real = false;
  std::string residuals;  // per numeric: scale; per interval: months, days
  bool any_residual = false;
};

void EncodeComponent(const Value& v, Trailers* t, std::string* out);

void EncodeNumber(const Value& v, Trailers* t, std::string* out) {
  // The nearest double orders the numbers; for an integer the exact
  // difference to that double breaks ties (|diff| < 2^11), so integers
  // beyond 2^53 and reals compare exactly as SQLite compares them.
  const bool is_int = v.type() == ValueType::kInteger;
  const double d = is_int ? static_cast<double>(v.integer()) : v.real();
  __int128 diff = 0;
  if (is_int) diff = static_cast<__int128>(v.integer()) - static_cast<__int128>(d);
  out->push_back(static_cast<char>(keytag::kNumber));
  PutBigEndian(out, OrderedDouble(d), 8);
  PutOrdered(out, diff, 8);
  t->marks.push_back(is_int ? '\0' : '\1');
  t->any_real |= !is_int;
}

void EncodeNumeric(const Value& v, Trailers* t, std::string* out) {
  auto d = ParseDecimal(v.bytes());
  Decimal dec;  // REQUIRES a canonical value; anything else encodes as zero
  if (d.ok()) dec = *d;
  EncodeDecimalKey(dec, out);
  PutVarint64(&t->residuals, static_cast<uint64_t>(dec.scale));
  t->any_residual = true;
}

void EncodeInet(const Value& v, std::string* out) {
  auto inet = InetOf(v);
  if (!inet.ok()) return;
  // Family, network part (host bits zero), prefix length, whole address:
  // PostgreSQL's network_cmp order.
  out->push_back(static_cast<char>(inet->family));
  for (size_t i = 0; i < inet->address.size(); i++) {
    const int keep = std::clamp(inet->bits - static_cast<int>(i) * 8, 0, 8);
    const uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    out->push_back(static_cast<char>(static_cast<uint8_t>(inet->address[i]) & mask));
  }
  out->push_back(static_cast<char>(inet->bits));
  out->append(inet->address);
}

void EncodeArray(const Value& v, Trailers* t, std::string* out) {
  auto a = ArrayOf(v);
  if (!a.ok()) return;
  PutEscaped(out, a->element_type);
  for (const Value& e : a->elements) {
    if (e.is_null()) {
      out->push_back(static_cast<char>(keytag::kArrayNull));
    } else {
      EncodeComponent(e, t, out);
    }
  }
  out->push_back(static_cast<char>(keytag::kArrayEnd));  // a shorter array sorts first
  out->push_back(static_cast<char>(a->lengths.size()));
  for (int32_t n : a->lengths) PutBigEndian(out, static_cast<uint32_t>(n), 4);
  for (int32_t lb : a->lower_bounds) PutOrdered(out, lb, 4);
}

void EncodeTypedComponent(const Value& v, Trailers* t, std::string* out) {
  out->push_back(static_cast<char>(keytag::Typed(v.type())));
  switch (v.type()) {
    case ValueType::kNumeric:
      return EncodeNumeric(v, t, out);
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
    case ValueType::kTime:
      return PutOrdered(out, v.micros(), 8);
    case ValueType::kDate:
      return PutOrdered(out, v.days(), 4);
    case ValueType::kTimeTz:
      // By the instant (the time in UTC), then by the offset, larger offsets
      // west first: PostgreSQL's timetz order.
      PutOrdered(out, v.micros() - int64_t{v.offset_seconds()} * 1000000, 8);
      return PutOrdered(out, -int64_t{v.offset_seconds()}, 4);
    case ValueType::kInterval:
      // By the span PostgreSQL compares (a month is 30 days); the fields
      // themselves go to the residuals.
      PutOrdered(
          out, v.months() * kMicrosPerMonth + __int128{v.days()} * kMicrosPerDay + v.micros(), 16);
      PutVarsint64(&t->residuals, v.months());
      PutVarsint64(&t->residuals, v.days());
      t->any_residual = true;
      return;
    case ValueType::kUuid:
      out->append(v.bytes());  // 16 bytes, compared bytewise
      return;
    case ValueType::kEnum: {
      auto e = EnumOf(v);
      PutEscaped(out, e.ok() ? e->type : "");
      return PutEscaped(out, e.ok() ? e->label : "");
    }
    case ValueType::kDomain: {
      auto d = DomainOf(v);
      PutEscaped(out, d.ok() ? d->type : "");
      if (d.ok()) EncodeComponent(d->base, t, out);
      return;
    }
    case ValueType::kInet:
    case ValueType::kCidr:
      return EncodeInet(v, out);
    case ValueType::kArray:
      return EncodeArray(v, t, out);
    default:  // json, jsonb: by their text
      return PutEscaped(out, v.bytes());
  }
}

void EncodeComponent(const Value& v, Trailers* t, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull:
      out->push_back(static_cast<char>(keytag::kNull));
      return;
    case ValueType::kInteger:
    case ValueType::kReal:
      return EncodeNumber(v, t, out);
    case ValueType::kText:
    case ValueType::kBlob:
      out->push_back(
          static_cast<char>(v.type() == ValueType::kText ? keytag::kText : keytag::kBlob));
      return PutEscaped(out, v.bytes());
    default:
      return EncodeTypedComponent(v, t, out);
  }
}

}  // namespace

void EncodeKey(const std::vector<Value>& key, std::string* out) {
  Trailers t;
  for (const Value& v : key) EncodeComponent(v, &t, out);
  // Residuals, then the storage class of numbers, go last so that they only
  // order keys whose values are all equal (SQLite holds 1 and 1.0 equal,
  // PostgreSQL 1.5 and 1.50, and '1 mon' and '30 days'; a key cannot hold both).
  if (t.any_residual) {
    out->push_back(static_cast<char>(keytag::kResiduals));
    out->append(t.residuals);
  }
  if (t.any_real) {
    out->push_back(static_cast<char>(keytag::kRealMarks));
    out->append(t.marks);
  }
}

}  // namespace tidemark
