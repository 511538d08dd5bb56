// A folder read as one state (files_doc.h says how its entries become
// tables): every file read consistently (files_io.h ReadStable), then all
// stamps checked again, so that a state is never a mix of before and after
// an app's save of several files; read again (bounded) when one changed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "sources/files/files_doc.h"
#include "sources/files/files_io.h"

namespace tidemark::files {

struct FolderState {
  std::string root;  // the folder, as given
  SourceSchema schema;
  std::vector<Document> docs;               // one per schema table, same order
  std::map<std::string, FileStamp> stamps;  // relative path -> stamp when read

  // The document of table `name` (exact name); null when none.
  Document* Find(const std::string& name);
  const Document* Find(const std::string& name) const;
};

inline constexpr int kFolderAttempts = 3;

// Entries never read: node_modules and .git folders, symbolic links and
// other non-regular files, and the connector's own staging files.
bool Skipped(const std::string& name);

// The state of folder `root`. NotFound when there is no such folder;
// Refused when a file, or the set of files, kept changing.
Result<FolderState> ReadFolder(const std::string& root, const AfterReadHook& hook = nullptr);

// Removes the temp files a write that died left below `root` (names with
// ".tidemark-tmp."). Only while holding the folder's write lock.
void RemoveStaleTemps(const std::string& root);

// Rebuilds state->schema from state->docs (tables and one schema object each).
void BuildSchema(FolderState* state);

}  // namespace tidemark::files
