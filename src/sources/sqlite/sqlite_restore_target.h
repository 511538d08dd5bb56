// The SQLite restore target: a temporary file beside PATH written by
// SqliteWriter, synced, then renamed into place (docs/guide/restore.md).
#pragma once

#include <memory>
#include <string>

#include "sources/connector.h"

namespace tidemark::sqlite {

Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(const std::string& path,
                                                           const SourceSchema& schema,
                                                           const RestoreTargetOptions& options);

}  // namespace tidemark::sqlite
