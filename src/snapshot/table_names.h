// Tables named the way people name them (DESIGN.md §7, docs/guide/platforms.md
// "Names in commands"): `ls`, `cat`, `diff --table`, `history` and
// `rollback --table` take a table's name or the display name its profile
// gave it when the snapshot was taken ("Books" for nc_x___books), through
// this one resolver over the manifest's annotations.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "snapshot/manifest.h"

namespace tidemark {

// The name of the table of `m` that `name` means: `name` itself when `m`
// has a table of that name (Manifest::FindTable); else the one table whose
// display name is `name` (ASCII case ignored). NotFound when none (the caller explains with the
// snapshot's tables); InvalidArgument listing the candidates, and saying to
// give the table's name, when the display name is several tables'.
Result<std::string> ResolveTableName(const Manifest& m, std::string_view name);

}  // namespace tidemark
