// Restore of a snapshot into a new copy of its source, through the target
// connector's RestoreTarget (docs/guide/restore.md).
#pragma once

#include <string>
#include <vector>

#include "base/cancel.h"
#include "base/result.h"
#include "repo/blob_store.h"
#include "snapshot/manifest.h"
#include "sources/connector.h"
#include "storage/posix_io.h"

namespace tidemark {

struct RestoreOptions {
  std::string path;                 // the location to create (a file for sqlite:)
  std::vector<std::string> tables;  // empty: every table
  bool force = false;               // replace an existing file
  // Re-read the restored tables and compare counts and digests before the
  // rename. A drill turns this off and runs the comparison as its own,
  // per-table checks (TallyTables).
  bool verify = true;
  bool show_progress = false;
  unsigned mode = kPrivateFileMode;  // of the restored file (--mode), not the umask's
  // Asked before each table ("restore-table") and before the copy is
  // published ("restore-before-publish"): once cancelled the restore stops
  // with Cancelled and the staged copy is discarded. Null: not cancellable.
  const CancelToken* cancel = nullptr;
};

struct RestoreResult {
  uint64_t tables = 0;   // ordinary tables (not internal or counter tables)
  uint64_t records = 0;  // their records
  uint64_t bytes = 0;    // size of the restored file
  // Schema objects a --table restore left out (RestoreTarget::left_out).
  std::vector<std::string> left_out;
  // Where the time went, by the repository's clock: loading the rows,
  // finishing the copy (indexes, views, triggers, the sync) and re-reading
  // it for the verification (0 without opts.verify).
  uint64_t load_us = 0, finish_us = 0, verify_us = 0;
};

// Writes the snapshot into a staged copy at opts.path through connector
// `target` (its RestoreTarget), re-reads
// every restored table and checks its row count and digest against the
// manifest, and only then publishes it. On any failure the staged copy is
// discarded and opts.path is untouched. AlreadyExists when a copy is there
// and !force; InvalidArgument for an unknown table; Corruption when a digest
// does not match (names the table).
Result<RestoreResult> Restore(BlobStore* store, const Repository& repo, const Manifest& m,
                              const Connector& target, const RestoreOptions& opts);

// One restored table as it reads back: what VerifyAgainstManifest
// compares with the manifest.
struct TableTally {
  std::string table;
  bool present = false;  // the restored file has the table
  uint64_t rows = 0;
  std::string digest;                       // records.md §5
  const SnapshotTable* expected = nullptr;  // points into the manifest
};
// Reads back every table of `tables` (empty: all) that keeps records. Only
// errors reading the file fail; differences are for the caller to judge.
// `c` is the connector of the copy `src` reads (it says which tables go
// with a selected one).
Result<std::vector<TableTally>> TallyTables(const Connector& c, SourceReader* src,
                                            const Manifest& m,
                                            const std::vector<std::string>& tables);

// Re-reads `tables` (empty: all) through `src` and compares their counts and
// digests with the manifest. Corruption names the first table that differs.
Status VerifyAgainstManifest(const Connector& c, SourceReader* src, const Manifest& m,
                             const std::vector<std::string>& tables);

}  // namespace tidemark
