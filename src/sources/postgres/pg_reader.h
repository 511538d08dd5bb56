// Reading a PostgreSQL database consistently (docs/guide/postgres.md,
// "Backup"): one REPEATABLE READ READ ONLY transaction whose snapshot is
// exported, so that pg_dump (the DDL objects) and any other worker read the
// very same state; tables scanned in key order through binary COPY, one row
// at a time. Internal to sources/.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "sources/connector.h"
#include "sources/postgres/pg_connection.h"
#include "sources/postgres/pg_location.h"

namespace tidemark::pg {

// A read view of `loc`: connects, begins the transaction, exports its
// snapshot, locks every table ACCESS SHARE (waiting at most `lock_wait_ms`:
// Refused past it), reads the catalog, the roles and pg_dump's objects.
// Errors as PgConnection::Open and ReadDumpObjects give them.
Result<std::unique_ptr<SourceReader>> OpenPgReader(const PgLocation& loc, const PgAuth& auth,
                                                   int lock_wait_ms);

// A reader inside the transaction the caller already began on `conn`
// (restore verification): the catalog only (tables, sequences, settings; no
// DDL objects), and scans in that transaction. Does not own `conn`, nor end
// its transaction. REQUIRES: `conn` outlives the reader.
Result<std::unique_ptr<SourceReader>> OpenPgReaderOn(PgConnection* conn);

// The connection (inside its read transaction) of a reader that
// OpenPgReader or OpenPgReaderOn made, for lookups in the same snapshot
// (pg_live.h); nullptr for any other reader.
PgConnection* PgReaderConnection(SourceReader* reader);

}  // namespace tidemark::pg
