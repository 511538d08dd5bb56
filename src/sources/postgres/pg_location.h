// Where a PostgreSQL source is: the location of a `postgres://` URI
// (docs/guide/postgres.md, "Locations"). Parsing refuses a password written
// into the URI, so no credential is ever recorded with a source: passwords
// come from PGPASSFILE (libpq's own lookup) or a PgAuth given at connect time.
// Internal to sources/.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tidemark::pg {

struct PgLocation {
  std::string user;    // "" = libpq's default (PGUSER, then the OS user)
  std::string host;    // "" = libpq's default (PGHOST, then the socket)
  std::string port;    // "" = libpq's default (PGPORT, then 5432)
  std::string dbname;  // required
  // Query parameters other than the credential ones, in URI order
  // (sslmode, sslrootcert, connect_timeout, application_name, ...).
  std::vector<std::pair<std::string, std::string>> params;

  // "postgres://user@host:port/db?k=v": the recorded form. Percent-encodes
  // what needs it; never holds a password.
  std::string Uri() const;
  // libpq's keyword/value pairs for PQconnectdbParams (no password).
  std::vector<std::pair<std::string, std::string>> Keywords() const;
};

// Parses `location`, the part of "postgres://..." after "postgres:"
// ("//user@host:port/db?sslmode=require"). InvalidArgument, saying how to
// write it, for anything else: no "//", no database, a bad port, a password
// in the user part or as `password=`, an unknown percent escape.
Result<PgLocation> ParsePgLocation(std::string_view location);

}  // namespace tidemark::pg
