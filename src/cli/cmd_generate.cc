// tidemark generate: man pages and shell completion from the command
// definitions themselves (docs/guide/install.md). The hidden
// `tidemark __complete KIND` prints what the completion scripts offer for a
// source, drill plan or snapshot.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "base/hex.h"
#include "cli/cli_model.h"
#include "cli/commands.h"
#include "cli/completion.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "cli/man_page.h"
#include "crypto/crypto.h"
#include "ledger/ledger_head.h"
#include "snapshot/catalog.h"
#include "storage/posix_io.h"

namespace tidemark::cli {
namespace {

struct GenerateFlags {
  std::string man_dir, bash_file, zsh_file;
};

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    return Status::IOError("cannot write " + path +
                           ": check that its folder exists and is writable");
  return Status::OK();
}

Status RunGenerate(Context* ctx, const CLI::App& root, const GenerateFlags& f) {
  if (f.man_dir.empty() && f.bash_file.empty() && f.zsh_file.empty()) {
    return Status::InvalidArgument(
        "nothing to generate: give --man DIR, --bash-completion FILE "
        "or --zsh-completion FILE");
  }
  const CommandModel model = ModelOf(root);
  JsonWriter w;
  w.BeginObject().Key("written").BeginArray();
  auto wrote = [&](const std::string& path) {
    ctx->Print("wrote " + path);
    w.String(path);
  };
  if (!f.man_dir.empty()) {
    TM_RETURN_IF_ERROR(MakeDir(f.man_dir));
    for (const auto& [name, text] : ManPages(model, TIDEMARK_VERSION)) {
      TM_RETURN_IF_ERROR(WriteText(JoinPath(f.man_dir, name), text));
      wrote(JoinPath(f.man_dir, name));
    }
  }
  if (!f.bash_file.empty()) {
    TM_RETURN_IF_ERROR(WriteText(f.bash_file, BashCompletion(model)));
    wrote(f.bash_file);
  }
  if (!f.zsh_file.empty()) {
    TM_RETURN_IF_ERROR(WriteText(f.zsh_file, ZshCompletion(model)));
    wrote(f.zsh_file);
  }
  w.EndArray().EndObject();
  ctx->PrintJson(w);
  return Status::OK();
}

// --- __complete -------------------------------------------------------

// Snapshot names are cached per repository location for this long: opening
// the repository costs an Argon2id derivation, too slow for every Tab.
constexpr int64_t kSnapshotCacheSeconds = 300;

std::string SnapshotCachePath(const std::string& location) {
  const std::string dir = DefaultCacheDir();
  if (dir.empty() || location.empty()) return "";
  return dir + "/completion/" + HexEncode(Sha256(location)).substr(0, 16) + ".snapshots";
}

bool Fresh(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  int64_t ttl = kSnapshotCacheSeconds;
  if (const char* v = std::getenv("TIDEMARK_COMPLETION_TTL"); v && *v) ttl = std::atoll(v);
  return static_cast<int64_t>(::time(nullptr)) - static_cast<int64_t>(st.st_mtime) < ttl;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `latest`, SOURCE@latest for each source, and each snapshot's short id.
Result<std::string> ListSnapshotNames(Context* ctx) {
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> all, LoadSnapshots(*repo));
  std::set<std::string> sources;
  std::string text = "latest\n";
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (sources.insert(it->manifest.source).second) text += it->manifest.source + "@latest\n";
  }
  for (auto it = all.rbegin(); it != all.rend(); ++it) text += it->id.Short() + "\n";
  return text;
}

void StoreCache(const std::string& path, const std::string& text) {
  const std::string dir = path.substr(0, path.rfind('/'));
  if (!MakePrivateDirs(dir).ok()) return;
  const std::string tmp = JoinPath(dir, RandomTempName());
  if (WriteText(tmp, text).ok() && ::chmod(tmp.c_str(), kPrivateFileMode) == 0 &&
      ::rename(tmp.c_str(), path.c_str()) == 0) {
    return;
  }
  ::unlink(tmp.c_str());
}

// Never prompts: without a password source that needs no terminal, only a
// cached list (however old) is offered.
void CompleteSnapshots(Context* ctx) {
  if (!ctx->RepositoryFolder().ok()) return;
  const std::string cache = SnapshotCachePath(ctx->opts.repo);
  if (!cache.empty() && Fresh(cache)) {
    fputs(ReadText(cache).c_str(), stdout);
    return;
  }
  const PasswordSource pw = ctx->MainPassword();
  if (pw.file.empty() && pw.command.empty() && pw.literal.empty()) {
    if (!cache.empty()) fputs(ReadText(cache).c_str(), stdout);
    return;
  }
  auto names = ListSnapshotNames(ctx);
  if (!names.ok()) return;
  if (!cache.empty()) StoreCache(cache, *names);
  fputs(names->c_str(), stdout);
}

// Prints the candidates of `kind` (source, plan, snapshot), one a line;
// nothing at all when they cannot be found. Always OK: a completion never
// prints an error.
Status RunComplete(Context* ctx, const std::string& kind) {
  auto cfg = ctx->Config();
  if (kind == "source" && cfg.ok()) {
    for (const SourceConfig& s : (*cfg)->sources) printf("%s\n", s.name.c_str());
  } else if (kind == "plan" && cfg.ok()) {
    for (const DrillPlan& p : (*cfg)->drills) printf("%s\n", p.name.c_str());
  } else if (kind == "snapshot") {
    CompleteSnapshots(ctx);
  }
  return Status::OK();
}

}  // namespace

void AddGenerateCommands(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<GenerateFlags>();
  CLI::App* cmd =
      app->add_subcommand("generate", "Write the man pages and the shell completion scripts");
  cmd->add_option("--man", flags->man_dir, "write tidemark.1 and tidemark-COMMAND.1 into DIR");
  cmd->add_option("--bash-completion", flags->bash_file,
                  "write the bash completion script to FILE");
  cmd->add_option("--zsh-completion", flags->zsh_file, "write the zsh completion script to FILE");
  cmd->callback([ctx, flags, app] {
    ctx->run = [ctx, flags, app] { return RunGenerate(ctx, *app, *flags); };
  });

  auto kind = std::make_shared<std::string>();
  CLI::App* complete = app->add_subcommand("__complete", "candidates for the shell completion");
  complete->group("");  // hidden: the completion scripts call it
  complete->add_option("KIND", *kind, "source, plan or snapshot")->required();
  complete->callback([ctx, kind] { ctx->run = [ctx, kind] { return RunComplete(ctx, *kind); }; });
}

}  // namespace tidemark::cli
