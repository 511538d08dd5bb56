// FastCDC with normalized chunking, level 2. Every constant and rule here is
// part of the repository format; see docs/format/chunker.md before touching
// anything in this file.
#include "chunker/fastcdc.h"

#include <array>
#include <bit>
#include <cassert>

namespace tidemark {
namespace {

// "tidemark" in ASCII, big-endian.
constexpr uint64_t kGearSeed = 0x7469'6465'6d61'726bull;

// SplitMix64 (Steele, Lea, Flood 2014): state advances by the golden-ratio
// increment and each output is a finalised copy of the state.
constexpr uint64_t SplitMix64Next(uint64_t* state) {
  *state += 0x9e37'79b9'7f4a'7c15ull;
  uint64_t z = *state;
  z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebull;
  return z ^ (z >> 31);
}

constexpr std::array<uint64_t, 256> MakeGearTable() {
  std::array<uint64_t, 256> table{};
  uint64_t state = kGearSeed;
  for (uint64_t& entry : table) entry = SplitMix64Next(&state);
  return table;
}

constexpr std::array<uint64_t, 256> kGear = MakeGearTable();

// Pins the generator: a change here is a format change (chunker.md §2).
static_assert(kGear[0] == 0x7def'9af5'fbde'3004ull);
static_assert(kGear[255] == 0x8d8c'1040'f2a3'4581ull);

// A mask selecting the `bits` highest bits of the fingerprint. The high bits
// depend on the last 64 bytes; the low bits only on the last few.
constexpr uint64_t HighBitsMask(int bits) {
  if (bits <= 0) return 0;
  if (bits >= 64) return ~0ull;
  return ~0ull << (64 - bits);
}

}  // namespace

size_t NextChunkLength(std::string_view data, const ChunkerParams& params) {
  assert(params.min_size > 0 && params.min_size <= params.avg_size &&
         params.avg_size <= params.max_size);
  assert(std::has_single_bit(params.avg_size));
  if (data.size() <= params.min_size) return data.size();

  const int avg_bits = std::bit_width(params.avg_size) - 1;  // floor(log2(avg))
  const uint64_t mask_s = HighBitsMask(avg_bits + 2);        // harder: before avg
  const uint64_t mask_l = HighBitsMask(avg_bits - 2);        // easier: after avg
  const size_t end = data.size() < params.max_size ? data.size() : params.max_size;
  const size_t normal = end < params.avg_size ? end : params.avg_size;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());

  uint64_t fp = 0;
  size_t i = params.min_size;
  for (; i < normal; i++) {
    fp = (fp << 1) + kGear[bytes[i]];
    if ((fp & mask_s) == 0) return i + 1;
  }
  for (; i < end; i++) {
    fp = (fp << 1) + kGear[bytes[i]];
    if ((fp & mask_l) == 0) return i + 1;
  }
  return end;
}

}  // namespace tidemark
