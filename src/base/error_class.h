// The classes of failure every front end reports: the CLI's exit codes
// (cli/exit_codes.h, docs/exit-codes.md) and the `class` of the server's
// problem documents (docs/api.md#errors) come from this one mapping.
#pragma once

#include "base/status.h"

namespace tidemark {

// In exit-code order: the CLI exits with the enumerator's value.
enum class ErrorClass : int {
  kOk = 0,
  kError = 1,        // any other failure (I/O, not found, internal)
  kUsage = 2,        // bad flags, arguments or request
  kIntegrity = 3,    // damage found
  kRefused = 4,      // refused or conflict
  kPermission = 5,   // wrong password or permission denied
  kCancelled = 130,  // stopped on request (a signal, a cancelled job); as a shell's Ctrl-C
};

ErrorClass ErrorClassOf(const Status& status);
// "ok", "error", "usage", "integrity", "refused", "permission", "cancelled".
const char* ErrorClassName(ErrorClass c);

}  // namespace tidemark
