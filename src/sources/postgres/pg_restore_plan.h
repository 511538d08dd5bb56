// What a PostgreSQL restore runs, decided from the snapshot's schema alone
// (no server): which of pg_dump's objects are replayed before and after the
// data, which sequences are set, and which roles and extensions the target
// server must already have. With a table selection (--table) it also says
// what of the schema comes along (docs/guide/postgres.md, "Restore"):
//   - every object not tied to a table: schemas, extensions, types, domains,
//     functions, collations, standalone sequences, and their comments/grants;
//   - the selected tables, the partitioned tables above a selected
//     partition, and everything tied to them (defaults, constraints,
//     indexes, triggers, policies, comments, grants, owned sequences);
//   - foreign keys only when the referenced table is restored too; the
//     others are left out and listed in left_out;
//   - views and materialized views are left out (they are listed too).
// Internal to sources/postgres/.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "records/schema.h"

namespace tidemark::pg {

// A relation named by its namespace and name (both unquoted).
using RelName = std::pair<std::string, std::string>;

struct PgRestorePlan {
  // Indexes into SourceSchema::objects, in the snapshot's order.
  std::vector<size_t> pre_data, post_data;
  // Indexes into SourceSchema::sequences: every sequence whose state is set.
  std::vector<size_t> sequences;
  // Roles the replayed objects name (owners, grantees, the snapshot's ROLE
  // objects), sorted; never created by a restore: they must exist.
  std::vector<std::string> roles;
  // (name, version) of every extension the snapshot had.
  std::vector<std::pair<std::string, std::string>> extensions;
  // The relations restored (tables with their partitioned ancestors).
  std::vector<RelName> relations;
  // What a table selection leaves out, for the report: "FK CONSTRAINT
  // public.orders orders_customer_fkey (references public.customers)", ...
  std::vector<std::string> left_out;
};

// Plans a restore of `schema`, of every table when `tables` is empty, else of
// those (names as TableSchema::name, or "namespace.name"). NotFound for a
// name the schema does not have.
Result<PgRestorePlan> PlanPgRestore(const SourceSchema& schema,
                                    const std::vector<std::string>& tables);

// The first (possibly schema-qualified) identifier of `text` from *pos, as
// pg_dump writes it ("public"."Odd ""name""", public.t, t): unquoted
// identifiers are folded to lower case as the server does. Advances *pos
// past it; false when there is none.
bool ParseQualifiedName(std::string_view text, size_t* pos, RelName* out);

// Role names `sql` refers to: "OWNER TO r", "GRANT ... TO r, s" (PUBLIC is
// not a role). Unquoted names folded to lower case.
std::vector<std::string> RolesNamedIn(std::string_view sql);

}  // namespace tidemark::pg
