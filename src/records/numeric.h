// PostgreSQL numeric: arbitrary precision decimals with a display scale,
// NaN and ±Infinity (docs/format/records.md §1.2, §4.2). A value is held as
// its canonical text; this is its parsed form and its order-preserving key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tidemark {

inline constexpr int32_t kMaxNumericIntDigits = 131072;  // PostgreSQL's limits
inline constexpr int32_t kMaxNumericScale = 16383;

struct Decimal {
  // Ordered as the key orders them.
  enum Class : uint8_t {
    kNegInf = 1,
    kNegative = 2,
    kZero = 3,
    kPositive = 4,
    kPosInf = 5,
    kNaN = 6
  };
  Class cls = kZero;
  // kNegative/kPositive: |value| = 0.digits x 10^exponent; digits are
  // '0'..'9', the first and the last not '0'.
  int32_t exponent = 0;
  std::string digits;
  int32_t scale = 0;  // digits after the point in the text (kept: 1.50 is not 1.5)
};

// Parses canonical numeric text (see MakeNumeric). InvalidArgument otherwise.
Result<Decimal> ParseDecimal(std::string_view text);
// The canonical text. REQUIRES: a Decimal from ParseDecimal, or one whose
// fraction digits fit its scale and whose limits hold (CheckDecimal).
std::string FormatDecimal(const Decimal& d);
// Whether d is within PostgreSQL's limits and its digits fit its scale.
bool CheckDecimal(const Decimal& d);

// The order-preserving key bytes of d, without its scale (records.md §4.2):
// class byte, then for finite non-zero values exponent and digit pairs.
void EncodeDecimalKey(const Decimal& d, std::string* out);
// Reads those bytes at data[*pos]; the scale is the caller's (it is in the
// key's residuals). False when the bytes are malformed.
bool DecodeDecimalKey(std::string_view data, size_t* pos, Decimal* d);

}  // namespace tidemark
