// tidemark check [--read-data | --read-data-subset N% | --snapshot SNAP]:
// verifies the repository, or the data of one snapshot. docs/guide/check.md
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/clock.h"
#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "ops/integrity/check.h"
#include "ops/integrity/damage_map.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct CheckFlags {
  bool read_data = false;
  std::string subset;
  std::string expect_head;
  std::string snapshot;
  bool require_worm = false;
};

// Uses listed per blob in human output; --json lists them all.
constexpr size_t kUsesShown = 20;

Result<double> ParseSubset(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  char* end = nullptr;
  const double pct = strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !(pct > 0 && pct <= 100)) {
    return Status::InvalidArgument("--read-data-subset takes a percentage in (0, 100], e.g. 10%");
  }
  return pct / 100;
}

// "damage map" section: each damaged blob, then where snapshots use it.
void PrintDamageMap(Context* ctx, const std::vector<DamagedBlob>& map) {
  ctx->Print("damage map:");
  for (const DamagedBlob& d : map) {
    ctx->Print("  blob " + d.blob.Hex() + ": " + d.problem);
    if (d.uses.empty()) {
      ctx->Print("    no use found: no snapshot uses it, or only below another damaged blob");
    }
    for (size_t i = 0; i < d.uses.size() && i < kUsesShown; i++) {
      const BlobUse& u = d.uses[i];
      ctx->Print("    snapshot " + u.snapshot.Short() + " (" + u.source + ") table " + u.table +
                 ": " + u.DescribeKeys());
    }
    if (d.uses.size() > kUsesShown) {
      ctx->Print("    ... and " + std::to_string(d.uses.size() - kUsesShown) +
                 " more uses (--json lists all)");
    }
  }
}

std::string IdList(const std::vector<Id>& ids) {
  std::string out;
  for (const Id& id : ids) out += (out.empty() ? "" : " ") + id.Short();
  return out;
}

void PrintAffected(Context* ctx, const std::vector<Id>& affected,
                   const std::vector<Id>& restorable) {
  const size_t total = affected.size() + restorable.size();
  ctx->Print(std::to_string(affected.size()) + " of " + std::to_string(total) +
             " snapshots affected; " +
             (restorable.empty() ? "none is restorable" : "the others are restorable"));
  if (!affected.empty()) ctx->Print("affected:   " + IdList(affected));
  if (!affected.empty() && !restorable.empty()) ctx->Print("restorable: " + IdList(restorable));
}

void DamageMapJson(JsonWriter* w, const std::vector<DamagedBlob>& map,
                   const std::vector<Id>& affected, const std::vector<Id>& restorable) {
  w->Key("damage_map").BeginArray();
  for (const DamagedBlob& d : map) {
    w->BeginObject().Field("blob", d.blob.Hex()).Field("problem", d.problem);
    w->Key("uses").BeginArray();
    for (const BlobUse& u : d.uses) {
      w->BeginObject().Field("snapshot", u.snapshot.Hex()).Field("source", u.source);
      w->Field("table", u.table).Field("what", u.large_value ? "large value" : "tree node");
      w->Key("from");
      u.has_from ? w->String(u.from_key) : w->Null();
      w->Key("to");
      u.has_to ? w->String(u.to_key) : w->Null();
      if (u.large_value) w->Field("column", u.column);
      w->EndObject();
    }
    w->EndArray().EndObject();
  }
  w->EndArray();
  for (const auto& [key, ids] : {std::pair{"snapshots_affected", &affected},
                                 std::pair{"snapshots_restorable", &restorable}}) {
    w->Key(key).BeginArray();
    for (const Id& id : *ids) w->String(id.Hex());
    w->EndArray();
  }
}

void PrintFindings(Context* ctx, const CheckReport& r) {
  for (const CheckFinding& f : r.damage) {
    ctx->Print("DAMAGED  " + OneLine(f.object + ": " + f.message));
    // On stderr too, so that a log of a scheduled check names them.
    if (!ctx->opts.json)
      fprintf(stderr, "tidemark: damaged: %s\n", OneLine(f.object + ": " + f.message).c_str());
  }
  for (const CheckFinding& f : r.warnings) {
    ctx->Print("warning  " + OneLine(f.object + ": " + f.message));
  }
  for (const CheckFinding& f : r.notes) ctx->Print("note     " + f.object + ": " + f.message);
  if (r.damage_mapped) {
    PrintDamageMap(ctx, r.damage_map);
    PrintAffected(ctx, r.snapshots_affected, r.snapshots_restorable);
  }
  std::string summary = std::to_string(r.keys) + " keys, " + std::to_string(r.index_files) +
                        " index files, " + std::to_string(r.packs) + " packs, " +
                        std::to_string(r.blobs) + " blobs, " + std::to_string(r.snapshots) +
                        " snapshots, " + std::to_string(r.holds) + " holds, " +
                        std::to_string(r.prune_files) + " prune files, " +
                        std::to_string(r.ledger_entries) + " ledger entries checked";
  if (r.packs_read) {
    summary += "; read " + std::to_string(r.packs_read) + " packs (" +
               FormatBytes(static_cast<double>(r.bytes_read)) + ", " +
               std::to_string(r.blobs_read) + " blobs)";
  }
  ctx->Print(summary);
  ctx->Print(r.ok() ? "no damage found"
                    : std::to_string(r.damage.size()) + " damaged objects: see above");
}

void FindingsJson(JsonWriter* w, const char* key, const std::vector<CheckFinding>& findings) {
  w->Key(key).BeginArray();
  for (const CheckFinding& f : findings) {
    w->BeginObject().Field("object", f.object).Field("message", f.message).EndObject();
  }
  w->EndArray();
}

// Finds the snapshot `spec` names. A full id whose file exists but is
// damaged is not among the loaded snapshots: read it to say why (exit 3).
Result<const SnapshotInfo*> ResolveForCheck(SnapshotAccess* a, const std::string& spec) {
  auto s = a->Resolve(spec);
  if (s.ok() || !s.status().IsNotFound()) return s;
  auto id = Id::FromHex(spec);
  if (!id.ok()) return s;
  auto m = ReadSnapshot(*a->repo, *id);
  if (!m.ok() && !m.status().IsNotFound()) return m.status();
  return s;
}

void CheckSnapshotJson(Context* ctx, const SnapshotInfo& snap, const DamageWalkStats& stats,
                       const std::vector<DamagedBlob>& damaged) {
  const bool ok = damaged.empty();
  JsonWriter w;
  w.BeginObject().Field("ok", ok).Field("snapshot", snap.id.Hex());
  w.Field("source", snap.manifest.source).Field("nodes_read", stats.nodes_read);
  w.Field("chunks_read", stats.chunks_read).Field("bytes_read", stats.bytes_read);
  w.Key("damage").BeginArray();
  for (const DamagedBlob& d : damaged) {
    w.BeginObject().Field("object", "blob " + d.blob.Hex()).Field("message", d.problem);
    w.EndObject();
  }
  w.EndArray();
  const std::vector<Id> mine{snap.id};
  DamageMapJson(&w, damaged, ok ? std::vector<Id>{} : mine, ok ? mine : std::vector<Id>{});
  ctx->PrintJson(w.EndObject());
}

// check --snapshot SNAP: reads every blob the snapshot needs.
Status RunCheckSnapshot(Context* ctx, const CheckFlags& flags) {
  TM_ASSIGN_OR_RETURN(auto a, OpenSnapshots(ctx, "check"));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, ResolveForCheck(a.get(), flags.snapshot));
  DamageWalkStats stats;
  TM_ASSIGN_OR_RETURN(
      std::vector<DamagedBlob> damaged,
      CheckSnapshotData(a->store.get(), s->id, s->manifest, ctx->ShowProgress(), &stats));
  const bool ok = damaged.empty();
  for (const DamagedBlob& d : damaged) {
    ctx->Print("DAMAGED  blob " + d.blob.Hex() + ": " + OneLine(d.problem));
    if (!ctx->opts.json) {
      fprintf(stderr, "tidemark: damaged: blob %s: %s\n", d.blob.Hex().c_str(),
              OneLine(d.problem).c_str());
    }
  }
  if (!ok) PrintDamageMap(ctx, damaged);
  ctx->Print("snapshot " + s->id.Short() + " (" + s->manifest.source + ", " +
             FormatTimeUtc(s->manifest.time_us) + "): signature verified; read " +
             std::to_string(stats.nodes_read) + " tree nodes and " +
             std::to_string(stats.chunks_read) + " large-value chunks (" +
             FormatBytes(static_cast<double>(stats.bytes_read)) + ")");
  ctx->Print(ok ? "no damage found: every blob the snapshot needs is intact"
                : std::to_string(damaged.size()) +
                      " damaged blobs: a restore of the tables above would fail");
  CheckSnapshotJson(ctx, *s, stats, damaged);
  std::vector<std::string> targets{"snapshot " + s->id.Hex()};
  for (const DamagedBlob& d : damaged) {
    if (targets.size() < 101) targets.push_back("blob " + d.blob.Hex());
  }
  Status recorded =
      ctx->Record("check", ok ? "ok" : "damaged", targets,
                  {{"damaged", static_cast<int64_t>(damaged.size())},
                   {"blobs_read", static_cast<int64_t>(stats.nodes_read + stats.chunks_read)}});
  if (!ok) {
    return Status::Corruption("check found " + std::to_string(damaged.size()) +
                              " damaged blobs in snapshot " + s->id.Short());
  }
  return recorded;
}

Status RunCheck(Context* ctx, const CheckFlags& flags) {
  if (!flags.snapshot.empty()) return RunCheckSnapshot(ctx, flags);
  // Validate flags before asking for a password or taking a lock.
  CheckOptions options;
  options.read_data = flags.read_data || !flags.subset.empty();
  if (!flags.subset.empty()) {
    TM_ASSIGN_OR_RETURN(options.read_data_fraction, ParseSubset(flags.subset));
  }
  if (!flags.expect_head.empty()) {
    TM_ASSIGN_OR_RETURN(options.expect_ledger_head, ParseHead(flags.expect_head));
  }
  options.show_progress = ctx->ShowProgress();
  options.require_worm = flags.require_worm;
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "check"));
  lock->KeepFresh();  // --read-data can outlast the 30-minute staleness limit
  RepoLock* held = lock.get();
  options.keep_going = [held] {
    return held->lost() ? Status::Refused(
                              "check stopped: its lock was removed while it ran; "
                              "run it again when maintenance is done")
                        : Status::OK();
  };
  TM_ASSIGN_OR_RETURN(CheckReport r, CheckRepository(repo, options));
  PrintFindings(ctx, r);
  JsonWriter w;
  w.BeginObject().Field("ok", r.ok()).Field("keys", r.keys).Field("index_files", r.index_files);
  w.Field("packs", r.packs).Field("blobs", r.blobs).Field("packs_read", r.packs_read);
  w.Field("blobs_read", r.blobs_read).Field("bytes_read", r.bytes_read);
  w.Field("ledger_entries", r.ledger_entries).Field("snapshots", r.snapshots);
  w.Field("holds", r.holds).Field("prune_files", r.prune_files);
  w.Field("temp_files", r.temp_files).Field("temp_bytes", r.temp_bytes);
  if (repo->config().object_lock()) {
    w.Key("worm").BeginObject().Field("probed", r.worm_probed);
    w.Field("enforced", r.worm_enforced).EndObject();
  }
  FindingsJson(&w, "damage", r.damage);
  FindingsJson(&w, "warnings", r.warnings);
  FindingsJson(&w, "notes", r.notes);
  if (r.damage_mapped) {
    DamageMapJson(&w, r.damage_map, r.snapshots_affected, r.snapshots_restorable);
  }
  w.EndObject();
  ctx->PrintJson(w);
  std::vector<std::string> targets;
  for (const CheckFinding& f : r.damage) targets.push_back(f.object);
  if (targets.size() > 100) targets.resize(100);
  // A damaged ledger may refuse the entry; the check result still stands.
  Status recorded = ctx->Record("check", r.ok() ? "ok" : "damaged", targets,
                                {{"damaged", static_cast<int64_t>(r.damage.size())},
                                 {"packs_read", static_cast<int64_t>(r.packs_read)},
                                 {"blobs_read", static_cast<int64_t>(r.blobs_read)}});
  if (!r.ok()) {
    return Status::Corruption("check found " + std::to_string(r.damage.size()) +
                              " damaged objects");
  }
  return recorded;
}

}  // namespace

void AddCheckCommand(CLI::App* app, Context* ctx) {
  auto* cmd = app->add_subcommand("check", "verify the repository's structure (and data)");
  auto flags = std::make_shared<CheckFlags>();
  auto* rd = cmd->add_flag("--read-data", flags->read_data,
                           "also read every pack: decrypt, decompress and re-hash every blob");
  auto* subset =
      cmd->add_option("--read-data-subset", flags->subset, "read a random N% of the packs")
          ->excludes(rd);
  auto* head = cmd->add_option("--expect-head", flags->expect_head,
                               "ledger head SEQ:HASH kept elsewhere (see `ledger show --head`)");
  cmd->add_option("--snapshot", flags->snapshot,
                  "read and verify only the blobs this snapshot needs (id, prefix, latest, "
                  "SOURCE@latest)")
      ->excludes(rd)
      ->excludes(subset)
      ->excludes(head);
  cmd->add_flag("--require-worm", flags->require_worm,
                "fail (exit 3) unless the repository is under Object Lock and its storage "
                "refuses to delete a locked file (the WORM probe)");
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunCheck(ctx, *flags); }; });
}

}  // namespace tidemark::cli
