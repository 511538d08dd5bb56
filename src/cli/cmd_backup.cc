// tidemark backup sqlite:PATH: a record snapshot of a SQLite app.
// docs/guide/backup.md
#include <CLI/CLI.hpp>
#include <climits>
#include <cstdlib>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "ops/backup.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct BackupFlags {
  std::string source, name, env, domain, purpose, host;
  std::vector<std::string> tags;
};

std::string StemOf(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t dot = base.find('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  return base;
}

Status ValidateName(const std::string& name) {
  if (name.empty() || name.find('@') != std::string::npos || name.size() > 200) {
    return Status::InvalidArgument("source name '" + name +
                                   "' is not usable: it must be non-empty and without '@'; "
                                   "give one with --name");
  }
  return Status::OK();
}

void PrintSummary(Context* ctx, const BackupResult& r) {
  const Manifest& m = r.manifest;
  const SnapshotStats& st = m.stats;
  size_t tables = 0;
  for (const SnapshotTable& t : m.tables) tables += t.schema.kind == TableKind::kTable;
  ctx->Print("snapshot " + r.snapshot.Short() + " of " + m.source + " saved" +
             (r.parent.IsZero() ? " (first snapshot)" : " (parent " + r.parent.Short() + ")"));
  ctx->Print("  " + std::to_string(tables) + " tables, " + std::to_string(r.records) +
             " records: " + std::to_string(st.records_added) + " added, " +
             std::to_string(st.records_changed) + " changed, " +
             std::to_string(st.records_removed) + " removed");
  ctx->Print("  " + FormatBytes(static_cast<double>(st.bytes_added)) +
             " added to the repository in " +
             FormatDuration(static_cast<double>(st.duration_us) / 1e6));
  JsonWriter w;
  w.BeginObject().Field("snapshot", r.snapshot.Hex());
  w.Key("parent");
  if (r.parent.IsZero()) {
    w.Null();
  } else {
    w.String(r.parent.Hex());
  }
  w.Field("source", m.source).Field("time", FormatTimeUtc(m.time_us));
  w.Field("tables", static_cast<uint64_t>(tables)).Field("records", r.records);
  w.Field("records_added", st.records_added).Field("records_changed", st.records_changed);
  w.Field("records_removed", st.records_removed).Field("bytes_added", st.bytes_added);
  w.Field("duration_s", static_cast<double>(st.duration_us) / 1e6).EndObject();
  ctx->PrintJson(w);
}

Status RunBackup(Context* ctx, const BackupFlags& flags) {
  BackupOptions opts;
  TM_ASSIGN_OR_RETURN(opts.path, SqlitePathOf(flags.source));
  // Keep the absolute path: `diff SNAP live` and rollback must find the same
  // file from any working directory.
  if (char* abs = ::realpath(opts.path.c_str(), nullptr)) {
    opts.path = abs;
    std::free(abs);
  }
  opts.name = flags.name.empty() ? StemOf(opts.path) : flags.name;
  TM_RETURN_IF_ERROR(ValidateName(opts.name));
  opts.tags = flags.tags;
  if (!flags.env.empty()) opts.labels.emplace_back("env", flags.env);
  if (!flags.domain.empty()) opts.labels.emplace_back("domain", flags.domain);
  if (!flags.purpose.empty()) opts.labels.emplace_back("purpose", flags.purpose);
  opts.host = flags.host;
  opts.tool_version = TIDEMARK_VERSION;
  opts.show_progress = ctx->ShowProgress();
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "backup"));
  lock->KeepFresh();
  BlobStore store(repo);
  TM_RETURN_IF_ERROR(store.LoadIndex());
  auto r = BackupSqlite(repo, &store, opts);
  if (!r.ok()) {
    (void)ctx->Record("backup", "failed", {"source " + opts.name}, {}, r.status().ToString());
    return r.status();
  }
  if (lock->lost()) {
    return Status::Refused("the backup's lock was removed while it ran; its snapshot " +
                           r->snapshot.Short() + " was written, but run `tidemark check`");
  }
  const SnapshotStats& st = r->manifest.stats;
  TM_RETURN_IF_ERROR(ctx->Record("backup", "ok",
                                 {"snapshot " + r->snapshot.Hex(), "source " + opts.name},
                                 {{"records", static_cast<int64_t>(r->records)},
                                  {"added", static_cast<int64_t>(st.records_added)},
                                  {"changed", static_cast<int64_t>(st.records_changed)},
                                  {"removed", static_cast<int64_t>(st.records_removed)},
                                  {"bytes_added", static_cast<int64_t>(st.bytes_added)}}));
  PrintSummary(ctx, *r);
  return Status::OK();
}

}  // namespace

void AddBackupCommand(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<BackupFlags>();
  CLI::App* cmd = app->add_subcommand("backup", "Take a record snapshot of a source");
  cmd->add_option("source", flags->source, "sqlite:PATH")->required();
  cmd->add_option("--name", flags->name, "Source name (default: the file's stem)");
  cmd->add_option("--tag", flags->tags, "Tag the snapshot (repeatable)");
  cmd->add_option("--env", flags->env, "Environment label (prod, staging, ...)");
  cmd->add_option("--domain", flags->domain, "Data domain label (sales, hr, ...)");
  cmd->add_option("--purpose", flags->purpose, "Purpose label (scheduled, pre-change, ...)");
  cmd->add_option("--host", flags->host, "Host name to record (default: this host)");
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunBackup(ctx, *flags); }; });
}

}  // namespace tidemark::cli
