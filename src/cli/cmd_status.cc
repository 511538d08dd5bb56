// tidemark status: every configured source against its policy (RPO, drills
// and RTO, open anomalies, retention). Exit 4 when any is out of policy, so
// monitoring can run it. docs/guide/status.md
#include <CLI/CLI.hpp>
#include <set>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "ops/alerts/alerts.h"
#include "ops/drill/drill_report.h"
#include "ops/drill/drill_store.h"
#include "ops/retention/forget.h"

namespace tidemark::cli {
namespace {

struct SourceStatus {
  SourceConfig config;  // a copy: unconfigured sources get a bare one
  bool configured = true;
  const SnapshotInfo* last = nullptr;
  std::string backup;  // ok | late | never
  std::string drill;   // ok | failed | overdue | never | none
  std::string drill_detail;
  const DrillReport* last_drill = nullptr;
  size_t open_alerts = 0;
  size_t snapshots = 0, would_forget = 0;
  bool ok() const {
    return backup == "ok" && (drill == "ok" || drill == "none") && open_alerts == 0;
  }
};

std::string BackupState(const SourceStatus& s, int64_t now) {
  if (s.last == nullptr) return "never";
  if (s.config.rpo_us && now - s.last->manifest.time_us > static_cast<int64_t>(*s.config.rpo_us)) {
    return "late";
  }
  return "ok";
}

// The drill state of one source from its plans and stored runs.
void JudgeDrills(const ConfigFile& cfg, const StoredDrills& stored, int64_t now, SourceStatus* s) {
  std::vector<const DrillPlan*> plans;
  for (const DrillPlan& p : cfg.drills) {
    if (p.source == s->config.name) plans.push_back(&p);
  }
  for (const DrillReport& r : stored.reports) {
    if (r.source == s->config.name) s->last_drill = &r;  // reports are oldest first
  }
  if (s->last_drill == nullptr) {
    const bool expected = !plans.empty() || s->config.rto_us.has_value();
    s->drill = expected ? "never" : "none";
    s->drill_detail = expected ? "no drill has run" : "no drill plan and no RTO target";
    return;
  }
  // The newest run of each plan must have passed: a passing smoke drill does
  // not hide a failed deep one.
  for (const DrillPlan* p : plans) {
    const DrillReport* newest = nullptr;
    for (const DrillReport& r : stored.reports) {
      if (r.plan == p->name) newest = &r;
    }
    if (newest != nullptr && !newest->passed()) s->last_drill = newest;
  }
  const DrillReport& last = *s->last_drill;
  const uint64_t rto = last.rto_achieved_us;
  s->drill_detail = "last run " + last.run_id.substr(0, 8) + " " + FormatTimeUtc(last.started_us) +
                    ", RTO " + FormatDurationUs(rto);
  if (s->config.rto_us) s->drill_detail += " (target " + FormatDurationUs(*s->config.rto_us) + ")";
  if (!last.passed()) {
    s->drill = "failed";
    s->drill_detail +=
        ": " + std::to_string(last.CountOutcome(CheckOutcome::kFail)) + " checks failed";
    return;
  }
  if (s->config.rto_us && rto > *s->config.rto_us) {
    s->drill = "failed";
    s->drill_detail += ": RTO target missed";
    return;
  }
  for (const DrillPlan* p : plans) {
    std::vector<DrillReport> history;
    for (const DrillReport& r : stored.reports) {
      if (r.plan == p->name) history.push_back(r);
    }
    if (DrillOverdue(*p, history, now)) {
      s->drill = "overdue";
      s->drill_detail += "; plan " + p->name + " is overdue (" + p->cadence + ")";
      return;
    }
  }
  s->drill = "ok";
}

void RetentionState(const std::vector<SnapshotInfo>& all, const std::set<Id>& held,
                    SourceStatus* s) {
  s->snapshots = PolicyItemsOf(all, held, s->config.name, {}).size();
  // The same computation as `forget` from the catalog.
  for (const PolicyGroup& g :
       ApplySourcePolicies(all, held, {{s->config.name, s->config.retention}})) {
    for (const PolicyDecision& d : g.decisions) s->would_forget += !d.keep;
  }
}

void PrintSource(Context* ctx, const SourceStatus& s, int64_t now) {
  std::string head = s.config.name + (s.ok() ? "  ok" : "  OUT OF POLICY");
  std::vector<std::string> about;
  if (!s.config.owner.empty()) about.push_back("owner " + s.config.owner);
  if (!s.config.domain.empty()) about.push_back("domain " + s.config.domain);
  if (!s.config.sensitivity.empty()) about.push_back(s.config.sensitivity);
  if (!s.configured) about.push_back("not in the config");
  for (size_t i = 0; i < about.size(); ++i) head += (i ? ", " : "  (") + about[i];
  if (!about.empty()) head += ")";
  ctx->Print(head);
  std::string backup = "  backup     " + s.backup;
  if (s.last) {
    backup += ": last snapshot " + s.last->id.Short() + " " +
              FormatDurationUs(
                  static_cast<uint64_t>(std::max<int64_t>(0, now - s.last->manifest.time_us))) +
              " ago";
  }
  if (s.config.rpo_us) backup += ", RPO " + FormatDurationUs(*s.config.rpo_us);
  ctx->Print(backup);
  ctx->Print("  drill      " + s.drill + ": " + s.drill_detail);
  ctx->Print("  anomalies  " + std::to_string(s.open_alerts) + " open" +
             (s.open_alerts ? " (`tidemark alerts list --source " + s.config.name + "`)" : ""));
  std::string retention = "  retention  " + std::to_string(s.snapshots) + " snapshots";
  if (!s.config.retention.empty()) {
    retention += "; policy " + s.config.retention.Describe() + ": " +
                 std::to_string(s.would_forget) + " would be forgotten";
  }
  ctx->Print(retention);
}

void SourceJson(JsonWriter* w, const SourceStatus& s, int64_t now) {
  w->BeginObject().Field("name", s.config.name).Field("ok", s.ok());
  w->Field("configured", s.configured).Field("owner", s.config.owner);
  w->Field("domain", s.config.domain).Field("sensitivity", s.config.sensitivity);
  w->Key("backup").BeginObject().Field("state", s.backup);
  if (s.last) {
    w->Field("snapshot", s.last->id.Hex()).Field("time", FormatTimeUtc(s.last->manifest.time_us));
    w->Field("age_us", static_cast<uint64_t>(std::max<int64_t>(0, now - s.last->manifest.time_us)));
  }
  if (s.config.rpo_us) w->Field("rpo_us", *s.config.rpo_us);
  w->EndObject();
  w->Key("drill").BeginObject().Field("state", s.drill).Field("detail", s.drill_detail);
  if (s.last_drill) {
    w->Field("run_id", s.last_drill->run_id).Field("passed", s.last_drill->passed());
    w->Field("rto_achieved_us", s.last_drill->rto_achieved_us);
  }
  if (s.config.rto_us) w->Field("rto_target_us", *s.config.rto_us);
  w->EndObject();
  w->Key("anomalies").BeginObject().Field("open", static_cast<uint64_t>(s.open_alerts)).EndObject();
  w->Key("retention").BeginObject().Field("snapshots", static_cast<uint64_t>(s.snapshots));
  w->Field("policy", s.config.retention.empty() ? "" : s.config.retention.Describe());
  w->Field("would_forget", static_cast<uint64_t>(s.would_forget)).EndObject();
  w->EndObject();
}

Status RunStatus(Context* ctx) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, LoadSnapshots(*repo));
  TM_ASSIGN_OR_RETURN(StoredDrills stored, ListDrillReports(*repo));
  TM_ASSIGN_OR_RETURN(std::set<std::string> acked, AcknowledgedAlerts(repo));
  TM_ASSIGN_OR_RETURN(std::set<Id> held, HeldSnapshots(*repo));
  const int64_t now = repo->clock()->NowMicros();
  std::vector<SourceStatus> rows;
  for (const SourceConfig& c : cfg.sources) {
    SourceStatus row;
    row.config = c;
    rows.push_back(std::move(row));
  }
  if (cfg.sources.empty()) {  // no catalog: every source that has snapshots, without targets
    std::set<std::string> seen;
    for (const SnapshotInfo& s : all) {
      if (seen.insert(s.manifest.source).second) {
        SourceStatus row;
        row.config.name = s.manifest.source;
        row.configured = false;
        rows.push_back(row);
      }
    }
  }
  JsonWriter w;
  w.BeginObject().Key("sources").BeginArray();
  // A drill report that does not verify may be any source's newest result
  // (a failure someone hid): nothing can be called within policy then.
  size_t out_of_policy = stored.damaged.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    SourceStatus& s = rows[i];
    s.last = LatestOf(all, s.config.name);
    s.backup = BackupState(s, now);
    JudgeDrills(cfg, stored, now, &s);
    s.open_alerts = OpenAlerts(all, acked, s.config.name).size();
    RetentionState(all, held, &s);
    out_of_policy += !s.ok();
    if (i) ctx->Print("");
    PrintSource(ctx, s, now);
    SourceJson(&w, s, now);
  }
  w.EndArray().Key("damaged_drill_reports").BeginArray();
  for (const auto& [name, why] : stored.damaged) {
    ctx->Print("DAMAGED drill report " + name + ": " + why);
    w.BeginObject().Field("run_id", name).Field("message", why).EndObject();
  }
  w.EndArray().Field("ok", out_of_policy == 0);
  w.Field("out_of_policy", static_cast<uint64_t>(out_of_policy)).EndObject();
  if (rows.empty()) ctx->Print("no sources: declare [[source]] tables in tidemark.toml");
  ctx->PrintJson(w);
  if (out_of_policy > 0) {
    return Status::Refused(stored.damaged.empty()
                               ? std::to_string(out_of_policy) + " of " +
                                     std::to_string(rows.size()) + " sources are out of policy"
                               : std::to_string(stored.damaged.size()) +
                                     " drill reports do not verify; run `tidemark check`");
  }
  return Status::OK();
}

}  // namespace

void AddStatusCommand(CLI::App* app, Context* ctx) {
  CLI::App* cmd = app->add_subcommand(
      "status", "Every source against its policy: RPO, drills and RTO, anomalies, retention");
  cmd->callback([ctx] { ctx->run = [ctx] { return RunStatus(ctx); }; });
}

}  // namespace tidemark::cli
