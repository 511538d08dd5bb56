// The connectors this build holds (sqlite:, postgres:, files:), registered once. Front
// ends (cli/, later server/) and config/ use this registry; use cases in
// ops/ get a SourceRef and never name a connector.
#pragma once

#include "sources/connector.h"

namespace tidemark {

// Thread-safe; built on first use and never changed after.
const ConnectorRegistry& BuiltinConnectors();

}  // namespace tidemark
