#include "repo/small_file.h"

namespace tidemark {

Result<std::string> ReadSmallFile(Backend* backend, const FileHandle& h, uint64_t max) {
  TM_ASSIGN_OR_RETURN(FileInfo info, backend->Stat(h));
  if (info.size > max) {
    return Status::Corruption(h.ToString() + ": " + std::to_string(info.size) +
                              " bytes, more than the " + std::to_string(max) +
                              " such a file can hold (not a tidemark file)");
  }
  TM_ASSIGN_OR_RETURN(std::string data, backend->Get(h, 0, max + 1));
  if (data.size() > max) {
    return Status::Corruption(h.ToString() + ": grew past " + std::to_string(max) + " bytes");
  }
  return data;
}

}  // namespace tidemark
