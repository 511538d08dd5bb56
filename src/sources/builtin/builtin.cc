#include "sources/builtin/builtin.h"

#include "sources/files/files_connector.h"
#include "sources/postgres/pg_connector.h"
#include "sources/sqlite/sqlite_connector.h"

namespace tidemark {

const ConnectorRegistry& BuiltinConnectors() {
  static const ConnectorRegistry* registry = [] {
    auto* r = new ConnectorRegistry();
    r->Register(NewSqliteConnector());
    r->Register(NewPostgresConnector());
    r->Register(NewFilesConnector());
    return r;
  }();
  return *registry;
}

}  // namespace tidemark
