// Small POSIX helpers for LocalBackend: errno → Status, whole-buffer reads and
// writes that survive EINTR and short transfers, and directory fsync. Every
// message names the operation and the path: "write /srv/repo/keys/k1: No
// space left on device". Internal to the storage layer.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace tidemark {

// Maps errno `err` from `op` on `path` to a Status whose message is
// "<op> <path>: <strerror(err)>". ENOENT → NotFound; EACCES, EPERM →
// PermissionDenied; EEXIST → AlreadyExists; anything else (ENOSPC, EIO,
// EROFS, …) → IOError.
Status PosixError(std::string_view op, const std::string& path, int err);

// Owns a file descriptor; closes it (ignoring errors) on destruction. Use
// Close() where the close result matters.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd();
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now; errors other than EINTR are reported against `path`.
  Status Close(const std::string& path);

 private:
  int fd_;
};

// open(2) with O_CLOEXEC added, retried on EINTR; -1 with errno set on error.
int OpenNoEintr(const std::string& path, int flags, mode_t mode = 0);

// As OpenNoEintr, but errors are reported as "<op> <path>: …".
Result<int> OpenFd(std::string_view op, const std::string& path, int flags, mode_t mode = 0);

// Writes all of `data` to fd, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view data, const std::string& path);

// Reads exactly `n` bytes at `offset` into buf; a file that ends early is an
// IOError (our files are immutable once renamed into place).
Status PreadAll(int fd, char* buf, uint64_t n, uint64_t offset, const std::string& path);

// fsync(2) of an open file.
Status SyncFd(int fd, const std::string& path);

// Makes the directory entries of `dir` durable (fsync of the directory).
// File systems that cannot fsync a directory (EINVAL) are accepted.
Status SyncDir(const std::string& dir);

// Files and folders tidemark writes outside the repository hold decrypted
// data: they are private to the user unless asked otherwise (--mode).
inline constexpr unsigned kPrivateFileMode = 0600;

// mkdir -p with 0700 for every folder it creates (existing ones are kept as
// they are), whatever the umask.
Status MakePrivateDirs(const std::string& dir);

// mkdir(dir, 0700); an existing directory is fine, an existing non-directory
// is an IOError. Does not sync the parent.
Status MakeDir(const std::string& dir);

// "<dir>/<name>", without doubling the '/' when dir is "/".
std::string JoinPath(const std::string& dir, std::string_view name);

// A fresh name ".tmp-<16 hex digits>"; unpredictable enough that processes
// sharing a folder do not collide (callers still create with O_EXCL).
std::string RandomTempName();

}  // namespace tidemark
