#include "crypto/password_hash.h"

#include <sodium.h>

namespace tidemark {

size_t MaxPasswordHashSize() { return crypto_pwhash_STRBYTES - 1; }

Result<std::string> HashPassword(std::string_view password, const KdfParams& params) {
  TM_RETURN_IF_ERROR(CryptoInit());
  if (!KdfParamsValid(params)) {
    return Status::InvalidArgument("Argon2id cost outside the accepted range");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.opslimit, params.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::IOError("Argon2id: out of memory hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!CryptoInit().ok() || hash.empty() || hash.size() > MaxPasswordHashSize()) return false;
  const std::string z(hash);  // NUL-terminated for libsodium
  return crypto_pwhash_str_verify(z.c_str(), password.data(), password.size()) == 0;
}

}  // namespace tidemark
