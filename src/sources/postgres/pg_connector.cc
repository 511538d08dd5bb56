#include "sources/postgres/pg_connector.h"

#include <string_view>

#include "sources/live_target.h"
#include "sources/postgres/pg_live.h"
#include "sources/postgres/pg_location.h"
#include "sources/postgres/pg_probe.h"
#include "sources/postgres/pg_reader.h"
#include "sources/postgres/pg_restore_target.h"

namespace tidemark {
namespace {

constexpr std::string_view kScheme = "postgres";

class PostgresConnector final : public Connector {
 public:
  PostgresConnector() = default;
  explicit PostgresConnector(SecretProvider password) : password_(std::move(password)) {}

  std::string_view scheme() const override { return kScheme; }
  std::string_view location_help() const override {
    return "//USER@HOST:PORT/DATABASE (a PostgreSQL database; the password comes from PGPASSFILE "
           "or the source's password_file / password_command)";
  }

  Result<std::shared_ptr<const Connector>> WithPassword(SecretProvider password) const override {
    return std::shared_ptr<const Connector>(
        std::make_shared<PostgresConnector>(std::move(password)));
  }

  // The recorded form of the URI (pg::PgLocation::Uri) without the scheme:
  // the same source spelled differently is recorded the same way.
  std::string Canonical(const std::string& location) const override {
    Result<pg::PgLocation> loc = pg::ParsePgLocation(location);
    if (!loc.ok()) return location;
    const std::string uri = loc->Uri();
    return uri.substr(kScheme.size() + 1);
  }

  Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& location,
                                                   int lock_wait_ms) const override {
    TM_ASSIGN_OR_RETURN(pg::PgLocation loc, pg::ParsePgLocation(location));
    TM_ASSIGN_OR_RETURN(pg::PgAuth auth, Auth());
    return pg::OpenPgReader(loc, auth, lock_wait_ms);
  }

  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& location, const SourceSchema& schema,
      const RestoreTargetOptions& options) const override {
    TM_ASSIGN_OR_RETURN(pg::PgAuth auth, Auth());
    return pg::CreatePgRestoreTargetAt(location, schema, options, auth, pg::OpenPgReaderOn);
  }

  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const override {
    return pg::OpenPgLookup(view);
  }

  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) const override {
    TM_ASSIGN_OR_RETURN(pg::PgLocation loc, pg::ParsePgLocation(location));
    TM_ASSIGN_OR_RETURN(pg::PgAuth auth, Auth());
    TM_ASSIGN_OR_RETURN(std::unique_ptr<pg::PgLive> live, pg::PgLive::Open(loc, auth));
    return std::unique_ptr<LiveTarget>(std::move(live));
  }

  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) const override {
    TM_ASSIGN_OR_RETURN(pg::PgLocation loc, pg::ParsePgLocation(location));
    TM_ASSIGN_OR_RETURN(pg::PgAuth auth, Auth());
    return pg::OpenPgProbe(loc, auth);
  }

  // A database of its own on the plan's scratch server, else the source's:
  // the restore creates it, DropScratch drops it.
  Result<std::string> CreateScratch(const ScratchRequest& request) const override {
    TM_ASSIGN_OR_RETURN(
        pg::PgLocation loc,
        pg::ParsePgLocation(request.server.empty() ? request.source : request.server));
    loc.dbname = pg::ScratchDatabaseName(request.name);
    return loc.Uri().substr(kScheme.size() + 1);
  }
  Status DropScratch(const std::string& location) const override {
    TM_ASSIGN_OR_RETURN(pg::PgLocation loc, pg::ParsePgLocation(location));
    TM_ASSIGN_OR_RETURN(pg::PgAuth auth, Auth());
    return pg::DropScratchDatabase(loc, auth);
  }

  // Partitions are ordinary tables of their own: nothing follows another.
  const TableSchema* OwnerOf(const SourceSchema&, const TableSchema&) const override {
    return nullptr;
  }

  std::string_view integrity_check_name() const override {
    return "PostgreSQL's integrity check (tidemark runs none on a live server)";
  }
  std::string_view integrity_repair_hint() const override {
    return "Check the server with amcheck (pg_amcheck)";
  }

 private:
  // The password for every connection; none: libpq finds one (PGPASSFILE).
  Result<pg::PgAuth> Auth() const {
    pg::PgAuth auth;
    if (password_) {
      TM_ASSIGN_OR_RETURN(std::string pw, password_());
      auth.password = std::move(pw);
    }
    return auth;
  }

  SecretProvider password_;
};

}  // namespace

std::unique_ptr<Connector> NewPostgresConnector() { return std::make_unique<PostgresConnector>(); }

}  // namespace tidemark
