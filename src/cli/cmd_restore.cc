// tidemark restore SNAP --to SOURCE-URI, export SNAP --format csv|ndjson
// --out DIR, verify-export DIR. docs/guide/restore.md, docs/guide/export.md
// Parses, calls RestoreSnapshot / ExportSnapshotLogged
// (ops/restore/restore_snapshot.h) and prints.
#include <CLI/CLI.hpp>
#include <chrono>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "config/source_access.h"
#include "ops/restore/restore_snapshot.h"

namespace tidemark::cli {
namespace {

struct RestoreFlags {
  std::string snap, to, format = "csv", out, dir;
  std::string mode = "0600";  // of the files written (decrypted data: private by default)
  std::vector<std::string> tables;
  bool force = false, csv_raw = false;
};

// --mode: octal permission bits of the files written, at least 0600 (the
// owner must be able to read and write them); folders add x where r is.
Result<unsigned> ParseMode(const std::string& text) {
  unsigned mode = 0;
  bool ok = !text.empty() && text.size() <= 4;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '7';
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (!ok || mode > 0777 || (mode & 0600) != 0600) {
    return Status::InvalidArgument("--mode " + text +
                                   ": expected octal permission bits from 0600 to 0777, such as "
                                   "0640 (the default 0600 keeps the decrypted data private)");
  }
  return mode;
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

Status RunRestore(Context* ctx, const RestoreFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  RestoreOptions opts;
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(SourceRef target, ResolveSource(cfg, flags.to));
  opts.path = target.location;
  opts.tables = flags.tables;
  opts.force = flags.force;
  TM_ASSIGN_OR_RETURN(opts.mode, ParseMode(flags.mode));
  opts.show_progress = ctx->ShowProgress();
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "restore"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, a->Resolve(flags.snap));
  TM_ASSIGN_OR_RETURN(RestoreResult r,
                      RestoreSnapshot(a->store.get(), *a->repo, ctx->Log(), *s, target, opts));
  const double secs = SecondsSince(started);
  ctx->Print("restored snapshot " + s->id.Short() + " of " + s->manifest.source + " to " +
             opts.path);
  ctx->Print("  " + std::to_string(r.tables) + " tables, " + std::to_string(r.records) +
             " records, " + FormatBytes(static_cast<double>(r.bytes)) + " in " +
             FormatDuration(secs) + "; every table's row count and digest verified");
  for (const std::string& what : r.left_out) ctx->Print("  left out: " + what);
  JsonWriter w;
  w.BeginObject().Field("snapshot", s->id.Hex()).Field("path", opts.path);
  w.Field("tables", r.tables).Field("records", r.records).Field("bytes", r.bytes);
  w.Field("verified", true).Field("duration_s", secs);
  w.Field("load_s", static_cast<double>(r.load_us) / 1e6);
  w.Field("finish_s", static_cast<double>(r.finish_us) / 1e6);
  w.Field("verify_s", static_cast<double>(r.verify_us) / 1e6);
  if (!r.left_out.empty()) {
    w.Key("left_out").BeginArray();
    for (const std::string& what : r.left_out) w.String(what);
    w.EndArray();
  }
  w.EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunExport(Context* ctx, const RestoreFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  ExportOptions opts;
  opts.dir = flags.out;
  opts.format = flags.format == "ndjson" ? ExportFormat::kNdjson : ExportFormat::kCsv;
  opts.tables = flags.tables;
  opts.tool_version = TIDEMARK_VERSION;
  TM_ASSIGN_OR_RETURN(opts.mode, ParseMode(flags.mode));
  opts.csv_raw = flags.csv_raw;
  if (opts.csv_raw && opts.format != ExportFormat::kCsv) {
    return Status::InvalidArgument("--csv-raw goes with --format csv");
  }
  opts.show_progress = ctx->ShowProgress();
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "export"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, a->Resolve(flags.snap));
  TM_ASSIGN_OR_RETURN(std::vector<ExportedFile> files,
                      ExportSnapshotLogged(a->store.get(), *a->repo, ctx->Log(), *s, opts));
  uint64_t rows = 0, bytes = 0;
  for (const ExportedFile& f : files) {
    rows += f.rows;
    bytes += f.bytes;
  }
  for (const ExportedFile& f : files) {
    ctx->Print("  " + f.file + "  " + std::to_string(f.rows) + " rows  sha256 " +
               f.sha256_hex.substr(0, 16));
  }
  ctx->Print("exported " + std::to_string(files.size()) + " tables (" + std::to_string(rows) +
             " records, " + FormatBytes(static_cast<double>(bytes)) + ") to " + flags.out + " in " +
             FormatDuration(SecondsSince(started)) + "; manifest.json lists checksums");
  JsonWriter w;
  w.BeginObject().Field("snapshot", s->id.Hex()).Field("dir", flags.out);
  w.Field("format", flags.format).Key("files").BeginArray();
  for (const ExportedFile& f : files) {
    w.BeginObject().Field("table", f.table).Field("file", f.file).Field("rows", f.rows);
    w.Field("bytes", f.bytes).Field("sha256", f.sha256_hex).EndObject();
  }
  w.EndArray().Field("records", rows).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunVerifyExport(Context* ctx, const RestoreFlags& flags) {
  TM_ASSIGN_OR_RETURN(std::vector<ExportProblem> problems, VerifyExport(flags.dir));
  JsonWriter w;
  w.BeginObject().Field("dir", flags.dir).Field("ok", problems.empty());
  w.Key("problems").BeginArray();
  for (const ExportProblem& p : problems) {
    ctx->Print("BAD  " + p.file + ": " + p.problem);
    w.BeginObject().Field("file", p.file).Field("problem", p.problem).EndObject();
  }
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  if (!problems.empty()) {
    return Status::Corruption(std::to_string(problems.size()) +
                              (problems.size() == 1 ? " problem" : " problems") + " in export " +
                              flags.dir + ": see above");
  }
  ctx->Print("export " + flags.dir + " is intact: every file matches manifest.json");
  return Status::OK();
}

}  // namespace

void AddRestoreCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<RestoreFlags>();
  CLI::App* restore =
      app->add_subcommand("restore", "Restore a snapshot into a new copy of its source");
  restore->add_option("SNAP", flags->snap, "id, prefix, latest, SOURCE@latest, SOURCE@TIME")
      ->required();
  restore->add_option("--to", flags->to, "the source URI to create (" + SourceUriForms() + ")")
      ->required();
  restore->add_option("--table", flags->tables, "Only this table (repeatable)");
  restore->add_flag("--force", flags->force, "Replace PATH if it exists");
  restore->add_option("--mode", flags->mode, "Permissions of the restored file (octal)")
      ->capture_default_str();
  restore->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunRestore(ctx, *flags); }; });

  CLI::App* exp = app->add_subcommand("export", "Export a snapshot as CSV or NDJSON files");
  exp->add_option("SNAP", flags->snap, "id, prefix, latest, SOURCE@latest, SOURCE@TIME")
      ->required();
  exp->add_option("--format", flags->format, "csv or ndjson")
      ->check(CLI::IsMember({"csv", "ndjson"}))
      ->capture_default_str();
  exp->add_option("--out", flags->out, "Folder to create")->required();
  exp->add_option("--table", flags->tables, "Only this table (repeatable)");
  exp->add_option("--mode", flags->mode, "Permissions of the files (octal; folder adds x)")
      ->capture_default_str();
  exp->add_flag("--csv-raw", flags->csv_raw,
                "Write cells starting with = + - @ tab or CR as they are (no ' prefix)");
  exp->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunExport(ctx, *flags); }; });

  CLI::App* ver = app->add_subcommand("verify-export", "Check an export folder's checksums");
  ver->add_option("DIR", flags->dir, "the export folder")->required();
  ver->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunVerifyExport(ctx, *flags); }; });
}

}  // namespace tidemark::cli
