// Typed values from their text forms (TypedValueFromText) and keys typed by
// users with a stored key as the example of their kinds (ParseKey's `like`).
#include <gtest/gtest.h>

#include "base/hex.h"
#include "records/encoding.h"
#include "records/typed_values.h"
#include "records/value_json.h"

namespace tidemark {
namespace {

Value Must(Result<Value> v) {
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : Value();
}

Value Uuid(std::string_view hex) {
  std::string bytes;
  EXPECT_TRUE(HexDecode(hex, &bytes));
  return Must(MakeUuid(bytes));
}

TEST(TypedParse, EveryParsedKindRoundTripsItsTextForm) {
  const std::vector<Value> values = {
      Must(MakeNumeric("-12.3400")),
      Must(MakeNumeric("NaN")),
      Value::TimestampTz(-1),
      Value::TimestampTz(0),
      Value::TimestampTz(INT64_MAX),
      Value::TimestampTz(INT64_MIN),
      Value::TimestampTz(-63113904000000000),  // 0000-01-01
      Value::TimestampTz(INT64_MIN + 1),       // year -290278
      Value::Timestamp(767795400250000),
      Value::Timestamp(INT64_MIN),
      Value::Date(-730119),
      Value::Date(-730485 - 365),  // -0001-01-01
      Value::Date(9000),
      Value::Date(INT32_MAX),
      Value::Time(0),
      Value::Time(kMicrosPerDay),
      Value::Time(45296000001),
      Value::TimeTz(45296789000, -(3 * 3600 + 30 * 60)),
      Value::TimeTz(0, 15 * 3600 + 59 * 60 + 59),
      Uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"),
      MakeJson("{\"a\": [1, 2]}"),
      MakeJsonb("{\"a\": [1, 2]}"),
      Must(MakeEnum("public.mood", "happy")),
      Must(MakeDomain("public.us_zip", Value::Text("02134"))),
      Must(MakeDomain("public.posint", Value::Integer(7))),
      Must(MakeDomain("public.day", Value::Date(12))),
  };
  for (const Value& v : values) {
    const std::string text = ValueToDisplay(v);
    Result<Value> back = TypedValueFromText(v, text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    EXPECT_EQ(*back, v) << text << " came back as " << ValueToDisplay(*back);
  }
}

TEST(TypedParse, TimesAcceptASpaceAndAnOffset) {
  const Value tz = Value::TimestampTz(0);
  EXPECT_EQ(Must(TypedValueFromText(tz, "2024-05-01 12:30:00+02:00")),
            Must(TypedValueFromText(tz, "2024-05-01T10:30:00Z")));
  EXPECT_EQ(Must(TypedValueFromText(tz, "2000-01-01T00:00:00.5Z")), Value::TimestampTz(500000));
  EXPECT_EQ(Must(TypedValueFromText(Value::Timestamp(0), "2000-01-02 00:00:00")),
            Value::Timestamp(kMicrosPerDay));
  EXPECT_EQ(Must(TypedValueFromText(Value::TimeTz(0, 0), "10:00:00Z")),
            Value::TimeTz(36000000000, 0));
  EXPECT_EQ(Must(TypedValueFromText(Uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"),
                                    "A0EEBC999C0B4EF8BB6D6BB9BD380A11")),
            Uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"));
}

TEST(TypedParse, WrongTextSaysWhatWasExpected) {
  struct Case {
    Value like;
    std::string text, want;
  };
  const std::vector<Case> cases = {
      {Value::TimestampTz(0), "2024-05-01", "expected a time like 2024-05-01T10:30:00Z"},
      {Value::TimestampTz(0), "2024-05-01T10:30:00", "expected a time like"},
      {Value::Timestamp(0), "2024-05-01T10:30:00Z", "expected a time like 2024-05-01T10:30:00"},
      {Value::TimestampTz(0), "9999999-01-01T00:00:00Z", "time out of range"},
      {Value::Date(0), "2023-02-29", "expected a date like 2024-05-01"},
      {Value::Date(0), "2024-13-01", "expected a date"},
      {Value::Date(0), "24-01-01", "expected a date"},
      {Value::Time(0), "25:00:00", "expected a time of day like 10:30:00"},
      {Value::Time(0), "24:00:01", "expected a time of day"},
      {Value::Time(0), "10:00:00.1234567", "expected a time of day"},
      {Value::TimeTz(0, 0), "10:00:00+16:00", "expected a time of day like 10:30:00+02:00"},
      {Uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"), "a0eebc99", "expected a uuid"},
      {Must(MakeNumeric("1")), "1e5", ""},
      {Value::Interval(1, 0, 0), "P1M", "a interval cannot be typed on the command line yet"},
      {Must(MakeDomain("public.posint", Value::Integer(7))), "seven", "expected an integer"},
  };
  for (const Case& c : cases) {
    Result<Value> v = TypedValueFromText(c.like, c.text);
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_TRUE(v.status().IsInvalidArgument()) << c.text;
    EXPECT_NE(v.status().message().find(c.want), std::string::npos)
        << c.text << ": " << v.status().message();
  }
}

TableSchema TwoPartKey() {
  TableSchema t;
  t.name = "notes";
  Column at, body;
  at.name = "at";
  at.decl_type = "timestamp with time zone";
  at.pk = 1;
  body.name = "body";
  body.decl_type = "text";
  body.pk = 2;
  t.columns = {at, body};
  t.key_columns = {0, 1};
  return t;
}

TEST(TypedParse, KeysReadTheStoredKindsOfTheirParts) {
  const TableSchema t = TwoPartKey();
  const std::vector<Value> like = {Value::TimestampTz(0), Value::Text("x")};
  auto key = ParseKey(t, "[\"2026-11-20T10:00:00Z\", \"first\"]", &like);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(ValueToDisplay((*key)[0]), "2026-11-20T10:00:00Z");
  EXPECT_EQ((*key)[0].type(), ValueType::kTimestampTz);
  EXPECT_EQ((*key)[1], Value::Text("first"));
  // Without an example the schema alone decides: a string is a text.
  auto plain = ParseKey(t, "[\"2026-11-20T10:00:00Z\", \"first\"]");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].type(), ValueType::kText);
  // A numeric key typed as a JSON number.
  TableSchema n;
  n.name = "prices";
  Column c;
  c.name = "amount";
  c.decl_type = "numeric";
  c.pk = 1;
  n.columns = {c};
  n.key_columns = {0};
  const std::vector<Value> num = {Must(MakeNumeric("1"))};
  EXPECT_EQ(ParseKey(n, "[12]", &num)->at(0), Must(MakeNumeric("12")));
  EXPECT_EQ(ParseKey(n, "12.5", &num)->at(0), Must(MakeNumeric("12.5")));
  // A part that does not read as its kind names the part.
  auto bad = ParseKey(t, "[\"yesterday\", \"first\"]", &like);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "key part 1 (at, timestamptz) \"yesterday\": expected a time like "
            "2024-05-01T10:30:00Z");
}

}  // namespace
}  // namespace tidemark
