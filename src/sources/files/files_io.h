// File access of the files: connector (docs/guide/sources.md "files:"): a
// consistent read of one file, and the durable write steps (temp file,
// fsync, rename, fsync of the folder). Every write step goes through one
// counter so that tests can make the Nth step fail (SetWriteFaultForTesting)
// and check that a folder is then either old or new, never partial.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace tidemark::files {

// What identifies one version of a file without reading it.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  mode_t mode = 0;
  bool operator==(const FileStamp& o) const {
    return size == o.size && mtime_ns == o.mtime_ns && inode == o.inode;
  }
};

// Called after a file's bytes were read and before it is stat'ed again
// (tests change the file there to see the read retry).
using AfterReadHook = std::function<void(const std::string& path, int attempt)>;

inline constexpr int kReadAttempts = 5;

// The bytes of regular file `path` as one version: stat, read, stat again
// (same size, mtime and inode, also by path: not replaced); a file modified
// in the last 2 seconds (within mtime's granularity) is read twice and the
// bytes compared. Retries up to kReadAttempts times; Refused when it never
// settles. NotFound when there is no such file.
Result<std::string> ReadStable(const std::string& path, FileStamp* stamp,
                               const AfterReadHook& hook = nullptr);
// The stamp of `path` now; NotFound when it is gone.
Result<FileStamp> StampOf(const std::string& path);

// Names in folder `dir` (not "." and ".."), sorted bytewise.
Result<std::vector<std::string>> ListFolder(const std::string& dir);

// Writes `bytes` to a new temp file beside `path` (same folder), fsyncs it,
// and returns its name. `mode` is its permission bits.
Result<std::string> WriteTemp(const std::string& path, const std::string& bytes, mode_t mode);
// rename(from, to), then fsync of to's folder.
Status RenameDurable(const std::string& from, const std::string& to);
// unlink(path), then fsync of its folder.
Status UnlinkDurable(const std::string& path);
// fsync of folder `dir`.
Status SyncFolder(const std::string& dir);
// mkdir -p, each new folder made durable in its parent.
Status MakeFolders(const std::string& dir, mode_t mode);
// Atomically swaps two paths (renameat2 RENAME_EXCHANGE), then syncs.
Status ExchangeDurable(const std::string& a, const std::string& b);
// rm -r; errors ignored (for staging leftovers).
void RemoveTree(const std::string& path);

// True for names the connector writes while staging (never read as data).
bool IsStagingName(const std::string& name);

// Makes the `n`th write step (1-based; every WriteTemp write, fsync, rename,
// unlink and folder sync counts) from now fail with IOError; 0 turns it off.
// Returns how many steps ran since the last call. For tests only.
int SetWriteFaultForTesting(int n);

}  // namespace tidemark::files
