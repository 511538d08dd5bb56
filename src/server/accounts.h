// Accounts of `tidemark serve` (docs/format/accounts.md): users with a
// role, an optional scope, an optional login password (Argon2id) and API
// tokens stored as keyed hashes. They live in the repository, in one signed,
// encrypted document per generation (accounts/<generation>), so that roles
// travel with the data and nobody who can write a server's own folders can
// grant himself a role: only a holder of the repository key can.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "repo/repository.h"
#include "server/roles.h"

namespace tidemark {

// Limits of accounts.md §2.
inline constexpr size_t kMaxAccounts = 1000;
inline constexpr size_t kMaxAccountName = 64;
inline constexpr size_t kMaxAccountSources = 256;
inline constexpr size_t kMaxSourceName = 255;
inline constexpr size_t kMaxTokensPerAccount = 32;
inline constexpr size_t kMaxPasswordHash = 255;
inline constexpr size_t kTokenIdSize = 12;    // hex digits
inline constexpr size_t kTokenHashSize = 32;  // HMAC-SHA-256

struct TokenRecord {
  std::string id;    // 12 hex digits, shown by `user list`, never secret
  std::string hash;  // TokenHash of the secret (32 bytes)
  int64_t created_us = 0;
};

struct Account {
  std::string name;
  Grant grant;
  std::string password_hash;  // HashPassword's string; "" = no login password
  int64_t created_us = 0;
  std::vector<TokenRecord> tokens;
};

struct AccountsDoc {
  uint64_t generation = 0;        // 0: no document yet (no accounts)
  int64_t time_us = 0;            // when this generation was written
  std::vector<Account> accounts;  // sorted by name, names unique

  const Account* Find(std::string_view name) const;
  Account* Find(std::string_view name);
};

// InvalidArgument saying what a name may hold: 1-64 of A-Z a-z 0-9 . _ - @,
// starting with a letter or digit.
Status CheckAccountName(std::string_view name);
// A source name in a grant: 1-255 bytes, no control characters.
Status CheckSourceName(std::string_view name);

// Payload codec (accounts.md §2), exposed for tests and fuzzing. Decode
// checks every limit, the order and uniqueness of names, and the roles.
std::string EncodeAccounts(const AccountsDoc& doc);
Result<AccountsDoc> DecodeAccounts(std::string_view payload, std::string_view what);

// "00000000000000000042".
std::string AccountsFileName(uint64_t generation);

// The newest generation (an empty document, generation 0, when there is
// none). Corruption when the newest generation does not verify: accounts
// fail closed, an older generation is never used instead.
Result<AccountsDoc> LoadAccounts(const Repository& repo);

// The newest generation's number (0 when there is none): one listing,
// nothing decrypted. A server calls it to see whether to reload.
Result<uint64_t> NewestAccountsGeneration(const Repository& repo);

// Reads the newest generation, applies `change` and writes the next one
// with an exclusive create; a writer that lost the race to another reads
// again and retries (Refused after a few lost races). Older generations are
// removed afterwards, except in append-only mode. Returns what was written.
// An error from `change` is returned as is and nothing is written.
Result<AccountsDoc> UpdateAccounts(const Repository& repo,
                                   const std::function<Status(AccountsDoc*)>& change);

// Tokens: "tm_" + 64 hex digits (32 random bytes). A token is stored as
// HMAC-SHA-256 under a key derived from the repository's id key, so a stored
// hash neither reveals a token nor can be tested offline without the key.
inline constexpr std::string_view kTokenPrefix = "tm_";
std::string TokenKey(const Repository& repo);
std::string TokenHash(std::string_view token_key, std::string_view token);
// True when `token` has the form of a token (prefix, 64 lower-case hex).
bool LooksLikeToken(std::string_view token);

struct NewToken {
  std::string token;  // the secret, shown once
  TokenRecord record;
};
NewToken MakeToken(std::string_view token_key, int64_t now_us);

}  // namespace tidemark
