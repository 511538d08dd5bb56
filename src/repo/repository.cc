#include "repo/repository.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "base/hex.h"
#include "base/logging.h"
#include "crypto/crypto.h"
#include "repo/small_file.h"

namespace tidemark {

std::string CurrentUser() {
  if (const char* actor = getenv("TIDEMARK_ACTOR"); actor && *actor) return actor;
  if (const struct passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* user = getenv("USER"); user && *user) return user;
  return "uid" + std::to_string(geteuid());
}

std::string CurrentHost() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

std::string Repository::id_hex() const { return HexEncode(config_.repo_id); }

namespace {

// The append-only guard (FORMAT.md §5): files are only ever added. Locks
// are exempt: they are how concurrent processes coordinate, hold no data,
// and a lock that could not be released would wedge the repository.
class AppendOnlyBackend : public Backend {
 public:
  AppendOnlyBackend(Backend* inner, std::string why) : inner_(inner), why_(std::move(why)) {}
  Status Put(const FileHandle& h, std::string_view data, PutMode mode) override {
    if (h.kind == FileKind::kLock) return inner_->Put(h, data, mode);
    // Never replace an existing file: an overwrite becomes an exclusive create.
    Status s = inner_->Put(h, data, PutMode::kCreateExclusive);
    if (s.IsAlreadyExists() && mode == PutMode::kOverwrite) {
      return Status::PermissionDenied(h.ToString() + " exists and " + why_ +
                                      " is append-only: it is never overwritten");
    }
    return s;
  }
  Result<std::string> Get(const FileHandle& h, uint64_t offset, uint64_t length) override {
    return inner_->Get(h, offset, length);
  }
  Result<FileInfo> Stat(const FileHandle& h) override { return inner_->Stat(h); }
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override {
    return inner_->List(kind, fn);
  }
  Status Remove(const FileHandle& h) override {
    if (h.kind == FileKind::kLock) return inner_->Remove(h);
    return Status::PermissionDenied("removing " + h.ToString() + " refused: " + why_ +
                                    " is append-only");
  }
  std::string Location() const override { return inner_->Location(); }
  // Locks only ever grow: extending one and probing are no deletion.
  Status EnableObjectLock(LockMode mode, int days) override {
    return inner_->EnableObjectLock(mode, days);
  }
  Status ExtendRetention(const FileHandle& h, int64_t until_us) override {
    return inner_->ExtendRetention(h, until_us);
  }
  Result<WormProbe> ProbeWorm() override { return inner_->ProbeWorm(); }
  // A killed writer's temporary file is no repository content: listed, and
  // removable (as locks are) even when append-only.
  Status ListTemporary(const std::function<Status(const TempFileInfo&)>& fn) override {
    return inner_->ListTemporary(fn);
  }
  Status RemoveTemporary(const std::string& path) override { return inner_->RemoveTemporary(path); }

 private:
  Backend* const inner_;
  const std::string why_;
};

}  // namespace

bool Repository::append_only() const {
  return (config_.flags & format::kConfigFlagAppendOnly) ||
         (key_flags_ & format::kKeyFlagAppendOnly);
}

std::string Repository::append_only_source() const {
  if (config_.flags & format::kConfigFlagAppendOnly) return "the repository";
  if (key_flags_ & format::kKeyFlagAppendOnly) return "key " + key_id_.substr(0, 8);
  return "";
}

Status Repository::CheckMayDelete(std::string_view action) const {
  if (!append_only()) return Status::OK();
  return Status::PermissionDenied(std::string(action) + " refused: " + append_only_source() +
                                  " is append-only, and " + std::string(action) +
                                  " would delete or rewrite repository files");
}

void Repository::InstallGuard() {
  if (append_only()) guard_ = std::make_unique<AppendOnlyBackend>(backend_, append_only_source());
}

Result<std::unique_ptr<Repository>> Repository::Init(Backend* backend, std::string_view password,
                                                     const InitOptions& options,
                                                     const Clock* clock) {
  TM_RETURN_IF_ERROR(CryptoInit());
  if (password.empty()) return Status::InvalidArgument("the password must not be empty");
  auto existing = backend->Stat({FileKind::kConfig, ""});
  if (existing.ok()) {
    return Status::AlreadyExists("a repository already exists at " + backend->Location());
  }
  if (!existing.status().IsNotFound()) return existing.status();
  bool has_keys = false;
  TM_RETURN_IF_ERROR(backend->List(FileKind::kKey, [&](const FileInfo&) {
    has_keys = true;
    return Status::OK();
  }));
  if (has_keys) {
    return Status::AlreadyExists("key files but no config at " + backend->Location() +
                                 ": an earlier init did not finish. Remove the folder's keys/ "
                                 "files (nothing else refers to them), then init again");
  }

  std::unique_ptr<Repository> repo(new Repository(backend, clock));
  repo->keys_ = MasterKeys::Generate();
  RepoConfig& cfg = repo->config_;
  cfg.repo_id = RandomBytes(format::kRepoIdSize);
  cfg.created_us = clock->NowMicros();
  cfg.compression_level = options.compression_level;
  cfg.pack_target = options.pack_target;
  cfg.sign_public_key = repo->keys_.sign.public_key;
  if (options.append_only) cfg.flags |= format::kConfigFlagAppendOnly;
  if (options.lock_mode != LockMode::kNone) {
    cfg.flags |= format::kConfigFlagObjectLock;
    cfg.lock_mode = static_cast<uint8_t>(options.lock_mode);
    cfg.lock_days = options.lock_days;
  }
  TM_RETURN_IF_ERROR(cfg.Validate());
  // Before the first file, so that the key and the config are locked too.
  TM_RETURN_IF_ERROR(repo->EnableObjectLock());

  // Key slot first: a config without a key would be unusable forever,
  // while a key without a config is just an unfinished init.
  TM_ASSIGN_OR_RETURN(KeyFile key, KeyFile::Create(repo->keys_, password, options.kdf,
                                                   cfg.created_us, options.host, options.user));
  TM_RETURN_IF_ERROR(backend->Put({FileKind::kKey, key.id}, key.Encode()));
  TM_RETURN_IF_ERROR(backend->Put({FileKind::kConfig, ""}, cfg.Encode(repo->keys_.data_key)));
  repo->key_id_ = key.id;
  repo->InstallGuard();
  return repo;
}

Result<std::unique_ptr<Repository>> Repository::Open(Backend* backend, std::string_view password,
                                                     const Clock* clock) {
  TM_RETURN_IF_ERROR(CryptoInit());
  auto config_bytes = ReadSmallFile(backend, {FileKind::kConfig, ""}, kMaxConfigFileSize);
  if (config_bytes.status().IsNotFound()) {
    return Status::NotFound("no tidemark repository at " + backend->Location() +
                            " (no config file): create one with `tidemark init`");
  }
  if (!config_bytes.ok()) return config_bytes.status();
  // Check the plaintext header before spending Argon2id time on the keys.
  TM_RETURN_IF_ERROR(RepoConfig::DecodeHeader(*config_bytes).status());

  std::vector<FileInfo> key_files;
  TM_RETURN_IF_ERROR(backend->List(FileKind::kKey, [&](const FileInfo& f) {
    key_files.push_back(f);
    return Status::OK();
  }));
  if (key_files.empty()) {
    return Status::Corruption("repository at " + backend->Location() + " has no key files");
  }
  std::unique_ptr<Repository> repo(new Repository(backend, clock));
  TM_RETURN_IF_ERROR(repo->OpenWithSlots(key_files, password, *config_bytes));
  TM_LOG(kInfo, "opened repository ", repo->id_hex(), " at ", backend->Location(), " with key ",
         repo->key_id_);
  if (repo->config_.sign_public_key != repo->keys_.sign.public_key) {
    return Status::Corruption("config: the signing public key does not match the master keys");
  }
  TM_RETURN_IF_ERROR(repo->EnableObjectLock());
  repo->InstallGuard();
  return repo;
}

Status Repository::EnableObjectLock() {
  if (!config_.object_lock()) return Status::OK();
  Status s = backend_->EnableObjectLock(static_cast<LockMode>(config_.lock_mode),
                                        static_cast<int>(config_.lock_days));
  if (s.code() == Status::Code::kUnsupported) {
    return Status::Unsupported(
        "the repository at " + backend_->Location() + " keeps its files under Object Lock (" +
        LockModeName(static_cast<LockMode>(config_.lock_mode)) + ", " +
        std::to_string(config_.lock_days) + " days), which this storage cannot honour: " +
        s.message() + "; open it in its S3 bucket, or copy its snapshots with `tidemark copy`");
  }
  return s;
}

// A slot accepts the password but the config does not open with its keys.
static Status ConfigDamage(const Backend* backend, const std::string& slot, const Status& why,
                           int refused) {
  if (refused > 0) {
    return Status::Corruption(
        "config of " + backend->Location() + " does not decrypt with key slot " + slot +
        ", the only slot that accepts this password (" + why.message() +
        "): the config is damaged, or that slot is a leftover of an interrupted init and the "
        "password is wrong for the other " +
        std::to_string(refused) +
        " slots; try the other password, else restore `config` from a copy of the repository");
  }
  return Status::Corruption(
      "config of " + backend->Location() + " is damaged: key slot " + slot +
      " accepts the password but the config does not decrypt with its keys (" + why.message() +
      "); restore the file `config` from a copy of the repository, then run `tidemark check`");
}

// Tries every slot. A slot that unwraps but whose keys do not open the
// config belongs to another repository (e.g. left by an interrupted init):
// it is skipped, not fatal. Only when no slot opens is an error returned:
// damage or I/O first, since "wrong password" would send the user the
// wrong way; PermissionDenied when every readable slot refused the password.
Status Repository::OpenWithSlots(const std::vector<FileInfo>& slots, std::string_view password,
                                 const std::string& config_bytes) {
  Status damage, config_damage;
  std::vector<std::string> unopened;  // slots that unwrap but do not open the config
  int refused = 0;
  for (const FileInfo& f : slots) {
    auto data = ReadSmallFile(backend_, f.handle, kMaxKeyFileSize);
    if (data.status().IsNotFound()) continue;  // removed meanwhile (key passwd)
    if (!data.ok()) {
      if (damage.ok()) damage = data.status();
      continue;
    }
    auto key = KeyFile::Decode(f.handle.name, *data);
    auto keys = key.ok() ? key->Unwrap(password) : Result<MasterKeys>(key.status());
    if (keys.status().IsPermissionDenied()) {
      refused++;
      continue;
    }
    if (!keys.ok()) {
      if (damage.ok()) damage = keys.status();
      continue;
    }
    auto config = RepoConfig::Decode(config_bytes, keys->data_key);
    if (config.status().code() == Status::Code::kUnsupported) return config.status();
    if (!config.ok()) {
      // A leftover slot of an interrupted init, or a damaged config: which
      // one is known only once another slot opens the config (or none does).
      if (config_damage.ok()) config_damage = config.status();
      unopened.push_back(f.handle.name);
      continue;
    }
    for (const std::string& name : unopened) {
      TM_LOG(kWarning, "key slot ", name, " accepts the password but does not open ",
             "this repository's config (a leftover of an interrupted init?)");
    }
    if (config->sign_public_key != keys->sign.public_key) {
      return Status::Corruption("config: the signing public key does not match the master keys");
    }
    keys_ = std::move(*keys);
    key_id_ = key->id;
    key_flags_ = key->flags;
    config_ = std::move(*config);
    return Status::OK();
  }
  if (!unopened.empty()) return ConfigDamage(backend_, unopened.front(), config_damage, refused);
  if (!damage.ok()) {
    if (refused == 0) return damage;
    return damage.WithContext(std::to_string(refused) +
                              " key slots refused the password, and another is damaged");
  }
  return Status::PermissionDenied("wrong password: none of the " + std::to_string(refused) +
                                  " key slots of " + backend_->Location() + " accepts it");
}

Result<std::vector<KeyFile>> Repository::ListKeys() const {
  std::vector<KeyFile> keys;
  TM_RETURN_IF_ERROR(backend_->List(FileKind::kKey, [&](const FileInfo& f) -> Status {
    auto data = ReadSmallFile(backend_, f.handle, kMaxKeyFileSize);
    if (data.status().IsNotFound()) return Status::OK();  // removed meanwhile
    if (!data.ok()) return data.status();
    TM_ASSIGN_OR_RETURN(KeyFile k, KeyFile::Decode(f.handle.name, *data));
    keys.push_back(std::move(k));
    return Status::OK();
  }));
  return keys;
}

Result<KeyFile> Repository::AddKey(std::string_view password, const KdfParams& kdf,
                                   uint32_t flags) const {
  if (password.empty()) return Status::InvalidArgument("the password must not be empty");
  if (key_flags_ & format::kKeyFlagAppendOnly) flags |= format::kKeyFlagAppendOnly;
  TM_ASSIGN_OR_RETURN(KeyFile key, KeyFile::Create(keys_, password, kdf, clock_->NowMicros(),
                                                   CurrentHost(), CurrentUser()));
  key.flags = flags;
  TM_RETURN_IF_ERROR(backend_->Put({FileKind::kKey, key.id}, key.Encode()));
  return key;
}

Result<std::string> Repository::ResolveKeyId(std::string_view prefix) const {
  if (prefix.empty()) return Status::InvalidArgument("empty key id");
  std::vector<std::string> matches;
  TM_RETURN_IF_ERROR(backend_->List(FileKind::kKey, [&](const FileInfo& f) {
    if (f.handle.name.compare(0, prefix.size(), prefix) == 0) matches.push_back(f.handle.name);
    return Status::OK();
  }));
  if (matches.empty()) {
    return Status::NotFound("no key with id " + std::string(prefix) + ": see `tidemark key list`");
  }
  if (matches.size() > 1) {
    return Status::InvalidArgument("key id prefix " + std::string(prefix) +
                                   " is ambiguous: give more digits");
  }
  return matches[0];
}

Status Repository::RemoveKey(std::string_view prefix) const {
  TM_RETURN_IF_ERROR(CheckMayDelete("key remove"));
  TM_ASSIGN_OR_RETURN(std::string id, ResolveKeyId(prefix));
  if (id == key_id_) {
    return Status::Refused("key " + id.substr(0, 8) +
                           " is the key this command opened the repository with; open with "
                           "another key's password to remove it");
  }
  size_t count = 0;
  TM_RETURN_IF_ERROR(backend_->List(FileKind::kKey, [&](const FileInfo&) {
    count++;
    return Status::OK();
  }));
  if (count <= 1) return Status::Refused("the last key of a repository cannot be removed");
  return backend_->Remove({FileKind::kKey, id});
}

Result<KeyFile> Repository::ChangePassword(std::string_view new_password, const KdfParams& kdf) {
  TM_RETURN_IF_ERROR(CheckMayDelete("key passwd"));
  TM_ASSIGN_OR_RETURN(KeyFile key, AddKey(new_password, kdf, key_flags_));
  const std::string old = key_id_;
  key_id_ = key.id;
  TM_RETURN_IF_ERROR(backend_->Remove({FileKind::kKey, old}));
  return key;
}

}  // namespace tidemark
