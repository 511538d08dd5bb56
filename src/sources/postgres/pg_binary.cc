// Binary COPY decoding: PostgreSQL's documented COPY binary format (the
// "Binary Format" section of the COPY reference) and each type's send
// function (the *_send functions of src/backend/utils/adt/).
#include "sources/postgres/pg_binary.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

#include "records/typed_values.h"

namespace tidemark::pg {
namespace {

constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
constexpr size_t kHeaderSize = 11 + 4 + 4;
constexpr uint32_t kFlagOids = 1u << 16;
constexpr uint32_t kCriticalFlags = 0xFFFF;
constexpr int64_t kMaxArrayCells = (int64_t{1} << 27) - 1;

uint16_t Be16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] << 8 | u[1]);
}
uint32_t Be32(const char* p) { return uint32_t{Be16(p)} << 16 | Be16(p + 2); }
uint64_t Be64(const char* p) { return uint64_t{Be32(p)} << 32 | Be32(p + 4); }
int32_t S32(const char* p) { return static_cast<int32_t>(Be32(p)); }
int64_t S64(const char* p) { return static_cast<int64_t>(Be64(p)); }

Status Bad(std::string_view problem) { return Status::Corruption(problem); }

Status SizeIs(std::string_view b, size_t n, std::string_view type) {
  if (b.size() == n) return Status::OK();
  return Bad(std::string(type) + " value of " + std::to_string(b.size()) + " bytes, not " +
             std::to_string(n));
}

// A builder's InvalidArgument is, for bytes from the stream, Corruption.
Result<Value> Checked(Result<Value> v) {
  if (v.ok()) return v;
  return Bad(v.status().message());
}

// numeric_send: ndigits, weight, sign, dscale (int16 each), then ndigits
// base-10000 digits; the value is sum(digit[i] * 10000^(weight - i)).
Result<Value> DecodeNumeric(std::string_view b) {
  if (b.size() < 8) return Bad("numeric value shorter than its header");
  const int ndigits = static_cast<int16_t>(Be16(b.data()));
  const int weight = static_cast<int16_t>(Be16(b.data() + 2));
  const uint16_t sign = Be16(b.data() + 4);
  const int dscale = static_cast<int16_t>(Be16(b.data() + 6));
  if (ndigits < 0 || b.size() != 8 + 2 * size_t(ndigits)) return Bad("numeric length mismatch");
  if (sign == 0xC000 || sign == 0xD000 || sign == 0xF000) {
    if (ndigits != 0) return Bad("numeric special value with digits");
    return Checked(MakeNumeric(sign == 0xC000 ? "NaN" : sign == 0xD000 ? "Infinity" : "-Infinity"));
  }
  if (sign != 0 && sign != 0x4000) return Bad("numeric sign " + std::to_string(sign));
  if (dscale < 0 || dscale > 0x3FFF) return Bad("numeric display scale out of range");
  auto digit = [&](int g) -> int {
    return g >= 0 && g < ndigits ? static_cast<int>(Be16(b.data() + 8 + 2 * g)) : 0;
  };
  for (int g = 0; g < ndigits; g++) {
    if (digit(g) > 9999) return Bad("numeric digit " + std::to_string(digit(g)) + " > 9999");
  }
  auto append4 = [](int d, std::string* out) {
    const char group[4] = {char('0' + d / 1000), char('0' + d / 100 % 10), char('0' + d / 10 % 10),
                           char('0' + d % 10)};
    out->append(group, 4);
  };
  std::string whole;
  for (int g = 0; g <= weight; g++) append4(digit(g), &whole);
  const size_t first = whole.find_first_not_of('0');
  whole = first == std::string::npos ? "0" : whole.substr(first);
  std::string frac;
  const int frac_groups = (dscale + 3) / 4;
  for (int k = 1; k <= frac_groups; k++) append4(digit(weight + k), &frac);
  bool lost = frac.find_first_not_of('0', size_t(dscale)) != std::string::npos;
  for (int g = std::max(0, weight + 1 + frac_groups); g < ndigits; g++) lost |= digit(g) != 0;
  if (lost) return Bad("numeric digits beyond its display scale");
  frac.resize(size_t(dscale));
  const bool zero = whole == "0" && frac.find_first_not_of('0') == std::string::npos;
  std::string text = (sign == 0x4000 && !zero ? "-" : "") + whole;
  if (dscale > 0) text += "." + frac;
  return Checked(MakeNumeric(text));
}

// inet_send: family (2 = IPv4, 3 = IPv6), bits, is_cidr, address length,
// address.
Result<Value> DecodeInet(std::string_view b, bool cidr) {
  if (b.size() < 4) return Bad("inet value shorter than its header");
  const auto* u = reinterpret_cast<const unsigned char*>(b.data());
  const int family = u[0] == 2 ? 4 : u[0] == 3 ? 6 : 0;
  if (family == 0) return Bad("inet family " + std::to_string(u[0]));
  const size_t n = family == 4 ? 4 : 16;
  if (u[3] != n || b.size() != 4 + n) return Bad("inet address length mismatch");
  if ((u[2] != 0) != cidr) return Bad(cidr ? "inet value in a cidr column" : "cidr flag set");
  const std::string_view addr = b.substr(4);
  return Checked(cidr ? MakeCidr(family, u[1], addr) : MakeInet(family, u[1], addr));
}

// array_send: ndim, has-null flag, element type oid, (length, lower
// bound) per dimension, then each element as length (-1 NULL) and bytes.
Result<Value> DecodeArray(const PgType& t, std::string_view b) {
  if (b.size() < 12) return Bad("array value shorter than its header");
  const int32_t ndim = S32(b.data()), flags = S32(b.data() + 4);
  const uint32_t elem = Be32(b.data() + 8);
  if (ndim < 0 || ndim > kMaxArrayDims) return Bad("array of " + std::to_string(ndim) + " dims");
  if (flags != 0 && flags != 1) return Bad("array flags " + std::to_string(flags));
  if (elem != t.element->oid) {
    return Bad("array of element type " + std::to_string(elem) + ", not " +
               std::to_string(t.element->oid));
  }
  if (b.size() < 12 + 8 * size_t(ndim)) return Bad("array dimensions truncated");
  ArrayValue a;
  a.element_type = t.element->name;
  int64_t cells = ndim > 0 ? 1 : 0;
  for (int d = 0; d < ndim; d++) {
    const int32_t len = S32(b.data() + 12 + 8 * d), lb = S32(b.data() + 16 + 8 * d);
    if (len < 1 || int64_t{lb} + len - 1 > INT32_MAX) return Bad("array dimension out of range");
    cells *= len;
    if (cells > kMaxArrayCells) return Bad("array of too many elements");
    a.lengths.push_back(len);
    a.lower_bounds.push_back(lb);
  }
  size_t pos = 12 + 8 * size_t(ndim);
  if (int64_t(b.size() - pos) < 4 * cells) return Bad("array elements truncated");
  a.elements.reserve(size_t(cells));
  for (int64_t i = 0; i < cells; i++) {
    if (b.size() - pos < 4) return Bad("array element " + std::to_string(i) + " truncated");
    const int32_t len = S32(b.data() + pos);
    pos += 4;
    if (len == -1) {
      a.elements.push_back(Value::Null());
      continue;
    }
    if (len < 0 || b.size() - pos < size_t(len)) {
      return Bad("array element " + std::to_string(i) + " length " + std::to_string(len));
    }
    auto v = DecodeBinaryField(*t.element, b.substr(pos, size_t(len)));
    if (!v.ok()) return v.status().WithContext("array element " + std::to_string(i));
    a.elements.push_back(std::move(v).value());
    pos += size_t(len);
  }
  if (pos != b.size()) return Bad("array value has bytes after its elements");
  return Checked(MakeArray(a));
}

Result<Value> DecodeTimes(const PgType& t, std::string_view b) {
  switch (t.wire) {
    case PgWire::kTimestamp:
      TM_RETURN_IF_ERROR(SizeIs(b, 8, "timestamp"));
      return Value::Timestamp(S64(b.data()));
    case PgWire::kTimestampTz:
      TM_RETURN_IF_ERROR(SizeIs(b, 8, "timestamptz"));
      return Value::TimestampTz(S64(b.data()));
    case PgWire::kDate:
      TM_RETURN_IF_ERROR(SizeIs(b, 4, "date"));
      return Value::Date(S32(b.data()));
    case PgWire::kTime: {
      TM_RETURN_IF_ERROR(SizeIs(b, 8, "time"));
      const int64_t us = S64(b.data());
      if (us < 0 || us > kMicrosPerDay) return Bad("time of day out of range");
      return Value::Time(us);
    }
    case PgWire::kTimeTz: {
      // time, then the zone in seconds WEST of UTC (our offset is east).
      TM_RETURN_IF_ERROR(SizeIs(b, 12, "timetz"));
      const int64_t us = S64(b.data());
      const int32_t zone = S32(b.data() + 8);
      if (us < 0 || us > kMicrosPerDay) return Bad("time of day out of range");
      if (zone < -kMaxTimeTzOffset || zone > kMaxTimeTzOffset)
        return Bad("timetz zone out of range");
      return Value::TimeTz(us, -zone);
    }
    default:  // kInterval: time, days, months
      TM_RETURN_IF_ERROR(SizeIs(b, 16, "interval"));
      return Value::Interval(S32(b.data() + 12), S32(b.data() + 8), S64(b.data()));
  }
}

Result<Value> DecodeNumber(const PgType& t, std::string_view b) {
  switch (t.wire) {
    case PgWire::kBool:
      TM_RETURN_IF_ERROR(SizeIs(b, 1, "boolean"));
      if (b[0] != 0 && b[0] != 1) return Bad("boolean byte " + std::to_string(uint8_t(b[0])));
      return Value::Integer(b[0]);
    case PgWire::kInt2:
      TM_RETURN_IF_ERROR(SizeIs(b, 2, "int2"));
      return Value::Integer(static_cast<int16_t>(Be16(b.data())));
    case PgWire::kInt4:
      TM_RETURN_IF_ERROR(SizeIs(b, 4, "int4"));
      return Value::Integer(S32(b.data()));
    case PgWire::kInt8:
      TM_RETURN_IF_ERROR(SizeIs(b, 8, "int8"));
      return Value::Integer(S64(b.data()));
    case PgWire::kFloat4:
      TM_RETURN_IF_ERROR(SizeIs(b, 4, "float4"));
      return Value::Real(static_cast<double>(std::bit_cast<float>(Be32(b.data()))));
    default:  // kFloat8
      TM_RETURN_IF_ERROR(SizeIs(b, 8, "float8"));
      return Value::Real(std::bit_cast<double>(Be64(b.data())));
  }
}

}  // namespace

Result<Value> DecodeBinaryField(const PgType& t, std::string_view b) {
  switch (t.wire) {
    case PgWire::kTextMapped:
    case PgWire::kText:
    case PgWire::kBpchar:
      return Value::Text(std::string(b));
    case PgWire::kBytea:
      return Value::Blob(std::string(b));
    case PgWire::kBool:
    case PgWire::kInt2:
    case PgWire::kInt4:
    case PgWire::kInt8:
    case PgWire::kFloat4:
    case PgWire::kFloat8:
      return DecodeNumber(t, b);
    case PgWire::kNumeric:
      return DecodeNumeric(b);
    case PgWire::kTimestamp:
    case PgWire::kTimestampTz:
    case PgWire::kDate:
    case PgWire::kTime:
    case PgWire::kTimeTz:
    case PgWire::kInterval:
      return DecodeTimes(t, b);
    case PgWire::kUuid:
      TM_RETURN_IF_ERROR(SizeIs(b, 16, "uuid"));
      return Checked(MakeUuid(b));
    case PgWire::kJson:
      return MakeJson(std::string(b));
    case PgWire::kJsonb:
      if (b.empty() || b[0] != 1) return Bad("jsonb value without its version byte 1");
      return MakeJsonb(std::string(b.substr(1)));
    case PgWire::kInet:
    case PgWire::kCidr:
      return DecodeInet(b, t.wire == PgWire::kCidr);
    case PgWire::kArray:
      return DecodeArray(t, b);
    case PgWire::kEnum:
      return Checked(MakeEnum(t.enum_type, b));
    case PgWire::kDomain: {
      TM_ASSIGN_OR_RETURN(Value base, DecodeBinaryField(*t.base, b));
      return Checked(MakeDomain(t.name, base));
    }
  }
  return Bad("unknown wire format");
}

BinaryCopyDecoder::BinaryCopyDecoder(std::vector<const PgType*> cols,
                                     std::vector<std::string> names)
    : cols_(std::move(cols)), names_(std::move(names)) {
  values_.resize(cols_.size());
}

Status BinaryCopyDecoder::Error(int column, uint64_t offset, std::string_view problem) const {
  std::string msg = "binary COPY data";
  if (column >= 0) {
    msg += ": column " + std::to_string(column + 1);
    if (size_t(column) < names_.size()) msg += " \"" + names_[column] + "\"";
    msg += " (" + cols_[column]->name + ")";
  }
  return Status::Corruption(msg + " at offset " + std::to_string(offset) + ": " +
                            std::string(problem));
}

Status BinaryCopyDecoder::ParseHeader(std::string_view data, size_t* used) {
  *used = 0;
  const size_t have = std::min(data.size(), kSignature.size());
  if (data.substr(0, have) != kSignature.substr(0, have)) {
    return Error(-1, consumed_, "not binary COPY data (bad signature)");
  }
  if (data.size() < kHeaderSize) return Status::OK();
  const uint32_t flags = Be32(data.data() + 11);
  const int32_t ext = S32(data.data() + 15);
  if (flags & kFlagOids) return Error(-1, consumed_ + 11, "the data holds OIDs");
  if (flags & kCriticalFlags) return Error(-1, consumed_ + 11, "unknown critical flags");
  if (ext < 0) return Error(-1, consumed_ + 15, "negative header extension length");
  if (data.size() - kHeaderSize < size_t(ext)) return Status::OK();
  *used = kHeaderSize + size_t(ext);
  return Status::OK();
}

Status BinaryCopyDecoder::ParseTuple(std::string_view data, size_t pos, const RowFn& row,
                                     size_t* used) {
  *used = 0;
  if (data.size() - pos < 2) return Status::OK();
  const int count = static_cast<int16_t>(Be16(data.data() + pos));
  if (count == -1) {
    state_ = State::kDone;
    *used = 2;
    return Status::OK();
  }
  if (count < 0 || size_t(count) != cols_.size()) {
    return Error(
        -1, consumed_ + pos,
        "a row of " + std::to_string(count) + " fields, not " + std::to_string(cols_.size()));
  }
  // First the lengths: is the whole tuple here?
  size_t p = pos + 2;
  for (int i = 0; i < count; i++) {
    if (data.size() - p < 4) return Status::OK();
    const int32_t len = S32(data.data() + p);
    if (len < -1) return Error(i, consumed_ + p, "field length " + std::to_string(len));
    p += 4;
    if (len > 0 && data.size() - p < size_t(len)) return Status::OK();
    if (len > 0) p += size_t(len);
  }
  p = pos + 2;
  for (int i = 0; i < count; i++) {
    const int32_t len = S32(data.data() + p);
    p += 4;
    if (len == -1) {
      values_[i] = Value::Null();
      continue;
    }
    auto v = DecodeBinaryField(*cols_[i], data.substr(p, size_t(len)));
    if (!v.ok()) return Error(i, consumed_ + p, v.status().message());
    values_[i] = std::move(v).value();
    p += size_t(len);
  }
  rows_++;
  TM_RETURN_IF_ERROR(row(values_));
  *used = p - pos;
  return Status::OK();
}

Status BinaryCopyDecoder::Parse(std::string_view data, const RowFn& row, size_t* used) {
  size_t pos = 0, n = 0;
  for (;;) {
    if (state_ == State::kHeader) {
      TM_RETURN_IF_ERROR(ParseHeader(data, &n));
      if (n == 0) break;
      state_ = State::kTuples;
    } else if (state_ == State::kTuples) {
      TM_RETURN_IF_ERROR(ParseTuple(data, pos, row, &n));
      if (n == 0) break;
    } else {
      if (pos < data.size()) return Error(-1, consumed_ + pos, "data after the trailer");
      break;
    }
    pos += n;
  }
  *used = pos;
  return Status::OK();
}

Status BinaryCopyDecoder::Feed(std::string_view data, const RowFn& row) {
  size_t used = 0;
  if (pending_.empty()) {
    TM_RETURN_IF_ERROR(Parse(data, row, &used));
    consumed_ += used;
    pending_.assign(data.substr(used));
    return Status::OK();
  }
  pending_.append(data);
  TM_RETURN_IF_ERROR(Parse(pending_, row, &used));
  consumed_ += used;
  pending_.erase(0, used);
  return Status::OK();
}

Status BinaryCopyDecoder::Finish() {
  if (state_ == State::kDone) return Status::OK();
  return Error(-1, consumed_ + pending_.size(),
               state_ == State::kHeader ? "the data ends before its header is complete"
                                        : "the data ends before its trailer");
}

}  // namespace tidemark::pg
