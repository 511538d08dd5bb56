#include "server/server_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tidemark {
namespace {

Status MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    const std::string part = dir.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create " + part + ": " + std::strerror(errno) +
                             "; choose another --state-dir");
    }
  }
  return Status::OK();
}

std::string Holder(int fd) {
  char buf[64] = {0};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "" : " (pid " + pid + ")";
}

}  // namespace

Result<std::unique_ptr<ServerLock>> ServerLock::Acquire(const std::string& dir,
                                                        const std::string& repo_id) {
  TM_RETURN_IF_ERROR(MakeDirs(dir));
  const std::string path = dir + "/serve-" + repo_id + ".lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno) +
                           "; choose another --state-dir");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string who = Holder(fd);
    close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Refused("another tidemark serve" + who + " runs on this repository (lock " +
                             path + "); stop it first");
    }
    return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is for messages only; the lock itself holds.
  }
  return std::unique_ptr<ServerLock>(new ServerLock(fd, path));
}

ServerLock::~ServerLock() {
  flock(fd_, LOCK_UN);
  close(fd_);
}

}  // namespace tidemark
