// Ledger: the repository's append-only, hash-chained, signed audit log
// (docs/FORMAT.md §10). Every completed action appends one entry; `ledger
// verify` checks that no entry was edited, deleted, inserted, reordered or
// cut off the end.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "ledger/ledger_entry.h"
#include "ledger/ledger_head.h"
#include "repo/repository.h"

namespace tidemark {

struct LedgerOptions {
  // Folder of the per-machine head cache; "" means DefaultCacheDir().
  std::string cache_dir;
  // Append gives up (Refused) after this many lost races.
  int max_append_attempts = 50;
};

// One thing Verify found wrong.
struct LedgerProblem {
  uint64_t seq = 0;     // the entry the problem is about
  std::string message;  // names the entry and the check, e.g. "ledger entry 5: …"
};

struct VerifyReport {
  uint64_t entries_checked = 0;         // entry files read
  bool ok = true;                       // no problems
  std::vector<LedgerProblem> problems;  // in seq order: the first bad entry first
  LedgerHead head;  // the newest entry (seq 0 when empty; zero hash if it is bad)
};

// Thread-safe: several Ledger objects, in one or several processes, may
// append to one repository at once. `repo` must outlive the ledger.
class Ledger {
 public:
  explicit Ledger(const Repository* repo, LedgerOptions options = {});

  // Appends rec as entry head+1 and returns it. An empty actor becomes
  // CurrentUser()@CurrentHost(); secrets in args are redacted (RedactArgs),
  // URL passwords in targets too, and over-long fields are cut to the
  // limits of §10 (FitLedgerRecord). If another writer appends first, reads
  // the new head and retries; Refused after max_append_attempts lost races.
  // Refused also when the ledger is shorter than, or differs from, the head
  // this machine remembers (the tail was removed: see Verify). Corruption
  // when the head entry does not verify. Never forks the chain.
  Result<LedgerEntry> Append(LedgerRecord rec);

  // Calls fn for entries from_seq, from_seq+1, … up to the head, in order,
  // each verified (decoded, signature, body, and linked to the entry before
  // it). Stops at and returns the first error: Corruption for a bad or
  // missing entry, or fn's error.
  Status ForEach(uint64_t from_seq, const std::function<Status(const LedgerEntry&)>& fn) const;

  // OK when Append would accept an entry now: the head entry verifies and
  // agrees with this machine's head cache. Commands whose action cannot be
  // undone call this before acting, so that an action is not done and then
  // left unrecorded (the append can still lose to a storage failure).
  Status CheckAppendable() const;

  // The newest entry (verified on its own, not the chain); seq 0 and a zero
  // hash for an empty ledger.
  Result<LedgerHead> Head() const;

  // Checks the whole chain and compares its head with the head cache and
  // with `expected` (an operator's record of an earlier head). Bad bytes are
  // problems in the report, never errors; an error means the storage could
  // not be read. When the chain is sound, advances the head cache.
  Result<VerifyReport> Verify(std::optional<LedgerHead> expected = std::nullopt) const;

  // The head cache file ("" when there is none).
  const std::string& head_cache_path() const { return cache_.path(); }

 private:
  // All seqs present in ledger/, ascending; names that are not 20 digits
  // are ignored.
  Result<std::vector<uint64_t>> ListSeqs() const;
  // Reads and decodes (not links) entry seq.
  Result<LedgerEntry> ReadEntry(uint64_t seq) const;
  Result<LedgerHead> HeadOf(const std::vector<uint64_t>& seqs) const;
  // Refused when the ledger at `head` lost entries this machine has seen.
  Status CheckAgainstCache(const std::optional<LedgerHead>& cached, const LedgerHead& head) const;
  // One attempt to write entry head+1; AlreadyExists when another writer won.
  Result<LedgerEntry> TryAppend(const LedgerRecord& rec) const;
  // Reads every entry of seqs (ascending) and adds to report each one that
  // is missing, bad or not linked, in order; sets entries_checked and head.
  // Fills in the hashes of the seqs that are keys of *hashes. Errors only
  // when the storage cannot be read.
  Status CheckChain(const std::vector<uint64_t>& seqs, std::map<uint64_t, Id>* hashes,
                    VerifyReport* report) const;
  // Adds to report a problem if the chain ends before `remembered` or holds
  // another entry at its seq; `source` says who remembered it.
  void CheckRemembered(const LedgerHead& remembered, const std::string& source,
                       const std::map<uint64_t, Id>& hashes, VerifyReport* report) const;

  const Repository* const repo_;
  const LedgerOptions options_;
  const HeadCache cache_;
};

}  // namespace tidemark
