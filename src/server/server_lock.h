// One server per repository on a machine: `tidemark serve` holds an
// exclusive flock(2) on STATE_DIR/serve-<repository id>.lock while it runs,
// so a second server (and its schedule) refuses to start. The kernel drops
// the lock when the process ends, however it ends: nothing goes stale.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

namespace tidemark {

class ServerLock {
 public:
  // Creates `dir` when missing. Refused naming the lock file (and the pid
  // written in it) when another process holds it; IOError when the folder
  // or file cannot be made.
  static Result<std::unique_ptr<ServerLock>> Acquire(const std::string& dir,
                                                     const std::string& repo_id);
  ~ServerLock();
  const std::string& path() const { return path_; }

 private:
  ServerLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace tidemark
