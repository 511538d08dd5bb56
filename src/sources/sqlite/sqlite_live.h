// Writing to a live SQLite source (rollback and revert): the SQLite
// LiveLookup and LiveTarget (sources/live_target.h). The plan that decides
// what to write lives in ops/ (docs/guide/rollback.md); this layer only
// executes statements exactly and reports constraint failures as values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/live_target.h"
#include "sources/sqlite/sqlite_source.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tidemark {

// Looks rows up on an open connection, inside whatever transaction that
// connection has (a SqliteSource's read transaction while planning, the
// write transaction while applying). Statements are prepared once per table
// and purpose. Not thread-safe; must not outlive the connection.
class RowLookup final : public LiveLookup {
 public:
  RowLookup(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~RowLookup() override;
  RowLookup(const RowLookup&) = delete;
  RowLookup& operator=(const RowLookup&) = delete;

  // The row of `t` whose key is exactly `key` (same storage classes and
  // bytes, whatever the key's collation): true with *row filled in the
  // layout of SqliteSource::Scan; false when there is none. For a rowid
  // table, *rowid (when not null) gets the row's rowid.
  Result<bool> Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row,
                   int64_t* rowid);
  Result<bool> Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row) override {
    return Get(t, key, row, nullptr);
  }
  // Calls fn for each row of `child` whose columns fk.from equal `values`
  // (one per column of fk.to). NULL matches nothing: with a NULL in
  // `values`, fn is never called.
  Status ForEachChild(const TableSchema& child, const ForeignKey& fk,
                      const std::vector<Value>& values,
                      const std::function<Status(const SourceRow&)>& fn);
  // The value of a column's default expression (Column::default_sql, from
  // this database's own schema), evaluated as SQLite would for an INSERT.
  Result<Value> EvaluateDefault(const std::string& default_sql);
  // True when `parent` has a row whose columns `to` equal `values`.
  Result<bool> ParentExists(const TableSchema& parent, const std::vector<std::string>& to,
                            const std::vector<Value>& values);

  // LiveLookup, over the above.
  Status ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                      const std::vector<Value>& values,
                      const std::function<Status(const SourceRow&)>& fn) override;
  Result<bool> AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                        const std::vector<Value>& values) override;
  Result<Value> DefaultValue(const TableSchema& t, int column) override;

 private:
  Result<sqlite3_stmt*> Prepare(const std::string& cache_key, const std::string& sql);
  Status ForEachMatch(const TableSchema& t, const std::vector<std::string>& columns,
                      const std::vector<Value>& values, const std::string& which,
                      const std::function<Status(const SourceRow&)>& fn);
  Status ReadRow(const TableSchema& t, sqlite3_stmt* stmt, SourceRow* row, int64_t* rowid);

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

// A read-write connection to a live SQLite database. Foreign key enforcement
// is off on this connection: the plan applies every foreign key action
// itself, explicitly, so that what runs is exactly what was shown, and the
// caller checks the affected relations before COMMIT.
class SqliteLive final : public LiveTarget {
 public:
  // NotFound when `path` does not exist; IOError when it cannot be opened
  // for writing.
  static Result<std::unique_ptr<SqliteLive>> Open(const std::string& path);
  // Rolls back a transaction that was not committed.
  ~SqliteLive() override;

  // Atomic, triggers that can be suspended, constraints checked.
  LiveCapabilities capabilities() const override { return {true, true, true}; }

  // BEGIN IMMEDIATE: takes the database's write lock, waiting up to
  // `timeout_ms` for the app to release it. Refused (naming the wait) when
  // it stays held. *waited_us gets the time spent waiting.
  Status BeginWrite(int timeout_ms, int64_t* waited_us) override;
  RowLookup* lookup() override { return lookup_.get(); }

  // Drops the triggers on `tables` inside the transaction and remembers
  // their SQL; RestoreTriggers re-creates them with the exact same SQL
  // before COMMIT. Triggers therefore do not fire for the rollback's own
  // writes, and are never lost: a crash rolls the DROP back with the rest.
  Status SuspendTriggers(const std::vector<std::string>& tables, size_t* count) override;
  Status RestoreTriggers() override;

  // Each changes exactly one row, or fails. A constraint failure is
  // Refused with SQLite's message (the statement is undone, the transaction
  // goes on); other failures are IOError. REQUIRES: values resolved.
  Status Insert(const TableSchema& t, const SourceRow& row) override;
  // Sets every stored column (and the rowid of a table that keeps it in the
  // record) of the row identified by `rowid` (rowid tables) or by row.key
  // (WITHOUT ROWID tables).
  Status Update(const TableSchema& t, const SourceRow& row, int64_t rowid);
  Status Delete(const TableSchema& t, const std::vector<Value>& key, int64_t rowid);
  // LiveTarget: the rowid taken from `current` (its key, or the rowid kept
  // last in its record).
  Status Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) override;
  Status Delete(const TableSchema& t, const SourceRow& current) override;

  Status Commit() override;
  Status Rollback() override;
  const std::string& path() const { return path_; }

 private:
  SqliteLive() = default;
  Status Exec(const std::string& sql, std::string_view doing);
  Result<sqlite3_stmt*> Prepare(const std::string& cache_key, const std::string& sql);
  Status StepOnce(sqlite3_stmt* stmt, const TableSchema& t, std::string_view doing);

  std::string path_;
  sqlite3* db_ = nullptr;
  bool in_txn_ = false;
  std::unique_ptr<RowLookup> lookup_;
  std::map<std::string, sqlite3_stmt*> stmts_;
  std::vector<std::pair<std::string, std::string>> suspended_;  // trigger name, sql
};

}  // namespace tidemark
