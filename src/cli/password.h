// Where passwords come from, in order of precedence: --password-file,
// --password-command, TIDEMARK_PASSWORD_FILE, TIDEMARK_PASSWORD_COMMAND,
// TIDEMARK_PASSWORD, and finally a prompt on the terminal.
#pragma once

#include <string>

#include "base/result.h"

namespace tidemark::cli {

struct PasswordSource {
  std::string file;     // read the first line
  std::string command;  // run with /bin/sh -c; use the first line of stdout
  std::string literal;  // TIDEMARK_PASSWORD
  std::string what;     // "password" or "new password", for messages and prompts
  std::string hint;     // the flags and variables that can supply it, for messages
};

// Returns the password. When no source is set and stdin is a terminal,
// prompts (without echo), twice when `confirm`. InvalidArgument with what to
// do when there is no source and no terminal, or the two entries differ.
Result<std::string> ReadPassword(const PasswordSource& source, bool confirm);

}  // namespace tidemark::cli
