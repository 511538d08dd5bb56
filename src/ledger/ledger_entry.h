// One entry of the audit ledger: its content, its byte format and the checks
// a reader makes. See ../../docs/FORMAT.md §10 "Ledger" for the grammar;
// every limit below is stated there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "repo/id.h"
#include "repo/keys.h"

namespace tidemark {

namespace format {
// Limits of FORMAT.md §10.
inline constexpr size_t kMaxLedgerBodySealed = 1u << 20;  // body_sealed: str(1 MiB)
inline constexpr size_t kMaxLedgerActor = 255;
inline constexpr size_t kMaxLedgerAction = 64;
inline constexpr size_t kMaxLedgerOutcome = 64;
inline constexpr uint64_t kMaxLedgerArgs = 256;
inline constexpr size_t kMaxLedgerArgKey = 64;
inline constexpr size_t kMaxLedgerArgValue = 4096;
inline constexpr uint64_t kMaxLedgerTargets = 4096;
inline constexpr size_t kMaxLedgerTarget = 4096;
inline constexpr uint64_t kMaxLedgerCounts = 256;
inline constexpr size_t kMaxLedgerCountKey = 64;
inline constexpr size_t kLedgerNameDigits = 20;  // ledger/<seq>, zero-padded decimal
// magic + seq + prev_hash + varint(1 MiB) (3 bytes) + 1 MiB + signature.
inline constexpr size_t kMaxLedgerEntrySize = 8 + 8 + 32 + 3 + kMaxLedgerBodySealed + 64;
}  // namespace format

// What happened: the decrypted body of an entry, without its time.
struct LedgerRecord {
  std::string actor;    // "user@host"; Ledger::Append fills it in when empty
  std::string action;   // "backup", "key add", "prune", …
  std::string outcome;  // "ok", "failed: …"
  std::vector<std::pair<std::string, std::string>> args;  // options, in order
  std::vector<std::string> targets;                       // paths, snapshot ids, …
  std::vector<std::pair<std::string, int64_t>> counts;    // "files": 120, …

  bool operator==(const LedgerRecord&) const = default;
};

// A decoded (or about to be encoded) entry.
struct LedgerEntry {
  uint64_t seq = 0;
  int64_t time_us = 0;  // microseconds since the Unix epoch, UTC
  Id prev_hash;         // hash of entry seq-1; zero for seq 1
  Id hash;              // SHA-256 of the whole entry file (set by Decode)
  LedgerRecord record;
};

// The decrypted body (time + record), as DecodeLedgerBody returns it.
struct LedgerBody {
  int64_t time_us = 0;
  LedgerRecord record;
};

// "00000000000000000042" for 42.
std::string LedgerEntryName(uint64_t seq);
// True and *seq set iff name is exactly 20 decimal digits whose value fits
// in a uint64_t. Seq 0 parses (as 0) but is never a valid entry.
bool ParseLedgerEntryName(std::string_view name, uint64_t* seq);

// InvalidArgument naming the field when a string or list of rec exceeds a
// limit of §10.
Status CheckLedgerRecord(const LedgerRecord& rec);

// Makes rec fit the limits of §10 instead of failing: truncates strings at a
// UTF-8 character boundary and drops list items past the limits (the last
// kept target then says how many were dropped).
void FitLedgerRecord(LedgerRecord* rec);

// The plaintext body (time + record). REQUIRES: CheckLedgerRecord(rec).ok().
std::string EncodeLedgerBody(int64_t time_us, const LedgerRecord& rec);

// The complete file of entry.seq: seals the body under keys.data_key and signs
// with keys.sign. entry.hash is ignored (it is SHA-256 of the result).
// InvalidArgument when seq is 0, seq 1 has a non-zero prev_hash, a limit of
// CheckLedgerRecord is exceeded, or the sealed body is larger than 1 MiB.
Result<std::string> EncodeLedgerEntry(const LedgerEntry& entry, const MasterKeys& keys);

// Decodes and verifies the file stored as ledger/<name>: the name, magic,
// seq (must equal the name), prev_hash (zero exactly for seq 1), lengths and
// limits, no trailing bytes, the signature under sign_public_key, the body's
// AEAD tag under keys.data_key, and the body. Does not check the link to the
// previous entry (the caller knows its hash). Every failure is Corruption
// naming "ledger entry <seq>", the offset and the field or check. Never reads
// outside `file`.
Result<LedgerEntry> DecodeLedgerEntry(std::string_view name, std::string_view file,
                                      const MasterKeys& keys, std::string_view sign_public_key);

// Decodes a decrypted body; needs no keys (exposed for fuzzing). Corruption
// naming `what`, the offset and the field.
Result<LedgerBody> DecodeLedgerBody(std::string_view plain, std::string_view what);

}  // namespace tidemark
