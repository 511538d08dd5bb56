// tidemark init: creates an encrypted repository. docs/guide/repository.md
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "storage/local_backend.h"
#include "storage/s3_backend.h"

namespace tidemark::cli {
namespace {

struct InitFlags {
  int compression = format::kDefaultCompressionLevel;
  uint32_t pack_mib = format::kDefaultPackTarget >> 20;
  bool append_only = false;
  std::string object_lock;  // "", "governance", "compliance"
  uint32_t lock_days = 0;
  KdfFlags kdf;
};

// --object-lock MODE with --lock-days N, on S3 only; checked before a
// password is asked.
Result<LockMode> ParseObjectLock(Context* ctx, const InitFlags& flags) {
  if (flags.object_lock.empty()) {
    if (flags.lock_days != 0) {
      return Status::InvalidArgument("--lock-days needs --object-lock governance|compliance");
    }
    return LockMode::kNone;
  }
  if (flags.lock_days == 0) {
    return Status::InvalidArgument(
        "--object-lock needs --lock-days N (1-36500): how long "
        "every file stays immutable after it is written");
  }
  TM_ASSIGN_OR_RETURN(std::string location, ctx->RepositoryLocation());
  if (!IsS3Location(location)) {
    return Status::InvalidArgument(
        "--object-lock needs an S3 repository (s3:https://HOST/BUCKET) "
        "whose bucket has Object Lock enabled; a folder has none");
  }
  return flags.object_lock == "compliance" ? LockMode::kCompliance : LockMode::kGovernance;
}

// The WORM probe right after init: says loudly when the bucket does not
// enforce the lock it was asked for.
void ReportWorm(Context* ctx, Backend* backend, LockMode mode, uint32_t days, JsonWriter* w) {
  ctx->Print(std::string("object lock: ") + LockModeName(mode) + ", " + std::to_string(days) +
             " days after each write");
  Result<WormProbe> probe = backend->ProbeWorm();
  w->Key("worm")
      .BeginObject()
      .Field("mode", LockModeName(mode))
      .Field("days", static_cast<uint64_t>(days));
  if (!probe.ok()) {
    w->Field("probed", false).Field("detail", probe.status().message()).EndObject();
    ctx->Warn("the WORM probe could not run: " + probe.status().message());
    return;
  }
  w->Field("probed", true).Field("enforced", probe->enforced).Field("detail", probe->detail);
  w->EndObject();
  if (probe->enforced) {
    ctx->Print("WORM probe: enforced (" + probe->detail + ")");
  } else {
    ctx->Warn("THE BUCKET DOES NOT ENFORCE OBJECT LOCK: " + probe->detail +
              ". Files are written with lock headers, but anyone with the bucket's credentials "
              "can delete them; `tidemark check --require-worm` fails until this is fixed");
  }
}

// Makes the place of a new repository, refusing an existing one before a
// password is asked. A bucket must exist already; a folder is created.
Status PrepareLocation(Context* ctx, bool* create_folder, std::string* dir) {
  TM_ASSIGN_OR_RETURN(std::string location, ctx->RepositoryLocation());
  if (IsS3Location(location)) {
    TM_ASSIGN_OR_RETURN(Backend * backend, ctx->OpenBackend());
    Result<FileInfo> config = backend->Stat(FileHandle{FileKind::kConfig, ""});
    if (config.ok()) {
      return Status::AlreadyExists("a repository already exists at " + backend->Location() +
                                   ": nothing was changed");
    }
    return config.status().IsNotFound() ? Status::OK() : config.status();
  }
  // Validated before anything is created (an unsupported location must
  // not leave folders named after it).
  TM_ASSIGN_OR_RETURN(*dir, ctx->RepositoryFolder());
  if (access((*dir + "/config").c_str(), F_OK) == 0) {
    return Status::AlreadyExists("a repository already exists at " + *dir +
                                 ": nothing was changed");
  }
  *create_folder = true;
  return Status::OK();
}

Status RunInit(Context* ctx, const InitFlags& flags) {
  TM_ASSIGN_OR_RETURN(LockMode lock_mode, ParseObjectLock(ctx, flags));
  bool create_folder = false;
  std::string dir;
  TM_RETURN_IF_ERROR(PrepareLocation(ctx, &create_folder, &dir));
  TM_ASSIGN_OR_RETURN(std::string password, ReadPassword(ctx->MainPassword(), /*confirm=*/true));
  if (create_folder) TM_RETURN_IF_ERROR(LocalBackend::Create(dir));
  TM_ASSIGN_OR_RETURN(Backend * backend, ctx->OpenBackend());
  InitOptions options;
  options.kdf = flags.kdf.Params();
  options.compression_level = flags.compression;
  options.pack_target = flags.pack_mib << 20;
  options.host = CurrentHost();
  options.user = CurrentUser();
  options.append_only = flags.append_only;
  options.lock_mode = lock_mode;
  options.lock_days = lock_mode == LockMode::kNone ? 0 : flags.lock_days;
  TM_ASSIGN_OR_RETURN(auto repo, Repository::Init(backend, password, options, ctx->clock()));
  Repository* r = repo.get();
  ctx->SetRepository(std::move(repo));
  TM_RETURN_IF_ERROR(
      ctx->Record("init", "ok", {"repository " + r->id_hex(), "key " + r->key_id()}, {}));

  ctx->Print("created tidemark repository " + r->id_hex().substr(0, 12) + " at " +
             backend->Location());
  const uint64_t kib = flags.kdf.memory_kib;
  ctx->Print("key " + r->key_id().substr(0, 8) + " (Argon2id, " +
             (kib >= 1024 ? std::to_string(kib / 1024) + " MiB" : std::to_string(kib) + " KiB") +
             ", " + std::to_string(flags.kdf.iterations) + " passes)");
  if (flags.append_only) {
    ctx->Print("append-only: snapshots, holds and data can be added but never deleted");
  }
  JsonWriter w;
  w.BeginObject().Field("repository", r->id_hex()).Field("location", backend->Location());
  w.Field("key", r->key_id()).Field("format_version", static_cast<int>(r->config().version));
  w.Field("append_only", flags.append_only);
  if (lock_mode != LockMode::kNone) ReportWorm(ctx, backend, lock_mode, flags.lock_days, &w);
  ctx->Print("Keep the password safe: without it the repository cannot be read by anyone.");
  w.EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

}  // namespace

void AddInitCommand(CLI::App* app, Context* ctx) {
  auto* cmd = app->add_subcommand("init", "create a new encrypted repository");
  auto flags = std::make_shared<InitFlags>();
  cmd->add_option("--compression", flags->compression, "zstd level for new blobs (1-19)")
      ->check(CLI::Range(1, 19));
  cmd->add_option("--pack-size", flags->pack_mib, "target pack size in MiB (1-256)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--append-only", flags->append_only,
                "never delete or rewrite: forget, prune, hold remove, key remove are refused");
  cmd->add_option("--object-lock", flags->object_lock,
                  "S3 only: write every file immutable (Object Lock) in this mode")
      ->check(CLI::IsMember({"governance", "compliance"}));
  cmd->add_option("--lock-days", flags->lock_days,
                  "with --object-lock: days each file stays immutable after its write")
      ->check(CLI::Range(1, 36500));
  flags->kdf.Add(cmd);
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunInit(ctx, *flags); }; });
}

}  // namespace tidemark::cli
