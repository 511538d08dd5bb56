// What --help and the man pages say beyond CLI11's own text: examples, notes
// on exit codes and the guide page of each command. One table
// (command_docs.cc) feeds both, so the two cannot drift apart.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tidemark::cli {

struct CommandExample {
  const char* line;  // what to type, without the prompt
  const char* what;  // what it does
};

struct CommandDoc {
  const char* name;       // the top-level command ("backup", "key")
  const char* guide;      // docs/guide page, e.g. "backup.md"
  const char* exit_note;  // command-specific exit codes, or ""
  std::vector<CommandExample> examples;
};

// The doc of top-level command `name`, or nullptr when the table has none.
const CommandDoc* FindCommandDoc(const std::string& name);

// Sets each top-level command's --help footer to its examples and exit note.
void AttachCommandDocs(CLI::App* app);

}  // namespace tidemark::cli
