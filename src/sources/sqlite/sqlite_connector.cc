#include "sources/sqlite/sqlite_connector.h"

#include <cstdlib>
#include <string_view>

#include "sources/sqlite/sqlite_live.h"
#include "sources/sqlite/sqlite_probe.h"
#include "sources/sqlite/sqlite_restore_target.h"
#include "sources/sqlite/sqlite_scratch.h"
#include "sources/sqlite/sqlite_source.h"

namespace tidemark {

namespace sqlite {

const TableSchema* ShadowOwner(const SourceSchema& schema, const TableSchema& t) {
  const size_t last = t.name.rfind('_');
  if (t.kind != TableKind::kInternal || last == std::string::npos) return nullptr;
  const TableSchema* owner = schema.FindTableIgnoreCase(std::string_view(t.name).substr(0, last));
  return owner != nullptr && owner->kind == TableKind::kVirtual ? owner : nullptr;
}

}  // namespace sqlite

namespace {

class SqliteConnector final : public Connector {
 public:
  std::string_view scheme() const override { return "sqlite"; }
  std::string_view location_help() const override { return "PATH (the app's SQLite file)"; }

  std::string Canonical(const std::string& location) const override {
    char* abs = ::realpath(location.c_str(), nullptr);
    if (abs == nullptr) return location;
    std::string out = abs;
    std::free(abs);
    return out;
  }

  Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& location,
                                                   int lock_wait_ms) const override {
    TM_ASSIGN_OR_RETURN(auto src, SqliteSource::Open(location, lock_wait_ms));
    return std::unique_ptr<SourceReader>(std::move(src));
  }

  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& location, const SourceSchema& schema,
      const RestoreTargetOptions& options) const override {
    return sqlite::CreateRestoreTarget(location, schema, options);
  }

  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const override {
    auto* src = dynamic_cast<SqliteSource*>(view);
    if (src == nullptr) return Status::Internal("a lookup on a view of another connector");
    return std::unique_ptr<LiveLookup>(std::make_unique<RowLookup>(src->handle(), src->path()));
  }

  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) const override {
    TM_ASSIGN_OR_RETURN(auto live, SqliteLive::Open(location));
    return std::unique_ptr<LiveTarget>(std::move(live));
  }

  Result<std::string> CreateScratch(const ScratchRequest& request) const override {
    return sqlite::CreateScratch(request);
  }
  Status DropScratch(const std::string& location) const override {
    return sqlite::DropScratch(location);
  }

  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) const override {
    return sqlite::OpenProbe(location);
  }

  const TableSchema* OwnerOf(const SourceSchema& schema, const TableSchema& t) const override {
    return sqlite::ShadowOwner(schema, t);
  }

  std::string_view integrity_check_name() const override { return "SQLite's quick_check"; }
  std::string_view integrity_repair_hint() const override {
    return "Repair the file (sqlite3 .recover)";
  }
};

}  // namespace

std::unique_ptr<Connector> NewSqliteConnector() { return std::make_unique<SqliteConnector>(); }

}  // namespace tidemark
