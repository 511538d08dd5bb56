// tidemark rollback SOURCE --to SNAP and tidemark revert SOURCE A..B: put
// the live app back, after a plan, a preview and a safety snapshot.
// docs/guide/rollback.md
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>

#include "base/clock.h"
#include "base/hex.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "config/source_access.h"
#include "ops/rollback/rollback.h"
#include "ops/rollback/rollback_run.h"
#include "records/value_json.h"
#include "snapshot/record_diff.h"
#include "snapshot/table_names.h"
#include "sources/builtin/builtin.h"

namespace tidemark::cli {
namespace {

struct RollbackFlags {
  std::string source, to, range, live, keys_from, prefer = "none";
  std::vector<std::string> tables, keys;
  bool dry_run = false, yes = false, overwrite_unsaved = false, fire_triggers = false;
  bool without_children = false;
  double lock_timeout_s = 10;
  size_t samples = 3;
};

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// ---- output ---------------------------------------------------------------

std::string RowSummary(const TablePlan& t, const PlannedRow& r) {
  std::string line = std::string(PlanOpName(r.op)) + " " + KeyToDisplay(r.key_values);
  if (r.op == PlanOp::kUpdate) {
    for (const FieldChange& f : DiffFields(t.schema, *r.before, t.schema, *r.after)) {
      line += "  " + f.field + ": " + (f.old_value ? ValueToDisplay(*f.old_value) : "-") + " -> " +
              (f.new_value ? ValueToDisplay(*f.new_value) : "-");
    }
  } else {
    const Record& rec = r.after ? *r.after : *r.before;
    std::string fields;
    for (const auto& [name, v] : NamedFields(t.schema, rec)) {
      fields += (fields.empty() ? "" : ", ") + name + "=" + ValueToDisplay(v);
    }
    if (fields.size() > 160) fields = fields.substr(0, 157) + "...";
    line += "  {" + fields + "}";
  }
  if (!r.related.empty()) line += "  (related: " + r.related + ")";
  return line;
}

void PrintIssues(Context* ctx, const std::string& title, const std::vector<PlanIssue>& issues) {
  if (issues.empty()) return;
  ctx->Print(title + " (" + std::to_string(issues.size()) + "):");
  for (size_t i = 0; i < issues.size() && i < 20; i++) {
    ctx->Print("  " + issues[i].table + " " + KeyToDisplay(issues[i].key) + ": " +
               issues[i].problem);
  }
  if (issues.size() > 20) ctx->Print("  ... and " + std::to_string(issues.size() - 20) + " more");
}

void PrintPlan(Context* ctx, const RollbackPlan& plan, size_t samples) {
  if (plan.kind == RollbackPlan::kRollback) {
    ctx->Print("rollback of " + plan.source + " to snapshot " + plan.target.Short());
  } else {
    ctx->Print("revert of " + plan.source + ": undo the changes " + plan.from.Short() + ".." +
               plan.to.Short());
  }
  ctx->Print("live: " + plan.live.location);
  if (plan.tables.empty()) {
    ctx->Print("nothing to do: live already matches in this scope");
  } else {
    char line[256];
    std::snprintf(line, sizeof line, "  %-24s %8s %8s %8s %8s", "table", "insert", "update",
                  "delete", "related");
    ctx->Print(line);
    for (const TablePlan& t : plan.tables) {
      std::snprintf(line, sizeof line, "  %-24s %8llu %8llu %8llu %8llu", t.schema.name.c_str(),
                    (unsigned long long)t.inserts, (unsigned long long)t.updates,
                    (unsigned long long)t.deletes, (unsigned long long)t.related);
      ctx->Print(line);
    }
    for (const TablePlan& t : plan.tables) {
      for (size_t i = 0; i < t.rows.size() && i < samples; i++) {
        ctx->Print("    " + t.schema.name + ": " + RowSummary(t, t.rows[i]));
      }
      if (t.rows.size() > samples && samples > 0) {
        ctx->Print("    " + t.schema.name + ": ... " + std::to_string(t.rows.size() - samples) +
                   " more (--json lists every record)");
      }
    }
  }
  PrintIssues(ctx, "unsaved work: records changed after the newest snapshot", plan.unsaved);
  PrintIssues(ctx, "conflicts: changed again after B", plan.conflicts);
  PrintIssues(ctx, "violations the result would have", plan.violations);
  for (const std::string& s : plan.schema_issues) ctx->Print("schema: " + s);
  for (const std::string& s : plan.notes) ctx->Print("note: " + s);
}

void WriteIssues(JsonWriter* w, const char* name, const std::vector<PlanIssue>& issues) {
  w->Key(name).BeginArray();
  for (const PlanIssue& i : issues) {
    w->BeginObject().Field("table", i.table).Field("key", KeyToDisplay(i.key));
    w->Field("problem", i.problem).EndObject();
  }
  w->EndArray();
}

void WriteRow(JsonWriter* w, const TablePlan& t, const PlannedRow& r) {
  w->BeginObject().Field("op", PlanOpName(r.op)).Field("key", KeyToDisplay(r.key_values));
  if (!r.related.empty()) w->Field("related", r.related);
  auto record = [&](const char* name, const std::optional<Record>& rec) {
    w->Key(name);
    if (!rec) {
      w->Null();
      return;
    }
    w->BeginObject();
    for (const auto& [field, v] : NamedFields(t.schema, *rec)) {
      w->Key(field);
      WriteValueJson(w, v);
    }
    w->EndObject();
  };
  record("before", r.before);
  record("after", r.after);
  w->EndObject();
}

void WritePlanJson(JsonWriter* w, const RollbackPlan& plan, const std::string& refusal,
                   const ApplyResult* applied) {
  w->Field("kind", PlanVerb(plan)).Field("source", plan.source).Field("live", plan.live.location);
  if (plan.kind == RollbackPlan::kRollback) {
    w->Field("target", plan.target.Hex());
  } else {
    w->Field("from", plan.from.Hex()).Field("to", plan.to.Hex());
  }
  w->Key("newest");
  if (plan.newest.IsZero()) {
    w->Null();
  } else {
    w->String(plan.newest.Hex());
  }
  w->Key("tables").BeginArray();
  for (const TablePlan& t : plan.tables) {
    w->BeginObject().Field("table", t.schema.name).Field("inserts", t.inserts);
    w->Field("updates", t.updates).Field("deletes", t.deletes).Field("related", t.related);
    w->Key("records").BeginArray();
    for (const PlannedRow& r : t.rows) WriteRow(w, t, r);
    w->EndArray().EndObject();
  }
  w->EndArray();
  WriteIssues(w, "unsaved", plan.unsaved);
  WriteIssues(w, "conflicts", plan.conflicts);
  WriteIssues(w, "violations", plan.violations);
  w->Key("schema_issues").BeginArray();
  for (const std::string& s : plan.schema_issues) w->String(s);
  w->EndArray().Key("notes").BeginArray();
  for (const std::string& s : plan.notes) w->String(s);
  w->EndArray();
  w->Key("refused");
  if (refusal.empty()) {
    w->Null();
  } else {
    w->String(refusal);
  }
  w->Key("applied");
  if (applied == nullptr) {
    w->Null();
    return;
  }
  w->BeginObject().Field("safety_snapshot", applied->safety_snapshot.Hex());
  w->Key("post_snapshot");
  if (applied->post_snapshot.IsZero()) {
    w->Null();
  } else {
    w->String(applied->post_snapshot.Hex());
  }
  w->Field("records", applied->rows).Field("lock_wait_s", applied->lock_wait_us / 1e6);
  w->Field("triggers_suspended", static_cast<uint64_t>(applied->triggers_suspended));
  w->Field("expected_digest", HexEncode(applied->expected_digest));
  w->Field("verified_digest", HexEncode(applied->verified_digest));
  w->Field("safety_snapshot_s", applied->safety_us / 1e6);
  w->Field("transaction_s", applied->transaction_us / 1e6);
  w->Field("post_snapshot_s", applied->post_us / 1e6).EndObject();
}

// ---- the flow --------------------------------------------------------------

Result<std::vector<std::string>> ReadKeys(const RollbackFlags& flags) {
  std::vector<std::string> keys = flags.keys;
  if (flags.keys_from.empty()) return keys;
  std::ifstream in(flags.keys_from);
  if (!in) return Status::NotFound(flags.keys_from + ": cannot read the --keys-from file");
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    keys.push_back(line.substr(start));
  }
  // An empty list must never widen the scope to the whole table.
  if (keys.empty()) {
    return Status::InvalidArgument("no keys in " + flags.keys_from +
                                   " (only blank lines or comments); give one key a line, or "
                                   "leave out --keys-from to plan the whole table");
  }
  return keys;
}

// Asks on a terminal for the source name; without one, --yes is required.
Status Confirm(const RollbackPlan& plan) {
  if (!::isatty(STDIN_FILENO)) {
    return Status::Refused(
        "not applied: pass --yes to apply without a terminal, or --dry-run "
        "to only see the plan");
  }
  std::cerr << "This writes " << plan.TotalRows() << " records to " << plan.live.location
            << ". Type the source name (" << plan.source << ") to apply: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != plan.source) return Status::Refused("not applied: the confirmation did not match");
  return Status::OK();
}

// The outcome of an apply, in human lines.
void PrintApplied(Context* ctx, const RollbackPlan& plan, const ApplyResult& applied,
                  uint64_t ledger_seq, double plan_s, double trial_s) {
  const std::string verb = PlanVerb(plan);
  ctx->Print(verb + " applied: " + std::to_string(applied.rows) +
             " records written in one transaction and verified (digest " +
             HexEncode(applied.verified_digest).substr(0, 16) + ")");
  ctx->Print("safety snapshot " + applied.safety_snapshot.Short() + " holds the state before; " +
             "undo with: tidemark rollback " + plan.source + " --to " +
             applied.safety_snapshot.Short());
  if (!applied.post_snapshot.IsZero()) {
    ctx->Print("post-" + verb + " snapshot " + applied.post_snapshot.Short() +
               " holds the repaired state: " + plan.source +
               "@latest now names it; its changes are " + "reported as applied by " + verb + " " +
               std::to_string(ledger_seq) + ", not as anomalies");
  } else {
    ctx->Print("warning: no post-" + verb + " snapshot (" + applied.post_error + "); " +
               plan.source + "@latest is still the safety snapshot: run `tidemark backup " +
               plan.source + "`");
  }
  ctx->Print("took: plan " + FormatDuration(plan_s) + ", prediction " + FormatDuration(trial_s) +
             ", safety snapshot " + FormatDuration(applied.safety_us / 1e6) + ", transaction " +
             FormatDuration(applied.transaction_us / 1e6) + ", post snapshot " +
             FormatDuration(applied.post_us / 1e6));
  if (applied.lock_wait_us > 100000) {
    ctx->Print("waited " + FormatDuration(applied.lock_wait_us / 1e6) +
               " for the app's write lock");
  }
}

// Prints the plan and its JSON (with what was applied, when it was).
struct PlanOutput {
  Context* ctx;
  const RollbackPlan& plan;
  double plan_s, trial_s;

  void Json(const ApplyResult* applied) const {
    JsonWriter w;
    w.BeginObject();
    WritePlanJson(&w, plan, plan.RefusalReason(), applied);
    w.Key("timings").BeginObject().Field("plan_s", plan_s).Field("predict_s", trial_s);
    w.EndObject().EndObject();
    ctx->PrintJson(w);
  }
};

ApplyOptions ApplyOptionsOf(Context* ctx, const RollbackFlags& flags) {
  ApplyOptions opts;
  opts.lock_timeout_ms = int(flags.lock_timeout_s * 1000);
  opts.fire_triggers = flags.fire_triggers;
  opts.show_progress = ctx->ShowProgress();
  return opts;
}

// Shows the plan, and unless refused or a dry run, applies it.
Status Execute(Context* ctx, const RollbackSession& session, RollbackPlan plan, double plan_s,
               const RollbackFlags& flags) {
  const ApplyOptions opts = ApplyOptionsOf(ctx, flags);
  plan.overwrite_unsaved = flags.overwrite_unsaved;
  // Predict constraint violations, so that a dry run or a person
  // confirming sees them. With --yes the apply itself finds them (before
  // COMMIT) and refuses the same way, after the safety snapshot: the trial
  // would only double the time the app's write lock is held.
  const auto trial_start = std::chrono::steady_clock::now();
  if (flags.dry_run || !flags.yes) TM_RETURN_IF_ERROR(PredictViolations(session, &plan, opts));
  const PlanOutput out{ctx, plan, plan_s, SecondsSince(trial_start)};
  PrintPlan(ctx, plan, flags.samples);
  if (!plan.RefusalReason().empty()) {
    out.Json(nullptr);
    return RefusePlan(session, plan);
  }
  if (flags.dry_run || plan.TotalRows() == 0) {
    out.Json(nullptr);
    if (flags.dry_run && plan.TotalRows() > 0) ctx->Print("dry run: nothing was written");
    return Status::OK();
  }
  if (!flags.yes) TM_RETURN_IF_ERROR(Confirm(plan));
  TM_ASSIGN_OR_RETURN(RecordedApply done, ApplyRecorded(session, plan, opts));
  PrintApplied(ctx, plan, done.applied, done.ledger_seq, plan_s, out.trial_s);
  out.Json(&done.applied);
  return Status::OK();
}

Result<std::unique_ptr<SnapshotAccess>> OpenSource(Context* ctx, const std::string& source,
                                                   const char* command) {
  TM_ASSIGN_OR_RETURN(auto access, OpenSnapshots(ctx, command, source));
  if (access->all.empty()) {
    return Status::NotFound("no snapshot of source '" + source +
                            "' in this repository; `tidemark snapshots` lists the sources");
  }
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  return access;
}

// What tidemark.toml says of the source, when it is a catalog source: its
// labels for the apply's snapshots, and its declared relations (for
// snapshots taken before they were stored with each snapshot).
Status AddCatalog(Context* ctx, RollbackSession* s) {
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  const SourceConfig* src = cfg.FindSource(s->source);
  if (src == nullptr) return Status::OK();
  if (!src->owner.empty()) s->catalog.emplace_back("owner", src->owner);
  if (!src->domain.empty()) s->catalog.emplace_back("domain", src->domain);
  if (!src->sensitivity.empty()) s->catalog.emplace_back("sensitivity", src->sensitivity);
  s->relations_without_annotations = src->profile_input.relations;
  return Status::OK();
}

// The session of the use case for the source of `flags`: its live source
// (--live, else as the newest snapshot recorded it), its catalog, and the
// ledger entries written as this command's. Prints what an interrupted
// apply of the source had done.
Result<RollbackSession> SessionOf(Context* ctx, const SnapshotAccess& access,
                                  const RollbackFlags& flags) {
  RollbackSession s;
  s.repo = access.repo;
  s.store = access.store.get();
  s.cache = access.cache.get();
  s.snapshots = &access.all;
  s.source = flags.source;
  s.show_progress = ctx->ShowProgress();
  s.lock_wait_ms = int(flags.lock_timeout_s * 1000);
  s.tool_version = TIDEMARK_VERSION;
  s.record = [ctx](const std::string& action, const std::string& outcome,
                   std::vector<std::string> targets,
                   std::vector<std::pair<std::string, int64_t>> counts, const std::string& reason) {
    return ctx->Record(action, outcome, std::move(targets), std::move(counts), reason);
  };
  const SnapshotInfo* newest = LatestOf(access.all, flags.source);
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(
      s.live, ResolveSource(cfg, flags.live.empty() ? newest->manifest.source_uri : flags.live));
  std::string note;
  Status pending = ResolvePendingApply(s, &note);
  if (!note.empty()) ctx->Print("note: " + note);
  TM_RETURN_IF_ERROR(pending);
  return s;
}

// The scope of `flags`; a --table may give a table's display name in `snap`.
Result<RollbackScope> ScopeOf(const RollbackFlags& flags, const Manifest& snap) {
  RollbackScope scope;
  for (const std::string& t : flags.tables) {
    Result<std::string> found = ResolveTableName(snap, t);
    if (!found.ok() && !found.status().IsNotFound()) return found.status();
    scope.tables.push_back(found.ok() ? *found : t);  // the planner explains a missing one
  }
  scope.with_children = !flags.without_children;
  TM_ASSIGN_OR_RETURN(scope.keys, ReadKeys(flags));
  return scope;
}

Status RunRollback(Context* ctx, const RollbackFlags& flags) {
  TM_ASSIGN_OR_RETURN(auto access, OpenSource(ctx, flags.source, "rollback"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* target, access->Resolve(flags.to));
  if (target->manifest.source != flags.source) {
    return Status::InvalidArgument("snapshot " + target->id.Short() + " is of source '" +
                                   target->manifest.source + "', not '" + flags.source + "'");
  }
  TM_ASSIGN_OR_RETURN(RollbackSession session, SessionOf(ctx, *access, flags));
  TM_ASSIGN_OR_RETURN(RollbackScope scope, ScopeOf(flags, target->manifest));
  TM_RETURN_IF_ERROR(AddCatalog(ctx, &session));
  const auto start = std::chrono::steady_clock::now();
  TM_ASSIGN_OR_RETURN(RollbackPlan plan, PlanRollbackOf(session, *target, scope));
  return Execute(ctx, session, std::move(plan), SecondsSince(start), flags);
}

// The A..B of a revert, checked: two snapshots of the source, oldest first.
Result<std::pair<const SnapshotInfo*, const SnapshotInfo*>> RangeOf(const SnapshotAccess& access,
                                                                    const RollbackFlags& flags) {
  const size_t dots = flags.range.find("..");
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* a, access.Resolve(flags.range.substr(0, dots)));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* b, access.Resolve(flags.range.substr(dots + 2)));
  if (a->manifest.source != flags.source || b->manifest.source != flags.source) {
    return Status::InvalidArgument("both snapshots of the range must be of source '" +
                                   flags.source + "'");
  }
  if (a->manifest.time_us > b->manifest.time_us) {
    return Status::InvalidArgument(
        "A is newer than B; give the range oldest first: " + b->id.Short() + ".." + a->id.Short());
  }
  return std::make_pair(a, b);
}

Status RunRevert(Context* ctx, const RollbackFlags& flags) {
  const size_t dots = flags.range.find("..");
  if (dots == std::string::npos || dots == 0 || dots + 2 >= flags.range.size()) {
    return Status::InvalidArgument(
        "give the range as A..B (two snapshots of the source, older "
        "first), e.g. " +
        flags.source + "@2026-11-20.." + flags.source + "@2026-11-21");
  }
  TM_ASSIGN_OR_RETURN(auto access, OpenSource(ctx, flags.source, "revert"));
  TM_ASSIGN_OR_RETURN(auto range, RangeOf(*access, flags));
  RevertPreference prefer = RevertPreference::kNone;
  if (flags.prefer == "revert") prefer = RevertPreference::kRevert;
  if (flags.prefer == "live") prefer = RevertPreference::kLive;
  TM_ASSIGN_OR_RETURN(RollbackScope scope, ScopeOf(flags, range.second->manifest));
  TM_ASSIGN_OR_RETURN(RollbackSession session, SessionOf(ctx, *access, flags));
  TM_RETURN_IF_ERROR(AddCatalog(ctx, &session));
  const auto start = std::chrono::steady_clock::now();
  TM_ASSIGN_OR_RETURN(RollbackPlan plan,
                      PlanRevertOf(session, *range.first, *range.second, scope, prefer));
  return Execute(ctx, session, std::move(plan), SecondsSince(start), flags);
}

// "SCHEME:LOCATION of the live source ...": the URI forms this build knows.
std::string LiveHelp() {
  std::string forms;
  for (const std::string& scheme : BuiltinConnectors().Schemes()) {
    const std::string_view help = BuiltinConnectors().Find(scheme)->location_help();
    forms +=
        (forms.empty() ? "" : " or ") + scheme + ":" + std::string(help.substr(0, help.find(' ')));
  }
  return forms + " of the live source (default: as backed up)";
}

void AddApplyFlags(CLI::App* cmd, RollbackFlags* f) {
  cmd->add_option("--table", f->tables, "Only this table (repeatable)");
  // allow_extra_args(false): CLI11 would split a composite key '[2,1]' into
  // two keys; one value per --key, parsed by ParseKey like everywhere.
  cmd->add_option("--key", f->keys, "Only this record (repeatable; with one --table)")
      ->allow_extra_args(false);
  cmd->add_option("--keys-from", f->keys_from, "Only the records listed in FILE, one key a line");
  cmd->add_flag("--without-children", f->without_children,
                "Do not bring back the children (and links) a re-created record's deletion "
                "took with it");
  cmd->add_flag("--dry-run", f->dry_run, "Show the plan; write nothing");
  cmd->add_flag("--yes", f->yes, "Apply without asking");
  cmd->add_flag("--overwrite-unsaved", f->overwrite_unsaved,
                "Apply even over records changed after the newest snapshot");
  cmd->add_flag("--fire-triggers", f->fire_triggers,
                "Let the app's triggers fire for the written records");
  cmd->add_option(
      "--lock-timeout", f->lock_timeout_s,
      "Seconds to wait for the source's locks, for the planning read and the write (default 10)");
  cmd->add_option("--live", f->live, LiveHelp());
  cmd->add_option("--samples", f->samples, "Sample records per table in the preview");
}

}  // namespace

void AddRollbackCommands(CLI::App* app, Context* ctx) {
  auto rb = std::make_shared<RollbackFlags>();
  CLI::App* cmd = app->add_subcommand("rollback", "Put the live source back as a snapshot has it");
  cmd->add_option("source", rb->source, "source name")->required();
  cmd->add_option("--to", rb->to, "the snapshot to return to")->required();
  AddApplyFlags(cmd, rb.get());
  cmd->callback([ctx, rb] { ctx->run = [ctx, rb] { return RunRollback(ctx, *rb); }; });

  auto rv = std::make_shared<RollbackFlags>();
  cmd = app->add_subcommand("revert", "Undo exactly the changes between two snapshots");
  cmd->add_option("source", rv->source, "source name")->required();
  cmd->add_option("range", rv->range, "A..B")->required();
  cmd->add_option("--prefer", rv->prefer, "For records changed again after B: revert or live")
      ->check(CLI::IsMember({"none", "revert", "live"}));
  AddApplyFlags(cmd, rv.get());
  cmd->callback([ctx, rv] { ctx->run = [ctx, rv] { return RunRevert(ctx, *rv); }; });
}

}  // namespace tidemark::cli
