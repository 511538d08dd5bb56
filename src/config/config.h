// tidemark.toml (docs/guide/config.md): the repository and the drill plans.
// Parsed with toml++; every error names the file, the line and the key and
// says what is expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "ops/drill.h"

namespace tidemark {

struct RepositorySettings {
  std::string location, password_file, password_command;  // "" = not set
};

struct ConfigFile {
  std::string path;  // as given; "" when parsed from text
  RepositorySettings repository;
  std::vector<DrillPlan> drills;

  const DrillPlan* FindDrill(std::string_view name) const;
};

// InvalidArgument "PATH:LINE:COL: KEY: what is wrong; what is expected".
Result<ConfigFile> ParseConfig(std::string_view text, const std::string& path);
// NotFound when the file does not exist (says how to name another one).
Result<ConfigFile> LoadConfig(const std::string& path);

// The config file to use: `flag` (--config), else $TIDEMARK_CONFIG, else
// ./tidemark.toml when it exists; "" when none applies.
std::string ChooseConfigPath(const std::string& flag);

}  // namespace tidemark
