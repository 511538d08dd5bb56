// Record-level diff, live diff, schema diff and record history against an
// independent oracle: `sqldiff --primarykey` on copies of the database taken
// at each backup.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <tuple>

#include "ops/diff/live_diff.h"
#include "ops/testing/sqlite_testlib.h"
#include "records/encoding.h"
#include "snapshot/history.h"
#include "snapshot/record_diff.h"
#include "sources/sqlite/sqlite_source.h"
#include "storage/mem_backend.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

// --- A reader for the statements sqldiff prints -------------------------

// One change as sqldiff states it.
struct SqlChange {
  TreeChange::Kind kind;
  std::string table;
  std::map<std::string, Value> set;    // UPDATE: the assigned columns
  std::map<std::string, Value> where;  // UPDATE/DELETE: the key columns
  std::map<std::string, Value> row;    // INSERT: every column
};

// Tokens of the subset of SQL that sqldiff writes: identifiers, literals
// and punctuation. Strings keep their quotes so that literals stay apart
// from names.
class SqlReader {
 public:
  explicit SqlReader(std::string text) : s_(std::move(text)) {}

  bool AtEnd() {
    SkipSpace();
    return i_ >= s_.size();
  }
  // The next identifier or keyword (unquoted), or a punctuation character.
  std::string Word() {
    SkipSpace();
    if (i_ >= s_.size()) return "";
    if (s_[i_] == '"') return Quoted('"');
    if (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_') {
      const size_t start = i_;
      while (i_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) {
        i_++;
      }
      return s_.substr(start, i_ - start);
    }
    return std::string(1, s_[i_++]);
  }
  void Expect(const std::string& word) {
    const std::string got = Word();
    EXPECT_EQ(got, word) << "sqldiff output near offset " << i_;
  }
  Value Literal() {
    SkipSpace();
    if (s_.compare(i_, 2, "x'") == 0 || s_.compare(i_, 2, "X'") == 0) {
      i_++;
      std::string hex = Quoted('\'');
      std::string bytes;
      for (size_t k = 0; k + 1 < hex.size(); k += 2) {
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
      }
      return Value::Blob(bytes);
    }
    if (s_[i_] == '\'') return Value::Text(Quoted('\''));
    const size_t start = i_;
    while (i_ < s_.size() &&
           std::string_view("+-.0123456789eEINFULnful").find(s_[i_]) != std::string_view::npos) {
      i_++;
    }
    const std::string tok = s_.substr(start, i_ - start);
    if (tok == "NULL") return Value::Null();
    if (tok.find_first_of(".eE") == std::string::npos) return Value::Integer(std::stoll(tok));
    return Value::Real(std::stod(tok));
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) i_++;
  }
  // A quoted token starting at i_, with doubled quotes undone.
  std::string Quoted(char q) {
    std::string out;
    for (i_++; i_ < s_.size(); i_++) {
      if (s_[i_] == q) {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == q) {
          out.push_back(q);
          i_++;
          continue;
        }
        i_++;
        return out;
      }
      out.push_back(s_[i_]);
    }
    ADD_FAILURE() << "unterminated quote in sqldiff output";
    return out;
  }
  std::string s_;
  size_t i_ = 0;
};

// "a=1, b='x'" up to (not including) `stop`.
std::map<std::string, Value> Assignments(SqlReader* r, const std::string& separator,
                                         const std::string& stop) {
  std::map<std::string, Value> out;
  for (;;) {
    const std::string col = r->Word();
    r->Expect("=");
    out[col] = r->Literal();
    const std::string next = r->Word();
    if (next == stop) return out;
    EXPECT_EQ(next, separator);
    if (next != separator) return out;
  }
}

std::vector<SqlChange> ParseSqldiff(const std::string& text) {
  std::vector<SqlChange> out;
  SqlReader r(text);
  while (!r.AtEnd()) {
    SqlChange c;
    const std::string verb = r.Word();
    if (verb == "INSERT") {
      c.kind = TreeChange::kAdded;
      r.Expect("INTO");
      c.table = r.Word();
      r.Expect("(");
      std::vector<std::string> cols;
      for (std::string w = r.Word(); w != ")"; w = r.Word()) {
        if (w != ",") cols.push_back(w);
      }
      r.Expect("VALUES");
      r.Expect("(");
      for (size_t k = 0; k < cols.size(); k++) {
        c.row[cols[k]] = r.Literal();
        r.Expect(k + 1 < cols.size() ? "," : ")");
      }
      r.Expect(";");
    } else if (verb == "UPDATE") {
      c.kind = TreeChange::kChanged;
      c.table = r.Word();
      r.Expect("SET");
      c.set = Assignments(&r, ",", "WHERE");
      c.where = Assignments(&r, "AND", ";");
    } else if (verb == "DELETE") {
      c.kind = TreeChange::kRemoved;
      r.Expect("FROM");
      c.table = r.Word();
      r.Expect("WHERE");
      c.where = Assignments(&r, "AND", ";");
    } else {
      ADD_FAILURE() << "unexpected sqldiff statement starting with " << verb;
      return out;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// --- What both sides are reduced to ------------------------------------

// (table, encoded key, kind) -> the changed fields and their new values
// (nullopt: the field is gone). Fields are empty for added and removed.
using ChangeSet = std::map<std::tuple<std::string, std::string, int>,
                           std::map<std::string, std::optional<Value>>>;

std::string KeyOf(const Value& v) {
  std::string key;
  EncodeKey({v}, &key);
  return key;
}

ChangeSet FromSqldiff(const std::string& a, const std::string& b,
                      const std::map<std::string, std::string>& key_column) {
  int rc = 0;
  const std::string out =
      RunCommand("sqldiff --primarykey " + ShellQuote(a) + " " + ShellQuote(b), &rc);
  EXPECT_EQ(rc, 0);
  ChangeSet set;
  for (const SqlChange& c : ParseSqldiff(out)) {
    const std::string& col = key_column.at(c.table);
    const Value& key = c.kind == TreeChange::kAdded ? c.row.at(col) : c.where.at(col);
    auto& fields = set[{c.table, KeyOf(key), int(c.kind)}];
    for (const auto& [name, v] : c.set) fields[name] = v;
  }
  return set;
}

void AddChange(const std::string& table, const RecordChange& c, ChangeSet* set) {
  EXPECT_EQ(c.key_values.size(), 1u);
  std::string key;
  EncodeKey(c.key_values, &key);
  EXPECT_EQ(key, c.key);
  auto& fields = (*set)[{table, key, int(c.kind)}];
  for (const FieldChange& f : c.fields) {
    EXPECT_NE(f.old_value, f.new_value) << f.field;
    fields[f.field] = f.new_value;
  }
}

// --- Random edits -------------------------------------------------------

// Two tables, one keyed by INTEGER PRIMARY KEY and one by a TEXT primary key
// of a rowid table (whose record then carries the rowid).
void CreateShop(const std::string& path) {
  TestDb db(path);
  db.Exec(R"sql(
    CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, age INTEGER, score REAL, note);
    CREATE TABLE stock(sku TEXT PRIMARY KEY, qty INTEGER, label TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
      INSERT INTO people SELECT i, 'person ' || i, i % 90, i / 4.0,
        CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN 'n' || i ELSE randomblob(8) END FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
      INSERT INTO stock SELECT printf('sku-%04d', i), i, 'label ''' || i || '''' FROM n;
    UPDATE people SET note = hex(randomblob(40000)) WHERE id = 1;
  )sql");
}

// Applies `n` random inserts, deletes and updates of random fields. New keys
// are never reused, so that a key's identity is never ambiguous.
void RandomEdits(const std::string& path, std::mt19937* rng, int n, int* next_key) {
  TestDb db(path);
  db.Exec("BEGIN");
  auto pick = [&](const std::string& table, const std::string& col) {
    return db.Text("SELECT " + col + " FROM " + table + " ORDER BY random() LIMIT 1");
  };
  for (int i = 0; i < n; i++) {
    const int op = int((*rng)() % 3);
    const bool people = (*rng)() % 2 == 0;
    const std::string k = std::to_string((*next_key)++);
    const std::string r = std::to_string((*rng)() % 1000);
    if (op == 0) {
      db.Exec(people ? "INSERT INTO people VALUES (" + k + ", 'new " + k + "', " + r + ", " + r +
                           ".25, 'note')"
                     : "INSERT INTO stock VALUES ('new-" + k + "', " + r + ", NULL)");
    } else if (op == 1) {
      db.Exec(people ? "DELETE FROM people WHERE id = " + pick("people", "id")
                     : "DELETE FROM stock WHERE sku = '" + pick("stock", "sku") + "'");
    } else if (people) {
      // Each field is assigned with probability 1/2; one time in five NULL.
      const std::vector<std::pair<std::string, std::string>> fields = {
          {"name", "'renamed " + r + "'"},
          {"age", r},
          {"score", r + ".5"},
          {"note", "'x" + r + "'"}};
      std::string set;
      for (const auto& [name, value] : fields) {
        if ((*rng)() % 2) continue;
        set += (set.empty() ? "" : ", ") + name + " = " + ((*rng)() % 5 ? value : "NULL");
      }
      if (set.empty()) set = "age = age + 1";
      db.Exec("UPDATE people SET " + set + " WHERE id = " + pick("people", "id"));
    } else {
      db.Exec(std::string("UPDATE stock SET ") +
              ((*rng)() % 2 ? "qty = " + r : "label = 'l" + r + "'") + " WHERE sku = '" +
              pick("stock", "sku") + "'");
    }
  }
  db.Exec("COMMIT");
}

ChangeSet FromDiffTable(NodeCache* cache, const Manifest& a, const Manifest& b) {
  ChangeSet set;
  for (const char* table : {"people", "stock"}) {
    auto counts = DiffTable(cache, a.FindTable(table), b.FindTable(table),
                            [&](const RecordChange& c) -> Result<bool> {
                              AddChange(table, c, &set);
                              return true;
                            });
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    // Counting alone (cheap path) agrees with the enumeration.
    auto only_counts = DiffTable(cache, a.FindTable(table), b.FindTable(table), nullptr);
    EXPECT_TRUE(only_counts.ok());
    if (counts.ok() && only_counts.ok()) {
      EXPECT_EQ(counts->added, only_counts->added);
      EXPECT_EQ(counts->removed, only_counts->removed);
      EXPECT_EQ(counts->changed, only_counts->changed);
    }
  }
  return set;
}

class DiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TIDEMARK_CACHE_DIR", (dir_.path() + "/cache").c_str(), 1);
    live_ = dir_.path() + "/shop.db";
    repo_ = TestRepo::Create(&mem_);
    ASSERT_NE(repo_, nullptr);
  }
  // Backs up the live file and keeps a copy of it as it was.
  Manifest BackupAndCopy(const std::string& copy) {
    CopyFileOrFail(live_, copy);
    auto b = repo_->Backup(live_, "shop");
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? b->manifest : Manifest{};
  }

  ScopedTempDir dir_;
  MemBackend mem_;
  std::unique_ptr<TestRepo> repo_;
  std::string live_;
};

TEST_F(DiffTest, RecordDiffMatchesSqldiff) {
  ASSERT_NO_FATAL_FAILURE(CreateShop(live_));
  const std::map<std::string, std::string> keys{{"people", "id"}, {"stock", "sku"}};
  std::mt19937 rng(20240611);
  int next_key = 100000;
  std::string previous = dir_.path() + "/copy0.db";
  Manifest before = BackupAndCopy(previous);
  auto store = repo_->OpenStore();
  for (int round = 1; round <= 3; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    RandomEdits(live_, &rng, 40, &next_key);
    const std::string copy = dir_.path() + "/copy" + std::to_string(round) + ".db";
    Manifest after = BackupAndCopy(copy);
    store = repo_->OpenStore();
    NodeCache cache(store.get());
    const ChangeSet expected = FromSqldiff(previous, copy, keys);
    EXPECT_GT(expected.size(), 20u);
    std::set<int> kinds;
    for (const auto& entry : expected) kinds.insert(std::get<2>(entry.first));
    EXPECT_EQ(kinds.size(), 3u) << "the edits should add, remove and change records";
    const ChangeSet got = FromDiffTable(&cache, before, after);
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected) << "DiffTable and sqldiff disagree";
    for (const auto& [k, fields] : expected) {
      auto it = got.find(k);
      if (it == got.end()) {
        ADD_FAILURE() << "missing change of " << std::get<0>(k) << " kind " << std::get<2>(k);
      } else if (it->second != fields) {
        ADD_FAILURE() << "fields differ for a change of " << std::get<0>(k);
      }
    }
    before = after;
    previous = copy;
  }
}

TEST_F(DiffTest, LiveDiffAgreesWithDiffOfAFreshBackup) {
  ASSERT_NO_FATAL_FAILURE(CreateShop(live_));
  Manifest old = BackupAndCopy(dir_.path() + "/copy0.db");
  std::mt19937 rng(99);
  int next_key = 500000;
  RandomEdits(live_, &rng, 60, &next_key);
  auto store = repo_->OpenStore();
  NodeCache cache(store.get());
  ChangeSet live_set;
  {
    auto src = SqliteSource::Open(live_);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    for (const char* table : {"people", "stock"}) {
      auto counts = DiffLiveTable(&cache, *repo_->repo(), old.FindTable(table), src->get(),
                                  (*src)->schema().FindTable(table),
                                  [&](const RecordChange& c) -> Result<bool> {
                                    AddChange(table, c, &live_set);
                                    return true;
                                  });
      ASSERT_TRUE(counts.ok()) << counts.status().ToString();
      EXPECT_GT(counts->added + counts->removed + counts->changed, 0u);
    }
  }
  Manifest fresh = BackupAndCopy(dir_.path() + "/copy1.db");
  store = repo_->OpenStore();
  NodeCache cache2(store.get());
  EXPECT_TRUE(live_set == FromDiffTable(&cache2, old, fresh));
  EXPECT_GT(live_set.size(), 30u);
  // Nothing changed since the fresh backup: the live diff is empty.
  auto src = SqliteSource::Open(live_);
  ASSERT_TRUE(src.ok());
  for (const char* table : {"people", "stock"}) {
    auto counts = DiffLiveTable(&cache2, *repo_->repo(), fresh.FindTable(table), src->get(),
                                (*src)->schema().FindTable(table), nullptr);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->added + counts->removed + counts->changed, 0u) << table;
  }
}

TEST_F(DiffTest, SchemaDiffNamesColumnViewAndTrigger) {
  {
    TestDb db(live_);
    db.Exec(R"sql(
      CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT);
      CREATE TABLE audit(msg TEXT);
      CREATE VIEW v AS SELECT a FROM t;
      CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit VALUES ('added'); END;
      INSERT INTO t VALUES (1, 'one');
    )sql");
  }
  Manifest a = BackupAndCopy(dir_.path() + "/a.db");
  {
    TestDb db(live_);
    db.Exec(R"sql(
      ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7;
      DROP VIEW v;
      DROP TRIGGER tr;
      CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit VALUES ('added ' || new.a); END;
    )sql");
  }
  Manifest b = BackupAndCopy(dir_.path() + "/b.db");
  std::set<std::tuple<std::string, std::string, std::string>> got;
  for (const SchemaChange& c : DiffSchemas(a.FullSchema(), b.FullSchema())) {
    got.insert({SchemaChangeKindName(c.kind), c.type, c.name});
    if (c.type == "trigger") {
      EXPECT_NE(c.old_sql.find("'added')"), std::string::npos) << c.old_sql;
      EXPECT_NE(c.new_sql.find("new.a"), std::string::npos) << c.new_sql;
    }
    if (c.type == "column") {
      EXPECT_EQ(c.new_sql, "INTEGER");
    }
  }
  const std::set<std::tuple<std::string, std::string, std::string>> expected{
      {"added", "column", "t.b"},
      {"changed", "table", "t"},  // ALTER TABLE rewrites the CREATE statement
      {"removed", "view", "v"},
      {"changed", "trigger", "tr"},
  };
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(DiffSchemas(b.FullSchema(), b.FullSchema()).empty());
  // The added column shows in the record diff too (by field name).
  auto store = repo_->OpenStore();
  NodeCache cache(store.get());
  std::vector<RecordChange> changes;
  ASSERT_TRUE(DiffTable(&cache, a.FindTable("t"), b.FindTable("t"),
                        [&](const RecordChange& c) -> Result<bool> {
                          changes.push_back(c);
                          return true;
                        })
                  .ok());
  // ALTER TABLE ADD COLUMN does not rewrite rows: SQLite reads the default.
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[0].fields.size(), 1u);
  EXPECT_EQ(changes[0].fields[0].field, "b");
  EXPECT_FALSE(changes[0].fields[0].old_value.has_value());
  EXPECT_EQ(changes[0].fields[0].new_value, Value::Integer(7));
}

// One record over ten backups: created, kept, changed twice, deleted,
// re-created with its first value. Other records change around it.
TEST_F(DiffTest, RecordHistoryListsEachVersion) {
  {
    TestDb db(live_);
    db.Exec("CREATE TABLE h(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO h VALUES (1, 'other');");
  }
  const std::vector<std::string> steps = {
      "UPDATE h SET v = 'other 1' WHERE id = 1",   // 1: record 7 absent
      "INSERT INTO h VALUES (7, 'first')",         // 2: created
      "",                                          // 3: nothing changes at all
      "UPDATE h SET v = 'second' WHERE id = 7",    // 4
      "UPDATE h SET v = 'other 5' WHERE id = 1",   // 5
      "UPDATE h SET v = 'third' WHERE id = 7",     // 6
      "DELETE FROM h WHERE id = 7",                // 7: deleted
      "INSERT INTO h VALUES (8, 'neighbour')",     // 8
      "INSERT INTO h VALUES (7, 'first')",         // 9: re-created
      "UPDATE h SET v = 'other 10' WHERE id = 1",  // 10
  };
  for (const std::string& sql : steps) {
    if (!sql.empty()) TestDb(live_).Exec(sql);
    ASSERT_TRUE(repo_->Backup(live_, "hist").ok());
  }
  // Another source's snapshots are not part of this history.
  ASSERT_TRUE(repo_->Backup(live_, "elsewhere").ok());
  const std::vector<SnapshotInfo> snaps = repo_->Snapshots("hist");
  ASSERT_EQ(snaps.size(), 10u);
  auto store = repo_->OpenStore();
  NodeCache cache(store.get());
  auto history = RecordHistory(&cache, snaps, "h", KeyOf(Value::Integer(7)));
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  struct Expected {
    const char* v;  // null: absent
    size_t first, last;
  };
  const std::vector<Expected> expected = {
      {"first", 1, 2}, {"second", 3, 4}, {"third", 5, 5}, {nullptr, 6, 7}, {"first", 8, 9}};
  ASSERT_EQ(history->size(), expected.size());
  for (size_t i = 0; i < expected.size(); i++) {
    SCOPED_TRACE("version " + std::to_string(i));
    const RecordVersion& got = (*history)[i];
    EXPECT_EQ(got.first, &snaps[expected[i].first]);
    EXPECT_EQ(got.last, &snaps[expected[i].last]);
    EXPECT_EQ(got.snapshots, expected[i].last - expected[i].first + 1);
    ASSERT_EQ(got.value.has_value(), expected[i].v != nullptr);
    if (!got.value) continue;
    Record rec;
    ASSERT_TRUE(DecodeRecord(*got.value, "h", &rec).ok());
    ASSERT_EQ(rec.size(), 2u);
    EXPECT_EQ(rec[1], Value::Text(expected[i].v));
  }
  auto never = RecordHistory(&cache, snaps, "h", KeyOf(Value::Integer(12345)));
  ASSERT_TRUE(never.ok());
  EXPECT_TRUE(never->empty());
  auto no_table = RecordHistory(&cache, snaps, "nope", KeyOf(Value::Integer(7)));
  ASSERT_TRUE(no_table.ok());
  EXPECT_TRUE(no_table->empty());
}

}  // namespace
}  // namespace tidemark
