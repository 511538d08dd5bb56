// Payloads and text forms of the v2 value kinds: docs/format/records.md
// §1.2 (payloads) and §7 (text forms).
#include "records/typed_values.h"

#include <arpa/inet.h>

#include <cstring>

#include "base/coding.h"
#include "base/hex.h"
#include "records/encoding.h"
#include "records/numeric.h"
#include "records/value_codec.h"

namespace tidemark {
namespace {

constexpr int64_t kMaxArrayElements = 134217727;  // PostgreSQL's MaxArraySize

Status Invalid(std::string_view what, std::string_view problem) {
  return Status::InvalidArgument(std::string(what) + ": " + std::string(problem));
}

size_t AddressSize(int family) { return family == 4 ? 4 : 16; }

// True when the bits after the first `bits` of `addr` are all zero.
bool HostBitsZero(std::string_view addr, int bits) {
  for (size_t i = 0; i < addr.size(); i++) {
    const int keep = std::clamp(bits - static_cast<int>(i) * 8, 0, 8);
    const uint8_t host = keep == 8 ? 0 : static_cast<uint8_t>(0xff >> keep);
    if (static_cast<uint8_t>(addr[i]) & host) return false;
  }
  return true;
}

Status ParseInet(std::string_view p, bool cidr, InetValue* out) {
  if (p.size() < 2) return Status::Corruption("inet payload shorter than 2 bytes");
  out->family = static_cast<uint8_t>(p[0]);
  out->bits = static_cast<uint8_t>(p[1]);
  if (out->family != 4 && out->family != 6) return Status::Corruption("inet family not 4 or 6");
  const size_t n = AddressSize(out->family);
  if (p.size() != 2 + n) return Status::Corruption("inet address length does not match family");
  if (out->bits > static_cast<int>(n * 8)) return Status::Corruption("inet prefix too long");
  out->address.assign(p.substr(2));
  if (cidr && !HostBitsZero(out->address, out->bits)) {
    return Status::Corruption("cidr with host bits set");
  }
  return Status::OK();
}

Status ParseEnum(std::string_view p, EnumValue* out) {
  ByteReader r(p, "enum value");
  std::string_view type;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("type", kMaxTypeName, &type));
  out->type.assign(type);
  out->label.assign(p.substr(r.offset()));
  return Status::OK();
}

Status ParseDomain(std::string_view p, DomainValue* out) {
  ByteReader r(p, "domain value");
  std::string_view type;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("type", kMaxTypeName, &type));
  out->type.assign(type);
  TM_RETURN_IF_ERROR(DecodeInlineValue(&r, r.remaining(), &out->base));
  if (out->base.is_null() || out->base.type() == ValueType::kDomain) {
    return r.Error("base", "a domain's base value is neither NULL nor a domain");
  }
  return r.ExpectEnd();
}

Status ParseDims(ByteReader* r, ArrayValue* out, int64_t* cells) {
  uint8_t ndims = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("ndims", &ndims));
  if (ndims > kMaxArrayDims) return r->Error("ndims", "more than 6 dimensions");
  *cells = ndims == 0 ? 0 : 1;
  for (int d = 0; d < ndims; d++) {
    uint64_t len = 0;
    int64_t lower = 0;
    TM_RETURN_IF_ERROR(r->VarintMax("length", kMaxArrayElements, &len));
    TM_RETURN_IF_ERROR(r->Varsint64("lower_bound", &lower));
    if (len == 0) return r->Error("length", "a dimension of length 0 (an empty array has none)");
    if (lower < INT32_MIN || lower > INT32_MAX ||
        lower + static_cast<int64_t>(len) - 1 > INT32_MAX) {
      return r->Error("lower_bound", "bounds outside int32");
    }
    *cells *= static_cast<int64_t>(len);
    if (*cells > kMaxArrayElements) return r->Error("length", "more than 2^27-1 elements");
    out->lengths.push_back(static_cast<int32_t>(len));
    out->lower_bounds.push_back(static_cast<int32_t>(lower));
  }
  return Status::OK();
}

Status ParseArray(std::string_view p, ArrayValue* out) {
  ByteReader r(p, "array value");
  *out = ArrayValue();
  std::string_view type;
  TM_RETURN_IF_ERROR(r.LengthPrefixed("element_type", kMaxTypeName, &type));
  out->element_type.assign(type);
  int64_t cells = 0;
  TM_RETURN_IF_ERROR(ParseDims(&r, out, &cells));
  // Every element takes at least its tag byte.
  if (static_cast<uint64_t>(cells) > r.remaining())
    return r.Error("elements", "fewer bytes than elements");
  out->elements.resize(static_cast<size_t>(cells));
  ValueType kind = ValueType::kNull;
  for (Value& e : out->elements) {
    TM_RETURN_IF_ERROR(DecodeInlineValue(&r, r.remaining(), &e));
    if (e.is_null()) continue;
    if (e.type() == ValueType::kArray) return r.Error("elements", "an array inside an array");
    if (e.type() == ValueType::kDomain) {
      // An element may be a domain, but not one over an array: nesting stays shallow.
      DomainValue d;
      TM_RETURN_IF_ERROR(ParseDomain(e.bytes(), &d));
      if (d.base.type() == ValueType::kArray)
        return r.Error("elements", "a domain over an array inside an array");
    }
    if (kind != ValueType::kNull && e.type() != kind)
      return r.Error("elements", "elements of two kinds");
    kind = e.type();
  }
  return r.ExpectEnd();
}

void EncodeArrayPayload(const ArrayValue& a, std::string* out) {
  PutLengthPrefixed(out, a.element_type);
  out->push_back(static_cast<char>(a.lengths.size()));
  for (size_t d = 0; d < a.lengths.size(); d++) {
    PutVarint64(out, static_cast<uint64_t>(a.lengths[d]));
    PutVarsint64(out, a.lower_bounds[d]);
  }
  for (const Value& e : a.elements) EncodeLogicalValue(e, out);
}

}  // namespace

Result<Value> MakeNumeric(std::string_view text) {
  TM_RETURN_IF_ERROR(ParseDecimal(text).status());
  return Value::FromPayload(ValueType::kNumeric, std::string(text));
}

Result<Value> MakeUuid(std::string_view bytes) {
  if (bytes.size() != 16) return Invalid("uuid", "needs 16 bytes");
  return Value::FromPayload(ValueType::kUuid, std::string(bytes));
}

Value MakeJson(std::string text) { return Value::FromPayload(ValueType::kJson, std::move(text)); }
Value MakeJsonb(std::string text) { return Value::FromPayload(ValueType::kJsonb, std::move(text)); }

Result<Value> MakeEnum(std::string_view type, std::string_view label) {
  if (type.size() > kMaxTypeName) return Invalid("enum", "type name longer than 64 KiB");
  std::string p;
  PutLengthPrefixed(&p, type);
  p.append(label);
  return Value::FromPayload(ValueType::kEnum, std::move(p));
}

Result<Value> MakeDomain(std::string_view type, const Value& base) {
  if (type.size() > kMaxTypeName) return Invalid("domain", "type name longer than 64 KiB");
  if (base.is_null() || base.ref() || base.type() == ValueType::kDomain) {
    return Invalid("domain", "the base value must be an inline value other than NULL or a domain");
  }
  std::string p;
  PutLengthPrefixed(&p, type);
  EncodeLogicalValue(base, &p);
  return Value::FromPayload(ValueType::kDomain, std::move(p));
}

namespace {

Result<Value> MakeAddress(ValueType type, int family, int bits, std::string_view addr) {
  if (family != 4 && family != 6) return Invalid(ValueTypeName(type), "family must be 4 or 6");
  if (addr.size() != AddressSize(family))
    return Invalid(ValueTypeName(type), "wrong address length");
  if (bits < 0 || bits > static_cast<int>(addr.size() * 8)) {
    return Invalid(ValueTypeName(type), "prefix length out of range");
  }
  if (type == ValueType::kCidr && !HostBitsZero(addr, bits)) {
    return Invalid("cidr", "host bits are set (a cidr is a network: use inet for a host)");
  }
  std::string p;
  p.push_back(static_cast<char>(family));
  p.push_back(static_cast<char>(bits));
  p.append(addr);
  return Value::FromPayload(type, std::move(p));
}

}  // namespace

Result<Value> MakeInet(int family, int bits, std::string_view address) {
  return MakeAddress(ValueType::kInet, family, bits, address);
}

Result<Value> MakeCidr(int family, int bits, std::string_view address) {
  return MakeAddress(ValueType::kCidr, family, bits, address);
}

Result<Value> MakeArray(const ArrayValue& a) {
  if (a.lengths.size() != a.lower_bounds.size())
    return Invalid("array", "one lower bound per dimension");
  std::string p;
  EncodeArrayPayload(a, &p);
  ArrayValue check;
  Status s = ParseArray(p, &check);
  if (!s.ok() || !(check == a)) {
    return Invalid("array",
                   "dimensions, lengths and elements do not agree, or elements are of "
                   "two kinds, arrays or references (" +
                       s.message() + ")");
  }
  return Value::FromPayload(ValueType::kArray, std::move(p));
}

Result<Value> MakeArray1(std::string element_type, std::vector<Value> elements) {
  ArrayValue a;
  a.element_type = std::move(element_type);
  if (!elements.empty()) {
    a.lengths = {static_cast<int32_t>(elements.size())};
    a.lower_bounds = {1};
  }
  a.elements = std::move(elements);
  return MakeArray(a);
}

Result<ArrayValue> ArrayOf(const Value& v) {
  ArrayValue a;
  TM_RETURN_IF_ERROR(ParseArray(v.bytes(), &a));
  return a;
}

Result<EnumValue> EnumOf(const Value& v) {
  EnumValue e;
  TM_RETURN_IF_ERROR(ParseEnum(v.bytes(), &e));
  return e;
}

Result<DomainValue> DomainOf(const Value& v) {
  DomainValue d;
  TM_RETURN_IF_ERROR(ParseDomain(v.bytes(), &d));
  return d;
}

Result<InetValue> InetOf(const Value& v) {
  InetValue i;
  TM_RETURN_IF_ERROR(ParseInet(v.bytes(), v.type() == ValueType::kCidr, &i));
  return i;
}

Status CheckPayload(ValueType type, std::string_view p, std::string_view what) {
  Status s;
  switch (type) {
    case ValueType::kNumeric: {
      auto d = ParseDecimal(p);
      if (!d.ok()) s = Status::Corruption(d.status().message());
      break;
    }
    case ValueType::kUuid:
      if (p.size() != 16) s = Status::Corruption("uuid not 16 bytes");
      break;
    case ValueType::kEnum: {
      EnumValue e;
      s = ParseEnum(p, &e);
      break;
    }
    case ValueType::kDomain: {
      DomainValue d;
      s = ParseDomain(p, &d);
      break;
    }
    case ValueType::kArray: {
      ArrayValue a;
      s = ParseArray(p, &a);
      break;
    }
    case ValueType::kInet:
    case ValueType::kCidr: {
      InetValue i;
      s = ParseInet(p, type == ValueType::kCidr, &i);
      break;
    }
    default:
      break;  // text, blob, json, jsonb: any bytes
  }
  if (s.ok()) return s;
  return Status::Corruption(std::string(what) + ": " + ValueTypeName(type) +
                            " payload: " + s.message());
}

Status CanonicalizePayload(ValueType type, std::string* payload, std::string_view what) {
  TM_RETURN_IF_ERROR(CheckPayload(type, *payload, what));
  // Composite payloads hold varints, which FORMAT.md §1 lets a reader accept
  // overlong: rewrite them shortest, so that equal values have equal bytes.
  std::string out;
  if (type == ValueType::kArray) {
    ArrayValue a;
    TM_RETURN_IF_ERROR(ParseArray(*payload, &a));
    EncodeArrayPayload(a, &out);
  } else if (type == ValueType::kDomain) {
    DomainValue d;
    TM_RETURN_IF_ERROR(ParseDomain(*payload, &d));
    PutLengthPrefixed(&out, d.type);
    EncodeLogicalValue(d.base, &out);
  } else if (type == ValueType::kEnum) {
    EnumValue e;
    TM_RETURN_IF_ERROR(ParseEnum(*payload, &e));
    PutLengthPrefixed(&out, e.type);
    out.append(e.label);
  } else {
    return Status::OK();
  }
  *payload = std::move(out);
  return Status::OK();
}

bool ScalarInRange(const Value& v) {
  switch (v.type()) {
    case ValueType::kDate:
      return v.micros() >= INT32_MIN && v.micros() <= INT32_MAX;
    case ValueType::kTime:
      return v.micros() >= 0 && v.micros() <= kMicrosPerDay;
    case ValueType::kTimeTz:
      return v.micros() >= 0 && v.micros() <= kMicrosPerDay &&
             std::abs(v.offset_seconds()) <= kMaxTimeTzOffset;
    default:
      return true;
  }
}

void EncodeTypedPayload(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
    case ValueType::kDate:
      PutVarsint64(out, v.micros());
      return;
    case ValueType::kTime:
      PutVarint64(out, static_cast<uint64_t>(v.micros()));
      return;
    case ValueType::kTimeTz:
      PutVarint64(out, static_cast<uint64_t>(v.micros()));
      PutVarsint64(out, v.offset_seconds());
      return;
    case ValueType::kInterval:
      PutVarsint64(out, v.months());
      PutVarsint64(out, v.days());
      PutVarsint64(out, v.micros());
      return;
    default:
      PutLengthPrefixed(out, v.bytes());
      return;
  }
}

namespace {

Status ReadInt32(ByteReader* r, std::string_view field, int32_t* v) {
  int64_t x = 0;
  TM_RETURN_IF_ERROR(r->Varsint64(field, &x));
  if (x < INT32_MIN || x > INT32_MAX) return r->Error(field, "outside int32");
  *v = static_cast<int32_t>(x);
  return Status::OK();
}

Status DecodeScalarPayload(ByteReader* r, ValueType type, Value* v) {
  int64_t micros = 0;
  uint64_t u = 0;
  int32_t a = 0, b = 0;
  switch (type) {
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
      TM_RETURN_IF_ERROR(r->Varsint64("micros", &micros));
      *v = type == ValueType::kTimestamp ? Value::Timestamp(micros) : Value::TimestampTz(micros);
      return Status::OK();
    case ValueType::kDate:
      TM_RETURN_IF_ERROR(ReadInt32(r, "days", &a));
      *v = Value::Date(a);
      return Status::OK();
    case ValueType::kTime:
      TM_RETURN_IF_ERROR(r->VarintMax("micros", kMicrosPerDay, &u));
      *v = Value::Time(static_cast<int64_t>(u));
      return Status::OK();
    case ValueType::kTimeTz:
      TM_RETURN_IF_ERROR(r->VarintMax("micros", kMicrosPerDay, &u));
      TM_RETURN_IF_ERROR(ReadInt32(r, "offset", &a));
      if (std::abs(a) > kMaxTimeTzOffset) return r->Error("offset", "beyond ±15:59:59");
      *v = Value::TimeTz(static_cast<int64_t>(u), a);
      return Status::OK();
    default:  // kInterval
      TM_RETURN_IF_ERROR(ReadInt32(r, "months", &a));
      TM_RETURN_IF_ERROR(ReadInt32(r, "days", &b));
      TM_RETURN_IF_ERROR(r->Varsint64("micros", &micros));
      *v = Value::Interval(a, b, micros);
      return Status::OK();
  }
}

}  // namespace

Status DecodeTypedPayload(ByteReader* r, uint8_t tag, size_t max_bytes, Value* v) {
  const ValueType type = static_cast<ValueType>(tag);
  if (!HasBytePayload(type)) return DecodeScalarPayload(r, type, v);
  std::string_view p;
  TM_RETURN_IF_ERROR(r->LengthPrefixed("payload", max_bytes, &p));
  std::string payload(p);
  Status s = CanonicalizePayload(type, &payload, "value");
  if (!s.ok()) return r->Error("payload", s.message());
  *v = Value::FromPayload(type, std::move(payload));
  return Status::OK();
}

}  // namespace tidemark
