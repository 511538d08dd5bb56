// Repository: an opened, authenticated repository (docs/FORMAT.md §2-§5).
// Holds the master keys and the config; reads and writes key slots.
// Thread-safe after Open/Init (all state is immutable but the backend,
// which is itself thread-safe).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "repo/config.h"
#include "repo/keys.h"
#include "storage/backend.h"

namespace tidemark {

struct InitOptions {
  KdfParams kdf;
  int compression_level = format::kDefaultCompressionLevel;
  uint32_t pack_target = format::kDefaultPackTarget;
  std::string host;  // recorded in the first key file
  std::string user;
  bool append_only = false;  // config flag bit 0 (FORMAT.md §5): nothing is ever deleted
  // Object Lock (config flag bit 1, FORMAT.md §5.2): every content file is
  // written locked for lock_days. Needs storage with Object Lock (S3).
  LockMode lock_mode = LockMode::kNone;
  uint32_t lock_days = 0;
};

// Who is acting, for key files and the ledger: TIDEMARK_ACTOR if set, else
// the OS user; and this machine's host name.
std::string CurrentUser();
std::string CurrentHost();

class Repository {
 public:
  // Creates a repository in an empty backend: master keys, one key slot
  // under password, and the config. AlreadyExists if a config is present.
  // `backend` and `clock` must outlive the repository.
  static Result<std::unique_ptr<Repository>> Init(Backend* backend, std::string_view password,
                                                  const InitOptions& options,
                                                  const Clock* clock = Clock::Real());

  // Opens with any key slot that accepts password. NotFound when there is
  // no repository; PermissionDenied when no key slot accepts the password;
  // Corruption when the key or config files are damaged; Unsupported for a
  // newer format version.
  static Result<std::unique_ptr<Repository>> Open(Backend* backend, std::string_view password,
                                                  const Clock* clock = Clock::Real());

  // The backend to use. For an append-only repository or key this is a
  // guard that refuses (PermissionDenied) every Remove and turns every
  // overwrite into an exclusive create, except for locks (FORMAT.md §5).
  Backend* backend() const { return guard_ ? guard_.get() : backend_; }
  const Clock* clock() const { return clock_; }
  const MasterKeys& keys() const { return keys_; }
  const RepoConfig& config() const { return config_; }
  std::string id_hex() const;
  // The key slot this process opened the repository with.
  const std::string& key_id() const { return key_id_; }

  // Append-only mode: the config (FORMAT.md §5) or the key slot in use
  // (§4) has flag bit 0. Such a session may add but never delete or rewrite.
  bool append_only() const;
  // Why append-only mode is on ("repository" / "key 1a2b3c4d"), "" when off.
  std::string append_only_source() const;
  // OK unless append-only; then PermissionDenied saying that `action`
  // ("forget", "prune", …) would delete or rewrite and is refused.
  Status CheckMayDelete(std::string_view action) const;

  // Key slots. ListKeys skips nothing: a damaged key file is an error.
  Result<std::vector<KeyFile>> ListKeys() const;
  // Adds a slot wrapping the master keys under password. `flags` are key
  // flags (format::kKeyFlagAppendOnly). An append-only session can only add
  // append-only keys: the flag is forced on, never escalated away.
  Result<KeyFile> AddKey(std::string_view password, const KdfParams& kdf, uint32_t flags = 0) const;
  // Refuses (Refused) to remove the last key or the key in use; NotFound for
  // an unknown id; PermissionDenied when append-only. `id` may be a unique
  // prefix.
  Status RemoveKey(std::string_view id) const;
  // Replaces the current key slot by one under new_password: writes the new
  // slot first, then removes the old, so a crash leaves both, never none.
  // PermissionDenied when append-only (the old slot would be deleted).
  Result<KeyFile> ChangePassword(std::string_view new_password, const KdfParams& kdf);

  // Resolves a unique prefix of a key id.
  Result<std::string> ResolveKeyId(std::string_view prefix) const;

 private:
  Repository(Backend* backend, const Clock* clock) : backend_(backend), clock_(clock) {}
  void InstallGuard();  // sets guard_ when append_only()
  // Tells the storage to lock every content file (config flag bit 1).
  Status EnableObjectLock();
  Status OpenWithSlots(const std::vector<FileInfo>& slots, std::string_view password,
                       const std::string& config_bytes);

  Backend* const backend_;
  const Clock* const clock_;
  MasterKeys keys_;
  RepoConfig config_;
  std::string key_id_;
  uint32_t key_flags_ = 0;          // flags of the key slot in use
  std::unique_ptr<Backend> guard_;  // append-only guard over backend_, or null
};

}  // namespace tidemark
