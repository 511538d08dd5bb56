// The steps of a PostgreSQL restore around the data (pg_restore_target.h):
// checking what the target server lacks, creating and dropping the target
// database, the session settings, and refusing or clearing a database that
// is not empty. Every statement goes through a Statements, which counts
// them so that a test can fail the Nth one. Internal to sources/postgres/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/postgres/pg_connection.h"
#include "sources/postgres/pg_restore_plan.h"

namespace tidemark::pg {

// Sends statements, counting them; the `fail_at`th (1-based, shared by
// every Statements of one restore) fails with IOError "injected fault".
class Statements {
 public:
  Statements(int fail_at, int* count) : fail_at_(fail_at), count_(count) {}
  Result<PgResult> Exec(PgConnection* c, std::string_view sql, std::string_view doing);
  Status Run(PgConnection* c, std::string_view sql, std::string_view doing);
  // Counts one statement sent another way (a COPY): the injected fault, or OK.
  Status Next(std::string_view doing);

 private:
  int fail_at_;
  int* count_;
};

// Unsupported naming every role and extension (at the snapshot's version)
// of `plan` that the server of `c` lacks, with what to do; OK when none.
Status CheckServerHas(Statements* st, PgConnection* c, const PgRestorePlan& plan);

// A connection to the server of `loc` for creating and dropping databases:
// its `postgres` database, else `template1`.
Result<std::unique_ptr<PgConnection>> OpenAdmin(const PgLocation& loc, const PgAuth& auth);

// Whether database `name` exists on the server `admin` is connected to.
Result<bool> DatabaseExists(Statements* st, PgConnection* admin, const std::string& name);
// CREATE DATABASE from template0 with the snapshot's encoding and locale
// (settings postgres.encoding, .lc_collate, .lc_ctype).
Status CreateDatabase(Statements* st, PgConnection* admin, const std::string& name,
                      const SourceSchema& schema);
// Marks database `name` by a comment as a restore in progress (committed at
// once; the restore's own transaction removes it).
Status MarkDatabase(Statements* st, PgConnection* admin, const std::string& name);
// DROP DATABASE IF EXISTS (WITH (FORCE) where the server has it); `doing`
// says why, for messages.
Status DropDatabase(Statements* st, PgConnection* admin, const std::string& name,
                    std::string_view doing);

// pg_dump's session settings for replaying its statements (search_path '',
// check_function_bodies off, ...) and tidemark's for values (DateStyle ISO,
// TimeZone UTC, ...). Before BEGIN: they outlive the transaction.
Status SetRestoreSession(Statements* st, PgConnection* c);

// Inside the restore's transaction: AlreadyExists (naming what is there and
// saying to add --force) when the database holds objects, unless `replace`,
// which drops every non-system schema and extension and recreates an empty
// public schema as template0 has it.
Status RefuseOrClear(Statements* st, PgConnection* c, const std::string& db, bool replace);

// The quoted form "ns"."name" (ns may be empty).
std::string QuotedName(const PgConnection& c, const std::string& ns, const std::string& name);

}  // namespace tidemark::pg
