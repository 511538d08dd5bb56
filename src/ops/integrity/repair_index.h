// repair index: rebuilds the index (FORMAT.md §8) from the pack headers
// (§7), for a repository whose index files were lost or damaged
// (docs/guide/repair.md).
//
// Order, so that a crash at any point leaves a repository that `check`
// accepts or that a rerun repairs: (1) read the old index files (which
// packs each lists, or that it is damaged); (2) read every pack header, in
// pack id order, and write new index files (at most 100,000 blobs each)
// for the readable packs - each durable before the next step; (3) only then
// remove the old index files the new ones replace. A crash before (3) ends
// leaves every readable pack listed at least once (duplicates are harmless
// notes for `check`); a rerun treats the files an interrupted run wrote as
// old ones and replaces them too.
//
// Never deletes data: a pack whose header does not decode is reported and
// left in place, and so is every old index file that lists such a pack (it
// is the only description of where that pack's blobs are).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "repo/id.h"
#include "repo/repository.h"

namespace tidemark {

struct RepairIndexOptions {
  bool dry_run = false;  // read and plan; write and remove nothing
  bool show_progress = false;
  // Called after each step that changes the repository ("index-written",
  // "index-removed"); a non-OK status stops the repair there, as a crash
  // would (tests). The CLI's crash points (TIDEMARK_CRASH_AT
  // "repair-index-written" / "repair-index-removed") sit at the same steps.
  std::function<Status(std::string_view step)> crash_point;
  // Asked between steps; a non-OK status stops (e.g. the lock was lost).
  std::function<Status()> keep_going;
};

struct RepairIndexReport {
  uint64_t packs = 0;          // files in data/ named by a pack id
  uint64_t packs_indexed = 0;  // readable packs the new index lists
  uint64_t blobs_indexed = 0;
  // Packs whose header failed a check (pack id, the check); left in place.
  std::vector<std::pair<Id, std::string>> unreadable_packs;
  std::vector<std::string> ignored_files;  // names in data/ that are not pack ids
  uint64_t old_index_files = 0;
  // Old index files that did not decode ("name: problem"); replaced.
  std::vector<std::string> damaged_index_files;
  // Packs an old index file names that are not in data/: their blobs are lost.
  std::vector<Id> missing_packs;
  uint64_t index_written = 0;  // new index files (dry run: that would be written)
  uint64_t bytes_written = 0;
  std::vector<std::string> index_removed;  // old index file names (dry run: to remove)
  // Old index files kept, with the reason ("name: lists pack … whose header is damaged").
  std::vector<std::string> index_kept;
  // Append-only session: only packs no readable old index file lists were
  // indexed, and nothing was removed. removal_refused lists the damaged old
  // files that a session with a full-access key must remove (rerun repair).
  bool append_only = false;
  std::vector<std::string> removal_refused;
};

// Rebuilds the index. The caller holds an exclusive lock (unless dry_run).
// Non-OK when the repair could not proceed (listing or reading failed for
// a reason other than damage, keep_going or crash_point said stop): files
// written before that stay, and a rerun finishes the job.
Result<RepairIndexReport> RepairIndex(const Repository* repo, const RepairIndexOptions& options);

}  // namespace tidemark
