// Anomaly detection at backup time (docs/guide/anomalies.md): compares a new
// snapshot with its parent and with the source's recent history, per table,
// and reports what looks badly wrong in the app — a mass deletion or update,
// a column overwritten with NULL or one value, children whose parent row
// disappeared, dropped schema objects and deleted metadata rows (workflows,
// view definitions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/annotations.h"
#include "snapshot/manifest.h"
#include "tree/tree.h"

namespace tidemark {

// What counts as an anomaly. Shares are fractions (0.10 = 10 %) of the
// table's rows in the parent snapshot, for every kind (for "added" too).
struct AnomalyRules {
  // Fixed thresholds for the share of records deleted, changed and added.
  // Once a table has a baseline (min_history samples), its limit comes from
  // the baseline instead (see BaselineLimit in anomaly.cc and the guide).
  double deleted = 0.10, changed = 0.30, added = 1.00;
  // Rows whose column went from a non-NULL, non-empty value to NULL, '' or x''.
  double nulled = 0.30;
  // Rows whose column changed, all to one same new value (a mass update).
  double dominant = 0.50;
  // Robust baseline: the shares of the last `history` backups (each against
  // its own parent). Limit = max(median + mad_k * MAD, 2 * median,
  // baseline_floor * fixed threshold).
  double mad_k = 5.0;
  size_t history = 10;
  size_t min_history = 5;       // fewer samples: the fixed threshold applies
  double baseline_floor = 0.5;  // fraction of the fixed threshold
  // Tables with fewer parent rows are not judged by shares (deleted, changed,
  // added, nulled, dominant); dropped objects, metadata rows and orphans
  // are reported whatever the size.
  uint64_t min_rows = 20;
  // What the tables mean comes from the new snapshot's schema annotations
  // (SourceSchema::annotations, written by the source's profile), not from
  // here: a deleted row of a metadata table is reported as kind "dropped",
  // even a single one; a transient table is not judged by shares; relations
  // without foreign keys are checked for orphans like the foreign keys.
};

// InvalidArgument naming the rule when a value is out of range: shares must
// be in (0, 1] (added: > 0), mad_k >= 0, baseline_floor in [0, 1],
// min_history >= 1.
Status ValidateAnomalyRules(const AnomalyRules& rules);

// How much work a detection did (for logs and tests).
struct AnomalyCost {
  uint64_t nodes_loaded = 0;     // tree nodes visited by diffs (parent and baseline)
  uint64_t records_decoded = 0;  // changed records decoded by diffs
  uint64_t records_scanned = 0;  // records read by full table scans (orphans only)
};

// Detects the anomalies of `now` (the new snapshot's manifest, with its
// schema annotations in now.objects.annotations; its trees are
// stored and readable through `cache`). `history` holds earlier snapshots of
// the same source, oldest first; back() is the parent. Empty history (the
// first backup): no anomalies. Only the last rules.history + 1 entries are
// used. Returns the anomalies in a stable order: dropped schema objects
// first (in the parent's schema order), then per table of `now` in schema
// order: dropped columns, deleted, changed, added, nulled and dominant (by
// column), dropped metadata rows, orphans (by relation). REQUIRES: no null
// pointer in `history`. Cost is proportional to the change
// (equal subtrees are skipped) except for orphans, which scan a child table
// only when its parent table lost records. Errors: those of reading and
// decoding trees (Corruption names the node or record). Thread-compatible.
// `parent_counts`, when given, holds for each table of `now` (same order) its
// counts-only diff against history.back() (a new table: anything), as the
// backup already computed them: detection then skips that diff.
Result<std::vector<Anomaly>> DetectAnomalies(
    NodeCache* cache, const Manifest& now, const std::vector<const Manifest*>& history,
    const AnomalyRules& rules, AnomalyCost* cost = nullptr,
    const std::vector<TreeDiffCounts>* parent_counts = nullptr);

}  // namespace tidemark
