// A second connector, for tests only: sources held in memory, behind the
// same interfaces as SQLite (sources/connector.h). It proves that the use
// cases in ops/ run over any connector, with nothing of SQLite underneath
// (docs/architecture.md "Connectors"). Scheme "memory:", a location is any
// name in a MemoryWorld.
//
// Its rules are the simplest the interfaces allow: every table has a
// declared key (TableSchema::key_columns, no implicit row id), rows are kept
// in the order of their encoded keys (records.md §4), a reader sees a copy
// taken when it was opened, and a restore target stages a whole new source
// that Publish swaps in.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "sources/connector.h"

namespace tidemark::memory {

// One source: its schema and, per table, its rows by encoded key.
struct MemorySource {
  SourceSchema schema;
  std::map<std::string, std::map<std::string, SourceRow>> rows;  // table -> key bytes -> row
};

// The sources a memory connector sees, by location. Thread-safe.
class MemoryWorld {
 public:
  // Creates (or replaces) the source at `location` with `schema` and no rows;
  // schema.objects, when empty, gets one "table" object per table.
  // InvalidArgument when a table with records has no key columns.
  Status Create(const std::string& location, SourceSchema schema);
  // Inserts or replaces one row of `table` (its record in stored-column
  // order; the key is taken from the key columns).
  Status Put(const std::string& location, const std::string& table, const Record& record);
  // Removes the row of `table` with key `key`; NotFound when there is none.
  Status Erase(const std::string& location, const std::string& table,
               const std::vector<Value>& key);
  // A copy of the source at `location`; NotFound when there is none.
  Result<MemorySource> Get(const std::string& location) const;
  // Replaces (or creates) the source at `location`.
  void Set(const std::string& location, MemorySource source);
  bool Has(const std::string& location) const;
  // Forgets the source at `location` (nothing when there is none).
  void Remove(const std::string& location);
  // The write lock of a source (a live target's transaction holds it; a
  // test holds it to play an app that does): false when already held.
  bool TryLockWrite(const std::string& location);
  void UnlockWrite(const std::string& location);

 private:
  mutable std::mutex mu_;
  std::map<std::string, MemorySource> sources_;
  std::set<std::string> write_locked_;
};

// The key of `record`, a row of `t` (values of t.key_columns).
std::vector<Value> KeyOf(const TableSchema& t, const Record& record);
// The encoded key (records.md §4), under which a source files a row.
std::string KeyBytes(const std::vector<Value>& key);
// The record's values in `columns` (names of t's stored columns, any ASCII
// case); false when a column is unknown.
bool ValuesIn(const TableSchema& t, const std::vector<std::string>& columns, const Record& r,
              std::vector<Value>* out);
// The rows of `t` in `s` whose `columns` equal `values`, in key order; none
// when a value is NULL. InvalidArgument for an unknown column.
Result<std::vector<SourceRow>> RowsWhere(const MemorySource& s, const TableSchema& t,
                                         const std::vector<std::string>& columns,
                                         const std::vector<Value>& values);

// A connector over `world` (which must outlive it).
std::unique_ptr<Connector> NewMemoryConnector(MemoryWorld* world);

}  // namespace tidemark::memory
