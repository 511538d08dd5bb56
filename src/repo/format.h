// Constants of the repository format. See ../../docs/FORMAT.md; every value
// here is specified there, and changing one is a format change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tidemark::format {

inline constexpr uint32_t kRepoVersion = 1;  // FORMAT.md §5

// Magics (8 bytes each).
inline constexpr std::string_view kKeyFileMagic = "TMKEY001";      // §4
inline constexpr std::string_view kConfigMagic = "TMCONF01";       // §5
inline constexpr std::string_view kPackMagic = "TMPACK01";         // §7
inline constexpr std::string_view kLockMagic = "TMLOCK01";         // §9
inline constexpr std::string_view kLedgerMagic = "TMLEDG01";       // §10
inline constexpr std::string_view kMasterKeysMagic = "TMMK";       // §3
inline constexpr std::string_view kHoldMagic = "TMHOLD01";         // format/holds.md
inline constexpr std::string_view kPruneMarkMagic = "TMPRUN01";    // format/prune.md
inline constexpr std::string_view kDrillReportMagic = "TMDRIL01";  // format/drills.md

// Associated data (§3).
inline constexpr std::string_view kAadBlob = "tidemark blob v1";
inline constexpr std::string_view kAadPackHeader = "tidemark pack header v1";
inline constexpr std::string_view kAadIndex = "tidemark index v1";
inline constexpr std::string_view kAadConfig = "tidemark config";
inline constexpr std::string_view kAadLock = "tidemark lock v1";
inline constexpr std::string_view kAadKey = "tidemark key v1";
inline constexpr std::string_view kAadLedger = "tidemark ledger v1";
inline constexpr std::string_view kAadHold = "tidemark hold v1";                 // format/holds.md
inline constexpr std::string_view kAadPruneMark = "tidemark prune mark v1";      // format/prune.md
inline constexpr std::string_view kAadDrillReport = "tidemark drill report v1";  // format/drills.md
inline constexpr std::string_view kPasswordCheckLabel = "tidemark password check";

// Limits decoders enforce.
inline constexpr size_t kMaxBlobSize = 64u << 20;                  // §6
inline constexpr size_t kMaxSealedBlobSize = kMaxBlobSize + 1024;  // §7
inline constexpr size_t kMinSealedBlobSize = 41;                   // 40 overhead + compression byte
inline constexpr uint64_t kMaxBlobsPerPack = 1000000;              // §7
inline constexpr uint64_t kMaxPacksPerIndex = 1000000;             // §8
inline constexpr size_t kPackTrailerSize = 12;                     // §7
inline constexpr uint32_t kMaxKeyFileBody = 4096;                  // §4
inline constexpr size_t kKeyCheckSize = 8;                         // §4
inline constexpr size_t kRepoIdSize = 16;                          // §5
inline constexpr size_t kKeyIdSize = 16;                           // §2
inline constexpr size_t kMasterKeysSize = 4 + 1 + 3 * 32;          // §3: 101
inline constexpr size_t kWrappedKeysSize = kMasterKeysSize + 40;   // §4: 141
inline constexpr uint32_t kKeyFlagAppendOnly = 1;                  // §4: bit 0, an append-only key
inline constexpr uint32_t kConfigFlagAppendOnly = 1;  // §5: bit 0, an append-only repository
inline constexpr uint32_t kKnownKeyFlags = kKeyFlagAppendOnly;
// §5: bit 1, Object Lock: the body ends with the lock mode and days.
inline constexpr uint32_t kConfigFlagObjectLock = 2;
inline constexpr uint32_t kKnownConfigFlags = kConfigFlagAppendOnly | kConfigFlagObjectLock;
inline constexpr uint32_t kMaxLockDays = 36500;  // §5: a retention of at most 100 years

// Blob compression byte (§6).
inline constexpr uint8_t kStored = 0;
inline constexpr uint8_t kZstd = 1;

// Defaults (§5).
inline constexpr int kDefaultCompressionLevel = 3;
inline constexpr uint32_t kDefaultPackTarget = 16u << 20;
inline constexpr uint32_t kMinPackTarget = 64u << 10;
inline constexpr uint32_t kMaxPackTarget = 256u << 20;

}  // namespace tidemark::format
