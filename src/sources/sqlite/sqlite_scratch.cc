#include "sources/sqlite/sqlite_scratch.h"

#include <cstdlib>
#include <filesystem>

namespace tidemark::sqlite {
namespace {

constexpr std::string_view kFolderPrefix = "tidemark-drill-";

}  // namespace

Result<std::string> CreateScratch(const ScratchRequest& request) {
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
  return templ + "/" + name + ".db";
}

Status DropScratch(const std::string& location) {
  const std::filesystem::path file(location);
  const std::filesystem::path dir = file.parent_path();
  std::error_code ec;
  if (dir.filename().string().rfind(kFolderPrefix, 0) == 0) {
    std::filesystem::remove_all(dir, ec);
  } else {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(location + suffix, ec);
    }
  }
  if (ec)
    return Status::IOError("cannot remove the scratch copy " + location + ": " + ec.message());
  return Status::OK();
}

}  // namespace tidemark::sqlite
