// The binary COPY decoder on hand-built bytes: every kind, every chunking,
// malformed input. The round trip through a real server is in
// pg_values_test.cc.
#include "sources/postgres/pg_binary.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "records/typed_values.h"

namespace tidemark::pg {
namespace {

// ---- building binary COPY bytes ----

std::string Be16(uint16_t v) { return {char(v >> 8), char(v)}; }
std::string Be32(uint32_t v) { return Be16(uint16_t(v >> 16)) + Be16(uint16_t(v)); }
std::string Be64(uint64_t v) { return Be32(uint32_t(v >> 32)) + Be32(uint32_t(v)); }

const std::string kHeader = std::string("PGCOPY\n\377\r\n\0", 11) + Be32(0) + Be32(0);
const std::string kTrailer = Be16(0xFFFF);

// One field: its length and bytes; nullopt is NULL.
std::string Field(const std::optional<std::string>& bytes) {
  if (!bytes) return Be32(0xFFFFFFFF);
  return Be32(uint32_t(bytes->size())) + *bytes;
}

std::string Tuple(const std::vector<std::optional<std::string>>& fields) {
  std::string out = Be16(uint16_t(fields.size()));
  for (const auto& f : fields) out += Field(f);
  return out;
}

// numeric_send's bytes.
std::string Numeric(int16_t weight, uint16_t sign, int16_t dscale, std::vector<uint16_t> digits) {
  std::string out =
      Be16(uint16_t(digits.size())) + Be16(uint16_t(weight)) + Be16(sign) + Be16(uint16_t(dscale));
  for (uint16_t d : digits) out += Be16(d);
  return out;
}

std::string Array(uint32_t elem, std::vector<std::pair<int32_t, int32_t>> dims,
                  const std::vector<std::optional<std::string>>& elements) {
  bool has_null = false;
  for (const auto& e : elements) has_null |= !e;
  std::string out = Be32(uint32_t(dims.size())) + Be32(has_null) + Be32(elem);
  for (auto [len, lb] : dims) out += Be32(uint32_t(len)) + Be32(uint32_t(lb));
  for (const auto& e : elements) out += Field(e);
  return out;
}

// A catalog with the built-in types and a few user types:
//   90001 public.mood (enum), 90002 its array, 90003 public.posint (domain
//   over int4), 90004 its array, 90005 public.small (domain over posint),
//   90006 public.cash (domain over money: text-mapped).
const PgTypeCatalog& Catalog() {
  static const PgTypeCatalog* c = [] {
    std::vector<PgTypeRow> rows = PgTypeCatalog::BuiltinRows();
    const std::vector<PgTypeRow> user = {
        {90001, "public", "mood", "public.mood", 'e', 0, 0, 4, ','},
        {90002, "public", "_mood", "public._mood", 'b', 90001, 0, -1, ','},
        {90003, "public", "posint", "public.posint", 'd', 0, 23, 4, ','},
        {90004, "public", "_posint", "public._posint", 'b', 90003, 0, -1, ','},
        {90005, "public", "small", "public.small", 'd', 0, 90003, 4, ','},
        {90006, "public", "cash", "public.cash", 'd', 0, 790, 8, ','},
    };
    rows.insert(rows.end(), user.begin(), user.end());
    auto c = PgTypeCatalog::FromRows(rows);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return new PgTypeCatalog(std::move(c).value());
  }();
  return *c;
}

const PgType& Type(uint32_t oid) {
  const PgType* t = Catalog().Find(oid);
  EXPECT_NE(t, nullptr) << oid;
  return *t;
}

Value Decode(uint32_t oid, const std::string& bytes) {
  auto v = DecodeBinaryField(Type(oid), bytes);
  EXPECT_TRUE(v.ok()) << oid << ": " << v.status().ToString();
  return v.ok() ? *v : Value::Null();
}

Value Num(const char* text) { return MakeNumeric(text).value(); }

TEST(PgBinaryField, NumbersAndBooleans) {
  EXPECT_EQ(Decode(16, "\x01"), Value::Integer(1));
  EXPECT_EQ(Decode(16, std::string(1, '\0')), Value::Integer(0));
  EXPECT_EQ(Decode(21, Be16(0xFFFF)), Value::Integer(-1));
  EXPECT_EQ(Decode(23, Be32(0x80000000)), Value::Integer(INT32_MIN));
  EXPECT_EQ(Decode(20, Be64(0x8000000000000000)), Value::Integer(INT64_MIN));
  // float4 is widened exactly; float8 keeps every bit.
  EXPECT_EQ(Decode(700, Be32(std::bit_cast<uint32_t>(0.1f))), Value::Real(double(0.1f)));
  EXPECT_EQ(Decode(700, Be32(std::bit_cast<uint32_t>(-0.0f))), Value::Real(-0.0));
  EXPECT_EQ(Decode(701, Be64(std::bit_cast<uint64_t>(-0.0))), Value::Real(-0.0));
  EXPECT_EQ(Decode(701, Be64(0x7FF8000000000001)),
            Value::Real(std::bit_cast<double>(0x7FF8000000000001ull)));
  EXPECT_EQ(Decode(701, Be64(std::bit_cast<uint64_t>(-HUGE_VAL))), Value::Real(-HUGE_VAL));
  EXPECT_TRUE(std::isnan(Decode(700, Be32(0x7FC00000)).real()));
}

TEST(PgBinaryField, Numerics) {
  EXPECT_EQ(Decode(1700, Numeric(0, 0, 0, {})), Num("0"));
  EXPECT_EQ(Decode(1700, Numeric(0, 0, 2, {})), Num("0.00"));
  EXPECT_EQ(Decode(1700, Numeric(0, 0x4000, 3, {12, 3400})), Num("-12.340"));
  EXPECT_EQ(Decode(1700, Numeric(1, 0, 0, {1})), Num("10000"));
  EXPECT_EQ(Decode(1700, Numeric(-1, 0, 4, {1})), Num("0.0001"));
  EXPECT_EQ(Decode(1700, Numeric(-2, 0, 8, {12})), Num("0.00000012"));
  EXPECT_EQ(Decode(1700, Numeric(2, 0, 3, {1, 2345, 6789, 1230})), Num("123456789.123"));
  EXPECT_EQ(Decode(1700, Numeric(0, 0xC000, 0, {})), Num("NaN"));
  EXPECT_EQ(Decode(1700, Numeric(0, 0xD000, 0, {})), Num("Infinity"));
  EXPECT_EQ(Decode(1700, Numeric(0, 0xF000, 0, {})), Num("-Infinity"));
  // A leading zero digit group (not what PostgreSQL sends, but the same value).
  EXPECT_EQ(Decode(1700, Numeric(1, 0, 1, {0, 7, 5000})), Num("7.5"));
}

TEST(PgBinaryField, TextsAndBytes) {
  EXPECT_EQ(Decode(25, "a\tb\\c\n\xc3\xbc"), Value::Text("a\tb\\c\n\xc3\xbc"));
  EXPECT_EQ(Decode(1042, "ab  "), Value::Text("ab  "));
  EXPECT_EQ(Decode(19, ""), Value::Text(""));
  EXPECT_EQ(Decode(17, std::string("\0\1\0", 3)), Value::Blob(std::string("\0\1\0", 3)));
  EXPECT_EQ(Decode(17, ""), Value::Blob(""));
  EXPECT_EQ(Decode(114, "{\"a\" : 1}"), MakeJson("{\"a\" : 1}"));
  EXPECT_EQ(Decode(3802, "\x01{\"a\": 1}"), MakeJsonb("{\"a\": 1}"));
  EXPECT_EQ(Decode(790, "$1.00"), Value::Text("$1.00"));  // text-mapped: arrives as text
  const std::string u = "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x12\x34\x56\x78\x9a\xbc\xde\xf0";
  EXPECT_EQ(Decode(2950, u), MakeUuid(u).value());
}

TEST(PgBinaryField, DatesAndTimes) {
  EXPECT_EQ(Decode(1114, Be64(uint64_t(-1))), Value::Timestamp(-1));
  EXPECT_EQ(Decode(1184, Be64(0x7FFFFFFFFFFFFFFF)), Value::TimestampTz(INT64_MAX));
  EXPECT_EQ(Decode(1082, Be32(0x80000000)), Value::Date(INT32_MIN));
  EXPECT_EQ(Decode(1082, Be32(uint32_t(-730120))), Value::Date(-730120));
  EXPECT_EQ(Decode(1083, Be64(86400000000)), Value::Time(86400000000));
  // timetz: the zone is seconds west of UTC; our offset is east.
  EXPECT_EQ(Decode(1266, Be64(3600000000) + Be32(uint32_t(-19800))),
            Value::TimeTz(3600000000, 19800));
  EXPECT_EQ(Decode(1186, Be64(uint64_t(-5)) + Be32(uint32_t(-3)) + Be32(14)),
            Value::Interval(14, -3, -5));
}

TEST(PgBinaryField, Networks) {
  EXPECT_EQ(Decode(869, std::string("\x02\x18\x00\x04\x0a\x00\x00\x05", 8)),
            MakeInet(4, 24, std::string("\x0a\x00\x00\x05", 4)).value());
  EXPECT_EQ(Decode(650, std::string("\x02\x08\x01\x04\x0a\x00\x00\x00", 8)),
            MakeCidr(4, 8, std::string("\x0a\x00\x00\x00", 4)).value());
  std::string v6(16, '\0');
  v6[0] = '\x20';
  v6[15] = '\x01';
  EXPECT_EQ(Decode(869, std::string("\x03\x80\x00\x10", 4) + v6), MakeInet(6, 128, v6).value());
}

TEST(PgBinaryField, ArraysEnumsDomains) {
  ArrayValue a{"int4", {2, 2}, {0, -3}, {}};
  a.elements = {Value::Integer(1), Value::Null(), Value::Integer(3), Value::Integer(-4)};
  EXPECT_EQ(Decode(1007, Array(23, {{2, 0}, {2, -3}},
                               {Be32(1), std::nullopt, Be32(3), Be32(uint32_t(-4))})),
            MakeArray(a).value());
  EXPECT_EQ(Decode(1009, Array(25, {}, {})), MakeArray(ArrayValue{"text", {}, {}, {}}).value());
  EXPECT_EQ(Decode(1231, Array(1700, {{1, 1}}, {Numeric(0, 0xC000, 0, {})})),
            MakeArray1("numeric", {Num("NaN")}).value());
  const Value happy = MakeEnum("public.mood", "happy").value();
  EXPECT_EQ(Decode(90001, "happy"), happy);
  EXPECT_EQ(Decode(90002, Array(90001, {{2, 1}}, {"happy", std::nullopt})),
            MakeArray1("public.mood", {happy, Value::Null()}).value());
  const Value five = MakeDomain("public.posint", Value::Integer(5)).value();
  EXPECT_EQ(Decode(90003, Be32(5)), five);
  EXPECT_EQ(Decode(90004, Array(90003, {{1, 1}}, {Be32(5)})),
            MakeArray1("public.posint", {five}).value());
  // A domain over a domain names the outer one and holds the base value.
  EXPECT_EQ(Decode(90005, Be32(5)), MakeDomain("public.small", Value::Integer(5)).value());
  EXPECT_EQ(Type(90006).wire, PgWire::kTextMapped);
  EXPECT_EQ(Decode(90006, "$5.00"), Value::Text("$5.00"));
}

TEST(PgBinaryField, MalformedFieldsAreCorruption) {
  const std::vector<std::pair<uint32_t, std::string>> bad = {
      {16, "\x02"},
      {23, "abc"},
      {20, "abcdefg"},
      {1700, Numeric(0, 0, 0, {10000})},
      {1700, Numeric(0, 0x1234, 0, {1})},
      {1700, Numeric(0, 0, 0, {1, 5})},     // a digit beyond the scale
      {1700, Numeric(0, 0xC000, 0, {1})},   // NaN with digits
      {1700, Numeric(0, 0, 0, {1}) + "x"},  // length mismatch
      {1083, Be64(86400000001)},
      {1266, Be64(0) + Be32(57600)},
      {3802, "\x02{}"},
      {3802, ""},
      {2950, "short"},
      {869, std::string("\x04\x20\x00\x04\x01\x02\x03\x04", 8)},
      {869, std::string("\x02\x20\x01\x04\x01\x02\x03\x04", 8)},  // cidr flag in inet
      {650, std::string("\x02\x08\x01\x04\x0a\x00\x00\x01", 8)},  // host bits in cidr
      {1007, Array(25, {{1, 1}}, {"x"})},                         // wrong element type
      {1007, Array(23, {{0, 1}}, {})},                            // zero length
      {1007, Array(23, {{2, 1}}, {Be32(1)})},                     // too few elements
      {1007, Array(23, {{1, 1}}, {Be32(1)}) + "x"},               // bytes after them
      {1007, Array(23, {{1, 0x7FFFFFFF}, {1, 1}}, {Be32(1)}) + "\x01"},
      {1007, Array(23, {{1 << 20, 1}, {1 << 20, 1}}, {})},  // too many cells
      {90003, "abc"},
  };
  for (const auto& [oid, bytes] : bad) {
    auto v = DecodeBinaryField(Type(oid), bytes);
    EXPECT_TRUE(v.status().IsCorruption()) << oid << " " << v.status().ToString();
  }
}

// ---- the stream ----

struct Sample {
  std::vector<const PgType*> cols;
  std::string bytes;
  std::vector<std::vector<Value>> rows;
};

Sample ThreeRows() {
  Sample s;
  s.cols = {&Type(23), &Type(25), &Type(1700), &Type(1007)};
  s.bytes = kHeader;
  for (int i = 0; i < 3; i++) {
    s.bytes += Tuple({Be32(uint32_t(i)), std::string(size_t(i) * 7, 'x'),
                      i == 1 ? std::nullopt : std::optional(Numeric(0, 0, 1, {uint16_t(i), 5000})),
                      Array(23, {{1, 1}}, {Be32(uint32_t(i))})});
    s.rows.push_back({Value::Integer(i), Value::Text(std::string(size_t(i) * 7, 'x')),
                      i == 1 ? Value::Null() : Num(i == 0 ? "0.5" : "2.5"),
                      MakeArray1("int4", {Value::Integer(i)}).value()});
  }
  s.bytes += kTrailer;
  return s;
}

Status DecodeChunks(const Sample& s, const std::vector<std::string_view>& chunks,
                    std::vector<std::vector<Value>>* rows) {
  BinaryCopyDecoder d(s.cols, {"id", "name", "amount", "tags"});
  for (std::string_view c : chunks) {
    TM_RETURN_IF_ERROR(d.Feed(c, [&](std::vector<Value>& row) {
      rows->push_back(row);
      return Status::OK();
    }));
  }
  return d.Finish();
}

TEST(PgBinaryStream, DecodesInAnyChunking) {
  const Sample s = ThreeRows();
  const std::string_view all = s.bytes;
  for (size_t cut = 0; cut <= all.size(); cut++) {
    std::vector<std::vector<Value>> rows;
    Status st = DecodeChunks(s, {all.substr(0, cut), all.substr(cut)}, &rows);
    ASSERT_TRUE(st.ok()) << cut << ": " << st.ToString();
    ASSERT_EQ(rows, s.rows) << cut;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < all.size(); i++) bytes.push_back(all.substr(i, 1));
  std::vector<std::vector<Value>> rows;
  ASSERT_TRUE(DecodeChunks(s, bytes, &rows).ok());
  EXPECT_EQ(rows, s.rows);
}

TEST(PgBinaryStream, EveryTruncationIsCorruptionAtTheEnd) {
  const Sample s = ThreeRows();
  for (size_t cut = 0; cut < s.bytes.size(); cut++) {
    std::vector<std::vector<Value>> rows;
    Status st = DecodeChunks(s, {std::string_view(s.bytes).substr(0, cut)}, &rows);
    ASSERT_TRUE(st.IsCorruption()) << cut;
    EXPECT_NE(st.message().find("ends before"), std::string::npos) << st.message();
  }
}

std::string Message(const Sample& s, const std::string& bytes) {
  std::vector<std::vector<Value>> rows;
  Sample t = s;
  t.bytes = bytes;
  Status st = DecodeChunks(t, {bytes}, &rows);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  return st.message();
}

TEST(PgBinaryStream, MalformedStreamsNameColumnAndOffset) {
  const Sample s = ThreeRows();
  const size_t row0 = kHeader.size();
  EXPECT_EQ(Message(s, "PGCOPY\n\377\r\n\1" + s.bytes.substr(11)),
            "binary COPY data at offset 0: not binary COPY data (bad signature)");
  std::string oids = s.bytes;
  oids[12] = 1;  // flag bit 16
  EXPECT_EQ(Message(s, oids), "binary COPY data at offset 11: the data holds OIDs");
  EXPECT_EQ(Message(s, kHeader + Tuple({Be32(1)})),
            "binary COPY data at offset 19: a row of 1 fields, not 4");
  // Row 0, column 2 ("name"): length -2.
  std::string len = s.bytes;
  const size_t name_at = row0 + 2 + 8;
  len.replace(name_at, 4, Be32(uint32_t(-2)));
  EXPECT_EQ(Message(s, len), "binary COPY data: column 2 \"name\" (text) at offset " +
                                 std::to_string(name_at) + ": field length -2");
  // Row 0, column 3 ("amount"): a digit of 10000.
  std::string digit = s.bytes;
  const size_t amount_at = name_at + 4;
  digit.replace(amount_at + 4 + 8 + 2, 2, Be16(10000));
  EXPECT_EQ(Message(s, digit), "binary COPY data: column 3 \"amount\" (numeric) at offset " +
                                   std::to_string(amount_at + 4) + ": numeric digit 10000 > 9999");
  EXPECT_EQ(
      Message(s, s.bytes + "x"),
      "binary COPY data at offset " + std::to_string(s.bytes.size()) + ": data after the trailer");
}

TEST(PgBinaryStream, StopsAtTheCallbacksError) {
  const Sample s = ThreeRows();
  BinaryCopyDecoder d(s.cols);
  int seen = 0;
  Status st = d.Feed(s.bytes, [&](std::vector<Value>&) {
    return ++seen == 2 ? Status::IOError("disk full") : Status::OK();
  });
  EXPECT_EQ(st.code(), Status::Code::kIOError);
  EXPECT_EQ(seen, 2);
}

TEST(PgBinaryStream, EmptyTableAndHeaderExtension) {
  Sample s = ThreeRows();
  std::string ext = std::string("PGCOPY\n\377\r\n\0", 11) + Be32(1u << 20) + Be32(3) + "abc";
  std::vector<std::vector<Value>> rows;
  ASSERT_TRUE(DecodeChunks(s, {ext + kTrailer}, &rows).ok());
  EXPECT_TRUE(rows.empty());
}

}  // namespace
}  // namespace tidemark::pg
