// Restore of a snapshot into a new SQLite file (docs/guide/restore.md).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "repo/blob_store.h"
#include "snapshot/manifest.h"
#include "storage/posix_io.h"

namespace tidemark {

struct RestoreOptions {
  std::string path;                 // the file to create
  std::vector<std::string> tables;  // empty: every table
  bool force = false;               // replace an existing file
  // Re-read the restored tables and compare counts and digests before the
  // rename. A drill turns this off and runs the comparison as its own,
  // per-table checks (TallySqliteTables).
  bool verify = true;
  bool show_progress = false;
  unsigned mode = kPrivateFileMode;  // of the restored file (--mode), not the umask's
};

struct RestoreResult {
  uint64_t tables = 0;   // ordinary tables (not shadow tables or sqlite_sequence)
  uint64_t records = 0;  // their records
  uint64_t bytes = 0;    // size of the restored file
};

// Writes the snapshot into a temporary file beside `path`, re-reads every
// restored table and checks its row count and digest against the manifest,
// and only then renames the file into place. On any failure the temporary
// file is removed and `path` is untouched. AlreadyExists when `path` exists
// and !force; InvalidArgument for an unknown table; Corruption when a digest
// does not match (names the table).
Result<RestoreResult> RestoreSqlite(BlobStore* store, const Repository& repo, const Manifest& m,
                                    const RestoreOptions& opts);

// One restored table as it reads back: what VerifySqliteAgainstManifest
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
Result<std::vector<TableTally>> TallySqliteTables(const std::string& path, const Manifest& m,
                                                  const std::vector<std::string>& tables);

// Re-reads `tables` (empty: all) of the SQLite file at `path` and compares
// their counts and digests with the manifest. Corruption names the first
// table that differs.
Status VerifySqliteAgainstManifest(const std::string& path, const Manifest& m,
                                   const std::vector<std::string>& tables);

}  // namespace tidemark
