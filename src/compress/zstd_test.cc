#include "compress/zstd.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

TEST(ZstdTest, RoundTrip) {
  std::string data;
  for (int i = 0; i < 10000; i++) data += "record " + std::to_string(i % 97) + "\n";
  auto c = ZstdCompress(data, 3);
  ASSERT_TRUE(c.ok());
  EXPECT_LT(c->size(), data.size() / 5);
  auto d = ZstdDecompress(*c, data.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, data);
  auto empty = ZstdCompress("", 3);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*ZstdDecompress(*empty, 0), "");
}

TEST(ZstdTest, RejectsBadFramesAndLimits) {
  auto c = ZstdCompress(std::string(1000, 'x'), 3);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(ZstdDecompress(*c, 999).status().IsCorruption());
  EXPECT_TRUE(ZstdDecompress("garbage!", 100).status().IsCorruption());
  std::string truncated = c->substr(0, c->size() - 2);
  EXPECT_TRUE(ZstdDecompress(truncated, 1000).status().IsCorruption());
  auto trailing = ZstdDecompress(*c + "x", 1000);  // one frame, exactly
  EXPECT_EQ(trailing.status().message(), "1 bytes after the zstd frame");
  EXPECT_TRUE(ZstdCompress("x", 0).status().IsInvalidArgument());
}

}  // namespace
}  // namespace tidemark
