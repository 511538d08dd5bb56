#include "sources/sqlite/sqlite_restore_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/crypto.h"
#include "sources/sqlite/sqlite_source.h"

namespace tidemark::sqlite {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void RemoveDatabaseFiles(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

Status SyncFileAndDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::IOError("fsync " + path + " failed");
  }
  ::close(fd);
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return Status::OK();
}

class SqliteRestoreTarget final : public RestoreTarget {
 public:
  SqliteRestoreTarget(std::string path, bool replace)
      : path_(std::move(path)),
        tmp_(path_ + ".tidemark-" + HexEncode(RandomBytes(6)) + ".tmp"),
        replace_(replace) {}
  ~SqliteRestoreTarget() override {
    writer_.reset();
    if (!published_) RemoveDatabaseFiles(tmp_);
  }

  Status Create(const SourceSchema& schema, const RestoreTargetOptions& o) {
    TM_ASSIGN_OR_RETURN(writer_, SqliteWriter::Create(tmp_, schema, o.tables, o.mode));
    return Status::OK();
  }
  Status BeginTable(const TableSchema& t) override { return writer_->BeginTable(t); }
  Status Insert(const SourceRow& row) override { return writer_->Insert(row); }
  Status InsertBatch(std::span<const SourceRow> rows) override {
    for (const SourceRow& row : rows) TM_RETURN_IF_ERROR(writer_->Insert(row));
    return Status::OK();
  }
  Status EndTable() override { return writer_->EndTable(); }
  Status Finish() override {
    TM_RETURN_IF_ERROR(writer_->Finish());
    writer_.reset();
    return SyncFileAndDir(tmp_);
  }
  Result<std::unique_ptr<SourceReader>> OpenStaged() override {
    TM_ASSIGN_OR_RETURN(auto src, SqliteSource::Open(tmp_));
    return std::unique_ptr<SourceReader>(std::move(src));
  }
  Status Publish() override;
  uint64_t bytes() const override { return bytes_; }

 private:
  std::string path_, tmp_;
  bool replace_ = false;
  bool published_ = false;
  uint64_t bytes_ = 0;
  std::unique_ptr<SqliteWriter> writer_;
};

Status SqliteRestoreTarget::Publish() {
  struct stat st;
  if (::stat(tmp_.c_str(), &st) == 0) bytes_ = static_cast<uint64_t>(st.st_size);
  if (replace_) {
    // A replaced database must not meet the old file's journal or WAL.
    for (const char* suffix : {"-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return Status::IOError("cannot rename the restored file into " + path_);
  }
  published_ = true;
  RemoveDatabaseFiles(tmp_);  // leftovers of the verification read (-shm), if any
  return SyncFileAndDir(path_);
}

}  // namespace

Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(const std::string& path,
                                                           const SourceSchema& schema,
                                                           const RestoreTargetOptions& options) {
  if (Exists(path) && !options.replace) {
    return Status::AlreadyExists(path +
                                 " exists; choose another path or add --force to replace it");
  }
  auto target = std::make_unique<SqliteRestoreTarget>(path, options.replace);
  TM_RETURN_IF_ERROR(target->Create(schema, options));
  return std::unique_ptr<RestoreTarget>(std::move(target));
}

}  // namespace tidemark::sqlite
