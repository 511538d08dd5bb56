// Exit codes of every tidemark command. The table is docs/exit-codes.md;
// change both together. Scripts must treat any code not listed as failure.
#pragma once

#include <vector>

#include "base/status.h"

namespace tidemark::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,        // any other failure (I/O, not found, internal)
  kExitUsage = 2,        // bad flags or arguments
  kExitIntegrity = 3,    // damage found: corrupt data, a broken ledger, failed verification
  kExitRefused = 4,      // refused or conflict: lock held, would overwrite, policy
  kExitPermission = 5,   // wrong password or permission denied
  kExitCancelled = 130,  // stopped on request: SIGINT / SIGTERM (restic's and the shell's 130)
};

int ExitCodeFor(const Status& status);

// The rows of docs/exit-codes.md, in code order, for the man pages.
struct ExitCodeRow {
  int code;
  const char* name;     // "ok", "usage", ...
  const char* meaning;  // one sentence
};
const std::vector<ExitCodeRow>& ExitCodeTable();

// The ledger outcome of an action that did not succeed: "refused" when it
// exits 4 (it declined to act), "cancelled" when it exits 130, else "failed".
const char* FailureOutcome(const Status& status);

}  // namespace tidemark::cli
