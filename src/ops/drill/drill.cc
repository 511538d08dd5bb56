#include "ops/drill/drill.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <tuple>

#include "base/ascii.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "ops/drill/drill_checks.h"
#include "ops/integrity/damage_map.h"
#include "ops/restore/restore.h"

namespace tidemark {
namespace {

using drill::Restored;

uint64_t Since(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

void AddCheck(DrillReport* rep, const char* kind, std::string name, CheckOutcome o,
              std::string detail) {
  rep->checks.push_back({kind, std::move(name), o, std::move(detail), 0});
}

// Chooses the snapshot the plan names among the source's snapshots.
Result<const SnapshotInfo*> ChooseSnapshot(const DrillPlan& plan, const DrillContext& ctx) {
  std::vector<const SnapshotInfo*> mine;
  for (const SnapshotInfo& s : ctx.snapshots) {
    if (s.manifest.source == plan.source) mine.push_back(&s);
  }
  if (mine.empty()) {
    return Status::NotFound("source '" + plan.source + "' has no snapshots; back it up first");
  }
  if (plan.snapshot == "latest") return mine.back();
  if (plan.snapshot == "oldest") return mine.front();
  if (plan.snapshot == "random") {
    std::mt19937_64 rng(std::random_device{}());
    return mine[std::uniform_int_distribution<size_t>(0, mine.size() - 1)(rng)];
  }
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, ResolveSnapshot(ctx.snapshots, plan.snapshot));
  if (s->manifest.source != plan.source) {
    return Status::InvalidArgument("snapshot " + s->id.Short() + " belongs to source '" +
                                   s->manifest.source + "', not to '" + plan.source + "'");
  }
  return s;
}

// The tables this run restores: the plan's, or with rotation the share
// least recently covered by earlier runs (empty = all).
std::vector<std::string> ChooseTables(const DrillPlan& plan, const Manifest& m,
                                      const std::vector<DrillReport>& history) {
  if (!plan.rotate) return plan.tables;
  std::vector<std::string> eligible;
  for (const SnapshotTable& t : m.tables) {
    if (t.schema.kind != TableKind::kTable && t.schema.kind != TableKind::kVirtual) continue;
    if (!plan.tables.empty() &&
        std::none_of(plan.tables.begin(), plan.tables.end(), [&](const std::string& n) {
          return AsciiLower(n) == AsciiLower(t.schema.name);
        })) {
      continue;
    }
    eligible.push_back(t.schema.name);
  }
  std::map<std::string, int64_t> last;  // folded name -> last run that restored it
  for (const DrillReport& r : history) {
    for (const DrillTable& t : r.tables) {
      int64_t& at = last[AsciiLower(t.name)];
      at = std::max(at, r.started_us);
    }
  }
  const size_t n =
      plan.rotate_tables > 0 ? plan.rotate_tables : std::max<size_t>(1, (eligible.size() + 3) / 4);
  // Stable: among tables covered equally long ago, schema order decides.
  std::stable_sort(eligible.begin(), eligible.end(), [&](const auto& a, const auto& b) {
    return last[AsciiLower(a)] < last[AsciiLower(b)];
  });
  if (eligible.size() > n) eligible.resize(n);
  return eligible;
}

// A fresh location for the scratch copy of `source`, from its connector:
// in the plan's scratch_dir (a file) or on its scratch_server (a database),
// which must be of the source's kind.
Result<std::string> MakeScratch(const DrillPlan& plan, const ConnectorRegistry& connectors,
                                const SourceRef& source) {
  ScratchRequest req{plan.name, plan.scratch_dir, "", source.location};
  if (!plan.scratch_server.empty()) {
    TM_ASSIGN_OR_RETURN(SourceRef server, connectors.Resolve(plan.scratch_server));
    if (server.connector != source.connector) {
      return Status::InvalidArgument(
          "drill '" + plan.name + "': scratch_server " + plan.scratch_server + " is not a " +
          std::string(source.connector->scheme()) + ": location like its source");
    }
    req.server = server.location;
  }
  return source.connector->CreateScratch(req);
}

const DrillReport* LastPassing(const std::vector<DrillReport>& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->passed()) return &*it;
  }
  return nullptr;
}

// After a failed restore: reads every blob the snapshot needs and adds one
// failed "damage" row per damaged blob, naming its table and key range, so
// the report says what is lost, not only that the restore stopped.
void ExplainDamage(const DrillContext& ctx, const SnapshotInfo& snap, DrillReport* rep) {
  const auto start = std::chrono::steady_clock::now();
  auto damaged = CheckSnapshotData(ctx.store, snap.id, snap.manifest, ctx.show_progress);
  if (!damaged.ok()) {
    AddCheck(rep, "damage", "snapshot " + snap.id.Short(), CheckOutcome::kFail,
             "could not map the damage: " + damaged.status().message());
    return;
  }
  for (const DamagedBlob& d : *damaged) {
    std::string where;
    for (size_t i = 0; i < d.uses.size() && i < 5; ++i) {
      where += (i ? "; " : "") + d.uses[i].table + " " + d.uses[i].DescribeKeys();
    }
    if (d.uses.size() > 5) where += "; and " + std::to_string(d.uses.size() - 5) + " more";
    rep->checks.push_back({"damage", "blob " + d.blob.Short(), CheckOutcome::kFail,
                           (where.empty() ? "below a damaged node" : where) + ": " + d.problem, 0});
  }
  rep->checks.back().duration_us = Since(start);
}

// Restores the snapshot into r's location with r's connector and adds the
// "restore" row (with "damage" rows after a failed one). False when the
// restore failed: nothing is checked then.
bool RestoreCopy(const DrillContext& ctx, const SnapshotInfo& snap, const drill::Restored& r,
                 DrillReport* rep) {
  const auto start = std::chrono::steady_clock::now();
  RestoreOptions opts;
  opts.path = r.location;
  opts.tables = r.tables;
  opts.verify = false;  // compared by the checks, table by table
  opts.show_progress = ctx.show_progress;
  opts.cancel = ctx.cancel;
  auto result = Restore(ctx.store, *ctx.repo, snap.manifest, *r.connector, opts);
  rep->restore_us = Since(start);
  if (!result.ok() && result.status().IsCancelled()) return false;  // RunDrill says so
  if (!result.ok()) {
    rep->checks.push_back({"restore", "snapshot " + snap.id.Short(), CheckOutcome::kFail,
                           result.status().message(), rep->restore_us});
    if (result.status().IsCorruption() || result.status().IsNotFound()) {
      ExplainDamage(ctx, snap, rep);
    }
    return false;
  }
  rep->records_restored = result->records;
  rep->bytes_restored = result->bytes;
  rep->checks.push_back({"restore", "snapshot " + snap.id.Short(), CheckOutcome::kPass,
                         std::to_string(result->tables) + " tables, " +
                             std::to_string(result->records) + " records, " +
                             FormatBytes(static_cast<double>(result->bytes)),
                         rep->restore_us});
  return true;
}

// "counts" and "digest" (as the plan runs them), filling the report's
// tables; without them, the snapshot's counts record what this run covered
// (rotation and the baseline use them).
void CheckTablesOf(const DrillPlan& plan, const drill::Restored& r, DrillReport* rep) {
  if (plan.Runs("counts") || plan.Runs("digest")) {
    std::vector<DrillCheck> rows;
    drill::CheckTables(r, &rows, &rep->tables);
    for (DrillCheck& c : rows) {
      if (plan.Runs(c.kind)) rep->checks.push_back(std::move(c));
    }
    return;
  }
  for (const SnapshotTable& t : r.manifest->tables) {
    if (t.schema.has_records() && r.Selected(t.schema.name)) {
      rep->tables.push_back({t.schema.name, t.root.count, t.schema.kind != TableKind::kTable});
    }
  }
}

// Every check the plan runs against the restored copy, through its probe.
void CheckCopy(const DrillPlan& plan, const DrillContext& ctx, const drill::Restored& r,
               const SourceRef& live, DrillReport* rep) {
  auto opened = r.connector->OpenProbe(r.location);
  if (!opened.ok()) {
    AddCheck(rep, "integrity", "open", CheckOutcome::kFail, opened.status().message());
    return;
  }
  SourceProbe* p = opened->get();
  if (plan.Runs("schema")) drill::CheckSchema(r, p, &rep->checks);
  CheckTablesOf(plan, r, rep);
  if (plan.Runs("integrity")) drill::CheckIntegrity(p, &rep->checks);
  if (plan.Runs("foreign-keys")) drill::CheckForeignKeys(r, p, &rep->checks);
  if (plan.Runs("relation")) {
    const std::vector<Relation> relations =
        MergeRelations(plan.relations, RelationsFor(r.manifest->objects, ctx.source.relations));
    drill::CheckRelations(relations, r, p, &rep->checks);
  }
  if (plan.Runs("uniqueness")) drill::CheckUniqueness(plan, r, p, &rep->checks);
  if (plan.Runs("assertion")) drill::CheckAssertions(plan, r, p, live, &rep->checks);
  if (plan.Runs("baseline")) {
    const DrillReport* base = LastPassing(ctx.history);
    const Manifest* base_manifest = nullptr;
    for (const SnapshotInfo& s : ctx.snapshots) {
      if (base && s.id.Hex() == base->snapshot_id) base_manifest = &s.manifest;
    }
    drill::CheckBaseline(plan, r, rep->tables, base, base_manifest, &rep->checks);
  }
}

// Cancelled when `cancel` stopped the run (after its scratch copy is dropped).
Status CancelledDrill(const DrillPlan& plan, const CancelToken* cancel) {
  if (cancel == nullptr || !cancel->cancelled()) return Status::OK();
  return Status::Cancelled("drill " + plan.name + " cancelled (" +
                           CancelReasonName(cancel->reason()) +
                           "): its scratch copy was dropped and no report was stored");
}

// Restore, then every check the plan runs; fills the report's tables,
// timings and check rows. `source` is the snapshot's source: its connector
// makes the scratch copy at `location`.
void RestoreAndCheck(const DrillPlan& plan, const DrillContext& ctx, const SnapshotInfo& snap,
                     const SourceRef& source, const std::string& location, DrillReport* rep) {
  const Restored restored{
      location, source.connector, &snap.manifest,
      rep->rotated ? ChooseTables(plan, snap.manifest, ctx.history) : plan.tables};
  if (!RestoreCopy(ctx, snap, restored, rep)) return;
  if (!CheckCancel(ctx.cancel, "drill-checks").ok()) return;
  const auto start = std::chrono::steady_clock::now();
  CheckCopy(plan, ctx, restored, source, rep);
  rep->checks_us = Since(start);
}

// The plan's target, else the source's: (target, "plan" | "source" | "").
std::pair<std::optional<uint64_t>, std::string> TargetOf(std::optional<uint64_t> plan,
                                                         std::optional<uint64_t> source) {
  if (plan) return {plan, "plan"};
  if (source) return {source, "source"};
  return {std::nullopt, ""};
}

void JudgeTargets(const DrillPlan& plan, const DrillContext::Source& src, DrillReport* rep) {
  rep->rto_achieved_us = rep->restore_us + rep->checks_us;
  std::tie(rep->rto_target_us, rep->rto_target_from) = TargetOf(plan.rto_us, src.rto_us);
  std::tie(rep->rpo_target_us, rep->rpo_target_from) = TargetOf(plan.rpo_us, src.rpo_us);
  auto judge = [&](const char* kind, uint64_t achieved, std::optional<uint64_t> target,
                   const std::string& from, const char* what) {
    if (!target) {
      AddCheck(rep, kind, what, CheckOutcome::kSkip,
               FormatDurationUs(achieved) + " (neither the plan nor the source sets a target)");
      return;
    }
    const bool ok = achieved <= *target;
    AddCheck(rep, kind, what, ok ? CheckOutcome::kPass : CheckOutcome::kFail,
             FormatDurationUs(achieved) + (ok ? " within " : " exceeds ") + "the " +
                 (from == "plan" ? "plan's" : "source's") + " target of " +
                 FormatDurationUs(*target));
  };
  judge("rto", rep->rto_achieved_us, rep->rto_target_us, rep->rto_target_from, "restore + checks");
  if (!rep->snapshot_id.empty()) {
    judge("rpo", rep->rpo_achieved_us, rep->rpo_target_us, rep->rpo_target_from, "snapshot age");
  }
}

std::string JoinList(const std::vector<std::string>& items, const char* none) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? none : out;
}

}  // namespace

std::string DrillAssertion::Expectation() const {
  switch (op) {
    case Op::kEq:
      return "= " + std::to_string(a);
    case Op::kGe:
      return ">= " + std::to_string(a);
    case Op::kLe:
      return "<= " + std::to_string(a);
    case Op::kBetween:
      return "between " + std::to_string(a) + " and " + std::to_string(b);
    case Op::kLive:
      return "the rows of the live source";
  }
  return "";
}

Status ParseExpectation(const std::string& text, DrillAssertion* out) {
  auto bad = [&] {
    return Status::InvalidArgument("expectation '" + text +
                                   "' is not one of: \"= N\", \">= N\", \"<= N\", "
                                   "\"between A B\", \"live\"");
  };
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  auto number = [](const std::string& w, int64_t* v) {
    char* end = nullptr;
    errno = 0;
    *v = strtoll(w.c_str(), &end, 10);
    return !w.empty() && *end == '\0' && errno == 0;
  };
  if (words.size() == 1 && words[0] == "live") {
    out->op = DrillAssertion::Op::kLive;
    return Status::OK();
  }
  if (!words.empty() && words[0] == "between") {
    if (words.size() == 4 && words[2] == "and") words.erase(words.begin() + 2);
    if (words.size() != 3 || !number(words[1], &out->a) || !number(words[2], &out->b) ||
        out->a > out->b) {
      return bad();
    }
    out->op = DrillAssertion::Op::kBetween;
    return Status::OK();
  }
  // "= 3", ">=3": split an operator glued to its number.
  if (words.size() == 1) {
    const size_t k = words[0].find_first_of("-0123456789");
    if (k == std::string::npos || k == 0) return bad();
    words = {words[0].substr(0, k), words[0].substr(k)};
  }
  if (words.size() != 2 || !number(words[1], &out->a)) return bad();
  if (words[0] == "=" || words[0] == "==") {
    out->op = DrillAssertion::Op::kEq;
  } else if (words[0] == ">=") {
    out->op = DrillAssertion::Op::kGe;
  } else if (words[0] == "<=") {
    out->op = DrillAssertion::Op::kLe;
  } else {
    return bad();
  }
  return Status::OK();
}

bool DrillPlan::Runs(const std::string& kind) const {
  return std::find(skip.begin(), skip.end(), kind) == skip.end();
}

Result<DrillReport> RunDrill(const DrillPlan& plan, const DrillContext& ctx) {
  if (ctx.connectors == nullptr) return Status::InvalidArgument("drill: no connectors given");
  DrillReport rep;
  rep.run_id = HexEncode(RandomBytes(16));
  rep.plan = plan.name;
  rep.source = plan.source;
  rep.snapshot_choice = plan.snapshot;
  rep.started_us = ctx.now_us;
  rep.tool_version = ctx.tool_version;
  rep.host = ctx.host;
  rep.actor = ctx.actor;
  rep.rotated = plan.rotate;
  rep.source_uri = ctx.source.uri;
  rep.source_owner = ctx.source.owner;
  rep.source_domain = ctx.source.domain;
  rep.source_sensitivity = ctx.source.sensitivity;
  if (ctx.repo != nullptr) rep.repository_id = ctx.repo->id_hex();
  rep.plan_definition = DescribePlan(plan);
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [id, why] : ctx.unreadable_snapshots) {
    AddCheck(&rep, "snapshot", "file " + id.Short(), CheckOutcome::kFail,
             "does not verify (" + why +
                 "); it cannot be restored, and the drill cannot tell "
                 "whether it was this source's newest");
  }
  auto chosen = ChooseSnapshot(plan, ctx);
  if (!chosen.ok()) {
    AddCheck(&rep, "snapshot", plan.snapshot, CheckOutcome::kFail, chosen.status().message());
  } else {
    const SnapshotInfo& snap = **chosen;
    rep.snapshot_id = snap.id.Hex();
    rep.snapshot_time_us = snap.manifest.time_us;
    rep.rpo_achieved_us =
        static_cast<uint64_t>(std::max<int64_t>(0, ctx.now_us - snap.manifest.time_us));
    AddCheck(&rep, "snapshot", plan.snapshot, CheckOutcome::kPass,
             "chose " + snap.id.Short() + " of " + snap.manifest.source);
    auto source = ctx.connectors->Resolve(snap.manifest.source_uri);
    if (!source.ok()) {
      AddCheck(&rep, "restore", "snapshot " + snap.id.Short(), CheckOutcome::kFail,
               "no connector for the snapshot's source: " + source.status().message());
    } else {
      TM_ASSIGN_OR_RETURN(std::string location, MakeScratch(plan, *ctx.connectors, *source));
      const SourceRef copy{source->connector, location, source->owned};
      rep.target = copy.uri();
      RestoreAndCheck(plan, ctx, snap, *source, location, &rep);
      rep.target_kept = ctx.keep;
      if (!ctx.keep) {
        if (Status s = copy.connector->DropScratch(location); !s.ok()) {
          AddCheck(&rep, "cleanup", rep.target, CheckOutcome::kFail, s.message());
        }
      }
    }
  }
  TM_RETURN_IF_ERROR(CancelledDrill(plan, ctx.cancel));
  JudgeTargets(plan, ctx.source, &rep);
  rep.finished_us = ctx.now_us + static_cast<int64_t>(Since(start));
  return rep;
}

std::vector<std::string> DescribePlan(const DrillPlan& plan) {
  auto duration = [](const std::optional<uint64_t>& us) {
    return us ? FormatDurationUs(*us) : std::string("none (the source's, if it sets one)");
  };
  std::vector<std::string> out = {
      "source = " + plan.source,
      "snapshot = " + plan.snapshot,
      "tables = " + JoinList(plan.tables, "all"),
      "rotate = " + std::string(plan.rotate ? "true" : "false") +
          (plan.rotate ? ", rotate_tables = " + std::to_string(plan.rotate_tables) : ""),
      "skip = " + JoinList(plan.skip, "none"),
      "rto = " + duration(plan.rto_us),
      "rpo = " + duration(plan.rpo_us),
      "cadence = " + (plan.cadence.empty() ? std::string("none") : plan.cadence),
      "baseline: counts may move max(" +
          std::to_string(std::lround(plan.baseline_tolerance * 100)) + "%, " +
          std::to_string(plan.baseline_min_rows) + " rows)",
      "unique = " + JoinList(plan.unique, "none"),
  };
  std::vector<std::string> rels, asserts;
  for (const Relation& r : plan.relations) rels.push_back(r.Name());
  for (const DrillAssertion& a : plan.assertions) {
    asserts.push_back(a.name + ": " + a.sql + " expects " + a.Expectation());
  }
  out.push_back("relations = " + JoinList(rels, "none"));
  out.push_back("assertions = " + JoinList(asserts, "none"));
  return out;
}

bool DrillOverdue(const DrillPlan& plan, const std::vector<DrillReport>& history, int64_t now_us) {
  if (plan.cadence_us == 0) return false;
  if (history.empty()) return true;
  int64_t last = 0;
  for (const DrillReport& r : history) last = std::max(last, r.started_us);
  return now_us - last > static_cast<int64_t>(plan.cadence_us);
}

}  // namespace tidemark
