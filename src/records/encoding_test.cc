#include "records/encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "base/coding.h"
#include "base/hex.h"
#include "crypto/crypto.h"

namespace tidemark {
namespace {

// SQLite's order of two values under BINARY collation (the reference the key
// encoding must agree with): NULL < numbers < text < blob; numbers by value,
// an integer and a real compared exactly.
int CompareSqlite(const Value& a, const Value& b) {
  auto cls = [](const Value& v) {
    switch (v.type()) {
      case ValueType::kNull:
        return 0;
      case ValueType::kInteger:
      case ValueType::kReal:
        return 1;
      case ValueType::kText:
        return 2;
      case ValueType::kBlob:
        return 3;
      default:
        break;
    }
    return 4;
  };
  if (cls(a) != cls(b)) return cls(a) < cls(b) ? -1 : 1;
  if (cls(a) == 0) return 0;
  if (cls(a) == 1) {
    // long double holds every int64 and double exactly on x86-64.
    auto num = [](const Value& v) -> long double {
      return v.type() == ValueType::kInteger ? static_cast<long double>(v.integer()) : v.real();
    };
    const long double x = num(a), y = num(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const int c = a.bytes().compare(b.bytes());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareTuples(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); i++) {
    if (int c = CompareSqlite(a[i], b[i]); c != 0) return c;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

Value RandomValue(std::mt19937_64& rng) {
  static const int64_t kInts[] = {0,
                                  1,
                                  -1,
                                  42,
                                  INT64_MAX,
                                  INT64_MIN,
                                  INT64_MAX - 1,
                                  (1ll << 53),
                                  (1ll << 53) + 1,
                                  -(1ll << 53) - 1,
                                  (1ll << 62) + 7};
  static const double kReals[] = {0.0,
                                  -0.0,
                                  1.5,
                                  -1.5,
                                  1e300,
                                  -1e300,
                                  9007199254740992.0,
                                  4611686018427387904.0,
                                  9223372036854775808.0,
                                  -9223372036854775808.0,
                                  42.0,
                                  1e-300,
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity()};
  static const std::string kTexts[] = {"", "a", "ab", std::string("a\0b", 3), "b", "\xff", "A"};
  switch (rng() % 5) {
    case 0:
      return Value::Null();
    case 1:
      return rng() % 2 ? Value::Integer(kInts[rng() % std::size(kInts)])
                       : Value::Integer(static_cast<int64_t>(rng()));
    case 2:
      return rng() % 2 ? Value::Real(kReals[rng() % std::size(kReals)])
                       : Value::Real(std::ldexp(static_cast<double>(rng() % 1000) - 500,
                                                static_cast<int>(rng() % 130) - 65));
    case 3:
      return Value::Text(kTexts[rng() % std::size(kTexts)]);
    default: {
      std::string b(rng() % 4, '\0');
      for (char& c : b) c = static_cast<char>(rng() % 3);
      return Value::Blob(b);
    }
  }
}

TEST(KeyEncoding, OrderMatchesSqlite) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; i++) {
    std::vector<Value> a, b;
    const size_t n = 1 + rng() % 3;
    for (size_t j = 0; j < n; j++) {
      a.push_back(RandomValue(rng));
      // Share prefixes often, so later parts decide.
      b.push_back(rng() % 2 ? a.back() : RandomValue(rng));
    }
    std::string ka, kb;
    EncodeKey(a, &ka);
    EncodeKey(b, &kb);
    const int want = CompareTuples(a, b);
    const int got = ka.compare(kb) < 0 ? -1 : (ka.compare(kb) > 0 ? 1 : 0);
    if (want != 0) {
      ASSERT_EQ(got, want) << ValueToDisplay(a[0]) << " vs " << ValueToDisplay(b[0]);
    } else if (got != 0) {
      // Equal by value but different encodings: only an integer and a real
      // of the same value (or ±0.0), which a unique key cannot hold both of.
      bool mixed = false;
      for (size_t j = 0; j < a.size(); j++) mixed |= a[j].type() != b[j].type() || a[j] != b[j];
      ASSERT_TRUE(mixed);
    }
  }
}

TEST(KeyEncoding, RoundTrip) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; i++) {
    std::vector<Value> key;
    for (size_t j = 0, n = 1 + rng() % 4; j < n; j++) key.push_back(RandomValue(rng));
    std::string enc;
    EncodeKey(key, &enc);
    std::vector<Value> back;
    ASSERT_TRUE(DecodeKey(enc, &back).ok());
    ASSERT_EQ(back.size(), key.size());
    for (size_t j = 0; j < key.size(); j++) {
      if (key[j].type() == ValueType::kReal && key[j].real() == 0) {
        EXPECT_EQ(back[j].real(), 0.0);  // -0.0 keys are normalised to 0.0
      } else {
        EXPECT_EQ(back[j], key[j]) << ValueToDisplay(key[j]);
      }
    }
  }
}

TEST(KeyEncoding, DecodeRejectsGarbage) {
  std::vector<Value> out;
  EXPECT_TRUE(DecodeKey(std::string("\x25"
                                    "ab",
                                    3),
                        &out)
                  .IsCorruption());
  EXPECT_TRUE(DecodeKey(std::string("\x25"
                                    "a\0\x01",
                                    4),
                        &out)
                  .IsCorruption());
  EXPECT_TRUE(DecodeKey("\x15\x01", &out).IsCorruption());
  EXPECT_TRUE(DecodeKey("\x99", &out).IsCorruption());
  EXPECT_TRUE(DecodeKey("", &out).ok());
}

class MapStore : public LargeValueStore {
 public:
  Result<LargeValue> Store(std::string_view content) override {
    LargeValue v;
    v.length = content.size();
    for (size_t off = 0; off < content.size(); off += 100000) {
      std::string chunk(content.substr(off, 100000));
      std::string id = Sha256(chunk);
      chunks_[id] = chunk;
      v.chunk_ids.push_back(id);
    }
    return v;
  }
  Result<std::string> Load(const LargeValue& ref) override {
    std::string out;
    for (const std::string& id : ref.chunk_ids) {
      auto it = chunks_.find(id);
      if (it == chunks_.end()) return Status::NotFound("chunk");
      out += it->second;
    }
    return out;
  }
  std::map<std::string, std::string> chunks_;
};

TEST(RecordEncoding, RoundTripKeepsTypesAndBits) {
  const double nan_payload = std::bit_cast<double>(0x7ff8000000000abcull);
  Record rec = {Value::Null(),
                Value::Integer(INT64_MIN),
                Value::Real(-0.0),
                Value::Real(nan_payload),
                Value::Real(std::numeric_limits<double>::infinity()),
                Value::Text("42"),  // a text stored in an INTEGER column stays text
                Value::Blob(""),
                Value::Text(std::string(kInlineMax, 'x')),
                Value::Blob(std::string(kInlineMax + 1, '\0')),
                Value::Text(std::string(300000, 'y'))};
  MapStore store;
  std::string enc;
  ASSERT_TRUE(EncodeRecord(rec, &store, &enc).ok());
  EXPECT_LT(enc.size(), 40000u);  // the two big values went out of line
  Record back;
  ASSERT_TRUE(DecodeRecord(enc, "record", &back).ok());
  ASSERT_EQ(back.size(), rec.size());
  EXPECT_TRUE(back[8].ref());
  EXPECT_TRUE(back[9].ref());
  EXPECT_FALSE(back[7].ref());
  for (Value& v : back) ASSERT_TRUE(ResolveValue(&store, &v).ok());
  for (size_t i = 0; i < rec.size(); i++) EXPECT_EQ(back[i], rec[i]) << i;

  // Re-encoding decoded references gives the same bytes without the store.
  Record refs;
  ASSERT_TRUE(DecodeRecord(enc, "record", &refs).ok());
  std::string again;
  ASSERT_TRUE(EncodeRecord(refs, nullptr, &again).ok());
  EXPECT_EQ(again, enc);
}

TEST(RecordEncoding, LargeValueNeedsStore) {
  std::string enc;
  EXPECT_TRUE(EncodeRecord({Value::Blob(std::string(kInlineMax + 1, 'a'))}, nullptr, &enc)
                  .IsInvalidArgument());
}

TEST(RecordEncoding, DecodeRejectsGarbage) {
  Record out;
  std::string enc;
  ASSERT_TRUE(EncodeRecord({Value::Integer(5), Value::Text("abc")}, nullptr, &enc).ok());
  for (size_t cut = 0; cut < enc.size(); cut++) {
    EXPECT_TRUE(DecodeRecord(enc.substr(0, cut), "record t/1", &out).IsCorruption()) << cut;
  }
  Status s = DecodeRecord(enc + "x", "record t/1", &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("record t/1"), std::string::npos) << s.ToString();
  EXPECT_TRUE(DecodeRecord("\x01\x09", "r", &out).IsCorruption());  // unknown tag
  // A reference whose chunk count does not fit.
  EXPECT_TRUE(DecodeRecord(std::string("\x01\x05\x03\x0a\x05", 5), "r", &out).IsCorruption());
}

// ---- Regression tests for fuzz findings (fuzz/corpus/records holds the inputs) ----

// Finding: DecodeKey accepted keys that EncodeKey never writes, so two
// encodings of one key compared unequal as bytes.
TEST(FuzzFindings, KeyThatReencodesDifferentlyIsRejected) {
  std::string key;
  EncodeKey({Value::Integer((int64_t{1} << 53) + 1)}, &key);  // (2^53, +1)
  std::vector<Value> out;
  ASSERT_TRUE(DecodeKey(key, &out).ok());
  // The same integer as (2^53 + 2, -1).
  std::string split;
  EncodeKey({Value::Real(9007199254740994.0)}, &split);
  split = split.substr(0, 9) + key.substr(9, 8);
  split[16] = static_cast<char>(split[16] - 2);  // tie +1 -> -1
  std::string neg_zero = key.substr(0, 1) + std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8) +
                         std::string("\x80\0\0\0\0\0\0\0", 8) + "\x01\x01";
  std::string nan_payload;
  EncodeKey({Value::Real(std::numeric_limits<double>::quiet_NaN())}, &nan_payload);
  nan_payload[8] = static_cast<char>(nan_payload[8] ^ 1);
  std::string marks_without_real;
  EncodeKey({Value::Integer(7)}, &marks_without_real);
  marks_without_real += std::string("\x01\x00", 2);
  for (const std::string& bad : {split, neg_zero, nan_payload, marks_without_real}) {
    Status s = DecodeKey(bad, &out);
    EXPECT_TRUE(s.IsCorruption()) << HexEncode(bad);
    EXPECT_NE(s.ToString().find("not the canonical encoding"), std::string::npos) << s.ToString();
    EXPECT_NE(s.ToString().find("key: offset "), std::string::npos) << s.ToString();
  }
  // The offset names the first differing byte (the last byte of the double).
  EXPECT_NE(DecodeKey(split, &out).ToString().find("offset 8:"), std::string::npos)
      << DecodeKey(split, &out).ToString();
}

std::string RefValue(ValueType type, const LargeValue& ref) {
  std::string out(1, type == ValueType::kText ? '\x05' : '\x06');
  PutLengthPrefixed(&out, ref.Encode());
  return out;
}

LargeValue OneChunkRef(uint64_t length) {
  LargeValue v;
  v.length = length;
  v.chunk_ids = {Sha256("chunk")};
  return v;
}

// Finding: DecodeRecord accepted a reference for a value of at most 32 KiB
// in a record that fits, which a canonical encoder never writes.
TEST(FuzzFindings, RecordWithSmallValueOutOfLineIsRejected) {
  for (uint64_t length : {uint64_t{1}, uint64_t{100}, uint64_t{kInlineMax}}) {
    std::string enc = "\x01" + RefValue(ValueType::kBlob, OneChunkRef(length));
    Record out;
    Status s = DecodeRecord(enc, "record of table t", &out);
    EXPECT_TRUE(s.IsCorruption()) << length;
    EXPECT_NE(s.ToString().find("out of line"), std::string::npos) << s.ToString();
  }
  std::string ok = "\x01" + RefValue(ValueType::kBlob, OneChunkRef(kInlineMax + 1));
  Record out;
  EXPECT_TRUE(DecodeRecord(ok, "record of table t", &out).ok());
}

// Finding: the error for a bad reference named neither the record nor the
// offset.
TEST(FuzzFindings, BadReferenceErrorNamesRecordAndOffset) {
  LargeValue two = OneChunkRef(kInlineMax + 1);
  two.chunk_ids.push_back(Sha256("second"));
  std::string ref = two.Encode();
  ref.resize(ref.size() - 32);  // the second chunk id is missing
  std::string enc = "\x02\x01\x07\x05";
  PutLengthPrefixed(&enc, ref);
  Record out;
  Status s = DecodeRecord(enc, "record of table orders", &out);
  ASSERT_TRUE(s.IsCorruption());
  const std::string msg = s.ToString();
  EXPECT_NE(msg.find("record of table orders: offset "), std::string::npos) << msg;
  EXPECT_NE(msg.find("value 1 at offset 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("chunk_count"), std::string::npos) << msg;
}

// Finding: value counts were used to allocate before being checked against
// the bytes left (32768 values from a 3-byte input).
TEST(FuzzFindings, RecordCountLargerThanDataIsRejectedBeforeAllocating) {
  std::string enc;
  PutVarint64(&enc, 32768);
  enc += std::string(10, '\0');  // ten NULLs
  Record out;
  Status s = DecodeRecord(enc, "r", &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("value_count"), std::string::npos) << s.ToString();
  EXPECT_TRUE(out.empty());
}

// A row of many medium values (BackupTest.RowOfManyMediumValues): inline it
// would exceed the tree's 1 MiB, so the longest values move out of line,
// earlier columns first among equal lengths, until it fits.
TEST(RecordEncoding, TooLongRecordMovesLongestValuesOutOfLine) {
  Record rec;
  for (int i = 0; i < 40; i++) {
    rec.push_back(Value::Text(std::string(30000 + (i == 20 ? 1 : 0), char('a' + i % 26))));
  }
  rec.push_back(Value::Integer(7));
  rec.push_back(Value::Blob(std::string(63, 'b')));  // too short to move
  MapStore store;
  std::string enc;
  ASSERT_TRUE(EncodeRecord(rec, &store, &enc).ok());
  EXPECT_LE(enc.size(), kMaxRecordSize);
  EXPECT_GT(enc.size(), kMaxRecordSize - 30000);
  Record back;
  ASSERT_TRUE(DecodeRecord(enc, "r", &back).ok());
  std::vector<size_t> moved;
  for (size_t i = 0; i < back.size(); i++) {
    if (back[i].ref()) moved.push_back(i);
  }
  // Column 20 is the longest; then columns 0, 1, ... in order.
  EXPECT_EQ(moved, (std::vector<size_t>{0, 1, 2, 3, 4, 20}));
  std::string again;
  ASSERT_TRUE(EncodeRecord(back, nullptr, &again).ok());
  EXPECT_EQ(again, enc);
  for (Value& v : back) ASSERT_TRUE(ResolveValue(&store, &v).ok());
  EXPECT_EQ(back, rec);

  // The decoder takes only that choice: another value out of line, or one
  // more than needed, is corruption.
  auto encode_with = [&](const std::vector<size_t>& out_of_line) {
    std::string e;
    PutVarint64(&e, rec.size());
    for (size_t i = 0; i < rec.size(); i++) {
      if (std::find(out_of_line.begin(), out_of_line.end(), i) == out_of_line.end()) {
        EncodeLogicalValue(rec[i], &e);
      } else {
        e += RefValue(ValueType::kText, *store.Store(rec[i].bytes()));
      }
    }
    return e;
  };
  ASSERT_EQ(encode_with(moved), enc);
  Status other = DecodeRecord(encode_with({0, 1, 2, 3, 5, 20}), "r", &back);
  EXPECT_TRUE(other.IsCorruption());
  EXPECT_NE(other.ToString().find("while the longer or earlier value 4"), std::string::npos)
      << other.ToString();
  Status extra = DecodeRecord(encode_with({0, 1, 2, 3, 4, 5, 20}), "r", &back);
  EXPECT_TRUE(extra.IsCorruption());
  EXPECT_NE(extra.ToString().find("fits 1 MiB"), std::string::npos) << extra.ToString();
  EXPECT_TRUE(DecodeRecord(encode_with({0, 1, 2, 3, 20}), "r", &back).IsCorruption());  // > 1 MiB
}

TEST(RecordEncoding, RecordThatCannotFitIsInvalidArgument) {
  // 20,000 values of 63 bytes: none may move, and together they pass 1 MiB.
  Record rec(20000, Value::Text(std::string(63, 'x')));
  MapStore store;
  std::string enc;
  Status s = EncodeRecord(rec, &store, &enc);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("at most 1 MiB"), std::string::npos) << s.ToString();
}

TEST(TableDigest, KnownAnswerAndSensitivity) {
  auto digest = [](const std::vector<std::pair<int64_t, Record>>& rows) {
    TableDigest d;
    for (const auto& [k, rec] : rows) {
      std::string key;
      EncodeKey({Value::Integer(k)}, &key);
      d.Add(key, rec);
    }
    return HexEncode(d.Finish());
  };
  const std::string empty = digest({});
  EXPECT_EQ(empty, HexEncode(Sha256(std::string(1, '\0'))));
  const std::string base = digest({{1, {Value::Text("a")}}, {2, {Value::Integer(2)}}});
  EXPECT_NE(base, empty);
  EXPECT_NE(base, digest({{1, {Value::Text("a")}}, {2, {Value::Real(2)}}}));     // type counts
  EXPECT_NE(base, digest({{1, {Value::Text("a")}}, {3, {Value::Integer(2)}}}));  // key counts
  EXPECT_NE(base, digest({{1, {Value::Text("a")}}}));
  EXPECT_EQ(base, digest({{1, {Value::Text("a")}}, {2, {Value::Integer(2)}}}));
}

// AddEncoded over EncodeRecord's inline output gives Add's digest; a record
// with a value out of line is not reported inline.
TEST(TableDigest, AddEncodedMatchesAdd) {
  const std::vector<Record> records = {
      {},
      {Value::Null(), Value::Integer(-7), Value::Real(0.5)},
      {Value::Text("name"), Value::Blob(std::string(300, 'b')), Value::Integer(1)},
  };
  TableDigest a, b;
  for (size_t i = 0; i < records.size(); i++) {
    std::string key, enc;
    EncodeKey({Value::Integer(int64_t(i))}, &key);
    bool all_inline = false;
    ASSERT_TRUE(EncodeRecord(records[i], nullptr, &enc, &all_inline).ok());
    EXPECT_TRUE(all_inline);
    a.Add(key, records[i]);
    b.AddEncoded(key, enc);
  }
  EXPECT_EQ(HexEncode(a.Finish()), HexEncode(b.Finish()));
  MapStore store;
  std::string enc;
  bool all_inline = true;
  ASSERT_TRUE(
      EncodeRecord({Value::Text(std::string(kInlineMax + 1, 'x'))}, &store, &enc, &all_inline)
          .ok());
  EXPECT_FALSE(all_inline);
}

TEST(ValueDisplay, Forms) {
  EXPECT_EQ(ValueToDisplay(Value::Null()), "NULL");
  EXPECT_EQ(ValueToDisplay(Value::Integer(-3)), "-3");
  EXPECT_EQ(ValueToDisplay(Value::Real(2)), "2.0");
  EXPECT_EQ(ValueToDisplay(Value::Real(-0.0)), "-0.0");
  EXPECT_EQ(ValueToDisplay(Value::Real(0.1)), "0.1");
  EXPECT_EQ(ValueToDisplay(Value::Real(1e300)), "1e+300");
  EXPECT_EQ(ValueToDisplay(Value::Real(-std::numeric_limits<double>::infinity())), "-Infinity");
  EXPECT_EQ(ValueToDisplay(Value::Blob("\x01\xab")), "x'01ab'");
  EXPECT_EQ(ValueToDisplay(Value::Text("hi")), "hi");
}

}  // namespace
}  // namespace tidemark
