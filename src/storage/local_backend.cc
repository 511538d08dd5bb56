#include "storage/local_backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "storage/posix_io.h"

namespace tidemark {

namespace {

const char* const kKindFolders[] = {"keys",  "data",  "index",  "locks",    "ledger",
                                    "holds", "prune", "drills", "accounts", "snapshots"};

// Kinds added after the first layout: a repository made before them lacks
// their folder, which then reads as empty and is made by the first Put.
bool IsLaterKind(FileKind kind) {
  return kind == FileKind::kHold || kind == FileKind::kPrune || kind == FileKind::kDrill ||
         kind == FileKind::kAccounts;
}

// Makes `dir` absolute and drops empty and "." components, so that
// Location() and error messages show one spelling of the folder. ".." is
// kept: resolving it without the file system would be wrong for symlinks.
Result<std::string> NormalizeDir(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("repository folder path is empty");
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(dir, ec).string();
  if (ec) return Status::IOError("resolve folder " + dir + ": " + ec.message());
  std::string out;
  size_t start = 0;
  while (start <= abs.size()) {
    size_t end = abs.find('/', start);
    if (end == std::string::npos) end = abs.size();
    const std::string_view part(abs.data() + start, end - start);
    if (!part.empty() && part != ".") {
      out += '/';
      out += part;
    }
    start = end + 1;
  }
  return out.empty() ? std::string("/") : out;
}

// mkdir -p: creates `dir` and missing parents, fsyncing each parent that
// gained an entry.
Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("create folder " + dir + ": a file of that name is in the way");
  }
  const std::string parent = std::filesystem::path(dir).parent_path().string();
  if (!parent.empty() && parent != dir) TM_RETURN_IF_ERROR(MakeDirs(parent));
  TM_RETURN_IF_ERROR(MakeDir(dir));
  return parent.empty() ? Status::OK() : SyncDir(parent);
}

std::string NotRegularFileError(const std::string& path) { return path + " is not a regular file"; }

// Moves the finished temporary file to `path`, failing with AlreadyExists if
// `path` exists. link(2) is atomic and exclusive; file systems without hard
// links (EPERM/ENOTSUP, e.g. FAT) fall back to renameat2(RENAME_NOREPLACE).
Status LinkExclusive(const std::string& tmp, const std::string& path) {
  if (::link(tmp.c_str(), path.c_str()) == 0) {
    ::unlink(tmp.c_str());  // a leftover temporary file is harmless
    return Status::OK();
  }
  const int err = errno;
  if (err == EEXIST) return Status::AlreadyExists(path + " already exists");
#if defined(__linux__) && defined(RENAME_NOREPLACE)
  if (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP || err == ENOSYS) {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
      return Status::OK();
    }
    const int err2 = errno;
    if (err2 == EEXIST) return Status::AlreadyExists(path + " already exists");
    if (err2 != EINVAL && err2 != ENOSYS) return PosixError("rename", path, err2);
  }
#endif
  return PosixError("link", path, err);
}

using DirPtr = std::unique_ptr<DIR, int (*)(DIR*)>;

Result<DirPtr> OpenDir(const std::string& folder) {
  DIR* d = ::opendir(folder.c_str());
  if (d == nullptr) return PosixError("list", folder, errno);
  return DirPtr(d, &::closedir);
}

// Returns the next entry name of d, "" at the end.
Result<std::string> NextEntry(DIR* d, const std::string& folder) {
  errno = 0;
  const struct dirent* ent = ::readdir(d);
  if (ent == nullptr) {
    if (errno != 0) return PosixError("list", folder, errno);
    return std::string();
  }
  return std::string(ent->d_name);
}

}  // namespace

Result<std::unique_ptr<LocalBackend>> LocalBackend::Open(const std::string& dir) {
  TM_ASSIGN_OR_RETURN(std::string abs, NormalizeDir(dir));
  struct stat st;
  if (::stat(abs.c_str(), &st) != 0) {
    const int err = errno;
    Status s = PosixError("open repository folder", abs, err);
    if (err != ENOENT) return s;
    return Status::NotFound(s.message() + " (check the path, or create a repository there first)");
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("open repository folder " + abs + ": not a folder");
  }
  return std::unique_ptr<LocalBackend>(new LocalBackend(abs));
}

Status LocalBackend::Create(const std::string& dir) {
  TM_ASSIGN_OR_RETURN(std::string abs, NormalizeDir(dir));
  TM_RETURN_IF_ERROR(MakeDirs(abs));
  const std::string config = JoinPath(abs, "config");
  struct stat st;
  if (::lstat(config.c_str(), &st) == 0) {
    return Status::AlreadyExists("create repository in " + abs + ": " + config +
                                 " exists, so a repository is already there");
  }
  if (errno != ENOENT) return PosixError("stat", config, errno);
  for (const char* sub : kKindFolders) TM_RETURN_IF_ERROR(MakeDir(JoinPath(abs, sub)));
  const std::string data = JoinPath(abs, "data");
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    const char name[3] = {kHex[i >> 4], kHex[i & 0xf], '\0'};
    TM_RETURN_IF_ERROR(MakeDir(JoinPath(data, name)));
  }
  TM_RETURN_IF_ERROR(SyncDir(data));
  return SyncDir(abs);
}

std::string LocalBackend::KindDir(FileKind kind) const {
  switch (kind) {
    case FileKind::kConfig:
      return dir_;
    case FileKind::kKey:
      return JoinPath(dir_, "keys");
    case FileKind::kPack:
      return JoinPath(dir_, "data");
    case FileKind::kIndex:
      return JoinPath(dir_, "index");
    case FileKind::kLock:
      return JoinPath(dir_, "locks");
    case FileKind::kLedger:
      return JoinPath(dir_, "ledger");
    case FileKind::kSnapshot:
      return JoinPath(dir_, "snapshots");
    case FileKind::kHold:
      return JoinPath(dir_, "holds");
    case FileKind::kPrune:
      return JoinPath(dir_, "prune");
    case FileKind::kDrill:
      return JoinPath(dir_, "drills");
    case FileKind::kAccounts:
      return JoinPath(dir_, "accounts");
  }
  return dir_;
}

// REQUIRES: ValidateFileHandle(h).ok(), so pack names have 2+ characters.
std::string LocalBackend::FolderOf(const FileHandle& h) const {
  if (h.kind == FileKind::kPack) return JoinPath(KindDir(h.kind), h.name.substr(0, 2));
  return KindDir(h.kind);
}

std::string LocalBackend::PathOf(const FileHandle& h) const {
  return JoinPath(FolderOf(h), h.kind == FileKind::kConfig ? "config" : h.name);
}

Result<std::string> LocalBackend::WriteTempFile(const std::string& folder,
                                                const std::string& target,
                                                std::string_view data) const {
  for (int attempt = 0;; ++attempt) {
    const std::string tmp = JoinPath(folder, RandomTempName());
    ScopedFd fd(OpenNoEintr(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600));
    if (!fd.valid()) {
      const int err = errno;
      if (err != EEXIST) return PosixError("create", target, err);
      if (attempt < 8) continue;  // another writer drew the same name
      return Status::IOError("create temporary file in " + folder + ": names keep colliding");
    }
    Status s = WriteAll(fd.get(), data, target);
    if (s.ok()) s = SyncFd(fd.get(), target);
    if (s.ok()) s = fd.Close(target);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    return tmp;
  }
}

Status LocalBackend::Put(const FileHandle& h, std::string_view data, PutMode mode) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  const std::string folder = FolderOf(h);
  const std::string path = PathOf(h);
  if (h.kind == FileKind::kPack) packs_.Forget(path);
  Result<std::string> tmp = WriteTempFile(folder, path, data);
  if (!tmp.ok() && tmp.status().IsNotFound() && h.kind == FileKind::kPack) {
    // Create made data/00 … data/ff; other prefixes get their folder here.
    TM_RETURN_IF_ERROR(MakeDir(folder));
    TM_RETURN_IF_ERROR(SyncDir(KindDir(h.kind)));
    tmp = WriteTempFile(folder, path, data);
  } else if (!tmp.ok() && tmp.status().IsNotFound() && IsLaterKind(h.kind)) {
    TM_RETURN_IF_ERROR(MakeDir(folder));
    TM_RETURN_IF_ERROR(SyncDir(dir_));
    tmp = WriteTempFile(folder, path, data);
  }
  if (!tmp.ok()) return tmp.status();
  Status s;
  if (mode == PutMode::kOverwrite) {
    if (::rename(tmp->c_str(), path.c_str()) != 0) s = PosixError("rename", path, errno);
  } else {
    s = LinkExclusive(*tmp, path);
  }
  if (!s.ok()) {
    ::unlink(tmp->c_str());
    return s;
  }
  return SyncDir(folder);
}

Result<std::string> LocalBackend::Get(const FileHandle& h, uint64_t offset, uint64_t length) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  const std::string path = PathOf(h);
  std::shared_ptr<const ScopedFd> fd;
  if (h.kind == FileKind::kPack) {
    TM_ASSIGN_OR_RETURN(fd, packs_.Open("open", path));
  } else {
    TM_ASSIGN_OR_RETURN(int raw, OpenFd("open", path, O_RDONLY));
    fd = std::make_shared<const ScopedFd>(raw);
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return PosixError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(NotRegularFileError(path));
  TM_ASSIGN_OR_RETURN(uint64_t n,
                      GetRangeLength(h, static_cast<uint64_t>(st.st_size), offset, length));
  std::string out(n, '\0');
  TM_RETURN_IF_ERROR(PreadAll(fd->get(), out.data(), n, offset, path));
  return out;
}

Result<FileInfo> LocalBackend::Stat(const FileHandle& h) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  const std::string path = PathOf(h);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(NotRegularFileError(path));
  return FileInfo{h, static_cast<uint64_t>(st.st_size)};
}

Status LocalBackend::List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) {
  if (kind == FileKind::kPack) return ListPacks(fn);
  if (kind == FileKind::kConfig) {
    Result<FileInfo> info = Stat(FileHandle{FileKind::kConfig, ""});
    if (!info.ok()) return info.status().IsNotFound() ? Status::OK() : info.status();
    return fn(*info);
  }
  if (IsLaterKind(kind)) {
    struct stat st;
    if (::stat(KindDir(kind).c_str(), &st) != 0 && errno == ENOENT) return Status::OK();
  }
  return ListFolder(KindDir(kind), kind, "", fn);
}

Status LocalBackend::ListFolder(const std::string& folder, FileKind kind, const std::string& prefix,
                                const std::function<Status(const FileInfo&)>& fn) const {
  TM_ASSIGN_OR_RETURN(DirPtr d, OpenDir(folder));
  for (;;) {
    TM_ASSIGN_OR_RETURN(std::string name, NextEntry(d.get(), folder));
    if (name.empty()) return Status::OK();
    if (name[0] == '.' || name.compare(0, prefix.size(), prefix) != 0) continue;
    FileHandle h{kind, name};
    if (!ValidateFileHandle(h).ok()) continue;
    struct stat st;
    if (::fstatat(::dirfd(d.get()), name.c_str(), &st, 0) != 0) {
      if (errno == ENOENT) continue;  // removed since readdir
      return PosixError("stat", JoinPath(folder, name), errno);
    }
    if (!S_ISREG(st.st_mode)) continue;
    TM_RETURN_IF_ERROR(fn(FileInfo{std::move(h), static_cast<uint64_t>(st.st_size)}));
  }
}

Status LocalBackend::ListPacks(const std::function<Status(const FileInfo&)>& fn) const {
  const std::string data = KindDir(FileKind::kPack);
  // Collect the data/xx folders first so that only one DIR is open at a time.
  std::vector<std::string> subs;
  {
    TM_ASSIGN_OR_RETURN(DirPtr d, OpenDir(data));
    for (;;) {
      TM_ASSIGN_OR_RETURN(std::string name, NextEntry(d.get(), data));
      if (name.empty()) break;
      if (name.size() == 2 && name[0] != '.') subs.push_back(std::move(name));
    }
  }
  for (const std::string& sub : subs) {
    const std::string folder = JoinPath(data, sub);
    struct stat st;
    if (::stat(folder.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed since readdir
      return PosixError("stat", folder, errno);
    }
    if (!S_ISDIR(st.st_mode)) continue;
    TM_RETURN_IF_ERROR(ListFolder(folder, FileKind::kPack, sub, fn));
  }
  return Status::OK();
}

Status LocalBackend::Remove(const FileHandle& h) {
  TM_RETURN_IF_ERROR(ValidateFileHandle(h));
  const std::string path = PathOf(h);
  if (h.kind == FileKind::kPack) packs_.Forget(path);
  if (::unlink(path.c_str()) != 0) return PosixError("remove", path, errno);
  return SyncDir(FolderOf(h));
}

// Temporary files: ".tmp-*" in the repository folder (config), each kind's
// folder and each data/xx folder.
Status LocalBackend::ListTemporary(const std::function<Status(const TempFileInfo&)>& fn) {
  TM_RETURN_IF_ERROR(ListTempIn("", fn));
  for (const char* sub : {"keys", "index", "locks", "ledger", "snapshots", "holds", "prune",
                          "drills", "accounts", "data"}) {
    TM_RETURN_IF_ERROR(ListTempIn(sub, fn));
  }
  std::vector<std::string> subs;
  {
    auto d = OpenDir(JoinPath(dir_, "data"));
    if (!d.ok()) return Status::OK();
    for (;;) {
      TM_ASSIGN_OR_RETURN(std::string name, NextEntry(d->get(), dir_));
      if (name.empty()) break;
      if (name.size() == 2 && name[0] != '.') subs.push_back("data/" + name);
    }
  }
  for (const std::string& sub : subs) TM_RETURN_IF_ERROR(ListTempIn(sub, fn));
  return Status::OK();
}

Status LocalBackend::ListTempIn(const std::string& rel,
                                const std::function<Status(const TempFileInfo&)>& fn) {
  const std::string folder = rel.empty() ? dir_ : JoinPath(dir_, rel);
  auto d = OpenDir(folder);
  if (!d.ok()) return Status::OK();  // a later kind's folder not made yet
  for (;;) {
    TM_ASSIGN_OR_RETURN(std::string name, NextEntry(d->get(), folder));
    if (name.empty()) return Status::OK();
    if (name.rfind(".tmp-", 0) != 0) continue;
    struct stat st;
    if (::fstatat(::dirfd(d->get()), name.c_str(), &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
    TempFileInfo t;
    t.path = rel.empty() ? name : rel + "/" + name;
    t.size = static_cast<uint64_t>(st.st_size);
    t.modified_us = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
    TM_RETURN_IF_ERROR(fn(t));
  }
}

Status LocalBackend::RemoveTemporary(const std::string& path) {
  // Only a ".tmp-" name in one of the folders ListTemporary walks.
  const size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.rfind(".tmp-", 0) != 0 || path.find("..") != std::string::npos) {
    return Status::InvalidArgument("not a temporary file: " + path);
  }
  const std::string full = JoinPath(dir_, path);
  if (::unlink(full.c_str()) != 0) return PosixError("remove", full, errno);
  return Status::OK();
}

}  // namespace tidemark
