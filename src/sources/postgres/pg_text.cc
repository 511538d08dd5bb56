// COPY text encoding: the "Text Format" section of PostgreSQL's COPY
// reference, and each type's input function under the session settings of
// kValueSessionSql (ISO dates, postgres interval style, UTC).
#include "sources/postgres/pg_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "base/hex.h"
#include "records/typed_values.h"

namespace tidemark::pg {
namespace {

Status WrongKind(const PgType& t, const Value& v) {
  return Status::InvalidArgument(std::string("a ") + ValueTypeName(v.type()) +
                                 " value cannot be written to a column of type " + t.name +
                                 " (it holds " + ValueTypeName(t.kind) + " values)");
}

void AppendFloat(double d, bool single, std::string* out) {
  if (std::isnan(d)) {
    *out += "NaN";
  } else if (std::isinf(d)) {
    *out += d < 0 ? "-Infinity" : "Infinity";
  } else {
    char buf[64];
    const float f = static_cast<float>(d);
    // A float4 column's value is a widened float: its shortest float text
    // reads back exactly; anything else is rounded by the server.
    auto r = single && static_cast<double>(f) == d ? std::to_chars(buf, buf + sizeof buf, f)
                                                   : std::to_chars(buf, buf + sizeof buf, d);
    out->append(buf, r.ptr);
  }
}

// `v` in decimal, zero-padded to `width` digits.
void AppendPadded(uint64_t v, int width, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  for (int n = static_cast<int>(r.ptr - buf); n < width; n++) *out += '0';
  out->append(buf, r.ptr);
}

// "YYYY-MM-DD"; *bc says whether " BC" must follow (years before 1).
void AppendDate(int64_t days, bool* bc, std::string* out) {
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  *bc = y <= 0;
  AppendPadded(static_cast<uint64_t>(*bc ? 1 - y : y), 4, out);
  *out += '-';
  AppendPadded(static_cast<uint64_t>(m), 2, out);
  *out += '-';
  AppendPadded(static_cast<uint64_t>(d), 2, out);
}

// "HH:MM:SS" and ".ffffff" when there is a fraction; hours may exceed 23.
void AppendClock(uint64_t micros, std::string* out) {
  const uint64_t secs = micros / 1000000, frac = micros % 1000000;
  AppendPadded(secs / 3600, 2, out);
  *out += ':';
  AppendPadded(secs / 60 % 60, 2, out);
  *out += ':';
  AppendPadded(secs % 60, 2, out);
  if (frac != 0) {
    *out += '.';
    AppendPadded(frac, 6, out);
  }
}

void AppendTimestamp(int64_t micros, bool tz, std::string* out) {
  if (micros == INT64_MAX || micros == INT64_MIN) {
    *out += micros == INT64_MAX ? "infinity" : "-infinity";
    return;
  }
  int64_t days = micros / kMicrosPerDay, time = micros % kMicrosPerDay;
  if (time < 0) {
    time += kMicrosPerDay;
    days--;
  }
  bool bc = false;
  AppendDate(days, &bc, out);
  *out += ' ';
  AppendClock(static_cast<uint64_t>(time), out);
  if (tz) *out += "+00";
  if (bc) *out += " BC";
}

// "+HH:MM" or "+HH:MM:SS", east positive (as PostgreSQL prints offsets).
void AppendOffset(int32_t east, std::string* out) {
  const int32_t a = east < 0 ? -east : east;
  char buf[24];
  if (a % 60 != 0) {
    std::snprintf(buf, sizeof buf, "%c%02d:%02d:%02d", east < 0 ? '-' : '+', a / 3600, a / 60 % 60,
                  a % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", east < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  }
  *out += buf;
}

// "M mons D days [-]HH:MM:SS.ffffff": with IntervalStyle postgres each field
// keeps its own sign, so months, days and microseconds come back as they are.
void AppendInterval(const Value& v, std::string* out) {
  *out += std::to_string(v.months()) + " mons " + std::to_string(v.days()) + " days ";
  const int64_t us = v.micros();
  if (us == INT64_MIN) {  // PostgreSQL 15 prints this clock but cannot read it back
    *out += "-9223372036854775808 microseconds";
    return;
  }
  if (us < 0) *out += '-';
  AppendClock(us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us), out);
}

bool NeedsQuotes(std::string_view s, char delim) {
  if (s.empty()) return true;
  if (s.size() == 4 && strncasecmp(s.data(), "NULL", 4) == 0) return true;
  for (char c : s) {
    if (c == '{' || c == '}' || c == '"' || c == '\\' || c == delim || c == ' ' || c == '\t' ||
        c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      return true;
    }
  }
  return false;
}

Status AppendArrayBody(const PgType& et, char delim, const ArrayValue& a, size_t dim, size_t* next,
                       std::string* scratch, std::string* out) {
  *out += '{';
  for (int32_t i = 0; i < a.lengths[dim]; i++) {
    if (i) *out += delim;
    if (dim + 1 < a.lengths.size()) {
      TM_RETURN_IF_ERROR(AppendArrayBody(et, delim, a, dim + 1, next, scratch, out));
      continue;
    }
    const Value& e = a.elements[(*next)++];
    if (e.is_null()) {
      *out += "NULL";
      continue;
    }
    scratch->clear();
    TM_RETURN_IF_ERROR(AppendTextValue(et, e, scratch));
    if (!NeedsQuotes(*scratch, delim)) {
      *out += *scratch;
      continue;
    }
    *out += '"';
    for (char c : *scratch) {
      if (c == '"' || c == '\\') *out += '\\';
      *out += c;
    }
    *out += '"';
  }
  *out += '}';
  return Status::OK();
}

Status AppendArray(const PgType& t, const Value& v, std::string* out) {
  TM_ASSIGN_OR_RETURN(ArrayValue a, ArrayOf(v));
  if (a.lengths.empty()) {
    *out += "{}";
    return Status::OK();
  }
  bool default_bounds = true;
  for (int32_t lb : a.lower_bounds) default_bounds &= lb == 1;
  if (!default_bounds) {
    for (size_t d = 0; d < a.lengths.size(); d++) {
      const int64_t hi = int64_t{a.lower_bounds[d]} + a.lengths[d] - 1;
      *out += "[" + std::to_string(a.lower_bounds[d]) + ":" + std::to_string(hi) + "]";
    }
    *out += '=';
  }
  size_t next = 0;
  std::string scratch;
  // The element type's delimiter separates elements (',' for all but box).
  return AppendArrayBody(*t.element, t.element->delimiter, a, 0, &next, &scratch, out);
}

Status AppendTimes(const PgType& t, const Value& v, std::string* out) {
  switch (t.wire) {
    case PgWire::kTimestamp:
    case PgWire::kTimestampTz:
      AppendTimestamp(v.micros(), t.wire == PgWire::kTimestampTz, out);
      return Status::OK();
    case PgWire::kDate: {
      if (v.days() == INT32_MAX || v.days() == INT32_MIN) {
        *out += v.days() == INT32_MAX ? "infinity" : "-infinity";
        return Status::OK();
      }
      bool bc = false;
      AppendDate(v.days(), &bc, out);
      if (bc) *out += " BC";
      return Status::OK();
    }
    case PgWire::kTime:
      AppendClock(static_cast<uint64_t>(v.micros()), out);
      return Status::OK();
    case PgWire::kTimeTz:
      AppendClock(static_cast<uint64_t>(v.micros()), out);
      AppendOffset(v.offset_seconds(), out);
      return Status::OK();
    default:
      AppendInterval(v, out);
      return Status::OK();
  }
}

Status AppendComposite(const PgType& t, const Value& v, std::string* out) {
  switch (t.wire) {
    case PgWire::kArray:
      return AppendArray(t, v, out);
    case PgWire::kEnum: {
      TM_ASSIGN_OR_RETURN(EnumValue e, EnumOf(v));
      *out += e.label;
      return Status::OK();
    }
    default: {  // kDomain: the base value under the base type
      TM_ASSIGN_OR_RETURN(DomainValue d, DomainOf(v));
      if (d.base.type() != t.base->kind) return WrongKind(*t.base, d.base);
      return AppendTextValue(*t.base, d.base, out);
    }
  }
}

// COPY's escapes: backslash, newline, carriage return and the tab delimiter.
Status AppendEscaped(std::string_view s, std::string* out) {
  size_t start = 0;
  for (;;) {
    const size_t at = s.find_first_of(std::string_view("\\\n\r\t\0", 5), start);
    out->append(s.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return Status::OK();
    switch (s[at]) {
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        return Status::InvalidArgument("a text holds a NUL byte, which PostgreSQL cannot store");
    }
    start = at + 1;
  }
}

}  // namespace

Status AppendTextValue(const PgType& t, const Value& v, std::string* out) {
  if (v.ref()) return Status::InvalidArgument("a large value that was not resolved");
  if (v.type() != t.kind) return WrongKind(t, v);
  switch (t.wire) {
    case PgWire::kTextMapped:
    case PgWire::kText:
    case PgWire::kBpchar:
    case PgWire::kNumeric:
    case PgWire::kJson:
    case PgWire::kJsonb:
      *out += v.bytes();
      return Status::OK();
    case PgWire::kBool:
      if (v.integer() != 0 && v.integer() != 1) {
        return Status::InvalidArgument("boolean value " + std::to_string(v.integer()) +
                                       " (only 0 and 1 are booleans)");
      }
      *out += v.integer() ? 't' : 'f';
      return Status::OK();
    case PgWire::kInt2:
    case PgWire::kInt4:
    case PgWire::kInt8:
      *out += std::to_string(v.integer());
      return Status::OK();
    case PgWire::kFloat4:
    case PgWire::kFloat8:
      AppendFloat(v.real(), t.wire == PgWire::kFloat4, out);
      return Status::OK();
    case PgWire::kBytea:
      *out += "\\x" + HexEncode(v.bytes());
      return Status::OK();
    case PgWire::kUuid:
    case PgWire::kInet:
    case PgWire::kCidr:
      *out += TypedValueText(v);
      return Status::OK();
    case PgWire::kTimestamp:
    case PgWire::kTimestampTz:
    case PgWire::kDate:
    case PgWire::kTime:
    case PgWire::kTimeTz:
    case PgWire::kInterval:
      return AppendTimes(t, v, out);
    case PgWire::kArray:
    case PgWire::kEnum:
    case PgWire::kDomain:
      return AppendComposite(t, v, out);
  }
  return Status::InvalidArgument("unknown wire format");
}

Status AppendTextRow(const std::vector<const PgType*>& cols, const std::vector<Value>& row,
                     std::string* out) {
  if (row.size() != cols.size()) {
    return Status::InvalidArgument("a row of " + std::to_string(row.size()) +
                                   " values for a table of " + std::to_string(cols.size()) +
                                   " columns");
  }
  const size_t start = out->size();
  std::string scratch;
  for (size_t i = 0; i < cols.size(); i++) {
    if (i) *out += '\t';
    const Value& v = row[i];
    if (v.is_null()) {
      *out += "\\N";
      continue;
    }
    Status s;
    if (v.type() == ValueType::kText && !v.ref() && cols[i]->kind == ValueType::kText) {
      s = AppendEscaped(v.bytes(), out);  // the common case, without a copy
    } else {
      scratch.clear();
      s = AppendTextValue(*cols[i], v, &scratch);
      if (s.ok()) s = AppendEscaped(scratch, out);
    }
    if (!s.ok()) {
      out->resize(start);
      return s.WithContext("column " + std::to_string(i + 1) + " (" + cols[i]->name + ")");
    }
  }
  *out += '\n';
  return Status::OK();
}

}  // namespace tidemark::pg
