// Status: the outcome of a fallible operation, carried as a value across
// every module boundary. See docs/exit-codes.md for how codes map to the CLI.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace tidemark {

class Status {
 public:
  // Codes are stable: the CLI maps them to exit codes (docs/exit-codes.md).
  enum class Code : int {
    kOk = 0,
    kNotFound,          // a named object does not exist
    kCorruption,        // stored bytes fail a check (exit 3)
    kInvalidArgument,   // the caller (user) asked for something malformed (exit 2)
    kIOError,           // the OS or storage failed
    kPermissionDenied,  // wrong password, or a key may not do this (exit 5)
    kRefused,           // refused to act: conflict, lock held, policy (exit 4)
    kAlreadyExists,     // an exclusive create found the object present
    kUnsupported,       // a format version or feature this build cannot handle
    kInternal,          // a bug: an invariant did not hold
    kCancelled,         // stopped on request (a cancelled job, SIGINT/SIGTERM; exit 130)
  };

  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status PermissionDenied(std::string_view msg) {
    return Status(Code::kPermissionDenied, msg);
  }
  static Status Refused(std::string_view msg) { return Status(Code::kRefused, msg); }
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  static Status Unsupported(std::string_view msg) { return Status(Code::kUnsupported, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  static Status Cancelled(std::string_view msg) { return Status(Code::kCancelled, msg); }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsPermissionDenied() const { return code() == Code::kPermissionDenied; }
  bool IsRefused() const { return code() == Code::kRefused; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsCancelled() const { return code() == Code::kCancelled; }

  // The message alone, without the code name ("" when OK).
  const std::string& message() const;
  // "Corruption: pack 3fa1…: header authentication failed".
  std::string ToString() const;
  // Returns a copy whose message is "prefix: message"; the code is kept.
  Status WithContext(std::string_view prefix) const;

  static const char* CodeName(Code code);

 private:
  Status(Code code, std::string_view msg);
  struct Rep {
    Code code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null means OK; immutable, so sharing is safe
};

}  // namespace tidemark

// Evaluates expr (a Status); returns it from the enclosing function if not OK.
#define TM_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::tidemark::Status tm_status_ = (expr);  \
    if (!tm_status_.ok()) return tm_status_; \
  } while (0)
