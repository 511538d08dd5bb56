// tidemark alerts list | ack ID...: anomalies found by backups, open until
// acknowledged. docs/guide/anomalies.md#alerts
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/snapshot_access.h"
#include "ops/alerts/alerts.h"

namespace tidemark::cli {
namespace {

struct AlertsFlags {
  std::string source;
  bool all = false;  // list: acknowledged ones too
  std::vector<std::string> ids;
  std::string reason;
};

Status ListAlertsCmd(Context* ctx, const AlertsFlags& flags) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(AlertListing listing, ListAlerts(repo, flags.source, flags.all));
  const std::set<std::string>& acked = listing.acked;
  const std::vector<OpenAlert>& alerts = listing.alerts;
  JsonWriter w;
  w.BeginArray();
  for (const OpenAlert& a : alerts) {
    const bool is_acked = acked.count(a.id) > 0;
    ctx->Print(a.id + "  " + FormatTimeUtc(a.snapshot->manifest.time_us) + "  " +
               a.snapshot->manifest.source + "  " + a.anomaly->kind + "  " + a.anomaly->detail +
               (is_acked ? "  (acknowledged)" : ""));
    w.BeginObject().Field("id", a.id).Field("source", a.snapshot->manifest.source);
    w.Field("snapshot", a.snapshot->id.Hex())
        .Field("time", FormatTimeUtc(a.snapshot->manifest.time_us));
    w.Field("kind", a.anomaly->kind).Field("table", a.anomaly->table);
    w.Field("column", a.anomaly->column).Field("count", a.anomaly->count);
    w.Field("of", a.anomaly->of).Field("detail", a.anomaly->detail);
    w.Field("acknowledged", is_acked).EndObject();
  }
  w.EndArray();
  if (alerts.empty()) ctx->Print(flags.all ? "no anomalies" : "no open anomalies");
  ctx->PrintJson(w);
  return Status::OK();
}

Status AckAlertsCmd(Context* ctx, const AlertsFlags& flags) {
  if (flags.reason.empty()) {
    return Status::InvalidArgument("say why with --reason TEXT (it goes into the ledger)");
  }
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::vector<std::string> targets,
                      AcknowledgeAlerts(repo, ctx->Log(), flags.ids, flags.reason));
  ctx->Print("acknowledged " + std::to_string(targets.size()) + " anomalies");
  JsonWriter w;
  w.BeginObject().Key("acknowledged").BeginArray();
  for (const std::string& id : flags.ids) w.String(id);
  w.EndArray().Field("reason", flags.reason).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

}  // namespace

void AddAlertsCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<AlertsFlags>();
  CLI::App* alerts = app->add_subcommand("alerts", "Anomalies found by backups");
  alerts->require_subcommand(1);
  CLI::App* list = alerts->add_subcommand("list", "Open anomalies (not yet acknowledged)");
  list->add_option("--source", flags->source, "only this source");
  list->add_flag("--all", flags->all, "acknowledged ones too");
  list->callback([ctx, flags] { ctx->run = [ctx, flags] { return ListAlertsCmd(ctx, *flags); }; });
  CLI::App* ack = alerts->add_subcommand("ack", "Acknowledge anomalies (a ledger entry)");
  ack->add_option("id", flags->ids, "alert ids as `alerts list` shows them")->required();
  ack->add_option("--reason", flags->reason, "why (recorded in the ledger)");
  ack->callback([ctx, flags] { ctx->run = [ctx, flags] { return AckAlertsCmd(ctx, *flags); }; });
}

}  // namespace tidemark::cli
