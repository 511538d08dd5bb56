// Secrets read from a file or printed by a command: the repository password
// (cli/password.h) and a source's database password (tidemark.toml's
// password_file / password_command, docs/guide/config.md). One reading of
// both, so both give the same messages and never echo a secret.
#pragma once

#include <string>

#include "base/result.h"
#include "sources/connector.h"

namespace tidemark {

// The first line of file `path` (a trailing "\r" dropped). InvalidArgument
// naming the file and the OS error when it cannot be read; `what` names the
// secret in messages ("password", "database password of source 'crm'").
Result<std::string> ReadSecretFile(const std::string& path, const std::string& what);

// Runs `command` with /bin/sh and returns the first line of its stdout. Its
// stderr goes to a private temporary file, so it is not echoed. A failing
// command is InvalidArgument with its exit status and the first line of its
// stderr (redacted, cut at 200 bytes), never the command text.
Result<std::string> RunSecretCommand(const std::string& command, const std::string& what);

// A provider (sources/connector.h) that reads the secret from `file`, else
// runs `command`, on the first call only, and returns the same secret (or
// the same error) on every later call. Thread-safe. An empty secret is
// InvalidArgument.
SecretProvider CachedSecret(std::string file, std::string command, std::string what);

}  // namespace tidemark
