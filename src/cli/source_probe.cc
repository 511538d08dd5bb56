#include "cli/source_probe.h"

#include <sys/stat.h>

#include "sources/sqlite_source.h"

namespace tidemark::cli {

Status ProbeSource(const SourceConfig& source) {
  constexpr std::string_view kScheme = "sqlite:";
  if (source.uri.rfind(kScheme, 0) != 0) {
    return Status::Unsupported(source.uri + ": no connector for this kind of source yet");
  }
  const std::string path = source.uri.substr(kScheme.size());
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound(path + " does not exist on this machine");
  }
  auto src = SqliteSource::Open(path, 1000);
  return src.status();
}

}  // namespace tidemark::cli
