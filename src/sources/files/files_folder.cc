#include "sources/files/files_folder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "base/ascii.h"

namespace tidemark::files {
namespace {

enum class EntryType { kFile, kFolder, kOther };

EntryType TypeOf(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return EntryType::kOther;
  if (S_ISREG(st.st_mode)) return EntryType::kFile;
  if (S_ISDIR(st.st_mode)) return EntryType::kFolder;
  return EntryType::kOther;
}

// Every regular file below `dir` (relative to it, "a/b.json"), read.
Status ReadTree(const std::string& root, const std::string& rel, const AfterReadHook& hook,
                std::map<std::string, std::string>* files, FolderState* state) {
  const std::string dir = root + "/" + rel;
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListFolder(dir));
  for (const std::string& n : names) {
    if (Skipped(n)) continue;
    const std::string sub = rel + "/" + n;
    const EntryType type = TypeOf(root + "/" + sub);
    if (type == EntryType::kFolder) {
      TM_RETURN_IF_ERROR(ReadTree(root, sub, hook, files, state));
    } else if (type == EntryType::kFile) {
      FileStamp stamp;
      TM_ASSIGN_OR_RETURN(std::string bytes, ReadStable(root + "/" + sub, &stamp, hook));
      state->stamps[sub] = stamp;
      (*files)[sub.substr(sub.find('/') + 1)] = std::move(bytes);
    }
  }
  return Status::OK();
}

Status ReadOnce(const std::string& root, const AfterReadHook& hook, FolderState* state) {
  *state = FolderState{};
  state->root = root;
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListFolder(root));
  std::set<std::string> taken;  // table names of files kept whole and of folders
  for (const std::string& n : names) {
    if (!Skipped(n) && TypeOf(root + "/" + n) != EntryType::kOther) taken.insert(AsciiLower(n));
  }
  for (const std::string& n : names) {
    if (Skipped(n)) continue;
    const EntryType type = TypeOf(root + "/" + n);
    if (type == EntryType::kFolder) {
      std::map<std::string, std::string> files;
      TM_RETURN_IF_ERROR(ReadTree(root, n, hook, &files, state));
      state->docs.push_back(OpaqueDocument(n, DocFormat{DocKind::kFolder, n}, files));
    } else if (type == EntryType::kFile) {
      FileStamp stamp;
      TM_ASSIGN_OR_RETURN(std::string bytes, ReadStable(root + "/" + n, &stamp, hook));
      state->stamps[n] = stamp;
      Document doc;
      if (ParseStructured(n, bytes, &doc)) {
        if (doc.schema.name != n && taken.count(AsciiLower(doc.schema.name))) doc.schema.name = n;
        taken.insert(AsciiLower(doc.schema.name));
        state->docs.push_back(std::move(doc));
      } else {
        state->docs.push_back(OpaqueDocument(n, DocFormat{DocKind::kFile, n}, {{n, bytes}}));
      }
    }
  }
  BuildSchema(state);
  return Status::OK();
}

// True when every file read still has its stamp (none changed or went; a
// file that appeared meanwhile is left for the next backup).
Result<bool> Unchanged(const FolderState& state) {
  for (const auto& [rel, stamp] : state.stamps) {
    Result<FileStamp> now = StampOf(state.root + "/" + rel);
    if (!now.ok() && now.status().code() == Status::Code::kNotFound) return false;
    TM_RETURN_IF_ERROR(now.status());
    if (!(*now == stamp)) return false;
  }
  return true;
}

}  // namespace

void RemoveStaleTemps(const std::string& root) {
  Result<std::vector<std::string>> names = ListFolder(root);
  if (!names.ok()) return;
  for (const std::string& n : *names) {
    const std::string path = root + "/" + n;
    if (n.find(".tidemark-tmp.") != std::string::npos && TypeOf(path) == EntryType::kFile) {
      ::unlink(path.c_str());
    } else if (n != "node_modules" && n != ".git" && TypeOf(path) == EntryType::kFolder) {
      RemoveStaleTemps(path);
    }
  }
}

bool Skipped(const std::string& name) {
  return name == "node_modules" || name == ".git" || IsStagingName(name);
}

Document* FolderState::Find(const std::string& name) {
  for (Document& d : docs) {
    if (d.schema.name == name) return &d;
  }
  return nullptr;
}

const Document* FolderState::Find(const std::string& name) const {
  return const_cast<FolderState*>(this)->Find(name);
}

void BuildSchema(FolderState* state) {
  state->schema = SourceSchema{};
  for (const Document& d : state->docs) {
    state->schema.tables.push_back(d.schema);
    state->schema.objects.push_back(
        SchemaObject{"table", d.schema.name, d.schema.name, d.schema.sql});
  }
}

Result<FolderState> ReadFolder(const std::string& root, const AfterReadHook& hook) {
  if (TypeOf(root) != EntryType::kFolder) {
    return Status::NotFound("no folder " + root + " (a files: location is the app's folder)");
  }
  FolderState state;
  for (int attempt = 1; attempt <= kFolderAttempts; attempt++) {
    TM_RETURN_IF_ERROR(ReadOnce(root, hook, &state));
    TM_ASSIGN_OR_RETURN(bool same, Unchanged(state));
    if (same) return state;
  }
  return Status::Refused("the files of " + root + " kept changing while they were read (" +
                         std::to_string(kFolderAttempts) +
                         " attempts); back it up again when the app is not saving");
}

}  // namespace tidemark::files
