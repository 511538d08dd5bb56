#include "cli/source_probe.h"

#include "config/source_access.h"

namespace tidemark::cli {

Result<std::unique_ptr<SourceReader>> OpenConfiguredSource(const SourceConfig& source,
                                                           int lock_wait_ms) {
  TM_ASSIGN_OR_RETURN(SourceRef ref, ResolveSource(source));
  auto reader = ref.connector->OpenReader(ref.location, lock_wait_ms);
  if (reader.status().IsNotFound()) {
    return Status::NotFound(ref.location + " does not exist on this machine");
  }
  return reader;
}

Status ProbeSource(const SourceConfig& source) {
  return OpenConfiguredSource(source, 1000).status();
}

}  // namespace tidemark::cli
