// The v2 value kinds: builders, record encoding, text and JSON forms
// (records.md §1.2, §2, §7). Key order: typed_keys_test.cc.
#include "records/typed_values.h"

#include <gtest/gtest.h>

#include <map>

#include "base/coding.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "records/encoding.h"
#include "records/value_json.h"

namespace tidemark {
namespace {

Value Num(std::string_view text) {
  auto v = MakeNumeric(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : Value();
}

Value Uuid(std::string_view hex) {
  std::string bytes;
  EXPECT_TRUE(HexDecode(hex, &bytes));
  return *MakeUuid(bytes);
}

Value Inet4(int a, int b, int c, int d, int bits, bool cidr = false) {
  std::string addr = {char(a), char(b), char(c), char(d)};
  auto v = cidr ? MakeCidr(4, bits, addr) : MakeInet(4, bits, addr);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

Value IntArray(std::vector<Value> elements) { return *MakeArray1("int4", std::move(elements)); }

class MapStore : public LargeValueStore {
 public:
  Result<LargeValue> Store(std::string_view content) override {
    LargeValue v;
    v.length = content.size();
    std::string id = Sha256(content);
    chunks_[id] = std::string(content);
    v.chunk_ids.push_back(id);
    return v;
  }
  Result<std::string> Load(const LargeValue& ref) override { return chunks_.at(ref.chunk_ids[0]); }
  std::map<std::string, std::string> chunks_;
};

// One value of every v2 kind.
Record EveryKind() {
  ArrayValue grid;
  grid.element_type = "text";
  grid.lengths = {2, 2};
  grid.lower_bounds = {0, 1};
  grid.elements = {Value::Text("a"), Value::Null(), Value::Text("c d"), Value::Text("")};
  return {Num("-12.3400"),
          Num("NaN"),
          Value::TimestampTz(-1),
          Value::Timestamp(INT64_MAX),
          Value::Date(-730119),
          Value::Time(kMicrosPerDay),
          Value::TimeTz(45296789000, -(3 * 3600 + 30 * 60)),
          Value::Interval(-14, 3, -3723500000),
          Uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"),
          MakeJson("{\"a\": [1, 2]}"),
          MakeJsonb("{\"a\": [1, 2]}"),
          *MakeArray(grid),
          *MakeEnum("public.mood", "happy"),
          *MakeDomain("public.us_zip", Value::Text("02134")),
          Inet4(192, 168, 0, 1, 24),
          Inet4(10, 0, 0, 0, 8, true),
          Value::Blob(std::string("\0\xff", 2))};
}

TEST(TypedValues, NumericAcceptsOnlyPostgresOutputForm) {
  for (const char* ok : {"0", "-1", "12.340", "0.000", "-0.5", "NaN", "Infinity", "-Infinity",
                         "100", "123456789012345678901234567890.000000000000000000001"}) {
    EXPECT_TRUE(MakeNumeric(ok).ok()) << ok;
  }
  for (const char* bad : {"", "-", "+1", "01", "1.", ".5", "-0", "-0.00", "1e5", "nan", "1,5", " 1",
                          "--1", "1.2.3", "inf"}) {
    EXPECT_TRUE(MakeNumeric(bad).status().IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(MakeNumeric(std::string(131073, '9')).status().IsInvalidArgument());
  EXPECT_TRUE(MakeNumeric("0." + std::string(16384, '1')).status().IsInvalidArgument());
  EXPECT_TRUE(MakeNumeric("0." + std::string(16383, '1')).ok());
}

TEST(TypedValues, BuildersCheckTheirInput) {
  EXPECT_FALSE(MakeUuid("short").ok());
  EXPECT_FALSE(MakeCidr(4, 8, std::string("\x0a\x01\x00\x00", 4)).ok());  // host bits set
  EXPECT_TRUE(MakeInet(4, 8, std::string("\x0a\x01\x00\x00", 4)).ok());   // inet keeps them
  EXPECT_FALSE(MakeInet(4, 33, std::string(4, '\0')).ok());
  EXPECT_FALSE(MakeInet(5, 8, std::string(4, '\0')).ok());
  EXPECT_TRUE(MakeInet(6, 128, std::string(16, '\0')).ok());
  EXPECT_FALSE(MakeDomain("d", Value::Null()).ok());
  EXPECT_FALSE(MakeDomain("d", *MakeDomain("e", Value::Integer(1))).ok());
  EXPECT_FALSE(MakeArray1("int4", {Value::Integer(1), Value::Text("x")}).ok());  // two kinds
  EXPECT_FALSE(MakeArray1("int4[]", {IntArray({Value::Integer(1)})}).ok());      // nested
  ArrayValue a;
  a.element_type = "int4";
  a.lengths = {2, 2};
  a.lower_bounds = {1, 1};
  a.elements = {Value::Integer(1), Value::Integer(2), Value::Integer(3)};  // 3 of 4 cells
  EXPECT_FALSE(MakeArray(a).ok());
  a.elements.push_back(Value::Null());
  ASSERT_TRUE(MakeArray(a).ok());
  EXPECT_EQ(*ArrayOf(*MakeArray(a)), a);
  a.lengths = {0};
  a.lower_bounds = {1};
  a.elements.clear();
  EXPECT_FALSE(MakeArray(a).ok());  // an empty array has no dimensions
  EXPECT_TRUE(MakeArray1("int4", {}).ok());
}

TEST(TypedValues, RecordRoundTripKeepsEveryKind) {
  const Record rec = EveryKind();
  std::string enc;
  ASSERT_TRUE(EncodeRecord(rec, nullptr, &enc).ok());
  Record back;
  ASSERT_TRUE(DecodeRecord(enc, "record", &back).ok());
  EXPECT_EQ(back, rec);
  for (size_t cut = 0; cut < enc.size(); cut++) {
    Record x;
    EXPECT_TRUE(DecodeRecord(enc.substr(0, cut), "record", &x).IsCorruption()) << cut;
  }
  auto domain = DomainOf(rec[13]);
  EXPECT_EQ(domain->type, "public.us_zip");
  EXPECT_EQ(domain->base, Value::Text("02134"));
  EXPECT_EQ(EnumOf(rec[12])->label, "happy");
  EXPECT_EQ(InetOf(rec[14])->bits, 24);
}

TEST(TypedValues, SqliteRecordsKeepTheirV1Bytes) {
  // Format v1 bytes: a record of SQLite values encodes as it always did.
  const Record rec = {Value::Null(), Value::Integer(1), Value::Real(2.5), Value::Text("a"),
                      Value::Blob("\xff")};
  std::string enc;
  ASSERT_TRUE(EncodeRecord(rec, nullptr, &enc).ok());
  EXPECT_EQ(HexEncode(enc),
            "05000102020000000000000440030161"
            "0401ff");
}

TEST(TypedValues, LargeTypedValuesGoOutOfLineWithTheirKind) {
  std::string big = "[";
  for (int i = 0; i < 20000; i++) big += std::to_string(i) + ",";
  big.back() = ']';
  std::vector<Value> elems;
  for (int i = 0; i < 10000; i++) elems.push_back(Value::Integer(i * 1000));
  const Record rec = {MakeJsonb(big), *MakeArray1("int8", elems), Value::Integer(1)};
  MapStore store;
  std::string enc;
  ASSERT_TRUE(EncodeRecord(rec, &store, &enc).ok());
  EXPECT_LT(enc.size(), 200u);
  EXPECT_EQ(static_cast<uint8_t>(enc[1]), 22);  // tag 22, then the kind
  EXPECT_EQ(static_cast<uint8_t>(enc[2]), static_cast<uint8_t>(ValueType::kJsonb));
  Record back;
  ASSERT_TRUE(DecodeRecord(enc, "r", &back).ok());
  ASSERT_TRUE(back[0].ref() && back[1].ref());
  EXPECT_EQ(back[1].type(), ValueType::kArray);
  std::string again;
  ASSERT_TRUE(EncodeRecord(back, nullptr, &again).ok());
  EXPECT_EQ(again, enc);
  for (Value& v : back) ASSERT_TRUE(ResolveValue(&store, &v).ok());
  EXPECT_EQ(back, rec);
  // A resolved payload is checked: a "numeric" reference to bad text is corruption.
  LargeValue ref = *store.Store(std::string(40000, 'x'));
  Value bad = Value::Ref(ValueType::kNumeric, ref.Encode());
  EXPECT_TRUE(ResolveValue(&store, &bad).IsCorruption());
}

std::string Tagged(uint8_t tag, std::string payload) {
  return std::string(1, char(1)) + char(tag) + payload;
}

TEST(TypedValues, DecodeRecordRejectsBadPayloads) {
  auto str = [](std::string_view s) {
    std::string out;
    PutLengthPrefixed(&out, s);
    return out;
  };
  std::string time_too_late, offset_too_far, date_too_big;
  PutVarint64(&time_too_late, kMicrosPerDay + 1);
  PutVarint64(&offset_too_far, 0);
  PutVarsint64(&offset_too_far, 16 * 3600);
  PutVarsint64(&date_too_big, int64_t{INT32_MAX} + 1);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"numeric 01", Tagged(7, str("01"))},
      {"numeric -0", Tagged(7, str("-0"))},
      {"time > 24h", Tagged(11, time_too_late)},
      {"timetz offset", Tagged(12, offset_too_far)},
      {"date > int32", Tagged(10, date_too_big)},
      {"uuid 15 bytes", Tagged(14, str(std::string(15, 'u')))},
      {"cidr host bits", Tagged(21, str(std::string("\x04\x08\x0a\x01\x00\x00", 6)))},
      {"inet family", Tagged(20, str(std::string("\x05\x08\x0a\x01\x00\x00", 6)))},
      {"array of two kinds", Tagged(17, str(str("x") + "\x01\x02\x02"
                                                       "\x01\x02"
                                                       "\x03\x01y"))},
      {"array short", Tagged(17, str(str("x") + "\x01\x04\x02"
                                                "\x01\x02"))},
      {"domain of null", Tagged(19, str(str("d") + std::string(1, '\0')))},
      {"unknown tag 23", Tagged(23, "")},
      {"tag 22 of a text", Tagged(22, std::string(1, char(3)) + str("ref"))},
  };
  for (const auto& [what, bytes] : bad) {
    Record r;
    Status s = DecodeRecord(bytes, "record", &r);
    EXPECT_TRUE(s.IsCorruption()) << what << ": " << s.ToString();
  }
}

// Fuzz finding: an array lower bound near INT64_MAX overflowed the bounds check.
TEST(FuzzFindings, ArrayLowerBoundNearInt64MaxIsRejected) {
  std::string payload;
  PutLengthPrefixed(&payload, "t");
  payload += '\x01';
  PutVarint64(&payload, 10);
  PutVarsint64(&payload, INT64_MAX);
  payload += std::string(10, '\0');
  std::string rec = std::string(1, '\x01') + char(17);
  PutLengthPrefixed(&rec, payload);
  Record r;
  EXPECT_TRUE(DecodeRecord(rec, "record", &r).IsCorruption());
}

// Fuzz finding: an overlong varint inside an array payload was kept, so the
// value differed from the same array read back from a key. Decoding now
// rewrites composite payloads shortest; the record re-encodes shorter.
TEST(FuzzFindings, OverlongVarintInArrayPayloadIsRewritten) {
  const std::string rec("\x01\x11\x0b\x01x\x01\x02\x03\x01\xee\x0f\x01\xe5\x00", 14);
  Record r;
  ASSERT_TRUE(DecodeRecord(rec, "record", &r).ok());
  auto a = ArrayOf(r[0]);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->elements, (std::vector<Value>{Value::Integer(1015), Value::Integer(-51)}));
  EXPECT_EQ(r[0], *MakeArray(*a));
  std::string again;
  ASSERT_TRUE(EncodeRecord(r, nullptr, &again).ok());
  EXPECT_EQ(again.size(), rec.size() - 1);
}

TEST(TypedValues, TextForms) {
  const Record r = EveryKind();
  const std::vector<std::string> want = {"-12.3400",
                                         "NaN",
                                         "1999-12-31T23:59:59.999999Z",
                                         "infinity",
                                         "0001-01-01",
                                         "24:00:00",
                                         "12:34:56.789-03:30",
                                         "P-1Y-2M3DT-1H-2M-3.5S",
                                         "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                                         "{\"a\": [1, 2]}",
                                         "{\"a\": [1, 2]}",
                                         "[0:1][1:2]={{a,NULL},{\"c d\",\"\"}}",
                                         "happy",
                                         "02134",
                                         "192.168.0.1/24",
                                         "10.0.0.0/8",
                                         "x'00ff'"};
  ASSERT_EQ(r.size(), want.size());
  for (size_t i = 0; i < r.size(); i++) EXPECT_EQ(ValueToDisplay(r[i]), want[i]) << i;
  EXPECT_EQ(ValueToDisplay(Value::Interval(0, 0, 0)), "PT0S");
  EXPECT_EQ(ValueToDisplay(Value::Date(INT32_MIN)), "-infinity");
  EXPECT_EQ(ValueToDisplay(Value::Timestamp(0)), "2000-01-01T00:00:00");
  EXPECT_EQ(ValueToDisplay(Value::TimestampTz(-63113904000000000)), "0000-01-01T00:00:00Z");
  EXPECT_EQ(ValueToDisplay(Value::Date(-730485 - 365)), "-0001-01-01");
  EXPECT_EQ(ValueToDisplay(Value::TimeTz(0, 0)), "00:00:00+00:00");
  // Fuzz finding: the earliest finite instants overflowed the day split.
  EXPECT_EQ(ValueToDisplay(Value::TimestampTz(INT64_MIN + 1)).substr(0, 8), "-290278-");
  EXPECT_EQ(ValueToDisplay(Inet4(10, 0, 0, 1, 32)), "10.0.0.1");
  EXPECT_EQ(
      ValueToDisplay(*MakeInet(6, 64, std::string("\x20\x01\x0d\xb8", 4) + std::string(12, '\0'))),
      "2001:db8::/64");
  EXPECT_EQ(ValueToDisplay(IntArray({})), "{}");
  EXPECT_EQ(ValueToDisplay(*MakeArray1("text", {Value::Text("NULL"), Value::Text("a\"b\\")})),
            "{\"NULL\",\"a\\\"b\\\\\"}");
}

TEST(TypedValues, JsonForms) {
  auto json = [](const Value& v) {
    JsonWriter w;
    WriteValueJson(&w, v);
    return w.str();
  };
  const Record r = EveryKind();
  EXPECT_EQ(json(r[0]), "-12.3400");
  EXPECT_EQ(json(r[1]), "\"NaN\"");
  EXPECT_EQ(json(r[2]), "\"1999-12-31T23:59:59.999999Z\"");
  EXPECT_EQ(json(r[9]), "{\"a\": [1, 2]}");
  EXPECT_EQ(json(r[11]), "{\"lower_bounds\":[0,1],\"elements\":[[\"a\",null],[\"c d\",\"\"]]}");
  EXPECT_EQ(json(r[12]), "\"happy\"");
  EXPECT_EQ(json(r[13]), "\"02134\"");
  EXPECT_EQ(json(IntArray({Value::Integer(1), Value::Null()})), "[1,null]");
  EXPECT_EQ(json(MakeJson("{\"a\":\n1}")), "{\"a\": 1}");  // NDJSON stays one line
  EXPECT_EQ(json(MakeJson("{bad")), "{\"json_text\":\"{bad\"}");
  EXPECT_EQ(json(*MakeDomain("posint", Value::Integer(5))), "5");
}

}  // namespace
}  // namespace tidemark
