// Thin, exception-free wrappers over OpenSSL (SHA-256, HMAC-SHA-256) and
// libsodium (XChaCha20-Poly1305, Argon2id, Ed25519, randomness).
// See docs/FORMAT.md §3 "Cryptography" for how the repository uses them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace tidemark {

inline constexpr size_t kHashSize = 32;       // SHA-256 / HMAC-SHA-256 output
inline constexpr size_t kAeadKeySize = 32;    // XChaCha20-Poly1305 key
inline constexpr size_t kAeadNonceSize = 24;  // XChaCha20-Poly1305 nonce
inline constexpr size_t kAeadTagSize = 16;    // Poly1305 tag
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;
inline constexpr size_t kSignSeedSize = 32;  // Ed25519 seed
inline constexpr size_t kSignPublicKeySize = 32;
inline constexpr size_t kSignatureSize = 64;

// Must be called once before any other function here (idempotent,
// thread-safe). Fails only if libsodium cannot initialise.
Status CryptoInit();

// Cryptographically secure random bytes.
std::string RandomBytes(size_t n);

// SHA-256 of data (32 raw bytes).
std::string Sha256(std::string_view data);

// MD5 of data (16 raw bytes). Not for security: only to compare with an S3
// ETag, which is the MD5 of a single-part object.
std::string Md5(std::string_view data);

// Standard base64 with padding (RFC 4648 §4), e.g. for S3's Content-MD5.
std::string Base64(std::string_view data);

// Incremental SHA-256 for data that arrives in pieces.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  std::string Finish();  // 32 raw bytes; the hasher may not be used after

 private:
  void* ctx_;  // EVP_MD_CTX*
};

// HMAC-SHA-256(key, data), 32 raw bytes. key may be any length.
std::string HmacSha256(std::string_view key, std::string_view data);

// SipHash-2-4 (libsodium crypto_shorthash) of data under a kShortHashKeySize
// key, as the little-endian uint64 of its 8 output bytes. Fast keyed hash for
// content-defined boundaries (docs/format/tree.md), not for integrity.
// REQUIRES: key.size() == kShortHashKeySize.
inline constexpr size_t kShortHashKeySize = 16;
uint64_t ShortHash(std::string_view key, std::string_view data);

// XChaCha20-Poly1305 (IETF). Seal returns nonce(24) || ciphertext || tag(16),
// with a fresh random nonce. key must be kAeadKeySize bytes.
std::string AeadSeal(std::string_view key, std::string_view plaintext, std::string_view aad);
// Opens what AeadSeal produced. Corruption("authentication failed") when the
// tag does not verify (wrong key, wrong aad, or changed bytes), or
// Corruption("too short") when sealed is shorter than kAeadOverhead.
Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad);

// Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13). salt is 16 bytes.
// InvalidArgument if the limits are outside libsodium's accepted range;
// IOError if memory cannot be allocated.
struct KdfParams {
  uint64_t opslimit = 3;
  uint64_t memlimit = 64ull << 20;  // bytes
};
inline constexpr size_t kKdfSaltSize = 16;
Result<std::string> DeriveKey(std::string_view password, std::string_view salt,
                              const KdfParams& params, size_t key_len);
// The accepted range of KdfParams, to validate untrusted key files.
bool KdfParamsValid(const KdfParams& params);

// Ed25519.
struct SignKeyPair {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes (libsodium layout: seed || public)
};
Result<SignKeyPair> SignKeyPairFromSeed(std::string_view seed);
std::string Sign(const SignKeyPair& kp, std::string_view message);  // 64 bytes
bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature);

// Constant-time comparison.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace tidemark
