#include "base/json_parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "base/json.h"

namespace tidemark {
namespace {

JsonValue Parse(std::string_view text) {
  Result<JsonValue> r = ParseJson(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << "\n  input: " << text;
  return r.ok() ? *r : JsonValue();
}

std::string ParseError(std::string_view text) {
  Result<JsonValue> r = ParseJson(text);
  if (r.ok()) return "(parsed)";
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  return r.status().message();
}

TEST(JsonParseTest, Scalars) {
  EXPECT_TRUE(Parse("null").is_null());
  EXPECT_TRUE(Parse("true").bool_value());
  EXPECT_FALSE(Parse("false").bool_value());
  EXPECT_EQ(Parse("\"\"").string_value(), "");
  EXPECT_EQ(Parse(" \t\r\n\"x\" \n").string_value(), "x");
  const JsonValue zero = Parse("0");
  ASSERT_TRUE(zero.is_number());
  EXPECT_TRUE(zero.is_integer());
  EXPECT_EQ(zero.int_value(), 0);
}

TEST(JsonParseTest, NestedDocumentKeepsOrder) {
  const JsonValue v = Parse(R"({
    "version": 1,
    "tables": [{"name": "t", "rows": 3}, {"name": "u", "rows": 0}],
    "empty": {}, "list": [], "flag": false, "none": null
  })");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.members().size(), 6u);
  const char* keys[] = {"version", "tables", "empty", "list", "flag", "none"};
  for (size_t i = 0; i < 6; i++) EXPECT_EQ(v.members()[i].first, keys[i]);
  const JsonValue* tables = v.Find("tables");
  ASSERT_NE(tables, nullptr);
  ASSERT_TRUE(tables->is_array());
  ASSERT_EQ(tables->array().size(), 2u);
  EXPECT_EQ(tables->array()[1].Find("name")->string_value(), "u");
  EXPECT_EQ(tables->array()[0].Find("rows")->int_value(), 3);
  EXPECT_TRUE(v.Find("empty")->members().empty());
  EXPECT_TRUE(v.Find("list")->array().empty());
  EXPECT_TRUE(v.Find("none")->is_null());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(tables->Find("name"), nullptr);  // not an object
  EXPECT_STREQ(JsonValue::TypeName(tables->type()), "array");
}

TEST(JsonParseTest, CommandLineKey) {
  const JsonValue v = Parse(R"([1,"abc"])");
  ASSERT_EQ(v.array().size(), 2u);
  EXPECT_EQ(v.array()[0].int_value(), 1);
  EXPECT_EQ(v.array()[1].string_value(), "abc");
}

TEST(JsonParseTest, StringEscapes) {
  EXPECT_EQ(Parse(R"("\" \\ \/ \b \f \n \r \t")").string_value(), "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(Parse(R"("\u0041\u00e9\u00E9\u20AC")").string_value(), "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(Parse(R"("a\u0000b")").string_value(), std::string("a\0b", 3));
  // A surrogate pair becomes one 4-byte UTF-8 sequence.
  EXPECT_EQ(Parse(R"("\uD83D\uDE00")").string_value(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(Parse(R"("\udbff\udfff")").string_value(), "\xf4\x8f\xbf\xbf");  // U+10FFFF
  EXPECT_EQ(Parse(R"("\uFFFF")").string_value(), "\xef\xbf\xbf");
  // Raw UTF-8 passes through unchanged.
  EXPECT_EQ(Parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"").string_value(),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f");
}

TEST(JsonParseTest, Integers) {
  const JsonValue min = Parse("-9223372036854775808");
  ASSERT_TRUE(min.is_integer());
  EXPECT_EQ(min.int_value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Parse("9223372036854775807").int_value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Parse("-42").int_value(), -42);

  // Beyond int64: a double, with the text kept for callers that need it exact.
  const JsonValue big = Parse("18446744073709551615");
  EXPECT_FALSE(big.is_integer());
  EXPECT_EQ(big.number_text(), "18446744073709551615");
  EXPECT_EQ(big.double_value(), 18446744073709551615.0);
  EXPECT_FALSE(Parse("-9223372036854775809").is_integer());

  const JsonValue neg_zero = Parse("-0");
  EXPECT_TRUE(neg_zero.is_integer());
  EXPECT_EQ(neg_zero.int_value(), 0);
  EXPECT_TRUE(std::signbit(neg_zero.double_value()));
}

TEST(JsonParseTest, FractionsAndExponents) {
  const JsonValue hundred = Parse("1e2");
  EXPECT_FALSE(hundred.is_integer());
  EXPECT_EQ(hundred.double_value(), 100.0);
  EXPECT_EQ(hundred.number_text(), "1e2");
  EXPECT_FALSE(Parse("1.0").is_integer());
  EXPECT_EQ(Parse("1E+2").double_value(), 100.0);
  EXPECT_EQ(Parse("2.5E3").double_value(), 2500.0);
  EXPECT_EQ(Parse("1e-2").double_value(), 0.01);
  EXPECT_EQ(Parse("-0.5e-3").double_value(), -0.0005);
  EXPECT_EQ(Parse("0.1").double_value(), 0.1);
  EXPECT_EQ(Parse("1.7976931348623157e308").double_value(), std::numeric_limits<double>::max());
  EXPECT_EQ(Parse("4.9406564584124654e-324").double_value(),
            std::numeric_limits<double>::denorm_min());
  // Too small for a double: zero with its sign (too large is an error, below).
  EXPECT_EQ(Parse("1e-400").double_value(), 0.0);
  EXPECT_EQ(Parse("0.00000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000001")
                .double_value(),
            0.0);
  EXPECT_TRUE(std::signbit(Parse("-1e-400").double_value()));
  EXPECT_EQ(Parse("0e999999999999999999999").double_value(), 0.0);
}

TEST(JsonParseTest, NestingLimit) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
  const std::string deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_EQ(ParseError(deep),
            "JSON: line 1, column 257: nesting deeper than 256 arrays and objects");
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; i++) objects += "{\"a\":";
  EXPECT_EQ(ParseError(objects + "1"),
            "JSON: line 1, column 1281: nesting deeper than 256 arrays and objects");
}

struct Rejection {
  std::string input;
  std::string error;
};

TEST(JsonParseTest, RejectsWithPosition) {
  const Rejection cases[] = {
      // Structure.
      {"", "line 1, column 1: expected a value, found end of input"},
      {"  \n ", "line 2, column 2: expected a value, found end of input"},
      {"[", "line 1, column 2: expected a value, found end of input"},
      {"[1", "line 1, column 3: expected ',' or ']' after an array element, found end of input"},
      {"[1 2]", "line 1, column 4: expected ',' or ']' after an array element, found '2'"},
      {"[1,]", "line 1, column 4: trailing comma before ']'"},
      {"[,1]", "line 1, column 2: expected a value, found ','"},
      {"{\"a\":1,}", "line 1, column 8: trailing comma before '}'"},
      {"{1:2}", "line 1, column 2: expected a string key, found '1'"},
      {"{'a':2}", "line 1, column 2: expected a string key, found '''"},
      {"{\"a\" 1}", "line 1, column 6: expected ':' after the key, found '1'"},
      {"{\"a\":}", "line 1, column 6: expected a value, found '}'"},
      {"{\"a\":1 \"b\":2}",
       "line 1, column 8: expected ',' or '}' after an object member, found '\"'"},
      {"{\"a\":1",
       "line 1, column 7: expected ',' or '}' after an object member, found end of input"},
      {"[1] x", "line 1, column 5: unexpected 'x' after the JSON value"},
      {"[1][2]", "line 1, column 4: unexpected '[' after the JSON value"},
      {"1 2", "line 1, column 3: unexpected '2' after the JSON value"},
      {"\xef\xbb\xbf{}", "line 1, column 1: a byte order mark is not allowed"},
      {"[\r\n  1,\r\n  x]", "line 3, column 3: expected a value, found 'x'"},
      {"\x01", "line 1, column 1: expected a value, found byte 0x01"},
      {"[\xc3\xa9]", "line 1, column 2: expected a value, found '\xc3\xa9'"},
      {"\"\xc3\xa9\" \xff", "line 1, column 5: unexpected byte 0xff after the JSON value"},
      // Comments and non-JSON literals.
      {"// note\n1", "line 1, column 1: expected a value, found '/'"},
      {"[1 /* x */]", "line 1, column 4: expected ',' or ']' after an array element, found '/'"},
      {"NaN", "line 1, column 1: expected a value, found 'N'"},
      {"[Infinity]", "line 1, column 2: expected a value, found 'I'"},
      {"tru", "line 1, column 1: invalid literal (expected 'true')"},
      {"[nul]", "line 1, column 2: invalid literal (expected 'null')"},
      {"True", "line 1, column 1: expected a value, found 'T'"},
      // Numbers.
      {"01", "line 1, column 1: leading zeros are not allowed in numbers"},
      {"[1,\n -007]", "line 2, column 2: leading zeros are not allowed in numbers"},
      {"-", "line 1, column 2: expected a digit after '-', found end of input"},
      {"-Infinity", "line 1, column 2: expected a digit after '-', found 'I'"},
      {"+1", "line 1, column 1: expected a value, found '+'"},
      {".5", "line 1, column 1: expected a value, found '.'"},
      {"1.", "line 1, column 3: expected a digit after the decimal point, found end of input"},
      {"1.e5", "line 1, column 3: expected a digit after the decimal point, found 'e'"},
      {"1e", "line 1, column 3: expected a digit in the exponent, found end of input"},
      {"1e+", "line 1, column 4: expected a digit in the exponent, found end of input"},
      {"0x10", "line 1, column 2: unexpected 'x' after the JSON value"},
      {"[1e400]", "line 1, column 2: number too large for a double"},
      {"-1e999999999999999999999", "line 1, column 1: number too large for a double"},
      // Strings.
      {"\"abc", "line 1, column 1: unterminated string"},
      {"[\"a\\", "line 1, column 2: unterminated string"},
      {"\"a\tb\"", "line 1, column 3: control character U+0009 in a string (it must be escaped)"},
      {"\"a\nb\"", "line 1, column 3: control character U+000A in a string (it must be escaped)"},
      {std::string("\"\0\"", 3),
       "line 1, column 2: control character U+0000 in a string (it must be escaped)"},
      {"\"\\x\"", "line 1, column 2: invalid escape: '\\' followed by 'x'"},
      {"\"\\U0041\"", "line 1, column 2: invalid escape: '\\' followed by 'U'"},
      {"\"\\u12\"", "line 1, column 2: invalid \\u escape: expected 4 hex digits"},
      {"\"\\u12G4\"", "line 1, column 2: invalid \\u escape: expected 4 hex digits"},
      {"\"\\u", "line 1, column 2: invalid \\u escape: expected 4 hex digits"},
      {"\"\\uD800\"", "line 1, column 2: unpaired UTF-16 surrogate '\\uD800'"},
      {"\"x\\uDC00\\uD800\"", "line 1, column 3: unpaired UTF-16 surrogate '\\uDC00'"},
      {"\"\\uD800\\u0041\"", "line 1, column 2: unpaired UTF-16 surrogate '\\uD800'"},
      {"\"\\uD800\\uD800\"", "line 1, column 2: unpaired UTF-16 surrogate '\\uD800'"},
      {"\"\\uD800\\n\"", "line 1, column 2: unpaired UTF-16 surrogate '\\uD800'"},
      {"\"\\uD800\\u12\"", "line 1, column 8: invalid \\u escape: expected 4 hex digits"},
      // Invalid UTF-8: the column counts characters, not bytes.
      {"\"\xff\"",
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xff)"},
      {"\"\xc3\xa9\xff\"",
       "line 1, column 3: invalid UTF-8 in a string (sequence starting with byte 0xff)"},
      {"\"\x80\"",
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0x80)"},
      {"\"\xc0\x80\"",  // overlong NUL
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xc0)"},
      {"\"\xe0\x9f\xbf\"",  // overlong U+07FF
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xe0)"},
      {"\"\xed\xa0\x80\"",  // encoded surrogate U+D800
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xed)"},
      {"\"\xf0\x8f\xbf\xbf\"",  // overlong U+FFFF
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xf0)"},
      {"\"\xf4\x90\x80\x80\"",  // U+110000
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xf4)"},
      {"\"\xf5\x80\x80\x80\"",
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xf5)"},
      {"\"\xe2\x82\"",
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xe2)"},
      {"\"\xe2\x82",
       "line 1, column 2: invalid UTF-8 in a string (sequence starting with byte 0xe2)"},
      // Duplicate keys, also when spelled differently.
      {"{\"a\":1,\"b\":2,\"a\":3}",
       "line 1, column 14: duplicate key \"a\" (first at line 1, column 2)"},
      {"{\"a\":1,\n \"\\u0061\":2}",
       "line 2, column 2: duplicate key \"a\" (first at line 1, column 2)"},
      {"[{\"a\":1},{\"a\":{\"a\":1,\"a\":2}}]",
       "line 1, column 22: duplicate key \"a\" (first at line 1, column 16)"},
      {"{\"\\n\":1,\"\\n\":2}",
       "line 1, column 9: duplicate key \"\\n\" (first at line 1, column 2)"},
  };
  for (const Rejection& c : cases) {
    EXPECT_EQ(ParseError(c.input), "JSON: " + c.error) << "input: " << c.input;
  }
}

TEST(JsonParseTest, DuplicateKeysInLargeObjects) {
  // From the 16th member on, duplicates are found through a hash map.
  std::string doc = "{";
  for (int i = 0; i < 100; i++) doc += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const JsonValue ok = Parse(doc + "\"last\":0}");
  ASSERT_EQ(ok.members().size(), 101u);
  EXPECT_EQ(ok.Find("k99")->int_value(), 99);
  EXPECT_EQ(ParseError(doc + "\"k3\":0}"),
            "JSON: line 1, column 882: duplicate key \"k3\" (first at line 1, column 23)");
  EXPECT_EQ(ParseError(doc + "\"k20\":0}"),
            "JSON: line 1, column 882: duplicate key \"k20\" (first at line 1, column 162)");
}

// Everything JsonWriter can produce reads back as the same values.
TEST(JsonParseTest, RoundTripsWriterOutput) {
  std::string controls;
  for (int c = 0; c < 0x20; c++) controls.push_back(static_cast<char>(c));
  controls += "\"\\/\x7f";
  const std::string unicode = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";

  JsonWriter w;
  w.BeginObject();
  w.Key("nothing").Null().Field("yes", true).Field("no", false);
  w.Field("int_min", std::numeric_limits<int64_t>::min());
  w.Field("int_max", std::numeric_limits<int64_t>::max());
  w.Field("uint_max", std::numeric_limits<uint64_t>::max());
  w.Field("tenth", 0.1).Field("huge", 1.5e300).Field("denorm", 5e-324).Field("whole", 3.0);
  w.Field("neg_zero", -0.0).Field("nan", std::nan(""));
  w.Field("controls", controls).Field("unicode", unicode).Field("invalid", "a\xff");
  w.Key(controls).String("control key");
  w.Key("array").BeginArray().Int(1).String("two").BeginArray().EndArray();
  w.BeginObject().EndObject().Null().Double(-2.5).EndArray();
  w.Key("nested").BeginObject().Key("a").BeginObject().Key("b").BeginArray().Bool(true);
  w.EndArray().EndObject().EndObject();
  w.EndObject();

  // The writer escapes every control character, so the text has none.
  for (char c : w.str()) ASSERT_GE(static_cast<unsigned char>(c), 0x20u) << w.str();

  const JsonValue v = Parse(w.str());
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.members().size(), 18u);
  EXPECT_TRUE(v.Find("nothing")->is_null());
  EXPECT_TRUE(v.Find("yes")->bool_value());
  EXPECT_FALSE(v.Find("no")->bool_value());
  EXPECT_EQ(v.Find("int_min")->int_value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(v.Find("int_max")->int_value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(v.Find("uint_max")->number_text(), "18446744073709551615");
  EXPECT_EQ(v.Find("tenth")->double_value(), 0.1);
  EXPECT_EQ(v.Find("huge")->double_value(), 1.5e300);
  EXPECT_EQ(v.Find("denorm")->double_value(), 5e-324);
  // %.17g writes whole doubles without a fraction: they read back as integers.
  EXPECT_EQ(v.Find("whole")->number_text(), "3");
  EXPECT_EQ(v.Find("whole")->double_value(), 3.0);
  EXPECT_TRUE(std::signbit(v.Find("neg_zero")->double_value()));
  EXPECT_TRUE(v.Find("nan")->is_null());  // the writer's documented choice
  EXPECT_EQ(v.Find("controls")->string_value(), controls);
  EXPECT_EQ(v.Find("unicode")->string_value(), unicode);
  // The writer turns an invalid byte into the code point of the same number.
  EXPECT_EQ(v.Find("invalid")->string_value(), "a\xc3\xbf");
  EXPECT_EQ(v.Find(controls)->string_value(), "control key");
  const JsonValue::Array& array = v.Find("array")->array();
  ASSERT_EQ(array.size(), 6u);
  EXPECT_EQ(array[0].int_value(), 1);
  EXPECT_EQ(array[1].string_value(), "two");
  EXPECT_TRUE(array[2].array().empty());
  EXPECT_TRUE(array[3].members().empty());
  EXPECT_TRUE(array[4].is_null());
  EXPECT_EQ(array[5].double_value(), -2.5);
  EXPECT_TRUE(v.Find("nested")->Find("a")->Find("b")->array()[0].bool_value());
}

TEST(JsonParseTest, WriterEscapesEverySingleByte) {
  for (int b = 0; b < 256; b++) {
    const std::string in(1, static_cast<char>(b));
    const JsonValue v = Parse(JsonWriter::Quote(in));
    ASSERT_TRUE(v.is_string()) << "byte " << b;
    std::string expected = in;  // a lone byte >= 0x80 comes back as U+0080..U+00FF
    if (b >= 0x80)
      expected = {static_cast<char>(0xc0 | (b >> 6)), static_cast<char>(0x80 | (b & 0x3f))};
    EXPECT_EQ(v.string_value(), expected) << "byte " << b;
  }
}

// KNOWN BUG in JsonWriter::Quote (base/json.cc), reported, not fixed here:
// it copies any lead byte with the right number of continuation bytes, so
// overlong forms, encoded surrogates and code points above U+10FFFF reach the
// output unescaped, and the output is not valid JSON. Enable this test with
// the fix.
TEST(JsonParseTest, WriterOutputIsValidForMalformedUtf8) {
  for (const char* bad : {"\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf0\x80\x80\x80",
                          "\xf4\x90\x80\x80", "\xf7\xbf\xbf\xbf"}) {
    EXPECT_TRUE(ParseJson(JsonWriter::Quote(bad)).ok()) << JsonWriter::Quote(bad);
  }
}

}  // namespace
}  // namespace tidemark
