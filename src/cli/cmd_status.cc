// tidemark status: every configured source against its policy (RPO, drills
// and RTO, open anomalies, retention), as ops/status judges it; this file
// only prints. Exit 4 when any is out of policy, so monitoring can run it.
// docs/guide/status.md
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/config_access.h"
#include "config/status_input.h"
#include "ops/drill/drill_report.h"
#include "ops/status/status_report.h"

namespace tidemark::cli {
namespace {

void PrintSource(Context* ctx, const SourceStatus& s, int64_t now) {
  const StatusPolicy& p = s.policy;
  std::string head = p.name + (s.ok() ? "  ok" : "  OUT OF POLICY");
  std::vector<std::string> about;
  if (!p.owner.empty()) about.push_back("owner " + p.owner);
  if (!p.domain.empty()) about.push_back("domain " + p.domain);
  if (!p.sensitivity.empty()) about.push_back(p.sensitivity);
  if (!s.configured) about.push_back("not in the config");
  for (size_t i = 0; i < about.size(); ++i) head += (i ? ", " : "  (") + about[i];
  if (!about.empty()) head += ")";
  ctx->Print(head);
  std::string backup = "  backup     " + s.backup;
  if (s.last) {
    backup +=
        ": last snapshot " + s.last->id.Short() + " " + FormatDurationUs(s.age_us(now)) + " ago";
  }
  if (p.rpo_us) backup += ", RPO " + FormatDurationUs(*p.rpo_us);
  ctx->Print(backup);
  ctx->Print("  drill      " + s.drill + ": " + s.drill_detail);
  ctx->Print("  anomalies  " + std::to_string(s.open_alerts) + " open" +
             (s.open_alerts ? " (`tidemark alerts list --source " + p.name + "`)" : ""));
  std::string retention = "  retention  " + std::to_string(s.snapshots) + " snapshots";
  if (!p.retention.empty()) {
    retention += "; policy " + p.retention.Describe() + ": " + std::to_string(s.would_forget) +
                 " would be forgotten";
  }
  ctx->Print(retention);
}

Status RunStatus(Context* ctx) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(StatusReport report, BuildStatusReport(*repo, StatusInputOf(cfg)));
  for (size_t i = 0; i < report.sources.size(); ++i) {
    if (i) ctx->Print("");
    PrintSource(ctx, report.sources[i], report.now_us);
  }
  for (const auto& [name, why] : report.stored.damaged) {
    ctx->Print("DAMAGED drill report " + name + ": " + why);
  }
  if (report.sources.empty()) ctx->Print("no sources: declare [[source]] tables in tidemark.toml");
  if (ctx->opts.json) {
    JsonWriter w;
    w.Raw(StatusJson(report));
    ctx->PrintJson(w);
  }
  return StatusOutcome(report);
}

}  // namespace

void AddStatusCommand(CLI::App* app, Context* ctx) {
  CLI::App* cmd = app->add_subcommand(
      "status", "Every source against its policy: RPO, drills and RTO, anomalies, retention");
  cmd->callback([ctx] { ctx->run = [ctx] { return RunStatus(ctx); }; });
}

}  // namespace tidemark::cli
