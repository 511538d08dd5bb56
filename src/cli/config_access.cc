#include "cli/config_access.h"

#include <cstdlib>

namespace tidemark::cli {

Result<ConfigFile> LoadConfigFor(Context* ctx, const std::string& file, bool required,
                                 const std::string& what) {
  const std::string path = file.empty() ? ChooseConfigPath(ctx->opts.config) : file;
  if (path.empty()) {
    if (!required) return ConfigFile{};
    return Status::InvalidArgument("no " + what +
                                   ": write tidemark.toml (or the file named by --config / "
                                   "TIDEMARK_CONFIG); see docs/guide/config.md");
  }
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfig(path));
  if (ctx->opts.repo.empty()) ctx->opts.repo = cfg.repository.location;
  if (ctx->opts.password_file.empty() && ctx->opts.password_command.empty() &&
      !getenv("TIDEMARK_PASSWORD_FILE") && !getenv("TIDEMARK_PASSWORD_COMMAND") &&
      !getenv("TIDEMARK_PASSWORD")) {
    ctx->opts.password_file = cfg.repository.password_file;
    ctx->opts.password_command = cfg.repository.password_command;
  }
  return cfg;
}

Result<const SourceConfig*> FindSourceOrExplain(const ConfigFile& cfg, const std::string& name) {
  if (const SourceConfig* s = cfg.FindSource(name)) return s;
  std::string known;
  for (const SourceConfig& s : cfg.sources) known += (known.empty() ? "" : ", ") + s.name;
  if (cfg.path.empty()) {
    return Status::InvalidArgument("'" + name + "' is neither sqlite:PATH nor a configured " +
                                   "source (no tidemark.toml found; see docs/guide/config.md)");
  }
  return Status::InvalidArgument("no source named '" + name + "' in " + cfg.path +
                                 (known.empty() ? "" : "; its sources: " + known));
}

}  // namespace tidemark::cli
