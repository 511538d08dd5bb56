// tidemark key list|add|remove|passwd: key slots. docs/guide/repository.md
#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

struct KeyFlags {
  std::string new_password_file;
  std::string remove_id;
  KdfFlags kdf;
  bool kdf_given = false;  // any --kdf-* flag on the command line
  bool append_only = false;
};

// Records a refusal by append-only mode (exit 5) and returns it.
Status RefuseIfAppendOnly(Context* ctx, Repository* repo, const std::string& action,
                          const std::string& target) {
  Status allowed = repo->CheckMayDelete(action);
  if (allowed.ok()) return allowed;
  TM_RETURN_IF_ERROR(ctx->Record(action == "key remove" ? "key.remove" : "key.passwd", "refused",
                                 {target}, {}, allowed.message()));
  return allowed;
}

std::string KdfMemory(uint64_t bytes) {
  return bytes >= (1u << 20) ? std::to_string(bytes >> 20) + " MiB"
                             : std::to_string(bytes >> 10) + " KiB";
}

Status RunList(Context* ctx) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(auto keys, repo->ListKeys());
  JsonWriter w;
  w.BeginArray();
  ctx->Print(" current  id        user@host                 created               kdf");
  for (const KeyFile& k : keys) {
    const bool current = k.id == repo->key_id();
    char line[512];
    snprintf(line, sizeof line, " %-7s  %-8s  %-24s  %-20s  argon2id %s x%llu", current ? "*" : "",
             k.id.substr(0, 8).c_str(), (k.user + "@" + k.host).c_str(),
             FormatTimeUtc(static_cast<int64_t>(k.created_us)).c_str(),
             KdfMemory(k.kdf.memlimit).c_str(), static_cast<unsigned long long>(k.kdf.opslimit));
    ctx->Print(line);
    w.BeginObject().Field("id", k.id).Field("current", current).Field("user", k.user);
    w.Field("host", k.host).Field("created", FormatTimeUtc(static_cast<int64_t>(k.created_us)));
    w.Field("kdf_memory", k.kdf.memlimit).Field("kdf_iterations", k.kdf.opslimit);
    w.Field("append_only", (k.flags & format::kKeyFlagAppendOnly) != 0).EndObject();
  }
  w.EndArray();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunAdd(Context* ctx, const KeyFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::string pw,
                      ReadPassword(ctx->NewPassword(flags.new_password_file), true));
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, false, "key add"));
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(
      KeyFile key,
      repo->AddKey(pw, flags.kdf.Params(), flags.append_only ? format::kKeyFlagAppendOnly : 0));
  const bool append_only = key.flags & format::kKeyFlagAppendOnly;
  ctx->Print("added key " + key.id.substr(0, 8) + (append_only ? " (append-only)" : ""));
  JsonWriter w;
  w.BeginObject().Field("added", key.id).Field("append_only", append_only).EndObject();
  ctx->PrintJson(w);
  return ctx->Record("key.add", "ok", {"key " + key.id + (append_only ? " (append-only)" : "")},
                     {});
}

Status RunRemove(Context* ctx, const KeyFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(RefuseIfAppendOnly(ctx, repo, "key remove", "key " + flags.remove_id));
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, /*exclusive=*/true, "key remove"));
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  TM_ASSIGN_OR_RETURN(std::string id, repo->ResolveKeyId(flags.remove_id));
  Status s = repo->RemoveKey(id);
  if (s.IsRefused()) {
    TM_RETURN_IF_ERROR(ctx->Record("key.remove", "refused", {"key " + id}, {}, s.message()));
    return s;
  }
  TM_RETURN_IF_ERROR(s);
  ctx->Print("removed key " + id.substr(0, 8));
  JsonWriter w;
  w.BeginObject().Field("removed", id).EndObject();
  ctx->PrintJson(w);
  return ctx->Record("key.remove", "ok", {"key " + id}, {});
}

Status RunPasswd(Context* ctx, const KeyFlags& flags) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_RETURN_IF_ERROR(RefuseIfAppendOnly(ctx, repo, "key passwd", "key " + repo->key_id()));
  TM_ASSIGN_OR_RETURN(std::string pw,
                      ReadPassword(ctx->NewPassword(flags.new_password_file), true));
  TM_ASSIGN_OR_RETURN(auto lock, RepoLock::Acquire(repo, /*exclusive=*/true, "key passwd"));
  TM_RETURN_IF_ERROR(ctx->PreflightLedger());
  const std::string old = repo->key_id();
  // The new slot keeps the old slot's Argon2id cost unless told otherwise.
  KdfParams kdf = flags.kdf.Params();
  if (!flags.kdf_given) {
    TM_ASSIGN_OR_RETURN(auto keys, repo->ListKeys());
    for (const KeyFile& k : keys) {
      if (k.id == old) kdf = k.kdf;
    }
  }
  TM_ASSIGN_OR_RETURN(KeyFile key, repo->ChangePassword(pw, kdf));
  ctx->Print("password changed: key " + old.substr(0, 8) + " replaced by key " +
             key.id.substr(0, 8));
  JsonWriter w;
  w.BeginObject().Field("removed", old).Field("added", key.id).EndObject();
  ctx->PrintJson(w);
  return ctx->Record("key.passwd", "ok", {"key " + old, "key " + key.id}, {});
}

}  // namespace

void AddKeyCommand(CLI::App* app, Context* ctx) {
  auto* key = app->add_subcommand("key", "manage key slots (passwords)");
  key->require_subcommand(1);
  auto flags = std::make_shared<KeyFlags>();

  key->add_subcommand("list", "list key slots")->callback([ctx] {
    ctx->run = [ctx] { return RunList(ctx); };
  });
  auto* add = key->add_subcommand("add", "add a key slot with a new password");
  add->add_option("--new-password-file", flags->new_password_file,
                  "read the new password from this file (else TIDEMARK_NEW_PASSWORD_FILE, "
                  "TIDEMARK_NEW_PASSWORD, or a prompt)");
  add->add_flag("--append-only", flags->append_only,
                "the new key may add but never delete or rewrite (keys added with an "
                "append-only key are always append-only)");
  flags->kdf.Add(add);
  add->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunAdd(ctx, *flags); }; });

  auto* remove = key->add_subcommand("remove", "remove a key slot (never the last one)");
  remove->add_option("ID", flags->remove_id, "key id or unique prefix")->required();
  remove->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunRemove(ctx, *flags); }; });

  auto* passwd = key->add_subcommand("passwd", "change the password of the key in use");
  passwd->add_option("--new-password-file", flags->new_password_file,
                     "read the new password from this file");
  flags->kdf.Add(passwd);
  passwd->callback([ctx, flags, passwd] {
    flags->kdf_given = passwd->count("--kdf-iterations") + passwd->count("--kdf-memory") > 0;
    ctx->run = [ctx, flags] { return RunPasswd(ctx, *flags); };
  });
}

}  // namespace tidemark::cli
