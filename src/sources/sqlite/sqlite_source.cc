// SqliteSource: one read transaction over a SQLite file, its schema, and
// key-ordered table scans. What is kept and why: docs/guide/sources.md.

#include "sources/sqlite/sqlite_source.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string_view>
#include <utility>

#include "sources/sqlite/sqlite_common.h"

namespace tidemark {

using sqlite::QuoteIdent;
using sqlite::ReadValue;
using sqlite::RowidName;
using sqlite::Statement;

namespace {

// The one mapping (sqlite_common.h), for this read-only connection.
Status ReadStatus(sqlite3* db, int rc, const std::string& path, std::string_view doing) {
  return sqlite::SqliteStatus(db, rc, path, doing, sqlite::Access::kRead);
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// Text of column i, "" for NULL.
std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const unsigned char* p = sqlite3_column_text(stmt, i);
  if (p == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt, i)));
}

// Orders text as UTF-8 bytes. Registered for UTF-16 databases, where BINARY
// would compare UTF-16 bytes; SQLite hands this function UTF-8 because it is
// registered as SQLITE_UTF8.
int CompareUtf8(void*, int n1, const void* p1, int n2, const void* p2) {
  int c = std::memcmp(p1, p2, size_t(std::min(n1, n2)));
  return c != 0 ? c : (n1 < n2 ? -1 : n1 > n2 ? 1 : 0);
}
constexpr char kUtf8Collation[] = "tidemark_utf8";

// How a scan's result columns map onto SourceRow.
struct ScanPlan {
  std::string sql;
  size_t stored = 0;             // result columns 0..stored-1 are the stored columns
  bool rowid_column = false;     // result column `stored` is the rowid
  std::vector<size_t> key_from;  // record position of each key part (when not rowid)
};

}  // namespace

Result<std::unique_ptr<SqliteSource>> SqliteSource::Open(const std::string& path,
                                                         int busy_timeout_ms) {
  // Check first: sqlite3_open_v2 would report a missing file only as CANTOPEN.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound(path + ": no such file (check the source path)");
    }
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(path + " is a folder, not a SQLite database file");
  }
  std::unique_ptr<SqliteSource> src(new SqliteSource());
  src->path_ = path;
  // This SQLite build treats "file:..." names as URIs; "./" keeps a path a path.
  const std::string name = StartsWithNoCase(path, "file:") ? "./" + path : path;
  // A reader is used from one thread at a time (connector.h), so the
  // connection needs no mutex of its own: without one, each sqlite3_column_*
  // call of a scan no longer takes and releases a lock (measured: ~10 % of a
  // backup's reading thread).
  int rc =
      sqlite3_open_v2(name.c_str(), &src->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return ReadStatus(src->db_, rc, path, "open");
  sqlite3_extended_result_codes(src->db_, 1);
  sqlite3_busy_timeout(src->db_, busy_timeout_ms);
  // BEGIN alone takes no lock; the first read starts the read transaction
  // (WAL: fixes the snapshot; rollback journal: takes the shared lock).
  TM_RETURN_IF_ERROR(src->Exec("BEGIN", "begin read transaction"));
  TM_RETURN_IF_ERROR(src->Exec("SELECT count(*) FROM sqlite_schema", "begin read transaction"));
  TM_RETURN_IF_ERROR(src->LoadSchema());
  return src;
}

SqliteSource::~SqliteSource() {
  // Closing ends the read transaction (a rollback: nothing was written).
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status SqliteSource::Exec(const std::string& sql, std::string_view doing) {
  Statement stmt;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), stmt.out(), nullptr);
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    }
  }
  if (rc != SQLITE_DONE) return ReadStatus(db_, rc, path_, doing);
  return Status::OK();
}

// Runs `sql` with `arg` bound to ?1 (when not null) and calls fn per row.
Status SqliteSource::Query(const std::string& sql, const std::string* arg, std::string_view doing,
                           const std::function<Status(sqlite3_stmt*)>& fn) {
  Statement stmt;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), stmt.out(), nullptr);
  if (rc != SQLITE_OK) return ReadStatus(db_, rc, path_, doing);
  if (arg != nullptr) {
    sqlite3_bind_text(stmt.get(), 1, arg->data(), int(arg->size()), SQLITE_STATIC);
  }
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    TM_RETURN_IF_ERROR(fn(stmt.get()));
  }
  if (rc != SQLITE_DONE) return ReadStatus(db_, rc, path_, doing);
  return Status::OK();
}

Status SqliteSource::LoadSchema() {
  // SQLite keeps a NULL sql exactly for its automatic indexes (UNIQUE and
  // PRIMARY KEY constraints): read as "", which SchemaObject::implicit()
  // takes as "created implicitly by the source" (records.md §6).
  TM_RETURN_IF_ERROR(Query("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid",
                           nullptr, "read schema", [&](sqlite3_stmt* s) {
                             schema_.objects.push_back(
                                 SchemaObject{ColumnText(s, 0), ColumnText(s, 1), ColumnText(s, 2),
                                              ColumnText(s, 3)});
                             return Status::OK();
                           }));
  TM_RETURN_IF_ERROR(LoadSettings());

  // name -> (type, no_implicit_id, strict) for the main schema.
  struct ListEntry {
    std::string type;
    bool no_implicit_id, strict;
  };
  std::map<std::string, ListEntry> list;
  TM_RETURN_IF_ERROR(Query("PRAGMA main.table_list", nullptr, "read schema", [&](sqlite3_stmt* s) {
    list[ColumnText(s, 1)] = {ColumnText(s, 2), sqlite3_column_int(s, 4) != 0,
                              sqlite3_column_int(s, 5) != 0};
    return Status::OK();
  }));
  TableSchema sequence;
  bool has_sequence = false;
  for (const SchemaObject& o : schema_.objects) {
    // sqlite_stat* hold planner statistics, rebuilt by ANALYZE: not kept.
    if (o.type != "table" || StartsWithNoCase(o.name, "sqlite_stat")) continue;
    auto it = list.find(o.name);
    if (it == list.end()) {
      return Status::Internal(path_ + ": table " + o.name + " is in sqlite_schema but not in " +
                              "PRAGMA table_list");
    }
    TableSchema t;
    t.name = o.name;
    t.sql = o.sql;
    t.no_implicit_id = it->second.no_implicit_id;
    t.strict = it->second.strict;
    if (it->second.type == "virtual") {
      t.kind = TableKind::kVirtual;
    } else if (it->second.type == "shadow") {
      t.kind = TableKind::kInternal;
    } else if (o.name == "sqlite_sequence") {
      t.kind = TableKind::kCounters;
      t.sql.clear();  // created implicitly by AUTOINCREMENT (schema.h)
    }
    TM_RETURN_IF_ERROR(LoadTable(&t));
    if (t.kind == TableKind::kCounters) {
      sequence = std::move(t);
      has_sequence = true;
    } else {
      schema_.tables.push_back(std::move(t));
    }
  }
  if (has_sequence) schema_.tables.push_back(std::move(sequence));
  return Status::OK();
}

Status SqliteSource::LoadSettings() {
  for (const char* name :
       {"user_version", "application_id", "page_size", "encoding", "auto_vacuum", "journal_mode"}) {
    std::string value;
    TM_RETURN_IF_ERROR(
        Query(std::string("PRAGMA main.") + name, nullptr, "read schema", [&](sqlite3_stmt* s) {
          value = ColumnText(s, 0);
          return Status::OK();
        }));
    schema_.settings.emplace_back(name, value);
  }
  if (schema_.Setting("encoding") != "UTF-8") {
    int rc = sqlite3_create_collation_v2(db_, kUtf8Collation, SQLITE_UTF8, nullptr, CompareUtf8,
                                         nullptr);
    if (rc != SQLITE_OK) return ReadStatus(db_, rc, path_, "register collation");
    text_collation_ = kUtf8Collation;
  }
  return Status::OK();
}

Status SqliteSource::LoadTable(TableSchema* t) {
  Status columns = Query(
      "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1, 'main')"
      " ORDER BY cid",
      &t->name, "read schema", [&](sqlite3_stmt* s) {
        Column c;
        c.name = ColumnText(s, 0);
        c.decl_type = ColumnText(s, 1);
        c.not_null = sqlite3_column_int(s, 2) != 0;
        c.default_sql = ColumnText(s, 3);
        c.pk = sqlite3_column_int(s, 4);
        c.hidden = sqlite3_column_int(s, 5);
        t->columns.push_back(std::move(c));
        return Status::OK();
      });
  // A virtual table of a module this SQLite lacks (an app's own extension)
  // has no readable columns; its definition is still kept, and its data,
  // if any, sits in ordinary tables (docs/guide/sources.md).
  if (!columns.ok() && t->kind == TableKind::kVirtual &&
      columns.message().find("no such module") != std::string::npos) {
    t->columns.clear();
    return Status::OK();
  }
  TM_RETURN_IF_ERROR(columns);
  for (Column& c : t->columns) {
    const char* coll = nullptr;
    // Fails for some virtual tables; their columns then read as BINARY.
    if (sqlite3_table_column_metadata(db_, "main", t->name.c_str(), c.name.c_str(), nullptr, &coll,
                                      nullptr, nullptr, nullptr) == SQLITE_OK &&
        coll != nullptr && !EqualsIgnoreCase(coll, "BINARY")) {
      c.collation = coll;
    }
  }
  if (t->kind == TableKind::kVirtual) return Status::OK();
  TM_RETURN_IF_ERROR(LoadForeignKeys(t));
  TM_RETURN_IF_ERROR(LoadIndexes(t));
  ChooseKey(t);
  return Status::OK();
}

Status SqliteSource::LoadForeignKeys(TableSchema* t) {
  int last_id = -1;
  return Query(
      "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete"
      " FROM pragma_foreign_key_list(?1, 'main') ORDER BY id, seq",
      &t->name, "read schema", [&](sqlite3_stmt* s) {
        int id = sqlite3_column_int(s, 0);
        if (id != last_id) {
          ForeignKey fk;
          fk.table = ColumnText(s, 1);
          fk.on_update = ColumnText(s, 4);
          fk.on_delete = ColumnText(s, 5);
          t->foreign_keys.push_back(std::move(fk));
          last_id = id;
        }
        t->foreign_keys.back().from.push_back(ColumnText(s, 2));
        t->foreign_keys.back().to.push_back(ColumnText(s, 3));
        return Status::OK();
      });
}

Status SqliteSource::LoadIndexes(TableSchema* t) {
  TM_RETURN_IF_ERROR(
      Query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1, 'main')", &t->name,
            "read schema", [&](sqlite3_stmt* s) {
              IndexInfo ix;
              ix.name = ColumnText(s, 0);
              ix.unique = sqlite3_column_int(s, 1) != 0;
              ix.origin = ColumnText(s, 2);
              ix.partial = sqlite3_column_int(s, 3) != 0;
              t->indexes.push_back(std::move(ix));
              return Status::OK();
            }));
  for (IndexInfo& ix : t->indexes) {
    TM_RETURN_IF_ERROR(Query("SELECT name, key FROM pragma_index_xinfo(?1, 'main') ORDER BY seqno",
                             &ix.name, "read schema", [&](sqlite3_stmt* s) {
                               if (sqlite3_column_int(s, 1) != 0)
                                 ix.columns.push_back(ColumnText(s, 0));
                               return Status::OK();
                             }));
  }
  // PRAGMA index_list's order follows SQLite's in-memory list; use creation
  // (sqlite_schema) order instead. The WITHOUT ROWID key, which has no
  // sqlite_schema row, comes first.
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < schema_.objects.size(); i++) position[schema_.objects[i].name] = i + 1;
  std::stable_sort(
      t->indexes.begin(), t->indexes.end(),
      [&](const IndexInfo& a, const IndexInfo& b) { return position[a.name] < position[b.name]; });
  return Status::OK();
}

// The three key cases of docs/guide/sources.md ("Keys").
void SqliteSource::ChooseKey(TableSchema* t) {
  std::vector<std::pair<int, int>> pk;  // (position in key, column index)
  for (size_t i = 0; i < t->columns.size(); i++) {
    if (t->columns[i].pk > 0) pk.emplace_back(t->columns[i].pk, int(i));
  }
  std::sort(pk.begin(), pk.end());
  for (const auto& [pos, col] : pk) t->key_columns.push_back(col);
  if (t->no_implicit_id || pk.empty()) return;
  // A declared key of a rowid table is backed by an index (origin "pk")
  // unless it is an INTEGER PRIMARY KEY aliasing the rowid. This also gets
  // the quirks right: "INTEGER PRIMARY KEY DESC" is not an alias,
  // "PRIMARY KEY(x DESC)" on an INTEGER column is.
  bool has_pk_index = std::any_of(t->indexes.begin(), t->indexes.end(),
                                  [](const IndexInfo& ix) { return ix.origin == "pk"; });
  t->implicit_id_in_record = has_pk_index;
}

namespace {

// The SELECT of a scan: stored columns (+ rowid) in key order. Text keys are
// ordered by BINARY (or by UTF-8 bytes in a UTF-16 database) whatever their
// declared collation, so that the order is the order of the encoded keys.
Result<ScanPlan> PlanScan(const TableSchema& t, const std::string& text_collation) {
  ScanPlan plan;
  std::vector<int> stored = t.StoredColumns();
  std::vector<size_t> record_pos(t.columns.size(), 0);
  plan.sql = "SELECT ";
  for (size_t i = 0; i < stored.size(); i++) {
    record_pos[size_t(stored[i])] = i;
    if (i > 0) plan.sql += ", ";
    plan.sql += QuoteIdent(t.columns[size_t(stored[i])].name);
  }
  plan.stored = stored.size();
  plan.rowid_column = t.key_columns.empty() || t.implicit_id_in_record;
  const std::string rowid = RowidName(t);
  if (plan.rowid_column && !t.no_implicit_id && rowid.empty()) {
    return Status::Unsupported("table " + t.name +
                               ": columns named rowid, oid and _rowid_ hide the rowid, which "
                               "is this table's key; rename one of them");
  }
  if (plan.rowid_column) plan.sql += ", " + rowid;
  plan.sql += " FROM main." + QuoteIdent(t.name) + " ORDER BY ";
  if (t.key_columns.empty()) {
    plan.sql += rowid;
    return plan;
  }
  for (size_t i = 0; i < t.key_columns.size(); i++) {
    const size_t col = size_t(t.key_columns[i]);
    plan.key_from.push_back(record_pos[col]);
    if (i > 0) plan.sql += ", ";
    plan.sql += QuoteIdent(t.columns[col].name);
    if (t.implicit_id_in_record || t.no_implicit_id) plan.sql += " COLLATE " + text_collation;
  }
  // Makes the order total when rows share a NULL-containing key (see Scan).
  if (t.implicit_id_in_record) plan.sql += ", " + rowid;
  return plan;
}

bool HasNull(const std::vector<Value>& key) {
  return std::any_of(key.begin(), key.end(), [](const Value& v) { return v.is_null(); });
}

}  // namespace

Status SqliteSource::Scan(const TableSchema& table,
                          const std::function<Status(const SourceRow&)>& fn) {
  if (!table.has_records()) {
    return Status::InvalidArgument("table " + table.name +
                                   " is a virtual table: its rows live in its shadow tables");
  }
  TM_ASSIGN_OR_RETURN(ScanPlan plan, PlanScan(table, text_collation_));
  const std::string doing = "reading table " + table.name;
  Statement stmt;
  int rc = sqlite3_prepare_v2(db_, plan.sql.c_str(), int(plan.sql.size()), stmt.out(), nullptr);
  if (rc != SQLITE_OK) return ReadStatus(db_, rc, path_, doing);
  SourceRow row;
  row.record.resize(plan.stored + (table.implicit_id_in_record ? 1 : 0));
  row.key.resize(table.key_columns.empty() ? 1 : table.key_columns.size());
  std::vector<Value> prev_key;  // the last key that had a NULL, for the duplicate check
  int64_t prev_rowid = 0;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    for (size_t i = 0; i < plan.stored; i++) ReadValue(stmt.get(), int(i), &row.record[i]);
    int64_t rowid = 0;
    if (plan.rowid_column) {
      rowid = sqlite3_column_int64(stmt.get(), int(plan.stored));
      Value* dst = table.key_columns.empty() ? &row.key[0] : &row.record.back();
      *dst = Value::Integer(rowid);
    }
    for (size_t i = 0; i < plan.key_from.size(); i++) row.key[i] = row.record[plan.key_from[i]];
    // A rowid table allows NULL in its declared key, and NULLs are distinct
    // there, so two rows may share a key tuple; they would collide as records.
    if (table.implicit_id_in_record && HasNull(row.key)) {
      if (!prev_key.empty() && prev_key == row.key) {
        return Status::Unsupported(
            "table " + table.name + " in " + path_ + ": the rows with rowid " +
            std::to_string(prev_rowid) + " and " + std::to_string(rowid) +
            " have the same primary key containing NULL (SQLite allows this in a rowid table, "
            "but tidemark identifies rows by their primary key); give them distinct non-NULL "
            "keys, then retry");
      }
      prev_key = row.key;
      prev_rowid = rowid;
    }
    TM_RETURN_IF_ERROR(fn(row));
  }
  if (rc != SQLITE_DONE) return ReadStatus(db_, rc, path_, doing);
  return Status::OK();
}

Result<std::vector<std::string>> SqliteSource::IntegrityProblems() {
  std::vector<std::string> problems;
  Status s = Query("PRAGMA main.quick_check(10)", nullptr, "checking the file's integrity",
                   [&](sqlite3_stmt* st) {
                     const char* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
                     if (text != nullptr && std::string_view(text) != "ok")
                       problems.push_back(text);
                     return Status::OK();
                   });
  // SQLITE_CORRUPT while checking is itself the finding.
  if (!s.ok() && problems.empty()) {
    if (s.IsCorruption() || s.message().find("malformed") != std::string::npos) {
      problems.push_back(s.message());
    } else {
      return s;
    }
  }
  return problems;
}

Result<uint64_t> SqliteSource::CountRows(const TableSchema& table) {
  const std::string sql = "SELECT count(*) FROM main." + QuoteIdent(table.name);
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(Query(sql, nullptr, "counting rows of " + table.name, [&](sqlite3_stmt* s) {
    n = uint64_t(sqlite3_column_int64(s, 0));
    return Status::OK();
  }));
  return n;
}

}  // namespace tidemark
