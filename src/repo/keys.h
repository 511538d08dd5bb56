// Master keys and key files (docs/FORMAT.md §3, §4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/crypto.h"

namespace tidemark {

// The repository's secret keys; made once at init.
struct MasterKeys {
  std::string data_key;   // 32 bytes: AEAD key
  std::string id_key;     // 32 bytes: HMAC key for blob ids
  std::string sign_seed;  // 32 bytes: Ed25519 seed
  SignKeyPair sign;       // derived from sign_seed

  static MasterKeys Generate();
  std::string Encode() const;
  static Result<MasterKeys> Decode(std::string_view plain);
};

// One key slot: the master keys wrapped under a password.
struct KeyFile {
  std::string id;  // hex of 16 random bytes; the file name
  uint64_t created_us = 0;
  uint32_t flags = 0;
  std::string host, user;
  KdfParams kdf;
  std::string salt;     // 16 bytes
  std::string check;    // 8 bytes, see FORMAT.md §4
  std::string wrapped;  // sealed master keys

  // Wraps keys under password with fresh salt. Slow (Argon2id).
  static Result<KeyFile> Create(const MasterKeys& keys, std::string_view password,
                                const KdfParams& kdf, uint64_t created_us, std::string host,
                                std::string user);
  std::string Encode() const;
  // Parses a key file's bytes; verifies magic, limits and checksum. `name` is
  // the file name, used as the id and in messages.
  static Result<KeyFile> Decode(std::string_view name, std::string_view data);

  // PermissionDenied when the password is wrong; Corruption when the password
  // is right but the wrapped keys fail to authenticate.
  Result<MasterKeys> Unwrap(std::string_view password) const;
};

}  // namespace tidemark
