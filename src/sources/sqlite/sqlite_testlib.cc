#include "sources/sqlite/sqlite_testlib.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "sources/sqlite/sqlite_common.h"

namespace tidemark {

TestDb::TestDb(const std::string& path, int busy_timeout_ms) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    sqlite3_close(db_);
    db_ = nullptr;
    return;
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

TestDb::~TestDb() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

int TestDb::TryExec(const std::string& sql) {
  if (db_ == nullptr) return SQLITE_MISUSE;
  return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

void TestDb::Exec(const std::string& sql) {
  const int rc = TryExec(sql);
  if (rc != SQLITE_OK) {
    ADD_FAILURE() << "SQL failed (" << rc << ", " << (db_ ? sqlite3_errmsg(db_) : "no database")
                  << "): " << sql.substr(0, 300);
  }
}

std::vector<std::vector<std::string>> TestDb::Rows(const std::string& sql) {
  std::vector<std::vector<std::string>> out;
  sqlite3_stmt* stmt = nullptr;
  if (db_ == nullptr ||
      sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot prepare " << sql << ": " << (db_ ? sqlite3_errmsg(db_) : "");
    return out;
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); i++) {
      if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
        row.emplace_back(kSqlNull);
      } else {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row.emplace_back(p, size_t(sqlite3_column_bytes(stmt, i)));
      }
    }
    out.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) ADD_FAILURE() << "query failed: " << sql << ": " << sqlite3_errmsg(db_);
  sqlite3_finalize(stmt);
  return out;
}

int64_t TestDb::Int(const std::string& sql) {
  auto rows = Rows(sql);
  return rows.empty() || rows[0].empty() ? 0 : std::stoll(rows[0][0]);
}

std::string TestDb::Text(const std::string& sql) {
  auto rows = Rows(sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

void TestDb::Insert(const std::string& sql, const std::vector<Value>& values) {
  sqlite3_stmt* stmt = nullptr;
  if (db_ == nullptr || sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot prepare " << sql << ": " << (db_ ? sqlite3_errmsg(db_) : "");
    return;
  }
  for (size_t i = 0; i < values.size(); i++) {
    if (sqlite::BindValue(stmt, int(i + 1), values[i]) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": cannot bind value " << i + 1;
    }
  }
  if (sqlite3_step(stmt) != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
  sqlite3_finalize(stmt);
}

}  // namespace tidemark
