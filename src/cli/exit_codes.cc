#include "cli/exit_codes.h"

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
  }
  return kExitError;
}

const char* FailureOutcome(const Status& status) {
  return ExitCodeFor(status) == kExitRefused ? "refused" : "failed";
}

}  // namespace tidemark::cli
