// Portable exports of a snapshot (docs/guide/export.md, format in
// docs/format/export.md): one CSV or NDJSON file per table and a
// manifest.json with each file's SHA-256; and the verification of such a
// folder.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "repo/blob_store.h"
#include "snapshot/manifest.h"
#include "storage/posix_io.h"

namespace tidemark {

enum class ExportFormat { kCsv, kNdjson };

struct ExportOptions {
  std::string dir;  // created; must not exist (or be empty)
  ExportFormat format = ExportFormat::kCsv;
  std::vector<std::string> tables;  // empty: every table with records
  std::string tool_version;
  bool show_progress = false;
  // Files get exactly `mode`, the folder `mode` plus x where r is granted
  // (0600 -> 0700): private unless asked otherwise (--mode).
  unsigned mode = kPrivateFileMode;
  // CSV: cells starting with = + - @ tab or CR are prefixed with ' unless raw.
  bool csv_raw = false;
};

struct ExportedFile {
  std::string table, file, sha256_hex;
  uint64_t rows = 0, bytes = 0;
};

// Streams every selected table into a temporary folder beside `dir`, writes
// manifest.json, syncs, and renames the folder into place: a failure (disk
// full, a damaged blob) leaves nothing behind.
Result<std::vector<ExportedFile>> ExportSnapshot(BlobStore* store, const Repository& repo,
                                                 const Id& id, const Manifest& m,
                                                 const ExportOptions& opts);

struct ExportProblem {
  std::string file;
  std::string problem;  // "modified", "missing", "extra", "unreadable manifest", ...
};
// Checks every file manifest.json lists (size and SHA-256) and that no other
// file is present. An empty result means the export is intact. A manifest
// that cannot be read is a problem too; an unreadable folder is an error.
Result<std::vector<ExportProblem>> VerifyExport(const std::string& dir);

// The file name a table is exported to: characters outside [A-Za-z0-9_.-]
// are written as %XX, so that every table name maps to a distinct name.
std::string ExportFileName(const std::string& table, ExportFormat format);

}  // namespace tidemark
