#include "sources/sqlite/sqlite_affinity.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace tidemark {
namespace {

TEST(Affinity, SqliteRulesInOrder) {
  EXPECT_EQ(AffinityOf("INTEGER"), Affinity::kInteger);
  EXPECT_EQ(AffinityOf("bigint"), Affinity::kInteger);
  EXPECT_EQ(AffinityOf("CHARINT"), Affinity::kInteger);  // "INT" wins
  EXPECT_EQ(AffinityOf("varchar(10)"), Affinity::kText);
  EXPECT_EQ(AffinityOf("CLOB"), Affinity::kText);
  EXPECT_EQ(AffinityOf(""), Affinity::kBlob);
  EXPECT_EQ(AffinityOf("blob"), Affinity::kBlob);
  EXPECT_EQ(AffinityOf("DOUBLE PRECISION"), Affinity::kReal);
  EXPECT_EQ(AffinityOf("FLOATING POINT"), Affinity::kInteger);  // "POINT" holds "INT"
  EXPECT_EQ(AffinityOf("DECIMAL(10,5)"), Affinity::kNumeric);
  EXPECT_EQ(AffinityOf("STRING"), Affinity::kNumeric);
}

// AffinityChanges agrees with what SQLite stores, for each class in each
// affinity: insert into a typed table, compare typeof() with the class.
TEST(Affinity, ChangesMatchSqlite) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(i INTEGER, t TEXT, b BLOB, r REAL, n NUMERIC)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt *probe = nullptr, *ins = nullptr, *get = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT ?1", -1, &probe, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?1, ?1, ?1, ?1)", -1, &ins, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT typeof(i), typeof(t), typeof(b), typeof(r), typeof(n) "
                               "FROM t WHERE rowid = last_insert_rowid()",
                               -1, &get, nullptr),
            SQLITE_OK);
  const Affinity affinities[] = {Affinity::kInteger, Affinity::kText, Affinity::kBlob,
                                 Affinity::kReal, Affinity::kNumeric};
  const Value values[] = {Value::Null(),       Value::Integer(42), Value::Integer(-1),
                          Value::Real(5.0),    Value::Real(2.5),   Value::Real(-0.0),
                          Value::Real(1e300),  Value::Text("42"),  Value::Text(" 7 "),
                          Value::Text("1e3"),  Value::Text("abc"), Value::Text("12abc"),
                          Value::Text("0x10"), Value::Text("+5"),  Value::Text(".5"),
                          Value::Text(""),     Value::Blob("42"),  Value::Blob("")};
  for (const Value& v : values) {
    SCOPED_TRACE(std::string(ValueTypeName(v.type())) + " " + v.bytes());
    switch (v.type()) {
      case ValueType::kNull:
        sqlite3_bind_null(ins, 1);
        break;
      case ValueType::kInteger:
        sqlite3_bind_int64(ins, 1, v.integer());
        break;
      case ValueType::kReal:
        sqlite3_bind_double(ins, 1, v.real());
        break;
      case ValueType::kText:
        sqlite3_bind_text(ins, 1, v.bytes().data(), int(v.bytes().size()), SQLITE_STATIC);
        break;
      case ValueType::kBlob:
        sqlite3_bind_zeroblob(ins, 1, 0);
        if (!v.bytes().empty()) {
          sqlite3_bind_blob(ins, 1, v.bytes().data(), int(v.bytes().size()), SQLITE_STATIC);
        }
        break;
      default:
        FAIL() << "not a SQLite value";
    }
    ASSERT_EQ(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
    ASSERT_EQ(sqlite3_step(get), SQLITE_ROW);
    for (int c = 0; c < 5; c++) {
      const std::string stored = reinterpret_cast<const char*>(sqlite3_column_text(get, c));
      const bool changed = stored != ValueTypeName(v.type());
      // An integer in a REAL column reads back as a real: never a reader's value.
      if (v.type() == ValueType::kInteger && affinities[c] == Affinity::kReal) continue;
      EXPECT_EQ(AffinityChanges(v, affinities[c], probe), changed) << "column " << c;
    }
    sqlite3_reset(get);
  }
  sqlite3_finalize(probe);
  sqlite3_finalize(ins);
  sqlite3_finalize(get);
  sqlite3_close(db);
}

TableSchema Table(std::string sql, std::vector<std::string> names) {
  TableSchema t;
  t.name = "t";
  t.sql = std::move(sql);
  for (std::string& n : names) t.columns.push_back({n, "", "", "", false, 0, 0});
  return t;
}

TEST(SqlWithoutTypes, RemovesOnlyTheTypesOfStrippedColumns) {
  const TableSchema t = Table(
      "CREATE TABLE \"a(b\" ( id INTEGER PRIMARY KEY, \"we\"\"ird\" VARCHAR ( 10 , 2 ) NOT NULL,"
      " [c,d] DOUBLE /* , */ PRECISION DEFAULT (max(1, 2)) , -- note, here\n e TEXT COLLATE NOCASE,"
      " f, g INT AS (e || 'x') STORED, CONSTRAINT pk UNIQUE (e, f), CHECK (f > 0))",
      {"id", "we\"ird", "c,d", "e", "f", "g"});
  auto sql = SqlWithoutTypes(t, {false, true, true, true, true, false});
  ASSERT_TRUE(sql.has_value());
  EXPECT_EQ(*sql,
            "CREATE TABLE \"a(b\" ( id INTEGER PRIMARY KEY, \"we\"\"ird\"  NOT NULL,"
            " [c,d]  DEFAULT (max(1, 2)) , -- note, here\n e  COLLATE NOCASE,"
            " f, g INT AS (e || 'x') STORED, CONSTRAINT pk UNIQUE (e, f), CHECK (f > 0))");
  // The result is SQL SQLite accepts, with the same columns.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql->c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(SqlWithoutTypes, RefusesWhatItCannotMatch) {
  EXPECT_FALSE(SqlWithoutTypes(Table("CREATE TABLE t(a INT, b INT)", {"a"}), {true}));
  EXPECT_FALSE(SqlWithoutTypes(Table("CREATE TABLE t(a INT, b INT)", {"a", "c"}), {true, true}));
  EXPECT_FALSE(SqlWithoutTypes(Table("CREATE TABLE t(a INT, 'b", {"a", "b"}), {true, true}));
  EXPECT_FALSE(SqlWithoutTypes(Table("CREATE TABLE t(a INT", {"a"}), {true}));
  EXPECT_EQ(SqlWithoutTypes(Table("CREATE TABLE t(A INT)", {"a"}), {true}),
            std::optional<std::string>("CREATE TABLE t(A )"));
}

}  // namespace
}  // namespace tidemark
