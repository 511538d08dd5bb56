// tidemark drill NAME... | --all [--due]: run restore drills;
// tidemark drills [--source S]: their history; drills show RUN: one report.
// docs/guide/drills.md
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "base/clock.h"
#include "base/hex.h"
#include "cli/alerts_common.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "ops/drill/drill.h"
#include "ops/drill/drill_run.h"
#include "ops/drill/drill_store.h"
#include "sources/builtin/builtin.h"

namespace tidemark::cli {
namespace {

struct DrillFlags {
  std::vector<std::string> names;
  bool all = false, due = false, keep = false;
  std::string plan_file;
};

struct DrillsFlags {
  std::string source;
  std::string run, format = "md", out;
  bool verify = false;
};

Result<ConfigFile> LoadPlans(Context* ctx, const std::string& plan_file, bool required) {
  return LoadConfigFor(ctx, plan_file, required, "drill plans ([[drill]] tables, or --plan-file)");
}

void PrintRun(Context* ctx, const DrillReport& r) {
  std::string head = "drill " + r.plan + ": ";
  if (r.snapshot_id.empty()) {
    head += "no snapshot of " + r.source;
  } else {
    head += "snapshot " + r.snapshot_id.substr(0, 8) + " of " + r.source + " (" +
            FormatTimeUtc(r.snapshot_time_us) + ", " + r.snapshot_choice + ")";
  }
  ctx->Print(head);
  if (!r.tables.empty()) {
    ctx->Print("  restored " + std::to_string(r.AppTableCount()) + " tables, " +
               std::to_string(r.records_restored) + " records in " +
               FormatDurationUs(r.restore_us) + (r.rotated ? " (rotating share)" : "") +
               (r.target_kept ? "; kept at " + r.target : ""));
  }
  for (const DrillCheck& c : r.checks) {
    if (c.outcome != CheckOutcome::kFail && ctx->opts.verbose == 0) continue;
    const char* tag = c.outcome == CheckOutcome::kFail   ? "  FAIL  "
                      : c.outcome == CheckOutcome::kPass ? "  pass  "
                                                         : "  skip  ";
    ctx->Print(tag + c.kind + " " + c.name + ": " + c.detail);
  }
  ctx->Print("  " + std::to_string(r.checks.size()) +
             " checks: " + std::to_string(r.CountOutcome(CheckOutcome::kPass)) + " pass, " +
             std::to_string(r.CountOutcome(CheckOutcome::kFail)) + " fail, " +
             std::to_string(r.CountOutcome(CheckOutcome::kSkip)) + " skipped; RTO " +
             FormatDurationUs(r.rto_achieved_us) + ", RPO " +
             (r.snapshot_id.empty() ? std::string("-") : FormatDurationUs(r.rpo_achieved_us)));
  ctx->Print(std::string(r.passed() ? "  PASSED" : "  FAILED") + "; report stored as run " +
             r.run_id.substr(0, 8) + " (`tidemark drills show " + r.run_id.substr(0, 8) + "`)");
}

Result<std::vector<const DrillPlan*>> SelectPlans(const ConfigFile& cfg, const DrillFlags& f) {
  std::vector<const DrillPlan*> plans;
  if (f.all) {
    for (const DrillPlan& p : cfg.drills) plans.push_back(&p);
    if (plans.empty()) return Status::InvalidArgument(cfg.path + " declares no [[drill]] plans");
    return plans;
  }
  if (f.names.empty()) return Status::InvalidArgument("name a drill plan, or give --all");
  for (const std::string& n : f.names) {
    const DrillPlan* p = cfg.FindDrill(n);
    if (p == nullptr) {
      std::string known;
      for (const DrillPlan& d : cfg.drills) known += (known.empty() ? "" : ", ") + d.name;
      return Status::InvalidArgument("no drill plan named '" + n + "' in " + cfg.path +
                                     (known.empty() ? "" : "; its plans: " + known));
    }
    plans.push_back(p);
  }
  return plans;
}

// Runs one plan (its report stored, its ledger entry appended: ops/drill),
// prints it and adds it to *w, and posts a failed drill to the webhook like
// an anomaly (docs/guide/drills.md). A failed check is a report (counted in
// *failed), not an error.
Status RunAndStore(Context* ctx, const DrillPlan& plan, const DrillContext& dc,
                   const AlertsConfig& alerts, JsonWriter* w, size_t* failed) {
  TM_ASSIGN_OR_RETURN(DrillReport r,
                      RunAndRecordDrill(plan, dc, {{"command", ctx->RedactedCommandLine()}}));
  *failed += !r.passed();
  PrintRun(ctx, r);
  w->Raw(DrillReportToJson(r));
  if (auto alert = DrillAlertFor(r)) PostAlert(ctx, alerts, alert->body, alert->target, nullptr);
  return Status::OK();
}

// The source's catalog entry (its targets apply when the plan sets none;
// its declared relations hold for snapshots without annotations), or empty
// when the catalog has no such source.
DrillContext::Source CatalogSource(const ConfigFile& cfg, const DrillPlan& plan) {
  const SourceConfig* src = cfg.FindSource(plan.source);
  if (src == nullptr) return {};
  return {src->uri,
          src->owner,
          src->domain,
          src->sensitivity,
          src->rto_us,
          src->rpo_us,
          src->profile_input.relations};
}

Status RunDrills(Context* ctx, const DrillFlags& flags) {
  if (flags.due && !flags.all) return Status::InvalidArgument("--due goes with --all");
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadPlans(ctx, flags.plan_file, true));
  TM_ASSIGN_OR_RETURN(std::vector<const DrillPlan*> plans, SelectPlans(cfg, flags));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(auto batch, DrillBatch::Open(repo, &BuiltinConnectors()));
  DrillContext* dc = batch->context();
  dc->tool_version = TIDEMARK_VERSION;
  dc->host = CurrentHost();
  dc->actor = CurrentUser();
  dc->keep = flags.keep;
  dc->show_progress = ctx->ShowProgress();
  JsonWriter w;
  w.BeginObject().Key("runs").BeginArray();
  size_t failed = 0, ran = 0;
  Status first_error;  // a plan that could not run at all; the others still run
  for (const DrillPlan* plan : plans) {
    batch->ContextFor(*plan);
    if (flags.due && !DrillDue(*plan, dc->history, dc->now_us)) continue;
    ran++;
    dc->source = CatalogSource(cfg, *plan);
    Status s = RunAndStore(ctx, *plan, *dc, cfg.alerts, &w, &failed);
    if (!s.ok()) {
      failed++;
      fprintf(stderr, "tidemark: error: drill %s: %s\n", plan->name.c_str(), s.message().c_str());
      if (first_error.ok()) first_error = s.WithContext("drill " + plan->name);
    }
  }
  w.EndArray()
      .Field("ran", static_cast<uint64_t>(ran))
      .Field("failed", static_cast<uint64_t>(failed));
  w.Field("passed", failed == 0).EndObject();
  if (ran == 0) ctx->Print("no drill plan is due");
  ctx->PrintJson(w);
  if (!first_error.ok()) return first_error;
  if (failed > 0) {
    return Status::Corruption(std::to_string(failed) + " of " + std::to_string(ran) +
                              " drills failed; the reports above say which checks");
  }
  return Status::OK();
}

// One plan's line in `drills`: from the config, the history, or both.
struct PlanRow {
  std::string name, source, cadence;
  const DrillPlan* plan = nullptr;  // null: only in the history
  std::vector<const DrillReport*> runs;
  std::optional<uint64_t> rto_us;  // the plan's, else its source's (as a drill judges it)
  std::string rto_from;            // "plan", "source" or ""
};

void PlanJson(JsonWriter* w, const PlanRow& p, bool overdue) {
  w->BeginObject().Field("plan", p.name).Field("source", p.source);
  w->Field("configured", p.plan != nullptr).Field("cadence", p.cadence).Field("overdue", overdue);
  w->Key("rto_target_us");
  if (p.rto_us) {
    w->Uint(*p.rto_us);
  } else {
    w->Null();
  }
  w->Field("rto_target_from", p.rto_from);
  w->Key("runs").BeginArray();
  for (const DrillReport* r : p.runs) {
    w->BeginObject().Field("run_id", r->run_id).Field("started", FormatTimeUtc(r->started_us));
    w->Field("passed", r->passed()).Field("snapshot", r->snapshot_id);
    w->Field("rto_achieved_us", r->rto_achieved_us).Field("rpo_achieved_us", r->rpo_achieved_us);
    w->Field("checks_failed", static_cast<uint64_t>(r->CountOutcome(CheckOutcome::kFail)));
    w->EndObject();
  }
  w->EndArray().EndObject();
}

void PrintPlan(Context* ctx, const PlanRow& p, bool overdue) {
  std::string head = p.name + " (source " + p.source;
  if (!p.cadence.empty()) head += ", " + p.cadence;
  if (p.rto_us) {
    head += ", RTO target " + FormatDurationUs(*p.rto_us) +
            (p.rto_from == "source" ? " (the source's)" : "");
  }
  head += ")";
  if (!p.plan) head += " [no longer in the config]";
  if (overdue) head += " OVERDUE";
  ctx->Print(head);
  if (p.runs.empty()) {
    ctx->Print("  never run");
    return;
  }
  std::string trend;
  const size_t from = p.runs.size() > 10 ? p.runs.size() - 10 : 0;
  for (size_t i = from; i < p.runs.size(); ++i) {
    trend += (trend.empty() ? "" : " -> ") + FormatDurationUs(p.runs[i]->rto_achieved_us);
  }
  ctx->Print("  RTO trend: " + trend);
  const size_t show = std::min<size_t>(p.runs.size(), 5);
  for (size_t i = p.runs.size() - show; i < p.runs.size(); ++i) {
    const DrillReport* r = p.runs[i];
    ctx->Print("  " + r->run_id.substr(0, 8) + "  " + FormatTimeUtc(r->started_us) + "  " +
               (r->passed() ? "passed" : "FAILED") + "  RTO " +
               FormatDurationUs(r->rto_achieved_us) + "  RPO " +
               FormatDurationUs(r->rpo_achieved_us) + "  snapshot " + r->snapshot_id.substr(0, 8) +
               (r->passed() ? ""
                            : "  (" + std::to_string(r->CountOutcome(CheckOutcome::kFail)) +
                                  " checks failed)"));
  }
}

Status ListDrillHistory(Context* ctx, const DrillsFlags& flags) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadPlans(ctx, "", false));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(StoredDrills stored, ListDrillReports(*repo));
  std::vector<PlanRow> rows;
  std::map<std::string, size_t> by_name;
  for (const DrillPlan& p : cfg.drills) {
    by_name[p.name] = rows.size();
    PlanRow& row = rows.emplace_back(PlanRow{p.name, p.source, p.cadence, &p, {}, p.rto_us, ""});
    const SourceConfig* src = cfg.FindSource(p.source);
    if (p.rto_us) {
      row.rto_from = "plan";
    } else if (src != nullptr && src->rto_us) {
      row.rto_us = src->rto_us;
      row.rto_from = "source";
    }
  }
  for (const DrillReport& r : stored.reports) {
    auto it = by_name.find(r.plan);
    if (it == by_name.end()) {
      it = by_name.emplace(r.plan, rows.size()).first;
      rows.push_back({r.plan, r.source, "", nullptr, {}, std::nullopt, ""});
    }
    rows[it->second].runs.push_back(&r);
  }
  const int64_t now = repo->clock()->NowMicros();
  JsonWriter w;
  w.BeginObject().Key("plans").BeginArray();
  size_t shown = 0;
  for (const PlanRow& p : rows) {
    if (!flags.source.empty() && p.source != flags.source) continue;
    std::vector<DrillReport> history;
    for (const DrillReport* r : p.runs) history.push_back(*r);
    const bool overdue = p.plan && DrillOverdue(*p.plan, history, now);
    if (shown++) ctx->Print("");
    PrintPlan(ctx, p, overdue);
    PlanJson(&w, p, overdue);
  }
  w.EndArray().Key("damaged").BeginArray();
  for (const auto& [name, why] : stored.damaged) {
    ctx->Print("DAMAGED drill report " + name + ": " + why);
    w.BeginObject().Field("run_id", name).Field("message", why).EndObject();
  }
  w.EndArray().EndObject();
  if (shown == 0)
    ctx->Print("no drill plans or runs" +
               std::string(flags.source.empty() ? "" : " for source " + flags.source));
  ctx->PrintJson(w);
  return Status::OK();
}

// --verify: ok (exit 0) or damaged (exit 3), for auditors holding a rendering.
Status VerifyDrillReport(Context* ctx, Repository* repo, const StoredDrills& stored,
                         const std::string& spec) {
  TM_ASSIGN_OR_RETURN(DrillVerdict v, VerifyDrillRun(*repo, stored, spec));
  JsonWriter w;
  w.BeginObject().Field("run_id", v.run_id).Field("ok", v.ok).Field("repository", repo->id_hex());
  if (!v.ok) {
    w.Field("message", v.why).EndObject();
    ctx->Print("drill report " + v.run_id + ": damaged: " + v.why);
    ctx->PrintJson(w);
    return Status::Corruption("drill report " + v.run_id +
                              " is damaged; do not trust any rendering of it");
  }
  w.Field("plan", v.report.plan).Field("source", v.report.source);
  w.Field("passed", v.report.passed()).EndObject();
  ctx->Print("drill report " + v.run_id +
             ": ok: its signature verifies with the keys of repository " + repo->id_hex() +
             " (plan " + v.report.plan + ", source " + v.report.source + ", " +
             (v.report.passed() ? "PASSED" : "FAILED") + ", started " +
             FormatTimeUtc(v.report.started_us) + ")");
  ctx->PrintJson(w);
  return Status::OK();
}

Status ShowDrillRun(Context* ctx, const DrillsFlags& flags) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadPlans(ctx, "", false));
  (void)cfg;
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(StoredDrills stored, ListDrillReports(*repo));
  if (flags.verify) return VerifyDrillReport(ctx, repo, stored, flags.run);
  TM_ASSIGN_OR_RETURN(const DrillReport* found, ResolveDrillRun(stored, flags.run));
  TM_ASSIGN_OR_RETURN(const DrillReport full, ReadDrillReport(*repo, found->run_id));
  const DrillReport* r = &full;
  const std::string format = ctx->opts.json ? "json" : flags.format;
  std::string text;
  if (format == "json") {
    text = DrillReportToJson(*r) + "\n";
  } else if (format == "html") {
    text = RenderDrillHtml(*r);
  } else {
    text = RenderDrillMarkdown(*r);
  }
  if (!flags.out.empty()) {
    std::ofstream out(flags.out, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Status::IOError("cannot write " + flags.out);
    if (!ctx->opts.json) ctx->Print("wrote " + flags.out);
    return Status::OK();
  }
  fwrite(text.data(), 1, text.size(), stdout);
  return Status::OK();
}

}  // namespace

void AddDrillCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<DrillFlags>();
  CLI::App* cmd =
      app->add_subcommand("drill", "Restore a snapshot into a scratch file and prove it");
  cmd->add_option("plan", flags->names, "drill plan names (from tidemark.toml [[drill]])");
  cmd->add_flag("--all", flags->all, "run every plan");
  cmd->add_flag("--due", flags->due, "with --all: only plans overdue by their cadence");
  cmd->add_flag("--keep", flags->keep, "keep the restored scratch file (its path is printed)");
  cmd->add_option("--plan-file", flags->plan_file, "read plans from this TOML file");
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunDrills(ctx, *flags); }; });

  auto dflags = std::make_shared<DrillsFlags>();
  CLI::App* list = app->add_subcommand("drills", "Drill history: plans, trends, overdue runs");
  list->add_option("--source", dflags->source, "only plans of this source");
  CLI::App* show = list->add_subcommand("show", "Print one stored drill report");
  show->add_option("run", dflags->run, "run id (or a unique prefix)")->required();
  show->add_option("--format", dflags->format, "md (default), html or json")
      ->check(CLI::IsMember({"md", "html", "json"}));
  show->add_option("--out", dflags->out, "write to this file instead of stdout");
  show->add_flag("--verify", dflags->verify,
                 "verify the stored signed report: ok, or damaged (exit 3)");
  show->callback(
      [ctx, dflags] { ctx->run = [ctx, dflags] { return ShowDrillRun(ctx, *dflags); }; });
  list->callback([ctx, dflags, list] {
    if (list->get_subcommands().empty()) {
      ctx->run = [ctx, dflags] { return ListDrillHistory(ctx, *dflags); };
    }
  });
}

}  // namespace tidemark::cli
