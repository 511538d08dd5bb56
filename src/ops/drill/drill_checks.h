// The checks a drill runs against its restored copy
// (docs/guide/drills.md#checks), through the connector's drill probe
// (sources/probe.h). Internal to ops/drill.cc; each appends one or more
// DrillCheck rows and never fails the drill by itself: a check that cannot
// run is a failed row saying why.
#pragma once

#include <string>
#include <vector>

#include "ops/drill/drill.h"
#include "snapshot/manifest.h"
#include "sources/connector.h"

namespace tidemark::drill {

// Table and column names are compared ignoring ASCII case, as the sources
// compare them (folded for comparing and keying).

// What the checks look at: the restored copy and the snapshot it came from.
struct Restored {
  std::string location;                  // of the copy, for `connector`
  const Connector* connector = nullptr;  // of the scratch copy at `location`
  const Manifest* manifest = nullptr;
  std::vector<std::string> tables;                // restored table names; empty = all
  bool Selected(const std::string& table) const;  // case-insensitive
};

// Every table, index, view and trigger of the manifest that the restore
// creates exists in the restored copy with the same definition.
void CheckSchema(const Restored& r, SourceProbe* p, std::vector<DrillCheck>* out);
// Per table: row count ("counts") and digest ("digest") against the manifest.
// Also fills `tables` with the restored row counts.
void CheckTables(const Restored& r, std::vector<DrillCheck>* out, std::vector<DrillTable>* tables);
// The connector's full structural check.
void CheckIntegrity(SourceProbe* p, std::vector<DrillCheck>* out);
// Declared references (foreign keys). A partial restore lacks some parents
// by design: violations whose parent table was not restored are counted
// apart and do not fail the check.
void CheckForeignKeys(const Restored& r, SourceProbe* p, std::vector<DrillCheck>* out);
// Relations without foreign keys: the plan's and the snapshot's (tables not
// restored this run are skipped).
void CheckRelations(const std::vector<Relation>& relations, const Restored& r, SourceProbe* p,
                    std::vector<DrillCheck>* out);
// Declared primary keys (other than those the source keeps unique by
// construction), unique indexes on columns, and the plan's `unique` keys
// hold no duplicates.
void CheckUniqueness(const DrillPlan& plan, const Restored& r, SourceProbe* p,
                     std::vector<DrillCheck>* out);
// The plan's assertions (SQL: a connector without SQL fails each with what
// to do); `live` is the live source for Op::kLive. On a partial run
// (rotation, `tables`), an assertion that reads a table this run did not
// restore is skipped, not failed.
void CheckAssertions(const DrillPlan& plan, const Restored& r, SourceProbe* p,
                     const SourceRef& live, std::vector<DrillCheck>* out);
// Counts within the plan's tolerance of the last passing run, and no schema
// object of that run's snapshot missing now. `baseline_manifest` is null
// when that snapshot is gone (then only counts are compared).
void CheckBaseline(const DrillPlan& plan, const Restored& r, const std::vector<DrillTable>& tables,
                   const DrillReport* baseline, const Manifest* baseline_manifest,
                   std::vector<DrillCheck>* out);

}  // namespace tidemark::drill
