// Shell completion scripts generated from the command tree (cli_model.h):
// commands, flags and the values of flags and arguments. Source names, drill
// plans and snapshot names come at completion time from the hidden
// `tidemark __complete sources|plans|snapshots` (cmd_generate.cc).
#pragma once

#include <string>

#include "cli/cli_model.h"

namespace tidemark::cli {

// What completes an argument or a flag's value: "file", "source",
// "snapshot", "snapshot_or_live", "object", "plan", "choice:a b", or "none".
std::string ValueKind(const CommandModel& c, const PositionalModel& p);
std::string ValueKind(const CommandModel& c, const OptionModel& o);

std::string BashCompletion(const CommandModel& root);
std::string ZshCompletion(const CommandModel& root);

}  // namespace tidemark::cli
