// The DDL objects of a PostgreSQL source (PG-DESIGN decision 4,
// docs/guide/postgres.md "What is captured"): pg_dump's pre-data and
// post-data sections, run in the backup's own exported snapshot and split
// into one SchemaObject per pg_dump entry; the roles that own or are granted
// anything (never password hashes); extensions with their versions are in
// the settings (pg_schema.h). Internal to sources/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/postgres/pg_connection.h"
#include "sources/postgres/pg_schema.h"

namespace tidemark::pg {

// One entry of pg_dump's plain output: its "-- Name: N; Type: T; Schema: S;
// Owner: O" header and the statements up to the next header.
struct DumpEntry {
  std::string name, type, schema, owner;  // schema "" for "-"
  std::string sql;  // the statements: no comments, no \restrict lines, no default SETs
};

// Splits pg_dump's plain-format output into its entries, in order. Text
// before the first header (pg_dump's preamble of SET lines) and the closing
// "dump complete" block are not part of any entry.
std::vector<DumpEntry> SplitDump(std::string_view text);

// The table an entry belongs to ("" when none), from its type and name and
// the tables and indexes of `cat` in the entry's schema.
std::string EntryTable(const DumpEntry& e, const CatalogSchema& cat);

// How pg_dump is run.
struct DumpRun {
  PgLocation location;
  PgAuth auth;               // a password goes in the child's environment only
  std::string snapshot;      // pg_export_snapshot() of the reading transaction
  int server_version = 0;    // PgConnection::server_version()
  int lock_wait_ms = 10000;  // --lock-wait-timeout
};

// Runs pg_dump (TIDEMARK_PG_DUMP, else `pg_dump` on PATH) for the pre-data
// and the post-data sections and appends one object per entry to
// out->objects (with object_namespaces), sets `postgres.post_data_from`, and
// sets each table's `sql` from its TABLE entry. NotFound when there is no
// pg_dump; Unsupported when its major version is older than the server's;
// the exit status and pg_dump's first error line otherwise.
Status ReadDumpObjects(const DumpRun& run, const CatalogSchema& cat, SourceSchema* out);

// The roles that own or are granted anything in the database (and the roles
// those are members of), as objects of type "ROLE": CREATE ROLE, ALTER ROLE
// with the attributes (never a password), GRANT for each membership.
Result<std::vector<SchemaObject>> ReadRoles(PgConnection& conn);

}  // namespace tidemark::pg
