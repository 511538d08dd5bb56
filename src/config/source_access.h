// A source as a command reaches it: its connector, its location, and the
// password tidemark.toml says where to find (password_file /
// password_command, docs/guide/config.md). Every use case that connects to
// a source, or to a copy on the same server, resolves it here, so the
// password rule lives in one place.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "config/config.h"
#include "sources/connector.h"

namespace tidemark {

// `source`'s uri, with its password when it names one. Errors as
// ConnectorRegistry::Resolve's.
Result<SourceRef> ResolveSource(const SourceConfig& source);

// `uri` with the password of the catalog's source that is the same source
// (compared in the recorded form, Connector::Canonical), else without one
// (the connector finds its own, e.g. PGPASSFILE). A password is only ever
// sent to its own source's location: a restore to another database, or a
// rollback --live elsewhere, does not get it.
Result<SourceRef> ResolveSource(const ConfigFile& cfg, const std::string& uri);

}  // namespace tidemark
