// tidemark hold add|remove|list: legal holds. docs/guide/retention.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/snapshot_access.h"
#include "repo/lock.h"
#include "snapshot/catalog.h"
#include "snapshot/holds.h"

namespace tidemark::cli {
namespace {

struct HoldFlags {
  std::string snap, reason;
};

// Resolves SNAP among the snapshots that exist (a hold on a snapshot that
// is gone protects nothing).
Result<Id> ResolveSnap(Repository* repo, const std::string& spec) {
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, LoadSnapshots(*repo));
  TM_ASSIGN_OR_RETURN(const SnapshotInfo* s, ResolveSnapshot(all, spec));
  return s->id;
}

Status RunAdd(Context* ctx, const HoldFlags& f) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "hold add"));
  TM_ASSIGN_OR_RETURN(Id id, ResolveSnap(repo, f.snap));
  Hold h;
  h.snapshot = id;
  h.time_us = repo->clock()->NowMicros();
  h.actor = CurrentUser();
  h.host = CurrentHost();
  h.reason = f.reason;
  TM_RETURN_IF_ERROR(AddHold(*repo, h));
  ctx->Print("snapshot " + id.Short() + " is now held: " + f.reason);
  JsonWriter w;
  w.BeginObject().Field("snapshot", id.Hex()).Field("reason", f.reason);
  w.Field("actor", h.actor).Field("time", FormatTimeUtc(h.time_us)).EndObject();
  ctx->PrintJson(w);
  return ctx->Record("hold.add", "ok", {"snapshot " + id.Hex()}, {}, f.reason);
}

Status RunRemove(Context* ctx, const HoldFlags& f) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  // A hold on a snapshot that was since removed by hand can still be
  // released: accept a full id that names no snapshot.
  Result<Id> id = ResolveSnap(repo, f.snap);
  if (!id.ok()) {
    auto raw = Id::FromHex(f.snap);
    if (!raw.ok()) return id.status();
    id = *raw;
  }
  Status allowed = repo->CheckMayDelete("hold remove");
  if (!allowed.ok()) {
    TM_RETURN_IF_ERROR(
        ctx->Record("hold.remove", "refused", {"snapshot " + id->Hex()}, {}, allowed.message()));
    return allowed;
  }
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "hold remove"));
  auto old = ReadHold(*repo, *id);
  if (old.status().IsNotFound()) return old.status();
  std::string held_for =
      old.ok() ? old->reason : "(hold file damaged: " + old.status().message() + ")";
  TM_RETURN_IF_ERROR(RemoveHold(*repo, *id));
  ctx->Print("hold on snapshot " + id->Short() + " removed (it was held for: " + held_for + ")");
  JsonWriter w;
  w.BeginObject().Field("snapshot", id->Hex()).Field("hold_reason", held_for);
  w.Field("reason", f.reason).EndObject();
  ctx->PrintJson(w);
  std::string reason = "hold reason: " + held_for;
  if (old.ok()) reason += "; placed by " + old->actor + " at " + FormatTimeUtc(old->time_us);
  if (!f.reason.empty()) reason += "; removed because: " + f.reason;
  return ctx->Record("hold.remove", "ok", {"snapshot " + id->Hex()}, {}, reason);
}

Status RunList(Context* ctx) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::vector<Hold> holds, ListHolds(*repo));
  JsonWriter w;
  w.BeginArray();
  if (holds.empty()) ctx->Print("no holds");
  for (const Hold& h : holds) {
    if (!h.damage.empty()) {
      ctx->Print(h.snapshot.Short() +
                 "  DAMAGED hold file (still protects the snapshot): " + h.damage);
    } else {
      ctx->Print(h.snapshot.Short() + "  " + FormatTimeUtc(h.time_us) + "  " + h.actor + "@" +
                 h.host + "  " + h.reason);
    }
    w.BeginObject().Field("snapshot", h.snapshot.Hex());
    if (h.damage.empty()) {
      w.Field("time", FormatTimeUtc(h.time_us)).Field("actor", h.actor).Field("host", h.host);
      w.Field("reason", h.reason);
    } else {
      w.Field("damage", h.damage);
    }
    w.EndObject();
  }
  w.EndArray();
  ctx->PrintJson(w);
  return Status::OK();
}

}  // namespace

void AddHoldCommand(CLI::App* app, Context* ctx) {
  auto* hold = app->add_subcommand("hold", "legal holds: snapshots that are never forgotten");
  hold->require_subcommand(1);
  auto flags = std::make_shared<HoldFlags>();
  auto* add = hold->add_subcommand("add", "put a snapshot under a hold");
  add->add_option("SNAP", flags->snap, "snapshot id, prefix, latest or SOURCE@latest")->required();
  add->add_option("--reason", flags->reason, "why (recorded in the hold and the ledger)")
      ->required();
  add->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunAdd(ctx, *flags); }; });
  auto* remove = hold->add_subcommand("remove", "release a hold");
  remove->add_option("SNAP", flags->snap, "snapshot id or prefix")->required();
  remove->add_option("--reason", flags->reason, "why the hold is released (for the ledger)");
  remove->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunRemove(ctx, *flags); }; });
  hold->add_subcommand("list", "list holds")->callback([ctx] {
    ctx->run = [ctx] { return RunList(ctx); };
  });
}

}  // namespace tidemark::cli
