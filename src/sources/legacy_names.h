// Reading documents written when SQLite was the only source, before they
// recorded what each table is (drill reports without "internal",
// docs/format/drills.md §2). The rule lives here, beside the connectors,
// so that the use cases keep no connector's naming rules.
#pragma once

#include <string_view>

namespace tidemark {

// True when `name` was one of the source's own tables rather than one of the
// app's in such a document: SQLite's "sqlite_" prefix.
bool LegacyInternalTableName(std::string_view name);

}  // namespace tidemark
