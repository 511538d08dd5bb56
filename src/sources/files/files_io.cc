#include "sources/files/files_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>

namespace tidemark::files {
namespace {

std::atomic<int> fault_at{0};
std::atomic<int> steps{0};

// One write step: IOError when it is the one a test asked to fail.
Status Step(const std::string& what) {
  const int n = ++steps;
  if (fault_at.load() != 0 && n == fault_at.load()) {
    return Status::IOError(what + ": injected failure (step " + std::to_string(n) + ")");
  }
  return Status::OK();
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

FileStamp StampFrom(const struct stat& st) {
  FileStamp s;
  s.size = uint64_t(st.st_size);
  s.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.inode = uint64_t(st.st_ino);
  s.mode = st.st_mode & 07777;
  return s;
}

Status ReadAll(int fd, const std::string& path, std::string* out) {
  out->clear();
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("cannot read " + path));
    if (n == 0) return Status::OK();
    out->append(buf, size_t(n));
  }
}

// One attempt: the bytes and whether the file stayed the same throughout.
Result<bool> ReadOnce(const std::string& path, std::string* bytes, FileStamp* stamp,
                      const AfterReadHook& hook, int attempt) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no file " + path);
    return Status::IOError(Errno("cannot open " + path));
  }
  struct stat before, after;
  Status s = ::fstat(fd, &before) == 0 ? ReadAll(fd, path, bytes)
                                       : Status::IOError(Errno("cannot stat " + path));
  if (s.ok() && hook) hook(path, attempt);
  if (s.ok() && ::fstat(fd, &after) != 0) s = Status::IOError(Errno("cannot stat " + path));
  ::close(fd);
  TM_RETURN_IF_ERROR(s);
  TM_ASSIGN_OR_RETURN(FileStamp by_path, StampOf(path));
  *stamp = StampFrom(before);
  if (!(StampFrom(after) == *stamp) || !(by_path == *stamp) || bytes->size() != stamp->size) {
    return false;
  }
  // Within mtime's granularity a rewrite of the same size is invisible to
  // stat: compare with a second read.
  const int64_t now_ns = int64_t(::time(nullptr)) * 1000000000;
  if (now_ns - stamp->mtime_ns < 2000000000LL) {
    std::string again;
    const int fd2 = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd2 < 0) return false;
    s = ReadAll(fd2, path, &again);
    ::close(fd2);
    TM_RETURN_IF_ERROR(s);
    if (again != *bytes) return false;
  }
  return true;
}

Status SyncPath(const std::string& path, int flags) {
  TM_RETURN_IF_ERROR(Step("fsync " + path));
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open " + path));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(Errno("fsync " + path));
  return Status::OK();
}

}  // namespace

Result<FileStamp> StampOf(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("no file " + path);
    return Status::IOError(Errno("cannot stat " + path));
  }
  return StampFrom(st);
}

Result<std::string> ReadStable(const std::string& path, FileStamp* stamp,
                               const AfterReadHook& hook) {
  std::string bytes;
  for (int attempt = 1; attempt <= kReadAttempts; attempt++) {
    TM_ASSIGN_OR_RETURN(bool settled, ReadOnce(path, &bytes, stamp, hook, attempt));
    if (settled) return bytes;
  }
  return Status::Refused(path + " kept changing while it was read (" +
                         std::to_string(kReadAttempts) +
                         " attempts); back it up again when the app is not writing it");
}

Result<std::vector<std::string>> ListFolder(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound("no folder " + dir);
    return Status::IOError(Errno("cannot list " + dir));
  }
  std::vector<std::string> names;
  while (const struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool IsStagingName(const std::string& name) {
  return name.find(".tidemark-tmp") != std::string::npos ||
         name.find(".tidemark-staging") != std::string::npos ||
         name.find(".tidemark-old") != std::string::npos;
}

Result<std::string> WriteTemp(const std::string& path, const std::string& bytes, mode_t mode) {
  const size_t slash = path.rfind('/');
  std::string tmpl =
      path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".tidemark-tmp.XXXXXX";
  TM_RETURN_IF_ERROR(Step("create a temp file beside " + path));
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Status::IOError(Errno("cannot create a temp file beside " + path));
  Status s = Step("write " + tmpl);
  if (s.ok() && ::fchmod(fd, mode) != 0) s = Status::IOError(Errno("chmod " + tmpl));
  for (size_t done = 0; s.ok() && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s = Status::IOError(Errno("cannot write " + tmpl));
    if (n > 0) done += size_t(n);
  }
  if (s.ok()) s = Step("fsync " + tmpl);
  if (s.ok() && ::fsync(fd) != 0) s = Status::IOError(Errno("fsync " + tmpl));
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmpl.c_str());
    return s;
  }
  return tmpl;
}

Status SyncFolder(const std::string& dir) { return SyncPath(dir, O_RDONLY | O_DIRECTORY); }

Status RenameDurable(const std::string& from, const std::string& to) {
  TM_RETURN_IF_ERROR(Step("rename " + from));
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::IOError(Errno("cannot rename " + from + " to " + to));
  }
  return SyncFolder(Parent(to));
}

Status UnlinkDurable(const std::string& path) {
  TM_RETURN_IF_ERROR(Step("unlink " + path));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError(Errno("cannot remove " + path));
  }
  return SyncFolder(Parent(path));
}

Status MakeFolders(const std::string& dir, mode_t mode) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status::OK() : Status::IOError(dir + " is not a folder");
  }
  TM_RETURN_IF_ERROR(MakeFolders(Parent(dir), mode));
  TM_RETURN_IF_ERROR(Step("mkdir " + dir));
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return Status::IOError(Errno("cannot create folder " + dir));
  }
  return SyncFolder(Parent(dir));
}

Status ExchangeDurable(const std::string& a, const std::string& b) {
  TM_RETURN_IF_ERROR(Step("exchange " + a));
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) != 0) {
    return Status::IOError(Errno("cannot exchange " + a + " and " + b));
  }
  TM_RETURN_IF_ERROR(SyncFolder(Parent(a)));
  return Parent(a) == Parent(b) ? Status::OK() : SyncFolder(Parent(b));
}

void RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    Result<std::vector<std::string>> names = ListFolder(path);
    if (names.ok()) {
      for (const std::string& n : names.value()) RemoveTree(path + "/" + n);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

int SetWriteFaultForTesting(int n) {
  fault_at = n;
  return steps.exchange(0);
}

}  // namespace tidemark::files
