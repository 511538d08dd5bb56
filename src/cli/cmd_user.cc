// tidemark user add|list|remove|passwd, tidemark token create|revoke: the
// accounts of `tidemark serve`, kept in the repository (server/accounts.h,
// docs/guide/serve.md#accounts). Every change is a ledger entry.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/password.h"
#include "server/account_ops.h"

namespace tidemark::cli {
namespace {

struct UserFlags {
  std::string name, role, token_id, new_password_file;
  std::vector<std::string> sources;
  KdfFlags kdf;
};

Status RunAdd(Context* ctx, const UserFlags& flags) {
  TM_ASSIGN_OR_RETURN(Role role, ParseRole(flags.role));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(Account a, AddUser(*repo, ctx->Log(), flags.name, {role, flags.sources}));
  std::string scope = "every source";
  if (a.grant.scoped()) {
    scope = "";
    for (const std::string& s : a.grant.sources) scope += (scope.empty() ? "" : ", ") + s;
  }
  ctx->Print("added " + a.name + ": " + RoleName(role) + " on " + scope +
             "; `tidemark token create " + a.name + "` gives it a token");
  JsonWriter w;
  w.BeginObject().Field("name", a.name).Field("role", RoleName(role)).Key("sources").BeginArray();
  for (const std::string& s : a.grant.sources) w.String(s);
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

void AccountJson(JsonWriter* w, const Account& a) {
  w->BeginObject().Field("name", a.name).Field("role", RoleName(a.grant.role));
  w->Key("sources").BeginArray();
  for (const std::string& s : a.grant.sources) w->String(s);
  w->EndArray().Field("password", !a.password_hash.empty());
  w->Field("created", FormatTimeUtc(a.created_us)).Key("tokens").BeginArray();
  for (const TokenRecord& t : a.tokens) {
    w->BeginObject().Field("id", t.id).Field("created", FormatTimeUtc(t.created_us)).EndObject();
  }
  w->EndArray().EndObject();
}

Status RunList(Context* ctx) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(AccountsDoc doc, LoadAccounts(*repo));
  JsonWriter w;
  w.BeginArray();
  for (const Account& a : doc.accounts) {
    std::string scope;
    for (const std::string& s : a.grant.sources) scope += (scope.empty() ? "" : ",") + s;
    ctx->Print(a.name + "  " + RoleName(a.grant.role) + "  " +
               (scope.empty() ? std::string("all sources") : scope) + "  " +
               std::to_string(a.tokens.size()) + " tokens" +
               (a.password_hash.empty() ? "" : ", password"));
    for (const TokenRecord& t : a.tokens) {
      ctx->Print("    token " + t.id + "  created " + FormatTimeUtc(t.created_us));
    }
    AccountJson(&w, a);
  }
  w.EndArray();
  if (doc.accounts.empty()) ctx->Print("no accounts; `tidemark user add NAME --role viewer`");
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunRemove(Context* ctx, const UserFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(RemoveUser(*repo, ctx->Log(), flags.name));
  ctx->Print("removed " + flags.name + " and its tokens");
  JsonWriter w;
  w.BeginObject().Field("removed", flags.name).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunPasswd(Context* ctx, const UserFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::string password,
                      ReadPassword(ctx->NewPassword(flags.new_password_file), true));
  TM_RETURN_IF_ERROR(SetUserPassword(*repo, ctx->Log(), flags.name, password, flags.kdf.Params()));
  ctx->Print("login password of " + flags.name + " set");
  JsonWriter w;
  w.BeginObject().Field("name", flags.name).Field("password", true).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunTokenCreate(Context* ctx, const UserFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(NewToken t, CreateToken(*repo, ctx->Log(), flags.name));
  // The token alone on stdout, once: scripts capture it with $(...).
  if (ctx->opts.json) {
    JsonWriter w;
    w.BeginObject().Field("token", t.token).Field("id", t.record.id);
    w.Field("account", flags.name).EndObject();
    ctx->PrintJson(w);
  } else {
    std::fputs((t.token + "\n").c_str(), stdout);
    if (!ctx->opts.quiet) {
      std::fputs(("tidemark: token " + t.record.id + " for " + flags.name +
                  ": shown once, keep it secret (send it as `Authorization: Bearer TOKEN`)\n")
                     .c_str(),
                 stderr);
    }
  }
  return Status::OK();
}

Status RunTokenRevoke(Context* ctx, const UserFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(RevokeToken(*repo, ctx->Log(), flags.name, flags.token_id));
  ctx->Print("revoked token " + flags.token_id + " of " + flags.name);
  JsonWriter w;
  w.BeginObject().Field("account", flags.name).Field("revoked", flags.token_id).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

void AddUserSubcommands(CLI::App* user, Context* ctx, std::shared_ptr<UserFlags> flags) {
  auto* add = user->add_subcommand("add", "add an account with a role, on every or some sources");
  add->add_option("NAME", flags->name, "account name (letters, digits, . _ - @)")->required();
  add->add_option("--role", flags->role, "viewer, operator, restorer or admin")->required();
  add->add_option("--source", flags->sources, "only this source (repeatable; default: all)");
  add->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunAdd(ctx, *flags); }; });
  user->add_subcommand("list", "list accounts, their roles and token ids")->callback([ctx] {
    ctx->run = [ctx] { return RunList(ctx); };
  });
  auto* remove = user->add_subcommand("remove", "remove an account and its tokens");
  remove->add_option("NAME", flags->name, "account name")->required();
  remove->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunRemove(ctx, *flags); }; });
  auto* passwd = user->add_subcommand("passwd", "set an account's login password (Argon2id)");
  passwd->add_option("NAME", flags->name, "account name")->required();
  passwd->add_option("--new-password-file", flags->new_password_file,
                     "read the password from this file (else TIDEMARK_NEW_PASSWORD_FILE, "
                     "TIDEMARK_NEW_PASSWORD or a prompt)");
  flags->kdf.Add(passwd);
  passwd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunPasswd(ctx, *flags); }; });
}

}  // namespace

void AddUserCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<UserFlags>();
  auto* user = app->add_subcommand("user", "accounts of `tidemark serve`, kept in the repository");
  user->require_subcommand(1);
  AddUserSubcommands(user, ctx, flags);
  auto* token = app->add_subcommand("token", "API tokens of an account");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "a new token, printed once on stdout");
  create->add_option("NAME", flags->name, "account name")->required();
  create->callback(
      [ctx, flags] { ctx->run = [ctx, flags] { return RunTokenCreate(ctx, *flags); }; });
  auto* revoke = token->add_subcommand("revoke", "revoke one token of an account");
  revoke->add_option("NAME", flags->name, "account name")->required();
  revoke->add_option("ID", flags->token_id, "token id as `user list` shows it")->required();
  revoke->callback(
      [ctx, flags] { ctx->run = [ctx, flags] { return RunTokenRevoke(ctx, *flags); }; });
}

}  // namespace tidemark::cli
