#include "cli/exit_codes.h"

#include "base/error_class.h"
#include "ledger/action_log.h"

namespace tidemark::cli {

// One mapping for the CLI and the server (base/error_class.h).
static_assert(static_cast<int>(ErrorClass::kError) == kExitError);
static_assert(static_cast<int>(ErrorClass::kUsage) == kExitUsage);
static_assert(static_cast<int>(ErrorClass::kIntegrity) == kExitIntegrity);
static_assert(static_cast<int>(ErrorClass::kRefused) == kExitRefused);
static_assert(static_cast<int>(ErrorClass::kPermission) == kExitPermission);
static_assert(static_cast<int>(ErrorClass::kCancelled) == kExitCancelled);
int ExitCodeFor(const Status& status) { return static_cast<int>(ErrorClassOf(status)); }

const std::vector<ExitCodeRow>& ExitCodeTable() {
  static const std::vector<ExitCodeRow> rows = {
      {kExitOk, "ok", "the command did what was asked"},
      {kExitError, "error",
       "any other failure: a missing file, folder or snapshot, storage I/O, a bug"},
      {kExitUsage, "usage",
       "bad flags or arguments, an error in tidemark.toml, no password source"},
      {kExitIntegrity, "integrity failure found",
       "damaged data, a broken ledger, a failed verification or drill"},
      {kExitRefused, "refused / conflict",
       "a lock is held, the command would overwrite something, a source is out of policy"},
      {kExitPermission, "wrong password or permission denied",
       "no key slot accepts the password, or the system refused access"},
      {kExitCancelled, "cancelled",
       "stopped by SIGINT or SIGTERM at a safe point: nothing half-written, a ledger entry says "
       "so"},
  };
  return rows;
}

// The ledger's rule (ledger/action_log.h), which exit 4 follows.
const char* FailureOutcome(const Status& status) { return LedgerFailureOutcome(status); }

}  // namespace tidemark::cli
