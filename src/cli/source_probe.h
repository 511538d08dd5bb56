// Whether this machine can read a configured source the way a backup would,
// through the connector its URI names (sources/builtin). Used by `doctor`
// and `config check`.
#pragma once

#include <memory>

#include "base/result.h"
#include "config/config.h"
#include "sources/connector.h"

namespace tidemark::cli {

// A read view of the configured source. NotFound ("LOCATION does not exist
// on this machine") when it is not here; the connector's error otherwise.
Result<std::unique_ptr<SourceReader>> OpenConfiguredSource(const SourceConfig& source,
                                                           int lock_wait_ms);
// OK when the source can be opened for reading now (waiting at most 1 s).
Status ProbeSource(const SourceConfig& source);

}  // namespace tidemark::cli
