// ScopedTempDir: a fresh folder for one test, removed with its contents when
// the object goes away. Part of tm_storage_testlib.
#pragma once

#include <string>

namespace tidemark {

class ScopedTempDir {
 public:
  // Creates "<$TMPDIR or /tmp>/tidemark-test-XXXXXX" with mkdtemp. On
  // failure records a gtest failure and leaves path() empty.
  ScopedTempDir();
  // Removes the folder recursively, first restoring owner permissions that
  // a test may have taken away.
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tidemark
