// The drill probe on a PostgreSQL database (sources/probe.h,
// docs/guide/postgres.md "Drills"): read-only checks of a restored copy, or
// of the live source an assertion compares with. Every query runs in a
// READ ONLY transaction that is rolled back. Internal to sources/.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "sources/postgres/pg_connection.h"
#include "sources/postgres/pg_location.h"
#include "sources/probe.h"

namespace tidemark::pg {

// A probe on the database at `loc`. Errors as PgConnection::Open.
Result<std::unique_ptr<SourceProbe>> OpenPgProbe(const PgLocation& loc, const PgAuth& auth);

// A database name of its own for a drill's scratch copy:
// "tidemark_drill_<plan>_<8 random hex digits>", the plan's name folded to
// lower case letters, digits and '_' and cut to fit PostgreSQL's 63 bytes.
std::string ScratchDatabaseName(std::string_view plan);
// Drops the database of `loc` (forcing other sessions off it) when it
// exists, and nothing else: a drill's scratch copy.
Status DropScratchDatabase(const PgLocation& loc, const PgAuth& auth);

}  // namespace tidemark::pg
