// Man pages generated from the command tree (cli_model.h) and the command
// docs (command_docs.h): tidemark(1) and tidemark-COMMAND(1) for every
// visible top-level command. `tidemark generate --man DIR` writes them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/cli_model.h"

namespace tidemark::cli {

// File name ("tidemark-backup.1") and roff text of every page. InvalidArgument-free:
// a command without docs still gets a page (the man test asks for examples).
std::vector<std::pair<std::string, std::string>> ManPages(const CommandModel& root,
                                                          const std::string& version);

// `text` escaped for a roff text line.
std::string RoffEscape(const std::string& text);

}  // namespace tidemark::cli
