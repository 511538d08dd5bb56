// Changing accounts (docs/guide/serve.md#accounts): the use cases behind
// `tidemark user` and `tidemark token`, for every front end. Each checks
// that the ledger would accept an entry first, writes the next accounts
// generation, and records one ledger entry ("user add", "user remove",
// "user passwd", "token create", "token revoke"; target "account NAME"),
// also when it refuses.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/crypto.h"
#include "ledger/action_log.h"
#include "repo/repository.h"
#include "server/accounts.h"

namespace tidemark {

// AlreadyExists when the name is taken; InvalidArgument for a bad name or
// source name.
Result<Account> AddUser(const Repository& repo, const ActionLog& log, const std::string& name,
                        const Grant& grant);
// NotFound for an unknown name.
Status RemoveUser(const Repository& repo, const ActionLog& log, const std::string& name);
// Sets the login password (Argon2id at `cost`); InvalidArgument for an
// empty password or one over 1024 bytes.
Status SetUserPassword(const Repository& repo, const ActionLog& log, const std::string& name,
                       const std::string& password, const KdfParams& cost);
// A new token for the account: the secret is in the result only, the
// accounts keep its keyed hash. Refused when the account has 32 tokens.
Result<NewToken> CreateToken(const Repository& repo, const ActionLog& log, const std::string& name);
// NotFound for an unknown account or token id.
Status RevokeToken(const Repository& repo, const ActionLog& log, const std::string& name,
                   const std::string& token_id);

inline constexpr size_t kMaxLoginPassword = 1024;

}  // namespace tidemark
