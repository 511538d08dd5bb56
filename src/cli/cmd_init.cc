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
  KdfFlags kdf;
};

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
  ctx->Print("Keep the password safe: without it the repository cannot be read by anyone.");
  JsonWriter w;
  w.BeginObject().Field("repository", r->id_hex()).Field("location", backend->Location());
  w.Field("key", r->key_id()).Field("format_version", static_cast<int>(r->config().version));
  w.Field("append_only", flags.append_only);
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
  flags->kdf.Add(cmd);
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunInit(ctx, *flags); }; });
}

}  // namespace tidemark::cli
