// The head of a ledger (its newest entry) and the per-machine head cache that
// catches a truncated tail (docs/FORMAT.md §10 "Verifying").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "repo/id.h"

namespace tidemark {

// The newest entry of a ledger: seq 0 and a zero hash when it is empty.
struct LedgerHead {
  uint64_t seq = 0;
  Id hash;

  bool operator==(const LedgerHead&) const = default;
};

// "SEQ:HASHHEX" (what `ledger show --head` prints and --expect-head takes).
std::string FormatHead(const LedgerHead& head);
// Parses "SEQ:HASHHEX": seq in decimal, hash as 64 hex digits; "0:<zeros>"
// is the empty ledger. InvalidArgument saying what is wrong otherwise.
Result<LedgerHead> ParseHead(std::string_view text);

// The folder that holds per-repository caches: $TIDEMARK_CACHE_DIR if set,
// else $XDG_CACHE_HOME/tidemark, else $HOME/.cache/tidemark; "" when none of
// these variables is set.
std::string DefaultCacheDir();

// HeadCache: the highest ledger head this machine has seen for one
// repository, in "<cache dir>/<repo id hex>/ledger-head" holding
// "<seq> <hash hex>\n". The cache is advisory: failing to read or write it
// is logged as a warning, never an error. Thread-safe and safe across
// processes (updates take an flock and replace the file by rename).
class HeadCache {
 public:
  // cache_dir "" means DefaultCacheDir(), read now.
  HeadCache(std::string cache_dir, std::string_view repo_id_hex);

  // The cache file; "" when no cache folder is known (then Load returns
  // nullopt and Advance does nothing).
  const std::string& path() const { return path_; }

  // The remembered head, or nullopt when there is none. A damaged or
  // unreadable file is logged and treated as absent.
  std::optional<LedgerHead> Load() const;

  // Remembers head if head.seq is higher than the remembered seq (the cache
  // only ever moves forward). Failures are logged.
  void Advance(const LedgerHead& head) const;

 private:
  Status AdvanceOrError(const LedgerHead& head) const;

  std::string dir_;   // "<cache dir>/<repo id hex>"
  std::string path_;  // dir_ + "/ledger-head"
};

}  // namespace tidemark
