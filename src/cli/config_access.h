// Loading tidemark.toml for a command (docs/guide/config.md): which file,
// and its [repository] as defaults for the global options.
#pragma once

#include <string>

#include "cli/context.h"
#include "config/config.h"

namespace tidemark::cli {

// Loads `file` when given, else Context::Config (the file ChooseConfigPath
// picks, loaded once). With no file at all: an empty config, or (when
// `required`) InvalidArgument saying where to write one (`what` names what was
// missing, e.g. "drill plans"). The config's [repository] fills --repo and the
// password source when neither a flag nor the environment gives them
// (Context::ApplyRepositoryDefaults).
Result<ConfigFile> LoadConfigFor(Context* ctx, const std::string& file, bool required,
                                 const std::string& what = "a config file");

// What a source URI looks like, from the connector registry: each scheme
// with the first word of its location help ("SCHEME:LOCATION"), joined by ", ".
std::string SourceUriForms();
// The names of the connectors' integrity checks (Connector::
// integrity_check_name), joined by ", ".
std::string IntegrityCheckNames();

// The configured source `name`, or InvalidArgument listing the declared ones.
Result<const SourceConfig*> FindSourceOrExplain(const ConfigFile& cfg, const std::string& name);

}  // namespace tidemark::cli
