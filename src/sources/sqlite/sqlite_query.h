// Read-only SQL against a SQLite file: what the SQLite drill probe
// (sqlite_probe.h) runs its checks and assertions with (docs/guide/drills.md). The connection is
// opened read-only with `PRAGMA query_only`, so a query can never change the file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "sources/probe.h"

struct sqlite3;

namespace tidemark {

class SqliteQuery {
 public:
  // NotFound when the file does not exist; InvalidArgument when it is not a
  // SQLite database.
  static Result<std::unique_ptr<SqliteQuery>> Open(const std::string& path);
  ~SqliteQuery();

  // Runs one statement and collects up to max_rows rows. InvalidArgument
  // names the SQL and SQLite's message when it does not prepare or run
  // (e.g. a write refused by query_only, a syntax error).
  Result<QueryRows> Run(const std::string& sql, size_t max_rows = 10000);
  // A statement that must produce exactly one integer (count(*), ...).
  Result<int64_t> RunInteger(const std::string& sql);
  // Runs one statement and calls fn with each row's cells (as QueryRows
  // holds them) until fn returns false or the rows end; *columns (when
  // given) gets the result's column names first. Errors as Run.
  Status ForEach(const std::string& sql,
                 const std::function<bool(const std::vector<std::string>&)>& fn,
                 std::vector<std::string>* columns = nullptr);

 private:
  SqliteQuery(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace tidemark
