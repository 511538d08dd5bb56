// Test helpers for the files: connector: a scratch folder, the Node-RED
// fixture (tests/fixtures/node-red) copied into it, files read and written.
#pragma once

#include <string>

namespace tidemark::files {

// A new empty folder under the system's temp folder, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Copies tests/fixtures/node-red to `to` (which must not exist).
void CopyNodeRedFixture(const std::string& to);
std::string ReadBytes(const std::string& path);
void WriteBytes(const std::string& path, const std::string& bytes);
// "" when the folders hold the same files with the same bytes; else what differs.
std::string CompareTrees(const std::string& a, const std::string& b);

}  // namespace tidemark::files
