#include "records/value.h"

#include <cstring>

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
  }
  return "unknown";
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
  x.r_ = v;
  return x;
}

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
  switch (type_) {
    case ValueType::kNull:
      return true;
    case ValueType::kInteger:
      return i_ == o.i_;
    case ValueType::kReal:
      return std::memcmp(&r_, &o.r_, sizeof r_) == 0;
    case ValueType::kText:
    case ValueType::kBlob:
      return s_ == o.s_;
  }
  return false;
}

size_t Value::ContentSize() const {
  return (type_ == ValueType::kText || type_ == ValueType::kBlob) ? s_.size() : 8;
}

}  // namespace tidemark
