// Internal to records/: the tags of the key encoding (records.md §4), shared
// by the encoder (key_codec.cc) and the decoder (key_decode.cc).
#pragma once

#include <cstdint>

#include "records/value.h"

namespace tidemark::keytag {

// Trailers: they order only keys whose components are all equal.
inline constexpr uint8_t kRealMarks = 0x01;  // which numbers are reals
inline constexpr uint8_t kResiduals = 0x02;  // numeric scales, interval fields
// Components: NULL < number < text < blob (format v1), then the v2 kinds
// 0x40..0x4E in ValueType order (kNumeric = 7 -> 0x40, ..., kCidr = 21 -> 0x4E).
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kNumber = 0x15;
inline constexpr uint8_t kText = 0x25;
inline constexpr uint8_t kBlob = 0x35;
inline constexpr uint8_t kFirstTyped = 0x40;
inline constexpr uint8_t kLastTyped = kFirstTyped + (static_cast<uint8_t>(ValueType::kCidr) -
                                                     static_cast<uint8_t>(ValueType::kNumeric));
// Inside an array component.
inline constexpr uint8_t kArrayEnd = 0x00;
inline constexpr uint8_t kArrayNull = 0xfe;  // a NULL element sorts after every other

inline uint8_t Typed(ValueType t) {
  return static_cast<uint8_t>(kFirstTyped + static_cast<uint8_t>(t) -
                              static_cast<uint8_t>(ValueType::kNumeric));
}
inline ValueType TypeOf(uint8_t tag) {
  return static_cast<ValueType>(tag - kFirstTyped + static_cast<uint8_t>(ValueType::kNumeric));
}

}  // namespace tidemark::keytag
