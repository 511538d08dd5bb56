#include "records/value.h"

#include <bit>

namespace tidemark {

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNull:
      return "null";
    case ValueType::kInteger:
      return "integer";
    case ValueType::kReal:
      return "real";
    case ValueType::kText:
      return "text";
    case ValueType::kBlob:
      return "blob";
    case ValueType::kNumeric:
      return "numeric";
    case ValueType::kTimestampTz:
      return "timestamptz";
    case ValueType::kTimestamp:
      return "timestamp";
    case ValueType::kDate:
      return "date";
    case ValueType::kTime:
      return "time";
    case ValueType::kTimeTz:
      return "timetz";
    case ValueType::kInterval:
      return "interval";
    case ValueType::kUuid:
      return "uuid";
    case ValueType::kJson:
      return "json";
    case ValueType::kJsonb:
      return "jsonb";
    case ValueType::kArray:
      return "array";
    case ValueType::kEnum:
      return "enum";
    case ValueType::kDomain:
      return "domain";
    case ValueType::kInet:
      return "inet";
    case ValueType::kCidr:
      return "cidr";
  }
  return "unknown";
}

bool HasBytePayload(ValueType t) {
  switch (t) {
    case ValueType::kNull:
    case ValueType::kInteger:
    case ValueType::kReal:
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
    case ValueType::kDate:
    case ValueType::kTime:
    case ValueType::kTimeTz:
    case ValueType::kInterval:
      return false;
    default:
      return true;
  }
}

Value Value::Integer(int64_t v) {
  Value x;
  x.type_ = ValueType::kInteger;
  x.i_ = v;
  return x;
}

Value Value::Real(double v) {
  Value x;
  x.type_ = ValueType::kReal;
  x.aux_ = std::bit_cast<uint64_t>(v);
  return x;
}

double Value::real() const { return std::bit_cast<double>(aux_); }

Value Value::Scalar(ValueType type, int64_t i, uint64_t aux) {
  Value x;
  x.type_ = type;
  x.i_ = i;
  x.aux_ = aux;
  return x;
}

Value Value::TimestampTz(int64_t micros) { return Scalar(ValueType::kTimestampTz, micros, 0); }
Value Value::Timestamp(int64_t micros) { return Scalar(ValueType::kTimestamp, micros, 0); }
Value Value::Date(int32_t days) { return Scalar(ValueType::kDate, days, 0); }
Value Value::Time(int64_t micros) { return Scalar(ValueType::kTime, micros, 0); }

Value Value::TimeTz(int64_t micros, int32_t offset_seconds) {
  return Scalar(ValueType::kTimeTz, micros, static_cast<uint32_t>(offset_seconds));
}

Value Value::Interval(int32_t months, int32_t days, int64_t micros) {
  const uint64_t aux =
      (uint64_t{static_cast<uint32_t>(months)} << 32) | static_cast<uint32_t>(days);
  return Scalar(ValueType::kInterval, micros, aux);
}

Value Value::FromPayload(ValueType type, std::string payload) {
  Value x;
  x.type_ = type;
  x.s_ = std::move(payload);
  return x;
}

int32_t Value::days() const {
  if (type_ == ValueType::kDate) return static_cast<int32_t>(i_);
  return static_cast<int32_t>(static_cast<uint32_t>(aux_));
}

int32_t Value::months() const { return static_cast<int32_t>(static_cast<uint32_t>(aux_ >> 32)); }

int32_t Value::offset_seconds() const { return static_cast<int32_t>(static_cast<uint32_t>(aux_)); }

Value Value::Text(std::string v) {
  Value x;
  x.type_ = ValueType::kText;
  x.s_ = std::move(v);
  return x;
}

Value Value::Blob(std::string v) {
  Value x;
  x.type_ = ValueType::kBlob;
  x.s_ = std::move(v);
  return x;
}

Value Value::Ref(ValueType type, std::string encoded_ref) {
  Value x;
  x.type_ = type;
  x.ref_ = true;
  x.s_ = std::move(encoded_ref);
  return x;
}

bool Value::operator==(const Value& o) const {
  if (type_ != o.type_ || ref_ != o.ref_) return false;
  // Unused members are zero, so comparing all of them is exact.
  return i_ == o.i_ && aux_ == o.aux_ && s_ == o.s_;
}

size_t Value::ContentSize() const { return HasBytePayload(type_) ? s_.size() : 8; }

}  // namespace tidemark
