// Small signed, encrypted repository objects (holds, prune marks): one file
// each, bound to its role and name. Format: docs/format/holds.md §1.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "repo/keys.h"

namespace tidemark {

// file := magic (8 bytes) || sealed(aad = label || name) over
//           (payload: str || signature: bytes(64))
// signature = Ed25519 over label || name || payload, by the repository key.
// `name` is the file name, so a file renamed to another name fails to open.
std::string SealSignedFile(const MasterKeys& keys, std::string_view magic, std::string_view label,
                           std::string_view name, std::string_view payload);

// The inverse: checks magic, tag, signature and that nothing follows.
// Corruption names `what`, the offset and the failed check.
Result<std::string> OpenSignedFile(const MasterKeys& keys, std::string_view magic,
                                   std::string_view label, std::string_view name,
                                   std::string_view file, std::string_view what);

}  // namespace tidemark
