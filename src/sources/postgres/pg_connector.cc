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
  std::string_view scheme() const override { return kScheme; }
  std::string_view location_help() const override {
    return "//USER@HOST:PORT/DATABASE (a PostgreSQL database; the password comes from PGPASSFILE)";
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
    return pg::OpenPgReader(loc, pg::PgAuth{}, lock_wait_ms);
  }

  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& location, const SourceSchema& schema,
      const RestoreTargetOptions& options) const override {
    return pg::CreatePgRestoreTargetAt(location, schema, options, pg::PgAuth{}, pg::OpenPgReaderOn);
  }

  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const override {
    return pg::OpenPgLookup(view);
  }

  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) const override {
    TM_ASSIGN_OR_RETURN(pg::PgLocation loc, pg::ParsePgLocation(location));
    TM_ASSIGN_OR_RETURN(std::unique_ptr<pg::PgLive> live, pg::PgLive::Open(loc, pg::PgAuth{}));
    return std::unique_ptr<LiveTarget>(std::move(live));
  }

  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) const override {
    TM_ASSIGN_OR_RETURN(pg::PgLocation loc, pg::ParsePgLocation(location));
    return pg::OpenPgProbe(loc, pg::PgAuth{});
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
    return pg::DropScratchDatabase(loc, pg::PgAuth{});
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
};

}  // namespace

std::unique_ptr<Connector> NewPostgresConnector() { return std::make_unique<PostgresConnector>(); }

}  // namespace tidemark
