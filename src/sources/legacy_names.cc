#include "sources/legacy_names.h"

namespace tidemark {

bool LegacyInternalTableName(std::string_view name) { return name.rfind("sqlite_", 0) == 0; }

}  // namespace tidemark
