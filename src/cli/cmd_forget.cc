// tidemark forget: removes snapshots that a retention policy does not keep.
// docs/guide/retention.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "ops/retention/forget.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct ForgetFlags {
  std::string source, group_by = "source", within, max_unused = "5%";
  std::vector<std::string> tags, keep_tags, targets;
  std::string last, hourly, daily, weekly, monthly, yearly;  // "" = not given
  bool dry_run = false, prune = false, utc = false, all = false;

  bool RulesGiven() const {
    return !last.empty() || !hourly.empty() || !daily.empty() || !weekly.empty() ||
           !monthly.empty() || !yearly.empty() || !within.empty() || !keep_tags.empty();
  }
};

// `forget ID` (docs/guide/check.md): the way out for a snapshot that is
// signed but damaged, which no listing or policy sees. Recorded in the ledger.
Status RunForgetDamaged(Context* ctx, const std::string& id) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, true, "forget"));
  auto r = ForgetDamagedSnapshot(*repo, id);
  if (!r.ok()) {
    (void)ctx->Record("forget", "failed", {"snapshot " + id}, {}, r.status().ToString());
    return r.status();
  }
  TM_RETURN_IF_ERROR(
      ctx->Record("forget", "ok", {"removed " + r->id.Hex() + " (damaged)"}, {{"removed", 1}}));
  ctx->Print("removed damaged snapshot " + r->id.Short() + " (" + r->problem + ")");
  JsonWriter w;
  w.BeginObject().Field("removed", r->id.Hex()).Field("problem", r->problem).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

// `forget ID`: one target, no rules, that names no configured source and is
// a snapshot id (a hex prefix of at least 4 digits).
bool IsDamagedSnapshotId(Context* ctx, const ForgetFlags& f) {
  if (f.targets.size() != 1 || f.all || f.RulesGiven()) return false;
  const std::string& t = f.targets[0];
  if (t.size() < 4 || t.find_first_not_of("0123456789abcdef") != std::string::npos) return false;
  auto cfg = ctx->Config();
  return !(cfg.ok() && (*cfg)->FindSource(t) != nullptr);
}

Result<int> ParseCount(const char* flag, const std::string& text) {
  if (text.empty()) return 0;
  if (text == "unlimited" || text == "-1") return kKeepUnlimited;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v > 1000000) {
    return Status::InvalidArgument(std::string(flag) + " " + text +
                                   ": give a count (0 or more) or 'unlimited'");
  }
  return static_cast<int>(v);
}

Result<ForgetOptions> OptionsOf(const ForgetFlags& f) {
  ForgetOptions o;
  RetentionPolicy& p = o.policy;
  TM_ASSIGN_OR_RETURN(p.last, ParseCount("--keep-last", f.last));
  TM_ASSIGN_OR_RETURN(p.hourly, ParseCount("--keep-hourly", f.hourly));
  TM_ASSIGN_OR_RETURN(p.daily, ParseCount("--keep-daily", f.daily));
  TM_ASSIGN_OR_RETURN(p.weekly, ParseCount("--keep-weekly", f.weekly));
  TM_ASSIGN_OR_RETURN(p.monthly, ParseCount("--keep-monthly", f.monthly));
  TM_ASSIGN_OR_RETURN(p.yearly, ParseCount("--keep-yearly", f.yearly));
  if (!f.within.empty()) {
    TM_ASSIGN_OR_RETURN(p.within, ParseKeepWithin(f.within));
  }
  p.keep_tags = f.keep_tags;
  p.utc = f.utc;
  TM_ASSIGN_OR_RETURN(o.group_by, ParseGroupBy(f.group_by));
  o.source = f.source;
  o.tags = f.tags;
  o.dry_run = f.dry_run;
  if (p.empty()) {
    return Status::InvalidArgument(
        "no retention rule given: use --keep-last, --keep-hourly, --keep-daily, --keep-weekly, "
        "--keep-monthly, --keep-yearly, --keep-within or --keep-tag");
  }
  return o;
}

// forget NAME... | --all without rule flags: each source's [source.retention]
// from tidemark.toml, chosen by the same rules as `backup NAME... | --all`.
Result<ForgetOptions> CatalogOptions(Context* ctx, const ForgetFlags& f) {
  if (f.all && !f.targets.empty()) {
    return Status::InvalidArgument("give source names or --all, not both");
  }
  if (!f.all && f.targets.empty()) {
    return Status::InvalidArgument(
        "no retention rule given: name configured sources or use --all to apply their "
        "[source.retention] from tidemark.toml, or give --keep-last, --keep-daily, ... rules");
  }
  if (!f.source.empty() || !f.tags.empty() || f.group_by != "source" || f.utc) {
    return Status::InvalidArgument(
        "--source, --tag, --group-by and --utc go with --keep-* rules; a source's "
        "[source.retention] applies to all of its snapshots");
  }
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", true, "[[source]] tables"));
  ForgetOptions o;
  o.dry_run = f.dry_run;
  for (const std::string& name : f.targets) {
    TM_ASSIGN_OR_RETURN(const SourceConfig* src, FindSourceOrExplain(cfg, name));
    if (src->retention.empty()) {
      return Status::InvalidArgument("source " + name + " has no [source.retention] in " +
                                     cfg.path + ": add one, or give --keep-* rules");
    }
    o.per_source.push_back({src->name, src->retention});
  }
  if (f.all) {
    for (const SourceConfig& src : cfg.sources) {
      if (src.retention.empty()) {
        ctx->Print("source " + src.name + ": no [source.retention], nothing forgotten");
      } else {
        o.per_source.push_back({src.name, src.retention});
      }
    }
    if (o.per_source.empty()) {
      return Status::InvalidArgument("no source in " + cfg.path +
                                     " has a [source.retention]: add one, or give --keep-* rules");
    }
  }
  return o;
}

// What the ledger and the report name as the policy.
std::string PolicyText(const ForgetOptions& o) {
  if (o.per_source.empty()) return o.policy.Describe();
  std::string out = "tidemark.toml:";
  for (size_t i = 0; i < o.per_source.size(); ++i) {
    out += (i ? "; " : " ") + o.per_source[i].source + " " + o.per_source[i].policy.Describe();
  }
  return out;
}

std::string Reasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (const std::string& r : reasons) out += (out.empty() ? "" : ", ") + r;
  return out;
}

// Prints the human report and starts the JSON document in *w (left open,
// so that `--prune` can add its report).
void PrintResult(Context* ctx, const ForgetOptions& o, const ForgetResult& r, JsonWriter* out) {
  JsonWriter& w = *out;
  w.BeginObject().Field("dry_run", o.dry_run).Field("policy", PolicyText(o));
  w.Key("groups").BeginArray();
  for (const PolicyGroup& g : r.groups) {
    size_t kept = 0;
    for (const PolicyDecision& d : g.decisions) kept += d.keep;
    ctx->Print((g.key.empty() ? std::string("all snapshots") : "source " + g.key) + ": keep " +
               std::to_string(kept) + ", remove " + std::to_string(g.decisions.size() - kept));
    w.BeginObject().Field("group", g.key).Key("snapshots").BeginArray();
    for (const PolicyDecision& d : g.decisions) {
      ctx->Print(std::string(d.keep ? "  keep    " : "  remove  ") + d.item.id.Short() + "  " +
                 FormatTimeUtc(d.item.time_us) + "  " + d.item.source +
                 (d.keep ? "  " + Reasons(d.reasons) : ""));
      w.BeginObject().Field("id", d.item.id.Hex()).Field("time", FormatTimeUtc(d.item.time_us));
      w.Field("source", d.item.source).Field("keep", d.keep).Key("reasons").BeginArray();
      for (const std::string& reason : d.reasons) w.String(reason);
      w.EndArray().EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().Field("kept", r.kept).Field("removed", static_cast<uint64_t>(r.removed.size()));
  ctx->Print(std::string(o.dry_run ? "would remove " : "removed ") +
             std::to_string(r.removed.size()) + " snapshots, kept " + std::to_string(r.kept) +
             " (policy: " + PolicyText(o) + ")");
}

// `forget --prune`: prune runs after the lock is released; its JSON joins
// forget's document (`w`, still open).
Status PruneAfterForget(Context* ctx, const ForgetFlags& f, JsonWriter* w) {
  std::string t = f.max_unused;
  if (!t.empty() && t.back() == '%') t.pop_back();
  const double max_unused = std::strtod(t.c_str(), nullptr) / 100.0;
  std::string prune_json;
  Status s = RunPrune(ctx, false, max_unused, &prune_json);
  if (!s.ok()) return s;  // the error object is the JSON document then
  w->Key("prune").Raw(prune_json);
  ctx->PrintJson(w->EndObject());
  return s;
}

Status RunForget(Context* ctx, const ForgetFlags& f) {
  if (IsDamagedSnapshotId(ctx, f)) return RunForgetDamaged(ctx, f.targets[0]);
  if (f.RulesGiven() && (f.all || !f.targets.empty())) {
    return Status::InvalidArgument(
        "give --keep-* rules or source names / --all (which apply their [source.retention] "
        "from tidemark.toml), not both; --source S limits rules to one source");
  }
  TM_ASSIGN_OR_RETURN(ForgetOptions o, f.RulesGiven() ? OptionsOf(f) : CatalogOptions(ctx, f));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  if (!o.dry_run) {
    Status allowed = repo->CheckMayDelete("forget");
    if (!allowed.ok()) {
      TM_RETURN_IF_ERROR(
          ctx->Record("forget", "refused", {"policy " + PolicyText(o)}, {}, allowed.message()));
      return allowed;
    }
    TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  }
  JsonWriter w;
  bool prune = false;
  {
    // Exclusive: no hold can be placed between reading holds and deleting.
    TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, !o.dry_run, "forget"));
    auto r = Forget(*repo, o);
    if (!r.ok()) {
      if (!o.dry_run) {
        (void)ctx->Record("forget", FailureOutcome(r.status()), {"policy " + PolicyText(o)}, {},
                          r.status().ToString());
      }
      return r.status();
    }
    PrintResult(ctx, o, *r, &w);
    if (o.dry_run) {
      ctx->PrintJson(w.EndObject());
      return Status::OK();
    }
    std::vector<std::string> targets{"policy " + PolicyText(o)};
    for (const PolicyGroup& g : r->groups) {
      for (const PolicyDecision& d : g.decisions) {
        targets.push_back(d.keep ? "kept " + d.item.id.Hex() + " (" + Reasons(d.reasons) + ")"
                                 : "removed " + d.item.id.Hex());
      }
    }
    if (targets.size() > 4000) targets.resize(4000);  // FORMAT.md §10 allows 4096
    TM_RETURN_IF_ERROR(ctx->Record("forget", "ok", targets,
                                   {{"kept", static_cast<int64_t>(r->kept)},
                                    {"removed", static_cast<int64_t>(r->removed.size())}}));
    prune = f.prune && !r->removed.empty();
  }
  if (prune) return PruneAfterForget(ctx, f, &w);
  ctx->PrintJson(w.EndObject());
  return Status::OK();
}

}  // namespace

void AddForgetCommand(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<ForgetFlags>();
  auto* cmd =
      app->add_subcommand("forget", "remove snapshots that a retention policy does not keep");
  cmd->add_option("targets", f->targets,
                  "configured sources whose [source.retention] to apply (without --keep-* "
                  "rules), or the id of one damaged snapshot to remove (see `check`)");
  cmd->add_flag("--all", f->all, "apply every configured source's [source.retention]");
  cmd->add_option("--keep-last", f->last, "keep the N newest snapshots ('unlimited': all)");
  cmd->add_option("--keep-hourly", f->hourly, "keep the newest snapshot of each of N hours");
  cmd->add_option("--keep-daily", f->daily, "keep the newest snapshot of each of N days");
  cmd->add_option("--keep-weekly", f->weekly, "keep the newest snapshot of each of N ISO weeks");
  cmd->add_option("--keep-monthly", f->monthly, "keep the newest snapshot of each of N months");
  cmd->add_option("--keep-yearly", f->yearly, "keep the newest snapshot of each of N years");
  cmd->add_option("--keep-within", f->within,
                  "keep snapshots newer than DURATION before the newest one (e.g. 1y6m, 7d, 36h)");
  cmd->add_option("--keep-tag", f->keep_tags, "keep snapshots with this tag (repeatable)");
  cmd->add_option("--source", f->source, "only snapshots of this source");
  cmd->add_option("--tag", f->tags, "only snapshots with this tag (repeatable: all of them)");
  cmd->add_option("--group-by", f->group_by,
                  "apply the policy per: source (default), source,tags, or none");
  cmd->add_flag("--utc", f->utc, "hour/day/week/month/year buckets in UTC, not local time");
  cmd->add_flag("--dry-run", f->dry_run, "show what would be removed; change nothing");
  cmd->add_flag("--prune", f->prune, "run prune afterwards when snapshots were removed");
  cmd->add_option("--max-unused", f->max_unused, "with --prune: see `prune --max-unused`");
  cmd->callback([ctx, f] { ctx->run = [ctx, f] { return RunForget(ctx, *f); }; });
}

}  // namespace tidemark::cli
