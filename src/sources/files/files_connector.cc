#include "sources/files/files_connector.h"

#include <stdlib.h>

#include "sources/files/files_reader.h"
#include "sources/scratch.h"

namespace tidemark {
namespace {

std::string Trimmed(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string RealPath(const std::string& p) {
  char* abs = ::realpath(p.c_str(), nullptr);
  if (abs == nullptr) return "";
  std::string out = abs;
  ::free(abs);
  return out;
}

class FilesConnector final : public Connector {
 public:
  std::string_view scheme() const override { return "files"; }
  std::string_view location_help() const override {
    return "FOLDER (the app's folder of JSON, NDJSON, CSV and other files)";
  }

  // The folder's absolute path; for a folder not there yet (a restore's),
  // its parent's absolute path and its name.
  std::string Canonical(const std::string& location) const override {
    const std::string loc = Trimmed(location);
    if (std::string abs = RealPath(loc); !abs.empty()) return abs;
    const size_t slash = loc.rfind('/');
    const std::string parent = slash == std::string::npos ? "." : loc.substr(0, slash);
    const std::string abs = RealPath(parent.empty() ? "/" : parent);
    if (abs.empty()) return location;
    return (abs == "/" ? "" : abs) + "/" + loc.substr(slash + 1);
  }

  Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& location,
                                                   int /*lock_wait_ms*/) const override {
    TM_ASSIGN_OR_RETURN(files::FolderState st, files::ReadFolder(Trimmed(location)));
    return std::unique_ptr<SourceReader>(std::make_unique<files::FilesReader>(std::move(st)));
  }

  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& location, const SourceSchema& schema,
      const RestoreTargetOptions& options) const override {
    return files::CreateRestoreTarget(Trimmed(location), schema, options);
  }

  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const override {
    auto* reader = dynamic_cast<files::FilesReader*>(view);
    if (reader == nullptr) return Status::Internal("a lookup on a view of another connector");
    return files::NewLookup(reader->state());
  }

  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) const override {
    return files::OpenLive(Trimmed(location));
  }

  // A folder of its own: DIR/tidemark-drill-XXXXXX/NAME.
  Result<std::string> CreateScratch(const ScratchRequest& request) const override {
    return CreateScratchPath(request, "");
  }
  Status DropScratch(const std::string& location) const override {
    return DropScratchPath(Trimmed(location));
  }

  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) const override {
    return files::OpenProbe(Trimmed(location));
  }

  const TableSchema* OwnerOf(const SourceSchema&, const TableSchema&) const override {
    return nullptr;  // no internal tables
  }
  std::string_view integrity_check_name() const override {
    return "the JSON check of its documents";
  }
  std::string_view integrity_repair_hint() const override {
    return "Fix or remove the JSON file that does not parse";
  }
};

}  // namespace

std::unique_ptr<Connector> NewFilesConnector() { return std::make_unique<FilesConnector>(); }

}  // namespace tidemark
