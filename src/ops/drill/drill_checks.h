// The checks a drill runs against its restored scratch file
// (docs/guide/drills.md#checks). Internal to ops/drill.cc; each appends one
// or more DrillCheck rows and never fails the drill by itself: a check that
// cannot run is a failed row saying why.
#pragma once

#include <string>
#include <vector>

#include "ops/drill/drill.h"
#include "snapshot/manifest.h"
#include "sources/sqlite/sqlite_query.h"

namespace tidemark::drill {

// SQLite compares table and column names ignoring ASCII case: the folded
// name, for comparing and keying.

// What the checks look at: the restored file and the snapshot it came from.
struct Restored {
  std::string path;
  const Connector* connector = nullptr;  // of the scratch copy at `path`
  const Manifest* manifest = nullptr;
  std::vector<std::string> tables;                // restored table names; empty = all
  bool Selected(const std::string& table) const;  // case-insensitive
};

// Every table, index, view and trigger of the manifest that the restore
// creates exists in the restored file with the same SQL.
void CheckSchema(const Restored& r, SqliteQuery* q, std::vector<DrillCheck>* out);
// Per table: row count ("counts") and digest ("digest") against the manifest.
// Also fills `tables` with the restored row counts.
void CheckTables(const Restored& r, std::vector<DrillCheck>* out, std::vector<DrillTable>* tables);
// PRAGMA integrity_check and PRAGMA foreign_key_check.
void CheckIntegrity(SqliteQuery* q, std::vector<DrillCheck>* out);
// A partial restore lacks some parents by design: violations whose parent
// table was not restored are counted apart and do not fail the check.
void CheckForeignKeys(const Restored& r, SqliteQuery* q, std::vector<DrillCheck>* out);
// The plan's declared relations (tables not restored this run are skipped).
void CheckRelations(const DrillPlan& plan, const Restored& r, SqliteQuery* q,
                    std::vector<DrillCheck>* out);
// Declared primary keys (other than rowid aliases), UNIQUE indexes on
// columns, and the plan's `unique` keys hold no duplicates.
void CheckUniqueness(const DrillPlan& plan, const Restored& r, SqliteQuery* q,
                     std::vector<DrillCheck>* out);
// The plan's assertions; `live_path` is the live source for Op::kLive. On a
// partial run (rotation, `tables`), an assertion that reads a table this run
// did not restore is skipped, not failed.
void CheckAssertions(const DrillPlan& plan, const Restored& r, SqliteQuery* q,
                     const std::string& live_path, std::vector<DrillCheck>* out);
// Counts within the plan's tolerance of the last passing run, and no schema
// object of that run's snapshot missing now. `baseline_manifest` is null
// when that snapshot is gone (then only counts are compared).
void CheckBaseline(const DrillPlan& plan, const Restored& r, const std::vector<DrillTable>& tables,
                   const DrillReport* baseline, const Manifest* baseline_manifest,
                   std::vector<DrillCheck>* out);

}  // namespace tidemark::drill
