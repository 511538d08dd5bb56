#include <gtest/gtest.h>

#include "base/ascii.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/json.h"
#include "base/progress.h"
#include "base/result.h"
#include "base/status.h"

namespace tidemark {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  TM_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, CodesAndContext) {
  EXPECT_TRUE(Status::OK().ok());
  Status s = Status::Corruption("bad magic").WithContext("pack 3f");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), "pack 3f: bad magic");
  EXPECT_EQ(s.ToString(), "Corruption: pack 3f: bad magic");
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_TRUE(Quarter(6).status().IsInvalidArgument());
  EXPECT_TRUE(Quarter(3).status().IsInvalidArgument());
}

TEST(HexTest, RoundTripAndRejects) {
  std::string raw("\x00\xff\x10", 3), back;
  EXPECT_EQ(HexEncode(raw), "00ff10");
  ASSERT_TRUE(HexDecode("00FF10", &back));
  EXPECT_EQ(back, raw);
  EXPECT_FALSE(HexDecode("abc", &back));
  EXPECT_FALSE(HexDecode("zz", &back));
}

TEST(FormatTest, BytesAndDurations) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatDuration(0.045), "45ms");
  EXPECT_EQ(FormatDuration(3.25), "3.2s");
  EXPECT_EQ(FormatDuration(3725), "1h02m");
}

TEST(ClockTest, FormatAndParseUtc) {
  int64_t t;
  ASSERT_TRUE(ParseTimeUtc("2026-11-21T23:52:07Z", &t));
  EXPECT_EQ(FormatTimeUtc(t), "2026-11-21T23:52:07Z");
  ASSERT_TRUE(ParseTimeUtc("2026-11-21", &t));
  EXPECT_EQ(FormatTimeUtc(t), "2026-11-21T00:00:00Z");
  EXPECT_FALSE(ParseTimeUtc("yesterday", &t));
  EXPECT_FALSE(ParseTimeUtc("2026-13-01", &t));
  FakeClock clock(t);
  clock.Advance(1000000);
  EXPECT_EQ(FormatTimeUtc(clock.NowMicros()), "2026-11-21T00:00:01Z");
  ASSERT_TRUE(ParseTimeUtc("2026-11-21 08:30", &t));
  EXPECT_EQ(FormatTimeUtc(t), "2026-11-21T08:30:00Z");
  EXPECT_FALSE(ParseTimeUtc("2026-11-21 08:30x", &t));
  EXPECT_FALSE(ParseTimeUtc("2026-11-21x", &t));
  EXPECT_FALSE(ParseTimeUtc("2026-11-21T8:30", &t));
}

TEST(JsonTest, NestedAndEscaped) {
  JsonWriter w;
  w.BeginObject().Field("a", 1).Key("list").BeginArray().String("x\"y\n").Null().EndArray();
  w.Field("ok", true).Key("bad").String(std::string_view("\xff", 1)).EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"list":["x\"y\n",null],"ok":true,"bad":"\u00ff"})");
  EXPECT_EQ(JsonWriter::Quote("é"), "\"é\"");
}

TEST(ProgressTest, RendersRateAndEta) {
  FakeClock clock(0);
  Progress p("check", 1000, Progress::Unit::kCount, /*enabled=*/false, &clock);
  p.Add(250);
  clock.Advance(1000000);
  EXPECT_EQ(p.Render(), "check  250 / 1000  25%  250/s  ETA 3.0s");
  p.Finish();
  p.Finish();  // idempotent
}

}  // namespace
}  // namespace tidemark

// A message quoting a name from untrusted data (a table called "a\nb") stays
// one line: found by the bad-inputs campaign (check's damaged lines).
TEST(OneLineTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(tidemark::OneLine("plain text: ok"), "plain text: ok");
  EXPECT_EQ(tidemark::OneLine("a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
  EXPECT_EQ(tidemark::OneLine(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(tidemark::OneLine("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 is kept
}

namespace tidemark {
namespace {

TEST(AsciiTest, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Orders_ÄB"), "orders_Äb");
  EXPECT_TRUE(EqualsIgnoreCase("Customers", "cUSTOMERS"));
  EXPECT_FALSE(EqualsIgnoreCase("Ä", "ä"));  // UTF-8 bytes compare exactly
  EXPECT_FALSE(EqualsIgnoreCase("id", "ids"));
  EXPECT_TRUE(EqualsIgnoreCase(std::vector<std::string>{"A", "b"}, {"a", "B"}));
  EXPECT_FALSE(EqualsIgnoreCase(std::vector<std::string>{"a"}, {"a", "b"}));
}

}  // namespace
}  // namespace tidemark
