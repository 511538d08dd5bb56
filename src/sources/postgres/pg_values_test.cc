// The value codec against a real PostgreSQL 15 (PgTestServer): a table with
// a column of every mapped type and a few text-mapped ones goes out by
// binary COPY, through BinaryCopyDecoder and AppendTextRow, and back in by
// text COPY into a second table that must then hold exactly the same rows;
// and a key column of each kind scanned ORDER BY OrderExpression gives
// strictly increasing encoded keys.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "records/encoding.h"
#include "records/typed_values.h"
#include "sources/postgres/pg_binary.h"
#include "sources/postgres/pg_testlib.h"
#include "sources/postgres/pg_text.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {
namespace {

class PgValuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = PgTestServer::Shared();
    ASSERT_NE(server_, nullptr);
    db_ = server_->FreshDatabase();
    ASSERT_FALSE(db_.empty());
    conn_ = server_->Connect(db_);
    ASSERT_NE(conn_, nullptr);
    ASSERT_TRUE(SetValueSession(*conn_).ok());
  }

  void Run(const std::string& sql) {
    Status s = conn_->Run(sql, "a test");
    ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << sql.substr(0, 2000);
  }
  std::string One(const std::string& sql) {
    auto r = conn_->Exec(sql, "a test");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->rows() == 1 ? r->text(0, 0) : "<no row>";
  }

  // The columns of `table` in order: names and types.
  void Columns(const std::string& table, std::vector<std::string>* names,
               std::vector<const PgType*>* types) {
    auto r =
        conn_->Exec("SELECT attname, atttypid::int8 FROM pg_attribute WHERE attrelid = '" + table +
                        "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    "a test");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::vector<uint32_t> oids;
    for (int i = 0; i < r->rows(); i++) oids.push_back(uint32_t(std::stoll(r->text(i, 1))));
    auto c = PgTypeCatalog::Load(*conn_, oids);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::make_unique<PgTypeCatalog>(std::move(c).value());
    for (int i = 0; i < r->rows(); i++) {
      names->push_back(r->text(i, 0));
      types->push_back(catalog_->Find(oids[i]));
      ASSERT_NE(types->back(), nullptr);
    }
  }

  // COPY (SELECT scan expressions FROM table ORDER BY order_by) out, decoded.
  std::vector<std::vector<Value>> Scan(const std::string& table,
                                       const std::vector<std::string>& names,
                                       const std::vector<const PgType*>& types,
                                       const std::string& order_by) {
    std::string sql = "COPY (SELECT ";
    for (size_t i = 0; i < names.size(); i++) {
      sql += (i ? ", " : "") + ScanExpression(*types[i], conn_->QuoteIdent(names[i]));
    }
    sql += " FROM " + table + " ORDER BY " + order_by + ") TO STDOUT (FORMAT binary)";
    std::vector<std::vector<Value>> rows;
    BinaryCopyDecoder d(types, names);
    Status s = conn_->CopyOut(sql, "a test", [&](std::string_view chunk) {
      return d.Feed(chunk, [&](std::vector<Value>& row) {
        rows.push_back(row);
        return Status::OK();
      });
    });
    EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << sql;
    EXPECT_TRUE(d.Finish().ok());
    return rows;
  }

  PgTestServer* server_ = nullptr;
  std::string db_;
  std::unique_ptr<PgConnection> conn_;
  std::unique_ptr<PgTypeCatalog> catalog_;
};

constexpr char kSchema[] = R"sql(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN label AS text;
CREATE DOMAIN cash AS money;
CREATE DOMAIN intarr AS int4[];
CREATE DOMAIN small AS posint CHECK (VALUE < 100);
CREATE TABLE a (
  id int4 PRIMARY KEY, b bool, i2 int2, i8 int8, f4 float4, f8 float8, n numeric, n3 numeric(12,3),
  t text, vc varchar(20), bc char(5), nm name, by bytea,
  ts timestamp, tstz timestamptz, d date, tm time, ttz timetz, iv interval,
  u uuid, j json, jb jsonb, ip inet, cd cidr,
  ai int4[], at text[], an numeric[], a2 int8[], ae mood[], ad posint[], ab bool[], aby bytea[],
  af float8[], ats timestamptz[], aiv interval[], ajb jsonb[],
  e mood, dm posint, dl label,
  mo money, x xml, pt point, tv tsvector, r int4range, bt bit(4), ca cash, ch "char",
  da intarr, al label[], sm small);
CREATE TABLE b (LIKE a);
INSERT INTO a (id) VALUES (1);
INSERT INTO a VALUES (2, true, -32768, 9223372036854775807, 0.1, 0.1, 12.5, 1.5,
  'plain', 'vc', 'ab', 'nm', '\x00ff00',
  '2024-05-01 12:30:00.25', '2024-05-01 12:30:00.25+02', '2024-05-01', '23:59:59.999999',
  '12:00:00+05:30', '1 year 2 mons 3 days 04:05:06.5',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a": [1, 2]}', '{"b": 1, "a": [1, 2]}',
  '192.168.0.5/24', '10.0.0.0/8',
  '{1,2,3}', '{a,"b c",""}', '{1.50,NaN}', '{{1,2},{3,4}}', '{happy,sad}', '{1,2}', '{t,f}',
  '{"\\x00","\\xff"}', '{1.5,-0}', '{"2024-01-01 00:00:00+00"}', '{"1 day","-1 mon"}',
  '{"{\"a\": 1}",null}',
  'ok', 5, 'a label', 12.34, '<a>x</a>', '(1.5,-2)', 'a fat cat', '[1,5)', B'1010', 3.5, 'q',
  '[2:3]={5,NULL}', '{"x y",NULL,""}', 7);
INSERT INTO a (id, f4, f8, n, n3, t, vc, bc, by, ts, tstz, d, tm, ttz, iv, ip, cd,
               ai, at, an, a2, ae, ad, af, aby, x, tv, ch) VALUES
 (3, 'NaN', '-0', 'NaN', 'NaN', E'tab\there\nnew\\line\rcr "q" \u00fc\u20ac\U0001F600',
  E'\\N', '', E'\\x00000100',
  'infinity', '-infinity', 'infinity', '24:00:00', '00:00:00-15:59:59',
  '-1 mons 2 days -00:00:00.000001', '::1', '2001:db8::/32',
  '{}', '{NULL,"NULL",null,"{}","a\\b","q\"x"}', '{-Infinity,0.000}', '[0:1][-1:0]={{1,NULL},{3,4}}',
  '{}', '{}', '{NaN,Infinity,-Infinity,1e-300}', '{NULL}', '', '', E'\\');
INSERT INTO a (id, f4, f8, n, ts, tstz, d, ttz, iv, ai, an) VALUES
 (4, '-Infinity', 'Infinity', '-Infinity', '0044-03-15 12:00:00 BC', '4713-01-01 00:00:00+00 BC',
  '0001-01-01 BC', '23:59:59.5+14:59', '178000000 years -2147483648 days -9223372036854775808 microseconds',
  '[-5:-3]={7,8,9}', '{-123456789012345678901234567890.000000000000000000001}'),
 (5, 3.4028235e38, 1.7976931348623157e308, '-0.000', '294276-12-31 23:59:59.999999',
  '2000-01-01 00:00:00+00', '5874897-12-31', '00:00:00+00', '-178000000 years 2147483647 days 2562047788:00:54.775807',
  NULL, NULL),
 (6, 1.4e-45, 4.9e-324, '1e-16383', NULL, NULL, '4714-11-24 BC', '12:34:56.123456-00:00:01', '0', NULL, NULL);
UPDATE a SET jb = (SELECT jsonb_agg(repeat('x', 1000) || g) FROM generate_series(1, 1000) g) WHERE id = 4;
)sql";

TEST_F(PgValuesTest, EveryTypeRoundTripsThroughBinaryOutAndTextIn) {
  Run(kSchema);
  std::vector<std::string> names;
  std::vector<const PgType*> types;
  Columns("a", &names, &types);
  const auto rows = Scan("a", names, types, "id");
  ASSERT_EQ(rows.size(), 6u);
  auto col = [&](const std::string& name) {
    return size_t(std::find(names.begin(), names.end(), name) - names.begin());
  };
  // Some values exactly.
  for (size_t i = 1; i < names.size(); i++) EXPECT_TRUE(rows[0][i].is_null()) << names[i];
  EXPECT_EQ(rows[1][col("b")], Value::Integer(1));
  EXPECT_EQ(rows[1][col("f4")], Value::Real(double(0.1f)));
  EXPECT_EQ(rows[1][col("n3")], MakeNumeric("1.500").value());
  EXPECT_EQ(rows[1][col("bc")], Value::Text("ab   "));
  EXPECT_EQ(rows[1][col("by")], Value::Blob(std::string("\0\xff\0", 3)));
  EXPECT_EQ(rows[1][col("tstz")], Value::TimestampTz(767874600250000));
  EXPECT_EQ(rows[1][col("ttz")], Value::TimeTz(43200000000, 19800));
  EXPECT_EQ(rows[1][col("iv")], Value::Interval(14, 3, 14706500000));
  EXPECT_EQ(rows[1][col("jb")], MakeJsonb("{\"a\": [1, 2], \"b\": 1}"));
  EXPECT_EQ(rows[1][col("j")], MakeJson("{\"b\": 1,  \"a\": [1, 2]}"));
  EXPECT_EQ(rows[1][col("e")], MakeEnum("public.mood", "ok").value());
  EXPECT_EQ(rows[1][col("dm")], MakeDomain("public.posint", Value::Integer(5)).value());
  EXPECT_EQ(rows[1][col("mo")], Value::Text("$12.34"));
  EXPECT_EQ(rows[1][col("sm")], MakeDomain("public.small", Value::Integer(7)).value());
  ASSERT_EQ(rows[1][col("da")].type(), ValueType::kDomain);
  EXPECT_EQ(DomainOf(rows[1][col("da")])->base,
            MakeArray(ArrayValue{"int4", {2}, {2}, {Value::Integer(5), Value::Null()}}).value());
  EXPECT_EQ(rows[1][col("al")],
            MakeArray1("public.label",
                       {MakeDomain("public.label", Value::Text("x y")).value(), Value::Null(),
                        MakeDomain("public.label", Value::Text("")).value()})
                .value());
  EXPECT_EQ(rows[1][col("ca")], Value::Text("$3.50"));
  EXPECT_EQ(rows[1][col("pt")], Value::Text("(1.5,-2)"));
  EXPECT_EQ(rows[1][col("ae")], MakeArray1("public.mood", {MakeEnum("public.mood", "happy").value(),
                                                           MakeEnum("public.mood", "sad").value()})
                                    .value());
  EXPECT_EQ(std::bit_cast<uint64_t>(rows[2][col("f8")].real()), 1ull << 63);  // -0
  EXPECT_EQ(rows[2][col("n")], MakeNumeric("NaN").value());
  EXPECT_EQ(rows[2][col("d")], Value::Date(INT32_MAX));
  EXPECT_EQ(rows[2][col("tstz")], Value::TimestampTz(INT64_MIN));
  EXPECT_EQ(rows[2][col("ttz")], Value::TimeTz(0, -kMaxTimeTzOffset));
  EXPECT_EQ(rows[2][col("iv")], Value::Interval(-1, 2, -1));
  EXPECT_EQ(rows[2][col("ai")], MakeArray(ArrayValue{"int4", {}, {}, {}}).value());
  auto a2 = ArrayOf(rows[2][col("a2")]);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->lower_bounds, (std::vector<int32_t>{0, -1}));
  EXPECT_TRUE(a2->elements[1].is_null());
  EXPECT_EQ(rows[3][col("n")], MakeNumeric("-Infinity").value());
  EXPECT_EQ(rows[3][col("d")], Value::Date(-730485));  // 0001-01-01 BC (year 0, a leap year)
  EXPECT_EQ(rows[3][col("iv")], Value::Interval(178000000 * 12, INT32_MIN, INT64_MIN));
  EXPECT_GT(rows[3][col("jb")].bytes().size(), 1000000u);
  EXPECT_EQ(rows[4][col("n")], MakeNumeric("0.000").value());  // -0.000 is 0.000

  // Out again as COPY text, into b.
  std::string text;
  for (const auto& row : rows) {
    Status s = AppendTextRow(types, row, &text);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  bool sent = false;
  Status in = conn_->CopyIn("COPY b FROM STDIN", "a test", [&](std::string* buf) -> Result<bool> {
    if (!sent) *buf = text;
    sent = true;
    return false;
  });
  ASSERT_TRUE(in.ok()) << in.ToString();
  // Typed comparison of every column with an equality, and the text of
  // whole rows (floats, text-mapped types, numeric scales, json spacing).
  std::string typed;
  for (const std::string& n : names) {
    if (n != "j" && n != "x" && n != "pt") typed += (typed.empty() ? "" : ", ") + n;
  }
  for (const auto& [x, y] : {std::pair{"a", "b"}, std::pair{"b", "a"}}) {
    EXPECT_EQ(One("SELECT count(*) FROM (SELECT " + typed + " FROM " + x + " EXCEPT ALL SELECT " +
                  typed + " FROM " + y + ") d"),
              "0");
    EXPECT_EQ(One(std::string("SELECT count(*) FROM (SELECT r::text FROM ") + x +
                  " r EXCEPT ALL SELECT r::text FROM " + y + " r) d"),
              "0");
  }
  EXPECT_EQ(One("SELECT count(*) FROM b"), "6");
  // And b decodes to the same Values.
  EXPECT_EQ(Scan("b", names, types, "id"), rows);
}

TEST_F(PgValuesTest, WrongKindsAreRefusedNamingTheColumn) {
  Run("CREATE TABLE w (i int4, t text)");
  std::vector<std::string> names;
  std::vector<const PgType*> types;
  Columns("w", &names, &types);
  std::string out = "kept";
  Status s = AppendTextRow(types, {Value::Integer(1), Value::Integer(2)}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "column 2 (text): a integer value cannot be written to a column of type text (it "
            "holds text values)");
  EXPECT_EQ(out, "kept");
  EXPECT_EQ(AppendTextRow(types, {Value::Integer(1)}, &out).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AppendTextRow(types, {Value::Null(), Value::Text(std::string("a\0b", 3))}, &out).code(),
            Status::Code::kInvalidArgument);
  ASSERT_TRUE(AppendTextRow(types, {Value::Null(), Value::Text("a\\b\tc")}, &out).ok());
  EXPECT_EQ(out, "kept\\N\ta\\\\b\\tc\n");
}

// Each kind's key column, scanned ORDER BY OrderExpression: the encoded keys
// (records.md §4) strictly increase, which is what the tree builder needs.
TEST_F(PgValuesTest, OrderExpressionScansInKeyOrder) {
  Run("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE DOMAIN label AS text; "
      "CREATE DOMAIN posint AS int4 CHECK (VALUE > 0); CREATE DOMAIN code AS char(3); "
      "CREATE DOMAIN intarr AS int4[]");
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"int2", "-32768, -1, 0, 7, 32767"},
      {"int8", "-9223372036854775808, -1, 0, 9007199254740993, 9223372036854775807"},
      {"float4", "'-Infinity', -3.5, 0, 1e-40, 2, 'Infinity', 'NaN'"},
      {"float8", "'-Infinity', -1e300, -5e-324, 0, 5e-324, 1, 1e300, 'Infinity', 'NaN'"},
      {"bool", "false, true"},
      {"numeric",
       "'-Infinity', -100, -1.5, -0.001, 0, 0.001, 1.5, 2, 100, 1e20, 'Infinity', 'NaN'"},
      {"text", "'', 'B', 'a', E'a\\x01', 'a b', 'ab', 'b', 'ä', '€'"},
      {"varchar(5)", "'', 'A', 'a', 'ab', 'é'"},
      {"char(3)", "'', E'a\\x01', 'a', 'ab', 'b'"},
      {"code", "'', E'a\\x01', 'a', 'ab'"},
      {"name", "'A', 'a', 'b'"},
      {"bytea", "'\\x', '\\x00', '\\x0000', '\\x01', '\\xff'"},
      {"timestamp",
       "'-infinity', '4713-01-01 BC', '1999-12-31 23:59:59', '2000-01-01', 'infinity'"},
      {"timestamptz",
       "'-infinity', '1970-01-01 00:00+00', '2000-01-01 00:00+05', '2000-01-01 "
       "00:00+00', 'infinity'"},
      {"date",
       "'-infinity', '4713-01-01 BC', '0001-01-01', '2000-01-01', '5874897-12-31', 'infinity'"},
      {"time", "'00:00', '00:00:00.000001', '12:00', '24:00'"},
      {"timetz", "'00:00+15:59', '11:00+00', '12:00+01', '12:00+00', '11:00-01', '23:59-15:59'"},
      {"interval", "'-1 year', '-1 day', '0', '1 microsecond', '29 days', '1 mon 1 day', '1 year'"},
      {"uuid",
       "'00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
       "'ffffffff-ffff-ffff-ffff-ffffffffffff'"},
      {"json", "'\"x\"', '1', '[1]', '{\"b\": 1}', '{\"a\": 1}'"},
      {"jsonb", "'\"x\"', '1', '[1]', '{\"b\": 1}', '{\"a\": 2}', 'null', 'true'"},
      {"inet",
       "'10.0.0.0/8', '10.1.0.0/8', '10.0.0.1', '10.0.0.0/16', '192.168.0.1/24', '::1', "
       "'::/0'"},
      {"cidr", "'10.0.0.0/8', '10.0.0.0/16', '192.168.0.0/24', '::/0', '2001:db8::/32'"},
      {"mood", "'sad', 'ok', 'happy'"},
      {"label", "'B', 'a', 'ä'"},
      {"posint", "1, 2, 300"},
      {"int4[]",
       "'{}', '{1}', '[0:0]={1}', '{1,2}', '{1,NULL}', '{NULL}', '{2}', '{{1,2},{3,4}}', "
       "'{1,2,3,4}'"},
      {"text[]", "'{}', '{\"\"}', '{B}', '{a}', '{a,b}', '{a,NULL}', '{ä}'"},
      {"mood[]", "'{sad}', '{ok}', '{happy}', '{happy,sad}'"},
      {"intarr", "'{}', '{1}', '[0:0]={2}', '{1,NULL}'"},
      {"label[]", "'{B}', '{a}', '{a,b}'"},
      {"jsonb[]", "'{1}', '{\"[1]\"}', '{\"{\\\"a\\\": 1}\"}'"},
      {"numeric[]", "'{-1}', '{0}', '{1.5}', '{NaN}'"},
      {"money", "-5, 1, 10, 2"},
      {"point", "'(1,2)', '(-1,2)', '(1,-2)'"},
  };
  for (const auto& [type, values] : kinds) {
    SCOPED_TRACE(type);
    Run("DROP TABLE IF EXISTS k; CREATE TABLE k (v " + type + "); INSERT INTO k VALUES (NULL), (" +
        [&] {
          std::string v = values;
          // "a, b" -> "a), (b" outside quotes.
          std::string out;
          bool quoted = false;
          for (char c : v) {
            if (c == '\'') quoted = !quoted;
            out += (c == ',' && !quoted) ? std::string("), (") : std::string(1, c);
          }
          return out;
        }() +
        ")");
    std::vector<std::string> names;
    std::vector<const PgType*> types;
    Columns("k", &names, &types);
    const auto rows = Scan("k", names, types, OrderExpression(*types[0], "v"));
    ASSERT_GT(rows.size(), 2u);
    std::string prev;
    for (size_t i = 0; i < rows.size(); i++) {
      std::string key;
      EncodeKey(rows[i], &key);
      if (i > 0) {
        EXPECT_LT(prev, key) << "row " << i << ": "
                             << (rows[i][0].is_null() ? "NULL" : rows[i][0].bytes());
      }
      prev = key;
    }
  }
}

// Decode and encode speed over a generated table (printed; no bound).
TEST_F(PgValuesTest, MeasuresDecodeAndEncodeSpeed) {
  Run("CREATE TABLE s AS SELECT g AS id, 'name ' || g AS name, g * 1.25 AS amount, "
      "timestamptz '2024-01-01' + g * interval '1 second' AS at, ARRAY[g, g + 1] AS pair, "
      "(g % 2 = 0) AS even, md5(g::text) AS hash FROM generate_series(1, 200000) g");
  std::vector<std::string> names;
  std::vector<const PgType*> types;
  Columns("s", &names, &types);
  std::string stream;
  ASSERT_TRUE(conn_
                  ->CopyOut("COPY s TO STDOUT (FORMAT binary)", "a test",
                            [&](std::string_view c) {
                              stream += c;
                              return Status::OK();
                            })
                  .ok());
  // CPU time of this process (the stream is already in memory), so that
  // other load on the machine counts less. Pass 1 decodes; pass 2 decodes
  // and encodes each row as it comes (as a restore would).
  auto cpu = [] { return double(std::clock()) / CLOCKS_PER_SEC; };
  size_t count = 0, text_bytes = 0;
  double t[3];
  std::string text;
  for (int pass = 0; pass < 2; pass++) {
    t[pass] = cpu();
    BinaryCopyDecoder d(types, names);
    ASSERT_TRUE(d.Feed(stream, [&](std::vector<Value>& row) {
                   count++;
                   if (pass == 0) return Status::OK();
                   text.clear();
                   Status s = AppendTextRow(types, row, &text);
                   text_bytes += text.size();
                   return s;
                 }).ok());
    ASSERT_TRUE(d.Finish().ok());
  }
  t[2] = cpu();
  const double dec = t[1] - t[0], enc = (t[2] - t[1]) - dec;
  std::printf(
      "decode: %.1f MB of binary COPY in %.3f s CPU = %.0f MB/s; encode: %.1f MB of COPY "
      "text in %.3f s CPU = %.0f MB/s (%zu rows)\n",
      stream.size() / 1e6, dec, stream.size() / 1e6 / dec, text_bytes / 1e6, enc,
      text_bytes / 1e6 / enc, count / 2);
  std::vector<int> rows(count / 2);
  EXPECT_EQ(rows.size(), 200000u);
}

}  // namespace
}  // namespace tidemark::pg
