// DecodeKey: docs/format/records.md §4. A key has one encoding: the values
// decoded here must re-encode (key_codec.cc) to the input.
#include <algorithm>
#include <bit>
#include <cmath>

#include "base/coding.h"
#include "records/encoding.h"
#include "records/key_tags.h"
#include "records/numeric.h"
#include "records/typed_values.h"

namespace tidemark {
namespace {

constexpr __int128 kMicrosPerMonth = __int128{30} * kMicrosPerDay;

double UnorderDouble(uint64_t u) {
  return std::bit_cast<double>((u & (1ull << 63)) ? u & ~(1ull << 63) : ~u);
}

// What a component needs from the residuals trailer.
enum class Residual : uint8_t { kScale, kInterval };

struct ResidualValue {
  int64_t a = 0, b = 0;  // scale; or months, days
};

// Reads the components of a key. Without trailers (the first pass) it
// counts numbers and residuals, decoding numbers as integers and numerics
// and intervals with placeholder residuals; with them it decodes exactly.
class KeyReader {
 public:
  KeyReader(std::string_view data, std::string_view marks, const std::vector<ResidualValue>* res)
      : data_(data), marks_(marks), residual_values_(res) {}

  // Reads components until the end or a trailer tag; *trailer is where it stopped.
  Status Components(std::vector<Value>* out, size_t* trailer) {
    while (pos_ < data_.size()) {
      const uint8_t tag = static_cast<uint8_t>(data_[pos_]);
      if (tag == keytag::kRealMarks || tag == keytag::kResiduals) break;
      Value v;
      TM_RETURN_IF_ERROR(Component(&v));
      out->push_back(std::move(v));
    }
    *trailer = pos_;
    return Status::OK();
  }

  size_t numbers() const { return numbers_; }
  const std::vector<Residual>& residuals() const { return residuals_; }
  // A number that is not an integer (the first pass reads it as a real).
  const std::string& integer_problem() const { return integer_problem_; }

  Status Error(const std::string& problem) const {
    return Status::Corruption("key: offset " + std::to_string(pos_) + ": " + problem);
  }

 private:
  Status Component(Value* v);
  Status Number(Value* v);
  Status Escaped(std::string* s);
  Status Fixed(size_t n, std::string_view* s);
  Status Ordered(int bytes, __int128* v);
  Status Typed(uint8_t tag, Value* v);
  Status Numeric(Value* v);
  Status Interval(Value* v);
  Status Inet(ValueType type, Value* v);
  Status Array(Value* v);
  Status Check(Result<Value> made, Value* v) {
    if (!made.ok()) return Error("not a valid value: " + made.status().message());
    *v = std::move(*made);
    return Status::OK();
  }
  ResidualValue NextResidual(Residual kind) {
    residuals_.push_back(kind);
    if (residual_values_ == nullptr || next_residual_ >= residual_values_->size()) return {};
    return (*residual_values_)[next_residual_++];
  }

  std::string_view data_;
  std::string_view marks_;                             // empty: every number is an integer
  const std::vector<ResidualValue>* residual_values_;  // null in the first pass
  size_t pos_ = 0;
  size_t numbers_ = 0;
  size_t next_residual_ = 0;
  std::vector<Residual> residuals_;
  std::string integer_problem_;
  int depth_ = 0;
};

Status KeyReader::Fixed(size_t n, std::string_view* s) {
  if (data_.size() - pos_ < n) return Error("truncated key component");
  *s = data_.substr(pos_, n);
  pos_ += n;
  return Status::OK();
}

Status KeyReader::Ordered(int bytes, __int128* v) {
  std::string_view s;
  TM_RETURN_IF_ERROR(Fixed(static_cast<size_t>(bytes), &s));
  unsigned __int128 u = 0;
  for (char c : s) u = (u << 8) | static_cast<uint8_t>(c);
  const unsigned __int128 sign = static_cast<unsigned __int128>(1) << (bytes * 8 - 1);
  u ^= sign;
  // Sign-extend from `bytes` bytes.
  if (u & sign) u |= ~((sign << 1) - 1);  // for 16 bytes the mask is 0
  *v = static_cast<__int128>(u);
  return Status::OK();
}

Status KeyReader::Escaped(std::string* s) {
  for (;;) {
    if (pos_ >= data_.size()) return Error("unterminated string");
    const char c = data_[pos_++];
    if (c != '\0') {
      s->push_back(c);
      continue;
    }
    if (pos_ >= data_.size()) return Error("unterminated string");
    const char next = data_[pos_++];
    if (next == '\0') return Status::OK();
    if (next != '\xff') return Error("bad escape");
    s->push_back('\0');
  }
}

Status KeyReader::Number(Value* v) {
  std::string_view s;
  TM_RETURN_IF_ERROR(Fixed(16, &s));
  uint64_t ordered = 0, tie = 0;
  for (int i = 0; i < 8; i++) ordered = (ordered << 8) | static_cast<uint8_t>(s[i]);
  for (int i = 8; i < 16; i++) tie = (tie << 8) | static_cast<uint8_t>(s[i]);
  const double d = UnorderDouble(ordered);
  const int64_t diff = static_cast<int64_t>(tie ^ (1ull << 63));
  const char mark = marks_.empty() ? '\0' : marks_[std::min(numbers_, marks_.size() - 1)];
  numbers_++;
  if (mark == '\1') {
    if (diff != 0) return Error("real with an integer remainder");
    *v = Value::Real(d);
    return Status::OK();
  }
  if (mark != '\0') return Error("bad real mark");
  std::string problem;
  if (!(d >= -0x1p63 && d <= 0x1p63) || d != std::trunc(d)) {
    problem = "integer key part is not integral";
  } else if (const __int128 x = static_cast<__int128>(d) + diff; x < INT64_MIN || x > INT64_MAX) {
    problem = "integer out of range";
  } else {
    *v = Value::Integer(static_cast<int64_t>(x));
    return Status::OK();
  }
  if (integer_problem_.empty()) integer_problem_ = problem;
  *v = Value::Real(d);  // first pass: may be a real the marks will name
  return Status::OK();
}

Status KeyReader::Numeric(Value* v) {
  Decimal d;
  if (!DecodeDecimalKey(data_, &pos_, &d)) return Error("malformed numeric");
  const ResidualValue r = NextResidual(Residual::kScale);
  if (residual_values_ == nullptr) {
    d.scale = static_cast<int32_t>(std::max<int64_t>(0, int64_t(d.digits.size()) - d.exponent));
  } else {
    if (r.a < 0 || r.a > kMaxNumericScale) return Error("numeric scale out of range");
    d.scale = static_cast<int32_t>(r.a);
  }
  if (!CheckDecimal(d)) return Error("numeric digits, exponent and scale do not agree");
  return Check(MakeNumeric(FormatDecimal(d)), v);
}

Status KeyReader::Interval(Value* v) {
  __int128 span = 0;
  TM_RETURN_IF_ERROR(Ordered(16, &span));
  // Every interval's span is below 2^73 in magnitude; a larger one cannot be
  // canonical (and would overflow below).
  const __int128 kMaxSpan = static_cast<__int128>(1) << 80;
  if (span > kMaxSpan || span < -kMaxSpan) return Error("interval span out of range");
  const ResidualValue r = NextResidual(Residual::kInterval);
  if (r.a < INT32_MIN || r.a > INT32_MAX || r.b < INT32_MIN || r.b > INT32_MAX) {
    return Error("interval months or days outside int32");
  }
  const __int128 micros = span - r.a * kMicrosPerMonth - __int128{r.b} * kMicrosPerDay;
  if (micros < INT64_MIN || micros > INT64_MAX) {
    if (residual_values_ != nullptr) return Error("interval microseconds outside int64");
    *v = Value::Interval(0, 0, 0);  // first pass placeholder
    return Status::OK();
  }
  *v = Value::Interval(static_cast<int32_t>(r.a), static_cast<int32_t>(r.b),
                       static_cast<int64_t>(micros));
  return Status::OK();
}

Status KeyReader::Inet(ValueType type, Value* v) {
  std::string_view family;
  TM_RETURN_IF_ERROR(Fixed(1, &family));
  const int f = static_cast<uint8_t>(family[0]);
  if (f != 4 && f != 6) return Error("inet family not 4 or 6");
  const size_t n = f == 4 ? 4 : 16;
  std::string_view masked, bits, addr;
  TM_RETURN_IF_ERROR(Fixed(n, &masked));
  TM_RETURN_IF_ERROR(Fixed(1, &bits));
  TM_RETURN_IF_ERROR(Fixed(n, &addr));
  const int b = static_cast<uint8_t>(bits[0]);
  // The network part is checked by re-encoding.
  return Check(type == ValueType::kCidr ? MakeCidr(f, b, addr) : MakeInet(f, b, addr), v);
}

Status KeyReader::Array(Value* v) {
  ArrayValue a;
  TM_RETURN_IF_ERROR(Escaped(&a.element_type));
  for (;;) {
    if (pos_ >= data_.size()) return Error("unterminated array");
    const uint8_t b = static_cast<uint8_t>(data_[pos_]);
    if (b == keytag::kArrayEnd) break;
    if (b == keytag::kArrayNull) {
      pos_++;
      a.elements.push_back(Value::Null());
      continue;
    }
    Value e;
    TM_RETURN_IF_ERROR(Component(&e));
    if (e.is_null()) return Error("a NULL array element must use 0xFE");
    a.elements.push_back(std::move(e));
  }
  pos_++;
  std::string_view ndims;
  TM_RETURN_IF_ERROR(Fixed(1, &ndims));
  const int nd = static_cast<uint8_t>(ndims[0]);
  if (nd > kMaxArrayDims) return Error("more than 6 array dimensions");
  for (int d = 0; d < nd; d++) {
    __int128 len = 0;
    TM_RETURN_IF_ERROR(Ordered(4, &len));
    len += __int128{1} << 31;  // lengths are plain unsigned big-endian
    if (len > INT32_MAX) return Error("array length outside int32");
    a.lengths.push_back(static_cast<int32_t>(len));
  }
  for (int d = 0; d < nd; d++) {
    __int128 lb = 0;
    TM_RETURN_IF_ERROR(Ordered(4, &lb));
    a.lower_bounds.push_back(static_cast<int32_t>(lb));
  }
  return Check(MakeArray(a), v);
}

Status KeyReader::Typed(uint8_t tag, Value* v) {
  const ValueType type = keytag::TypeOf(tag);
  __int128 x = 0, y = 0;
  std::string s, label;
  std::string_view raw;
  switch (type) {
    case ValueType::kNumeric:
      return Numeric(v);
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
      TM_RETURN_IF_ERROR(Ordered(8, &x));
      *v = type == ValueType::kTimestamp ? Value::Timestamp(static_cast<int64_t>(x))
                                         : Value::TimestampTz(static_cast<int64_t>(x));
      return Status::OK();
    case ValueType::kDate:
      TM_RETURN_IF_ERROR(Ordered(4, &x));
      *v = Value::Date(static_cast<int32_t>(x));
      return Status::OK();
    case ValueType::kTime:
      TM_RETURN_IF_ERROR(Ordered(8, &x));
      *v = Value::Time(static_cast<int64_t>(x));
      break;
    case ValueType::kTimeTz:
      TM_RETURN_IF_ERROR(Ordered(8, &x));
      TM_RETURN_IF_ERROR(Ordered(4, &y));
      if (y < -kMaxTimeTzOffset || y > kMaxTimeTzOffset) return Error("timetz offset out of range");
      *v = Value::TimeTz(static_cast<int64_t>(x - y * 1000000), static_cast<int32_t>(-y));
      break;
    case ValueType::kInterval:
      return Interval(v);
    case ValueType::kUuid:
      TM_RETURN_IF_ERROR(Fixed(16, &raw));
      return Check(MakeUuid(raw), v);
    case ValueType::kEnum:
      TM_RETURN_IF_ERROR(Escaped(&s));
      TM_RETURN_IF_ERROR(Escaped(&label));
      return Check(MakeEnum(s, label), v);
    case ValueType::kDomain: {
      TM_RETURN_IF_ERROR(Escaped(&s));
      Value base;
      TM_RETURN_IF_ERROR(Component(&base));
      return Check(MakeDomain(s, base), v);
    }
    case ValueType::kInet:
    case ValueType::kCidr:
      return Inet(type, v);
    case ValueType::kArray:
      return Array(v);
    default:  // json, jsonb
      TM_RETURN_IF_ERROR(Escaped(&s));
      *v = type == ValueType::kJson ? MakeJson(std::move(s)) : MakeJsonb(std::move(s));
      return Status::OK();
  }
  if (!ScalarInRange(*v)) return Error("time of day out of range");
  return Status::OK();
}

Status KeyReader::Component(Value* v) {
  // Arrays hold no arrays and a domain no domain: nesting is shallow in
  // valid keys; the limit keeps a hostile key from recursing deeply.
  if (pos_ >= data_.size()) return Error("truncated key component");
  if (depth_ >= 4) return Error("components nested too deeply");
  depth_++;
  const uint8_t tag = static_cast<uint8_t>(data_[pos_++]);
  Status s;
  if (tag == keytag::kNull) {
    *v = Value::Null();
  } else if (tag == keytag::kNumber) {
    s = Number(v);
  } else if (tag == keytag::kText || tag == keytag::kBlob) {
    std::string str;
    s = Escaped(&str);
    *v = tag == keytag::kText ? Value::Text(std::move(str)) : Value::Blob(std::move(str));
  } else if (tag >= keytag::kFirstTyped && tag <= keytag::kLastTyped) {
    s = Typed(tag, v);
  } else {
    pos_--;
    s = Error("unknown key tag " + std::to_string(tag));
  }
  depth_--;
  return s;
}

// Parses the trailers at data[at..]: residuals (their kinds from the first
// pass), then real marks (one per number).
Status ParseTrailers(std::string_view data, size_t at, const KeyReader& first,
                     std::vector<ResidualValue>* residuals, std::string_view* marks) {
  auto error = [&](size_t offset, const std::string& problem) {
    return Status::Corruption("key: offset " + std::to_string(offset) + ": " + problem);
  };
  if (at < data.size() && static_cast<uint8_t>(data[at]) == keytag::kResiduals) {
    if (first.residuals().empty()) return error(at, "residuals without a numeric or interval");
    ByteReader r(data.substr(at + 1), "key residuals");
    for (Residual kind : first.residuals()) {
      ResidualValue v;
      if (kind == Residual::kScale) {
        uint64_t scale = 0;
        TM_RETURN_IF_ERROR(r.VarintMax("scale", kMaxNumericScale, &scale));
        v.a = static_cast<int64_t>(scale);
      } else {
        TM_RETURN_IF_ERROR(r.Varsint64("months", &v.a));
        TM_RETURN_IF_ERROR(r.Varsint64("days", &v.b));
      }
      residuals->push_back(v);
    }
    at += 1 + r.offset();
  } else if (!first.residuals().empty()) {
    return error(at, "a numeric or interval without residuals");
  }
  if (at < data.size()) {
    if (static_cast<uint8_t>(data[at]) != keytag::kRealMarks)
      return error(at, "unexpected bytes after the key");
    *marks = data.substr(at + 1);
    if (marks->size() != first.numbers()) return error(at + 1, "real marks do not match numbers");
  }
  return Status::OK();
}

}  // namespace

Status DecodeKey(std::string_view data, std::vector<Value>* out) {
  out->clear();
  KeyReader first(data, "", nullptr);
  size_t trailer = 0;
  TM_RETURN_IF_ERROR(first.Components(out, &trailer));
  if (trailer < data.size() || !first.residuals().empty()) {
    std::vector<ResidualValue> residuals;
    std::string_view marks;
    TM_RETURN_IF_ERROR(ParseTrailers(data, trailer, first, &residuals, &marks));
    out->clear();
    KeyReader second(data.substr(0, trailer), marks, &residuals);
    size_t end = 0;
    TM_RETURN_IF_ERROR(second.Components(out, &end));
    if (!second.integer_problem().empty()) return second.Error(second.integer_problem());
  } else if (!first.integer_problem().empty()) {
    return first.Error(first.integer_problem());
  }
  // One encoding per key (records.md §4), so equal keys compare equal as
  // bytes: the values must re-encode to the input. The buffer is reused.
  thread_local std::string again;
  again.clear();
  EncodeKey(*out, &again);
  if (again != data) {
    const size_t i =
        std::mismatch(again.begin(), again.end(), data.begin(), data.end()).first - again.begin();
    return Status::Corruption("key: offset " + std::to_string(i) +
                              ": not the canonical encoding of its values (re-encoding differs "
                              "here)");
  }
  return Status::OK();
}

}  // namespace tidemark
