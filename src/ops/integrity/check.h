// check: verifies a repository's structure and, optionally, its data.
// See docs/guide/check.md for what each finding means.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/progress.h"
#include "base/result.h"
#include "ledger/ledger.h"
#include "ops/integrity/damage_map.h"
#include "repo/repository.h"

namespace tidemark {

struct CheckOptions {
  bool read_data = false;
  // With read_data: the share of packs to read, in (0, 1]. Packs are chosen
  // at random, so repeated runs cover the whole repository over time.
  double read_data_fraction = 1.0;
  bool check_ledger = true;
  std::optional<LedgerHead> expect_ledger_head;
  bool show_progress = false;
  // Object Lock: the WORM probe runs whenever the repository is under Object
  // Lock; with require_worm a repository whose storage does not enforce it
  // (or that is not under Object Lock at all) is damage (exit 3).
  bool require_worm = false;
  // Asked before each pack; a non-OK status stops the check and is returned
  // (e.g. the lock was lost, so maintenance may be changing the repository).
  std::function<Status()> keep_going;
};

struct CheckFinding {
  std::string object;   // "pack 3fa1…", "index …", "ledger entry 7", "key …"
  std::string message;  // the check that failed, with the offset where it applies
};

struct CheckReport {
  uint64_t keys = 0, index_files = 0, packs = 0, blobs = 0;
  uint64_t packs_read = 0, blobs_read = 0, bytes_read = 0;
  uint64_t ledger_entries = 0;
  uint64_t snapshots = 0;
  std::vector<CheckFinding> damage;  // anything here makes check fail (exit 3)
  std::vector<CheckFinding> notes;   // harmless leftovers and duplicates
  // Not damage, but wants a decision: each message says what to do (e.g. a
  // readable snapshot the ledger does not record).
  std::vector<CheckFinding> warnings;
  uint64_t holds = 0, prune_files = 0;
  bool worm_probed = false, worm_enforced = false;  // the WORM probe ran / storage refused
  uint64_t temp_files = 0, temp_bytes = 0;          // left by killed writers (notes)
  // With read_data, when a blob is damaged (fails to verify, or its pack is
  // missing or has a damaged header) or an index file is: every damaged blob
  // with the snapshots, tables and key ranges that use it. A healthy check
  // does not walk the snapshots (damage_mapped stays false).
  bool damage_mapped = false;
  std::vector<DamagedBlob> damage_map;
  // Readable snapshots, oldest first: those that use a damaged blob, and the
  // others, which stay restorable. Filled when damage_mapped.
  std::vector<Id> snapshots_affected, snapshots_restorable;
  bool ok() const { return damage.empty(); }
};

// Runs every check and collects findings; returns a non-OK Status only when
// checking itself could not proceed (e.g. the backend cannot be listed).
Result<CheckReport> CheckRepository(const Repository* repo, const CheckOptions& options);

}  // namespace tidemark
