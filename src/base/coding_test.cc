#include "base/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace tidemark {
namespace {

TEST(CodingTest, FixedRoundTrip) {
  std::string s;
  PutFixed16(&s, 0xBEEF);
  PutFixed32(&s, 0xDEADBEEF);
  PutFixed64(&s, 0x0123456789ABCDEFull);
  ASSERT_EQ(s.size(), 14u);
  EXPECT_EQ(static_cast<unsigned char>(s[0]), 0xEF);  // little-endian
  ByteReader r(s, "test");
  uint16_t a;
  uint32_t b;
  uint64_t c;
  ASSERT_TRUE(r.Fixed16("a", &a).ok());
  ASSERT_TRUE(r.Fixed32("b", &b).ok());
  ASSERT_TRUE(r.Fixed64("c", &c).ok());
  EXPECT_EQ(a, 0xBEEF);
  EXPECT_EQ(b, 0xDEADBEEFu);
  EXPECT_EQ(c, 0x0123456789ABCDEFull);
  EXPECT_TRUE(r.ExpectEnd().ok());
}

TEST(CodingTest, VarintRoundTripAndLengths) {
  const uint64_t values[] = {0, 1, 127, 128, 300, 1ull << 35, std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values) {
    std::string s;
    PutVarint64(&s, v);
    ByteReader r(s, "v");
    uint64_t got;
    ASSERT_TRUE(r.Varint64("v", &got).ok());
    EXPECT_EQ(got, v);
    EXPECT_TRUE(r.ExpectEnd().ok());
  }
  std::string s;
  PutVarint64(&s, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s.size(), 10u);
}

TEST(CodingTest, ZigzagRoundTrip) {
  const int64_t values[] = {
      0, -1, 1, -64, 64, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (int64_t v : values) {
    std::string s;
    PutVarsint64(&s, v);
    ByteReader r(s, "z");
    int64_t got;
    ASSERT_TRUE(r.Varsint64("z", &got).ok());
    EXPECT_EQ(got, v);
  }
}

TEST(CodingTest, TruncationNamesObjectFieldAndOffset) {
  std::string s;
  PutFixed32(&s, 7);
  s.push_back('\x80');  // varint continuation with nothing after
  ByteReader r(s, "index 3fa1");
  uint32_t x;
  ASSERT_TRUE(r.Fixed32("version", &x).ok());
  uint64_t v;
  Status st = r.Varint64("blob_count", &v);
  ASSERT_TRUE(st.IsCorruption());
  EXPECT_EQ(st.message(), "index 3fa1: offset 4: truncated varint (field blob_count)");
}

TEST(CodingTest, OverlongVarintRejected) {
  std::string s(11, '\xff');
  ByteReader r(s, "x");
  uint64_t v;
  EXPECT_TRUE(r.Varint64("f", &v).IsCorruption());
  std::string ten(9, '\xff');
  ten.push_back('\x02');  // 10th byte may only carry one bit
  ByteReader r2(ten, "x");
  EXPECT_TRUE(r2.Varint64("f", &v).IsCorruption());
}

TEST(CodingTest, LengthPrefixedEnforcesLimitAndBounds) {
  std::string s;
  PutLengthPrefixed(&s, "hello");
  {
    ByteReader r(s, "x");
    std::string_view got;
    ASSERT_TRUE(r.LengthPrefixed("name", 16, &got).ok());
    EXPECT_EQ(got, "hello");
  }
  {
    ByteReader r(s, "x");
    std::string_view got;
    Status st = r.LengthPrefixed("name", 4, &got);
    EXPECT_TRUE(st.IsCorruption());
    EXPECT_NE(st.message().find("exceeds limit 4"), std::string::npos);
  }
  {
    std::string t;
    PutVarint64(&t, 1000);
    t += "abc";
    ByteReader r(t, "x");
    std::string_view got;
    EXPECT_TRUE(r.LengthPrefixed("name", 4096, &got).IsCorruption());
  }
}

TEST(CodingTest, ExpectEndReportsTrailingBytes) {
  ByteReader r("ab", "cfg");
  Status st = r.ExpectEnd();
  EXPECT_EQ(st.message(), "cfg: offset 0: 2 unexpected trailing bytes");
}

}  // namespace
}  // namespace tidemark
