#include "sources/sqlite/sqlite_live.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "sources/sqlite/sqlite_common.h"

namespace tidemark {

using sqlite::BindValue;
using sqlite::QuoteIdent;
using sqlite::ReadValue;
using sqlite::RowidName;
using sqlite::SqliteStatus;

namespace {

// A table's rows are read as: stored columns, then (rowid tables) the rowid.
std::string SelectList(const TableSchema& t) {
  std::string sql;
  for (int c : t.StoredColumns()) {
    if (!sql.empty()) sql += ", ";
    sql += QuoteIdent(t.columns[size_t(c)].name);
  }
  if (!t.no_implicit_id) sql += (sql.empty() ? "" : ", ") + RowidName(t);
  return sql;
}

// "a" IS ?first AND "b" IS ?first+1 ... over `names`.
std::string MatchAll(const std::vector<std::string>& names, int first) {
  std::string sql;
  for (size_t i = 0; i < names.size(); i++) {
    if (i > 0) sql += " AND ";
    sql += QuoteIdent(names[i]) + " IS ?" + std::to_string(first + int(i));
  }
  return sql;
}

Status BindAll(sqlite3* db, sqlite3_stmt* stmt, const std::vector<Value>& values, int first,
               const std::string& path) {
  for (size_t i = 0; i < values.size(); i++) {
    if (values[i].ref()) return Status::Internal("unresolved large value bound to SQL");
    int rc = BindValue(stmt, first + int(i), values[i]);
    if (rc != SQLITE_OK) return SqliteStatus(db, rc, path, "bind a value");
  }
  return Status::OK();
}

// The statement cached under `key`, reset with no bindings; prepared (and
// cached, owned by `cache`) the first time.
Result<sqlite3_stmt*> PrepareCached(sqlite3* db, const std::string& path,
                                    std::map<std::string, sqlite3_stmt*>* cache,
                                    const std::string& key, const std::string& sql) {
  auto it = cache->find(key);
  if (it != cache->end()) {
    sqlite3_reset(it->second);
    sqlite3_clear_bindings(it->second);
    return it->second;
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db, rc, path, "prepare " + sql);
  (*cache)[key] = stmt;
  return stmt;
}

}  // namespace

// ---- RowLookup ---------------------------------------------------------

RowLookup::~RowLookup() {
  for (auto& [key, stmt] : cache_) sqlite3_finalize(stmt);
}

Result<sqlite3_stmt*> RowLookup::Prepare(const std::string& cache_key, const std::string& sql) {
  return PrepareCached(db_, path_, &cache_, cache_key, sql);
}

Status RowLookup::ReadRow(const TableSchema& t, sqlite3_stmt* stmt, SourceRow* row,
                          int64_t* rowid) {
  std::vector<int> stored = t.StoredColumns();
  row->record.resize(stored.size() + (t.implicit_id_in_record ? 1 : 0));
  for (size_t i = 0; i < stored.size(); i++) ReadValue(stmt, int(i), &row->record[i]);
  int64_t id = t.no_implicit_id ? 0 : sqlite3_column_int64(stmt, int(stored.size()));
  if (t.implicit_id_in_record) row->record.back() = Value::Integer(id);
  if (rowid != nullptr) *rowid = id;
  row->key.clear();
  if (t.key_columns.empty()) {
    row->key.push_back(Value::Integer(id));
  } else {
    for (int col : t.key_columns) row->key.push_back(row->record[size_t(RecordPosition(t, col))]);
  }
  return Status::OK();
}

Result<bool> RowLookup::Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row,
                            int64_t* rowid) {
  std::string where = t.key_columns.empty() ? RowidName(t) + " = ?1" : MatchAll(t.KeyNames(), 1);
  TM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                      Prepare("get:" + t.name, "SELECT " + SelectList(t) + " FROM main." +
                                                   QuoteIdent(t.name) + " WHERE " + where));
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, key, 1, path_));
  // Several rows can match under a NOCASE key; only the exact one counts.
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    TM_RETURN_IF_ERROR(ReadRow(t, stmt, row, rowid));
    if (row->key == key) {
      sqlite3_reset(stmt);
      return true;
    }
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_, rc, path_, "look up a row of " + t.name);
  return false;
}

Status RowLookup::ForEachChild(const TableSchema& child, const ForeignKey& fk,
                               const std::vector<Value>& values,
                               const std::function<Status(const SourceRow&)>& fn) {
  return ForEachMatch(child, fk.from, values, "that refer to " + fk.table, fn);
}

Status RowLookup::ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                               const std::vector<Value>& values,
                               const std::function<Status(const SourceRow&)>& fn) {
  return ForEachMatch(t, columns, values, "that match", fn);
}

Status RowLookup::ForEachMatch(const TableSchema& t, const std::vector<std::string>& columns,
                               const std::vector<Value>& values, const std::string& which,
                               const std::function<Status(const SourceRow&)>& fn) {
  if (std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); })) {
    return Status::OK();  // SQL: NULL refers to nothing
  }
  const std::string sql = "SELECT " + SelectList(t) + " FROM main." + QuoteIdent(t.name) +
                          " WHERE " + MatchAll(columns, 1);
  TM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare("children:" + t.name + ":" + sql, sql));
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, values, 1, path_));
  // Collect first: fn may run other lookups on this connection.
  std::vector<SourceRow> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    rows.emplace_back();
    TM_RETURN_IF_ERROR(ReadRow(t, stmt, &rows.back(), nullptr));
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    return SqliteStatus(db_, rc, path_, "look up the rows of " + t.name + " " + which);
  }
  for (const SourceRow& r : rows) TM_RETURN_IF_ERROR(fn(r));
  return Status::OK();
}

Result<bool> RowLookup::AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                                 const std::vector<Value>& values) {
  if (std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); })) {
    return false;  // NULL matches nothing
  }
  return ParentExists(t, columns, values);
}

Result<Value> RowLookup::DefaultValue(const TableSchema& t, int column) {
  if (column < 0 || size_t(column) >= t.columns.size()) {
    return Status::Internal("no column " + std::to_string(column) + " in " + t.name);
  }
  const std::string& sql = t.columns[size_t(column)].default_sql;
  if (sql.empty()) return Value::Null();
  return EvaluateDefault(sql);
}

Result<Value> RowLookup::EvaluateDefault(const std::string& default_sql) {
  sqlite::Statement stmt;
  const std::string sql = "SELECT (" + default_sql + ")";
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), stmt.out(), nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return SqliteStatus(db_, rc, path_, "evaluate default " + default_sql);
  Value v;
  ReadValue(stmt.get(), 0, &v);
  return v;
}

Result<bool> RowLookup::ParentExists(const TableSchema& parent, const std::vector<std::string>& to,
                                     const std::vector<Value>& values) {
  const std::string sql =
      "SELECT 1 FROM main." + QuoteIdent(parent.name) + " WHERE " + MatchAll(to, 1) + " LIMIT 1";
  TM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare("parent:" + sql, sql));
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, values, 1, path_));
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(db_, rc, path_, "look up a row of " + parent.name);
}

// ---- SqliteLive --------------------------------------------------------

Result<std::unique_ptr<SqliteLive>> SqliteLive::Open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound(path +
                              ": no such file; the live source has moved? give its "
                              "path with --live sqlite:PATH");
    }
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  std::unique_ptr<SqliteLive> live(new SqliteLive());
  live->path_ = path;
  const std::string name = path.rfind("file:", 0) == 0 ? "./" + path : path;
  int rc = sqlite3_open_v2(name.c_str(), &live->db_, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(live->db_, rc, path, "open for writing");
  sqlite3_extended_result_codes(live->db_, 1);
  TM_RETURN_IF_ERROR(live->Exec("PRAGMA foreign_keys = OFF", "configure the connection"));
  TM_RETURN_IF_ERROR(live->Exec("PRAGMA recursive_triggers = OFF", "configure the connection"));
  live->lookup_ = std::make_unique<RowLookup>(live->db_, path);
  return live;
}

SqliteLive::~SqliteLive() {
  for (auto& [key, stmt] : stmts_) sqlite3_finalize(stmt);
  lookup_.reset();
  if (db_ != nullptr) {
    if (in_txn_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }
}

Status SqliteLive::Exec(const std::string& sql, std::string_view doing) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : SqliteStatus(db_, rc, path_, doing);
}

Status SqliteLive::BeginWrite(int timeout_ms, int64_t* waited_us) {
  sqlite3_busy_timeout(db_, timeout_ms);
  auto start = std::chrono::steady_clock::now();
  int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  *waited_us = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
  if ((rc & 0xff) == SQLITE_BUSY) {
    return Status::Refused(path_ + ": the app held its write lock for more than " +
                           std::to_string(timeout_ms / 1000.0).substr(0, 5) +
                           " s; nothing was changed. Retry when the app is idle, or raise "
                           "--lock-timeout");
  }
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, path_, "begin the write transaction");
  in_txn_ = true;
  return Status::OK();
}

Status SqliteLive::SuspendTriggers(const std::vector<std::string>& tables, size_t* count) {
  sqlite::Statement q;
  const char* sql =
      "SELECT name, sql FROM main.sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 "
      "COLLATE NOCASE ORDER BY rowid";
  int rc = sqlite3_prepare_v2(db_, sql, -1, q.out(), nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, path_, "list triggers");
  std::vector<std::pair<std::string, std::string>> found;
  for (const std::string& table : tables) {
    sqlite3_reset(q.get());
    sqlite3_bind_text(q.get(), 1, table.data(), int(table.size()), SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      auto text = [&](int i) {
        const unsigned char* p = sqlite3_column_text(q.get(), i);
        return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
      };
      found.emplace_back(text(0), text(1));
    }
    if (rc != SQLITE_DONE) return SqliteStatus(db_, rc, path_, "list triggers");
  }
  for (const auto& [name, trigger_sql] : found) {
    TM_RETURN_IF_ERROR(Exec("DROP TRIGGER main." + QuoteIdent(name), "suspend trigger " + name));
    suspended_.emplace_back(name, trigger_sql);
  }
  *count = found.size();
  return Status::OK();
}

Status SqliteLive::RestoreTriggers() {
  for (const auto& [name, sql] : suspended_) {
    TM_RETURN_IF_ERROR(Exec(sql, "re-create trigger " + name));
  }
  suspended_.clear();
  return Status::OK();
}

Result<sqlite3_stmt*> SqliteLive::Prepare(const std::string& cache_key, const std::string& sql) {
  return PrepareCached(db_, path_, &stmts_, cache_key, sql);
}

Status SqliteLive::StepOnce(sqlite3_stmt* stmt, const TableSchema& t, std::string_view doing) {
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return Status::Refused(t.name + ": " + sqlite3_errmsg(db_));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_, rc, path_, std::string(doing) + " " + t.name);
  const int changed = sqlite3_changes(db_);
  if (changed != 1) {
    return Status::Internal(std::string(doing) + " " + t.name + " changed " +
                            std::to_string(changed) + " rows instead of 1");
  }
  return Status::OK();
}

namespace {

// Values bound for a row: the stored columns, then the rowid when the table
// keeps it (a rowid key, or a rowid kept in the record).
std::vector<Value> RowValues(const TableSchema& t, const SourceRow& row, bool* with_rowid) {
  std::vector<Value> values(row.record.begin(),
                            row.record.end() - (t.implicit_id_in_record ? 1 : 0));
  *with_rowid = false;
  if (t.key_columns.empty() && !t.no_implicit_id) {
    values.push_back(row.key.at(0));
    *with_rowid = true;
  } else if (t.implicit_id_in_record) {
    values.push_back(row.record.back());
    *with_rowid = true;
  }
  return values;
}

// The row with exactly this key. A WITHOUT ROWID key is compared twice:
// with the column's collation (which can use the key's index) and as
// bytes (so 'abc' never matches 'ABC' under NOCASE).
std::string RowWhere(const TableSchema& t, int first) {
  if (!t.no_implicit_id) return RowidName(t) + " = ?" + std::to_string(first);
  const std::vector<std::string> names = t.KeyNames();
  std::string sql = MatchAll(names, first);
  for (size_t i = 0; i < names.size(); i++) {
    sql += " AND " + QuoteIdent(names[i]) + " IS ?" + std::to_string(first + int(i)) +
           " COLLATE BINARY";
  }
  return sql;
}

}  // namespace

Status SqliteLive::Insert(const TableSchema& t, const SourceRow& row) {
  bool with_rowid = false;
  std::vector<Value> values = RowValues(t, row, &with_rowid);
  std::string cols, params;
  int n = 0;
  auto add = [&](const std::string& col) {
    cols += (n > 0 ? ", " : "") + col;
    params += (n > 0 ? ", ?" : "?") + std::to_string(n + 1);
    n++;
  };
  for (int c : t.StoredColumns()) add(QuoteIdent(t.columns[size_t(c)].name));
  if (with_rowid) add(RowidName(t));
  TM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                      Prepare("insert:" + t.name, "INSERT INTO main." + QuoteIdent(t.name) + "(" +
                                                      cols + ") VALUES(" + params + ")"));
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, values, 1, path_));
  return StepOnce(stmt, t, "insert into");
}

Status SqliteLive::Update(const TableSchema& t, const SourceRow& row, int64_t rowid) {
  bool with_rowid = false;
  std::vector<Value> values = RowValues(t, row, &with_rowid);
  if (t.key_columns.empty()) {  // the key is the rowid: nothing to set there
    values.pop_back();
    with_rowid = false;
  }
  std::string sets;
  int n = 0;
  auto add = [&](const std::string& col) {
    sets += (n > 0 ? ", " : "") + col + " = ?" + std::to_string(n + 1);
    n++;
  };
  for (int c : t.StoredColumns()) add(QuoteIdent(t.columns[size_t(c)].name));
  if (with_rowid) add(RowidName(t));
  TM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                      Prepare("update:" + t.name, "UPDATE main." + QuoteIdent(t.name) + " SET " +
                                                      sets + " WHERE " + RowWhere(t, n + 1)));
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, values, 1, path_));
  std::vector<Value> where = t.no_implicit_id ? row.key : std::vector<Value>{Value::Integer(rowid)};
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, where, n + 1, path_));
  return StepOnce(stmt, t, "update");
}

Status SqliteLive::Delete(const TableSchema& t, const std::vector<Value>& key, int64_t rowid) {
  TM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt,
                      Prepare("delete:" + t.name, "DELETE FROM main." + QuoteIdent(t.name) +
                                                      " WHERE " + RowWhere(t, 1)));
  std::vector<Value> where = t.no_implicit_id ? key : std::vector<Value>{Value::Integer(rowid)};
  TM_RETURN_IF_ERROR(BindAll(db_, stmt, where, 1, path_));
  return StepOnce(stmt, t, "delete from");
}

namespace {

// The rowid of a row as RowLookup read it: its key for a rowid key (or an
// INTEGER PRIMARY KEY, which aliases it), else the rowid kept last in its
// record; 0 for a WITHOUT ROWID table (found by its key).
int64_t RowidOf(const TableSchema& t, const SourceRow& current) {
  if (t.no_implicit_id) return 0;
  if (t.implicit_id_in_record) return current.record.back().integer();
  return current.key.at(0).integer();
}

}  // namespace

Status SqliteLive::Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) {
  return Update(t, row, RowidOf(t, current));
}

Status SqliteLive::Delete(const TableSchema& t, const SourceRow& current) {
  return Delete(t, current.key, RowidOf(t, current));
}

Status SqliteLive::Commit() {
  Status s = Exec("COMMIT", "commit");
  if (!s.ok()) {
    (void)Rollback();
    return s;
  }
  in_txn_ = false;
  return Status::OK();
}

Status SqliteLive::Rollback() {
  if (!in_txn_) return Status::OK();
  for (auto& [key, stmt] : stmts_) sqlite3_reset(stmt);
  in_txn_ = false;
  suspended_.clear();
  return Exec("ROLLBACK", "roll back");
}

}  // namespace tidemark
