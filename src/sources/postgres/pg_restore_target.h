// The PostgreSQL restore target (docs/guide/postgres.md, "Restore";
// PG-DESIGN decision 6): the whole restore is ONE transaction in the target
// database, so nothing is visible until Publish commits it.
//
//   create the database when it is missing (template0, the snapshot's
//   encoding and locale; dropped again when the restore does not publish),
//   else require it empty unless options.replace, which drops its
//   non-system schemas inside the transaction;
//   check that every role and extension the snapshot needs exists (one
//   error naming all of them, before anything is written);
//   pre-data objects -> COPY each table (text format, bounded chunks) ->
//   post-data objects (Finish) -> setval every sequence -> OpenStaged (a
//   reader inside the same transaction) -> Publish = COMMIT.
// Internal to sources/postgres/.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sources/connector.h"
#include "sources/postgres/pg_connection.h"

namespace tidemark::pg {

// Opens a reader inside the transaction already begun on `conn`
// (pg_reader.h's OpenPgReaderOn); the connector passes it in.
using StagedReaderFn = std::function<Result<std::unique_ptr<SourceReader>>(PgConnection* conn)>;

struct PgRestoreTargetConfig {
  PgAuth auth;
  StagedReaderFn open_reader;
  // Tests: the Nth statement the target sends (1-based, counting CREATE
  // DATABASE, each COPY start and chunk, and COMMIT) fails with IOError
  // "injected fault"; 0 = never.
  int fail_at_statement = 0;
  // Bytes of COPY text buffered before they are sent into the table's one
  // COPY (memory stays flat).
  size_t copy_chunk_bytes = 64 << 10;
};

// A restore target for database `loc` (see above). AlreadyExists when the
// database has objects and !options.replace; NotFound for an unknown table
// in options.tables; Unsupported naming every role and extension the target
// server lacks; PermissionDenied naming a missing privilege.
Result<std::unique_ptr<RestoreTarget>> CreatePgRestoreTarget(const PgLocation& loc,
                                                             const SourceSchema& schema,
                                                             const RestoreTargetOptions& options,
                                                             const PgRestoreTargetConfig& config);

// The same for a location as the connector receives it ("//user@host/db"):
// InvalidArgument for a malformed one (ParsePgLocation). What the
// connector's CreateRestoreTarget returns.
Result<std::unique_ptr<RestoreTarget>> CreatePgRestoreTargetAt(const std::string& location,
                                                               const SourceSchema& schema,
                                                               const RestoreTargetOptions& options,
                                                               const PgAuth& auth,
                                                               StagedReaderFn open_reader);

}  // namespace tidemark::pg
