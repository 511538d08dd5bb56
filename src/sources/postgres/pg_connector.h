// The PostgreSQL connector: postgres://USER@HOST:PORT/DB sources behind the
// Connector interface (sources/connector.h). See docs/guide/postgres.md.
#pragma once

#include <memory>

#include "sources/connector.h"

namespace tidemark {

std::unique_ptr<Connector> NewPostgresConnector();

}  // namespace tidemark
