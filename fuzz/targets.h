// Fuzz targets: one per group of decoders of untrusted bytes (STYLE.md, "a
// fuzz target for every decoder"). See README.md in this folder.
//
// An input is a selector byte followed by a payload. The selector picks one
// of the target's modes (data[0] % modes.size()); a mode hands the payload to
// one decoder, either the outer file decoder or the plaintext decoder behind
// the AEAD, so the fuzzer can explore both. Encrypted files use the fixed
// keys of FuzzKeys(), so stored seeds made with them get past the tags.
//
// Every accepted input must also satisfy the properties a mode checks (a
// re-encode decodes to the same value, a rejection is a Corruption, …); a
// violated property aborts, which libFuzzer reports as a crash and the
// replay test as a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "repo/id.h"
#include "repo/keys.h"

// libFuzzer entry points (fuzz_main.cc calls the one TIDEMARK_FUZZ_TARGET
// names). Run one input; always return 0.
int Fuzz_pack_header(const uint8_t* data, size_t size);
int Fuzz_index(const uint8_t* data, size_t size);
int Fuzz_keyfile(const uint8_t* data, size_t size);
int Fuzz_config(const uint8_t* data, size_t size);
int Fuzz_ledger_entry(const uint8_t* data, size_t size);
int Fuzz_blob(const uint8_t* data, size_t size);
int Fuzz_records(const uint8_t* data, size_t size);
int Fuzz_snapshot(const uint8_t* data, size_t size);
int Fuzz_tree_node(const uint8_t* data, size_t size);
int Fuzz_json(const uint8_t* data, size_t size);
int Fuzz_pg_binary(const uint8_t* data, size_t size);

// Aborts when a property of an accepted input does not hold: libFuzzer
// reports the abort as a crash, and the replay test dies with the message.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace tidemark::fuzz {

// The json target's modes (json_target.cc).
bool JsonDocument(std::string_view payload);
bool JsonQuote(std::string_view payload);
// DrillReportFromJson (ops/drill_report.h), then its writer and renderers.
bool DrillReportMode(std::string_view payload);
// ParseConfig (config/config.h): tidemark.toml.
bool TomlConfigMode(std::string_view payload);

// The pg_binary target's modes (pg_target.cc): BinaryCopyDecoder over the
// columns of PgFuzzColumnOids() (PgTypeCatalog::BuiltinRows() and 90001
// public.mood (enum), 90002 its array, 90003 public.posint (domain over
// int4), 90004 its array), and DecodeBinaryField.
bool PgBinaryStreamMode(std::string_view payload);
bool PgBinaryFieldMode(std::string_view payload);
const std::vector<uint32_t>& PgFuzzColumnOids();

struct FuzzMode {
  const char* name;  // "plain", "file", …: the seed files' middle word
  // True iff the decoder accepted the payload. Aborts when an accepted
  // payload violates a property of the mode.
  bool (*decode)(std::string_view payload);
};

// What one input did.
struct Outcome {
  int mode = -1;  // index into FuzzTarget::modes; -1 for an empty input
  bool decoded = false;
};

struct FuzzTarget {
  const char* name;  // fuzz_<name>, fuzz/corpus/<name>/
  std::vector<FuzzMode> modes;

  // Runs input (selector byte + payload) through the mode it selects.
  Outcome Run(std::string_view input) const;
};

// Every target, in the order of CMakeLists.txt.
const std::vector<FuzzTarget>& Targets();
// REQUIRES: name is one of Targets().
const FuzzTarget& Target(std::string_view name);
// The index of mode `name` in target.modes. REQUIRES: it exists.
uint8_t ModeIndex(const FuzzTarget& target, std::string_view mode);

// Fixed master keys: data_key = 32 x 0x11, id_key = 32 x 0x22,
// sign_seed = 32 x 0x33. Initialises the crypto library on first use.
const MasterKeys& FuzzKeys();

// AeadSeal with a nonce derived from aad and plain (SHA-256, first 24
// bytes), so that sealing is deterministic: for building inputs inside a
// target and for reproducible seeds. Never use outside tests: a nonce that
// repeats for equal plaintexts leaks their equality.
std::string SealDeterministic(std::string_view key, std::string_view plain, std::string_view aad);

// Associated data of FORMAT.md §3, rebuilt here to seal payloads.
std::string ConfigAad(uint32_t version, std::string_view repo_id);
std::string LedgerAad(uint64_t seq, const Id& prev_hash);
std::string BlobAad(const Id& id);
std::string SnapshotAad(const Id& id);  // snapshot.md §1

// Payload layouts that are not a single decoder's bytes:
//   pack_header "sealed": u16 blob_bytes | header plaintext. The target builds
//     a pack of blob_bytes zeros, the sealed header and the trailer.
//   blob "plain"/"sealed": u32 raw_len | blob id (32) | payload or sealed blob.
//   snapshot "file": snapshot id (32) | snapshot file (the id is the file name).
//   snapshot "sealed": snapshot id (32) | plaintext of the sealed part (a
//     manifest str and its signature); the target seals it under that id.
std::string PackSealedPayload(uint16_t blob_bytes, std::string_view header_plain);
std::string BlobPayload(uint32_t raw_len, const Id& id, std::string_view rest);

// The magic of a snapshot file (snapshot.md §1).
inline constexpr std::string_view kSnapshotMagic = "TMSNAP01";

// The fixed repo id (16 x 0x44) of config "body" and "sealed" inputs.
inline constexpr std::string_view kFuzzRepoId = "DDDDDDDDDDDDDDDD";
// The key file name (its id) of keyfile "keyfile" inputs.
inline constexpr std::string_view kFuzzKeyName = "00112233445566778899aabbccddeeff";
// The lock file name of blob "lock-file" and "lock-body" inputs.
inline constexpr std::string_view kFuzzLockName =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace tidemark::fuzz
