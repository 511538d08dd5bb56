// Password hashes for logins (libsodium crypto_pwhash_str, Argon2id): a
// self-describing string "$argon2id$v=19$m=...,t=...,p=1$salt$hash" that
// holds its own salt and cost, so a hash made at one cost still verifies
// after the default changes.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/crypto.h"

namespace tidemark {

// The longest string HashPassword returns (crypto_pwhash_STRBYTES - 1).
size_t MaxPasswordHashSize();

// InvalidArgument when `params` is outside libsodium's accepted range;
// IOError when the memory cannot be allocated.
Result<std::string> HashPassword(std::string_view password, const KdfParams& params);

// True when `hash` (HashPassword's output) accepts `password`; false for a
// wrong password or a string that is not such a hash.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace tidemark
