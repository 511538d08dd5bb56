// Lookups and guarded writes on a live SQLite file (sqlite_live.h): a key
// finds exactly its row (same storage classes and bytes, whatever the
// collation), each write changes exactly one row and keeps exact storage
// classes, constraint failures come back as Refused without ending the
// transaction, suspended triggers come back with their exact SQL, and a
// busy app makes BeginWrite give up with Refused.
#include "sources/sqlite/sqlite_live.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "records/encoding.h"
#include "records/value_json.h"
#include "sources/sqlite/sqlite_connector.h"
#include "sources/sqlite/sqlite_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {

// Readable values in gtest messages (identical in sqlite_source_test.cc).
inline void PrintTo(const Value& v, std::ostream* os) {
  *os << ValueTypeName(v.type()) << ":" << ValueToDisplay(v);
}

namespace {

using Rows = std::vector<std::vector<std::string>>;

// The shared fixture (sqlite_testlib.h) standing in for the app: no busy
// timeout (a write meeting tidemark's lock fails at once), and rows with
// NULL spelled "NULL".
class App : public TestDb {
 public:
  explicit App(const std::string& path) : TestDb(path, /*busy_timeout_ms=*/0) {}
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows = TestDb::Rows(sql);
    for (auto& row : rows) {
      for (std::string& cell : row) {
        if (cell == kSqlNull) cell = "NULL";
      }
    }
    return rows;
  }
};

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The schema of `table` as SqliteSource reads it.
TableSchema SchemaOf(const std::string& path, const std::string& table) {
  auto src = SqliteSource::Open(path);
  EXPECT_TRUE(src.ok()) << src.status().ToString();
  if (!src.ok()) return {};
  const TableSchema* t = (*src)->schema().FindTable(table);
  EXPECT_NE(t, nullptr) << table;
  return t != nullptr ? *t : TableSchema{};
}

const ForeignKey* FindForeignKey(const TableSchema& t, const std::string& from) {
  for (const ForeignKey& fk : t.foreign_keys) {
    if (fk.from.size() == 1 && fk.from[0] == from) return &fk;
  }
  ADD_FAILURE() << "no foreign key on " << t.name << "." << from;
  return nullptr;
}

std::unique_ptr<SqliteLive> OpenLive(const std::string& path) {
  auto r = SqliteLive::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// OpenLive, inside a write transaction (the app's lock waited for 200 ms).
std::unique_ptr<SqliteLive> OpenWriting(const std::string& path) {
  auto live = OpenLive(path);
  int64_t waited = 0;
  if (live == nullptr) return nullptr;
  Status s = live->BeginWrite(200, &waited);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return s.ok() ? std::move(live) : nullptr;
}

Value Int(int64_t v) { return Value::Integer(v); }
Value Text(std::string s) { return Value::Text(std::move(s)); }

class SqliteLiveTest : public ::testing::Test {
 protected:
  SqliteLiveTest() : path_(dir_.path() + "/app.db") {}

  // Opens a read transaction and a lookup on it (both replaced each call).
  RowLookup* Lookup() {
    lookup_.reset();
    auto src = SqliteSource::Open(path_);
    EXPECT_TRUE(src.ok()) << src.status().ToString();
    if (!src.ok()) return nullptr;
    source_ = std::move(src).value();
    lookup_ = std::make_unique<RowLookup>(source_->handle(), path_);
    return lookup_.get();
  }

  // Get that fails the test on error.
  bool Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row,
           int64_t* rowid = nullptr) {
    if (lookup_ == nullptr) return false;
    Result<bool> r = lookup_->Get(t, key, row, rowid);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }

  ScopedTempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteSource> source_;
  std::unique_ptr<RowLookup> lookup_;  // destroyed before source_
};

// ---- RowLookup::Get ------------------------------------------------------

TEST_F(SqliteLiveTest, GetRowidTableWithoutKey) {
  App(path_).Exec(
      "CREATE TABLE log(at INTEGER, msg TEXT);"
      "INSERT INTO log(rowid, at, msg) VALUES (7, 1, 'start'), (9, NULL, 'end');");
  const TableSchema t = SchemaOf(path_, "log");
  ASSERT_TRUE(t.key_columns.empty());
  Lookup();
  SourceRow row;
  int64_t rowid = 0;
  ASSERT_TRUE(Get(t, {Int(9)}, &row, &rowid));
  EXPECT_EQ(row.key, (std::vector<Value>{Int(9)}));
  EXPECT_EQ(row.record, (Record{Value::Null(), Text("end")}));
  EXPECT_EQ(rowid, 9);
  EXPECT_FALSE(Get(t, {Int(8)}, &row));
  // SQLite would compare '9' as the rowid 9; the key must match exactly.
  EXPECT_FALSE(Get(t, {Text("9")}, &row));
  EXPECT_FALSE(Get(t, {Value::Real(9.0)}, &row));
}

TEST_F(SqliteLiveTest, GetIntegerPrimaryKeyAlias) {
  App(path_).Exec(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, v);"
      "INSERT INTO t VALUES (5, 'five'), (-3, X'00');");
  const TableSchema t = SchemaOf(path_, "t");
  ASSERT_EQ(t.key_columns, std::vector<int>{0});
  ASSERT_FALSE(t.implicit_id_in_record);
  Lookup();
  SourceRow row;
  int64_t rowid = 0;
  ASSERT_TRUE(Get(t, {Int(-3)}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Int(-3), Value::Blob(std::string(1, '\0'))}));
  EXPECT_EQ(row.key, (std::vector<Value>{Int(-3)}));
  EXPECT_EQ(rowid, -3);
  EXPECT_FALSE(Get(t, {Value::Real(5.0)}, &row));
  EXPECT_FALSE(Get(t, {Text("5")}, &row));
  EXPECT_FALSE(Get(t, {Int(6)}, &row));
}

TEST_F(SqliteLiveTest, GetDeclaredTextKeyKeepsRowidInRecord) {
  App(path_).Exec(
      "CREATE TABLE tags(tag TEXT PRIMARY KEY, n INTEGER);"
      "INSERT INTO tags(rowid, tag, n) VALUES (10, 'zeta', 1), (5, 'alpha', 2), (8, NULL, 3),"
      "  (12, '', NULL);");
  const TableSchema t = SchemaOf(path_, "tags");
  ASSERT_TRUE(t.implicit_id_in_record);
  Lookup();
  SourceRow row;
  int64_t rowid = 0;
  ASSERT_TRUE(Get(t, {Text("zeta")}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Text("zeta"), Int(1), Int(10)}));
  EXPECT_EQ(row.key, (std::vector<Value>{Text("zeta")}));
  EXPECT_EQ(rowid, 10);
  ASSERT_TRUE(Get(t, {Text("")}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Text(""), Value::Null(), Int(12)}));
  EXPECT_FALSE(Get(t, {Text("ZETA")}, &row));
  EXPECT_FALSE(Get(t, {Value::Blob("zeta")}, &row));
}

// A rowid table's declared key may hold NULL (an old SQLite quirk): the key
// [NULL] finds that row and no other.
TEST_F(SqliteLiveTest, GetNullInRowidTableKey) {
  App(path_).Exec(
      "CREATE TABLE tags(tag TEXT PRIMARY KEY, n INTEGER);"
      "INSERT INTO tags(rowid, tag, n) VALUES (5, 'alpha', 2), (8, NULL, 3);");
  const TableSchema t = SchemaOf(path_, "tags");
  Lookup();
  SourceRow row;
  int64_t rowid = 0;
  ASSERT_TRUE(Get(t, {Value::Null()}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Value::Null(), Int(3), Int(8)}));
  EXPECT_EQ(row.key, (std::vector<Value>{Value::Null()}));
  EXPECT_EQ(rowid, 8);
  EXPECT_FALSE(Get(t, {Text("")}, &row));
}

TEST_F(SqliteLiveTest, GetWithoutRowidCompositeKey) {
  App(path_).Exec(
      "CREATE TABLE pairs(a TEXT, b INTEGER, v, PRIMARY KEY(a, b)) WITHOUT ROWID;"
      "INSERT INTO pairs VALUES ('x', 1, 'x1'), ('x', 2, 2.5), ('y', 1, NULL);");
  const TableSchema t = SchemaOf(path_, "pairs");
  ASSERT_TRUE(t.no_implicit_id);
  Lookup();
  SourceRow row;
  int64_t rowid = -1;
  ASSERT_TRUE(Get(t, {Text("x"), Int(2)}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Text("x"), Int(2), Value::Real(2.5)}));
  EXPECT_EQ(row.key, (std::vector<Value>{Text("x"), Int(2)}));
  EXPECT_EQ(rowid, 0);
  EXPECT_FALSE(Get(t, {Text("y"), Int(2)}, &row));
  // b's INTEGER affinity makes SQLite see '1' as 1: not an exact match.
  EXPECT_FALSE(Get(t, {Text("x"), Text("1")}, &row));
}

// Under a NOCASE key only one of 'abc' / 'ABC' can exist, and looking up
// the other must not find it.
TEST_F(SqliteLiveTest, GetNocaseKeyMatchesExactlyOnly) {
  App(path_).Exec(
      "CREATE TABLE n(k TEXT COLLATE NOCASE PRIMARY KEY, v) WITHOUT ROWID;"
      "INSERT INTO n VALUES ('abc', 1);");
  const TableSchema t = SchemaOf(path_, "n");
  Lookup();
  SourceRow row;
  ASSERT_TRUE(Get(t, {Text("abc")}, &row));
  EXPECT_EQ(row.record, (Record{Text("abc"), Int(1)}));
  EXPECT_FALSE(Get(t, {Text("ABC")}, &row));
  EXPECT_FALSE(Get(t, {Text("Abc")}, &row));
}

// A NOCASE column under a BINARY key holds both 'abc' and 'ABC'; each key
// finds its own row even though the column's collation matches both.
TEST_F(SqliteLiveTest, GetNocaseColumnBinaryKeyPicksTheExactRow) {
  App(path_).Exec(
      "CREATE TABLE m(k TEXT COLLATE NOCASE, v, PRIMARY KEY(k COLLATE BINARY));"
      "INSERT INTO m(rowid, k, v) VALUES (1, 'abc', 'lower'), (2, 'ABC', 'upper');");
  const TableSchema t = SchemaOf(path_, "m");
  Lookup();
  SourceRow row;
  int64_t rowid = 0;
  ASSERT_TRUE(Get(t, {Text("ABC")}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Text("ABC"), Text("upper"), Int(2)}));
  EXPECT_EQ(rowid, 2);
  ASSERT_TRUE(Get(t, {Text("abc")}, &row, &rowid));
  EXPECT_EQ(row.record, (Record{Text("abc"), Text("lower"), Int(1)}));
  EXPECT_EQ(rowid, 1);
  EXPECT_FALSE(Get(t, {Text("aBc")}, &row));
}

// ---- ForEachChild / ParentExists -----------------------------------------

class RelationsTest : public SqliteLiveTest {
 protected:
  void SetUp() override {
    App(path_).Exec(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY, code TEXT UNIQUE);"
        "CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id),"
        "  code TEXT REFERENCES parent(code));"
        "INSERT INTO parent VALUES (1, 'A'), (2, 'B'), (3, NULL);"
        "INSERT INTO child VALUES (10, 1, 'A'), (11, 1, NULL), (12, 2, 'A'), (13, NULL, NULL);");
    parent_ = SchemaOf(path_, "parent");
    child_ = SchemaOf(path_, "child");
    Lookup();
  }

  // The keys of the children ForEachChild reports, in call order.
  std::vector<int64_t> Children(const std::string& from, const std::vector<Value>& values) {
    const ForeignKey* fk = FindForeignKey(child_, from);
    std::vector<int64_t> keys;
    if (fk == nullptr) return keys;
    Status s = lookup_->ForEachChild(child_, *fk, values, [&](const SourceRow& r) {
      EXPECT_EQ(r.record.size(), 3u);
      keys.push_back(r.key.at(0).integer());
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  TableSchema parent_, child_;
};

TEST_F(RelationsTest, ForEachChildFindsRowsReferringToTheValues) {
  EXPECT_EQ(Children("pid", {Int(1)}), (std::vector<int64_t>{10, 11}));
  EXPECT_EQ(Children("pid", {Int(2)}), (std::vector<int64_t>{12}));
  EXPECT_EQ(Children("pid", {Int(3)}), (std::vector<int64_t>{}));
  EXPECT_EQ(Children("code", {Text("A")}), (std::vector<int64_t>{10, 12}));
  EXPECT_EQ(Children("code", {Text("a")}), (std::vector<int64_t>{}));
}

TEST_F(RelationsTest, ForEachChildStopsAtTheCallbacksError) {
  const ForeignKey* fk = FindForeignKey(child_, "pid");
  ASSERT_NE(fk, nullptr);
  int calls = 0;
  Status s = lookup_->ForEachChild(child_, *fk, {Int(1)}, [&](const SourceRow&) {
    calls++;
    return Status::Refused("stop");
  });
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_EQ(calls, 1);
  // The cached statement is usable again afterwards.
  EXPECT_EQ(Children("pid", {Int(2)}), (std::vector<int64_t>{12}));
}

// Regression: was a bug found by this test (fixed with it).
TEST_F(RelationsTest, ForEachChildNeverMatchesNull) {
  EXPECT_EQ(Children("code", {Value::Null()}), (std::vector<int64_t>{}));
  EXPECT_EQ(Children("pid", {Value::Null()}), (std::vector<int64_t>{}));
}

TEST_F(RelationsTest, ParentExists) {
  auto exists = [&](const std::string& col, const Value& v) {
    Result<bool> r = lookup_->ParentExists(parent_, {col}, {v});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_TRUE(exists("id", Int(2)));
  EXPECT_FALSE(exists("id", Int(4)));
  EXPECT_TRUE(exists("code", Text("B")));
  EXPECT_FALSE(exists("code", Text("C")));
  const ForeignKey* fk = FindForeignKey(child_, "pid");
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(ReferencedColumns(parent_, *fk), std::vector<std::string>{"id"});
}

// ---- SqliteLive writes ----------------------------------------------------

// Insert, Update and Delete each change exactly one row, and what they
// write has the exact storage classes given: integer vs real, an empty blob
// (not NULL), -0.0 with its sign.
TEST_F(SqliteLiveTest, WritesKeepExactStorageClasses) {
  App app(path_);
  app.Exec(
      "CREATE TABLE vals(id INTEGER PRIMARY KEY, a, b, c, d);"
      "INSERT INTO vals VALUES (1, 'keep', 1, 2, 3), (2, 'old', 0, 0, 0), (3, 'gone', 0, 0, 0);");
  const TableSchema t = SchemaOf(path_, "vals");
  auto live = OpenWriting(path_);
  ASSERT_NE(live, nullptr);
  Status s = live->Insert(
      t, {{Int(4)}, {Int(4), Int(7), Value::Real(7.0), Value::Blob(""), Value::Real(-0.0)}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = live->Update(
      t,
      {{Int(2)},
       {Int(2), Value::Real(1.5), Text(""), Value::Null(), Value::Blob(std::string("\0\1", 2))}},
      2);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = live->Delete(t, {Int(3)}, 3);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(live->Commit().ok());
  live.reset();

  EXPECT_EQ(app.Query("SELECT id, typeof(a), typeof(b), typeof(c), typeof(d), length(c), "
                      "quote(a), quote(b), quote(d) FROM vals ORDER BY id"),
            (Rows{{"1", "text", "integer", "integer", "integer", "1", "'keep'", "1", "3"},
                  {"2", "real", "text", "null", "blob", "NULL", "1.5", "''", "X'0001'"},
                  {"4", "integer", "real", "blob", "real", "0", "7", "7.0", "0.0"}}));
  // quote() prints -0.0 as 0.0: the sign bit is checked here.
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(app.get(), "SELECT d FROM vals WHERE id = 4", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_TRUE(std::signbit(sqlite3_column_double(stmt, 0)));
  sqlite3_finalize(stmt);
}

// The three key layouts: a rowid key (the rowid is the key), a declared key
// with the rowid kept last in the record, and a WITHOUT ROWID key.
TEST_F(SqliteLiveTest, WritesAddressRowsByEachKeyLayout) {
  App app(path_);
  app.Exec(
      "CREATE TABLE log(at INTEGER, msg TEXT);"
      "INSERT INTO log(rowid, at, msg) VALUES (5, 1, 'a'), (6, 2, 'b');"
      "CREATE TABLE tags(tag TEXT PRIMARY KEY, n INTEGER);"
      "INSERT INTO tags(rowid, tag, n) VALUES (3, 'x', 1), (4, 'y', 2);"
      "CREATE TABLE pairs(a TEXT, b INTEGER, v, PRIMARY KEY(a, b)) WITHOUT ROWID;"
      "INSERT INTO pairs VALUES ('p', 1, 'one'), ('p', 2, 'two');");
  const TableSchema log = SchemaOf(path_, "log");
  const TableSchema tags = SchemaOf(path_, "tags");
  const TableSchema pairs = SchemaOf(path_, "pairs");
  auto live = OpenWriting(path_);
  ASSERT_NE(live, nullptr);
  auto ok = [](const Status& s) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return s.ok();
  };
  ok(live->Insert(log, {{Int(42)}, {Int(9), Text("new")}}));
  ok(live->Update(log, {{Int(5)}, {Int(10), Text("A")}}, 5));
  ok(live->Delete(log, {Int(6)}, 6));
  ok(live->Insert(tags, {{Text("z")}, {Text("z"), Int(3), Int(77)}}));
  // The record's rowid is written too: row 'x' moves from rowid 3 to 30.
  ok(live->Update(tags, {{Text("x")}, {Text("x"), Int(11), Int(30)}}, 3));
  ok(live->Delete(tags, {Text("y")}, 4));
  ok(live->Insert(pairs, {{Text("q"), Int(1)}, {Text("q"), Int(1), Value::Null()}}));
  ok(live->Update(pairs, {{Text("p"), Int(2)}, {Text("p"), Int(2), Text("TWO")}}, 0));
  ok(live->Delete(pairs, {Text("p"), Int(1)}, 0));
  // A row that is not there: nothing changes, and it is an error.
  EXPECT_FALSE(live->Update(log, {{Int(99)}, {Int(0), Text("none")}}, 99).ok());
  EXPECT_FALSE(live->Delete(pairs, {Text("p"), Int(9)}, 0).ok());
  ASSERT_TRUE(live->Commit().ok());
  live.reset();

  EXPECT_EQ(app.Query("SELECT rowid, at, msg FROM log ORDER BY rowid"),
            (Rows{{"5", "10", "A"}, {"42", "9", "new"}}));
  EXPECT_EQ(app.Query("SELECT rowid, tag, n FROM tags ORDER BY rowid"),
            (Rows{{"30", "x", "11"}, {"77", "z", "3"}}));
  EXPECT_EQ(app.Query("SELECT a, b, quote(v) FROM pairs ORDER BY a, b"),
            (Rows{{"p", "2", "'TWO'"}, {"q", "1", "NULL"}}));
}

// A WITHOUT ROWID table whose NOCASE column has a BINARY key holds both
// 'abc' and 'ABC': a write addressed to one must leave the other alone.
// Regression: was a bug found by this test (fixed with it).
TEST_F(SqliteLiveTest, WritesUnderNocaseColumnTouchOnlyTheExactKey) {
  App app(path_);
  app.Exec(
      "CREATE TABLE m(k TEXT COLLATE NOCASE, v, PRIMARY KEY(k COLLATE BINARY)) WITHOUT ROWID;"
      "INSERT INTO m VALUES ('abc', 'lower'), ('ABC', 'upper');");
  const TableSchema t = SchemaOf(path_, "m");
  auto live = OpenWriting(path_);
  ASSERT_NE(live, nullptr);
  Status s = live->Update(t, {{Text("abc")}, {Text("abc"), Text("LOWER")}}, 0);
  EXPECT_TRUE(s.ok()) << s.ToString();
  s = live->Delete(t, {Text("ABC")}, 0);
  EXPECT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(live->Commit().ok());
  live.reset();
  EXPECT_EQ(app.Query("SELECT k, v FROM m ORDER BY k COLLATE BINARY"), (Rows{{"abc", "LOWER"}}));
}

// A constraint failure undoes its statement only: it is Refused with
// SQLite's message, and the transaction goes on and commits.
TEST_F(SqliteLiveTest, ConstraintFailuresAreRefusedAndTheTransactionContinues) {
  App app(path_);
  app.Exec(
      "CREATE TABLE c(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL,"
      "  qty INTEGER CHECK (qty >= 0));"
      "INSERT INTO c VALUES (1, 'x@', 'Ada', 1);");
  const TableSchema t = SchemaOf(path_, "c");
  auto live = OpenWriting(path_);
  ASSERT_NE(live, nullptr);
  auto row = [](int64_t id, const char* email, Value name, int64_t qty) {
    return SourceRow{{Int(id)}, {Int(id), Text(email), std::move(name), Int(qty)}};
  };
  Status s = live->Insert(t, row(2, "x@", Text("Bob"), 1));
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("UNIQUE"), std::string::npos) << s.ToString();
  s = live->Insert(t, row(3, "y@", Value::Null(), 1));
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("NOT NULL"), std::string::npos) << s.ToString();
  s = live->Insert(t, row(4, "z@", Text("Cy"), -1));
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("CHECK"), std::string::npos) << s.ToString();
  s = live->Update(t, row(1, "x@", Text("Ada"), -5), 1);
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  s = live->Insert(t, row(5, "w@", Text("Dee"), 2));
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(live->Commit().ok());
  live.reset();
  EXPECT_EQ(app.Query("SELECT id, email, name, qty FROM c ORDER BY id"),
            (Rows{{"1", "x@", "Ada", "1"}, {"5", "w@", "Dee", "2"}}));
}

class TriggersTest : public SqliteLiveTest {
 protected:
  void SetUp() override {
    App(path_).Exec(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v);"
        "CREATE TABLE other(id INTEGER PRIMARY KEY);"
        "CREATE TABLE audit(msg);"
        "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO audit VALUES('ins ' || "
        "new.id); END;"
        "create   trigger \"T upd\" after update of v on T  -- odd spacing, a comment\n"
        "  begin insert into audit values ('upd'); end;"
        "CREATE TRIGGER other_ins AFTER INSERT ON other BEGIN INSERT INTO audit VALUES('o'); "
        "END;"
        "INSERT INTO t VALUES (1, 'a');"
        "DELETE FROM audit;");
    t_ = SchemaOf(path_, "t");
  }

  Rows Triggers(App* app) {
    return app->Query(
        "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' "
        "ORDER BY name");
  }

  TableSchema t_;
};

TEST_F(TriggersTest, SuspendedTriggersComeBackWithTheSameSqlAndDoNotFire) {
  App app(path_);
  const Rows before = Triggers(&app);
  ASSERT_EQ(before.size(), 3u);
  auto live = OpenWriting(path_);
  ASSERT_NE(live, nullptr);
  size_t count = 0;
  Status s = live->SuspendTriggers({"T"}, &count);  // names ignore case
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(count, 2u);
  ASSERT_TRUE(live->Insert(t_, {{Int(2)}, {Int(2), Text("b")}}).ok());
  ASSERT_TRUE(live->Update(t_, {{Int(1)}, {Int(1), Text("A")}}, 1).ok());
  ASSERT_TRUE(live->RestoreTriggers().ok());
  ASSERT_TRUE(live->Commit().ok());
  live.reset();

  EXPECT_EQ(Triggers(&app), before);
  EXPECT_EQ(app.Int("SELECT count(*) FROM audit"), 0);
  EXPECT_EQ(app.Query("SELECT id, v FROM t ORDER BY id"), (Rows{{"1", "A"}, {"2", "b"}}));
  // Restored triggers work for the app again.
  app.Exec("INSERT INTO t VALUES (3, 'c'); UPDATE t SET v = 'x' WHERE id = 1;");
  EXPECT_EQ(app.Query("SELECT msg FROM audit ORDER BY rowid"), (Rows{{"ins 3"}, {"upd"}}));
}

TEST_F(TriggersTest, RollbackKeepsSuspendedTriggers) {
  App app(path_);
  const Rows before = Triggers(&app);
  auto live = OpenWriting(path_);
  ASSERT_NE(live, nullptr);
  size_t count = 0;
  ASSERT_TRUE(live->SuspendTriggers({"t", "other"}, &count).ok());
  EXPECT_EQ(count, 3u);
  ASSERT_TRUE(live->Rollback().ok());
  live.reset();
  EXPECT_EQ(Triggers(&app), before);
}

// Rollback (and a SqliteLive destroyed mid-transaction) leaves the file
// byte for byte as it was.
TEST_F(SqliteLiveTest, RollbackLeavesTheFileUnchanged) {
  App(path_).Exec(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, v);"
      "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');");
  const TableSchema t = SchemaOf(path_, "t");
  const std::string before = FileBytes(path_);
  for (bool explicit_rollback : {true, false}) {
    auto live = OpenLive(path_);
    ASSERT_NE(live, nullptr);
    int64_t waited = 0;
    ASSERT_TRUE(live->BeginWrite(200, &waited).ok());
    ASSERT_TRUE(live->Insert(t, {{Int(4)}, {Int(4), Text("d")}}).ok());
    ASSERT_TRUE(live->Update(t, {{Int(1)}, {Int(1), Text("A")}}, 1).ok());
    ASSERT_TRUE(live->Delete(t, {Int(2)}, 2).ok());
    if (explicit_rollback) {
      ASSERT_TRUE(live->Rollback().ok());
    }
    live.reset();
    EXPECT_EQ(FileBytes(path_), before) << "explicit rollback: " << explicit_rollback;
    EXPECT_EQ(App(path_).Query("SELECT id, v FROM t ORDER BY id"),
              (Rows{{"1", "a"}, {"2", "b"}, {"3", "c"}}));
  }
}

// The app holds its write lock: BeginWrite waits, gives up with Refused,
// and succeeds once the lock is released.
TEST_F(SqliteLiveTest, BeginWriteIsRefusedWhileTheAppHoldsTheWriteLock) {
  App app(path_);
  app.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);");
  auto live = OpenLive(path_);
  ASSERT_NE(live, nullptr);
  int64_t waited = -1;
  Status s = live->BeginWrite(200, &waited);
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("--lock-timeout"), std::string::npos) << s.ToString();
  EXPECT_GE(waited, 0);
  app.Exec("COMMIT");
  s = live->BeginWrite(200, &waited);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(live->Rollback().ok());
}

TEST_F(SqliteLiveTest, OpenMissingFileIsNotFound) {
  auto r = SqliteLive::Open(dir_.path() + "/nope.db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound) << r.status().ToString();
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

// The same writes through the connector's interfaces (what ops/rollback
// uses): rows found by the row as the lookup read it, never by a rowid.
TEST_F(SqliteLiveTest, LiveTargetWritesAddressRowsAsRead) {
  App app(path_);
  app.Exec(
      "CREATE TABLE log(at INTEGER, msg TEXT);"
      "INSERT INTO log(rowid, at, msg) VALUES (5, 1, 'a'), (6, 2, 'b');"
      "CREATE TABLE tags(tag TEXT PRIMARY KEY, n INTEGER DEFAULT (6 * 7));"
      "INSERT INTO tags(rowid, tag, n) VALUES (3, 'x', 1), (4, 'y', 2);"
      "CREATE TABLE pairs(a TEXT, b INTEGER, v, PRIMARY KEY(a, b)) WITHOUT ROWID;"
      "INSERT INTO pairs VALUES ('p', 1, 'one'), ('p', 2, 'two');");
  const TableSchema log = SchemaOf(path_, "log");
  const TableSchema tags = SchemaOf(path_, "tags");
  const TableSchema pairs = SchemaOf(path_, "pairs");
  auto connector = NewSqliteConnector();
  {
    auto view = connector->OpenReader(path_, 1000);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    auto lookup = connector->OpenLookup(view->get());
    ASSERT_TRUE(lookup.ok()) << lookup.status().ToString();
    auto d = (*lookup)->DefaultValue(tags, 1);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, Int(42));
    auto none = (*lookup)->DefaultValue(tags, 0);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->is_null());
    auto any = (*lookup)->AnyWhere(tags, {"n"}, {Value::Null()});
    ASSERT_TRUE(any.ok());
    EXPECT_FALSE(*any);  // NULL matches nothing
  }
  auto opened = connector->OpenLive(path_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  LiveTarget* live = opened->get();
  const LiveCapabilities caps = live->capabilities();
  EXPECT_TRUE(caps.atomic_transaction && caps.suspendable_triggers && caps.checks_constraints);
  int64_t waited = 0;
  ASSERT_TRUE(live->BeginWrite(200, &waited).ok());
  auto current = [&](const TableSchema& t, const std::vector<Value>& key) {
    SourceRow row;
    auto r = live->lookup()->Get(t, key, &row);
    EXPECT_TRUE(r.ok() && *r) << t.name << " " << KeyToDisplay(key);
    return row;
  };
  auto ok = [](const Status& s) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return s.ok();
  };
  ok(live->Update(log, current(log, {Int(5)}), {{Int(5)}, {Int(10), Text("A")}}));
  ok(live->Delete(log, current(log, {Int(6)})));
  // The record's rowid is written too: row 'x' moves from rowid 3 to 30.
  ok(live->Update(tags, current(tags, {Text("x")}), {{Text("x")}, {Text("x"), Int(11), Int(30)}}));
  ok(live->Delete(tags, current(tags, {Text("y")})));
  ok(live->Update(pairs, current(pairs, {Text("p"), Int(2)}),
                  {{Text("p"), Int(2)}, {Text("p"), Int(2), Text("TWO")}}));
  ok(live->Delete(pairs, current(pairs, {Text("p"), Int(1)})));
  ASSERT_TRUE(live->Commit().ok());
  opened->reset();

  EXPECT_EQ(app.Query("SELECT rowid, at, msg FROM log ORDER BY rowid"), (Rows{{"5", "10", "A"}}));
  EXPECT_EQ(app.Query("SELECT rowid, tag, n FROM tags ORDER BY rowid"), (Rows{{"30", "x", "11"}}));
  EXPECT_EQ(app.Query("SELECT a, b, quote(v) FROM pairs ORDER BY a, b"),
            (Rows{{"p", "2", "'TWO'"}}));
}

}  // namespace
}  // namespace tidemark
