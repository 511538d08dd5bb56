// Opening an s3: repository location: the options of the location, the
// region and addressing, and the credentials (docs/guide/s3.md), in order:
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   2. AWS_PROFILE: that profile of the shared credentials file
//      (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials);
//   3. [repository.s3] access_key_id with secret_file or secret_command;
//   4. [repository.s3] profile, else "default", of the shared credentials file.
// A secret is never printed: messages name where it came from instead.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "config/config.h"
#include "storage/backend.h"
#include "storage/s3_backend.h"

namespace tidemark::cli {

// Builds the options for `location` (an s3: location). `allow_http` is the
// --s3-allow-http flag (or [repository.s3] allow_http).
Result<S3Options> ResolveS3Options(const std::string& location, const S3Settings& settings,
                                   bool allow_http);

// Opens the S3 backend for `location`.
Result<std::unique_ptr<Backend>> OpenS3Backend(const std::string& location,
                                               const S3Settings& settings, bool allow_http);

}  // namespace tidemark::cli
