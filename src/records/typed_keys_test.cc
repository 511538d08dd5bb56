// Key order of the v2 kinds (records.md §4.2): encoded keys sorted as bytes
// come out in the order PostgreSQL sorts the values, and decode to them.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "base/hex.h"
#include "records/encoding.h"
#include "records/typed_values.h"

namespace tidemark {
namespace {

Value Num(std::string_view text) { return *MakeNumeric(text); }

std::string Key(const std::vector<Value>& key) {
  std::string out;
  EncodeKey(key, &out);
  return out;
}

// Each key must encode to bytes strictly greater than the one before, and
// decode back to itself.
void ExpectAscending(const std::vector<std::vector<Value>>& keys) {
  for (size_t i = 0; i < keys.size(); i++) {
    const std::string k = Key(keys[i]);
    std::vector<Value> back;
    Status s = DecodeKey(k, &back);
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString() << " " << HexEncode(k);
    EXPECT_EQ(back, keys[i]) << i;
    if (i > 0) {
      EXPECT_LT(Key(keys[i - 1]), k) << "keys " << i - 1 << " and " << i;
    }
  }
  // And sorting shuffled encodings gives the same order.
  std::vector<std::string> enc;
  for (const auto& k : keys) enc.push_back(Key(k));
  std::vector<std::string> sorted = enc;
  std::shuffle(sorted.begin(), sorted.end(), std::mt19937_64(7));
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, enc);
}

std::vector<std::vector<Value>> Singles(const std::vector<Value>& values) {
  std::vector<std::vector<Value>> out;
  for (const Value& v : values) out.push_back({v});
  return out;
}

TEST(TypedKeys, NumericOrdersNumerically) {
  std::vector<Value> v;
  for (const char* t : {"-Infinity", "-123456789012345678901234567890",
                        "-1000",     "-999.99",
                        "-10",       "-9.5",
                        "-1.5",      "-1.25",
                        "-1.2",      "-1",
                        "-0.5",      "-0.05",
                        "-0.0012",   "-0.001",
                        "0",         "0.001",
                        "0.0012",    "0.05",
                        "0.5",       "1",
                        "1.2",       "1.25",
                        "1.5",       "9.5",
                        "10",        "999.99",
                        "1000",      "123456789012345678901234567890",
                        "Infinity",  "NaN"}) {
    v.push_back(Num(t));
  }
  ExpectAscending(Singles(v));
}

// Random decimals against an exact comparison of fixed-width digit strings.
TEST(TypedKeys, NumericRandomOrder) {
  std::mt19937_64 rng(42);
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; i++) s.push_back(char('0' + rng() % 10));
    return s;
  };
  struct Item {
    std::string text, fixed;  // fixed: sign class, then 30 + 30 digits (complemented if < 0)
  };
  std::vector<Item> items;
  for (int i = 0; i < 2000; i++) {
    std::string ip = digits(1 + rng() % 25), fp = digits(rng() % 25);
    ip.erase(0, std::min(ip.find_first_not_of('0'), ip.size() - 1));
    const bool neg = rng() % 2;
    std::string text = ip + (fp.empty() ? "" : "." + fp);
    std::string fixed =
        std::string(30 - ip.size(), '0') + ip + fp + std::string(30 - fp.size(), '0');
    const bool zero = fixed.find_first_not_of('0') == std::string::npos;
    if (neg && !zero) {
      text = "-" + text;
      for (char& c : fixed) c = char('9' - (c - '0'));
    }
    items.push_back({text, std::string(1, zero ? '1' : (neg ? '0' : '2')) + fixed});
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.fixed < b.fixed; });
  for (size_t i = 1; i < items.size(); i++) {
    const std::string a = Key({Num(items[i - 1].text)}), b = Key({Num(items[i].text)});
    if (items[i - 1].fixed == items[i].fixed) continue;  // equal values, maybe other scales
    EXPECT_LT(a, b) << items[i - 1].text << " vs " << items[i].text;
  }
}

// Equal values with other scales (PostgreSQL: 1.5 = 1.50) leave the order to
// the next component: the scale is in the trailing residuals.
TEST(TypedKeys, NumericScaleDoesNotOrderBeforeLaterComponents) {
  ExpectAscending({{Num("1.50"), Value::Text("a")},
                   {Num("1.5"), Value::Text("b")},
                   {Num("1.500"), Value::Text("c")},
                   {Num("2"), Value::Text("a")}});
  EXPECT_NE(Key({Num("1.5")}), Key({Num("1.50")}));
}

TEST(TypedKeys, TimesOrderByInstant) {
  ExpectAscending(
      Singles({Value::TimestampTz(INT64_MIN), Value::TimestampTz(-1), Value::TimestampTz(0),
               Value::TimestampTz(1), Value::TimestampTz(INT64_MAX)}));
  ExpectAscending(Singles({Value::Timestamp(INT64_MIN), Value::Timestamp(-5), Value::Timestamp(7),
                           Value::Timestamp(INT64_MAX)}));
  ExpectAscending(Singles({Value::Date(INT32_MIN), Value::Date(-1), Value::Date(0),
                           Value::Date(365), Value::Date(INT32_MAX)}));
  ExpectAscending(Singles({Value::Time(0), Value::Time(1), Value::Time(kMicrosPerDay)}));
  // timetz: by the time in UTC, then larger offsets (east) first, as PostgreSQL does.
  const int64_t h = 3600000000;
  ExpectAscending(
      Singles({Value::TimeTz(11 * h, 0), Value::TimeTz(13 * h, 3600), Value::TimeTz(12 * h, 0),
               Value::TimeTz(11 * h, -3600), Value::TimeTz(12 * h, -3600)}));
}

TEST(TypedKeys, IntervalOrdersBySpan) {
  const int64_t day = kMicrosPerDay;
  ExpectAscending(
      Singles({Value::Interval(INT32_MIN, INT32_MIN, INT64_MIN), Value::Interval(-1, 0, 0),
               Value::Interval(0, -1, 0), Value::Interval(0, 0, -1), Value::Interval(0, 0, 0),
               Value::Interval(0, 0, 3600000000), Value::Interval(0, 1, 0),
               Value::Interval(0, 29, day), Value::Interval(1, 0, 1), Value::Interval(12, 0, 0),
               Value::Interval(INT32_MAX, INT32_MAX, INT64_MAX)}));
  // '1 mon' = '30 days' = '29 days 24:00' in PostgreSQL: the next component decides.
  ExpectAscending({{Value::Interval(0, 30, 0), Value::Integer(1)},
                   {Value::Interval(1, 0, 0), Value::Integer(2)},
                   {Value::Interval(0, 29, day), Value::Integer(3)}});
}

TEST(TypedKeys, UuidOrdersBytewise) {
  std::vector<Value> v;
  for (const char* hex : {"00000000000000000000000000000000", "00000000000000000000000000000001",
                          "0fffffffffffffffffffffffffffffff", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
                          "ffffffffffffffffffffffffffffffff"}) {
    std::string b;
    HexDecode(hex, &b);
    v.push_back(*MakeUuid(b));
  }
  ExpectAscending(Singles(v));
}

Value V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, int bits) {
  return *MakeInet(4, bits, std::string{char(a), char(b), char(c), char(d)});
}

TEST(TypedKeys, InetOrdersAsPostgresNetworkCmp) {
  // Family, then the network part, then the prefix length, then the address.
  ExpectAscending(
      Singles({V4(9, 255, 0, 0, 8), V4(10, 1, 0, 0, 8), V4(10, 255, 0, 0, 8), V4(10, 0, 0, 0, 9),
               V4(10, 0, 0, 0, 16), V4(10, 0, 0, 1, 32), V4(10, 0, 1, 0, 24), V4(10, 128, 0, 0, 9),
               V4(11, 0, 0, 0, 8), *MakeInet(6, 0, std::string(16, '\0')),
               *MakeInet(6, 128, std::string(15, '\0') + "\x01")}));
  ExpectAscending(Singles({*MakeCidr(4, 8, std::string("\x0a\0\0\0", 4)),
                           *MakeCidr(4, 16, std::string("\x0a\0\0\0", 4)),
                           *MakeCidr(4, 16, std::string("\x0a\x01\0\0", 4))}));
}

Value Ints(std::vector<Value> e) { return *MakeArray1("int4", std::move(e)); }

TEST(TypedKeys, ArraysOrderElementwiseThenByShape) {
  const Value n = Value::Null();
  auto i = [](int64_t x) { return Value::Integer(x); };
  ArrayValue grid;
  grid.element_type = "int4";
  grid.lengths = {2, 2};
  grid.lower_bounds = {1, 1};
  grid.elements = {i(1), i(2), i(3), i(4)};
  ArrayValue shifted = grid;
  shifted.lengths = {4};
  shifted.lower_bounds = {0};
  ArrayValue flat = shifted;
  flat.lower_bounds = {1};
  // PostgreSQL: elements first (NULL after every value), a prefix first,
  // then the number of dimensions, their lengths, their lower bounds.
  ExpectAscending(
      Singles({Ints({}), Ints({i(-5)}), Ints({i(1)}), Ints({i(1), i(2)}), Ints({i(1), i(2), i(3)}),
               *MakeArray(shifted), *MakeArray(flat), *MakeArray(grid), Ints({i(1), i(2), n}),
               Ints({i(1), i(3)}), Ints({i(1), n}), Ints({n})}));
  ExpectAscending(Singles({*MakeArray1("numeric", {Num("1.50"), Num("2")}),
                           *MakeArray1("numeric", {Num("1.5"), Num("3")})}));
  ExpectAscending(
      Singles({*MakeArray1("text", {Value::Text("")}), *MakeArray1("text", {Value::Text("a")}),
               *MakeArray1("text", {Value::Text("a"), Value::Text("")}),
               *MakeArray1("text", {Value::Text("b")})}));
}

TEST(TypedKeys, EnumsDomainsAndJsonOrderByTheirBytes) {
  ExpectAscending(
      Singles({*MakeEnum("mood", "happy"), *MakeEnum("mood", "ok"), *MakeEnum("mood", "sad")}));
  ExpectAscending(Singles(
      {*MakeDomain("posint", Value::Integer(2)), *MakeDomain("posint", Value::Integer(10))}));
  ExpectAscending(Singles({MakeJsonb("[]"), MakeJsonb("{\"a\": 1}"), MakeJsonb("{\"b\": 0}")}));
  ExpectAscending(Singles({MakeJson(std::string("\0", 1)), MakeJson("1"), MakeJson("10")}));
}

TEST(TypedKeys, MixedKeysWithRealsAndResiduals) {
  ExpectAscending({{Value::Integer(1), Num("1.0"), Value::Real(0.5)},
                   {Value::Integer(1), Num("1"), Value::Real(1.5)},
                   {Value::Real(1.5), Value::Interval(1, 0, 0), Value::Integer(0)},
                   {Value::Integer(2), Value::Interval(0, 30, 0), Value::Integer(1)}});
}

TEST(TypedKeys, SqliteKeysKeepTheirV1Bytes) {
  EXPECT_EQ(HexEncode(Key({Value::Integer(1), Value::Text("a")})),
            "15bff0000000000000"
            "8000000000000000"
            "25"
            "610000");
}

// Fuzz finding: a domain whose type name ends the key read its base
// component's tag past the end.
TEST(FuzzFindings, DomainWithoutBaseIsRejected) {
  std::vector<Value> out;
  EXPECT_TRUE(DecodeKey(std::string("\x4c"
                                    "d\0\0",
                                    4),
                        &out)
                  .IsCorruption());
}

// Fuzz finding: an interval span near 2^127 overflowed when its months and
// days were taken off.
TEST(FuzzFindings, IntervalSpanOutOfRangeIsRejected) {
  std::string k = Key({Value::Interval(-14, 0, 0)});
  for (int i = 1; i <= 16; i++) k[i] = '\xff';
  std::vector<Value> out;
  EXPECT_TRUE(DecodeKey(k, &out).IsCorruption());
}

TEST(TypedKeys, DecodeRejectsNonCanonicalBytes) {
  const std::string k = Key({Num("1.50")});
  std::vector<Value> out;
  // Residuals missing, scale smaller than the digits, trailing pair digits 00.
  EXPECT_TRUE(DecodeKey(k.substr(0, k.find('\x02', 1)), &out).IsCorruption());
  std::string small_scale = k;
  small_scale.back() = '\0';
  EXPECT_TRUE(DecodeKey(small_scale, &out).IsCorruption());
  std::vector<std::string> bad = {
      std::string("\x40\x07", 2),                                           // numeric class 7
      std::string("\x40\x04\x80\0\0\x01\x01\x00\x02\x00", 10),              // last pair "00"
      std::string("\x44") + std::string(8, '\xff'),                         // time beyond 24h
      std::string("\x4d\x05", 2),                                           // inet family 5
      std::string("\x4a\x00\x00\x00\x07", 5),                               // 7 dims
      std::string("\x4f"),                                                  // unknown tag
      std::string("\x4c") + std::string("d\0\0", 3) + std::string("\x05"),  // domain of NULL
      std::string("\x4a") + std::string("t\0\0", 3) + "\x4a",               // array in array
  };
  for (const std::string& b : bad) {
    EXPECT_TRUE(DecodeKey(b, &out).IsCorruption()) << HexEncode(b);
  }
  // A cidr whose network bytes disagree with its address is not canonical.
  std::string c = Key({*MakeCidr(4, 8, std::string("\x0a\0\0\0", 4))});
  c[2] = '\x0b';
  EXPECT_TRUE(DecodeKey(c, &out).IsCorruption());
}

}  // namespace
}  // namespace tidemark
