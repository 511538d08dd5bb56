#include "repo/small_file.h"

namespace tidemark {

Result<std::string> ReadSmallFile(Backend* backend, const FileHandle& h, uint64_t max) {
  // One read of at most max+1 bytes: memory stays bounded without a Stat.
  TM_ASSIGN_OR_RETURN(std::string data, backend->Get(h, 0, max + 1));
  if (data.size() > max) {
    return Status::Corruption(h.ToString() + ": more than the " + std::to_string(max) +
                              " bytes such a file can hold (not a tidemark file)");
  }
  return data;
}

}  // namespace tidemark
