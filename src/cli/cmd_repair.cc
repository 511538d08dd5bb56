// tidemark repair index [--dry-run]: rebuilds the index from the pack
// headers. docs/guide/repair.md
#include <CLI/CLI.hpp>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "ops/integrity/repair_index.h"
#include "repo/format.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct RepairFlags {
  bool dry_run = false;
};

void PrintRepair(Context* ctx, const RepairIndexReport& r, bool dry_run) {
  ctx->Print("read " + std::to_string(r.packs) + " packs: " + std::to_string(r.packs_indexed) +
             " indexed (" + std::to_string(r.blobs_indexed) + " blobs), " +
             std::to_string(r.unreadable_packs.size()) + " with a damaged header");
  for (const auto& [id, problem] : r.unreadable_packs) {
    const std::string object = "pack " + id.Hex();
    // Decoder messages start with the object's name; say it once.
    const bool named = problem.rfind(object + ": ", 0) == 0;
    ctx->Print("DAMAGED  " + object + ": " + (named ? problem.substr(object.size() + 2) : problem) +
               " (left in place)");
  }
  for (const std::string& f : r.damaged_index_files) ctx->Print("DAMAGED  index " + f);
  for (const std::string& f : r.ignored_files) {
    ctx->Print("note     pack " + f + ": file name is not a pack id; ignored");
  }
  for (const Id& id : r.missing_packs) {
    ctx->Print("note     pack " + id.Hex() +
               ": named by the old index but missing; its blobs are lost "
               "(`check --read-data` maps what used them)");
  }
  for (const std::string& k : r.index_kept) ctx->Print("kept     index " + k);
  const std::string removed = std::to_string(r.index_removed.size()) + " of " +
                              std::to_string(r.old_index_files) + " old index files";
  if (dry_run) {
    ctx->Print("would write " + std::to_string(r.index_written) + " index files and remove " +
               removed + " (dry run: nothing changed)");
  } else {
    ctx->Print("wrote " + std::to_string(r.index_written) + " index files (" +
               FormatBytes(static_cast<double>(r.bytes_written)) + "); removed " + removed);
  }
  if (r.append_only) {
    ctx->Print(
        "append-only: indexed only packs that no readable index file lists; removed nothing");
  }
  for (const std::string& f : r.removal_refused) {
    ctx->Print("refused  index " + f + ": damaged, but an append-only session may not remove it");
  }
}

void RepairJson(Context* ctx, const RepairIndexReport& r, bool dry_run) {
  JsonWriter w;
  w.BeginObject().Field("dry_run", dry_run).Field("append_only", r.append_only);
  w.Field("packs", r.packs).Field("packs_indexed", r.packs_indexed);
  w.Field("blobs_indexed", r.blobs_indexed).Key("unreadable_packs").BeginArray();
  for (const auto& [id, problem] : r.unreadable_packs) {
    w.BeginObject().Field("pack", id.Hex()).Field("problem", problem).EndObject();
  }
  w.EndArray().Field("old_index_files", r.old_index_files);
  auto strings = [&w](const char* key, const std::vector<std::string>& v) {
    w.Key(key).BeginArray();
    for (const std::string& s : v) w.String(s);
    w.EndArray();
  };
  strings("damaged_index_files", r.damaged_index_files);
  strings("ignored_files", r.ignored_files);
  w.Key("missing_packs").BeginArray();
  for (const Id& id : r.missing_packs) w.String(id.Hex());
  w.EndArray();
  w.Field("index_written", r.index_written).Field("bytes_written", r.bytes_written);
  strings("index_removed", r.index_removed);
  strings("index_kept", r.index_kept);
  strings("removal_refused", r.removal_refused);
  ctx->PrintJson(w.EndObject());
}

// The ledger entry of a repair that ran: what it touched and how it ended.
Status RecordRepair(Context* ctx, const RepairIndexReport& r) {
  std::vector<std::string> targets;
  for (const auto& [id, problem] : r.unreadable_packs)
    targets.push_back("damaged pack " + id.Hex());
  for (const std::string& f : r.index_removed) targets.push_back("removed index " + f);
  if (targets.size() > 4000) targets.resize(4000);  // FORMAT.md §10 allows 4096
  const char* outcome = !r.removal_refused.empty()    ? "refused"
                        : !r.unreadable_packs.empty() ? "partial"
                                                      : "ok";
  auto n = [](uint64_t v) { return static_cast<int64_t>(v); };
  return ctx->Record(
      "repair.index", outcome, targets,
      {{"packs_indexed", n(r.packs_indexed)},
       {"blobs_indexed", n(r.blobs_indexed)},
       {"unreadable_packs", n(r.unreadable_packs.size())},
       {"index_written", n(r.index_written)},
       {"index_removed", n(r.index_removed.size())}},
      r.removal_refused.empty() ? "" : "append-only: damaged index files were not removed");
}

// What the command reports after a repair that wrote the new index: OK, or
// what was left undone and what to do about it.
Status RepairOutcome(const Repository& repo, const RepairIndexReport& r) {
  if (!r.removal_refused.empty()) {
    // An append-only key can be swapped for a full one; an append-only
    // repository never removes anything through tidemark.
    const bool by_key = (repo.config().flags & format::kConfigFlagAppendOnly) == 0;
    return Status::PermissionDenied(
        "repair index wrote the new index but may not remove " +
        std::to_string(r.removal_refused.size()) +
        " damaged index files: the session is append-only (" + repo.append_only_source() + "); " +
        (by_key ? "run `repair index` with a key that is not append-only"
                : "restore them from a copy (a file's name is its SHA-256), or remove them "
                  "with the storage's own tools"));
  }
  if (!r.unreadable_packs.empty()) {
    return Status::Corruption("repair index rebuilt the index of " +
                              std::to_string(r.packs_indexed) + " packs; " +
                              std::to_string(r.unreadable_packs.size()) +
                              " packs with a damaged header were left in place (see above)");
  }
  return Status::OK();
}

Status RunRepairIndex(Context* ctx, const RepairFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  if (!flags.dry_run) TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  // Exclusive: no writer may add an index file or pack while the old index
  // files are replaced. A dry run changes nothing and shares.
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, !flags.dry_run, "repair index"));
  lock->KeepFresh();
  RepairIndexOptions o;
  o.dry_run = flags.dry_run;
  o.show_progress = ctx->ShowProgress();
  RepoLock* held = lock.get();
  o.keep_going = [held] {
    return held->lost() ? Status::Refused(
                              "repair index stopped: its lock was removed while it ran; "
                              "run it again (what it wrote so far is harmless)")
                        : Status::OK();
  };
  auto r = RepairIndex(repo, o);
  if (!r.ok()) {
    if (!flags.dry_run) (void)ctx->Record("repair.index", "failed", {}, {}, r.status().ToString());
    return r.status();
  }
  PrintRepair(ctx, *r, flags.dry_run);
  RepairJson(ctx, *r, flags.dry_run);
  if (flags.dry_run) return Status::OK();
  TM_RETURN_IF_ERROR(RecordRepair(ctx, *r));
  return RepairOutcome(*repo, *r);
}

}  // namespace

void AddRepairCommand(CLI::App* app, Context* ctx) {
  auto* repair = app->add_subcommand("repair", "repair the repository's own structures");
  repair->require_subcommand(1);
  auto flags = std::make_shared<RepairFlags>();
  auto* index = repair->add_subcommand(
      "index", "rebuild the index from the pack headers (after index files were lost or damaged)");
  index->add_flag("--dry-run", flags->dry_run,
                  "say what would be written and removed; change nothing");
  index->callback(
      [ctx, flags] { ctx->run = [ctx, flags] { return RunRepairIndex(ctx, *flags); }; });
}

}  // namespace tidemark::cli
