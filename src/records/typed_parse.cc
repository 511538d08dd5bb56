// Typed values from their text forms (docs/format/records.md §7): the
// inverse of TypedValueText for the kinds a key is made of, so that a key
// typed on the command line finds a record keyed by a time, a uuid, a
// numeric, an enum or a domain.
#include <charconv>
#include <cstdio>

#include "base/hex.h"
#include "records/typed_values.h"

namespace tidemark {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at *s (advancing it).
bool Digits(std::string_view* s, size_t n, int64_t* out) {
  if (s->size() < n) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!IsDigit((*s)[i])) return false;
    v = v * 10 + ((*s)[i] - '0');
  }
  *out = v;
  s->remove_prefix(n);
  return true;
}

bool Literal(std::string_view* s, char c) {
  if (s->empty() || (*s)[0] != c) return false;
  s->remove_prefix(1);
  return true;
}

// H. Hinnant's days_from_civil, shifted to days since 2000-01-01.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 - 10957;
}

// [+-]YYYY-MM-DD with four or more year digits (astronomical years, as
// DateText writes them); a day that the month does not have is refused.
bool ParseDate(std::string_view* s, int64_t* days) {
  bool negative = false;
  if (!s->empty() && ((*s)[0] == '+' || (*s)[0] == '-')) {
    negative = (*s)[0] == '-';
    s->remove_prefix(1);
  }
  size_t n = 0;
  while (n < s->size() && IsDigit((*s)[n])) n++;
  int64_t y = 0, m = 0, d = 0;
  if (n < 4 || n > 7 || !Digits(s, n, &y)) return false;
  if (!Literal(s, '-') || !Digits(s, 2, &m) || !Literal(s, '-') || !Digits(s, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  if (negative) y = -y;
  *days = DaysFromCivil(y, static_cast<int>(m), static_cast<int>(d));
  int64_t cy = 0;
  int cm = 0, cd = 0;
  CivilFromDays(*days, &cy, &cm, &cd);
  return cy == y && cm == m && cd == d;
}

// HH:MM:SS with an optional fraction of up to six digits; 24:00:00 is the
// end of the day, as PostgreSQL allows.
bool ParseTime(std::string_view* s, int64_t* micros) {
  int64_t h = 0, m = 0, sec = 0, frac = 0;
  if (!Digits(s, 2, &h) || !Literal(s, ':') || !Digits(s, 2, &m) || !Literal(s, ':') ||
      !Digits(s, 2, &sec)) {
    return false;
  }
  if (Literal(s, '.')) {
    size_t n = 0;
    while (n < s->size() && IsDigit((*s)[n])) n++;
    if (n == 0 || n > 6 || !Digits(s, n, &frac)) return false;
    for (size_t i = n; i < 6; i++) frac *= 10;
  }
  if (m > 59 || sec > 59 || h > 24) return false;
  *micros = ((h * 60 + m) * 60 + sec) * 1000000 + frac;
  return *micros <= kMicrosPerDay;
}

// "Z", or +HH:MM[:SS] / -HH:MM[:SS] east of UTC.
bool ParseOffset(std::string_view* s, int32_t* east) {
  if (Literal(s, 'Z')) {
    *east = 0;
    return true;
  }
  if (s->empty() || ((*s)[0] != '+' && (*s)[0] != '-')) return false;
  const bool negative = (*s)[0] == '-';
  s->remove_prefix(1);
  int64_t h = 0, m = 0, sec = 0;
  if (!Digits(s, 2, &h) || !Literal(s, ':') || !Digits(s, 2, &m)) return false;
  if (Literal(s, ':') && !Digits(s, 2, &sec)) return false;
  const int64_t total = (h * 60 + m) * 60 + sec;
  if (m > 59 || sec > 59 || total > kMaxTimeTzOffset) return false;
  *east = static_cast<int32_t>(negative ? -total : total);
  return true;
}

Result<Value> Timestamp(std::string_view s, bool tz) {
  if (s == "infinity") return tz ? Value::TimestampTz(INT64_MAX) : Value::Timestamp(INT64_MAX);
  if (s == "-infinity") return tz ? Value::TimestampTz(INT64_MIN) : Value::Timestamp(INT64_MIN);
  int64_t days = 0, time = 0;
  int32_t east = 0;
  if (!ParseDate(&s, &days) || !(Literal(&s, 'T') || Literal(&s, ' ')) || !ParseTime(&s, &time) ||
      (tz && !ParseOffset(&s, &east)) || !s.empty()) {
    return Status::InvalidArgument(tz ? "expected a time like 2024-05-01T10:30:00Z"
                                      : "expected a time like 2024-05-01T10:30:00");
  }
  // Before 2000, counted from the end of the day, so that the earliest
  // instants (whose day alone is out of range) do not overflow.
  const int64_t whole = days < 0 ? days + 1 : days;
  const int64_t rest = (days < 0 ? time - kMicrosPerDay : time) - int64_t{east} * 1000000;
  int64_t micros = 0;
  if (__builtin_mul_overflow(whole, kMicrosPerDay, &micros) ||
      __builtin_add_overflow(micros, rest, &micros) || micros == INT64_MAX || micros == INT64_MIN) {
    return Status::InvalidArgument("time out of range");
  }
  return tz ? Value::TimestampTz(micros) : Value::Timestamp(micros);
}

Result<Value> Date(std::string_view s) {
  if (s == "infinity") return Value::Date(INT32_MAX);
  if (s == "-infinity") return Value::Date(INT32_MIN);
  int64_t days = 0;
  if (!ParseDate(&s, &days) || !s.empty() || days <= INT32_MIN || days >= INT32_MAX) {
    return Status::InvalidArgument("expected a date like 2024-05-01");
  }
  return Value::Date(static_cast<int32_t>(days));
}

Result<Value> TimeOfDay(std::string_view s, bool tz) {
  int64_t micros = 0;
  int32_t east = 0;
  if (!ParseTime(&s, &micros) || (tz && !ParseOffset(&s, &east)) || !s.empty()) {
    return Status::InvalidArgument(tz ? "expected a time of day like 10:30:00+02:00"
                                      : "expected a time of day like 10:30:00");
  }
  return tz ? Value::TimeTz(micros, east) : Value::Time(micros);
}

Result<Value> Uuid(std::string_view s) {
  std::string hex;
  for (char c : s) {
    if (c != '-') hex += c;
  }
  std::string bytes;
  if (hex.size() != 32 || !HexDecode(hex, &bytes)) {
    return Status::InvalidArgument("expected a uuid like 8c3e1f2a-0b4d-4e5f-9a6b-7c8d9e0f1a2b");
  }
  return MakeUuid(bytes);
}

// A value of `base`'s storage class from its display text.
Result<Value> Plain(const Value& base, std::string_view s) {
  switch (base.type()) {
    case ValueType::kInteger: {
      int64_t i = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      if (ec == std::errc() && p == s.data() + s.size()) return Value::Integer(i);
      return Status::InvalidArgument("expected an integer");
    }
    case ValueType::kReal: {
      double d = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc() && p == s.data() + s.size()) return Value::Real(d);
      return Status::InvalidArgument("expected a number");
    }
    case ValueType::kText:
      return Value::Text(std::string(s));
    default:
      return Status::InvalidArgument(std::string("a ") + ValueTypeName(base.type()) +
                                     " cannot be typed as text");
  }
}

}  // namespace

Result<Value> TypedValueFromText(const Value& like, std::string_view text) {
  switch (like.type()) {
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
      return Timestamp(text, like.type() == ValueType::kTimestampTz);
    case ValueType::kDate:
      return Date(text);
    case ValueType::kTime:
    case ValueType::kTimeTz:
      return TimeOfDay(text, like.type() == ValueType::kTimeTz);
    case ValueType::kUuid:
      return Uuid(text);
    case ValueType::kNumeric:
      return MakeNumeric(text);
    case ValueType::kJson:
      return MakeJson(std::string(text));
    case ValueType::kJsonb:
      return MakeJsonb(std::string(text));
    case ValueType::kEnum: {
      TM_ASSIGN_OR_RETURN(EnumValue e, EnumOf(like));
      return MakeEnum(e.type, text);
    }
    case ValueType::kDomain: {
      TM_ASSIGN_OR_RETURN(DomainValue d, DomainOf(like));
      const bool typed =
          static_cast<uint8_t>(d.base.type()) > static_cast<uint8_t>(ValueType::kBlob);
      TM_ASSIGN_OR_RETURN(Value base,
                          typed ? TypedValueFromText(d.base, text) : Plain(d.base, text));
      return MakeDomain(d.type, base);
    }
    default:
      return Status::InvalidArgument(std::string("a ") + ValueTypeName(like.type()) +
                                     " cannot be typed on the command line yet");
  }
}

}  // namespace tidemark
