// Backup, restore and export of real SQLite files: every feature of a
// database survives a round trip byte for byte (as `sqlite3 .dump` sees it),
// a backup after a small change stores only the changed tree nodes, and an
// export reads back to the same values and notices tampering. (Backups under
// concurrent writers: snapshot_fault_test.cc.)
#include "ops/backup/backup.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <map>

#include "base/hex.h"
#include "base/json_parse.h"
#include "ops/restore/export.h"
#include "ops/restore/restore.h"
#include "ops/testing/sqlite_testlib.h"
#include "records/encoding.h"
#include "storage/local_backend.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

// Every kind of table, key, value and schema object the source layer must
// keep (docs/guide/sources.md). Ends in WAL mode with settings changed.
void BuildKitchenSink(const std::string& path) {
  TestDb db(path);
  db.Exec(R"sql(
    PRAGMA journal_mode = WAL;
    BEGIN;
    PRAGMA user_version = 20240101;
    PRAGMA application_id = 1953329771;
    CREATE TABLE customers(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      email TEXT UNIQUE,
      score REAL,
      note,
      label TEXT GENERATED ALWAYS AS (name || ' <' || coalesce(email, '?') || '>') VIRTUAL,
      name_upper TEXT GENERATED ALWAYS AS (upper(name)) STORED);
    INSERT INTO customers(name, email, score, note) VALUES
      ('Ada', 'ada@example.com', 97.5, NULL), ('Bob', NULL, 12.25, 'x'),
      ('Cy', 'cy@example.com', NULL, X'00FF'), ('Dee', 'dee@example.com', 91, '');
    DELETE FROM customers WHERE name = 'Bob';
    CREATE INDEX customers_top ON customers(score) WHERE score > 90;
    CREATE TABLE log(at INTEGER, msg TEXT);
    INSERT INTO log VALUES (1, 'start'), (NULL, NULL), (3, 'end');
    DELETE FROM log WHERE at = 1;
    CREATE TABLE pairs(a TEXT COLLATE NOCASE, b TEXT, v, PRIMARY KEY(a, b)) WITHOUT ROWID;
    INSERT INTO pairs VALUES ('apple', 'x', 1), ('Banana', 'y', 2), ('cherry', 'Z', NULL),
      ('banana2', '', 'two'), ('Apple', 'X', 3.5);
    CREATE TABLE tags(tag TEXT PRIMARY KEY, n INTEGER);
    INSERT INTO tags(rowid, tag, n) VALUES (10, 'zeta', 1), (5, 'alpha', 2), (7, 'Mid', NULL),
      (8, NULL, 3);
    CREATE TABLE blobkeys(k BLOB PRIMARY KEY, v) WITHOUT ROWID;
    INSERT INTO blobkeys VALUES (X'', 1), (X'00', 2), (X'0000', 3), (X'FF', 4), (X'0001', 5),
      (7, 'int key'), ('t', 'text key');
    CREATE TABLE numbers(id INTEGER PRIMARY KEY, r REAL, i INTEGER, any_col);
    INSERT INTO numbers VALUES (1, 1e999, 9223372036854775807, 1), (2, -1e999, -9223372036854775808, 1.5),
      (3, 0.1, 0, 'text'), (4, NULL, NULL, X'01'), (5, 2.5, -1, NULL);
    CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB, t TEXT);
    INSERT INTO big VALUES (1, randomblob(1048576), hex(randomblob(51200))), (2, X'', ''),
      (3, zeroblob(40000), NULL);
    CREATE TABLE empty_one(x INTEGER PRIMARY KEY, y);
    CREATE TABLE "select"("from" INTEGER PRIMARY KEY, "where" TEXT, "order" INT);
    INSERT INTO "select" VALUES (1, 'group', 2), (2, 'by', NULL);
    CREATE TABLE "we""ird"("a b" TEXT PRIMARY KEY, "c""d" INTEGER, "e]f" TEXT);
    INSERT INTO "we""ird" VALUES ('it''s', 1, '"quoted"'), ('line
break', 2, ',comma');
    CREATE TABLE "naïve 表"("名前" TEXT PRIMARY KEY, "ü" INTEGER) WITHOUT ROWID;
    INSERT INTO "naïve 表" VALUES ('日本', 1), ('ßtraße', 2), ('emoji 🎉', 3), ('', 4);
    CREATE VIRTUAL TABLE docs USING fts5(title, body);
    INSERT INTO docs VALUES ('Backups', 'tidemark keeps every record'),
      ('Restore', 'a restore must give back the same file'),
      ('Diff', 'record level differences between snapshots of tidemark');
    CREATE VIRTUAL TABLE customer_names USING fts5(name, content='customers', content_rowid='id');
    INSERT INTO customer_names(customer_names) VALUES ('rebuild');
    CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1, y0, y1);
    INSERT INTO boxes VALUES (1, 0, 10, 0, 10), (2, 5, 15, 5, 15), (3, -3.5, -1, 2, 4);
    CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT,
                      head INTEGER REFERENCES emp(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TABLE emp(id INTEGER PRIMARY KEY, dept INTEGER NOT NULL REFERENCES dept(id), name TEXT);
    INSERT INTO dept VALUES (1, 'R&D', 10);
    INSERT INTO emp VALUES (10, 1, 'Eve'), (11, 1, 'Mallory');
    CREATE VIEW top_customers AS SELECT id, name, score FROM customers WHERE score > 90;
    CREATE TRIGGER customers_audit AFTER UPDATE OF score ON customers
      BEGIN INSERT INTO log(at, msg) VALUES (new.id, 'score ' || new.score); END;
    CREATE TRIGGER top_insert INSTEAD OF INSERT ON top_customers
      BEGIN INSERT INTO customers(name, score) VALUES (new.name, new.score); END;
    UPDATE customers SET score = 99 WHERE name = 'Ada';
    INSERT INTO top_customers(name, score) VALUES ('Zed', 95);
    COMMIT;
  )sql");
  // A 1,000-column table (SQLite allows 2,000 by default).
  std::string create = "CREATE TABLE wide(id INTEGER PRIMARY KEY";
  std::string insert = "INSERT INTO wide VALUES(?";
  for (int i = 1; i < 1000; i++) {
    create += ", c" + std::to_string(i);
    insert += ", ?";
  }
  db.Exec(create + ")");
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), (insert + ")").c_str(), -1, &stmt, nullptr), SQLITE_OK);
  for (int row = 1; row <= 3; row++) {
    sqlite3_bind_int(stmt, 1, row);
    for (int i = 2; i <= 1000; i++) {
      if ((i + row) % 7 == 0) continue;  // NULL
      if (i % 3 == 0) {
        sqlite3_bind_int64(stmt, i, int64_t(i) * row);
      } else {
        const std::string v = "r" + std::to_string(row) + "c" + std::to_string(i);
        sqlite3_bind_text(stmt, i, v.c_str(), -1, SQLITE_TRANSIENT);
      }
    }
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
  sqlite3_finalize(stmt);
  // -0.0 through the C API: an untyped column keeps the sign bit.
  ASSERT_EQ(sqlite3_prepare_v2(db.get(), "INSERT INTO numbers VALUES(6, NULL, NULL, ?)", -1, &stmt,
                               nullptr),
            SQLITE_OK);
  sqlite3_bind_double(stmt, 1, -0.0);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
}

bool NegativeZeroAt(const std::string& path) {
  TestDb db(path);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.get(), "SELECT any_col FROM numbers WHERE id = 6", -1, &stmt,
                         nullptr) != SQLITE_OK) {
    return false;
  }
  bool out = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_FLOAT &&
             sqlite3_column_double(stmt, 0) == 0.0 && std::signbit(sqlite3_column_double(stmt, 0));
  sqlite3_finalize(stmt);
  return out;
}

// True when no restore left a temporary file ("<target>.tidemark-*.tmp") in dir.
bool NoTemporaryFiles(const std::string& dir) {
  for (const std::string& name : ListFolder(dir)) {
    if (name.find(".tidemark-") != std::string::npos) return false;
  }
  return true;
}

// A repository on a LocalBackend in a temp dir, holding one backup of the
// kitchen-sink database.
class RoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    source_ = dir_.path() + "/source.db";
    ASSERT_NO_FATAL_FAILURE(BuildKitchenSink(source_));
    ASSERT_TRUE(NegativeZeroAt(source_));
    ASSERT_TRUE(LocalBackend::Create(dir_.path() + "/repo").ok());
    auto backend = LocalBackend::Open(dir_.path() + "/repo");
    ASSERT_TRUE(backend.ok());
    backend_ = std::move(*backend);
    repo_ = TestRepo::Create(backend_.get());
    ASSERT_NE(repo_, nullptr);
    auto r = repo_->Backup(source_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    backup_ = *r;
  }

  ScopedTempDir dir_;
  std::string source_;
  std::unique_ptr<LocalBackend> backend_;
  std::unique_ptr<TestRepo> repo_;
  BackupResult backup_;
};

TEST_F(RoundTripTest, RestoredFileEqualsSource) {
  const Manifest& m = backup_.manifest;
  EXPECT_TRUE(m.parent.IsZero());
  auto read = ReadSnapshot(*repo_->repo(), backup_.snapshot);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*EncodeManifest(*read), *EncodeManifest(m));
  ASSERT_NE(m.FindTable("docs"), nullptr);
  EXPECT_EQ(m.FindTable("docs")->schema.kind, TableKind::kVirtual);
  ASSERT_NE(m.FindTable("docs_data"), nullptr);
  EXPECT_EQ(m.FindTable("docs_data")->schema.kind, TableKind::kInternal);
  ASSERT_NE(m.FindTable("sqlite_sequence"), nullptr);
  EXPECT_EQ(m.FindTable("wide")->schema.columns.size(), 1000u);
  EXPECT_EQ(m.FindTable("big")->root.count, 3u);
  EXPECT_EQ(m.Label("nothing"), "");
  EXPECT_EQ(m.stats.records_added, m.TotalRecords());

  const std::string restored = dir_.path() + "/restored.db";
  auto r = repo_->Restore(m, restored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The counts cover ordinary tables only (not shadow tables, sqlite_sequence).
  uint64_t tables = 0, records = 0;
  for (const SnapshotTable& t : m.tables) {
    if (t.schema.kind != TableKind::kTable) continue;
    tables++;
    records += t.root.count;
  }
  EXPECT_EQ(r->tables, tables);
  EXPECT_EQ(r->records, records);
  EXPECT_EQ(tables, 14u);
  EXPECT_GT(r->bytes, 1u << 20);
  EXPECT_TRUE(NoTemporaryFiles(dir_.path()));
  Status verified = VerifySqliteAgainstManifest(restored, m, {});
  EXPECT_TRUE(verified.ok()) << verified.ToString();

  const std::string dump_a = DumpDatabase(source_);
  const std::string dump_b = DumpDatabase(restored);
  EXPECT_GT(dump_a.size(), 2u << 20);
  EXPECT_TRUE(dump_a == dump_b)
      << "dumps differ; first difference at byte "
      << std::mismatch(dump_a.begin(), dump_a.end(), dump_b.begin(), dump_b.end()).first -
             dump_a.begin();
  EXPECT_TRUE(NegativeZeroAt(restored));

  TestDb a(source_), b(restored);
  EXPECT_EQ(b.Text("PRAGMA integrity_check"), "ok");
  EXPECT_TRUE(b.Rows("PRAGMA foreign_key_check").empty());
  for (const char* pragma : {"PRAGMA user_version", "PRAGMA application_id", "PRAGMA page_size",
                             "PRAGMA encoding", "PRAGMA auto_vacuum", "PRAGMA journal_mode"}) {
    EXPECT_EQ(a.Text(pragma), b.Text(pragma)) << pragma;
  }
  EXPECT_EQ(b.Text("PRAGMA journal_mode"), "wal");
  const std::string match =
      "SELECT rowid, title, highlight(docs, 1, '[', ']') FROM docs WHERE docs MATCH 'tidemark' "
      "ORDER BY rowid";
  EXPECT_EQ(b.Rows(match).size(), 2u);
  EXPECT_EQ(a.Rows(match), b.Rows(match));
  const std::string names = "SELECT rowid FROM customer_names WHERE customer_names MATCH 'ada'";
  EXPECT_EQ(b.Rows(names), (std::vector<std::vector<std::string>>{{"1"}}));
  const std::string overlap = "SELECT id FROM boxes WHERE x1 >= 6 AND x0 <= 8 ORDER BY id";
  EXPECT_EQ(b.Rows(overlap), (std::vector<std::vector<std::string>>{{"1"}, {"2"}}));
  b.Exec("INSERT INTO docs VALUES('New', 'tidemark again')");
  EXPECT_EQ(b.Int("SELECT last_insert_rowid()"), 4);
  EXPECT_EQ(b.Int("SELECT count(*) FROM docs WHERE docs MATCH 'tidemark'"), 3);
  EXPECT_EQ(b.Text("INSERT INTO customers(name) VALUES('next') RETURNING id"),
            a.Text("SELECT seq + 1 FROM sqlite_sequence WHERE name = 'customers'"));

  EXPECT_TRUE(VerifySqliteAgainstManifest(source_, m, {}).ok());
  // The restored file was changed just above: verification must notice.
  Status changed = VerifySqliteAgainstManifest(restored, m, {});
  EXPECT_TRUE(changed.IsCorruption()) << changed.ToString();
  EXPECT_TRUE(VerifySqliteAgainstManifest(restored, m, {"wide", "naïve 表"}).ok());
}

TEST_F(RoundTripTest, RestoreRefusesExistingFileUnlessForced) {
  const std::string target = dir_.path() + "/precious.db";
  WriteWholeFile(target, "precious bytes, not a database");
  auto r = repo_->Restore(backup_.manifest, target);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsAlreadyExists()) << r.status().ToString();
  EXPECT_EQ(ReadWholeFile(target), "precious bytes, not a database");

  RestoreOptions opts;
  opts.path = target;
  opts.force = true;
  r = repo_->Restore(backup_.manifest, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(VerifySqliteAgainstManifest(target, backup_.manifest, {}).ok());
  EXPECT_EQ(DumpDatabase(source_), DumpDatabase(target));
  EXPECT_TRUE(NoTemporaryFiles(dir_.path()));
}

TEST_F(RoundTripTest, PartialRestoreHoldsOnlyTheSelectedTable) {
  RestoreOptions opts;
  opts.path = dir_.path() + "/tags.db";
  opts.tables = {"tags"};
  auto r = repo_->Restore(backup_.manifest, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tables, 1u);
  EXPECT_EQ(r->records, 4u);
  TestDb b(opts.path);
  EXPECT_EQ(b.Rows("SELECT name FROM sqlite_schema WHERE type = 'table'"),
            (std::vector<std::vector<std::string>>{{"tags"}}));
  EXPECT_EQ(b.Rows("SELECT rowid, tag, n FROM tags ORDER BY rowid"),
            TestDb(source_).Rows("SELECT rowid, tag, n FROM tags ORDER BY rowid"));
  EXPECT_EQ(b.Text("PRAGMA integrity_check"), "ok");
  EXPECT_TRUE(VerifySqliteAgainstManifest(opts.path, backup_.manifest, {"tags"}).ok());

  // The virtual table brings its shadow tables; MATCH works on the copy.
  opts.path = dir_.path() + "/docs.db";
  opts.tables = {"docs"};
  r = repo_->Restore(backup_.manifest, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TestDb d(opts.path);
  EXPECT_EQ(d.Int("SELECT count(*) FROM docs WHERE docs MATCH 'restore'"), 1);
  EXPECT_EQ(d.Int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                  "'docs%'"),
            0);

  // An AUTOINCREMENT table keeps its own counter, and only that one.
  opts.path = dir_.path() + "/customers.db";
  opts.tables = {"customers"};
  r = repo_->Restore(backup_.manifest, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TestDb c(opts.path);
  EXPECT_EQ(c.Rows("SELECT name, seq FROM sqlite_sequence"),
            TestDb(source_).Rows("SELECT name, seq FROM sqlite_sequence WHERE name = 'customers'"));
  EXPECT_EQ(c.Rows("SELECT * FROM customers ORDER BY id"),
            TestDb(source_).Rows("SELECT * FROM customers ORDER BY id"));
  EXPECT_EQ(c.Int("SELECT count(*) FROM sqlite_schema WHERE name = 'customers_top'"), 1);

  opts.path = dir_.path() + "/none.db";
  opts.tables = {"no_such_table"};
  r = repo_->Restore(backup_.manifest, opts);
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_FALSE(PathExists(opts.path));
}

// A schema of many small tables: each is its own tree; all come back.
TEST(BackupTest, FiveHundredSmallTables) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string source = dir.path() + "/many.db";
  {
    TestDb db(source);
    std::string sql = "BEGIN;";
    for (int i = 0; i < 500; i++) {
      const std::string t = "t" + std::to_string(i);
      sql += "CREATE TABLE " + t + "(id INTEGER PRIMARY KEY, v TEXT" + (i % 2 ? ", w REAL" : "") +
             ");";
      if (i % 5) {
        sql += "INSERT INTO " + t + "(id, v) VALUES (0, 'a'), (" + std::to_string(i) + ", 'b');";
      }
    }
    db.Exec(sql + "COMMIT;");
  }
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(source);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->manifest.tables.size(), 500u);
  EXPECT_EQ(b->records, 400u * 2);
  const std::string restored = dir.path() + "/restored.db";
  auto r = repo->Restore(b->manifest, restored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tables, 500u);
  EXPECT_EQ(DumpDatabase(source), DumpDatabase(restored));
}

// SQLite converts '42' to 42 on insert into an INTEGER column, so the only
// way to hold the text there is a schema edited after the fact; the backup
// keeps the text, and the restore must give it back. (The restore used to
// insert it as is, SQLite converted it, and the verification blamed the
// snapshot; the writer now loads such a table without its declared types.)
TEST(BackupTest, TextDigitsInIntegerColumn) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string source = dir.path() + "/typed.db";
  {
    TestDb db(source);
    db.Exec(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, n TEXT); INSERT INTO t VALUES (1, '42'), "
        "(2, 'x'), (3, NULL);"
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_schema SET sql = 'CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER)' "
        "WHERE name = 't';");
  }
  ASSERT_EQ(TestDb(source).Rows("SELECT typeof(n) FROM t ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"text"}, {"text"}, {"null"}}));
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(source);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto store = repo->OpenStore();
  NodeCache cache(store.get());
  std::string key;
  EncodeKey({Value::Integer(1)}, &key);
  auto got = TreeGet(&cache, b->manifest.FindTable("t")->root, key);
  ASSERT_TRUE(got.ok() && got->has_value());
  Record rec;
  ASSERT_TRUE(DecodeRecord(**got, "t", &rec).ok());
  ASSERT_EQ(rec.size(), 2u);
  EXPECT_EQ(rec[1], Value::Text("42"));

  const std::string restored = dir.path() + "/restored.db";
  auto r = repo->Restore(b->manifest, restored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(TestDb(restored).Rows("SELECT typeof(n), n FROM t ORDER BY id"),
            TestDb(source).Rows("SELECT typeof(n), n FROM t ORDER BY id"));
  // The declared type is back: a new insert converts as in the source.
  TestDb(restored).Exec("INSERT INTO t VALUES (4, '43')");
  EXPECT_EQ(TestDb(restored).Text("SELECT typeof(n) FROM t WHERE id = 4"), "integer");
  EXPECT_EQ(TestDb(restored).Text("SELECT sql FROM sqlite_schema WHERE name = 't'"),
            "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER)");
}

// restore.cc used to select every shadow table whose name starts with
// "<vtab>_", so selecting "docs" also picked "docs_x_data", the shadow table
// of the virtual table "docs_x", and the writer refused it. A shadow table
// belongs to the virtual table named by all before its last "_" (SQLite's rule).
TEST(BackupTest, PartialRestoreOfVirtualTableBesideSimilarName) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string source = dir.path() + "/fts.db";
  TestDb(source).Exec(
      "CREATE VIRTUAL TABLE docs USING fts5(a); CREATE VIRTUAL TABLE docs_x "
      "USING fts5(b); INSERT INTO docs VALUES ('hello'); INSERT INTO docs_x "
      "VALUES ('world');");
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(source);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  RestoreOptions opts;
  opts.path = dir.path() + "/docs.db";
  opts.tables = {"docs"};
  auto r = repo->Restore(b->manifest, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TestDb d(opts.path);
  EXPECT_EQ(d.Int("SELECT count(*) FROM docs WHERE docs MATCH 'hello'"), 1);
  EXPECT_EQ(d.Int("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'docs\\_x%' ESCAPE '\\'"), 0);
  EXPECT_EQ(d.Text("PRAGMA integrity_check"), "ok");

  // And the other one alone: none of docs's tables come along.
  opts.path = dir.path() + "/docs_x.db";
  opts.tables = {"docs_x"};
  r = repo->Restore(b->manifest, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  TestDb x(opts.path);
  EXPECT_EQ(x.Int("SELECT count(*) FROM docs_x WHERE docs_x MATCH 'world'"), 1);
  EXPECT_EQ(x.Int("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                  "'docs\\_x%' ESCAPE '\\'"),
            0);
}

// Each value is under the 32 KiB out-of-line limit, but the row (1.2 MB)
// is longer than a tree value may be (1 MiB): the longest values move out of
// line until it fits (records.md §2), so the backup works, an unchanged
// second backup stores nothing new, and the row comes back.
TEST(BackupTest, RowOfManyMediumValues) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string source = dir.path() + "/medium.db";
  std::string create = "CREATE TABLE w(id INTEGER PRIMARY KEY", insert = "INSERT INTO w SELECT 1";
  for (int i = 0; i < 40; i++) {
    create += ", c" + std::to_string(i) + (i % 2 ? " TEXT" : " BLOB");
    insert +=
        i % 2 ? ", printf('%.*c', 30000, 'x')" : ", randomblob(30000 + " + std::to_string(i) + ")";
  }
  TestDb(source).Exec(create + ");" + insert + "; INSERT INTO w(id, c1) VALUES (2, 'small');");
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  auto b = repo->Backup(source);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto store = repo->OpenStore();
  NodeCache cache(store.get());
  std::string key;
  EncodeKey({Value::Integer(1)}, &key);
  auto got = TreeGet(&cache, b->manifest.FindTable("w")->root, key);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_LE((*got)->size(), kMaxRecordSize);
  Record rec;
  ASSERT_TRUE(DecodeRecord(**got, "w", &rec).ok());
  size_t out_of_line = 0;
  for (const Value& v : rec) out_of_line += v.ref();
  EXPECT_EQ(out_of_line, 6u);
  EXPECT_TRUE(rec[39].ref() && rec[37].ref());  // the longest blobs (c38, c36) go first

  auto again = repo->Backup(source);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->manifest.FindTable("w")->root.id, b->manifest.FindTable("w")->root.id);
  const std::string restored = dir.path() + "/restored.db";
  auto r = repo->Restore(b->manifest, restored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(DumpDatabase(source), DumpDatabase(restored));
}

// 100,000 records of ~100 bytes; one changes: only the path from that leaf
// to the root is new. No change: nothing new, yet a snapshot is written.
TEST(IncrementalTest, OneChangedRecordStoresOnlyItsPath) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  const std::string path = dir.path() + "/items.db";
  TestDb db(path);
  db.Exec(R"sql(
    CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, payload TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO items SELECT i, printf('item %06d', i), hex(randomblob(40)) FROM n;
  )sql");
  MemBackend mem;
  auto repo = TestRepo::Create(&mem);
  ASSERT_NE(repo, nullptr);
  BlobStoreStats stats;
  auto first = repo->Backup(path, "items", &stats);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->manifest.stats.records_added, 100000u);
  EXPECT_GT(stats.blobs_added, 1000u);  // ~10 MB in ~4 KiB nodes
  const size_t blobs_after_first = repo->OpenStore()->index().blob_count();

  db.Exec("UPDATE items SET payload = 'changed' WHERE id = 54321");
  auto second = repo->Backup(path, "items", &stats);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GE(stats.blobs_added, 2u);  // a new leaf and a new root at least
  EXPECT_LE(stats.blobs_added, 6u);
  EXPECT_EQ(repo->OpenStore()->index().blob_count(), blobs_after_first + stats.blobs_added);
  const SnapshotStats& s2 = second->manifest.stats;
  EXPECT_EQ(s2.records_changed, 1u);
  EXPECT_EQ(s2.records_added, 0u);
  EXPECT_EQ(s2.records_removed, 0u);
  EXPECT_EQ(second->parent, first->snapshot);
  // The new tree holds the new value.
  auto store = repo->OpenStore();
  NodeCache cache(store.get());
  std::string key;
  EncodeKey({Value::Integer(54321)}, &key);
  auto got = TreeGet(&cache, second->manifest.FindTable("items")->root, key);
  ASSERT_TRUE(got.ok() && got->has_value());
  Record rec;
  ASSERT_TRUE(DecodeRecord(**got, "items", &rec).ok());
  ASSERT_EQ(rec.size(), 3u);
  EXPECT_EQ(rec[2], Value::Text("changed"));

  auto third = repo->Backup(path, "items", &stats);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(stats.blobs_added, 0u);
  EXPECT_EQ(stats.packs_written, 0u);
  EXPECT_EQ(third->manifest.stats.bytes_added, 0u);
  EXPECT_EQ(third->manifest.stats.records_changed + third->manifest.stats.records_added +
                third->manifest.stats.records_removed,
            0u);
  EXPECT_EQ(third->manifest.FindTable("items")->root, second->manifest.FindTable("items")->root);
  EXPECT_NE(third->snapshot, second->snapshot);
  EXPECT_EQ(third->parent, second->snapshot);
  EXPECT_EQ(repo->Snapshots("items").size(), 3u);
}

// --- Export -------------------------------------------------------------

// A CSV field back to a value, by export.md's rules.
Value ValueOfCsv(const CsvField& f) {
  if (f.quoted) return Value::Text(f.text);
  if (f.text.empty()) return Value::Null();
  std::string bytes;
  if (f.text.rfind("\\x", 0) == 0 && HexDecode(f.text.substr(2), &bytes)) return Value::Blob(bytes);
  if (f.text.find_first_of(".eEIN") == std::string::npos) return Value::Integer(std::stoll(f.text));
  return Value::Real(std::strtod(f.text.c_str(), nullptr));
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    source_ = dir_.path() + "/src.db";
    TestDb db(source_);
    db.Exec(
        "CREATE TABLE notes(id INTEGER PRIMARY KEY, v, w TEXT);"
        "CREATE TABLE \"odd/name é\"(k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;"
        "INSERT INTO \"odd/name é\" VALUES ('a', 1), ('b', NULL);"
        "CREATE VIRTUAL TABLE search USING fts5(t);"
        "INSERT INTO search VALUES ('not exported itself');");
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(db.get(), "INSERT INTO notes VALUES (?, ?, ?)", -1, &stmt, nullptr),
        SQLITE_OK);
    for (size_t i = 0; i < values_.size(); i++) {
      const Value& v = values_[i];
      sqlite3_bind_int64(stmt, 1, int64_t(i + 1));
      if (v.type() == ValueType::kInteger) sqlite3_bind_int64(stmt, 2, v.integer());
      if (v.type() == ValueType::kReal) sqlite3_bind_double(stmt, 2, v.real());
      if (v.type() == ValueType::kText) {
        sqlite3_bind_text(stmt, 2, v.bytes().data(), int(v.bytes().size()), SQLITE_STATIC);
      }
      if (v.type() == ValueType::kBlob) {
        sqlite3_bind_blob(stmt, 2, v.bytes().data(), int(v.bytes().size()), SQLITE_STATIC);
      }
      const std::string w = i % 2 ? "w\"" + std::to_string(i) : "";
      sqlite3_bind_text(stmt, 3, w.data(), int(w.size()), SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db.get());
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
    sqlite3_finalize(stmt);
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
    auto b = repo_->Backup(source_);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    backup_ = *b;
  }

  Result<std::vector<ExportedFile>> Export(const std::string& dir, ExportFormat format,
                                           bool csv_raw = false, unsigned mode = 0600) {
    ExportOptions opts;
    opts.dir = dir;
    opts.format = format;
    opts.csv_raw = csv_raw;
    opts.mode = mode;
    opts.tool_version = "test";
    auto store = repo_->OpenStore();
    return ExportSnapshot(store.get(), *repo_->repo(), backup_.snapshot, backup_.manifest, opts);
  }

  const std::vector<Value> values_ = {
      Value::Null(),
      Value::Text(""),
      Value::Text("say \"hi\", twice"),
      Value::Text("two\nlines\r\nthree"),
      Value::Text("42"),
      Value::Integer(-7),
      Value::Integer(INT64_MIN),
      Value::Real(0.1),
      Value::Real(-1.5e300),
      Value::Real(-0.0),
      Value::Real(INFINITY),
      Value::Blob(std::string("\0\xff,\"", 4)),
      Value::Blob(""),
      Value::Text(std::string(40000, 'L')),  // stored out of line
      // Fault campaign: text a spreadsheet runs as a formula.
      Value::Text("=HYPERLINK(\"http://evil.example/\")"),
      Value::Text("+1"),
      Value::Text("-5"),
      Value::Text("@SUM(A1)"),
      Value::Text("\tx"),
      Value::Text("\rx"),
  };
  // The CSV cell of v by default: formula-like text gets a leading '; numbers
  // (Integer(-7), Real(-1.5e300)) are not text and stay as they are.
  static Value Neutralised(const Value& v) {
    if (v.type() != ValueType::kText || v.bytes().empty()) return v;
    if (std::string_view("=+-@\t\r").find(v.bytes()[0]) == std::string_view::npos) return v;
    return Value::Text("'" + v.bytes());
  }
  ScopedTempDir dir_;
  std::string source_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  BackupResult backup_;
};

TEST_F(ExportTest, CsvFieldsParseBackToTheSameValues) {
  const std::string out = dir_.path() + "/csv";
  auto files = Export(out, ExportFormat::kCsv);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);  // the virtual table and its shadow tables are not exported
  EXPECT_EQ((*files)[1].file, "odd%2Fname%20%C3%A9.csv");
  EXPECT_EQ((*files)[0].file, ExportFileName("notes", ExportFormat::kCsv));
  EXPECT_EQ((*files)[0].rows, values_.size());
  const std::string csv = ReadWholeFile(out + "/notes.csv");
  EXPECT_EQ((*files)[0].bytes, csv.size());
  const auto rows = ParseCsv(csv);
  ASSERT_EQ(rows.size(), values_.size() + 1);
  EXPECT_EQ(rows[0], (std::vector<CsvField>{{"id", true}, {"v", true}, {"w", true}}));
  for (size_t i = 0; i < values_.size(); i++) {
    SCOPED_TRACE("row " + std::to_string(i + 1));
    ASSERT_EQ(rows[i + 1].size(), 3u);
    EXPECT_EQ(ValueOfCsv(rows[i + 1][0]), Value::Integer(int64_t(i + 1)));
    EXPECT_EQ(ValueOfCsv(rows[i + 1][1]), Neutralised(values_[i]))
        << "field '" << rows[i + 1][1].text << "'";
    EXPECT_EQ(ValueOfCsv(rows[i + 1][2]), Value::Text(i % 2 ? "w\"" + std::to_string(i) : ""));
  }
}

// Fault campaign: --csv-raw writes formula-like cells as they are; the
// default says it prefixed them in manifest.json; -7 stays a number.
TEST_F(ExportTest, CsvRawKeepsFormulasAndTheManifestSaysWhich) {
  const std::string csv = dir_.path() + "/csv", raw = dir_.path() + "/raw";
  ASSERT_TRUE(Export(csv, ExportFormat::kCsv).ok());
  ASSERT_TRUE(Export(raw, ExportFormat::kCsv, true).ok());
  const std::string text = ReadWholeFile(csv + "/notes.csv");
  EXPECT_NE(text.find(",\"'=HYPERLINK(\"\"http"), std::string::npos);
  EXPECT_NE(text.find(",-7,"), std::string::npos);
  EXPECT_NE(ReadWholeFile(raw + "/notes.csv").find(",\"=HYPERLINK("), std::string::npos);
  EXPECT_NE(ReadWholeFile(csv + "/manifest.json").find("\"csv_formulas\":\"prefixed\""),
            std::string::npos);
  EXPECT_NE(ReadWholeFile(raw + "/manifest.json").find("\"csv_formulas\":\"raw\""),
            std::string::npos);
  auto problems = VerifyExport(csv);
  ASSERT_TRUE(problems.ok() && problems->empty());
}

// Fault campaign: plaintext copies followed the umask (644, 755).
TEST_F(ExportTest, FilesArePrivateWhateverTheUmaskUnlessAModeIsGiven) {
  const mode_t old = ::umask(0);
  ASSERT_TRUE(Export(dir_.path() + "/private", ExportFormat::kCsv).ok());
  ASSERT_TRUE(Export(dir_.path() + "/shared", ExportFormat::kCsv, false, 0640).ok());
  ::umask(old);
  auto mode = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 ? st.st_mode & 0777 : 01000u;
  };
  EXPECT_EQ(mode(dir_.path() + "/private"), 0700u);
  EXPECT_EQ(mode(dir_.path() + "/private/notes.csv"), 0600u);
  EXPECT_EQ(mode(dir_.path() + "/private/manifest.json"), 0600u);
  EXPECT_EQ(mode(dir_.path() + "/shared"), 0750u);
  EXPECT_EQ(mode(dir_.path() + "/shared/notes.csv"), 0640u);
}

TEST_F(ExportTest, NdjsonRowsMatchTheValues) {
  const std::string out = dir_.path() + "/json";
  auto files = Export(out, ExportFormat::kNdjson);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string text = ReadWholeFile(out + "/notes.ndjson");
  size_t line_start = 0;
  for (size_t i = 0; i < values_.size(); i++) {
    SCOPED_TRACE("row " + std::to_string(i + 1));
    const size_t end = text.find('\n', line_start);
    ASSERT_NE(end, std::string::npos);
    auto doc = ParseJson(text.substr(line_start, end - line_start));
    line_start = end + 1;
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    const JsonValue* v = doc->Find("v");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(doc->Find("id")->int_value(), int64_t(i + 1));
    const Value& want = values_[i];
    switch (want.type()) {
      case ValueType::kNull:
        EXPECT_TRUE(v->is_null());
        break;
      case ValueType::kInteger:
        EXPECT_EQ(v->int_value(), want.integer());
        break;
      case ValueType::kReal:
        if (std::isfinite(want.real())) {
          EXPECT_EQ(Value::Real(v->double_value()), want) << v->number_text();
        } else {
          EXPECT_EQ(v->string_value(), "Infinity");
        }
        break;
      case ValueType::kText:
        EXPECT_EQ(v->string_value(), want.bytes());
        break;
      case ValueType::kBlob:
        ASSERT_TRUE(v->is_object());
        EXPECT_EQ(v->Find("base16")->string_value(), HexEncode(want.bytes()));
        break;
      default:
        FAIL() << "not a SQLite value";
    }
  }
  EXPECT_EQ(line_start, text.size());
}

TEST_F(ExportTest, VerifyNamesEveryTamperedFile) {
  for (ExportFormat format : {ExportFormat::kCsv, ExportFormat::kNdjson}) {
    const std::string out = dir_.path() + (format == ExportFormat::kCsv ? "/csv" : "/ndjson");
    auto files = Export(out, format);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto problems = VerifyExport(out);
    ASSERT_TRUE(problems.ok()) << problems.status().ToString();
    EXPECT_TRUE(problems->empty()) << (*problems)[0].file << ": " << (*problems)[0].problem;
    const std::string notes = (*files)[0].file, odd = (*files)[1].file;
    WriteWholeFile(out + "/" + notes, ReadWholeFile(out + "/" + notes) + "1,2,3\r\n");
    ASSERT_EQ(::unlink((out + "/" + odd).c_str()), 0);
    WriteWholeFile(out + "/extra.txt", "not part of the export");
    problems = VerifyExport(out);
    ASSERT_TRUE(problems.ok()) << problems.status().ToString();
    std::map<std::string, std::string> by_file;
    for (const ExportProblem& p : *problems) by_file[p.file] = p.problem;
    ASSERT_EQ(by_file.size(), 3u);
    EXPECT_EQ(by_file[notes].rfind("modified", 0), 0u) << by_file[notes];
    EXPECT_EQ(by_file[odd].rfind("missing", 0), 0u) << by_file[odd];
    EXPECT_EQ(by_file["extra.txt"].rfind("extra", 0), 0u) << by_file["extra.txt"];
  }
}

TEST_F(ExportTest, RefusesNonEmptyFolderAndLeavesItAlone) {
  const std::string out = dir_.path() + "/busy";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  WriteWholeFile(out + "/keep.txt", "mine");
  auto files = Export(out, ExportFormat::kCsv);
  ASSERT_FALSE(files.ok());
  EXPECT_TRUE(files.status().IsAlreadyExists()) << files.status().ToString();
  EXPECT_EQ(ListFolder(out), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(ReadWholeFile(out + "/keep.txt"), "mine");
  // An empty folder the user made is fine.
  const std::string empty = dir_.path() + "/empty";
  ASSERT_EQ(::mkdir(empty.c_str(), 0755), 0);
  ASSERT_TRUE(Export(empty, ExportFormat::kNdjson).ok());
  EXPECT_EQ(ListFolder(empty).size(), 3u);  // two tables and manifest.json
  for (const std::string& name : ListFolder(dir_.path())) {
    EXPECT_EQ(name.find(".tidemark-"), std::string::npos) << "left behind: " << name;
  }
}

}  // namespace
}  // namespace tidemark
