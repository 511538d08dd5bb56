// tidemark cat config|keys|index ID|pack ID|blob ID: shows raw repository
// objects, decrypted, for debugging. docs/guide/debugging.md
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>

#include "base/hex.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "repo/blob_store.h"
#include "repo/index.h"
#include "repo/pack.h"

namespace tidemark::cli {
namespace {

// Resolves a full id or unique prefix among the files of `kind`.
Result<Id> ResolveFile(Backend* backend, FileKind kind, const std::string& prefix) {
  std::vector<std::string> matches;
  TM_RETURN_IF_ERROR(backend->List(kind, [&](const FileInfo& f) {
    if (f.handle.name.compare(0, prefix.size(), prefix) == 0) matches.push_back(f.handle.name);
    return Status::OK();
  }));
  const std::string kind_name = FileKindName(kind);
  if (matches.empty()) return Status::NotFound("no " + kind_name + " with id " + prefix);
  if (matches.size() > 1) {
    return Status::InvalidArgument(kind_name + " id prefix " + prefix +
                                   " is ambiguous: give more digits");
  }
  return Id::FromHex(matches[0]);
}

void EntriesJson(JsonWriter* w, const std::vector<PackEntry>& entries) {
  w->BeginArray();
  for (const PackEntry& e : entries) {
    w->BeginObject().Field("id", e.id.Hex()).Field("type", BlobTypeName(e.type));
    w->Field("offset", e.offset).Field("length", static_cast<uint64_t>(e.sealed_len));
    w->Field("raw_length", static_cast<uint64_t>(e.raw_len)).EndObject();
  }
  w->EndArray();
}

void PrintEntries(Context* ctx, const std::vector<PackEntry>& entries) {
  for (const PackEntry& e : entries) {
    ctx->Print("  " + e.id.Hex() + "  " + BlobTypeName(e.type) + "  offset " +
               std::to_string(e.offset) + "  length " + std::to_string(e.sealed_len) + "  raw " +
               std::to_string(e.raw_len));
  }
}

Status CatConfig(Context* ctx, Repository* repo) {
  const RepoConfig& c = repo->config();
  JsonWriter w;
  w.BeginObject().Field("version", static_cast<int>(c.version)).Field("id", repo->id_hex());
  w.Field("created", FormatTimeUtc(static_cast<int64_t>(c.created_us)));
  w.Field("compression_level", c.compression_level)
      .Field("pack_target", static_cast<uint64_t>(c.pack_target));
  w.Key("chunker").BeginObject().Field("min", static_cast<uint64_t>(c.chunker_min));
  w.Field("avg", static_cast<uint64_t>(c.chunker_avg))
      .Field("max", static_cast<uint64_t>(c.chunker_max))
      .EndObject();
  w.Key("tree").BeginObject().Field("min", static_cast<uint64_t>(c.tree_min));
  w.Field("avg", static_cast<uint64_t>(c.tree_avg))
      .Field("max", static_cast<uint64_t>(c.tree_max))
      .EndObject();
  w.Field("sign_public_key", HexEncode(c.sign_public_key))
      .Field("flags", static_cast<uint64_t>(c.flags));
  w.EndObject();
  // The config is small and structured: JSON is the clearest human form too.
  printf("%s\n", w.str().c_str());
  return Status::OK();
}

// Key files hold no secret in the clear: show every field but the wrapped keys.
Status CatKeys(Repository* repo) {
  TM_ASSIGN_OR_RETURN(auto keys, repo->ListKeys());
  JsonWriter w;
  w.BeginArray();
  for (const KeyFile& k : keys) {
    w.BeginObject().Field("id", k.id).Field("current", k.id == repo->key_id());
    w.Field("created", FormatTimeUtc(static_cast<int64_t>(k.created_us)));
    w.Field("user", k.user).Field("host", k.host).Field("flags", static_cast<uint64_t>(k.flags));
    w.Field("kdf", "argon2id").Field("kdf_iterations", k.kdf.opslimit);
    w.Field("kdf_memory", k.kdf.memlimit).Field("salt", HexEncode(k.salt)).EndObject();
  }
  w.EndArray();
  printf("%s\n", w.str().c_str());
  return Status::OK();
}

Status CatIndex(Context* ctx, Repository* repo, const std::string& prefix) {
  TM_ASSIGN_OR_RETURN(Id id, ResolveFile(repo->backend(), FileKind::kIndex, prefix));
  TM_ASSIGN_OR_RETURN(std::string file, repo->backend()->Get(IndexHandle(id)));
  JsonWriter w;
  w.BeginObject().Field("id", id.Hex()).Key("packs").BeginArray();
  TM_RETURN_IF_ERROR(DecodeIndexFile(id.Hex(), file, repo->keys().data_key, [&](IndexPack&& p) {
    ctx->Print("pack " + p.pack_id.Hex() + " (" + std::to_string(p.blobs.size()) + " blobs)");
    PrintEntries(ctx, p.blobs);
    w.BeginObject().Field("pack", p.pack_id.Hex()).Key("blobs");
    EntriesJson(&w, p.blobs);
    w.EndObject();
    return Status::OK();
  }));
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status CatPack(Context* ctx, Repository* repo, const std::string& prefix) {
  TM_ASSIGN_OR_RETURN(Id id, ResolveFile(repo->backend(), FileKind::kPack, prefix));
  TM_ASSIGN_OR_RETURN(auto entries, ReadPackHeader(repo->backend(), repo->keys().data_key, id));
  ctx->Print("pack " + id.Hex() + " (" + std::to_string(entries.size()) + " blobs)");
  PrintEntries(ctx, entries);
  JsonWriter w;
  w.BeginObject().Field("id", id.Hex()).Key("blobs");
  EntriesJson(&w, entries);
  w.EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status CatBlob(Context* ctx, Repository* repo, const std::string& prefix) {
  BlobStore store(repo);
  TM_RETURN_IF_ERROR(store.LoadIndex());
  std::vector<Id> matches;
  store.index().ForEach([&](const Id& id, const BlobLocation&) {
    if (id.Hex().compare(0, prefix.size(), prefix) == 0) matches.push_back(id);
  });
  if (matches.empty()) return Status::NotFound("no blob with id " + prefix);
  if (matches.size() > 1)
    return Status::InvalidArgument("blob id prefix " + prefix + " is ambiguous");
  TM_ASSIGN_OR_RETURN(std::string content, store.Get(matches[0]));
  if (!ctx->opts.json) {
    fwrite(content.data(), 1, content.size(), stdout);
    return Status::OK();
  }
  const BlobLocation loc = *store.Find(matches[0]);
  JsonWriter w;
  w.BeginObject().Field("id", matches[0].Hex()).Field("type", BlobTypeName(loc.type));
  w.Field("pack", loc.pack_id.Hex()).Field("offset", static_cast<uint64_t>(loc.offset));
  w.Field("length", static_cast<uint64_t>(loc.sealed_len))
      .Field("raw_length", static_cast<uint64_t>(loc.raw_len));
  w.Field("content_hex", HexEncode(content)).EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

Status RunCat(Context* ctx, const std::string& what, const std::string& id, const std::string& key,
              bool show_secrets) {
  static const char* const kObjects[] = {"config", "keys", "index", "pack", "blob"};
  if (std::find(std::begin(kObjects), std::end(kObjects), what) == std::end(kObjects)) {
    if (id.empty() || key.empty()) {
      return Status::InvalidArgument(
          "cat takes SNAP TABLE KEY (a record), or one of config, "
          "keys, index ID, pack ID, blob ID");
    }
    return RunCatRecord(ctx, what, id, key, show_secrets);
  }
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  const bool needs_id = what == "index" || what == "pack" || what == "blob";
  if (needs_id && id.empty()) return Status::InvalidArgument("cat " + what + " needs an ID");
  if (what == "config") return CatConfig(ctx, repo);
  if (what == "keys") return CatKeys(repo);
  if (what == "index") return CatIndex(ctx, repo, id);
  if (what == "pack") return CatPack(ctx, repo, id);
  if (what == "blob") return CatBlob(ctx, repo, id);
  return Status::InvalidArgument("cat: unknown object " + what);
}

}  // namespace

void AddCatCommand(CLI::App* app, Context* ctx) {
  auto* cmd = app->add_subcommand(
      "cat", "Show one record (cat SNAP TABLE KEY) or a repository object (decrypted)");
  auto what = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  cmd->add_option("OBJECT", *what, "SNAP, or config, keys, index, pack, blob")->required();
  cmd->add_option("ID", *id, "TABLE, or an object id or unique prefix (index, pack, blob)");
  auto show_secrets = std::make_shared<bool>(false);
  cmd->add_option("KEY", *key, "the record's key (with SNAP TABLE)");
  cmd->add_flag("--show-secrets", *show_secrets,
                "Print the values of secret columns (masked by default)");
  cmd->callback([ctx, what, id, key, show_secrets] {
    ctx->run = [ctx, what, id, key, show_secrets] {
      return RunCat(ctx, *what, *id, *key, *show_secrets);
    };
  });
}

}  // namespace tidemark::cli
