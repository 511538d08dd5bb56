// tidemark prune: deletes what no kept snapshot references, safely beside
// running backups. docs/guide/retention.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "ops/retention/prune.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct PruneFlags {
  bool dry_run = false;
  std::string max_unused = "5%";
};

Result<double> ParsePercent(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  char* end = nullptr;
  const double v = t.empty() ? -1 : std::strtod(t.c_str(), &end);
  if (t.empty() || end == nullptr || *end != '\0' || !(v >= 0 && v <= 100)) {
    return Status::InvalidArgument("--max-unused takes a percentage in [0, 100], e.g. 5%");
  }
  return v / 100.0;
}

// What a prune cleaned up besides unused blobs.
void PrintCleanup(Context* ctx, const PruneReport& r) {
  if (r.temp_removed > 0) {
    ctx->Print("removed " + std::to_string(r.temp_removed) +
               " temporary files of killed writers (" +
               FormatBytes(static_cast<double>(r.temp_bytes_removed)) + ")");
  }
  if (r.duplicate_copies > 0) {
    ctx->Print(std::to_string(r.duplicate_copies) +
               " duplicate blob copies (a blob stored in more than one pack) dropped");
  }
  for (const std::string& s : r.set_aside) {
    ctx->Print("set aside a damaged pending-deletion mark (nothing it named was lost): " + s);
  }
}

// What Object Lock changed: locks extended, and files it kept.
void PrintObjectLock(Context* ctx, const PruneReport& r) {
  if (r.locks_extended > 0) {
    ctx->Print("extended the Object Lock of " + std::to_string(r.locks_extended) +
               " files that kept snapshots need");
  }
  if (r.locked_kept > 0) {
    ctx->Print(std::to_string(r.locked_kept) +
               " packs were kept in place: Object Lock retains them until " +
               FormatTimeUtc(r.locked_until_us) + " at the latest; prune again after that");
  }
}

void PrintReport(Context* ctx, const PruneReport& r, bool dry_run, std::string* json) {
  ctx->Print(std::to_string(r.roots) + " snapshots reference " + std::to_string(r.blobs_used) +
             " of " + std::to_string(r.blobs) + " blobs; " + std::to_string(r.candidates) +
             " unused (" + FormatBytes(static_cast<double>(r.candidate_bytes)) + ")");
  if (dry_run) {
    ctx->Print("would delete " + std::to_string(r.would_delete_packs) + " packs and repack " +
               std::to_string(r.would_repack_packs) + ", freeing up to " +
               FormatBytes(static_cast<double>(r.would_free_bytes)));
  } else {
    ctx->Print("deleted " + std::to_string(r.blobs_deleted) +
               " blobs: " + std::to_string(r.packs_deleted) + " packs removed (" +
               std::to_string(r.packs_repacked) + " of them repacked into " +
               std::to_string(r.packs_written) + " new), " + std::to_string(r.index_deleted) +
               " index files replaced by " + std::to_string(r.index_written) + "; " +
               FormatBytes(static_cast<double>(r.bytes_deleted)) + " deleted, " +
               FormatBytes(static_cast<double>(r.bytes_written)) + " written");
    if (r.blobs_spared > 0) {
      ctx->Print(std::to_string(r.blobs_spared) +
                 " unused blobs were kept: snapshots written meanwhile use them");
    }
    PrintObjectLock(ctx, r);
    PrintCleanup(ctx, r);
    for (const std::string& w : r.waiting_for) {
      ctx->Print("deletion pending until this operation ends: " + w);
    }
    if (!r.waiting_for.empty()) {
      ctx->Print("run `tidemark prune` again once it has finished");
    }
  }
  JsonWriter w;
  w.BeginObject().Field("dry_run", dry_run).Field("snapshots", r.roots);
  w.Field("blobs", r.blobs).Field("blobs_used", r.blobs_used).Field("unused_blobs", r.candidates);
  w.Field("unused_bytes", r.candidate_bytes);
  if (dry_run) {
    w.Field("would_delete_packs", r.would_delete_packs);
    w.Field("would_repack_packs", r.would_repack_packs);
    w.Field("would_free_bytes", r.would_free_bytes);
  } else {
    w.Field("blobs_deleted", r.blobs_deleted).Field("blobs_spared", r.blobs_spared);
    w.Field("packs_deleted", r.packs_deleted).Field("packs_repacked", r.packs_repacked);
    w.Field("packs_written", r.packs_written).Field("index_deleted", r.index_deleted);
    w.Field("index_written", r.index_written).Field("unindexed_deleted", r.unindexed_deleted);
    w.Field("bytes_deleted", r.bytes_deleted).Field("bytes_written", r.bytes_written);
    w.Field("temp_files_removed", r.temp_removed).Field("temp_bytes_removed", r.temp_bytes_removed);
    w.Field("locked_kept", r.locked_kept).Field("locks_extended", r.locks_extended);
    if (r.locked_kept > 0) w.Field("locked_until", FormatTimeUtc(r.locked_until_us));
    w.Field("duplicate_copies", r.duplicate_copies).Key("set_aside").BeginArray();
    for (const std::string& s : r.set_aside) w.String(s);
    w.EndArray();
    w.Field("marks_swept", r.marks_swept).Key("waiting_for").BeginArray();
    for (const std::string& s : r.waiting_for) w.String(s);
    w.EndArray();
  }
  w.Field("index_memory_bytes", r.index_memory_bytes).EndObject();
  if (json) {
    *json = w.str();
  } else {
    ctx->PrintJson(w);
  }
}

}  // namespace

Status RunPrune(Context* ctx, bool dry_run, double max_unused, std::string* json) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  if (!dry_run) {
    Status allowed = repo->CheckMayDelete("prune");
    if (!allowed.ok()) {
      TM_RETURN_IF_ERROR(ctx->Record("prune", "refused", {}, {}, allowed.message()));
      return allowed;
    }
    TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  }
  // A shared lock: backups go on beside prune (docs/format/prune.md §3).
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "prune"));
  lock->KeepFresh();
  PruneOptions o;
  o.dry_run = dry_run;
  o.max_unused = max_unused;
  o.show_progress = ctx->ShowProgress();
  o.own_lock = lock->info().id;
  RepoLock* held = lock.get();
  o.keep_going = [held]() {
    return held->lost() ? Status::Refused("prune's lock was removed while it ran; it stopped")
                        : Status::OK();
  };
  auto r = Prune(repo, o);
  if (!r.ok()) {
    if (!dry_run) (void)ctx->Record("prune", "failed", {}, {}, r.status().ToString());
    return r.status();
  }
  PrintReport(ctx, *r, dry_run, json);
  if (dry_run) return Status::OK();
  std::vector<std::string> targets;
  if (!r->mark.empty()) targets.push_back("mark " + r->mark);
  for (const std::string& w : r->waiting_for) targets.push_back("waiting for " + w);
  auto n = [](uint64_t v) { return static_cast<int64_t>(v); };
  return ctx->Record("prune", r->waiting_for.empty() ? "ok" : "pending", targets,
                     {{"unused_blobs", n(r->candidates)},
                      {"blobs_deleted", n(r->blobs_deleted)},
                      {"blobs_spared", n(r->blobs_spared)},
                      {"packs_deleted", n(r->packs_deleted)},
                      {"packs_repacked", n(r->packs_repacked)},
                      {"packs_written", n(r->packs_written)},
                      {"index_deleted", n(r->index_deleted)},
                      {"bytes_deleted", n(r->bytes_deleted)},
                      {"bytes_written", n(r->bytes_written)}});
}

void AddPruneCommand(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<PruneFlags>();
  auto* cmd = app->add_subcommand("prune", "delete data that no snapshot references");
  cmd->add_flag("--dry-run", flags->dry_run, "say what would be deleted; change nothing");
  cmd->add_option("--max-unused", flags->max_unused,
                  "repack a pack when more than this share of it is unused (default 5%)");
  cmd->callback([ctx, flags] {
    ctx->run = [ctx, flags]() -> Status {
      TM_ASSIGN_OR_RETURN(double p, ParsePercent(flags->max_unused));
      return RunPrune(ctx, flags->dry_run, p);
    };
  });
}

}  // namespace tidemark::cli
