// Copying snapshots between repositories (docs/guide/copy.md): the 3-2-1
// rule's second and offsite copies.
//
// Blob ids are keyed per repository (DESIGN.md §5), so a blob cannot move as
// it is: every table is read record by record from the source and built again
// in the destination, large values re-chunked, under the destination's keys.
// Unchanged records give the same nodes, so only what the destination lacks
// is written. Each table's digest (records.md §5) is recomputed from the
// records read and must equal the manifest's: a copy is exact or it fails.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"

namespace tidemark {

struct CopyOptions {
  // Snapshot specs resolved in the source (id, prefix, latest, SOURCE@…).
  // Empty: every snapshot (of `source`, when given).
  std::vector<std::string> snapshots;
  std::string source;
};

struct CopiedSnapshot {
  Id from;  // in the source
  Id to;    // in the destination
  std::string source;
  int64_t time_us = 0;
  bool already = false;  // the destination had it: nothing written
  uint64_t records = 0;
};

struct CopyResult {
  std::vector<CopiedSnapshot> snapshots;  // oldest first
  uint64_t copied = 0, already = 0;
  uint64_t bytes_added = 0;  // new blob bytes stored in the destination
};

// Copies the chosen snapshots from `from` into `to`, oldest first, through
// `to_store` (loaded index; flushed before each snapshot is written). A
// snapshot is already in the destination when one there has the same source,
// time and tables (names, row counts, digests). The copy's parent is the
// destination's copy of the source snapshot's parent, when there is one.
// REQUIRES: the caller holds a shared lock on both repositories and writes
// the ledger entries. On error, the snapshots copied so far stay; nothing
// refers to blobs of an unfinished one (prune removes them).
Result<CopyResult> CopySnapshots(const Repository& from, Repository* to, BlobStore* to_store,
                                 const CopyOptions& opts);

}  // namespace tidemark
