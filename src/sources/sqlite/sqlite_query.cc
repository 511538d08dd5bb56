#include "sources/sqlite/sqlite_query.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "base/hex.h"
#include "sources/sqlite/sqlite_common.h"

namespace tidemark {
namespace {

std::string CellText(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_BLOB: {
      const void* p = sqlite3_column_blob(stmt, i);
      const int n = sqlite3_column_bytes(stmt, i);
      return "x'" + HexEncode(std::string_view(static_cast<const char*>(p), n)) + "'";
    }
    default: {
      const unsigned char* t = sqlite3_column_text(stmt, i);
      return std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt, i));
    }
  }
}

}  // namespace

Result<std::unique_ptr<SqliteQuery>> SqliteQuery::Open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(path + ": no such file");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite::SqliteStatus(db, rc, path, "open", sqlite::Access::kRead);
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, 10000);
  rc = sqlite3_exec(db, "PRAGMA query_only = 1", nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) {
    // A file that is not a database fails at its first read, not at open.
    rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    Status s = Status::InvalidArgument(path + " is not a readable SQLite database (" +
                                       sqlite3_errmsg(db) + ")");
    sqlite3_close(db);
    return s;
  }
  return std::unique_ptr<SqliteQuery>(new SqliteQuery(db, path));
}

SqliteQuery::~SqliteQuery() { sqlite3_close(db_); }

Status SqliteQuery::ForEach(const std::string& sql,
                            const std::function<bool(const std::vector<std::string>&)>& fn,
                            std::vector<std::string>* columns) {
  sqlite::Statement stmt;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), stmt.out(), &tail);
  if (rc != SQLITE_OK || stmt.get() == nullptr) {
    return Status::InvalidArgument("query `" + sql + "` on " + path_ +
                                   " does not prepare: " + sqlite3_errmsg(db_));
  }
  for (; tail != nullptr && *tail != '\0'; ++tail) {
    if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';') {
      return Status::InvalidArgument("query `" + sql + "` holds more than one statement");
    }
  }
  const int n = sqlite3_column_count(stmt.get());
  if (columns != nullptr) {
    for (int i = 0; i < n; ++i) columns->push_back(sqlite3_column_name(stmt.get(), i));
  }
  std::vector<std::string> row;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    row.clear();
    for (int i = 0; i < n; ++i) row.push_back(CellText(stmt.get(), i));
    if (!fn(row)) return Status::OK();
  }
  if (rc != SQLITE_DONE) {
    return Status::InvalidArgument("query `" + sql + "` on " + path_ +
                                   " failed: " + sqlite3_errmsg(db_));
  }
  return Status::OK();
}

Result<QueryRows> SqliteQuery::Run(const std::string& sql, size_t max_rows) {
  QueryRows out;
  TM_RETURN_IF_ERROR(ForEach(
      sql,
      [&](const std::vector<std::string>& row) {
        if (out.rows.size() == max_rows) {
          out.truncated = true;
          return false;
        }
        out.rows.push_back(row);
        return true;
      },
      &out.columns));
  return out;
}

Result<int64_t> SqliteQuery::RunInteger(const std::string& sql) {
  TM_ASSIGN_OR_RETURN(QueryRows rows, Run(sql, 2));
  if (rows.rows.size() != 1 || rows.columns.size() != 1) {
    return Status::InvalidArgument("query `" + sql + "` must return one row with one column; " +
                                   "it returned " + std::to_string(rows.rows.size()) + " rows of " +
                                   std::to_string(rows.columns.size()) + " columns");
  }
  const std::string& t = rows.rows[0][0];
  char* end = nullptr;
  errno = 0;
  const long long v = strtoll(t.c_str(), &end, 10);
  if (t.empty() || *end != '\0' || errno != 0) {
    return Status::InvalidArgument("query `" + sql + "` must return an integer; it returned '" + t +
                                   "'");
  }
  return static_cast<int64_t>(v);
}

}  // namespace tidemark
