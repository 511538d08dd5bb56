// The memory connector's live target, lookups and drill probe (internal to
// sources/memory/; NewMemoryConnector hands them out).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "sources/live_target.h"
#include "sources/memory/memory_connector_testlib.h"
#include "sources/probe.h"

namespace tidemark::memory {

// Lookups in a reader's copy (which must outlive them).
Result<std::unique_ptr<LiveLookup>> OpenLookup(const MemorySource* view);
// The source at `location` for writing; NotFound when there is none.
Result<std::unique_ptr<LiveTarget>> OpenLive(MemoryWorld* world, const std::string& location);
// A probe on a copy of the source at `location`.
Result<std::unique_ptr<SourceProbe>> OpenProbe(const MemoryWorld& world,
                                               const std::string& location);

}  // namespace tidemark::memory
