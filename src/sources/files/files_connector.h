// The files: connector (docs/guide/sources.md "files:"): an app whose state
// is a folder of documents (Node-RED's userdir), read as tables
// (files_doc.h), restored as a new folder, rolled back file by file.
#pragma once

#include <memory>
#include <string>

#include "sources/connector.h"
#include "sources/live_target.h"

namespace tidemark::files {

// files_restore.cc, files_live.cc, files_probe.cc.
Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(const std::string& location,
                                                           const SourceSchema& schema,
                                                           const RestoreTargetOptions& options);
Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location);
Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location);

}  // namespace tidemark::files

namespace tidemark {

// Scheme "files", a location is a folder's path.
std::unique_ptr<Connector> NewFilesConnector();

}  // namespace tidemark
