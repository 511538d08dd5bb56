// The accounts a running server answers with: read from the repository at
// start and again whenever a newer generation appears (checked at most once
// per refresh interval), so `tidemark user` and `tidemark token` changes
// reach a running server without a restart. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "repo/repository.h"
#include "server/accounts.h"

namespace tidemark {

class AccountCache {
 public:
  // `now_ms` is a monotonic clock in milliseconds (tests pass their own);
  // `repo` must outlive the cache.
  AccountCache(const Repository* repo, int64_t refresh_ms, std::function<int64_t()> now_ms);

  // Reads the accounts now. Corruption when the newest generation does not
  // verify (the cache then accepts no token until it does).
  Status Load();

  // The account whose token this is: NotFound for a token no account holds
  // (or one not of the token form); the load error while the accounts do
  // not verify.
  Result<Account> Authenticate(const std::string& token);

  // The account of that name (for password logins), NotFound when none.
  Result<Account> Find(const std::string& name);

 private:
  Status RefreshIfDue();  // REQUIRES: mu_ held
  Status LoadLocked();    // REQUIRES: mu_ held

  const Repository* repo_;
  const int64_t refresh_ms_;
  std::function<int64_t()> now_ms_;
  const std::string token_key_;
  std::mutex mu_;
  AccountsDoc doc_;                             // guarded by mu_
  std::map<std::string, std::string> by_hash_;  // token hash -> account name; guarded by mu_
  Status error_;                                // guarded by mu_: the last load's failure
  int64_t checked_ms_ = 0;                      // guarded by mu_
};

}  // namespace tidemark
