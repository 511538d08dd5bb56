// tidemark unlock: removes stale locks. docs/guide/repository.md
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/context.h"
#include "repo/lock.h"
#include "repo/temp_files.h"

namespace tidemark::cli {
namespace {

Status RunUnlock(Context* ctx, bool all) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(auto removed, RemoveLocks(repo, all));
  TM_ASSIGN_OR_RETURN(auto remaining, ListLocks(repo));
  // Temporary files of killed writers, once past the grace period.
  TM_ASSIGN_OR_RETURN(TempCleanup temp, RemoveOldTempFiles(*repo));
  std::vector<std::string> targets;
  JsonWriter w;
  w.BeginObject().Key("removed").BeginArray();
  for (const LockInfo& l : removed) {
    ctx->Print("removed " + l.Describe());
    targets.push_back("lock " + l.id);
    w.BeginObject()
        .Field("id", l.id)
        .Field("host", l.host)
        .Field("pid", static_cast<int64_t>(l.pid));
    w.Field("command", l.command).Field("exclusive", l.exclusive).EndObject();
  }
  w.EndArray().Field("remaining", static_cast<uint64_t>(remaining.size()));
  w.Field("temp_files_removed", static_cast<uint64_t>(temp.removed.size()));
  w.Field("temp_bytes_removed", temp.bytes_removed).EndObject();
  for (const TempFileInfo& t : temp.removed) ctx->Print("removed temporary file " + t.path);
  if (removed.empty()) ctx->Print("no stale locks");
  for (const LockInfo& l : remaining) ctx->Print("still held (not stale): " + l.Describe());
  ctx->PrintJson(w);
  return ctx->Record("unlock", "ok", targets,
                     {{"removed", static_cast<int64_t>(removed.size())},
                      {"remaining", static_cast<int64_t>(remaining.size())},
                      {"temp_files_removed", static_cast<int64_t>(temp.removed.size())}});
}

}  // namespace

void AddUnlockCommand(CLI::App* app, Context* ctx) {
  auto* cmd = app->add_subcommand("unlock", "remove stale locks");
  auto all = std::make_shared<bool>(false);
  cmd->add_flag(
      "--remove-all", *all,
      "remove every lock, stale or not (only when no tidemark process uses the repository)");
  cmd->callback([ctx, all] { ctx->run = [ctx, all] { return RunUnlock(ctx, *all); }; });
}

}  // namespace tidemark::cli
