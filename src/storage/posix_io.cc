#include "storage/posix_io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <functional>
#include <random>
#include <thread>

namespace tidemark {

namespace {

// strerror is not guaranteed thread-safe; strerror_r has a GNU and an XSI
// flavour, and these overloads accept either.
[[maybe_unused]] std::string StrerrorResult(int rc, const char* buf) {
  return rc == 0 ? std::string(buf) : "unknown error";
}
[[maybe_unused]] std::string StrerrorResult(const char* msg, const char* /*buf*/) { return msg; }

std::string ErrnoString(int err) {
  char buf[256] = {0};
  return StrerrorResult(strerror_r(err, buf, sizeof(buf)), buf);
}

// Calls f() until it does not fail with EINTR.
template <typename F>
auto RetryOnEintr(F f) {
  decltype(f()) rc;
  do {
    rc = f();
  } while (rc < 0 && errno == EINTR);
  return rc;
}

}  // namespace

Status PosixError(std::string_view op, const std::string& path, int err) {
  std::string msg(op);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += ErrnoString(err);
  switch (err) {
    case ENOENT:
      return Status::NotFound(msg);
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(msg);
    case EEXIST:
      return Status::AlreadyExists(msg);
    default:
      return Status::IOError(msg);
  }
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status ScopedFd::Close(const std::string& path) {
  if (fd_ < 0) return Status::OK();
  const int rc = ::close(fd_);
  fd_ = -1;
  // After EINTR the descriptor is gone on Linux; retrying could close another.
  if (rc != 0 && errno != EINTR) return PosixError("close", path, errno);
  return Status::OK();
}

int OpenNoEintr(const std::string& path, int flags, mode_t mode) {
  return RetryOnEintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); });
}

Result<int> OpenFd(std::string_view op, const std::string& path, int flags, mode_t mode) {
  const int fd = OpenNoEintr(path, flags, mode);
  if (fd < 0) return PosixError(op, path, errno);
  return fd;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = RetryOnEintr([&] { return ::write(fd, data.data(), data.size()); });
    if (n < 0) return PosixError("write", path, errno);
    if (n == 0) return Status::IOError("write " + path + ": wrote 0 bytes");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status PreadAll(int fd, char* buf, uint64_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    const ssize_t got = RetryOnEintr(
        [&] { return ::pread(fd, buf, static_cast<size_t>(n), static_cast<off_t>(offset)); });
    if (got < 0) return PosixError("read", path, errno);
    if (got == 0) {
      return Status::IOError("read " + path + ": file ended early at offset " +
                             std::to_string(offset) + " (was it truncated?)");
    }
    buf += got;
    n -= static_cast<uint64_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return Status::OK();
}

Status SyncFd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return PosixError("fsync", path, errno);
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  TM_ASSIGN_OR_RETURN(int raw, OpenFd("open folder", dir, O_RDONLY | O_DIRECTORY));
  ScopedFd fd(raw);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) return PosixError("fsync folder", dir, errno);
  return fd.Close(dir);
}

Status MakePrivateDirs(const std::string& dir) {
  for (size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
    const std::string part = dir.substr(0, at);
    if (!part.empty() && part.back() != '/') {
      if (::mkdir(part.c_str(), 0700) == 0) {
        ::chmod(part.c_str(), 0700);  // exactly 0700, whatever the umask
      } else if (errno != EEXIST) {
        return PosixError("create folder", part, errno);
      }
    }
    if (at == std::string::npos) break;
  }
  return MakeDir(dir);
}

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::OK();
  const int err = errno;
  struct stat st;
  if (err == EEXIST && ::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("create folder " + dir + ": a file of that name is in the way");
  }
  return PosixError("create folder", dir, err);
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (path.empty() || path.back() != '/') path += '/';
  path += name;
  return path;
}

std::string RandomTempName() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{
        rd(),
        rd(),
        rd(),
        rd(),
        static_cast<unsigned>(::getpid()),
        static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id()))};
    return std::mt19937_64(seq);
  }();
  static const char kHex[] = "0123456789abcdef";
  uint64_t r = rng();
  std::string name = ".tmp-";
  for (int i = 0; i < 16; ++i, r >>= 4) name += kHex[r & 0xf];
  return name;
}

}  // namespace tidemark
