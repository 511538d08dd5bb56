// LocalBackend: a Backend over a folder of the local file system.
//
// Layout (see backend.h for the kinds):
//   <dir>/config
//   <dir>/keys/<name>, index/<name>, locks/<name>, ledger/<name>, snapshots/<name>
//   <dir>/holds/<name>, prune/<name>  (kinds added later: a missing folder lists
//                                      as empty and is made by the first Put)
//   <dir>/data/<first 2 chars of name>/<name>
//
// Put writes "<target folder>/.tmp-<random>", fsyncs it, moves it into place
// (rename for kOverwrite; link + unlink for kCreateExclusive, which is an
// atomic exclusive create even across processes and over NFS) and fsyncs the
// folder. A crash therefore leaves either no file or the whole file, plus
// perhaps a stray ".tmp-*" file that List never reports. Files are created
// with mode 0600 and folders with 0700 (before the umask).
#pragma once

#include <memory>
#include <string>

#include "storage/backend.h"
#include "storage/fd_cache.h"

namespace tidemark {

class LocalBackend : public Backend {
 public:
  // Opens the existing folder `dir` (made absolute). NotFound naming the
  // path if it does not exist; InvalidArgument if it is not a folder. Does
  // not check that the folder holds a repository: the repo layer reads config.
  static Result<std::unique_ptr<LocalBackend>> Open(const std::string& dir);

  // Creates `dir` (and missing parents) and the layout's folders: keys/,
  // data/ with data/00 … data/ff, index/, locks/, ledger/, holds/, prune/,
  // snapshots/; every changed folder is fsynced. Existing folders are kept.
  // AlreadyExists if `dir`/config exists. Does not write config.
  static Status Create(const std::string& dir);

  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  // Same contract as Backend (see backend.h); thread-safe, and safe for
  // several processes sharing the folder. Errors name the path and the OS
  // error; ENOENT → NotFound, EACCES/EPERM → PermissionDenied, else IOError.
  // List reports regular files (symlinks are followed) whose names are valid
  // handle names; names starting with '.' and, for packs, files in the wrong
  // data/xx folder are skipped, since Get could not address them. A missing
  // kind folder is an error, not an empty list: an unmounted disk must not
  // look like a repository without snapshots.
  Status Put(const FileHandle& h, std::string_view data,
             PutMode mode = PutMode::kCreateExclusive) override;
  Result<std::string> Get(const FileHandle& h, uint64_t offset = 0, uint64_t length = 0) override;
  Result<FileInfo> Stat(const FileHandle& h) override;
  Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) override;
  Status Remove(const FileHandle& h) override;
  std::string Location() const override { return "local:" + dir_; }
  Status ListTemporary(const std::function<Status(const TempFileInfo&)>& fn) override;
  Status RemoveTemporary(const std::string& path) override;

  // The absolute folder this backend works in.
  const std::string& dir() const { return dir_; }

 private:
  explicit LocalBackend(std::string dir) : dir_(std::move(dir)), packs_(kPackFds) {}

  std::string KindDir(FileKind kind) const;         // "<dir>/keys", "<dir>/data", …
  std::string FolderOf(const FileHandle& h) const;  // folder holding h
  std::string PathOf(const FileHandle& h) const;

  // Writes data to a new temporary file in `folder`, fsyncs and closes it,
  // and returns its path. Messages name `target`.
  Result<std::string> WriteTempFile(const std::string& folder, const std::string& target,
                                    std::string_view data) const;
  Status ListFolder(const std::string& folder, FileKind kind, const std::string& prefix,
                    const std::function<Status(const FileInfo&)>& fn) const;
  Status ListPacks(const std::function<Status(const FileInfo&)>& fn) const;
  Status ListTempIn(const std::string& rel, const std::function<Status(const TempFileInfo&)>& fn);

  const std::string dir_;  // absolute, no trailing '/' (unless it is "/")
  // Open packs for Get (packs never change: fd_cache.h); Put and Remove of a
  // pack forget its descriptor.
  static constexpr size_t kPackFds = 64;
  FdCache packs_;
};

}  // namespace tidemark
