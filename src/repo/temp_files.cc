#include "repo/temp_files.h"

namespace tidemark {

Result<std::vector<TempFileInfo>> ListTempFiles(const Repository& repo) {
  std::vector<TempFileInfo> out;
  TM_RETURN_IF_ERROR(repo.backend()->ListTemporary([&](const TempFileInfo& t) {
    out.push_back(t);
    return Status::OK();
  }));
  return out;
}

Result<TempCleanup> RemoveOldTempFiles(const Repository& repo, int64_t grace_us) {
  TM_ASSIGN_OR_RETURN(std::vector<TempFileInfo> files, ListTempFiles(repo));
  TempCleanup c;
  const int64_t now = repo.clock()->NowMicros();
  for (const TempFileInfo& t : files) {
    if (now - t.modified_us <= grace_us) {
      c.kept++;
      continue;
    }
    Status s = repo.backend()->RemoveTemporary(t.path);
    if (s.IsNotFound()) continue;  // its writer finished, or another cleaner
    TM_RETURN_IF_ERROR(s);
    c.bytes_removed += t.size;
    c.removed.push_back(t);
  }
  return c;
}

}  // namespace tidemark
