// Helpers for the ops tests that back up and restore real SQLite files:
// the shared SQLite fixture (TestDb, sources/sqlite/sqlite_testlib.h), shell tools (sqlite3,
// sqldiff) through popen, file helpers, and a repository with cheap key derivation and a fake
// clock. Part of tm_ops_testlib. Failures are recorded as gtest failures
// (ADD_FAILURE) so that a test reads as a sequence of plain steps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "ops/backup/backup.h"
#include "ops/restore/restore.h"
#include "repo/blob_store.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"
#include "sources/sqlite/sqlite_testlib.h"
#include "storage/backend.h"

namespace tidemark {

// Runs `cmd` with /bin/sh; returns its standard output, and its exit status
// in *exit_code (if not null). Standard error is not captured.
std::string RunCommand(const std::string& cmd, int* exit_code = nullptr);
// 'text' with embedded quotes escaped, for /bin/sh.
std::string ShellQuote(const std::string& s);
// `sqlite3 PATH .dump --preserve-rowids`: the whole content as SQL, rowids
// included, so equal dumps mean equal schema and rows.
std::string DumpDatabase(const std::string& path);

bool PathExists(const std::string& path);
std::string ReadWholeFile(const std::string& path);
void WriteWholeFile(const std::string& path, const std::string& data);
void CopyFileOrFail(const std::string& from, const std::string& to);
// Names in `dir` (without "." and ".."), sorted.
std::vector<std::string> ListFolder(const std::string& dir);

// One CSV field as written: its text, and whether it was quoted (in an
// export an unquoted empty field is NULL, a quoted one the empty text).
struct CsvField {
  std::string text;
  bool quoted = false;
  bool operator==(const CsvField&) const = default;
};
// RFC 4180 with CRLF line ends; quoted fields may hold CR, LF, commas and
// doubled quotes. Records a failure on malformed input.
std::vector<std::vector<CsvField>> ParseCsv(const std::string& s);

// The sqlite:PATH source `path` (the built-in SQLite connector).
SourceRef SqliteSourceRef(const std::string& path);

// Restore and verification into SQLite files through the built-in SQLite
// connector (ops/restore/restore.h with sqlite: targets).
Result<RestoreResult> RestoreSqlite(BlobStore* store, const Repository& repo, const Manifest& m,
                                    const RestoreOptions& opts);
Status VerifySqliteAgainstManifest(const std::string& path, const Manifest& m,
                                   const std::vector<std::string>& tables);

// A repository for a test: cheap KDF, 64 KiB packs, a fake clock that each
// Backup advances by one minute (so snapshots order by time). Thread-safe
// as far as Repository and BlobStore are.
class TestRepo {
 public:
  static constexpr const char* kPassword = "pw";
  // Initialises a repository in `backend`, which must be empty and outlive
  // the TestRepo. Records a failure and returns null on error.
  static std::unique_ptr<TestRepo> Create(Backend* backend);
  // The same with Object Lock on (storage that has it: the S3 fake).
  static std::unique_ptr<TestRepo> Create(Backend* backend, LockMode lock_mode, uint32_t lock_days);

  Repository* repo() const { return repo_.get(); }
  FakeClock* clock() { return &clock_; }

  // A new BlobStore with the index loaded (as each command would make).
  std::unique_ptr<BlobStore> OpenStore() const;
  // Backs up `db_path` as source `name` through a new BlobStore; the store's
  // stats after the backup go to *stats when given.
  Result<BackupResult> Backup(const std::string& db_path, const std::string& name = "app",
                              BlobStoreStats* stats = nullptr);
  // The same with the schema annotated by `profile` (null: none).
  Result<BackupResult> BackupWithProfile(const std::string& db_path, const std::string& name,
                                         const Profile* profile);
  // Restores `m` through a new BlobStore.
  Result<RestoreResult> Restore(const Manifest& m, const RestoreOptions& opts) const;
  Result<RestoreResult> Restore(const Manifest& m, const std::string& path) const;
  // Snapshots of `source`, oldest first.
  std::vector<SnapshotInfo> Snapshots(const std::string& source = "") const;

 private:
  TestRepo() : clock_(1'700'000'000'000'000) {}
  Result<BackupResult> BackupWith(const std::string& db_path, const std::string& name,
                                  BlobStoreStats* stats, const Profile* profile);
  FakeClock clock_;  // outlives repo_
  std::unique_ptr<Repository> repo_;
};

}  // namespace tidemark
