#include "server/account_cache.h"

namespace tidemark {

AccountCache::AccountCache(const Repository* repo, int64_t refresh_ms,
                           std::function<int64_t()> now_ms)
    : repo_(repo),
      refresh_ms_(refresh_ms),
      now_ms_(std::move(now_ms)),
      token_key_(TokenKey(*repo)) {}

Status AccountCache::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  return LoadLocked();
}

Status AccountCache::LoadLocked() {
  checked_ms_ = now_ms_();
  auto doc = LoadAccounts(*repo_);
  if (!doc.ok()) {
    // Fail closed on damage: no stale copy keeps a removed account alive.
    if (doc.status().IsCorruption()) {
      doc_ = AccountsDoc{};
      by_hash_.clear();
      error_ = doc.status();
    }
    return doc.status();
  }
  doc_ = std::move(*doc);
  by_hash_.clear();
  for (const Account& a : doc_.accounts) {
    for (const TokenRecord& t : a.tokens) by_hash_[t.hash] = a.name;
  }
  error_ = Status::OK();
  return Status::OK();
}

Status AccountCache::RefreshIfDue() {
  const int64_t now = now_ms_();
  if (now - checked_ms_ < refresh_ms_) return Status::OK();
  checked_ms_ = now;
  auto newest = NewestAccountsGeneration(*repo_);
  if (!newest.ok()) return Status::OK();  // storage hiccup: keep what verified last
  if (*newest == doc_.generation && error_.ok()) return Status::OK();
  Status s = LoadLocked();
  return s.IsCorruption() ? s : Status::OK();
}

Result<Account> AccountCache::Authenticate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  TM_RETURN_IF_ERROR(RefreshIfDue());
  if (!error_.ok()) return error_;
  if (!LooksLikeToken(token)) return Status::NotFound("not a tidemark token");
  auto it = by_hash_.find(TokenHash(token_key_, token));
  if (it == by_hash_.end()) return Status::NotFound("unknown or revoked token");
  const Account* a = doc_.Find(it->second);
  if (a == nullptr) return Status::NotFound("unknown or revoked token");
  return *a;
}

Result<Account> AccountCache::Find(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  TM_RETURN_IF_ERROR(RefreshIfDue());
  if (!error_.ok()) return error_;
  const Account* a = doc_.Find(name);
  if (a == nullptr) return Status::NotFound("no account " + name);
  return *a;
}

}  // namespace tidemark
