// Legal holds (docs/format/holds.md): a held snapshot is never forgotten.
// One signed, encrypted file holds/<snapshot-id> per held snapshot, with
// who placed the hold, when, and why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "repo/id.h"
#include "repo/repository.h"

namespace tidemark {

inline constexpr size_t kMaxHoldReason = 4096;  // holds.md §2

struct Hold {
  Id snapshot;
  int64_t time_us = 0;  // when the hold was placed, UTC
  std::string actor, host, reason;
  // Non-empty when the hold file does not verify. Such a hold still
  // protects the snapshot its file name names: a damaged hold must fail
  // safe (keep), never silently release a snapshot.
  std::string damage;
};

// Payload codec (exposed for fuzzing and tests).
std::string EncodeHold(const Hold& h);
Result<Hold> DecodeHold(std::string_view payload, std::string_view what);

// Places a hold: writes holds/<id> with an exclusive create. AlreadyExists
// (naming the existing hold) when the snapshot is already held;
// InvalidArgument for an empty or over-long reason.
Status AddHold(const Repository& repo, const Hold& h);
// Reads one hold. NotFound when the snapshot is not held.
Result<Hold> ReadHold(const Repository& repo, const Id& snapshot);
// Releases a hold (deletes its file). NotFound when not held;
// PermissionDenied in an append-only session.
Status RemoveHold(const Repository& repo, const Id& snapshot);
// Every hold, sorted by snapshot id. Files that do not verify are listed
// with `damage` set; files whose names are not snapshot ids are skipped.
Result<std::vector<Hold>> ListHolds(const Repository& repo);

}  // namespace tidemark
