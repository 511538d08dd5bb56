// tidemark backup SOURCE-URI | NAME... | --all: record snapshots of sources.
// Parses, calls BackupSource (ops/backup/backup_source.h) and prints.
// docs/guide/backup.md
#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "base/hex.h"
#include "base/json.h"
#include "cli/alerts_common.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "cli/interrupt.h"
#include "cli/snapshot_access.h"
#include "config/source_access.h"
#include "ops/alerts/alerts.h"
#include "ops/backup/backup_source.h"
#include "snapshot/manifest.h"
#include "sources/builtin/builtin.h"

namespace tidemark::cli {
namespace {

struct BackupFlags {
  std::vector<std::string> targets;
  std::string name, env, domain, purpose, host;
  std::vector<std::string> tags;
  bool all = false, due = false, fail_on_anomaly = false;
  bool name_given = false;
  bool require_integrity = false;  // --name "" is refused, not read as "no --name"
};

std::string StemOf(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t dot = base.find('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  return base;
}

// The rule of tidemark.toml (IsValidSourceName), for --name and file stems.
Status ValidateName(const std::string& name, bool from_flag) {
  if (IsValidSourceName(name)) return Status::OK();
  return Status::InvalidArgument(
      std::string(from_flag ? "--name " : "source name ") + JsonWriter::Quote(name) +
      " is not usable: " + std::string(kSourceNameRule) +
      (from_flag ? "" : " (it comes from the file name); give one with --name"));
}

// Every label goes into the signed manifest: refuse what it cannot hold
// before anything is read or written (snapshot.md §2).
Status ValidateLabels(const BackupFlags& flags) {
  auto check = [](std::string_view flag, const std::string& v) {
    if (v.size() <= kMaxManifestText) return Status::OK();
    return Status::InvalidArgument(std::string(flag) + ": " + std::to_string(v.size()) +
                                   " bytes is longer than a snapshot holds (" +
                                   std::to_string(kMaxManifestText) + "); shorten it");
  };
  if (flags.tags.size() > kMaxManifestTags) {
    return Status::InvalidArgument("--tag: " + std::to_string(flags.tags.size()) +
                                   " tags is more than a snapshot holds (" +
                                   std::to_string(kMaxManifestTags) + ")");
  }
  for (const std::string& t : flags.tags) TM_RETURN_IF_ERROR(check("--tag", t));
  TM_RETURN_IF_ERROR(check("--env", flags.env));
  TM_RETURN_IF_ERROR(check("--domain", flags.domain));
  TM_RETURN_IF_ERROR(check("--purpose", flags.purpose));
  return check("--host", flags.host);
}

// Ordinary tables (the JSON's "tables").
size_t TableCount(const Manifest& m) {
  size_t tables = 0;
  for (const SnapshotTable& t : m.tables) tables += t.schema.kind == TableKind::kTable;
  return tables;
}

// Prints one backup's summary (when its snapshot is stored).
void PrintSummary(Context* ctx, const BackupResult& r) {
  const Manifest& m = r.manifest;
  const SnapshotStats& st = m.stats;
  ctx->Print("snapshot " + r.snapshot.Short() + " of " + m.source + " saved" +
             (r.parent.IsZero() ? " (first snapshot)" : " (parent " + r.parent.Short() + ")"));
  ctx->Print("  " + std::to_string(TableCount(m)) + " tables, " + std::to_string(r.records) +
             " records: " + std::to_string(st.records_added) + " added, " +
             std::to_string(st.records_changed) + " changed, " +
             std::to_string(st.records_removed) + " removed");
  ctx->Print("  " + FormatBytes(static_cast<double>(st.bytes_added)) +
             " added to the repository in " +
             FormatDuration(static_cast<double>(st.duration_us) / 1e6));
  for (size_t i = 0; i < m.anomalies.size(); ++i) {
    ctx->Print("  ANOMALY " + AlertId(r.snapshot, i) + " " + m.anomalies[i].kind + ": " +
               m.anomalies[i].detail);
  }
  if (!m.anomalies.empty()) {
    ctx->Print(
        "  `tidemark alerts list` shows open anomalies; `tidemark alerts ack ID` closes one");
  }
}

// Adds one backup's JSON object to *w, with its webhook post (reported on
// stderr too when it failed).
void SummaryJson(const BackupOutcome& out, JsonWriter* w) {
  const BackupResult& r = out.result;
  const Manifest& m = r.manifest;
  const SnapshotStats& st = m.stats;
  w->BeginObject().Field("snapshot", r.snapshot.Hex());
  w->Key("parent");
  if (r.parent.IsZero()) {
    w->Null();
  } else {
    w->String(r.parent.Hex());
  }
  w->Field("source", m.source).Field("time", FormatTimeUtc(m.time_us));
  w->Field("tables", static_cast<uint64_t>(TableCount(m))).Field("records", r.records);
  w->Field("records_added", st.records_added).Field("records_changed", st.records_changed);
  w->Field("records_removed", st.records_removed).Field("bytes_added", st.bytes_added);
  w->Field("duration_s", static_cast<double>(st.duration_us) / 1e6);
  w->Field("anomaly_detection_s", static_cast<double>(r.anomaly_us) / 1e6);
  w->Field("anomaly_nodes_loaded", r.anomaly_cost.nodes_loaded);
  w->Field("anomaly_records_decoded", r.anomaly_cost.records_decoded);
  w->Key("integrity_problems").BeginArray();
  for (const std::string& p : r.integrity_problems) w->String(p);
  w->EndArray();
  AnomaliesJson(w, r.snapshot, m.anomalies);
  ReportDelivery(out.alert, w);
  w->EndObject();
}

// One backup to take: an ad-hoc source URI, or a configured source.
struct BackupJob {
  BackupOptions opts;
  const SourceConfig* source = nullptr;  // null: not in the config
};

Result<BackupJob> JobFor(const ConfigFile& cfg, const BackupFlags& flags,
                         const std::string& target) {
  BackupJob job;
  BackupOptions& opts = job.opts;
  std::string uri = target;
  if (target.find(':') == std::string::npos) {  // a configured source's name
    TM_ASSIGN_OR_RETURN(job.source, FindSourceOrExplain(cfg, target));
    uri = job.source->uri;
  }
  if (job.source != nullptr) {
    TM_ASSIGN_OR_RETURN(opts.source, ResolveSource(*job.source));
  } else {
    TM_ASSIGN_OR_RETURN(opts.source, ResolveSource(cfg, uri));
  }
  // Keep the canonical location (a file's absolute path): `diff SNAP live`
  // and rollback must find the same source from any working directory.
  opts.source.location = opts.source.connector->Canonical(opts.source.location);
  if (job.source != nullptr) {
    opts.name = job.source->name;
  } else {
    opts.name = flags.name_given ? flags.name : StemOf(opts.source.location);
    TM_RETURN_IF_ERROR(ValidateName(opts.name, flags.name_given));
    job.source = cfg.FindSource(opts.name);  // URI --name crm: crm's rules apply
  }
  opts.tags = flags.tags;
  std::string domain = flags.domain;
  if (job.source != nullptr) {
    opts.tags.insert(opts.tags.begin(), job.source->tags.begin(), job.source->tags.end());
    opts.include = job.source->include;
    opts.exclude = job.source->exclude;
    if (domain.empty()) domain = job.source->domain;
    if (!job.source->owner.empty()) opts.labels.emplace_back("owner", job.source->owner);
    if (!job.source->sensitivity.empty()) {
      opts.labels.emplace_back("sensitivity", job.source->sensitivity);
    }
  }
  if (!flags.env.empty()) opts.labels.emplace_back("env", flags.env);
  if (!domain.empty()) opts.labels.emplace_back("domain", domain);
  if (!flags.purpose.empty()) opts.labels.emplace_back("purpose", flags.purpose);
  opts.host = flags.host;
  opts.require_integrity = flags.require_integrity;
  opts.tool_version = TIDEMARK_VERSION;
  return job;
}

// Which sources `backup --all [--due]` takes: every configured one, or those
// whose newest snapshot is older than their RPO (or that have none).
Result<std::vector<std::string>> DueTargets(Context* ctx, const ConfigFile& cfg, bool due) {
  std::vector<std::string> names;
  if (cfg.sources.empty()) {
    return Status::InvalidArgument(
        "--all needs [[source]] tables in tidemark.toml" +
        std::string(cfg.path.empty() ? " (none found)" : " (" + cfg.path + " has none)"));
  }
  std::vector<SnapshotInfo> all;
  if (due) {
    TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
    TM_ASSIGN_OR_RETURN(all, LoadSnapshots(*repo));
  }
  for (const SourceConfig& s : cfg.sources) {
    if (due && !BackupDue(LatestOf(all, s.name), s.rpo_us, ctx->repo()->clock()->NowMicros())) {
      continue;
    }
    names.push_back(s.name);
  }
  return names;
}

// Takes one backup through the use case; prints its summary once it is
// stored (before the webhook is posted) and adds its JSON to *w.
Status BackupOne(Context* ctx, const ConfigFile& cfg, BackupJob job, JsonWriter* w,
                 size_t* anomalies) {
  BackupOptions& opts = job.opts;
  opts.show_progress = ctx->ShowProgress();
  const AnomalyRules defaults;
  opts.anomalies = job.source ? &job.source->anomalies : &defaults;
  // The source's, with its tidemark.toml input; for a URI, the detected one.
  std::unique_ptr<Profile> profile = MakeAutoProfile(ProfileInput{});
  if (job.source != nullptr) {
    TM_ASSIGN_OR_RETURN(profile, MakeProfile(*job.source));
  }
  opts.profile = profile.get();
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  WebhookTransport transport(ctx);
  const BackupAlerts alerts{PolicyOf(cfg.alerts), &transport};
  TM_ASSIGN_OR_RETURN(BackupOutcome out,
                      BackupSource(repo, ctx->Log(), opts, alerts,
                                   [ctx](const BackupResult& r) { PrintSummary(ctx, r); }));
  *anomalies += out.result.manifest.anomalies.size();
  SummaryJson(out, w);
  return Status::OK();
}

Status RunBackup(Context* ctx, const BackupFlags& flags) {
  if (flags.due && !flags.all) return Status::InvalidArgument("--due goes with --all");
  if (flags.all && !flags.targets.empty()) {
    return Status::InvalidArgument("give source names or --all, not both");
  }
  if (!flags.all && flags.targets.empty()) {
    return Status::InvalidArgument("name what to back up: a source URI (" + SourceUriForms() +
                                   "), a configured source, or --all");
  }
  TM_RETURN_IF_ERROR(ValidateLabels(flags));
  if (flags.name_given && (flags.all || flags.targets.size() > 1)) {
    return Status::InvalidArgument("--name goes with one source URI (" + SourceUriForms() + ")");
  }
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", flags.all, "[[source]] tables"));
  std::vector<std::string> targets = flags.targets;
  if (flags.all) {
    TM_ASSIGN_OR_RETURN(targets, DueTargets(ctx, cfg, flags.due));
  }
  // Resolve every target before backing any up: a typo fails fast.
  std::vector<BackupJob> jobs;
  for (const std::string& t : targets) {
    TM_ASSIGN_OR_RETURN(BackupJob job, JobFor(cfg, flags, t));
    jobs.push_back(std::move(job));
  }
  const bool list = flags.all || jobs.size() > 1;
  JsonWriter w;
  if (list) w.BeginObject().Key("backups").BeginArray();
  Status first_error;
  size_t anomalies = 0, failed = 0;
  // SIGINT / SIGTERM stop the backup at its next check point (exit 130).
  CancelToken cancel;
  TM_RETURN_IF_ERROR(InstallPauseHookFromEnvironment(&cancel));
  ScopedInterrupt interrupt(&cancel);
  for (BackupJob& job : jobs) {
    const std::string name = job.opts.name;
    job.opts.cancel = &cancel;
    Status s = BackupOne(ctx, cfg, std::move(job), &w, &anomalies);
    if (!s.ok()) {
      failed++;
      if (!list || s.IsCancelled()) return s;  // the sources not reached are not backed up
      fprintf(stderr, "tidemark: error: backup of %s: %s\n", name.c_str(), s.message().c_str());
      if (first_error.ok()) first_error = s.WithContext("backup of " + name);
    }
  }
  if (list) {
    w.EndArray().Field("failed", static_cast<uint64_t>(failed));
    w.Field("anomalies", static_cast<uint64_t>(anomalies)).EndObject();
    if (jobs.empty()) ctx->Print("no source is due");
  }
  ctx->PrintJson(w);
  if (!first_error.ok()) return first_error;
  if (flags.fail_on_anomaly && anomalies > 0) {
    return Status::Refused(std::to_string(anomalies) +
                           " anomalies found (--fail-on-anomaly); the snapshots are stored; "
                           "`tidemark alerts list` shows them");
  }
  return Status::OK();
}

}  // namespace

void AddBackupCommand(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<BackupFlags>();
  CLI::App* cmd = app->add_subcommand("backup", "Take a record snapshot of a source");
  cmd->add_option("source", flags->targets,
                  "a source URI (" + SourceUriForms() + "), or configured source names");
  cmd->add_flag("--all", flags->all, "every source in tidemark.toml");
  cmd->add_flag("--due", flags->due,
                "with --all: only sources whose last snapshot is older than their RPO");
  cmd->add_flag("--fail-on-anomaly", flags->fail_on_anomaly,
                "exit 4 after storing the snapshot when anomalies were found");
  CLI::Option* name =
      cmd->add_option("--name", flags->name,
                      "Source name (default: the file's stem); " + std::string(kSourceNameRule));
  cmd->add_option("--tag", flags->tags, "Tag the snapshot (repeatable)");
  cmd->add_flag("--require-integrity", flags->require_integrity,
                "exit 4, storing nothing, when the source's integrity check (" +
                    IntegrityCheckNames() + ") finds damage");
  cmd->add_option("--env", flags->env, "Environment label (prod, staging, ...)");
  cmd->add_option("--domain", flags->domain, "Data domain label (sales, hr, ...)");
  cmd->add_option("--purpose", flags->purpose, "Purpose label (scheduled, pre-change, ...)");
  cmd->add_option("--host", flags->host, "Host name to record (default: this host)");
  cmd->callback([ctx, flags, name] {
    flags->name_given = name->count() > 0;
    ctx->run = [ctx, flags] { return RunBackup(ctx, *flags); };
  });
}

}  // namespace tidemark::cli
