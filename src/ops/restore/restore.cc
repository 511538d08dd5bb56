#include "base/ascii.h"
#include "ops/restore/restore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "base/hex.h"
#include "base/progress.h"
#include "crypto/crypto.h"
#include "records/encoding.h"
#include "snapshot/large_values.h"
#include "sources/sqlite/sqlite_source.h"
#include "tree/tree.h"

namespace tidemark {
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

// True when `t` is a shadow table of virtual table `vtab`. SQLite's rule
// (sqlite3ShadowTableName): the owner is the virtual table named by all of
// the shadow table's name before its last "_", so "docs_x_data" belongs to
// "docs_x" and never to "docs". The source marked `t` a shadow table only
// when SQLite said so, i.e. when that owner exists.
bool IsShadowTableOf(const TableSchema& t, std::string_view vtab) {
  if (t.kind != TableKind::kInternal) return false;
  const size_t last = t.name.rfind('_');
  return last != std::string::npos && EqualsIgnoreCase(std::string_view(t.name).substr(0, last), vtab);
}

// Which tables to restore: the selection plus the shadow tables of selected
// virtual tables and sqlite_sequence.
Result<std::vector<std::string>> SelectTables(const Manifest& m,
                                              const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  for (const std::string& name : wanted) {
    const SnapshotTable* t = m.FindTable(name);
    if (t == nullptr) {
      return Status::InvalidArgument("snapshot has no table '" + name +
                                     "'; `tidemark ls SNAP` lists its tables");
    }
    out.push_back(name);
    if (t->schema.kind != TableKind::kVirtual) continue;
    for (const SnapshotTable& s : m.tables) {
      if (IsShadowTableOf(s.schema, name)) {
        out.push_back(s.schema.name);
      }
    }
  }
  if (!wanted.empty() && m.FindTable("sqlite_sequence")) out.push_back("sqlite_sequence");
  return out;
}

bool Selected(const std::vector<std::string>& sel, const std::string& name) {
  return sel.empty() || std::find(sel.begin(), sel.end(), name) != sel.end();
}

Status WriteTable(BlobStore* store, const Repository& repo, NodeCache* cache,
                  const SnapshotTable& t, SqliteWriter* w, Progress* progress) {
  ChunkedValueStore large(store, repo);
  TM_RETURN_IF_ERROR(w->BeginTable(t.schema));
  SourceRow row;
  TM_RETURN_IF_ERROR(TreeScan(cache, t.root, std::nullopt,
                              [&](std::string_view key, std::string_view value) -> Result<bool> {
                                TM_RETURN_IF_ERROR(DecodeKey(key, &row.key));
                                TM_RETURN_IF_ERROR(DecodeRecord(
                                    value, "record of table " + t.schema.name, &row.record));
                                for (Value& v : row.record)
                                  TM_RETURN_IF_ERROR(ResolveValue(&large, &v));
                                TM_RETURN_IF_ERROR(w->Insert(row));
                                progress->Add(1);
                                return true;
                              }));
  return w->EndTable();
}

}  // namespace

Result<std::vector<TableTally>> TallySqliteTables(const std::string& path, const Manifest& m,
                                                  const std::vector<std::string>& tables) {
  TM_ASSIGN_OR_RETURN(auto src, SqliteSource::Open(path));
  // The selection as the restore expands it: virtual tables bring their
  // shadow tables, whose rows are verified like any other.
  std::vector<std::string> expanded;
  if (!tables.empty()) {
    TM_ASSIGN_OR_RETURN(expanded, SelectTables(m, tables));
  }
  std::vector<TableTally> out;
  for (const SnapshotTable& t : m.tables) {
    if (!t.schema.has_records() || !Selected(expanded, t.schema.name)) continue;
    // A partial restore keeps only the selected tables' sqlite_sequence rows.
    if (!tables.empty() && t.schema.kind == TableKind::kCounters) continue;
    TableTally tally;
    tally.table = t.schema.name;
    tally.expected = &t;
    const TableSchema* live = src->schema().FindTable(t.schema.name);
    if (live != nullptr) {
      tally.present = true;
      TableDigest digest;
      std::string key;
      TM_RETURN_IF_ERROR(src->Scan(*live, [&](const SourceRow& row) {
        key.clear();
        EncodeKey(row.key, &key);
        digest.Add(key, row.record);
        return Status::OK();
      }));
      tally.rows = digest.rows();
      tally.digest = digest.Finish();
    }
    out.push_back(std::move(tally));
  }
  return out;
}

Status VerifySqliteAgainstManifest(const std::string& path, const Manifest& m,
                                   const std::vector<std::string>& tables) {
  TM_ASSIGN_OR_RETURN(std::vector<TableTally> tallies, TallySqliteTables(path, m, tables));
  for (const TableTally& t : tallies) {
    if (!t.present) return Status::Corruption("restored file lacks table " + t.table);
    if (t.rows != t.expected->root.count || t.digest != t.expected->digest) {
      return Status::Corruption("table " + t.table + ": restored " + std::to_string(t.rows) +
                                " rows with digest " + HexEncode(t.digest).substr(0, 16) +
                                ", snapshot has " + std::to_string(t.expected->root.count) +
                                " rows with digest " + HexEncode(t.expected->digest).substr(0, 16));
    }
  }
  return Status::OK();
}

Result<RestoreResult> RestoreSqlite(BlobStore* store, const Repository& repo, const Manifest& m,
                                    const RestoreOptions& opts) {
  if (Exists(opts.path) && !opts.force) {
    return Status::AlreadyExists(opts.path +
                                 " exists; choose another path or add --force to "
                                 "replace it");
  }
  TM_ASSIGN_OR_RETURN(std::vector<std::string> tables, SelectTables(m, opts.tables));
  const std::string tmp = opts.path + ".tidemark-" + HexEncode(RandomBytes(6)) + ".tmp";
  RestoreResult result;
  uint64_t total = 0;
  for (const SnapshotTable& t : m.tables) {
    if (Selected(tables, t.schema.name) && t.schema.has_records()) total += t.root.count;
  }
  Progress progress("restore", total, Progress::Unit::kCount, opts.show_progress);
  Status s = [&]() -> Status {
    TM_ASSIGN_OR_RETURN(auto w, SqliteWriter::Create(tmp, m.FullSchema(), tables, opts.mode));
    NodeCache cache(store);
    for (const SnapshotTable& t : m.tables) {
      if (!Selected(tables, t.schema.name)) continue;
      if (t.schema.kind == TableKind::kTable) result.tables++;
      if (!t.schema.has_records()) continue;
      Status written = WriteTable(store, repo, &cache, t, w.get(), &progress);
      if (!written.ok()) return written.WithContext("table " + t.schema.name);
      if (t.schema.kind == TableKind::kTable) result.records += t.root.count;
    }
    TM_RETURN_IF_ERROR(w->Finish());
    w.reset();
    progress.Finish();
    if (opts.verify) TM_RETURN_IF_ERROR(VerifySqliteAgainstManifest(tmp, m, tables));
    return SyncFileAndDir(tmp);
  }();
  if (!s.ok()) {
    RemoveDatabaseFiles(tmp);
    return s;
  }
  struct stat st;
  if (::stat(tmp.c_str(), &st) == 0) result.bytes = static_cast<uint64_t>(st.st_size);
  if (opts.force) {
    // A replaced database must not meet the old file's journal or WAL.
    for (const char* suffix : {"-journal", "-wal", "-shm"}) ::unlink((opts.path + suffix).c_str());
  }
  if (::rename(tmp.c_str(), opts.path.c_str()) != 0) {
    RemoveDatabaseFiles(tmp);
    return Status::IOError("cannot rename the restored file into " + opts.path);
  }
  RemoveDatabaseFiles(tmp);  // leftovers of the verification read (-shm), if any
  TM_RETURN_IF_ERROR(SyncFileAndDir(opts.path));
  return result;
}

}  // namespace tidemark
