#include "chunker/fastcdc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tidemark {
namespace {

constexpr ChunkerParams kDefault;                            // 512 KiB / 1 MiB / 8 MiB
constexpr ChunkerParams kSmall{2 << 10, 8 << 10, 64 << 10};  // 2 KiB / 8 KiB / 64 KiB

// Test data from xorshift64 (Marsaglia's 13/7/17 triple), each state written
// as 8 little-endian bytes. Spelled out in docs/format/chunker.md §5 so that
// the known answers below can be checked by another implementation.
std::string XorshiftBytes(size_t n, uint64_t seed) {
  std::string out;
  out.reserve(n + 8);
  uint64_t x = seed;
  while (out.size() < n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    for (int k = 0; k < 8; k++) out.push_back(static_cast<char>(x >> (8 * k)));
  }
  out.resize(n);
  return out;
}

std::vector<size_t> ChunkLengths(std::string_view data, const ChunkerParams& params) {
  std::vector<size_t> lengths;
  while (!data.empty()) {
    size_t n = NextChunkLength(data, params);
    EXPECT_GE(n, 1u);
    if (n == 0) break;
    lengths.push_back(n);
    data.remove_prefix(n);
  }
  return lengths;
}

// Every chunk ends at a cut in (min, max], except the last, which may be shorter.
void ExpectWithinBounds(const std::vector<size_t>& lengths, const ChunkerParams& params) {
  for (size_t i = 0; i < lengths.size(); i++) {
    EXPECT_LE(lengths[i], params.max_size) << "chunk " << i;
    if (i + 1 < lengths.size()) {
      EXPECT_GT(lengths[i], params.min_size) << "chunk " << i;
    }
  }
}

// The known answers pin the gear table, the masks and the cut rule: if one of
// these changes, stored data would be chunked differently, which is a format
// change (docs/format/chunker.md). The numbers were computed once, and checked
// against an independent implementation written from the spec.
TEST(FastCdcTest, KnownAnswerDefaultParams) {
  const std::string data = XorshiftBytes(20 << 20, 1);
  const std::vector<size_t> expected = {1183959, 1088362, 941879,  928501,  1056030, 1171573,
                                        1532010, 1847189, 1160363, 1221025, 1551146, 1440804,
                                        815794,  1207729, 1074250, 737767,  1226348, 786791};
  EXPECT_EQ(ChunkLengths(data, kDefault), expected);
}

TEST(FastCdcTest, KnownAnswerSmallParams) {
  const std::string data = XorshiftBytes(20 << 20, 1);
  const std::vector<size_t> lengths = ChunkLengths(data, kSmall);
  ASSERT_EQ(lengths.size(), 2246u);
  const std::vector<size_t> first(lengths.begin(), lengths.begin() + 16);
  const std::vector<size_t> expected = {14330, 9600, 8547, 9995,  12062, 8992, 8587, 8965,
                                        5464,  8263, 8292, 12465, 8545,  9502, 8345, 8280};
  EXPECT_EQ(first, expected);
  EXPECT_EQ(lengths.back(), 4600u);
}

TEST(FastCdcTest, DeterministicAndIndependentOfAlignment) {
  const std::string data = XorshiftBytes(4 << 20, 7);
  const std::vector<size_t> a = ChunkLengths(data, kSmall);
  EXPECT_EQ(ChunkLengths(data, kSmall), a);
  const std::string shifted = "x" + data;  // same bytes at another address
  EXPECT_EQ(ChunkLengths(std::string_view(shifted).substr(1), kSmall), a);
}

TEST(FastCdcTest, BoundsRespected) {
  const std::string data = XorshiftBytes(24 << 20, 3);
  ExpectWithinBounds(ChunkLengths(data, kDefault), kDefault);
  ExpectWithinBounds(ChunkLengths(data, kSmall), kSmall);
}

TEST(FastCdcTest, ZerosCutAtMaxSize) {
  // Over a run of one byte value the fingerprint settles to a constant whose
  // high bits are not zero, so no content cut is ever found.
  const std::string zeros(20 << 20, '\0');
  const std::vector<size_t> lengths = ChunkLengths(zeros, kDefault);
  const std::vector<size_t> expected = {8u << 20, 8u << 20, 4u << 20};
  EXPECT_EQ(lengths, expected);
}

TEST(FastCdcTest, AverageNearTarget) {
  const std::string data = XorshiftBytes(64 << 20, 11);
  for (const ChunkerParams& params : {kDefault, kSmall}) {
    const std::vector<size_t> lengths = ChunkLengths(data, params);
    const double mean = static_cast<double>(data.size()) / static_cast<double>(lengths.size());
    EXPECT_GT(mean, 0.65 * params.avg_size) << "avg " << params.avg_size;
    EXPECT_LT(mean, 1.35 * params.avg_size) << "avg " << params.avg_size;
  }
}

// A chunk identified as a dedup store would: by a hash of its bytes.
std::vector<std::pair<size_t, size_t>> ChunkHashes(std::string_view data,
                                                   const ChunkerParams& params) {
  std::vector<std::pair<size_t, size_t>> out;  // (length, hash)
  for (size_t n : ChunkLengths(data, params)) {
    out.emplace_back(n, std::hash<std::string_view>()(data.substr(0, n)));
    data.remove_prefix(n);
  }
  return out;
}

// Inserting bytes changes only the chunks around the edit: everything before
// it is cut as before and the chunker finds the old boundaries again after it.
void ExpectResynchronises(const ChunkerParams& params) {
  const std::string before = XorshiftBytes(16 << 20, 5);
  const size_t edit = 8 << 20;
  const std::string after = before.substr(0, edit) + XorshiftBytes(100, 99) + before.substr(edit);
  const auto old_chunks = ChunkHashes(before, params);
  const auto new_chunks = ChunkHashes(after, params);

  size_t prefix = 0;
  while (prefix < old_chunks.size() && prefix < new_chunks.size() &&
         old_chunks[prefix] == new_chunks[prefix]) {
    prefix++;
  }
  size_t suffix = 0;
  while (suffix < old_chunks.size() - prefix && suffix < new_chunks.size() - prefix &&
         old_chunks[old_chunks.size() - 1 - suffix] == new_chunks[new_chunks.size() - 1 - suffix]) {
    suffix++;
  }
  // The common prefix reaches the chunk that holds the edit.
  size_t prefix_bytes = 0;
  for (size_t i = 0; i < prefix; i++) prefix_bytes += old_chunks[i].first;
  EXPECT_LE(prefix_bytes, edit);
  EXPECT_GT(prefix_bytes + params.max_size, edit);
  // At most the chunk holding the edit and its successor differ.
  EXPECT_LE(old_chunks.size() - prefix - suffix, 2u) << "avg " << params.avg_size;
  EXPECT_LE(new_chunks.size() - prefix - suffix, 2u) << "avg " << params.avg_size;
  EXPECT_GT(suffix, 0u);
}

TEST(FastCdcTest, ResynchronisesAfterInsertion) {
  ExpectResynchronises(kDefault);
  ExpectResynchronises(kSmall);
}

TEST(FastCdcTest, ShortDataIsOneChunk) {
  const std::string data = XorshiftBytes(kSmall.min_size, 2);
  EXPECT_EQ(NextChunkLength("", kSmall), 0u);
  EXPECT_EQ(NextChunkLength(std::string_view(data).substr(0, 1), kSmall), 1u);
  EXPECT_EQ(NextChunkLength(std::string_view(data).substr(0, 1000), kSmall), 1000u);
  EXPECT_EQ(NextChunkLength(data, kSmall), kSmall.min_size);
}

TEST(FastCdcTest, DegenerateParams) {
  const std::string data = XorshiftBytes(1 << 20, 4);
  // min == avg == max: fixed-size chunks.
  const ChunkerParams fixed{4096, 4096, 4096};
  const std::vector<size_t> lengths = ChunkLengths(data, fixed);
  ASSERT_EQ(lengths.size(), 256u);
  for (size_t n : lengths) EXPECT_EQ(n, 4096u);
  // avg < 4: the after-avg mask has no bits, so the first byte past avg cuts.
  EXPECT_EQ(NextChunkLength(data, ChunkerParams{1, 1, 16}), 2u);
  EXPECT_EQ(NextChunkLength(data, ChunkerParams{2, 2, 16}), 3u);
  // min == avg: only the after-avg mask applies.
  ExpectWithinBounds(ChunkLengths(data, ChunkerParams{8192, 8192, 65536}),
                     ChunkerParams{8192, 8192, 65536});
}

}  // namespace
}  // namespace tidemark
