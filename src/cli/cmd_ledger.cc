// tidemark ledger show|verify: the audit ledger. docs/guide/ledger.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "ledger/ledger.h"
#include "ledger/ledger_json.h"

namespace tidemark::cli {
namespace {

struct LedgerFlags {
  std::string since, action, actor, expect_head;
  bool head = false;
};

std::string EntryLine(const LedgerEntry& e) {
  std::string line = std::to_string(e.seq) + "  " + FormatTimeUtc(e.time_us) + "  " +
                     e.record.actor + "  " + e.record.action + "  " + e.record.outcome;
  for (const auto& t : e.record.targets) line += "  " + t;
  for (const auto& [k, v] : e.record.counts) line += "  " + k + "=" + std::to_string(v);
  return line;
}

Status RunShow(Context* ctx, const LedgerFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  Ledger ledger(repo);
  if (flags.head) {
    TM_ASSIGN_OR_RETURN(LedgerHead head, ledger.Head());
    ctx->Print(FormatHead(head));
    JsonWriter w;
    w.BeginObject().Field("seq", head.seq).Field("hash", head.hash.Hex());
    w.Field("head", FormatHead(head)).EndObject();
    ctx->PrintJson(w);
    return Status::OK();
  }
  int64_t since = 0;
  if (!flags.since.empty() && !ParseTimeUtc(flags.since, &since)) {
    return Status::InvalidArgument(
        "--since takes a UTC time like 2026-11-21 or 2026-11-21T08:00:00Z");
  }
  JsonWriter w;
  w.BeginArray();
  TM_RETURN_IF_ERROR(ledger.ForEach(1, [&](const LedgerEntry& e) {
    if (e.time_us < since) return Status::OK();
    if (!flags.action.empty() && e.record.action != flags.action) return Status::OK();
    if (!flags.actor.empty() && e.record.actor.find(flags.actor) == std::string::npos)
      return Status::OK();
    ctx->Print(EntryLine(e));
    LedgerEntryJson(&w, e);
    return Status::OK();
  }));
  w.EndArray();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunVerify(Context* ctx, const LedgerFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  std::optional<LedgerHead> expected;
  if (!flags.expect_head.empty()) {
    TM_ASSIGN_OR_RETURN(expected, ParseHead(flags.expect_head));
  }
  Ledger ledger(repo);
  TM_ASSIGN_OR_RETURN(VerifyReport r, ledger.Verify(expected));
  for (const LedgerProblem& p : r.problems) ctx->Print("BAD  " + p.message);
  if (r.ok) {
    ctx->Print("ledger ok: " + std::to_string(r.entries_checked) + " entries, head " +
               FormatHead(r.head));
  }
  JsonWriter w;
  w.BeginObject()
      .Field("ok", r.ok)
      .Field("entries", r.entries_checked)
      .Field("head", FormatHead(r.head));
  w.Key("problems").BeginArray();
  for (const LedgerProblem& p : r.problems) {
    w.BeginObject().Field("seq", p.seq).Field("message", p.message).EndObject();
  }
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  if (!r.ok) {
    return Status::Corruption("ledger verification failed: " + r.problems.front().message);
  }
  return Status::OK();
}

}  // namespace

void AddLedgerCommand(CLI::App* app, Context* ctx) {
  auto* ledger = app->add_subcommand("ledger", "the signed, hash-chained audit ledger");
  ledger->require_subcommand(1);
  auto flags = std::make_shared<LedgerFlags>();
  auto* show = ledger->add_subcommand("show", "list ledger entries");
  show->add_option("--since", flags->since, "only entries at or after this UTC time");
  show->add_option("--action", flags->action,
                   "only entries of this action (e.g. init, check, key.add)");
  show->add_option("--actor", flags->actor, "only entries whose actor contains this text");
  show->add_flag("--head", flags->head, "print only the head as SEQ:HASH, to keep elsewhere");
  show->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunShow(ctx, *flags); }; });
  auto* verify =
      ledger->add_subcommand("verify", "verify the whole chain; exit 3 if anything is wrong");
  verify->add_option("--expect-head", flags->expect_head, "a head SEQ:HASH kept elsewhere");
  verify->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunVerify(ctx, *flags); }; });
}

}  // namespace tidemark::cli
