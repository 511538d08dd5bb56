// The repository config (docs/FORMAT.md §5).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "repo/format.h"

namespace tidemark {

struct RepoConfig {
  uint32_t version = format::kRepoVersion;
  std::string repo_id;  // 16 raw bytes
  uint64_t created_us = 0;
  int compression_level = format::kDefaultCompressionLevel;
  uint32_t pack_target = format::kDefaultPackTarget;
  uint32_t chunker_min = 512u << 10, chunker_avg = 1u << 20, chunker_max = 8u << 20;
  uint32_t tree_min = 512, tree_avg = 4096, tree_max = 16384;
  std::string sign_public_key;  // 32 bytes
  uint32_t flags = 0;
  // With flags bit 1 (kConfigFlagObjectLock): every content file is written
  // locked in this mode for this many days (FORMAT.md §5.2).
  uint8_t lock_mode = 0;  // 1 governance, 2 compliance
  uint32_t lock_days = 0;

  bool object_lock() const { return (flags & format::kConfigFlagObjectLock) != 0; }

  // Checks ranges and orderings (min <= avg <= max). InvalidArgument naming the field.
  Status Validate() const;

  // Encrypts the body under data_key.
  std::string Encode(std::string_view data_key) const;
  // Decodes and authenticates. Corruption names the offset/field or the
  // failed tag; Unsupported when the version is newer than this build reads.
  static Result<RepoConfig> Decode(std::string_view data, std::string_view data_key);
  // The plaintext header only (magic, version, repo id); no key needed.
  static Result<RepoConfig> DecodeHeader(std::string_view data);
  // Decodes a decrypted body (exposed for fuzzing).
  // REQUIRES: cfg came from DecodeHeader (its repo_id is validated too).
  static Status DecodeBody(std::string_view body, RepoConfig* cfg);
};

}  // namespace tidemark
