// See docs/format/records.md §1.2 (text) and §4.2 (key bytes).
#include "records/numeric.h"

namespace tidemark {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status NotCanonical(std::string_view text) {
  return Status::InvalidArgument("numeric \"" + std::string(text.substr(0, 64)) +
                                 "\" is not in PostgreSQL's output form (digits, one optional "
                                 "'-' and '.', no leading zeros, or NaN/Infinity/-Infinity)");
}

}  // namespace

Result<Decimal> ParseDecimal(std::string_view text) {
  Decimal d;
  if (text == "NaN") d.cls = Decimal::kNaN;
  if (text == "Infinity") d.cls = Decimal::kPosInf;
  if (text == "-Infinity") d.cls = Decimal::kNegInf;
  if (d.cls != Decimal::kZero) return d;
  std::string_view s = text;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  const size_t point = s.find('.');
  const std::string_view int_part = s.substr(0, point);
  const std::string_view frac = point == std::string_view::npos ? "" : s.substr(point + 1);
  if (int_part.empty() || (point != std::string_view::npos && frac.empty())) {
    return NotCanonical(text);
  }
  if (int_part.size() > 1 && int_part[0] == '0') return NotCanonical(text);
  for (char c : int_part)
    if (!IsDigit(c)) return NotCanonical(text);
  for (char c : frac)
    if (!IsDigit(c)) return NotCanonical(text);
  if (int_part.size() > size_t{kMaxNumericIntDigits} || frac.size() > size_t{kMaxNumericScale}) {
    return Status::InvalidArgument(
        "numeric has more digits than PostgreSQL allows (131072 "
        "before the point, 16383 after)");
  }
  d.scale = static_cast<int32_t>(frac.size());
  std::string all = int_part == "0" ? "" : std::string(int_part);
  d.exponent = static_cast<int32_t>(all.size());
  all.append(frac);
  size_t first = all.find_first_not_of('0');
  if (first == std::string::npos) {
    if (negative) return NotCanonical(text);  // PostgreSQL has no -0
    return d;
  }
  d.cls = negative ? Decimal::kNegative : Decimal::kPositive;
  d.exponent -= static_cast<int32_t>(first);
  d.digits = all.substr(first, all.find_last_not_of('0') + 1 - first);
  return d;
}

bool CheckDecimal(const Decimal& d) {
  if (d.cls != Decimal::kZero && d.cls != Decimal::kNegative && d.cls != Decimal::kPositive) {
    return d.scale == 0;
  }
  if (d.scale < 0 || d.scale > kMaxNumericScale) return false;
  if (d.cls == Decimal::kZero) return d.digits.empty() && d.exponent == 0;
  if (d.digits.empty() || d.digits.front() == '0' || d.digits.back() == '0') return false;
  if (d.exponent > kMaxNumericIntDigits || d.exponent < -kMaxNumericScale) return false;
  // Fraction digits: those after the first `exponent` ones.
  const int64_t frac = static_cast<int64_t>(d.digits.size()) - d.exponent;
  return frac <= d.scale;
}

std::string FormatDecimal(const Decimal& d) {
  switch (d.cls) {
    case Decimal::kNaN:
      return "NaN";
    case Decimal::kPosInf:
      return "Infinity";
    case Decimal::kNegInf:
      return "-Infinity";
    default:
      break;
  }
  std::string out = d.cls == Decimal::kNegative ? "-" : "";
  const int64_t n = static_cast<int64_t>(d.digits.size());
  if (d.exponent <= 0) {
    out += "0";
  } else {
    out.append(d.digits.substr(0, static_cast<size_t>(std::min<int64_t>(n, d.exponent))));
    if (n < d.exponent) out.append(static_cast<size_t>(d.exponent - n), '0');
  }
  if (d.scale == 0) return out;
  out += '.';
  std::string frac;
  if (d.exponent < 0) frac.append(static_cast<size_t>(-d.exponent), '0');
  if (n > d.exponent)
    frac.append(d.digits.substr(static_cast<size_t>(std::max<int64_t>(0, d.exponent))));
  frac.resize(static_cast<size_t>(d.scale), '0');
  return out + frac;
}

void EncodeDecimalKey(const Decimal& d, std::string* out) {
  out->push_back(static_cast<char>(d.cls));
  if (d.cls != Decimal::kNegative && d.cls != Decimal::kPositive) return;
  // Negative values: every byte after the class complemented, so a larger
  // magnitude sorts first and a shorter digit string last.
  const uint8_t flip = d.cls == Decimal::kNegative ? 0xff : 0;
  const uint32_t e = static_cast<uint32_t>(d.exponent) ^ 0x80000000u;
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((e >> shift) ^ flip));
  for (size_t i = 0; i < d.digits.size(); i += 2) {
    const int hi = d.digits[i] - '0';
    const int lo = i + 1 < d.digits.size() ? d.digits[i + 1] - '0' : 0;
    out->push_back(static_cast<char>((hi * 10 + lo + 1) ^ flip));  // 1..100
  }
  out->push_back(static_cast<char>(flip));  // end: below every pair
}

bool DecodeDecimalKey(std::string_view data, size_t* pos, Decimal* d) {
  size_t i = *pos;
  if (i >= data.size()) return false;
  const uint8_t cls = static_cast<uint8_t>(data[i++]);
  if (cls < Decimal::kNegInf || cls > Decimal::kNaN) return false;
  *d = Decimal();
  d->cls = static_cast<Decimal::Class>(cls);
  if (d->cls == Decimal::kNegative || d->cls == Decimal::kPositive) {
    const uint8_t flip = d->cls == Decimal::kNegative ? 0xff : 0;
    if (data.size() - i < 4) return false;
    uint32_t e = 0;
    for (int k = 0; k < 4; k++) e = (e << 8) | (static_cast<uint8_t>(data[i++]) ^ flip);
    d->exponent = static_cast<int32_t>(e ^ 0x80000000u);
    if (d->exponent > kMaxNumericIntDigits || d->exponent < -kMaxNumericScale) return false;
    for (;;) {
      if (i >= data.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data[i++]) ^ flip;
      if (b == 0) break;
      if (b > 100) return false;
      // More pairs than the limits allow cannot be canonical.
      if (d->digits.size() >= size_t{kMaxNumericIntDigits + kMaxNumericScale}) return false;
      d->digits.push_back(static_cast<char>('0' + (b - 1) / 10));
      d->digits.push_back(static_cast<char>('0' + (b - 1) % 10));
    }
    if (!d->digits.empty() && d->digits.back() == '0') d->digits.pop_back();
    if (d->digits.empty()) return false;
  }
  *pos = i;
  return true;
}

}  // namespace tidemark
