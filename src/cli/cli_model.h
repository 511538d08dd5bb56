// The visible command tree of a CLI11 app as plain data, for what is
// generated from it (man pages, shell completion): the same options and
// texts as --help, so the generated files cannot drift from it. Hidden
// commands and options (CLI11 group "") are left out.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tidemark::cli {

struct OptionModel {
  std::vector<std::string> names;    // "-r", "--repo"
  std::string value;                 // "" for a flag, else CLI11's type name ("TEXT", "UINT")
  std::vector<std::string> choices;  // from a CLI::IsMember check ("csv", "ndjson")
  std::string description;
  std::string env;            // environment variable CLI11 reads, or ""
  std::string default_value;  // or ""
  bool required = false;
  bool repeatable = false;
};

struct PositionalModel {
  std::string name;  // as --help shows it ("SNAP", "source")
  std::string description;
  bool required = false;
  bool repeatable = false;
};

struct CommandModel {
  std::vector<std::string> path;  // {"key", "add"}; empty for the program itself
  std::string description;
  std::vector<OptionModel> options;  // -h,--help included
  std::vector<PositionalModel> positionals;
  std::vector<CommandModel> subcommands;
  bool subcommand_required = false;

  // "tidemark key add"
  std::string FullName() const;
};

CommandModel ModelOf(const CLI::App& app);

}  // namespace tidemark::cli
