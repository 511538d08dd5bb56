// Reading a SQLite database consistently, and writing one back (restore).
// See docs/guide/sources.md (what is kept) and docs/format/records.md.
// This layer never sees the repository.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "records/value.h"
#include "sources/connector.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tidemark {

// A read-only view of one committed state of a SQLite database: Open begins
// one read transaction that every later call shares, so all tables come from
// the same state while other connections keep writing (WAL or rollback
// journal). Not thread-safe; use from one thread at a time.
class SqliteSource : public SourceReader {
 public:
  // Opens `path` read-only. NotFound when there is no such file;
  // InvalidArgument when it is not a SQLite database (or is encrypted);
  // IOError when it is locked past `busy_timeout_ms`.
  static Result<std::unique_ptr<SqliteSource>> Open(const std::string& path,
                                                    int busy_timeout_ms = 10000);
  ~SqliteSource() override;

  // Every table, virtual table, shadow table, sqlite_sequence, index, view
  // and trigger, and the settings (user_version, application_id, page_size,
  // encoding, auto_vacuum, journal_mode). Read once at Open, inside the
  // transaction. sqlite_stat* tables are not included in `tables`.
  const SourceSchema& schema() const override { return schema_; }

  // Calls fn for each row of `table` in key order (records.md §4: the order
  // of the encoded keys). REQUIRES: table.has_records(). The row passed to fn
  // is reused between calls. Stops at the first error fn returns.
  // Unsupported when two rows of a rowid table share a primary key that
  // contains NULL, or columns hide the rowid that is the key.
  Status Scan(const TableSchema& table, const std::function<Status(const SourceRow&)>& fn) override;

  // PRAGMA quick_check inside the read transaction: the b-tree structure of
  // every page, tables and indexes (not whether index entries match their
  // rows, which integrity_check adds at ~20x the cost: 5.9 s against 0.31 s
  // on a 139 MB file). The problems found (at most 10); empty when none.
  Result<std::vector<std::string>> IntegrityProblems() override;

  // Number of rows (SELECT count(*)), for progress.
  Result<uint64_t> CountRows(const TableSchema& table) override;

  // The connection and its file, for lookups inside this read transaction
  // (RowLookup in sqlite_live.h). Owned by this object.
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteSource() = default;
  Status Exec(const std::string& sql, std::string_view doing);
  Status Query(const std::string& sql, const std::string* arg, std::string_view doing,
               const std::function<Status(sqlite3_stmt*)>& fn);
  Status LoadSchema();
  Status LoadSettings();
  Status LoadTable(TableSchema* t);
  Status LoadForeignKeys(TableSchema* t);
  Status LoadIndexes(TableSchema* t);
  static void ChooseKey(TableSchema* t);

  std::string path_;
  sqlite3* db_ = nullptr;
  SourceSchema schema_;
  // Collation that orders text keys as UTF-8 bytes (BINARY unless UTF-16).
  std::string text_collation_ = "BINARY";
};

// Writes a new SQLite database from a schema and records (restore).
//   auto w = SqliteWriter::Create(tmp_path, schema);   // settings + tables
//   for each table: w->BeginTable(t); w->Insert(row)...; w->EndTable();
//   w->Finish();  // indexes, views, triggers in original order; commit
// Triggers are created after the rows so that they do not fire during the
// load; virtual tables are created with their SQL and their shadow tables'
// rows are then replaced by the stored ones (docs/guide/sources.md).
// Indexes, views and triggers are created in one pass in sqlite_schema order.
// The load runs without a rollback journal: after any error the file is
// unusable, and the CALLER MUST DELETE IT (with its -wal/-shm, if any);
// destroying the writer before Finish closes it without committing.
// Not thread-safe.
class SqliteWriter {
 public:
  // Creates `path` (which must not exist: AlreadyExists, checked with
  // O_EXCL) and the tables. `tables` selects which tables to create (empty =
  // all; an unknown name is NotFound); a virtual table brings its shadow
  // tables with it (they may also be named, but only with it), and
  // sqlite_sequence is always included, keeping only the rows of restored
  // tables. Settings or SQL that are not well formed are InvalidArgument; a
  // CREATE this SQLite cannot run is Unsupported. The file gets exactly
  // `mode` (not the umask's): 0600 (storage/posix_io.h kPrivateFileMode, which
  // sources/ may not include) unless asked otherwise, since it holds
  // decrypted data; SQLite gives its journals the same mode.
  static Result<std::unique_ptr<SqliteWriter>> Create(const std::string& path,
                                                      const SourceSchema& schema,
                                                      const std::vector<std::string>& tables,
                                                      unsigned mode = 0600);
  ~SqliteWriter();

  // Starts loading `table` (one selected at Create that has records).
  Status BeginTable(const TableSchema& table);
  // Inserts one row with its exact types (and rowid). REQUIRES: values are
  // resolved (no references). A row of the wrong shape is InvalidArgument; a
  // row that breaks a constraint is Corruption (an inconsistent snapshot).
  Status Insert(const SourceRow& row);
  Status EndTable();
  // Creates the remaining schema objects, commits, switches to WAL if the
  // source used it, and closes the file (synced: synchronous stays FULL).
  Status Finish();

 private:
  SqliteWriter() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark
