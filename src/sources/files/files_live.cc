// The live target of the files: connector (rollback, revert). BeginWrite
// reads the folder (files_folder.h) under an flock on the folder (against
// another tidemark; apps do not lock); writes change that state in memory;
// Commit writes what changed: a temp file beside each changed file, fsync,
// rename, fsync of its folder. One rename is atomic, several are not, so a
// commit that would change more than one file is refused before anything is
// written: with that rule a commit is whole or nothing (atomic_transaction).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "base/crash_point.h"
#include "sources/files/files_connector.h"
#include "sources/files/files_reader.h"

namespace tidemark::files {
namespace {

// One file Commit writes (bytes) or removes (gone).
struct Change {
  std::string rel;
  std::string bytes;
  bool gone = false;
};

class FilesLive final : public LiveTarget {
 public:
  explicit FilesLive(std::string root) : root_(std::move(root)) {}
  ~FilesLive() override { Unlock(); }

  LiveCapabilities capabilities() const override {
    LiveCapabilities c;
    c.atomic_transaction = true;  // at most one file per commit, renamed into place
    return c;
  }
  Status BeginWrite(int lock_wait_ms, int64_t* waited_us) override;
  LiveLookup* lookup() override { return lookup_.get(); }
  Status SuspendTriggers(const std::vector<std::string>&, size_t* count) override {
    *count = 0;  // files have no triggers
    return Status::OK();
  }
  Status RestoreTriggers() override { return Status::OK(); }
  Status Insert(const TableSchema& t, const SourceRow& row) override;
  Status Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) override;
  Status Delete(const TableSchema& t, const SourceRow& current) override;
  Status Commit() override;
  Status Rollback() override {
    Unlock();
    return Status::OK();
  }

 private:
  Result<Document*> DocOf(const TableSchema& t, bool create);
  Status Put(const TableSchema& t, const SourceRow& row, bool must_exist);
  Result<std::vector<Change>> Changes();
  Status Write(const Change& c);
  void Unlock();

  std::string root_;
  int lock_fd_ = -1;
  FolderState state_;
  std::unique_ptr<LiveLookup> lookup_;
  std::set<std::string> dirty_;                          // tables written
  std::set<std::pair<std::string, std::string>> paths_;  // folder tables: (table, path) written
};

void FilesLive::Unlock() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  lock_fd_ = -1;
  lookup_.reset();
  dirty_.clear();
  paths_.clear();
}

Status FilesLive::BeginWrite(int lock_wait_ms, int64_t* waited_us) {
  if (lock_fd_ >= 0) return Status::Internal("files live target: BeginWrite twice");
  lock_fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ < 0) return Status::IOError("cannot open folder " + root_);
  const auto start = std::chrono::steady_clock::now();
  while (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(lock_wait_ms)) {
      Unlock();
      return Status::Refused("another tidemark is writing " + root_ + " (waited " +
                             std::to_string(lock_wait_ms) + " ms); try again when it is done");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *waited_us = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
  RemoveStaleTemps(root_);  // what a write that died left
  Result<FolderState> st = ReadFolder(root_);
  if (!st.ok()) {
    Unlock();
    return st.status();
  }
  state_ = std::move(*st);
  lookup_ = NewLookup(&state_);
  return Status::OK();
}

Result<Document*> FilesLive::DocOf(const TableSchema& t, bool create) {
  if (lock_fd_ < 0) return Status::Internal("files live target: a write outside BeginWrite");
  if (Document* d = state_.Find(t.name)) return d;
  if (!create) return Status::Refused("table " + t.name + " is not in " + root_);
  TM_ASSIGN_OR_RETURN(DocFormat f, ParseFormat(t.sql));  // a file the app removed: write it again
  state_.docs.push_back(Document{t, std::move(f), {}});
  BuildSchema(&state_);
  return &state_.docs.back();
}

Status FilesLive::Put(const TableSchema& t, const SourceRow& row, bool must_exist) {
  TM_ASSIGN_OR_RETURN(Document * d, DocOf(t, !must_exist));
  Status s = CheckRow(*d, row);
  if (!s.ok()) return Status::Refused(s.message());
  const std::string key = KeyBytes(row.key);
  if (must_exist != (d->rows.count(key) != 0)) {
    return Status::Refused(std::string(must_exist ? "no row" : "a row is already there") +
                           " with this key in " + t.name);
  }
  d->rows[key] = row;
  dirty_.insert(t.name);
  if (d->format.kind == DocKind::kFolder) paths_.insert({t.name, row.key[0].bytes()});
  return Status::OK();
}

Status FilesLive::Insert(const TableSchema& t, const SourceRow& row) { return Put(t, row, false); }

Status FilesLive::Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) {
  if (current.key != row.key)
    return Status::Refused("an update may not change the key in " + t.name);
  return Put(t, row, true);
}

Status FilesLive::Delete(const TableSchema& t, const SourceRow& current) {
  TM_ASSIGN_OR_RETURN(Document * d, DocOf(t, false));
  if (d->rows.erase(KeyBytes(current.key)) == 0) {
    return Status::Refused("no row with this key in " + t.name);
  }
  dirty_.insert(t.name);
  if (d->format.kind == DocKind::kFolder) paths_.insert({t.name, current.key[0].bytes()});
  return Status::OK();
}

// What Commit must write: each changed file whose bytes differ from what
// is there. Refused when the app changed one of them since BeginWrite.
Result<std::vector<Change>> FilesLive::Changes() {
  std::vector<Change> out;
  for (const std::string& name : dirty_) {
    const Document* d = state_.Find(name);
    if (d->format.kind == DocKind::kFolder) {
      for (const auto& [table, rel] : paths_) {
        if (table != name) continue;
        auto it = d->rows.find(KeyBytes({Value::Text(rel)}));
        out.push_back(it == d->rows.end() ? Change{d->format.path + "/" + rel, "", true}
                                          : Change{d->format.path + "/" + rel,
                                                   it->second.record[1].bytes(), false});
      }
    } else if (d->format.kind == DocKind::kFile) {
      out.push_back(d->rows.empty()
                        ? Change{d->format.path, "", true}
                        : Change{d->format.path, d->rows.begin()->second.record[1].bytes(), false});
    } else {
      Result<std::string> bytes = WriteStructured(*d);
      if (!bytes.ok()) return Status::Refused(bytes.status().message());
      out.push_back(Change{d->format.path, std::move(*bytes), false});
    }
  }
  std::vector<Change> changed;
  for (Change& c : out) {
    auto was = state_.stamps.find(c.rel);
    FileStamp now;
    Result<std::string> bytes = ReadStable(root_ + "/" + c.rel, &now);
    if (!bytes.ok() && !bytes.status().IsNotFound()) return bytes.status();
    const bool there = bytes.ok();
    if (there != (was != state_.stamps.end()) || (there && !(now == was->second))) {
      return Status::Refused(c.rel +
                             " changed while the rollback ran; nothing was written. Run it again");
    }
    if (c.gone ? there : (!there || *bytes != c.bytes)) changed.push_back(std::move(c));
  }
  return changed;
}

Status FilesLive::Write(const Change& c) {
  const std::string path = root_ + "/" + c.rel;
  if (c.gone) return UnlinkDurable(path);
  const size_t slash = path.rfind('/');
  TM_RETURN_IF_ERROR(MakeFolders(path.substr(0, slash), 0700));
  auto was = state_.stamps.find(c.rel);
  const mode_t mode = was != state_.stamps.end() ? was->second.mode : 0600;
  TM_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, c.bytes, mode));
  CrashPoint("files-before-rename");
  Status s = RenameDurable(tmp, path);
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

Status FilesLive::Commit() {
  if (lock_fd_ < 0) return Status::Internal("files live target: Commit outside BeginWrite");
  Result<std::vector<Change>> changes = Changes();
  Status s = changes.status();
  if (s.ok() && changes->size() > 1) {
    std::string list;
    for (const Change& c : *changes) list += (list.empty() ? "" : ", ") + c.rel;
    s = Status::Refused(
        "this would change " + std::to_string(changes->size()) + " files (" + list +
        "), and a files: source can change only one file at once; "
        "nothing was written. Roll back one table (--table) or one key (--key) at a time");
  }
  if (s.ok() && !changes->empty()) s = Write(changes->front());
  Unlock();
  return s;
}

}  // namespace

Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) {
  Result<FileStamp> st = StampOf(location);
  if (!st.ok() && st.status().IsNotFound()) {
    return Status::NotFound("no folder " + location + "; give the app's folder as files:PATH");
  }
  TM_RETURN_IF_ERROR(st.status());
  return std::unique_ptr<LiveTarget>(std::make_unique<FilesLive>(location));
}

}  // namespace tidemark::files
