#include "cli/config_access.h"

#include "sources/builtin/builtin.h"

namespace tidemark::cli {

Result<ConfigFile> LoadConfigFor(Context* ctx, const std::string& file, bool required,
                                 const std::string& what) {
  if (file.empty()) {
    TM_ASSIGN_OR_RETURN(const ConfigFile* cfg, ctx->Config());
    if (cfg->path.empty() && required) {
      return Status::InvalidArgument("no " + what +
                                     ": write tidemark.toml (or the file named by --config / "
                                     "TIDEMARK_CONFIG); see docs/guide/config.md");
    }
    return *cfg;
  }
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfig(file));
  ctx->ApplyRepositoryDefaults(cfg);
  return cfg;
}

std::string SourceUriForms() {
  std::string out;
  for (const std::string& scheme : BuiltinConnectors().Schemes()) {
    const std::string_view help = BuiltinConnectors().Find(scheme)->location_help();
    out += (out.empty() ? "" : ", ") + scheme + ":" + std::string(help.substr(0, help.find(' ')));
  }
  return out;
}

std::string IntegrityCheckNames() {
  std::string out;
  for (const std::string& scheme : BuiltinConnectors().Schemes()) {
    out += (out.empty() ? "" : ", ") +
           std::string(BuiltinConnectors().Find(scheme)->integrity_check_name());
  }
  return out;
}

Result<const SourceConfig*> FindSourceOrExplain(const ConfigFile& cfg, const std::string& name) {
  if (const SourceConfig* s = cfg.FindSource(name)) return s;
  std::string known;
  for (const SourceConfig& s : cfg.sources) known += (known.empty() ? "" : ", ") + s.name;
  if (cfg.path.empty()) {
    return Status::InvalidArgument("'" + name + "' is neither a source URI (" + SourceUriForms() +
                                   ") nor a configured source (no tidemark.toml found; see "
                                   "docs/guide/config.md)");
  }
  return Status::InvalidArgument("no source named '" + name + "' in " + cfg.path +
                                 (known.empty() ? "" : "; its sources: " + known));
}

}  // namespace tidemark::cli
