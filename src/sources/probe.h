// The drill probe (docs/architecture.md "Connectors", "The drill probe"):
// what a restore drill (ops/drill) asks of a copy of a source - the copy it
// just restored, or the live source when an assertion compares the two.
// Connector-neutral: the checks speak in tables, rows, columns and schema
// objects; SQL is a capability (has_sql()) that a connector without SQL
// simply does not offer. Opened with Connector::OpenProbe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/annotations.h"
#include "records/schema.h"

namespace tidemark {

// Result rows as text. A cell is the value's text, marked where the text
// alone would be ambiguous (the connector says how: SQLite writes NULL as
// "NULL" and a blob as "x'0a1b'").
struct QueryRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  bool truncated = false;  // more than max_rows rows were produced
};

// A row whose reference (a declared foreign key) finds no parent row.
struct ReferenceViolation {
  std::string table;   // the referencing (child) table
  std::string row;     // the connector's name for the row ("rowid 7"); "" when it has none
  std::string parent;  // the referenced table, as the reference spells it
  // False when the copy has no such table (not restored, or left out of the
  // backup): the reference cannot be checked, which proves nothing.
  bool parent_present = true;
};

// One set of values that more than one row holds in the columns checked.
struct DuplicateValues {
  std::vector<std::string> values;  // one per column, as QueryRows cells
  uint64_t rows = 0;                // how many rows hold them (>= 2)
};
struct Duplicates {
  std::vector<DuplicateValues> found;
  bool truncated = false;  // more than the maximum asked for
};

// The duplicates of a query whose rows are the values checked followed by
// their count(*) (a GROUP BY ... HAVING count(*) > 1), keeping its
// truncated flag: the one reading of such a query for every SQL probe.
Duplicates DuplicatesOf(QueryRows rows);

// A child row of a relation whose value has no parent row.
struct Orphan {
  std::string row;    // the connector's name for the row ("rowid 7")
  std::string value;  // the child column's value, as a QueryRows cell
};
struct Orphans {
  std::vector<Orphan> found;
  bool truncated = false;  // more than the maximum asked for
};

// A read-only handle on one copy of a source. Nothing it does can change the
// copy. Errors are for checks that could not run (the message says why, with
// the query when there is one); what a check finds is its result. Not
// thread-safe; use from one thread at a time.
class SourceProbe {
 public:
  virtual ~SourceProbe() = default;

  // A check as reports name it: the report row's name ("integrity_check")
  // and its label in the detail line ("PRAGMA integrity_check").
  struct CheckName {
    std::string_view name, label;
  };

  // ---- structure and constraints (every connector) ----

  // The connector's full structural check of the copy (more thorough than
  // SourceReader::IntegrityProblems): at most max_problems problems, one
  // line each; empty when the copy is sound.
  virtual CheckName integrity_check() const = 0;
  virtual Result<std::vector<std::string>> IntegrityProblems(size_t max_problems) = 0;

  // Calls fn for each row whose declared reference (foreign key) has no
  // parent row, whether or not the parent table is in the copy
  // (ReferenceViolation::parent_present tells them apart).
  virtual CheckName reference_check() const = 0;
  virtual Status ForEachReferenceViolation(
      const std::function<void(const ReferenceViolation&)>& fn) = 0;

  // The schema objects the copy has, as SourceSchema::objects holds them
  // (type "table" / "index" / "view" / "trigger", name, owning table,
  // definition), in the source's order.
  virtual Result<std::vector<SchemaObject>> SchemaObjects() = 0;

  // False for an object of a snapshot that a restore does not recreate from
  // its definition (the source makes it implicitly, or it is not kept), so
  // that its absence or a different definition in the copy proves nothing.
  virtual bool Recreates(const SchemaObject& o) const {
    (void)o;
    return true;
  }

  // True when the source itself makes `t`'s primary key unique, so that
  // looking for duplicates in it proves nothing (SQLite: an INTEGER PRIMARY
  // KEY is the row id).
  virtual bool KeyUniqueByConstruction(const TableSchema& t) const {
    (void)t;
    return false;
  }

  // Up to max sets of equal values in `columns` of `table` held by more than
  // one row; rows with a NULL (a missing value) in any of the columns never
  // collide. An unknown table or column is an error.
  virtual Result<Duplicates> FindDuplicates(const std::string& table,
                                            const std::vector<std::string>& columns,
                                            size_t max) = 0;

  // Up to max rows of rel.child_table whose non-NULL rel.child_column has no
  // row of rel.parent_table with that value in rel.parent_column.
  virtual Result<Orphans> FindOrphans(const Relation& rel, size_t max) = 0;

  // ---- SQL (has_sql() only) ----

  // True when the copy answers SQL queries (drill assertions). Without it,
  // the three calls below are Unsupported.
  virtual bool has_sql() const { return false; }

  // One read-only statement; up to max_rows rows. InvalidArgument names the
  // query and the source's message when it does not prepare or run (a
  // syntax error, a write, more than one statement).
  virtual Result<QueryRows> Query(const std::string& sql, size_t max_rows);
  // A query that must produce exactly one integer (count(*), ...).
  virtual Result<int64_t> QueryInteger(const std::string& sql);
  // NotFound (the message names the table) when `sql` reads a table the
  // copy does not have; OK otherwise, also when `sql` is wrong in another
  // way (Query then says how).
  virtual Status CheckTablesExist(const std::string& sql);
};

}  // namespace tidemark
