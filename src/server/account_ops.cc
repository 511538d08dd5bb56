#include "server/account_ops.h"

#include <algorithm>

#include "crypto/password_hash.h"

namespace tidemark {
namespace {

// Runs one change of the accounts with its ledger entry.
Status Change(const Repository& repo, const ActionLog& log, const std::string& action,
              const std::string& name, std::vector<std::string> extra_targets,
              const std::function<Status(AccountsDoc*)>& change) {
  TM_RETURN_IF_ERROR(log.Preflight());
  std::vector<std::string> targets = {"account " + name};
  for (std::string& t : extra_targets) targets.push_back(std::move(t));
  auto written = UpdateAccounts(repo, change);
  if (!written.ok()) {
    (void)log.Record(action, LedgerFailureOutcome(written.status()), targets, {},
                     written.status().message());
    return written.status();
  }
  return log.Record(action, "ok", targets,
                    {{"generation", static_cast<int64_t>(written->generation)}});
}

Status Unknown(const std::string& name) {
  return Status::NotFound("no account " + name + "; `tidemark user list` lists them");
}

}  // namespace

Result<Account> AddUser(const Repository& repo, const ActionLog& log, const std::string& name,
                        const Grant& grant) {
  TM_RETURN_IF_ERROR(CheckAccountName(name));
  if (grant.sources.size() > kMaxAccountSources) {
    return Status::InvalidArgument("an account may name at most 256 sources");
  }
  Account account;
  account.name = name;
  account.grant = grant;
  for (const std::string& s : grant.sources) TM_RETURN_IF_ERROR(CheckSourceName(s));
  std::sort(account.grant.sources.begin(), account.grant.sources.end());
  account.grant.sources.erase(
      std::unique(account.grant.sources.begin(), account.grant.sources.end()),
      account.grant.sources.end());
  account.created_us = repo.clock()->NowMicros();
  std::vector<std::string> targets = {std::string("role ") + RoleName(grant.role)};
  for (const std::string& s : account.grant.sources) targets.push_back("source " + s);
  TM_RETURN_IF_ERROR(Change(repo, log, "user add", name, targets, [&](AccountsDoc* doc) {
    if (doc->Find(name) != nullptr) {
      return Status::AlreadyExists("account " + name +
                                   " exists; `tidemark user remove` it first to change its role");
    }
    doc->accounts.push_back(account);
    return Status::OK();
  }));
  return account;
}

Status RemoveUser(const Repository& repo, const ActionLog& log, const std::string& name) {
  TM_RETURN_IF_ERROR(CheckAccountName(name));
  return Change(repo, log, "user remove", name, {}, [&](AccountsDoc* doc) {
    auto it = std::find_if(doc->accounts.begin(), doc->accounts.end(),
                           [&](const Account& a) { return a.name == name; });
    if (it == doc->accounts.end()) return Unknown(name);
    doc->accounts.erase(it);
    return Status::OK();
  });
}

Status SetUserPassword(const Repository& repo, const ActionLog& log, const std::string& name,
                       const std::string& password, const KdfParams& cost) {
  TM_RETURN_IF_ERROR(CheckAccountName(name));
  if (password.empty() || password.size() > kMaxLoginPassword) {
    return Status::InvalidArgument("a login password has 1 to 1024 bytes");
  }
  TM_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, cost));
  return Change(repo, log, "user passwd", name, {}, [&](AccountsDoc* doc) {
    Account* a = doc->Find(name);
    if (a == nullptr) return Unknown(name);
    a->password_hash = hash;
    return Status::OK();
  });
}

Result<NewToken> CreateToken(const Repository& repo, const ActionLog& log,
                             const std::string& name) {
  TM_RETURN_IF_ERROR(CheckAccountName(name));
  NewToken token = MakeToken(TokenKey(repo), repo.clock()->NowMicros());
  TM_RETURN_IF_ERROR(
      Change(repo, log, "token create", name, {"token " + token.record.id}, [&](AccountsDoc* doc) {
        Account* a = doc->Find(name);
        if (a == nullptr) return Unknown(name);
        if (a->tokens.size() >= kMaxTokensPerAccount) {
          return Status::Refused("account " + name +
                                 " has 32 tokens; `tidemark token revoke` one first");
        }
        a->tokens.push_back(token.record);
        return Status::OK();
      }));
  return token;
}

Status RevokeToken(const Repository& repo, const ActionLog& log, const std::string& name,
                   const std::string& token_id) {
  TM_RETURN_IF_ERROR(CheckAccountName(name));
  return Change(repo, log, "token revoke", name, {"token " + token_id}, [&](AccountsDoc* doc) {
    Account* a = doc->Find(name);
    if (a == nullptr) return Unknown(name);
    auto it = std::find_if(a->tokens.begin(), a->tokens.end(),
                           [&](const TokenRecord& t) { return t.id == token_id; });
    if (it == a->tokens.end()) {
      return Status::NotFound("account " + name + " has no token " + token_id +
                              "; `tidemark user list` shows its token ids");
    }
    a->tokens.erase(it);
    return Status::OK();
  });
}

}  // namespace tidemark
