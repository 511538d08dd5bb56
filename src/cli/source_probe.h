// Whether this machine can read a configured source the way a backup would.
// The one place `doctor` asks it: when connectors sit behind a registry,
// this function asks the registry instead.
#pragma once

#include "base/status.h"
#include "config/config.h"

namespace tidemark::cli {

// OK when the source can be opened for reading now. Today every source is
// sqlite:PATH, opened read-only as `config check` does (cmd_sources.cc):
// NotFound when PATH does not exist here, the open's error otherwise.
Status ProbeSource(const SourceConfig& source);

}  // namespace tidemark::cli
