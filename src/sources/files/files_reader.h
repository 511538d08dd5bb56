// The read side of the files: connector: a SourceReader over one folder
// state (files_folder.h) and the point lookups over it (a reader's while
// planning a rollback, the live target's own while applying one).
#pragma once

#include <memory>

#include "sources/files/files_folder.h"
#include "sources/live_target.h"

namespace tidemark::files {

class FilesReader final : public SourceReader {
 public:
  explicit FilesReader(FolderState state) : state_(std::move(state)) {}
  const SourceSchema& schema() const override { return state_.schema; }
  Status Scan(const TableSchema& table, const std::function<Status(const SourceRow&)>& fn) override;
  Result<uint64_t> CountRows(const TableSchema& table) override;
  // Each JSON document (a .json file kept whole, the documents of a JSON
  // array or NDJSON table) that does not parse.
  Result<std::vector<std::string>> IntegrityProblems() override;
  FolderState* state() { return &state_; }

 private:
  FolderState state_;
};

// Lookups over `state` (which must outlive them); rows compared exactly.
std::unique_ptr<LiveLookup> NewLookup(FolderState* state);

// The problems of `state` as IntegrityProblems reports them, at most `max`.
std::vector<std::string> JsonProblems(const FolderState& state, size_t max);

}  // namespace tidemark::files
