// tidemark copy: snapshots from one repository into another, re-encrypted
// under the destination's keys (3-2-1 copies). docs/guide/copy.md
#include <CLI/CLI.hpp>

#include "base/hex.h"
#include "base/json.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "ledger/ledger.h"
#include "ops/copy/copy.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct CopyFlags {
  std::string from, to;
  std::string to_password_file, to_password_command;
  std::vector<std::string> snapshots;
  std::string source;
};

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

// The destination's password: --to-password-file, --to-password-command,
// TIDEMARK_TO_PASSWORD_FILE, TIDEMARK_TO_PASSWORD_COMMAND,
// TIDEMARK_TO_PASSWORD; with none of them, the source's password sources.
PasswordSource DestinationPassword(const Context& ctx, const CopyFlags& f) {
  PasswordSource s;
  s.what = "destination password";
  s.hint =
      "--to-password-file, --to-password-command, TIDEMARK_TO_PASSWORD_FILE, "
      "TIDEMARK_TO_PASSWORD_COMMAND or TIDEMARK_TO_PASSWORD";
  if (!f.to_password_file.empty()) {
    s.file = f.to_password_file;
  } else if (!f.to_password_command.empty()) {
    s.command = f.to_password_command;
  } else if (!Env("TIDEMARK_TO_PASSWORD_FILE").empty()) {
    s.file = Env("TIDEMARK_TO_PASSWORD_FILE");
  } else if (!Env("TIDEMARK_TO_PASSWORD_COMMAND").empty()) {
    s.command = Env("TIDEMARK_TO_PASSWORD_COMMAND");
  } else if (getenv("TIDEMARK_TO_PASSWORD")) {
    s.literal = Env("TIDEMARK_TO_PASSWORD");
  } else {
    return ctx.MainPassword();
  }
  return s;
}

// --to, else the copy_to of --source in tidemark.toml.
Result<std::string> Destination(Context* ctx, const CopyFlags& f) {
  if (!f.to.empty()) return f.to;
  if (!f.source.empty()) {
    TM_ASSIGN_OR_RETURN(const ConfigFile* cfg, ctx->Config());
    const SourceConfig* src = cfg->FindSource(f.source);
    if (src && !src->copy_to.empty()) return src->copy_to;
  }
  return Status::InvalidArgument(
      "no destination: give --to REPO, or set copy_to for the source in tidemark.toml and pass "
      "--source NAME");
}

Status RecordIn(const Context& ctx, Repository* repo, const std::string& outcome,
                std::vector<std::string> targets,
                std::vector<std::pair<std::string, int64_t>> counts, const std::string& reason) {
  LedgerRecord rec;
  rec.action = "copy";
  rec.outcome = outcome;
  rec.args.emplace_back("command", ctx.RedactedCommandLine());
  if (!reason.empty()) rec.args.emplace_back("reason", reason);
  rec.targets = std::move(targets);
  rec.counts = std::move(counts);
  auto entry = Ledger(repo).Append(std::move(rec));
  return entry.ok() ? Status::OK()
                    : entry.status().WithContext(
                          "copy was done, but recording it in the "
                          "destination's ledger failed");
}

void Report(Context* ctx, const CopyResult& r, const std::string& from, const std::string& to) {
  for (const CopiedSnapshot& c : r.snapshots) {
    ctx->Print((c.already ? "already there " : "copied ") + c.from.Short() + " -> " + c.to.Short() +
               "  " + c.source + "  " + FormatTimeUtc(c.time_us) + "  " +
               std::to_string(c.records) + " records");
  }
  ctx->Print(std::to_string(r.copied) + " snapshots copied, " + std::to_string(r.already) +
             " already in " + to + "; " + FormatBytes(static_cast<double>(r.bytes_added)) +
             " added");
  JsonWriter w;
  w.BeginObject().Field("from", from).Field("to", to);
  w.Field("copied", static_cast<int64_t>(r.copied))
      .Field("already", static_cast<int64_t>(r.already));
  w.Field("bytes_added", static_cast<int64_t>(r.bytes_added));
  w.Key("snapshots").BeginArray();
  for (const CopiedSnapshot& c : r.snapshots) {
    w.BeginObject().Field("from", c.from.Hex()).Field("to", c.to.Hex()).Field("source", c.source);
    w.Field("already", c.already).EndObject();
  }
  w.EndArray().EndObject();
  ctx->PrintJson(w);
}

Status RunCopy(Context* ctx, const CopyFlags& flags) {
  if (!flags.from.empty()) ctx->opts.repo = flags.from;
  TM_ASSIGN_OR_RETURN(std::string to_location, Destination(ctx, flags));
  TM_ASSIGN_OR_RETURN(Repository * from, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::unique_ptr<Backend> to_backend, ctx->OpenBackendAt(to_location));
  TM_ASSIGN_OR_RETURN(std::string to_password,
                      ReadPassword(DestinationPassword(*ctx, flags), false));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<Repository> to,
                      Repository::Open(to_backend.get(), to_password));
  if (to->id_hex() == from->id_hex()) {
    return Status::InvalidArgument("--from and --to name the same repository");
  }
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_RETURN_IF_ERROR(Ledger(to.get()).CheckAppendable().WithContext(
      "nothing was copied, because the destination's ledger would not record it"));
  TM_ASSIGN_OR_RETURN(auto from_lock, RepoLock::Acquire(from, false, "copy"));
  TM_ASSIGN_OR_RETURN(auto to_lock, RepoLock::Acquire(to.get(), false, "copy"));
  from_lock->KeepFresh();
  to_lock->KeepFresh();
  BlobStore to_store(to.get());
  TM_RETURN_IF_ERROR(to_store.LoadIndex());
  CopyOptions opts{flags.snapshots, flags.source};
  const std::string from_location = from->backend()->Location();
  auto r = CopySnapshots(*from, to.get(), &to_store, opts);
  if (!r.ok()) {
    (void)ctx->Record("copy", "failed", {"to " + to_location}, {}, r.status().ToString());
    (void)RecordIn(*ctx, to.get(), "failed", {"from " + from_location}, {}, r.status().ToString());
    return r.status();
  }
  std::vector<std::string> src_targets = {"to " + to->backend()->Location()};
  std::vector<std::string> dst_targets = {"from " + from_location};
  for (const CopiedSnapshot& c : r->snapshots) {
    if (c.already) continue;
    src_targets.push_back("snapshot " + c.from.Hex());
    dst_targets.push_back("snapshot " + c.to.Hex());
  }
  const std::vector<std::pair<std::string, int64_t>> counts = {
      {"copied", static_cast<int64_t>(r->copied)},
      {"already", static_cast<int64_t>(r->already)},
      {"bytes_added", static_cast<int64_t>(r->bytes_added)}};
  TM_RETURN_IF_ERROR(RecordIn(*ctx, to.get(), "ok", dst_targets, counts, ""));
  TM_RETURN_IF_ERROR(ctx->Record("copy", "ok", src_targets, counts));
  if (from_lock->lost() || to_lock->lost()) {
    return Status::Refused(
        "a lock of the copy was removed while it ran; run `tidemark check` on "
        "both repositories");
  }
  Report(ctx, *r, from_location, to->backend()->Location());
  return Status::OK();
}

}  // namespace

void AddCopyCommand(CLI::App* app, Context* ctx) {
  auto* cmd = app->add_subcommand(
      "copy", "copy snapshots to another repository, re-encrypted under its keys");
  auto flags = std::make_shared<CopyFlags>();
  cmd->add_option("--from", flags->from, "source repository (default: -r/--repo)");
  cmd->add_option("--to", flags->to,
                  "destination repository (default: the source's copy_to in tidemark.toml)");
  cmd->add_option("--to-password-file", flags->to_password_file,
                  "the destination's password (first line of the file)");
  cmd->add_option("--to-password-command", flags->to_password_command,
                  "the destination's password (first line of the command's output)");
  cmd->add_option("--source", flags->source, "copy only this source's snapshots");
  cmd->add_option("snapshots", flags->snapshots, "snapshots to copy (default: all)");
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunCopy(ctx, *flags); }; });
}

}  // namespace tidemark::cli
