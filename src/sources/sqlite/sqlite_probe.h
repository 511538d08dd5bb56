// The SQLite drill probe (sources/probe.h) over SqliteQuery: PRAGMA
// integrity_check and foreign_key_check, sqlite_schema, and read-only SQL.
// Internal to sources/sqlite/ (Connector::OpenProbe).
#pragma once

#include <memory>
#include <string>

#include "sources/probe.h"

namespace tidemark::sqlite {

// A probe on the SQLite file at `path`, opened read-only (query_only).
// NotFound when there is no such file; InvalidArgument when it is not a
// SQLite database.
Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& path);

}  // namespace tidemark::sqlite
