#include "base/error_class.h"

namespace tidemark {

ErrorClass ErrorClassOf(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return ErrorClass::kOk;
    case Status::Code::kInvalidArgument:
      return ErrorClass::kUsage;
    case Status::Code::kCorruption:
      return ErrorClass::kIntegrity;
    case Status::Code::kRefused:
    case Status::Code::kAlreadyExists:
      return ErrorClass::kRefused;
    case Status::Code::kPermissionDenied:
      return ErrorClass::kPermission;
    case Status::Code::kNotFound:
    case Status::Code::kIOError:
    case Status::Code::kUnsupported:
    case Status::Code::kInternal:
      return ErrorClass::kError;
    case Status::Code::kCancelled:
      return ErrorClass::kCancelled;
  }
  return ErrorClass::kError;
}

const char* ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kOk:
      return "ok";
    case ErrorClass::kError:
      return "error";
    case ErrorClass::kUsage:
      return "usage";
    case ErrorClass::kIntegrity:
      return "integrity";
    case ErrorClass::kRefused:
      return "refused";
    case ErrorClass::kPermission:
      return "permission";
    case ErrorClass::kCancelled:
      return "cancelled";
  }
  return "error";
}

}  // namespace tidemark
