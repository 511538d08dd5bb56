// Problem documents (RFC 9457, application/problem+json): every error the
// API answers. Besides type, title, status and detail each carries `class`,
// the class of the CLI's exit codes (base/error_class.h), so a script reads
// a failed request the way it reads a failed command. docs/api.md#errors
#pragma once

#include <string_view>

#include "base/error_class.h"
#include "base/status.h"
#include "server/api_types.h"

namespace tidemark {

inline constexpr std::string_view kProblemTypePrefix = "urn:tidemark:problem:";

// A problem document: type kProblemTypePrefix + slug ("not-found", ...).
ApiResponse Problem(int status, std::string_view slug, std::string_view title,
                    std::string_view detail, ErrorClass cls);

// The HTTP status of a failed use case: InvalidArgument 400,
// PermissionDenied 403, NotFound 404, Refused / AlreadyExists 409,
// Corruption 500 (class integrity), Unsupported 501, IOError 503,
// Internal 500.
int HttpStatusFor(const Status& status);

// The problem document of a failed Status (HttpStatusFor, its message as
// the detail).
ApiResponse ProblemFor(const Status& status);

// 401 with `WWW-Authenticate: Bearer`.
ApiResponse Unauthorized(std::string_view detail);
// 403 (class permission).
ApiResponse Forbidden(std::string_view detail);

}  // namespace tidemark
