// Small helpers every SQLite connector file shares: identifier quoting, the
// rowid's name, reading and binding values with their exact storage class,
// and turning result codes into a Status that says what to do.
// Internal to sources/.
#pragma once

#include <string>
#include <string_view>

#include "base/ascii.h"
#include "base/status.h"
#include "records/schema.h"
#include "records/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tidemark::sqlite {

// "name" with embedded quotes doubled: safe for any identifier.
std::string QuoteIdent(std::string_view name);
// The first of rowid, oid, _rowid_ that no column shadows ("" when all are).
std::string RowidName(const TableSchema& t);

// Reads result column i into *v with its exact storage class.
void ReadValue(sqlite3_stmt* stmt, int i, Value* v);
// Binds v (REQUIRES: not a reference) with its exact storage class; an empty
// blob stays a blob. Returns the SQLite result code.
int BindValue(sqlite3_stmt* stmt, int index, const Value& v);

// What a connection does, for the messages of SqliteStatus.
enum class Access { kRead, kWrite };

// The one mapping of SQLite result codes to a Status (docs/guide/sources.md,
// "Errors"): rc of db (may be null) while `doing` to `path`. A locked
// database is Refused (a conflict, exit 4) for readers and writers alike;
// damage is Corruption; a file that is not a database InvalidArgument;
// everything else IOError, saying what to do.
Status SqliteStatus(sqlite3* db, int rc, const std::string& path, std::string_view doing,
                    Access access = Access::kWrite);

// Owns one prepared statement.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace tidemark::sqlite
