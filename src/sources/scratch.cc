#include "sources/scratch.h"

#include <cstdlib>
#include <filesystem>

namespace tidemark {
namespace {

constexpr std::string_view kFolderPrefix = "tidemark-drill-";

}  // namespace

Result<std::string> CreateScratchPath(const ScratchRequest& request, std::string_view suffix) {
  std::string base = request.dir;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = base + "/" + std::string(kFolderPrefix) + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return Status::IOError("cannot create a scratch folder in " + base +
                           ": set scratch_dir in the plan or TMPDIR to a writable folder");
  }
  std::string name = request.name.empty() ? "copy" : request.name;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return templ + "/" + name + std::string(suffix);
}

Status DropScratchPath(const std::string& location) {
  const std::filesystem::path dir = std::filesystem::path(location).parent_path();
  if (dir.filename().string().rfind(kFolderPrefix, 0) != 0) {
    return Status::InvalidArgument(location + " is not in a scratch folder (" +
                                   std::string(kFolderPrefix) + "...): nothing was removed");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec)
    return Status::IOError("cannot remove the scratch copy " + location + ": " + ec.message());
  return Status::OK();
}

}  // namespace tidemark
