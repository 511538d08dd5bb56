// The restore target of the files: connector: a new folder staged beside
// the location (".NAME.tidemark-staging.XXXXXX"), every file written and
// fsynced, then renamed into place in one step (exchanged with the old
// folder when replacing, which is then removed).
#include <stdlib.h>
#include <sys/stat.h>

#include "sources/files/files_connector.h"
#include "sources/files/files_folder.h"
#include "sources/files/files_reader.h"

namespace tidemark::files {
namespace {

std::string Parent(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

class FilesRestoreTarget final : public RestoreTarget {
 public:
  FilesRestoreTarget(std::string location, std::string staging, mode_t mode)
      : location_(std::move(location)), staging_(std::move(staging)), mode_(mode) {}
  ~FilesRestoreTarget() override {
    if (!published_) RemoveTree(staging_);
  }

  Status BeginTable(const TableSchema& table) override {
    TM_ASSIGN_OR_RETURN(DocFormat f, ParseFormat(table.sql));
    doc_ = Document{table, std::move(f), {}};
    in_table_ = true;
    return Status::OK();
  }
  Status Insert(const SourceRow& row) override {
    if (!in_table_) return Status::InvalidArgument("files target: Insert outside a table");
    Status s = CheckRow(doc_, row);
    if (!s.ok()) return Status::Corruption(s.message());
    auto [it, fresh] = doc_.rows.emplace(KeyBytes(row.key), row);
    if (!fresh) return Status::Corruption("files target: duplicate key in " + doc_.schema.name);
    return Status::OK();
  }
  Status EndTable() override;
  Status Finish() override {
    finished_ = true;
    return SyncFolder(staging_);
  }
  Result<std::unique_ptr<SourceReader>> OpenStaged() override {
    if (!finished_) return Status::InvalidArgument("files target: OpenStaged before Finish");
    TM_ASSIGN_OR_RETURN(FolderState st, ReadFolder(staging_));
    return std::unique_ptr<SourceReader>(std::make_unique<FilesReader>(std::move(st)));
  }
  Status Publish() override;
  uint64_t bytes() const override { return bytes_; }

 private:
  std::string location_, staging_;
  mode_t mode_;
  Document doc_;
  bool in_table_ = false, finished_ = false, published_ = false;
  uint64_t bytes_ = 0;
};

Status FilesRestoreTarget::EndTable() {
  in_table_ = false;
  if (doc_.format.kind == DocKind::kFolder) {
    TM_RETURN_IF_ERROR(MakeFolders(staging_ + "/" + doc_.format.path, 0700));
  }
  TM_ASSIGN_OR_RETURN(auto files, DocumentFiles(doc_));
  for (const auto& [rel, bytes] : files) {
    const std::string path = staging_ + "/" + rel;
    TM_RETURN_IF_ERROR(MakeFolders(Parent(path), 0700));
    TM_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, bytes, mode_));
    TM_RETURN_IF_ERROR(RenameDurable(tmp, path));
    bytes_ += bytes.size();
  }
  doc_ = Document{};
  return Status::OK();
}

Status FilesRestoreTarget::Publish() {
  if (!finished_) return Status::InvalidArgument("files target: Publish before Finish");
  struct stat st;
  if (::lstat(location_.c_str(), &st) == 0) {
    TM_RETURN_IF_ERROR(ExchangeDurable(staging_, location_));
    published_ = true;
    RemoveTree(staging_);  // the folder that was there
    return Status::OK();
  }
  TM_RETURN_IF_ERROR(RenameDurable(staging_, location_));
  published_ = true;
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(const std::string& location,
                                                           const SourceSchema& schema,
                                                           const RestoreTargetOptions& options) {
  struct stat st;
  if (::lstat(location.c_str(), &st) == 0) {
    if (!options.replace) {
      return Status::AlreadyExists(location +
                                   " exists; give a new folder, or replace it (restore --force)");
    }
    if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(location + " is not a folder");
  }
  for (const std::string& t : options.tables) {
    if (schema.FindTable(t) == nullptr) return Status::NotFound("no table " + t + " to restore");
  }
  for (const TableSchema& t : schema.tables) TM_RETURN_IF_ERROR(ParseFormat(t.sql).status());
  const size_t slash = location.rfind('/');
  const std::string name = slash == std::string::npos ? location : location.substr(slash + 1);
  TM_RETURN_IF_ERROR(MakeFolders(Parent(location), 0700));
  std::string tmpl = Parent(location) + "/." + name + ".tidemark-staging.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError("cannot create a staging folder beside " + location);
  }
  return std::unique_ptr<RestoreTarget>(
      std::make_unique<FilesRestoreTarget>(location, tmpl, options.mode));
}

}  // namespace tidemark::files
