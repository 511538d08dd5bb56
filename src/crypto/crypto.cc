#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

namespace tidemark {

Status CryptoInit() {
  static Status status = [] {
    if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
    return Status::OK();
  }();
  return status;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Md5(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Base64(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Sha256Hasher::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

uint64_t ShortHash(std::string_view key, std::string_view data) {
  static_assert(crypto_shorthash_KEYBYTES == kShortHashKeySize && crypto_shorthash_BYTES == 8);
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                   reinterpret_cast<const unsigned char*>(key.data()));
  uint64_t h = 0;
  for (int i = 7; i >= 0; i--) h = (h << 8) | out[i];
  return h;
}

std::string AeadSeal(std::string_view key, std::string_view plaintext, std::string_view aad) {
  std::string out(kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, kAeadNonceSize);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kAeadNonceSize, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr,
      nonce, reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

Result<std::string> AeadOpen(std::string_view key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kAeadOverhead) return Status::Corruption("too short to be encrypted data");
  if (key.size() != kAeadKeySize) return Status::Internal("AEAD key has the wrong size");
  std::string out(sealed.size() - kAeadOverhead, '\0');
  unsigned long long mlen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, nonce + kAeadNonceSize,
          sealed.size() - kAeadNonceSize, reinterpret_cast<const unsigned char*>(aad.data()),
          aad.size(), nonce, reinterpret_cast<const unsigned char*>(key.data())) != 0) {
    return Status::Corruption("authentication failed");
  }
  out.resize(mlen);
  return out;
}

bool KdfParamsValid(const KdfParams& p) {
  return p.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
         p.opslimit <= 100 &&  // tidemark's own cap: ~1 minute at 256 MiB
         p.memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
         p.memlimit <= (4ull << 30);  // tidemark's own cap: 4 GiB
}

Result<std::string> DeriveKey(std::string_view password, std::string_view salt,
                              const KdfParams& params, size_t key_len) {
  if (!KdfParamsValid(params)) {
    return Status::InvalidArgument("Argon2id parameters out of range: opslimit " +
                                   std::to_string(params.opslimit) + ", memlimit " +
                                   std::to_string(params.memlimit));
  }
  if (salt.size() != kKdfSaltSize) return Status::InvalidArgument("KDF salt must be 16 bytes");
  std::string key(key_len, '\0');
  if (crypto_pwhash(reinterpret_cast<unsigned char*>(key.data()), key_len, password.data(),
                    password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                    params.opslimit, params.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::IOError("Argon2id could not allocate " + std::to_string(params.memlimit >> 20) +
                           " MiB of memory");
  }
  return key;
}

Result<SignKeyPair> SignKeyPairFromSeed(std::string_view seed) {
  if (seed.size() != kSignSeedSize) return Status::InvalidArgument("Ed25519 seed must be 32 bytes");
  SignKeyPair kp;
  kp.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  kp.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(kp.public_key.data()),
                           reinterpret_cast<unsigned char*>(kp.secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return kp;
}

std::string Sign(const SignKeyPair& kp, std::string_view message) {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(kp.secret_key.data()));
  return sig;
}

bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tidemark
