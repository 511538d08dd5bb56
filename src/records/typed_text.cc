// Text forms of the v2 value kinds: docs/format/records.md §7.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>

#include "base/hex.h"
#include "records/encoding.h"
#include "records/typed_values.h"

namespace tidemark {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

// H. Hinnant's civil_from_days, shifted from the Unix epoch.
void CivilFromDays(int64_t days, int64_t* y, int* m, int* d) {
  const int64_t z = days + 10957 + 719468;  // 2000-01-01 is Unix day 10957
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

namespace {

std::string DateText(int64_t days) {
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  if (y >= 0 && y <= 9999) {
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(y), m, d);
  } else {
    std::snprintf(buf, sizeof buf, "%c%04lld-%02d-%02d", y < 0 ? '-' : '+',
                  static_cast<long long>(y < 0 ? -y : y), m, d);
  }
  return buf;
}

// "HH:MM:SS" and a fraction without trailing zeros; micros in [0, 24h].
std::string TimeText(int64_t micros) {
  char buf[32];
  const int64_t secs = micros / 1000000;
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out = buf;
  if (int64_t frac = micros % 1000000; frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    out += f.substr(0, f.find_last_not_of('0') + 1);
  }
  return out;
}

std::string TimestampText(int64_t micros, bool utc) {
  if (micros == INT64_MAX) return "infinity";
  if (micros == INT64_MIN) return "-infinity";
  // Day and time of day without overflow near INT64_MIN.
  int64_t days = micros / kMicrosPerDay, time = micros % kMicrosPerDay;
  if (time < 0) {
    time += kMicrosPerDay;
    days--;
  }
  return DateText(days) + "T" + TimeText(time) + (utc ? "Z" : "");
}

std::string OffsetText(int32_t east) {
  char buf[16];
  const int32_t a = east < 0 ? -east : east;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", east < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  std::string out = buf;
  if (a % 60 != 0) {
    std::snprintf(buf, sizeof buf, ":%02d", a % 60);
    out += buf;
  }
  return out;
}

// ISO 8601 duration as PostgreSQL's intervalstyle iso_8601 writes it: each
// non-zero field with its own sign.
std::string IntervalText(const Value& v) {
  if (v.months() == INT32_MAX && v.days() == INT32_MAX && v.micros() == INT64_MAX)
    return "infinity";
  if (v.months() == INT32_MIN && v.days() == INT32_MIN && v.micros() == INT64_MIN)
    return "-infinity";
  if (v.months() == 0 && v.days() == 0 && v.micros() == 0) return "PT0S";
  std::string out = "P";
  auto part = [&](int64_t n, char unit) {
    if (n != 0) out += std::to_string(n) + unit;
  };
  part(v.months() / 12, 'Y');
  part(v.months() % 12, 'M');
  part(v.days(), 'D');
  const int64_t us = v.micros();
  if (us == 0) return out;
  out += 'T';
  const int64_t hours = us / 3600000000, rest = us % 3600000000;
  part(hours, 'H');
  part(rest / 60000000, 'M');
  const int64_t sec_us = rest % 60000000;
  if (sec_us != 0) {
    const int64_t a = sec_us < 0 ? -sec_us : sec_us;
    std::string s = (sec_us < 0 ? "-" : "") + std::to_string(a / 1000000);
    if (a % 1000000) {
      char buf[16];
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(a % 1000000));
      std::string f = buf;
      s += f.substr(0, f.find_last_not_of('0') + 1);
    }
    out += s + "S";
  }
  return out;
}

std::string UuidText(std::string_view b) {
  const std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string InetText(const Value& v) {
  auto inet = InetOf(v);
  if (!inet.ok()) return "<bad inet>";
  char buf[INET6_ADDRSTRLEN + 8];
  inet_ntop(inet->family == 4 ? AF_INET : AF_INET6, inet->address.data(), buf, sizeof buf);
  std::string out = buf;
  const int max = inet->family == 4 ? 32 : 128;
  if (v.type() == ValueType::kCidr || inet->bits != max) out += "/" + std::to_string(inet->bits);
  return out;
}

std::string ElementText(const Value& e) {
  if (e.is_null()) return "NULL";
  const bool typed = static_cast<uint8_t>(e.type()) > static_cast<uint8_t>(ValueType::kBlob);
  std::string s = typed ? TypedValueText(e) : ValueToDisplay(e);
  bool quote = s.empty() || s == "NULL" || s == "null";
  for (char c : s) quote |= c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || c == ' ';
  if (!quote) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

void ArrayBody(const ArrayValue& a, size_t dim, size_t* next, std::string* out) {
  *out += '{';
  for (int32_t i = 0; i < a.lengths[dim]; i++) {
    if (i) *out += ',';
    if (dim + 1 < a.lengths.size()) {
      ArrayBody(a, dim + 1, next, out);
    } else {
      *out += ElementText(a.elements[(*next)++]);
    }
  }
  *out += '}';
}

std::string ArrayText(const Value& v) {
  auto a = ArrayOf(v);
  if (!a.ok()) return "<bad array>";
  if (a->lengths.empty()) return "{}";
  std::string out;
  bool default_bounds = true;
  for (int32_t lb : a->lower_bounds) default_bounds &= lb == 1;
  if (!default_bounds) {
    for (size_t d = 0; d < a->lengths.size(); d++) {
      const int64_t hi = int64_t{a->lower_bounds[d]} + a->lengths[d] - 1;
      out += "[" + std::to_string(a->lower_bounds[d]) + ":" + std::to_string(hi) + "]";
    }
    out += "=";
  }
  size_t next = 0;
  ArrayBody(*a, 0, &next, &out);
  return out;
}

}  // namespace

std::string TypedValueText(const Value& v) {
  switch (v.type()) {
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
      return TimestampText(v.micros(), v.type() == ValueType::kTimestampTz);
    case ValueType::kDate:
      if (v.days() == INT32_MAX) return "infinity";
      if (v.days() == INT32_MIN) return "-infinity";
      return DateText(v.days());
    case ValueType::kTime:
      return TimeText(v.micros());
    case ValueType::kTimeTz:
      return TimeText(v.micros()) + OffsetText(v.offset_seconds());
    case ValueType::kInterval:
      return IntervalText(v);
    case ValueType::kUuid:
      return UuidText(v.bytes());
    case ValueType::kInet:
    case ValueType::kCidr:
      return InetText(v);
    case ValueType::kArray:
      return ArrayText(v);
    case ValueType::kEnum: {
      auto e = EnumOf(v);
      return e.ok() ? e->label : "<bad enum>";
    }
    case ValueType::kDomain: {
      auto d = DomainOf(v);
      if (!d.ok()) return "<bad domain>";
      return static_cast<uint8_t>(d->base.type()) > static_cast<uint8_t>(ValueType::kBlob)
                 ? TypedValueText(d->base)
                 : ValueToDisplay(d->base);
    }
    default:  // numeric, json, jsonb: their text
      return v.bytes();
  }
}

}  // namespace tidemark
