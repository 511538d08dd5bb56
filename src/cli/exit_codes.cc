#include "cli/exit_codes.h"

#include "ledger/action_log.h"

namespace tidemark::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kInvalidArgument:
      return kExitUsage;
    case Status::Code::kCorruption:
      return kExitIntegrity;
    case Status::Code::kRefused:
    case Status::Code::kAlreadyExists:
      return kExitRefused;
    case Status::Code::kPermissionDenied:
      return kExitPermission;
    case Status::Code::kNotFound:
    case Status::Code::kIOError:
    case Status::Code::kUnsupported:
    case Status::Code::kInternal:
      return kExitError;
    case Status::Code::kCancelled:
      return kExitCancelled;
  }
  return kExitError;
}

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
