// Backup of a source (any connector) into record snapshots (docs/guide/backup.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/cancel.h"
#include "base/result.h"
#include "ops/backup/anomaly.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"
#include "sources/connector.h"
#include "sources/profile.h"

namespace tidemark {

struct BackupOptions {
  SourceRef source;          // what to read, and through which connector
  int lock_wait_ms = 10000;  // how long the source may stay locked
  std::string name;          // source name
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> labels;  // env, domain, purpose
  std::string host;                                         // "" = this host
  std::string tool_version;
  bool show_progress = false;
  // Table name patterns (fnmatch, ASCII case-insensitive). A table is backed
  // up when it matches an include pattern (or none are given) and no exclude
  // pattern; its indexes and triggers follow it, and a virtual table's
  // shadow tables follow their owner.
  std::vector<std::string> include, exclude;
  // Annotates the schema before anything is stored (table roles, relations,
  // secret columns; stored in the manifest, read by anomaly detection). A
  // relation that does not resolve refuses the backup. Null: no annotations.
  const Profile* profile = nullptr;
  // Anomaly detection against the parent and recent history, stored in the
  // manifest (docs/guide/anomalies.md). Null: none.
  const AnomalyRules* anomalies = nullptr;
  // The connector's integrity check found problems: warn and go on (false), or refuse
  // before anything is written (true: --require-integrity).
  bool require_integrity = false;
  // Asked before each table ("backup-table"), every kCancelCheckRows records
  // within one ("backup-rows") and before the snapshot is written
  // ("backup-before-snapshot"); once cancelled the backup stops there with
  // Cancelled and writes no snapshot. Null: not cancellable.
  const CancelToken* cancel = nullptr;
};

// How many records a backup reads between two cancellation checks.
inline constexpr uint64_t kCancelCheckRows = 4096;

// The schema with only the tables the patterns select: a table matching an
// include (or any, when none is given) and no exclude; counter tables
// (TableKind::kCounters) always; an internal table with the table it belongs
// to (Connector::OwnerOf); indexes and triggers with their table; every view
// and every object of no table; a sequence with the table that owns it.
SourceSchema SelectedSchema(const Connector& connector, const SourceSchema& all,
                            const std::vector<std::string>& include,
                            const std::vector<std::string>& exclude);
// The same selection applied to a stored manifest of a source of `connector`.
Manifest SelectedManifest(const Connector& connector, const Manifest& m,
                          const std::vector<std::string>& include,
                          const std::vector<std::string>& exclude);

// Whether the include/exclude patterns select `table`.
bool TableSelected(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                   const std::string& table);
// The same for a table of the schema: a table in a namespace is also matched
// by "namespace.name".
bool TableSelected(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
                   const TableSchema& table);

struct BackupResult {
  Id snapshot;
  Id parent;  // zero: the first snapshot of this source
  Manifest manifest;
  uint64_t records = 0;
  uint64_t anomaly_us = 0;  // wall time of anomaly detection (not in manifest.stats.duration_us)
  AnomalyCost anomaly_cost;
  std::vector<std::string> integrity_problems;  // the connector's check; empty: ok
};

// Reads the whole source inside one read transaction and stores each table as
// a prolly tree; only nodes that are not stored yet are written. Two threads:
// one reads and encodes records, one builds trees and stores nodes; memory is
// bounded by a small queue whatever the table size. The caller holds a shared
// lock and writes the ledger entry. On error nothing refers to what was
// written (unreferenced blobs are harmless; prune removes them).
Result<BackupResult> Backup(Repository* repo, BlobStore* store, const BackupOptions& opts);

}  // namespace tidemark
