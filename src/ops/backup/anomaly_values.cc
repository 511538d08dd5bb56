// Helpers of anomaly detection (ops/anomaly.cc): detail text, value keys,
// the robust baseline's limit. See anomaly_values.h.
#include "ops/backup/anomaly_values.h"

#include <strings.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "base/ascii.h"
#include "crypto/crypto.h"
#include "records/encoding.h"

namespace tidemark::anomaly {
namespace {

constexpr size_t kMaxQuoted = 60;  // bytes of a value quoted in a detail line
constexpr size_t kHashAbove = 64;  // longer values are matched by their SHA-256

}  // namespace

// ------------------------------------------------------------------ text

double ShareOf(uint64_t count, uint64_t of) { return of ? double(count) / double(of) : 0; }

// "20%", "97%", "0.7%": one decimal below 10 % where it matters.
std::string FormatShare(double share) {
  const double p = share * 100;
  const double tenth = std::round(p * 10) / 10;
  char buf[32];
  if (tenth < 10 && tenth != std::round(tenth)) {
    snprintf(buf, sizeof buf, "%.1f%%", tenth);
  } else {
    snprintf(buf, sizeof buf, "%.0f%%", p);
  }
  return buf;
}

// Cuts `s` to at most `max` bytes on a UTF-8 character boundary, ending in "...".
void Shorten(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t n = max - 3;
  while (n > 0 && (static_cast<unsigned char>((*s)[n]) & 0xC0) == 0x80) n--;
  s->resize(n);
  *s += "...";
}

// A value for a detail line: text quoted, long values shortened.
std::string Quote(const Value& v) {
  std::string s = ValueToDisplay(v);
  Shorten(&s, kMaxQuoted);
  return v.type() == ValueType::kText && !v.ref() ? "'" + s + "'" : s;
}

// "id 3" or "order_id 1, line 2".
std::string KeyDisplay(const TableSchema& schema, const std::vector<Value>& key) {
  const std::vector<std::string> names = schema.KeyNames();
  std::string out;
  for (size_t i = 0; i < key.size(); i++) {
    if (i) out += ", ";
    out += (i < names.size() ? names[i] : "#" + std::to_string(i)) + " " + Quote(key[i]);
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) out += (i ? sep : "") + parts[i];
  return out;
}

// A reference is never empty: only short (inline) values can be.
bool IsNullOrEmpty(const Value& v) {
  if (v.is_null()) return true;
  const bool bytes = v.type() == ValueType::kText || v.type() == ValueType::kBlob;
  return bytes && !v.ref() && v.bytes().empty();
}

// ------------------------------------------------------------ value keys

// Appends a key such that equal keys mean equal values: type, reference
// flag, then the content (SHA-256 of it when longer than kHashAbove, which
// bounds memory). With `numeric`, an integral real matches the integer
// (SQLite compares a foreign key with the parent by value).
void AppendValueKey(const Value& v, bool numeric, std::string* out) {
  ValueType type = v.type();
  int64_t integer = type == ValueType::kInteger ? v.integer() : 0;
  if (numeric && type == ValueType::kReal && std::isfinite(v.real()) &&
      v.real() == std::trunc(v.real()) && std::fabs(v.real()) < 9.2e18) {
    type = ValueType::kInteger;
    integer = static_cast<int64_t>(v.real());
  }
  out->push_back(static_cast<char>(type));
  out->push_back(v.ref() ? 1 : 0);
  if (type == ValueType::kInteger) {
    PutFixed64(out, static_cast<uint64_t>(integer));
  } else if (type == ValueType::kReal) {
    uint64_t bits;
    const double d = v.real();
    memcpy(&bits, &d, sizeof bits);
    PutFixed64(out, bits);
  } else if (type != ValueType::kNull && !HasBytePayload(type)) {
    EncodeLogicalValue(v, out);  // a v2 time or interval
  } else if (type != ValueType::kNull) {
    if (v.bytes().size() > kHashAbove) {
      out->push_back('h');
      out->append(Sha256(v.bytes()));
    } else {
      out->push_back('s');
      PutLengthPrefixed(out, v.bytes());
    }
  }
}

std::optional<FieldRef> FindField(const TableSchema& s, std::string_view name) {
  const std::vector<std::string> names = s.RecordFieldNames();
  for (size_t i = 0; i < names.size(); i++) {
    if (EqualsIgnoreCase(names[i], name)) return FieldRef{false, i};
  }
  if (s.key_columns.empty() && s.NamesImplicitId(name)) {
    return FieldRef{true, 0};
  }
  return std::nullopt;
}

// The matching key of a tuple of fields; false when a part is NULL (a NULL
// foreign key refers to nothing) or missing.
bool TupleKey(const std::vector<FieldRef>& refs, const std::vector<Value>& key,
              const Record& record, std::string* out) {
  out->clear();
  for (const FieldRef& f : refs) {
    const std::vector<Value>& from = f.in_key ? key : record;
    if (f.index >= from.size() || from[f.index].is_null()) return false;
    AppendValueKey(from[f.index], true, out);
  }
  return true;
}

const SnapshotTable* FindTableAnyCase(const Manifest& m, std::string_view name) {
  if (const SnapshotTable* t = m.FindTable(name)) return t;
  for (const SnapshotTable& t : m.tables) {
    if (EqualsIgnoreCase(t.schema.name, name)) return &t;
  }
  return nullptr;
}

// -------------------------------------------------------------- baseline

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The fixed threshold until the table has min_history samples; then the
// baseline's limit, which replaces it: lower for a table that is usually
// quiet (but never below baseline_floor x threshold), higher for a table
// whose usual churn is above the threshold.
Limit LimitFor(double threshold, const std::vector<double>& samples, const AnomalyRules& r) {
  Limit l;
  l.value = threshold;
  l.samples = samples.size();
  if (samples.empty() || samples.size() < r.min_history) return l;
  l.baseline = true;
  l.median = Median(samples);
  std::vector<double> deviations;
  for (double s : samples) deviations.push_back(std::fabs(s - l.median));
  const double mad = Median(deviations);
  l.value = std::max({l.median + r.mad_k * mad, 2 * l.median, r.baseline_floor * threshold});
  return l;
}

// ------------------------------------------------------ column statistics

}  // namespace tidemark::anomaly
