// Writing to a live source (rollback and revert, docs/guide/rollback.md):
// the connector interfaces the planner and the apply in ops/rollback/ use,
// and the relation helpers both sides share. The plan that decides what to
// write lives in ops/; a connector only reads and writes records exactly and
// reports constraint failures as values. See docs/architecture.md
// ("Connectors", "The live target"). No SQL here: the same interfaces serve
// connectors without SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/connector.h"

namespace tidemark {

// Point lookups in one state of a source: the read view's while planning
// (Connector::OpenLookup), the write transaction's while applying
// (LiveTarget::lookup, which sees the transaction's own writes). Rows come
// in the layout of SourceReader::Scan. Not thread-safe; must not outlive
// what it was opened on.
class LiveLookup {
 public:
  virtual ~LiveLookup() = default;

  // The row of `t` whose key is exactly `key` (same types and bytes,
  // whatever the key's collation): true with *row filled; false when none.
  virtual Result<bool> Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row) = 0;
  // Calls fn for each row of `t` whose `columns` equal `values` (one value
  // per column, compared as the source compares the column; following a
  // relation from a parent to its children). A NULL in `values` matches
  // nothing: fn is then never called. Stops at the first error fn returns;
  // fn may run other lookups.
  virtual Status ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                              const std::vector<Value>& values,
                              const std::function<Status(const SourceRow&)>& fn) = 0;
  // True when `t` has a row whose `columns` equal `values` (a child's
  // parent exists), with the same comparison as ForEachWhere.
  virtual Result<bool> AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                                const std::vector<Value>& values) = 0;
  // The value column `column` (an index into t.columns) gets in a new row
  // that does not give it: its declared default (Column::default_sql),
  // evaluated as the source would now. NULL when it has none. Unsupported
  // when the source cannot evaluate its defaults.
  virtual Result<Value> DefaultValue(const TableSchema& t, int column) = 0;
};

// What a live target can do; the apply adapts to it (docs/architecture.md).
struct LiveCapabilities {
  // Every write between BeginWrite and Commit becomes visible at once or
  // not at all, and Rollback undoes them. Rollback and revert refuse a
  // target without it (a plan is applied whole or not at all).
  bool atomic_transaction = false;
  // The source runs triggers on writes, and SuspendTriggers can keep them
  // from firing for the apply's own writes. False: the source has no
  // triggers, SuspendTriggers suspends nothing.
  bool suspendable_triggers = false;
  // The source checks its own constraints (unique, NOT NULL, CHECK) on each
  // write and reports a failure as Refused. False: only the plan's relation
  // checks (done by ops/ before Commit) guard the result.
  bool checks_constraints = false;
};

// A read-write session on a live source: one guarded write transaction at a
// time. The source's own relation actions (foreign key cascades) are off
// for the apply's writes: the plan applies each of them itself, explicitly,
// so that what runs is exactly what was shown, and ops/ checks the affected
// relations before Commit. Destroying it rolls back what was not committed.
// Not thread-safe.
class LiveTarget {
 public:
  virtual ~LiveTarget() = default;

  virtual LiveCapabilities capabilities() const = 0;

  // Takes the source's write lock, waiting up to `lock_wait_ms` for the app
  // to release it. Refused (naming the wait and what to do) when it stays
  // held; nothing was written then. *waited_us gets the time spent waiting.
  virtual Status BeginWrite(int lock_wait_ms, int64_t* waited_us) = 0;
  // Lookups inside the write transaction. Owned by the target.
  virtual LiveLookup* lookup() = 0;

  // Keeps the triggers on `tables` from firing until RestoreTriggers, inside
  // the transaction (a crash or Rollback brings them back unchanged);
  // *count gets how many were suspended. RestoreTriggers puts them back
  // exactly before Commit.
  virtual Status SuspendTriggers(const std::vector<std::string>& tables, size_t* count) = 0;
  virtual Status RestoreTriggers() = 0;

  // Each writes exactly one row, or fails. A constraint failure is Refused
  // with the source's message (the write is undone, the transaction goes
  // on); other failures are IOError. REQUIRES: values resolved (no
  // references). `current` is the row as lookup()->Get returned it in this
  // transaction: the target finds the row by what it keeps (its key, or an
  // id it keeps in the record).
  virtual Status Insert(const TableSchema& t, const SourceRow& row) = 0;
  // Sets every value of the record of `current` to row.record's.
  virtual Status Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) = 0;
  virtual Status Delete(const TableSchema& t, const SourceRow& current) = 0;

  // Commit failing rolls back. Rollback without a transaction is OK.
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
};

// ---- relations over the schema model -------------------------------------

// The index in t.columns of the column named `name` (any ASCII case), or -1.
int ColumnIndex(const TableSchema& t, std::string_view name);
// The position of column `col` among the stored columns (the record), or -1.
int RecordPosition(const TableSchema& t, int col);

// The columns of `parent` that fk refers to: fk.to, with "" replaced by the
// parent's key columns (its implicit id's name for an implicit-id key).
std::vector<std::string> ReferencedColumns(const TableSchema& parent, const ForeignKey& fk);
// The values of `record` (a row of `child`) in the columns fk.from; false
// when a column is missing or any value is NULL (then no parent is needed).
bool ForeignKeyValues(const TableSchema& child, const ForeignKey& fk, const Record& record,
                      std::vector<Value>* out);
// The values of `row` (a row of `parent`) in the columns `to`.
bool ReferencedValues(const TableSchema& parent, const std::vector<std::string>& to,
                      const SourceRow& row, std::vector<Value>* out);

}  // namespace tidemark
