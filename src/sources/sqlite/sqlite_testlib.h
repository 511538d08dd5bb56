// The one SQLite test fixture: a read-write connection to a real SQLite
// file, for building the databases tests back up and for being "the app"
// while tidemark reads or writes. Shared by the connector's own tests and,
// through ops/testing/sqlite_testlib.h, by every use case's tests. Failures
// are recorded as gtest failures (ADD_FAILURE), so a test reads as plain steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "records/value.h"

struct sqlite3;

namespace tidemark {

// How TestDb::Rows spells a NULL (no SQLite text value looks like this).
inline constexpr char kSqlNull[] = "\x01NULL";

// One read-write connection to a SQLite file (created if missing). Not
// thread-safe; each thread opens its own.
class TestDb {
 public:
  // On failure records a gtest failure; get() is then null.
  explicit TestDb(const std::string& path, int busy_timeout_ms = 10000);
  ~TestDb();
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  sqlite3* get() const { return db_; }
  // Runs one or more statements; returns the SQLite result code (no failure
  // is recorded, for callers that expect SQLITE_BUSY).
  int TryExec(const std::string& sql);
  // Runs one or more statements; records a failure naming the SQL on error.
  void Exec(const std::string& sql);
  // The first column of the first row (0 / "" when there is no row).
  int64_t Int(const std::string& sql);
  std::string Text(const std::string& sql);
  // Every row, each column as text (kSqlNull for NULL).
  std::vector<std::vector<std::string>> Rows(const std::string& sql);
  // Runs one statement with `values` bound to its parameters, each with its
  // exact storage class ("INSERT INTO t VALUES(?, ?)").
  void Insert(const std::string& sql, const std::vector<Value>& values);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace tidemark
