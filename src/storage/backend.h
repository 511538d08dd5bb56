// Backend: where a repository's files live (a local folder, memory, later S3).
// A backend knows file kinds and names, never what is inside a file: it must
// not include anything from repo/. See docs/FORMAT.md §2 for the layout.
//
// Contract (checked by backend_conformance_testlib.cc for every backend):
// - Put is atomic: a reader sees either no file or the whole file, never a
//   prefix, even if the process dies mid-way. When Put returns OK the data is
//   durable (local: fsync of file and directory).
// - Put with PutMode::kCreateExclusive fails with AlreadyExists if the file is
//   present, and exactly one of several racing exclusive creators succeeds.
//   Put with kOverwrite replaces an existing file atomically.
// - Get(h, offset, length) returns bytes [offset, min(offset+length, size))
//   (length 0: to the end), so a caller that needs exactly `length` bytes
//   must compare sizes. offset > size is InvalidArgument. A missing file is
//   NotFound.
// - List(kind) calls fn once per complete file of that kind, in no particular
//   order; temporary files of an interrupted Put are never listed.
// - Remove of a missing file is NotFound.
// - All methods are thread-safe; several processes may use one location.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace tidemark {

enum class FileKind {
  kConfig,    // the single file "config"; name must be ""
  kKey,       // keys/<name>
  kPack,      // data/<first 2 chars of name>/<name>
  kIndex,     // index/<name>
  kLock,      // locks/<name>
  kLedger,    // ledger/<name>
  kSnapshot,  // snapshots/<name>
  kHold,      // holds/<name>: legal holds (docs/format/holds.md); added after format 1
  kPrune,     // prune/<name>: pending-deletion marks (docs/format/prune.md); added after format 1
  kDrill,     // drills/<name>: drill reports (docs/format/drills.md); added after format 1
  kAccounts,  // accounts/<generation>: server accounts (docs/format/accounts.md); added after
              // format 1
};

// "config", "key", "pack", "index", "lock", "ledger", "snapshot", "hold", "prune".
const char* FileKindName(FileKind kind);

struct FileHandle {
  FileKind kind;
  std::string name;  // [0-9a-zA-Z_-.]+ (no '/'); "" only for kConfig

  std::string ToString() const;  // "pack 3fa1…" style, for messages
};

struct FileInfo {
  FileHandle handle;
  uint64_t size = 0;
  // Stat only: the Object Lock retention of the file, microseconds since the
  // Unix epoch (0 = none, or storage without Object Lock). Until then storage
  // that enforces the lock refuses to delete or overwrite it.
  int64_t retain_until_us = 0;
};

// Object Lock (WORM) modes (docs/guide/s3.md, "Object Lock"): in governance
// mode a user with a special permission may still delete; in compliance mode
// nobody can until the retention ends.
enum class LockMode : uint8_t { kNone = 0, kGovernance = 1, kCompliance = 2 };
const char* LockModeName(LockMode m);  // "none", "governance", "compliance"

// The kinds whose files carry the repository's retention when Object Lock is
// on: everything that holds content. Locks, legal holds and prune marks are
// removed in normal operation, index files are rewritten by prune and
// can be rebuilt from the packs (`repair index`), and an accounts document
// is replaced by its next generation: those are never locked.
bool RetainedKind(FileKind kind);

// What the WORM probe found: whether the storage refused to delete a locked
// version, and what it saw, for the user.
struct WormProbe {
  bool enforced = false;
  std::string detail;
};

enum class PutMode { kOverwrite, kCreateExclusive };

// A temporary file of a Put (local: ".tmp-*" beside its target). A Put that
// was killed leaves it behind; List never shows it.
struct TempFileInfo {
  std::string path;  // relative to the repository: "data/ab/.tmp-…", "index/.tmp-…"
  uint64_t size = 0;
  int64_t modified_us = 0;  // last write, microseconds since the Unix epoch
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual Status Put(const FileHandle& h, std::string_view data,
                     PutMode mode = PutMode::kCreateExclusive) = 0;
  virtual Result<std::string> Get(const FileHandle& h, uint64_t offset = 0,
                                  uint64_t length = 0) = 0;
  virtual Result<FileInfo> Stat(const FileHandle& h) = 0;
  virtual Status List(FileKind kind, const std::function<Status(const FileInfo&)>& fn) = 0;
  virtual Status Remove(const FileHandle& h) = 0;
  // Temporary files present now (a backend without them lists none), and
  // removal of one by its path. Only for cleaning up after killed writers:
  // the caller decides which are old enough (docs/guide/check.md).
  virtual Status ListTemporary(const std::function<Status(const TempFileInfo&)>& fn) {
    return Status::OK();
  }
  virtual Status RemoveTemporary(const std::string& path) {
    return Status::NotFound("no temporary file " + path);
  }
  // Human description, e.g. "local:/srv/repo" or "mem:".
  virtual std::string Location() const = 0;

  // Object Lock. From now on every Put of a RetainedKind carries `mode` and a
  // retention of `days` from the moment of the Put. Unsupported (saying so)
  // for storage without Object Lock: the default.
  virtual Status EnableObjectLock(LockMode mode, int days) {
    return Status::Unsupported(Location() + " has no Object Lock (it needs an S3 bucket)");
  }
  // Moves the retention of `h` to `until_us` if that is later than it is
  // (storage never shortens one). Unsupported without Object Lock.
  virtual Status ExtendRetention(const FileHandle& h, int64_t until_us) {
    return Status::Unsupported(Location() + " has no Object Lock");
  }
  // Writes a locked canary, tries to delete that very version, and reports
  // whether the storage refused. Unsupported without Object Lock.
  virtual Result<WormProbe> ProbeWorm() {
    return Status::Unsupported(Location() + " has no Object Lock");
  }
};

// The folder of a kind in the repository layout, as the local backend lays it
// out and object stores name their keys: "" (config), "keys", "data", "index",
// "locks", "ledger", "snapshots", "holds", "prune", "drills", "accounts".
const char* KindFolder(FileKind kind);

// The path of a valid handle relative to the repository root: "config",
// "keys/<name>", "data/<first 2 chars>/<name>", "index/<name>", …
std::string RelativePath(const FileHandle& h);

// Validates a file name per the FileHandle rules (InvalidArgument if bad).
Status ValidateFileHandle(const FileHandle& h);

// Applies Get's range rule to file `h` of `size` bytes: returns how many bytes
// a Get(h, offset, length) must return, or InvalidArgument if offset > size.
// Shared by the backends so that they all clamp ranges the same way.
Result<uint64_t> GetRangeLength(const FileHandle& h, uint64_t size, uint64_t offset,
                                uint64_t length);

}  // namespace tidemark
