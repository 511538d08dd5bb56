// The SQLite connector: sqlite:PATH sources behind the Connector interface
// (sources/connector.h). See docs/guide/sources.md.
#pragma once

#include <memory>

#include "sources/connector.h"

namespace tidemark {

std::unique_ptr<Connector> NewSqliteConnector();

namespace sqlite {
// The virtual table that shadow table `t` belongs to, by SQLite's own rule
// (sqlite3ShadowTableName): the virtual table named by all of t's name
// before its last "_", so "docs_x_data" belongs to "docs_x", never to
// "docs". Null when `t` is not a shadow table or that table is not virtual.
const TableSchema* ShadowOwner(const SourceSchema& schema, const TableSchema& t);
}  // namespace sqlite

}  // namespace tidemark
