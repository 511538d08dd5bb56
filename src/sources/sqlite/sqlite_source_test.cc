#include "sources/sqlite/sqlite_source.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "records/encoding.h"
#include "sources/sqlite/sqlite_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {

// Readable values in gtest messages (identical in sqlite_writer_test.cc).
inline void PrintTo(const Value& v, std::ostream* os) {
  *os << ValueTypeName(v.type()) << ":" << ValueToDisplay(v);
}

namespace {

std::unique_ptr<SqliteSource> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<SqliteSource>> r = SqliteSource::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

std::vector<SourceRow> ScanAll(SqliteSource* src, const std::string& table) {
  std::vector<SourceRow> rows;
  const TableSchema* t = src->schema().FindTable(table);
  EXPECT_NE(t, nullptr) << table;
  if (t == nullptr) return rows;
  Status s = src->Scan(*t, [&](const SourceRow& row) {
    rows.push_back(row);
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return rows;
}

// SQLite's BINARY order of values: NULL < numbers (by value) < text < blob.
int Compare(const Value& a, const Value& b) {
  auto rank = [](const Value& v) {
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
  if (rank(a) != rank(b)) return rank(a) < rank(b) ? -1 : 1;
  if (rank(a) == 0) return 0;
  if (rank(a) == 1) {
    // long double holds every int64 exactly (x86-64), so mixed pairs compare exactly.
    auto num = [](const Value& v) {
      return v.type() == ValueType::kInteger ? (long double)v.integer() : (long double)v.real();
    };
    return num(a) < num(b) ? -1 : num(a) > num(b) ? 1 : 0;
  }
  int c =
      std::memcmp(a.bytes().data(), b.bytes().data(), std::min(a.bytes().size(), b.bytes().size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return a.bytes().size() < b.bytes().size() ? -1 : a.bytes().size() > b.bytes().size() ? 1 : 0;
}

bool KeyLess(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); i++) {
    int c = Compare(a[i], b[i]);
    if (c != 0) return c < 0;
  }
  return a.size() < b.size();
}

class SqliteSourceTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return tmp_.path() + "/" + name; }
  ScopedTempDir tmp_;
};

TEST_F(SqliteSourceTest, ChoosesKeysAndReadsSchema) {
  const std::string path = Path("s.db");
  {
    TestDb db(path);
    db.Exec(
        "PRAGMA user_version = 7; PRAGMA application_id = 99;"
        "CREATE TABLE alias(id INTEGER PRIMARY KEY, x);"
        "CREATE TABLE desc_col(id INTEGER PRIMARY KEY DESC, x);"
        "CREATE TABLE desc_tbl(id INTEGER, x, PRIMARY KEY(id DESC));"
        "CREATE TABLE int_pk(id INT PRIMARY KEY, x);"
        "CREATE TABLE text_pk(k TEXT PRIMARY KEY, x);"
        "CREATE TABLE no_pk(x, y);"
        "CREATE TABLE wr(a TEXT COLLATE NOCASE, b INT NOT NULL DEFAULT 3, PRIMARY KEY(b, a))"
        " WITHOUT ROWID, STRICT;"
        "CREATE TABLE gen(a INT, s INT AS (a * 2) STORED, v INT AS (a + 1));"
        "CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, p REFERENCES alias(id) ON DELETE"
        " CASCADE, q, r, FOREIGN KEY(q, r) REFERENCES wr(b, a));"
        "CREATE INDEX seq_part ON seq(q) WHERE q > 0;"
        "CREATE UNIQUE INDEX seq_expr ON seq(lower(r), q);"
        "CREATE VIRTUAL TABLE ft USING fts5(body);"
        "INSERT INTO seq(q) VALUES(1); INSERT INTO no_pk VALUES(1, 2); ANALYZE;");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);
  const SourceSchema& s = src->schema();
  auto table = [&](const char* name) {
    const TableSchema* t = s.FindTable(name);
    EXPECT_NE(t, nullptr) << name;
    return t != nullptr ? *t : TableSchema();
  };
  EXPECT_EQ(table("alias").key_columns, std::vector<int>{0});
  EXPECT_FALSE(table("alias").implicit_id_in_record);
  EXPECT_TRUE(table("desc_col").implicit_id_in_record);   // INTEGER PRIMARY KEY DESC: not an alias
  EXPECT_FALSE(table("desc_tbl").implicit_id_in_record);  // PRIMARY KEY(id DESC): an alias
  EXPECT_TRUE(table("int_pk").implicit_id_in_record);     // INT is not INTEGER
  EXPECT_TRUE(table("text_pk").implicit_id_in_record);
  EXPECT_EQ(table("text_pk").key_columns, std::vector<int>{0});
  EXPECT_TRUE(table("no_pk").key_columns.empty());
  EXPECT_FALSE(table("no_pk").implicit_id_in_record);

  TableSchema wr = table("wr");
  EXPECT_TRUE(wr.no_implicit_id);
  EXPECT_TRUE(wr.strict);
  EXPECT_FALSE(wr.implicit_id_in_record);
  EXPECT_EQ(wr.key_columns, (std::vector<int>{1, 0}));
  EXPECT_EQ(wr.columns[0].collation, "NOCASE");
  EXPECT_EQ(wr.columns[1].collation, "");
  EXPECT_TRUE(wr.columns[1].not_null);
  EXPECT_EQ(wr.columns[1].default_sql, "3");
  EXPECT_EQ(wr.columns[1].decl_type, "INT");

  TableSchema gen = table("gen");
  ASSERT_EQ(gen.columns.size(), 3u);
  EXPECT_EQ(gen.columns[1].hidden, 3);  // STORED
  EXPECT_EQ(gen.columns[2].hidden, 2);  // VIRTUAL
  EXPECT_EQ(gen.StoredColumns(), std::vector<int>{0});

  TableSchema seq = table("seq");
  ASSERT_EQ(seq.foreign_keys.size(), 2u);
  for (const ForeignKey& fk : seq.foreign_keys) {
    if (fk.table == "alias") {
      EXPECT_EQ(fk.from, std::vector<std::string>{"p"});
      EXPECT_EQ(fk.to, std::vector<std::string>{"id"});
      EXPECT_EQ(fk.on_delete, "CASCADE");
    } else {
      EXPECT_EQ(fk.table, "wr");
      EXPECT_EQ(fk.from, (std::vector<std::string>{"q", "r"}));
    }
  }
  ASSERT_EQ(seq.indexes.size(), 2u);
  EXPECT_EQ(seq.indexes[0].name, "seq_part");  // creation order
  EXPECT_TRUE(seq.indexes[0].partial);
  EXPECT_EQ(seq.indexes[0].origin, "c");
  EXPECT_EQ(seq.indexes[1].columns, (std::vector<std::string>{"", "q"}));  // "" = expression
  EXPECT_TRUE(seq.indexes[1].unique);
  EXPECT_EQ(table("int_pk").indexes.at(0).origin, "pk");

  EXPECT_EQ(table("ft").kind, TableKind::kVirtual);
  EXPECT_FALSE(table("ft").has_records());
  EXPECT_EQ(table("ft_data").kind, TableKind::kInternal);
  EXPECT_EQ(table("ft_config").kind, TableKind::kInternal);
  EXPECT_TRUE(table("ft_config").no_implicit_id);
  EXPECT_EQ(s.tables.back().name, "sqlite_sequence");
  EXPECT_EQ(s.tables.back().kind, TableKind::kCounters);
  EXPECT_EQ(s.tables.back().sql, "");
  // sqlite_stat1 is an object but not a kept table.
  EXPECT_EQ(s.FindTable("sqlite_stat1"), nullptr);
  bool stat_object = false;
  for (const SchemaObject& o : s.objects) stat_object |= o.name == "sqlite_stat1";
  EXPECT_TRUE(stat_object);
  EXPECT_EQ(s.objects.at(0).name, "alias");
  EXPECT_EQ(s.objects.at(0).sql, "CREATE TABLE alias(id INTEGER PRIMARY KEY, x)");

  EXPECT_EQ(s.Setting("user_version"), "7");
  EXPECT_EQ(s.Setting("application_id"), "99");
  EXPECT_EQ(s.Setting("page_size"), "4096");
  EXPECT_EQ(s.Setting("encoding"), "UTF-8");
  EXPECT_EQ(s.Setting("auto_vacuum"), "0");
  EXPECT_EQ(s.Setting("journal_mode"), "delete");
}

TEST_F(SqliteSourceTest, ScanKeepsExactTypesAndKeyOrder) {
  const std::string path = Path("t.db");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  {
    TestDb db(path);
    db.Exec(
        "CREATE TABLE v(id INTEGER PRIMARY KEY, n INTEGER, r REAL, u);"
        "CREATE TABLE mixed(k PRIMARY KEY, v) WITHOUT ROWID;"
        "CREATE TABLE nc(a TEXT COLLATE NOCASE, b TEXT COLLATE NOCASE, PRIMARY KEY(a, b))"
        " WITHOUT ROWID;"
        "CREATE TABLE tp(k PRIMARY KEY, x);");
    db.Insert("INSERT INTO v VALUES(1, ?, ?, ?)",
              {Value::Text("many"), Value::Real(-0.0), Value::Blob("")});
    db.Insert("INSERT INTO v VALUES(2, ?, ?, ?)",
              {Value::Integer(5), Value::Real(inf), Value::Real(-0.0)});
    db.Insert("INSERT INTO v VALUES(3, ?, ?, ?)",
              {Value::Null(), Value::Real(-inf), Value::Real(nan)});
    db.Insert("INSERT INTO v VALUES(4, ?, ?, ?)",
              {Value::Text(std::string("a\0b", 3)), Value::Real(0.1), Value::Text("")});
    for (const Value& k :
         {Value::Text("b"), Value::Integer(3), Value::Blob(std::string("\0", 1)), Value::Real(2.5),
          Value::Text("B"), Value::Integer(-1), Value::Blob(""), Value::Text(""),
          Value::Real(-1e300), Value::Integer(std::numeric_limits<int64_t>::max())}) {
      db.Insert("INSERT INTO mixed VALUES(?, 0)", {k});
    }
    db.Exec(
        "INSERT INTO nc VALUES('b', 'x'), ('B', 'y'), ('a', 'Z'), ('a', 'y'), ('C', 'a');"
        "INSERT INTO tp VALUES('z', 1), ('a', 2), (NULL, 3), ('m', 4), (x'00', 5), (7, 6);"
        "DELETE FROM tp WHERE k = 'a'; INSERT INTO tp VALUES('a', 7);");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);

  std::vector<SourceRow> v = ScanAll(src.get(), "v");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].key, std::vector<Value>{Value::Integer(1)});
  EXPECT_EQ(v[0].record[1], Value::Text("many"));  // text in an INTEGER column stays text
  // A REAL column stores -0.0 as the integer 0 (SQLite's own space saving),
  // so the sign is lost there; a column without affinity keeps it.
  EXPECT_EQ(v[0].record[2], Value::Real(0.0));
  EXPECT_EQ(v[1].record[3], Value::Real(-0.0));
  EXPECT_TRUE(std::signbit(v[1].record[3].real()));
  EXPECT_EQ(v[0].record[3], Value::Blob(""));  // an empty blob is not NULL
  EXPECT_EQ(v[1].record[2], Value::Real(inf));
  EXPECT_EQ(v[2].record[2], Value::Real(-inf));
  EXPECT_TRUE(v[2].record[1].is_null());
  EXPECT_TRUE(v[2].record[3].is_null());                           // SQLite stores NaN as NULL
  EXPECT_EQ(v[3].record[1], Value::Text(std::string("a\0b", 3)));  // exact bytes
  EXPECT_EQ(v[3].record[2], Value::Real(0.1));
  EXPECT_EQ(v[3].record[3], Value::Text(""));

  for (const char* table : {"mixed", "nc", "tp"}) {
    std::vector<SourceRow> rows = ScanAll(src.get(), table);
    ASSERT_FALSE(rows.empty());
    for (size_t i = 1; i < rows.size(); i++) {
      EXPECT_TRUE(KeyLess(rows[i - 1].key, rows[i].key)) << table << " row " << i;
    }
  }
  std::vector<SourceRow> mixed = ScanAll(src.get(), "mixed");
  ASSERT_EQ(mixed.size(), 10u);
  EXPECT_EQ(mixed.front().key[0], Value::Real(-1e300));
  EXPECT_EQ(mixed[4].key[0], Value::Integer(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(mixed[5].key[0], Value::Text(""));
  EXPECT_EQ(mixed.back().key[0], Value::Blob(std::string("\0", 1)));
  // NOCASE columns still scan in BINARY order: "B" < "C" < "a" < "b".
  std::vector<SourceRow> nc = ScanAll(src.get(), "nc");
  EXPECT_EQ(nc.front().key, (std::vector<Value>{Value::Text("B"), Value::Text("y")}));
  EXPECT_EQ(nc.back().key, (std::vector<Value>{Value::Text("b"), Value::Text("x")}));
  // Rowid table with a declared key: rowid is the record's last value.
  std::vector<SourceRow> tp = ScanAll(src.get(), "tp");
  ASSERT_EQ(tp.size(), 6u);
  EXPECT_TRUE(tp[0].key[0].is_null());
  EXPECT_EQ(tp[0].record,
            (std::vector<Value>{Value::Null(), Value::Integer(3), Value::Integer(3)}));
  EXPECT_EQ(tp[1].key[0], Value::Integer(7));
  EXPECT_EQ(tp[2].record,
            (std::vector<Value>{Value::Text("a"), Value::Integer(7), Value::Integer(7)}));
  EXPECT_EQ(src->CountRows(*src->schema().FindTable("tp")).value(), 6u);
}

TEST_F(SqliteSourceTest, ShadowedRowidAndDuplicateNullKeys) {
  const std::string path = Path("r.db");
  {
    TestDb db(path);
    db.Exec(
        "CREATE TABLE \"order\"(\"rowid\" TEXT, \"group\" INT);"
        "INSERT INTO \"order\" VALUES('r1', 1), ('r2', 2), ('r3', 3);"
        "DELETE FROM \"order\" WHERE \"group\" = 2;"
        "CREATE TABLE three(rowid, oid, _rowid_); INSERT INTO three VALUES(1, 2, 3);"
        "CREATE TABLE dup(a TEXT, b INT, PRIMARY KEY(a, b));"
        "INSERT INTO dup VALUES('x', NULL), ('x', 1), ('x', NULL);");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);
  std::vector<SourceRow> rows = ScanAll(src.get(), "order");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key[0], Value::Integer(1));
  EXPECT_EQ(rows[1].key[0], Value::Integer(3));  // the real rowid, not the "rowid" column
  EXPECT_EQ(rows[1].record[0], Value::Text("r3"));

  auto noop = [](const SourceRow&) { return Status::OK(); };
  Status s = src->Scan(*src->schema().FindTable("three"), noop);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  s = src->Scan(*src->schema().FindTable("dup"), noop);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_NE(s.message().find("rowid 1 and 3"), std::string::npos) << s.message();
  s = src->Scan(*src->schema().FindTable("order"),
                [](const SourceRow&) { return Status::Refused("stop"); });
  EXPECT_TRUE(s.IsRefused());  // fn's error ends the scan and is returned as is
}

TEST_F(SqliteSourceTest, Utf16DatabaseScansInUtf8Order) {
  const std::string path = Path("u16.db");
  {
    TestDb db(path);
    db.Exec(
        "PRAGMA encoding = 'UTF-16le'; CREATE TABLE t(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
        "INSERT INTO t VALUES('\xC4\x81', 1), ('b', 2), ('a', 3);");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->schema().Setting("encoding"), "UTF-16le");
  std::vector<SourceRow> rows = ScanAll(src.get(), "t");
  ASSERT_EQ(rows.size(), 3u);
  // UTF-16LE bytes would put U+0101 (01 01) first; UTF-8 puts it last.
  EXPECT_EQ(rows[0].key[0], Value::Text("a"));
  EXPECT_EQ(rows[1].key[0], Value::Text("b"));
  EXPECT_EQ(rows[2].key[0], Value::Text("\xC4\x81"));
}

// Sum of `balance` and row count as the source sees them.
std::pair<int64_t, size_t> SumAndCount(SqliteSource* src) {
  int64_t sum = 0;
  std::vector<SourceRow> rows = ScanAll(src, "accounts");
  for (const SourceRow& r : rows) sum += r.record[1].integer();
  return {sum, rows.size()};
}

void MakeAccounts(TestDb* db, bool wal) {
  if (wal) db->Exec("PRAGMA journal_mode = WAL");
  db->Exec(
      "CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
      " INSERT INTO accounts SELECT i, 1000 FROM n;");
}

// Moves money between two rows (the sum stays) and adds two empty accounts.
const char kTransfer[] =
    "BEGIN; UPDATE accounts SET balance = balance - 300 WHERE id = 1;"
    "UPDATE accounts SET balance = balance + 300 WHERE id = 2;"
    "INSERT INTO accounts VALUES(1000, 0), (1001, 0); COMMIT;";
const char kUndoInserts[] = "DELETE FROM accounts WHERE id >= 1000";

TEST_F(SqliteSourceTest, WalReaderSeesOnlyTheStateAtOpen) {
  const std::string path = Path("wal.db");
  TestDb app(path);
  MakeAccounts(&app, true);
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->schema().Setting("journal_mode"), "wal");
  auto before = SumAndCount(src.get());
  for (int i = 0; i < 5; i++) {
    app.Exec(kTransfer);
    app.Exec(kUndoInserts);
  }
  app.Exec("INSERT INTO accounts VALUES(2000, 5); UPDATE accounts SET balance = 0 WHERE id = 3;");
  app.Exec("PRAGMA wal_checkpoint(PASSIVE)");  // may not overwrite what the reader needs
  EXPECT_EQ(SumAndCount(src.get()), before);
  EXPECT_EQ(before, (std::pair<int64_t, size_t>{100000, 100}));
  EXPECT_EQ(src->CountRows(*src->schema().FindTable("accounts")).value(), 100u);
  src.reset();
  std::unique_ptr<SqliteSource> later = OpenOrDie(path);
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(SumAndCount(later.get()), (std::pair<int64_t, size_t>{99005, 101}));
}

TEST_F(SqliteSourceTest, RollbackJournalReaderHoldsItsState) {
  const std::string path = Path("journal.db");
  TestDb app(path);
  MakeAccounts(&app, false);
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);
  auto before = SumAndCount(src.get());
  // The app's commit waits for the reader's shared lock: SQLITE_BUSY.
  EXPECT_EQ(app.TryExec(kTransfer), SQLITE_BUSY);
  EXPECT_EQ(SumAndCount(src.get()), before);
  EXPECT_EQ(before, (std::pair<int64_t, size_t>{100000, 100}));
  src.reset();
  app.Exec("COMMIT");  // the transaction is still open; now it can commit
  std::unique_ptr<SqliteSource> later = OpenOrDie(path);
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(SumAndCount(later.get()), (std::pair<int64_t, size_t>{100000, 102}));
}

TEST_F(SqliteSourceTest, OpenErrorsSayWhatIsWrong) {
  Result<std::unique_ptr<SqliteSource>> r = SqliteSource::Open(Path("missing.db"));
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("missing.db"), std::string::npos);
  { std::ofstream(Path("notes.txt")) << std::string(2000, 'x') << "\nnot a database\n"; }
  r = SqliteSource::Open(Path("notes.txt"));
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("is not a SQLite database"), std::string::npos);
  r = SqliteSource::Open(tmp_.path());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();

  const std::string path = Path("locked.db");
  TestDb app(path);
  app.Exec(
      "CREATE TABLE t(x); PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;"
      "INSERT INTO t VALUES(1);");
  r = SqliteSource::Open(path, /*busy_timeout_ms=*/50);
  EXPECT_EQ(r.status().code(), Status::Code::kRefused) << r.status().ToString();
  EXPECT_NE(r.status().message().find("locked"), std::string::npos) << r.status().message();
}

TEST_F(SqliteSourceTest, ScanOfVirtualTableIsRefused) {
  const std::string path = Path("v.db");
  {
    TestDb db(path);
    db.Exec("CREATE VIRTUAL TABLE ft USING fts5(body); INSERT INTO ft VALUES('hello');");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(path);
  ASSERT_NE(src, nullptr);
  Status s =
      src->Scan(*src->schema().FindTable("ft"), [](const SourceRow&) { return Status::OK(); });
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(ScanAll(src.get(), "ft_content").size(), 1u);
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

// Fault campaign: a file whose index pages are corrupt backed up with no
// warning. QuickCheck finds it; a healthy file has no problems.
TEST_F(SqliteSourceTest, QuickCheckFindsACorruptIndexPage) {
  const std::string path = Path("q.db");
  {
    TestDb db(path);
    db.Exec(
        "PRAGMA page_size=4096; CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);"
        "CREATE INDEX ta ON t(a); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
        "WHERE x < 2000) INSERT INTO t SELECT x, hex(randomblob(16)) FROM c;");
  }
  {
    auto healthy = SqliteSource::Open(path);
    ASSERT_TRUE(healthy.ok()) << healthy.status().ToString();
    auto problems = (*healthy)->IntegrityProblems();
    ASSERT_TRUE(problems.ok()) << problems.status().ToString();
    EXPECT_TRUE(problems->empty());
  }
  int root = 0;
  {
    TestDb db(path);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db.get(), "SELECT rootpage FROM sqlite_schema WHERE name='ta'", -1,
                                 &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    root = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  FILE* f = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, (root - 1) * 4096 + 8, SEEK_SET);
  const std::string junk(64, '\xff');
  std::fwrite(junk.data(), 1, junk.size(), f);
  std::fclose(f);
  auto src = SqliteSource::Open(path);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto problems = (*src)->IntegrityProblems();
  ASSERT_TRUE(problems.ok()) << problems.status().ToString();
  ASSERT_FALSE(problems->empty());
  EXPECT_NE((*problems)[0].find("page"), std::string::npos) << (*problems)[0];
}

}  // namespace
}  // namespace tidemark
