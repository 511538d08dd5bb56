// Round trips: build a SQLite file covering every kind of table, value and
// schema object, scan it with SqliteSource, write it with SqliteWriter, and
// compare the two files with the sqlite3 CLI and with a second scan.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "records/encoding.h"
#include "sources/sqlite/sqlite_source.h"
#include "sources/sqlite/sqlite_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {

// Readable values in gtest messages (identical in sqlite_source_test.cc).
inline void PrintTo(const Value& v, std::ostream* os) {
  *os << ValueTypeName(v.type()) << ":" << ValueToDisplay(v);
}

namespace {

// Every kind of table, key, value and schema object, with objects of
// different types interleaved in sqlite_schema.
void MakeFixture(const std::string& path) {
  TestDb db(path);
  db.Exec(R"sql(
PRAGMA user_version = 42; PRAGMA application_id = 1414092869;
CREATE TABLE items(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, qty INTEGER, price REAL,
                   data BLOB, extra);
CREATE INDEX items_qty ON items(qty) WHERE qty > 0;
CREATE TABLE log(msg, at);
CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;
CREATE TABLE tags(ns TEXT COLLATE NOCASE, tag TEXT COLLATE NOCASE, note,
                  PRIMARY KEY(ns, tag)) WITHOUT ROWID;
CREATE TABLE users(email TEXT PRIMARY KEY, name TEXT, score INTEGER DEFAULT 0);
CREATE INDEX users_lower ON users(lower(name));
CREATE TABLE files(hash BLOB PRIMARY KEY, size INT) WITHOUT ROWID;
CREATE TABLE mixed(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE empty(a, b);
CREATE TABLE "odd ""name"" ü 日本"("select" TEXT, "col with space" INT, "x""y" BLOB, "ü" REAL);
CREATE TABLE "order"("rowid" TEXT, "group" INT);
CREATE TABLE gen(a INT, b INT, s INT AS (a + b) STORED, v INT GENERATED ALWAYS AS (a * b) VIRTUAL);
CREATE VIRTUAL TABLE docs USING fts5(title, body);
CREATE TABLE parent(id INTEGER PRIMARY KEY, child_id INTEGER REFERENCES child(id));
CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id)
                   ON DELETE CASCADE);
CREATE TABLE desc_key(id INTEGER PRIMARY KEY DESC, v);
CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
  INSERT INTO log VALUES('added ' || new.name, new.id);
END;
CREATE TRIGGER cheap_ins INSTEAD OF INSERT ON cheap BEGIN
  INSERT INTO items(name, price) VALUES(new.name, 1);
END;
CREATE TABLE strict_t(id INTEGER PRIMARY KEY, t TEXT NOT NULL, a ANY) STRICT;
CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx);
CREATE TABLE ext_content(id INTEGER PRIMARY KEY, body TEXT);
CREATE VIRTUAL TABLE ext_fts USING fts5(body, content='ext_content', content_rowid='id');
CREATE TABLE counter(id INTEGER PRIMARY KEY AUTOINCREMENT, x);
CREATE VIRTUAL TABLE notes USING fts4(body);
CREATE VIRTUAL TABLE bare USING fts5(body, content='');
)sql");
  std::string wide = "CREATE TABLE wide(";
  for (int i = 0; i < 1000; i++) wide += (i > 0 ? ", c" : "c") + std::to_string(i);
  db.Exec(wide + ")");
  for (int r = 0; r < 3; r++) {
    std::string row = "INSERT INTO wide VALUES(";
    for (int i = 0; i < 1000; i++) row += (i > 0 ? ", " : "") + std::to_string(r * i);
    db.Exec(row + ")");
  }

  const double inf = std::numeric_limits<double>::infinity();
  const std::string big(1 << 20, 'b');
  std::string big_blob = big;
  for (size_t i = 0; i < big_blob.size(); i++) big_blob[i] = char(i * 131 % 251);
  const char* ins = "INSERT INTO items(name, qty, price, data, extra) VALUES(?, ?, ?, ?, ?)";
  db.Insert(ins, {Value::Text("apple"), Value::Integer(3), Value::Real(0.5), Value::Blob(big_blob),
                  Value::Real(-0.0)});
  db.Insert(ins, {Value::Null(), Value::Text("many"), Value::Real(inf), Value::Blob(""),
                  Value::Real(std::nan(""))});
  db.Insert(ins, {Value::Text("pear"), Value::Integer(-7), Value::Real(-inf), Value::Null(),
                  Value::Text(big)});
  db.Insert(ins, {Value::Text(std::string("nul\0inside", 10)), Value::Real(2.5), Value::Real(-0.0),
                  Value::Blob(std::string("\0\1", 2)), Value::Integer(0)});
  db.Insert(ins, {Value::Text("gone"), Value::Null(), Value::Null(), Value::Null(), Value::Null()});
  db.Exec(R"sql(
DELETE FROM items WHERE name = 'gone';
INSERT INTO cheap(name) VALUES('via view');
INSERT INTO log VALUES('dup', 1), ('dup', 1), (NULL, NULL), ('x', 2.5);
DELETE FROM log WHERE rowid = 2;
INSERT INTO tags VALUES('b', 'x', 1), ('B', 'y', 2), ('a', 'Z', NULL), ('a', 'y', x'00'),
                       ('C', '', '');
INSERT INTO users VALUES('zed@x', 'Zed', 1), ('amy@x', 'Amy', 2), (NULL, 'nobody', 3),
                        ('Émile@x', 'Émile', 4), ('bob@x', 'Bob', 5);
DELETE FROM users WHERE email = 'amy@x'; INSERT INTO users VALUES('amy@x', 'Amy', 6);
INSERT INTO files VALUES(x'', 0), (x'00', 1), (x'ff', 2), (x'0001', 3);
INSERT INTO mixed VALUES(1, 'a'), (2.5, 'b'), (-3, 'c'), ('abc', 'd'), ('ABC', 'e'), (x'01', 'f'),
                        (9223372036854775807, 'g'), (-9223372036854775808, 'h'), (1e300, 'i');
INSERT INTO "odd ""name"" ü 日本" VALUES('ключ', 1, x'cafe', 1.5), ('🙂', NULL, NULL, NULL);
INSERT INTO "order" VALUES('r1', 1), ('r2', 2), ('r3', 3); DELETE FROM "order" WHERE "group" = 2;
INSERT INTO gen(a, b) VALUES(1, 2), (3, 4), (NULL, 5);
INSERT INTO docs VALUES('hello world', 'the quick brown fox'), ('second', 'hello again'),
                       ('third', 'nothing here');
DELETE FROM docs WHERE title = 'third';
INSERT INTO parent VALUES(1, 1), (2, NULL); INSERT INTO child VALUES(1, 1), (2, 2);
INSERT INTO desc_key VALUES(5, 'a'), (3, 'b'), (9, 'c');
INSERT INTO strict_t VALUES(1, 'text', 1), (2, '', 2.5), (3, 'b', x'ab');
INSERT INTO boxes VALUES(1, 0, 10), (2, 5, 15), (3, -1.5, 2.25);
INSERT INTO ext_content VALUES(1, 'alpha beta'), (2, 'beta gamma');
INSERT INTO ext_fts(ext_fts) VALUES('rebuild');
INSERT INTO counter(x) VALUES(1), (2); DELETE FROM counter;
INSERT INTO notes VALUES('fourth version'), ('old engine');
INSERT INTO bare(rowid, body) VALUES(10, 'no content kept'), (11, 'kept index');
)sql");
}

struct Table {
  std::string name;
  std::vector<SourceRow> rows;
};

// Every table with records, scanned.
std::vector<Table> ScanEverything(SqliteSource* src) {
  std::vector<Table> out;
  for (const TableSchema& t : src->schema().tables) {
    if (!t.has_records()) continue;
    Table table{t.name, {}};
    Status s = src->Scan(t, [&](const SourceRow& row) {
      table.rows.push_back(row);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    out.push_back(std::move(table));
  }
  return out;
}

// Writes `tables` (all when empty) of `src` to `dst`.
Status Restore(SqliteSource* src, const std::string& dst, const std::vector<std::string>& tables) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<SqliteWriter> w,
                      SqliteWriter::Create(dst, src->schema(), tables));
  // Like ops/restore.cc: the selected tables, their shadow tables, sqlite_sequence.
  auto selected = [&](const TableSchema& t) {
    if (tables.empty() || t.kind == TableKind::kCounters) return true;
    for (const std::string& name : tables) {
      if (t.name == name || (t.kind == TableKind::kInternal && t.name.rfind(name + "_", 0) == 0)) {
        return true;
      }
    }
    return false;
  };
  for (const TableSchema& t : src->schema().tables) {
    if (!t.has_records() || !selected(t)) continue;
    TM_RETURN_IF_ERROR(w->BeginTable(t));
    TM_RETURN_IF_ERROR(src->Scan(t, [&](const SourceRow& row) { return w->Insert(row); }));
    TM_RETURN_IF_ERROR(w->EndTable());
  }
  return w->Finish();
}

// stdout of a shell command.
std::string Run(const std::string& command) {
  std::string out;
  FILE* f = popen(command.c_str(), "r");
  EXPECT_NE(f, nullptr) << command;
  if (f == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(f), 0) << command;
  return out;
}

std::string Dump(const std::string& path, const std::string& options = "") {
  return Run("sqlite3 '" + path + "' '.dump " + options + "'");
}

std::unique_ptr<SqliteSource> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<SqliteSource>> r = SqliteSource::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// Objects of sqlite_schema, split as a restore orders them: tables (with
// their automatic indexes) first, then the other objects.
std::pair<std::vector<SchemaObject>, std::vector<SchemaObject>> SplitObjects(
    const SourceSchema& s) {
  std::pair<std::vector<SchemaObject>, std::vector<SchemaObject>> out;
  for (const SchemaObject& o : s.objects) {
    (o.type == "table" || o.sql.empty() ? out.first : out.second).push_back(o);
  }
  return out;
}

class SqliteWriterTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return tmp_.path() + "/" + name; }
  ScopedTempDir tmp_;
};

TEST_F(SqliteWriterTest, RoundTripIsExact) {
  const std::string a = Path("a.db"), b = Path("b.db");
  MakeFixture(a);
  std::unique_ptr<SqliteSource> src = OpenOrDie(a);
  ASSERT_NE(src, nullptr);
  ASSERT_TRUE(Restore(src.get(), b, {}).ok());

  const std::string dump = Dump(a);
  EXPECT_NE(dump.find("INSERT INTO docs_content"), std::string::npos);
  EXPECT_EQ(Dump(b), dump);
  EXPECT_EQ(Dump(b, "--preserve-rowids"), Dump(a, "--preserve-rowids"));

  std::unique_ptr<SqliteSource> back = OpenOrDie(b);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->schema().tables, src->schema().tables);
  EXPECT_EQ(back->schema().settings, src->schema().settings);
  EXPECT_EQ(SplitObjects(back->schema()), SplitObjects(src->schema()));
  std::vector<Table> before = ScanEverything(src.get()), after = ScanEverything(back.get());
  ASSERT_EQ(after.size(), before.size());
  for (size_t t = 0; t < before.size(); t++) {
    SCOPED_TRACE(before[t].name);
    ASSERT_EQ(after[t].name, before[t].name);
    ASSERT_EQ(after[t].rows.size(), before[t].rows.size());
    for (size_t i = 0; i < before[t].rows.size(); i++) {
      EXPECT_EQ(after[t].rows[i].key, before[t].rows[i].key) << "row " << i;
      EXPECT_EQ(after[t].rows[i].record, before[t].rows[i].record) << "row " << i;
    }
  }

  back.reset();  // its read transaction would block the writes below
  TestDb db(b);
  EXPECT_EQ(db.Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(db.Text("PRAGMA user_version"), "42");
  EXPECT_EQ(db.Text("PRAGMA application_id"), "1414092869");
  EXPECT_EQ(db.Text("SELECT group_concat(rowid) FROM docs WHERE docs MATCH 'hello'"), "1,2");
  EXPECT_EQ(db.Text("SELECT rowid FROM ext_fts WHERE ext_fts MATCH 'gamma'"), "2");
  EXPECT_EQ(db.Text("SELECT rowid FROM notes WHERE notes MATCH 'engine'"), "2");
  EXPECT_EQ(db.Text("SELECT rowid FROM bare WHERE bare MATCH 'kept'"), "10");
  EXPECT_EQ(db.Text("SELECT rtreecheck('boxes')"), "ok");
  EXPECT_EQ(db.Text("SELECT id FROM boxes WHERE minx < 0"), "3");
  db.Exec("INSERT INTO docs(docs) VALUES('integrity-check')");
  db.Exec("INSERT INTO ext_fts(ext_fts) VALUES('integrity-check')");
  db.Exec("INSERT INTO notes(notes) VALUES('integrity-check')");
  // The counters survive, also where they are above the highest key.
  EXPECT_EQ(db.Text("SELECT group_concat(name || '=' || seq) FROM sqlite_sequence"),
            "items=6,counter=2");
  // Triggers did not fire during the load.
  EXPECT_EQ(db.Text("SELECT count(*) FROM log"), TestDb(a).Text("SELECT count(*) FROM log"));
  // The restored database works as the original does.
  db.Exec("INSERT INTO items(name) VALUES('new')");
  EXPECT_EQ(db.Text("SELECT max(id) FROM items"), "7");
  EXPECT_EQ(db.Text("SELECT msg FROM log ORDER BY rowid DESC LIMIT 1"), "added new");
  EXPECT_EQ(db.Text("SELECT v FROM gen WHERE a = 3"), "12");
}

TEST_F(SqliteWriterTest, PartialRestoreBringsShadowTablesAndItsCounters) {
  const std::string a = Path("a.db"), b = Path("b.db");
  MakeFixture(a);
  std::unique_ptr<SqliteSource> src = OpenOrDie(a);
  ASSERT_NE(src, nullptr);
  // As ops/restore.cc does: shadow tables and sqlite_sequence may be named too.
  Status s = Restore(src.get(), b, {"items", "docs", "docs_data", "sqlite_sequence"});
  ASSERT_TRUE(s.ok()) << s.ToString();
  TestDb db(b);
  EXPECT_EQ(db.Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(db.Text("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema"
                    " WHERE type = 'table' ORDER BY rowid)"),
            "items,sqlite_sequence,docs,docs_data,docs_idx,docs_content,docs_docsize,docs_config");
  EXPECT_EQ(db.Text("SELECT group_concat(name || '=' || seq) FROM sqlite_sequence"), "items=6");
  EXPECT_EQ(db.Text("SELECT count(*) FROM items"), "5");
  EXPECT_EQ(db.Text("SELECT group_concat(rowid) FROM docs WHERE docs MATCH 'hello'"), "1,2");
  EXPECT_EQ(db.Text("SELECT count(*) FROM sqlite_schema WHERE name IN ('items_qty', 'items_log',"
                    " 'cheap', 'cheap_ins', 'users_lower')"),
            "4");

  // sqlite_sequence keeps its counter (above the highest key) for a selected table.
  s = Restore(src.get(), Path("counter.db"), {"counter"});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(TestDb(Path("counter.db"))
                .Text("SELECT group_concat(name || '=' || seq) FROM "
                      "sqlite_sequence"),
            "counter=2");
  // No AUTOINCREMENT table selected: no sqlite_sequence.
  s = Restore(src.get(), Path("log.db"), {"log"});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(TestDb(Path("log.db"))
                .Text("SELECT group_concat(name) FROM sqlite_schema WHERE type = 'table'"),
            "log");

  Result<std::unique_ptr<SqliteWriter>> w =
      SqliteWriter::Create(Path("c.db"), src->schema(), {"nope"});
  EXPECT_TRUE(w.status().IsNotFound()) << w.status().ToString();
  w = SqliteWriter::Create(Path("c.db"), src->schema(), {"docs_data"});
  EXPECT_TRUE(w.status().IsInvalidArgument()) << w.status().ToString();
}

TEST_F(SqliteWriterTest, KeepsWalModeAndUtf16Encoding) {
  const std::string a = Path("a.db"), b = Path("b.db");
  {
    TestDb db(a);
    db.Exec(
        "PRAGMA page_size = 8192; PRAGMA auto_vacuum = INCREMENTAL;"
        "PRAGMA encoding = 'UTF-16be'; PRAGMA journal_mode = WAL;"
        "CREATE TABLE t(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
        "INSERT INTO t VALUES('\xC4\x81', 1), ('b', x''), ('a', '\xF0\x9F\x99\x82');");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(a);
  ASSERT_NE(src, nullptr);
  Status s = Restore(src.get(), b, {});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Dump(b), Dump(a));
  std::unique_ptr<SqliteSource> back = OpenOrDie(b);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->schema().settings, src->schema().settings);
  EXPECT_EQ(back->schema().Setting("journal_mode"), "wal");
  EXPECT_EQ(back->schema().Setting("encoding"), "UTF-16be");
  EXPECT_EQ(back->schema().Setting("page_size"), "8192");
  EXPECT_EQ(back->schema().Setting("auto_vacuum"), "2");
}

TEST_F(SqliteWriterTest, KeepsAVirtualTableOfAnUnknownModule) {
  const std::string a = Path("a.db"), b = Path("b.db");
  {
    TestDb db(a);
    // What an app with its own module "appgeo" leaves in the file.
    db.Exec(
        "CREATE TABLE places_data(id INTEGER PRIMARY KEY, shape BLOB);"
        "INSERT INTO places_data VALUES(1, x'0102'), (7, NULL);"
        "PRAGMA writable_schema = ON;"
        "INSERT INTO sqlite_schema(type, name, tbl_name, rootpage, sql) VALUES('table',"
        " 'places', 'places', 0, 'CREATE VIRTUAL TABLE places USING appgeo(shape)');"
        "PRAGMA writable_schema = OFF;");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(a);
  ASSERT_NE(src, nullptr);
  const TableSchema* places = src->schema().FindTable("places");
  ASSERT_NE(places, nullptr);
  EXPECT_EQ(places->kind, TableKind::kVirtual);
  EXPECT_TRUE(places->columns.empty());
  EXPECT_EQ(src->schema().FindTable("places_data")->kind, TableKind::kTable);
  Status s = Restore(src.get(), b, {});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Dump(b), Dump(a));
  EXPECT_EQ(TestDb(b).Text("PRAGMA integrity_check"), "ok");
}

TEST_F(SqliteWriterTest, RefusesAnExistingPathAndDamagedSettings) {
  const std::string a = Path("a.db");
  {
    TestDb db(a);
    db.Exec("CREATE TABLE t(x)");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(a);
  ASSERT_NE(src, nullptr);
  Result<std::unique_ptr<SqliteWriter>> w = SqliteWriter::Create(a, src->schema(), {});
  EXPECT_TRUE(w.status().IsAlreadyExists()) << w.status().ToString();
  EXPECT_NE(w.status().message().find(a), std::string::npos);

  SourceSchema bad = src->schema();
  for (auto& [k, v] : bad.settings) {
    if (k == "user_version") v = "1; DROP TABLE t";
  }
  w = SqliteWriter::Create(Path("b.db"), bad, {});
  EXPECT_TRUE(w.status().IsInvalidArgument()) << w.status().ToString();
  struct stat st;
  EXPECT_NE(::stat(Path("b.db").c_str(), &st), 0);  // refused before creating the file

  bad = src->schema();
  bad.tables[0].sql = "CREATE TABLE t(x); DROP TABLE other";
  w = SqliteWriter::Create(Path("c.db"), bad, {});
  EXPECT_TRUE(w.status().IsInvalidArgument()) << w.status().ToString();
}

TEST_F(SqliteWriterTest, InsertChecksTheRowShape) {
  const std::string a = Path("a.db");
  {
    TestDb db(a);
    db.Exec("CREATE TABLE t(k TEXT PRIMARY KEY, x)");
  }
  std::unique_ptr<SqliteSource> src = OpenOrDie(a);
  ASSERT_NE(src, nullptr);
  Result<std::unique_ptr<SqliteWriter>> w = SqliteWriter::Create(Path("b.db"), src->schema(), {});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->BeginTable(src->schema().tables[0]).ok());
  SourceRow row;
  row.key = {Value::Text("a")};
  row.record = {Value::Text("a"), Value::Integer(1)};  // the rowid is missing
  EXPECT_TRUE((*w)->Insert(row).IsInvalidArgument());
  row.record.push_back(Value::Integer(10));
  EXPECT_TRUE((*w)->Insert(row).ok());
  row.record[2] = Value::Integer(11);
  EXPECT_TRUE((*w)->Insert(row).IsCorruption());  // duplicate key: an inconsistent snapshot
}

}  // namespace
}  // namespace tidemark
