// Read-only SQL against a SQLite file, for drill checks and assertions
// (docs/guide/drills.md). The connection is opened read-only with
// `PRAGMA query_only`, so a query can never change the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

struct sqlite3;

namespace tidemark {

// Result rows as text. A cell is the value's text with its storage class
// prefixed where the text alone would be ambiguous: NULL -> "NULL",
// a blob -> "x'0a1b'", text and numbers as SQLite renders them.
struct QueryRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  bool truncated = false;  // more than max_rows rows were produced
};

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

 private:
  SqliteQuery(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// "name" with embedded quotes doubled: safe for any identifier.
std::string QuoteSqlIdent(const std::string& name);

}  // namespace tidemark
