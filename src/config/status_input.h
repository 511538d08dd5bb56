// The catalog of tidemark.toml as ops/status reads it (status and metrics
// of every front end: `tidemark status`, `tidemark serve`).
#pragma once

#include "config/config.h"
#include "ops/status/status_report.h"

namespace tidemark {

// One StatusPolicy per [[source]] (in file order) and every [[drill]] plan.
StatusInput StatusInputOf(const ConfigFile& cfg);

}  // namespace tidemark
