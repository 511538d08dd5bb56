// tidemark check [--read-data | --read-data-subset N%]: verifies the
// repository. docs/guide/check.md
#include <CLI/CLI.hpp>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "ops/check.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct CheckFlags {
  bool read_data = false;
  std::string subset;
  std::string expect_head;
};

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

void PrintFindings(Context* ctx, const CheckReport& r) {
  for (const CheckFinding& f : r.damage) ctx->Print("DAMAGED  " + f.object + ": " + f.message);
  for (const CheckFinding& f : r.notes) ctx->Print("note     " + f.object + ": " + f.message);
  std::string summary = std::to_string(r.keys) + " keys, " + std::to_string(r.index_files) +
                        " index files, " + std::to_string(r.packs) + " packs, " +
                        std::to_string(r.blobs) + " blobs, " + std::to_string(r.snapshots) +
                        " snapshots, " + std::to_string(r.ledger_entries) +
                        " ledger entries checked";
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

Status RunCheck(Context* ctx, const CheckFlags& flags) {
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
  FindingsJson(&w, "damage", r.damage);
  FindingsJson(&w, "notes", r.notes);
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
  cmd->add_option("--read-data-subset", flags->subset, "read a random N% of the packs")
      ->excludes(rd);
  cmd->add_option("--expect-head", flags->expect_head,
                  "ledger head SEQ:HASH kept elsewhere (see `ledger show --head`)");
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunCheck(ctx, *flags); }; });
}

}  // namespace tidemark::cli
