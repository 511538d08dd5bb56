// The golden repository: a format-v1 repository made once and committed
// (tests/fixtures/repo-v1). Today's code must open it, read every blob,
// find no damage and verify its ledger, and open, list, diff and restore its
// two snapshots of a small SQLite source (a large out-of-line value, a
// WITHOUT ROWID table, a view, a trigger): each restore's `sqlite3 .dump`
// must equal the committed tests/fixtures/repo-v1-snapshot-<n>.sql. A change
// that breaks this is a format change: bump the version (docs/FORMAT.md §12)
// and keep reading v1.
//
// Regenerate only for a deliberate format change:
//   TIDEMARK_TEST_SOURCE_DIR=$PWD build/release/ops_test --gtest_also_run_disabled_tests
//   --gtest_filter='*GenerateGolden*'
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "ops/backup/backup.h"
#include "ops/integrity/check.h"
#include "ops/restore/restore.h"
#include "ops/testing/sqlite_testlib.h"
#include "records/encoding.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"
#include "snapshot/large_values.h"
#include "snapshot/manifest.h"
#include "snapshot/record_diff.h"
#include "storage/local_backend.h"
#include "storage/temp_dir_testlib.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

namespace fs = std::filesystem;

const char kPassword[] = "golden fixture password";

// The blobs the fixture holds: small, compressible and incompressible.
std::vector<std::string> GoldenContents() {
  std::string csv;
  for (int i = 0; i < 3000; i++) csv += std::to_string(i) + ",customer " + std::to_string(i) + "\n";
  std::string noise;
  std::string block = Sha256("golden noise");
  while (noise.size() < 20000) {
    noise += block;
    block = Sha256(block);
  }
  return {"golden blob one", csv, noise};
}

std::string FixturesDir() {
  const char* src = getenv("TIDEMARK_TEST_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/fixtures";
}
std::string FixtureDir() { return FixturesDir() + "/repo-v1"; }
// The committed `sqlite3 .dump --preserve-rowids` of snapshot n (1 or 2).
std::string ExpectedDumpPath(int n) {
  return FixturesDir() + "/repo-v1-snapshot-" + std::to_string(n) + ".sql";
}

// A 40,000-byte text (over kInlineMax: stored out of line), the same each time.
std::string LargeNote() {
  std::string s;
  for (int i = 0; s.size() < 40000; i++) s += "golden note line " + std::to_string(i) + ". ";
  return s.substr(0, 40000);
}

// The source of snapshot 1: a rowid table with an out-of-line value, a
// WITHOUT ROWID table, a view, a trigger and an index.
void BuildGoldenSource(const std::string& path) {
  TestDb db(path);
  db.Exec(R"sql(
    PRAGMA user_version = 7;
    CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, note TEXT);
    CREATE TABLE pairs(a TEXT, b INTEGER, v, PRIMARY KEY(a, b)) WITHOUT ROWID;
    CREATE TABLE log(at INTEGER, msg TEXT);
    CREATE INDEX customers_name ON customers(name);
    CREATE VIEW top_customers AS SELECT id, name FROM customers WHERE score > 90;
    CREATE TRIGGER customers_log AFTER INSERT ON customers
      BEGIN INSERT INTO log VALUES (new.id, 'added ' || new.name); END;
    INSERT INTO customers VALUES (1, 'Ada', 97.5, NULL), (2, 'Bob', 12.25, 'x'), (3, 'Cy', NULL, '');
    INSERT INTO pairs VALUES ('apple', 1, X'00FF'), ('apple', 2, 2.5), ('pear', 1, NULL);
  )sql");
  db.Exec("UPDATE customers SET note = '" + LargeNote() + "' WHERE id = 1");
}

// Snapshot 2: Bob's score changes, Dee is added (the trigger logs her), a
// pair is removed, an index is added.
void ChangeGoldenSource(const std::string& path) {
  TestDb(path).Exec(R"sql(
    UPDATE customers SET score = 13 WHERE id = 2;
    INSERT INTO customers VALUES (4, 'Dee', 91, 'new');
    DELETE FROM pairs WHERE a = 'pear';
    CREATE INDEX pairs_v ON pairs(v);
  )sql");
}

// Copies the committed files into a fresh repository folder (git keeps no
// empty folders, so the layout is made by LocalBackend::Create first).
std::string CopyFixture(const std::string& into) {
  const std::string repo = into + "/repo";
  EXPECT_TRUE(LocalBackend::Create(repo).ok());
  for (const auto& e : fs::recursive_directory_iterator(FixtureDir())) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), FixtureDir());
    fs::create_directories((fs::path(repo) / rel).parent_path());
    fs::copy_file(e.path(), fs::path(repo) / rel, fs::copy_options::overwrite_existing);
  }
  return repo;
}

TEST(GoldenRepositoryTest, FormatV1StillReads) {
  ASSERT_TRUE(fs::exists(FixtureDir() + "/config")) << FixtureDir();
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  auto backend = LocalBackend::Open(CopyFixture(dir.path()));
  ASSERT_TRUE(backend.ok());
  auto repo = Repository::Open(backend->get(), kPassword);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  EXPECT_EQ((*repo)->config().version, 1u);
  EXPECT_EQ((*repo)->config().pack_target, 64u * 1024);

  BlobStore store(repo->get());
  ASSERT_TRUE(store.LoadIndex().ok());
  EXPECT_GT(store.index().blob_count(), 3u);  // the blobs below, tree nodes, chunks
  for (const std::string& content : GoldenContents()) {
    auto got = store.Get(ComputeBlobId((*repo)->keys(), content));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, content);
  }

  CheckOptions options;
  options.read_data = true;
  auto report = CheckRepository(repo->get(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->damage[0].object << ": " << report->damage[0].message;
  EXPECT_EQ(report->ledger_entries, 4u);

  std::vector<std::string> actions;
  ASSERT_TRUE(Ledger(repo->get())
                  .ForEach(1,
                           [&](const LedgerEntry& e) {
                             actions.push_back(e.record.action);
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(actions, (std::vector<std::string>{"init", "golden", "backup", "backup"}));
  EXPECT_TRUE(Repository::Open(backend->get(), "wrong").status().IsPermissionDenied());
}

// Changes of `table` from snapshot a to b as "kind key field..." lines.
std::vector<std::string> TableChanges(NodeCache* cache, const Manifest& a, const Manifest& b,
                                      const std::string& table) {
  std::vector<std::string> out;
  auto counts = DiffTable(cache, a.FindTable(table), b.FindTable(table),
                          [&](const RecordChange& c) -> Result<bool> {
                            std::string line = c.kind == TreeChange::Kind::kAdded     ? "added"
                                               : c.kind == TreeChange::Kind::kRemoved ? "removed"
                                                                                      : "changed";
                            for (const Value& v : c.key_values) line += " " + ValueToDisplay(v);
                            for (const FieldChange& f : c.fields) line += " " + f.field;
                            out.push_back(line);
                            return true;
                          });
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  return out;
}

TEST(GoldenRepositoryTest, SnapshotsOpenListDiffAndRestore) {
  ScopedTempDir dir;
  setenv("TIDEMARK_CACHE_DIR", (dir.path() + "/cache").c_str(), 1);
  auto backend = LocalBackend::Open(CopyFixture(dir.path()));
  ASSERT_TRUE(backend.ok());
  auto repo = Repository::Open(backend->get(), kPassword);
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();

  // Open and list.
  auto ids = ListSnapshots(**repo);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 2u);
  auto all = LoadSnapshots(**repo);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  const SnapshotInfo& one = (*all)[0];
  const SnapshotInfo& two = (*all)[1];
  EXPECT_EQ(one.manifest.source, "golden");
  EXPECT_TRUE(one.manifest.parent.IsZero());
  EXPECT_EQ(two.manifest.parent, one.id);
  EXPECT_EQ(LatestOf(*all, "golden"), &(*all)[1]);
  for (const SnapshotInfo& s : *all) {
    auto read = ReadSnapshot(**repo, s.id);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*EncodeManifest(*read), *EncodeManifest(s.manifest));
    // Written before annotations existed: read as "no annotations".
    EXPECT_TRUE(read->objects.annotations.empty());
    EXPECT_TRUE(RelationsOf(read->FullSchema()).empty());
  }
  std::vector<std::pair<std::string, uint64_t>> tables;
  for (const SnapshotTable& t : one.manifest.tables)
    tables.emplace_back(t.schema.name, t.root.count);
  EXPECT_EQ(tables, (std::vector<std::pair<std::string, uint64_t>>{
                        {"customers", 3}, {"pairs", 3}, {"log", 3}}));
  EXPECT_TRUE(one.manifest.FindTable("pairs")->schema.no_implicit_id);

  // The records of customers, with the out-of-line note loaded.
  BlobStore store(repo->get());
  ASSERT_TRUE(store.LoadIndex().ok());
  NodeCache cache(&store);
  ChunkedValueStore large(&store, **repo);
  std::vector<std::string> names;
  int out_of_line = 0;
  Status scanned = TreeScan(&cache, one.manifest.FindTable("customers")->root, std::nullopt,
                            [&](std::string_view, std::string_view value) -> Result<bool> {
                              Record rec;
                              TM_RETURN_IF_ERROR(DecodeRecord(value, "customers", &rec));
                              if (rec[3].ref()) {
                                out_of_line++;
                                TM_RETURN_IF_ERROR(ResolveValue(&large, &rec[3]));
                                EXPECT_EQ(rec[3].bytes(), LargeNote());
                              }
                              names.push_back(rec[1].bytes());
                              return true;
                            });
  ASSERT_TRUE(scanned.ok()) << scanned.ToString();
  EXPECT_EQ(names, (std::vector<std::string>{"Ada", "Bob", "Cy"}));
  EXPECT_EQ(out_of_line, 1);  // Ada's note

  // Diff.
  EXPECT_EQ(TableChanges(&cache, one.manifest, two.manifest, "customers"),
            (std::vector<std::string>{"changed 2 score", "added 4"}));
  EXPECT_EQ(TableChanges(&cache, one.manifest, two.manifest, "pairs"),
            (std::vector<std::string>{"removed pear 1"}));
  EXPECT_EQ(TableChanges(&cache, one.manifest, two.manifest, "log"),
            (std::vector<std::string>{"added 4"}));
  std::vector<std::string> schema;
  for (const SchemaChange& c : DiffSchemas(one.manifest.FullSchema(), two.manifest.FullSchema())) {
    schema.push_back(std::string(SchemaChangeKindName(c.kind)) + " " + c.type + " " + c.name);
  }
  EXPECT_EQ(schema, (std::vector<std::string>{"added index pairs_v"}));

  // Restore: the dump equals the committed one.
  for (int n : {1, 2}) {
    SCOPED_TRACE("snapshot " + std::to_string(n));
    RestoreOptions opts;
    opts.path = dir.path() + "/restored-" + std::to_string(n) + ".db";
    auto r = RestoreSqlite(&store, **repo, (*all)[n - 1].manifest, opts);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const std::string want = ReadWholeFile(ExpectedDumpPath(n));
    ASSERT_FALSE(want.empty()) << ExpectedDumpPath(n);
    EXPECT_EQ(DumpDatabase(opts.path), want);
  }
}

TEST(GoldenRepositoryTest, DISABLED_GenerateGolden) {
  ScopedTempDir cache;
  setenv("TIDEMARK_CACHE_DIR", cache.path().c_str(), 1);
  fs::remove_all(FixtureDir());
  ASSERT_TRUE(LocalBackend::Create(FixtureDir()).ok());
  auto backend = LocalBackend::Open(FixtureDir());
  ASSERT_TRUE(backend.ok());
  InitOptions opts;
  opts.kdf = KdfParams{1, 8192};
  opts.pack_target = 64 * 1024;
  opts.host = "golden-host";
  opts.user = "golden";
  static FakeClock clock(1'767'225'600'000'000);  // 2026-01-01; outlives the repository
  auto repo = Repository::Init(backend->get(), kPassword, opts, &clock);
  ASSERT_TRUE(repo.ok());
  Ledger ledger(repo->get());
  ASSERT_TRUE(ledger.Append({"golden@golden-host", "init", "ok", {}, {}, {}}).ok());
  BlobStore store(repo->get());
  for (const std::string& c : GoldenContents()) ASSERT_TRUE(store.Put(BlobType::kData, c).ok());
  ASSERT_TRUE(store.Flush().ok());
  ASSERT_TRUE(ledger.Append({"golden@golden-host", "golden", "ok", {}, {}, {{"blobs", 3}}}).ok());

  // Two snapshots of the golden source, and the dumps their restores must give.
  const std::string source = cache.path() + "/golden.db";
  ASSERT_NO_FATAL_FAILURE(BuildGoldenSource(source));
  for (int n : {1, 2}) {
    if (n == 2) {
      ASSERT_NO_FATAL_FAILURE(ChangeGoldenSource(source));
    }
    clock.Advance(3600'000'000);
    BackupOptions b;
    b.source = SqliteSourceRef(source);
    b.name = "golden";
    b.host = "golden-host";
    b.tool_version = "golden";
    auto r = Backup(repo->get(), &store, b);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(ledger
                    .Append({"golden@golden-host",
                             "backup",
                             "ok",
                             {},
                             {r->snapshot.Hex()},
                             {{"records", int64_t(r->records)}}})
                    .ok());
    WriteWholeFile(ExpectedDumpPath(n), DumpDatabase(source));
  }
}

}  // namespace
}  // namespace tidemark
