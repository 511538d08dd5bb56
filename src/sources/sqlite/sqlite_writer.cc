// SqliteWriter: builds a new SQLite file from a schema and records (restore).
// Order of work and what is restored how: docs/guide/sources.md.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <set>
#include <string_view>

#include "sources/sqlite/sqlite_affinity.h"
#include "sources/sqlite/sqlite_common.h"
#include "sources/sqlite/sqlite_connector.h"
#include "sources/sqlite/sqlite_source.h"

namespace tidemark {

using sqlite::QuoteIdent;
using sqlite::RowidName;

namespace {

bool IsInteger(const std::string& s) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = (s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + long(i), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The PRAGMA statements that reproduce the settings; an ill-formed value
// (the settings come from a snapshot) is refused rather than spliced into SQL.
Result<std::vector<std::string>> SettingPragmas(const SourceSchema& schema, bool before_create) {
  static constexpr const char* kEarly[] = {"page_size", "auto_vacuum", "encoding"};
  static constexpr const char* kLate[] = {"user_version", "application_id"};
  std::vector<std::string> out;
  for (const char* name : before_create
                              ? std::vector<const char*>(std::begin(kEarly), std::end(kEarly))
                              : std::vector<const char*>(std::begin(kLate), std::end(kLate))) {
    const std::string v = schema.Setting(name);
    if (v.empty()) continue;
    bool ok = std::string_view(name) == "encoding"
                  ? (v == "UTF-8" || v == "UTF-16le" || v == "UTF-16be")
                  : IsInteger(v);
    if (!ok) {
      return Status::InvalidArgument("the snapshot's setting " + std::string(name) + " = '" + v +
                                     "' is not a valid SQLite value; the snapshot is damaged");
    }
    out.push_back(std::string("PRAGMA main.") + name + " = " +
                  (std::string_view(name) == "encoding" ? "'" + v + "'" : v));
  }
  return out;
}

}  // namespace

struct SqliteWriter::Impl {
  std::string path;
  sqlite3* db = nullptr;
  std::vector<SchemaObject> objects;
  std::string journal_mode;
  bool subset = false;             // only some tables were selected
  std::set<std::string> selected;  // folded names of the tables (and views) to restore
  // The table being loaded.
  sqlite3_stmt* insert = nullptr;
  TableKind kind = TableKind::kTable;
  std::string table;
  TableSchema schema;                // of the table being loaded
  std::vector<Affinity> affinities;  // of the record's values; empty: none can change a value
  bool without_affinity = false;     // loading with the declared types taken out
  sqlite3_stmt* probe = nullptr;     // "SELECT ?1", for AffinityChanges
  size_t record_size = 0;
  bool rowid_from_key = false;  // bind key[0] as the rowid after the record
  bool in_table = false;
  bool finished = false;
  TableSchema sequence;  // sqlite_sequence, while it waits to be created

  ~Impl() {
    sqlite3_finalize(insert);
    sqlite3_finalize(probe);
    // Closing without COMMIT abandons the load; the caller deletes the file.
    if (db != nullptr) sqlite3_close_v2(db);
  }

  Status Error(int rc, std::string_view doing) const {
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      return Status::Corruption("restore to " + path + " (" + std::string(doing) +
                                "): " + sqlite3_errmsg(db) +
                                "; the snapshot's rows break the table's constraints, so the "
                                "snapshot is inconsistent: run `tidemark check`");
    }
    return sqlite::SqliteStatus(db, rc, "restore to " + path, doing);
  }

  Status Exec(const std::string& sql, std::string_view doing) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    sqlite3_free(msg);
    return rc == SQLITE_OK ? Status::OK() : Error(rc, doing);
  }

  // Runs one statement of the schema (CREATE ...). The text comes from the
  // snapshot, so anything after the first statement is refused.
  Status ExecSchemaSql(const std::string& sql, const std::string& name) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &stmt, &tail);
    if (rc == SQLITE_OK) {
      if (stmt == nullptr ||
          std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
        sqlite3_finalize(stmt);
        return Status::InvalidArgument("restore to " + path + ": the SQL of " + name +
                                       " is not exactly one statement; the snapshot is damaged");
      }
      rc = sqlite3_step(stmt);
      sqlite3_finalize(stmt);
      if (rc == SQLITE_DONE) return Status::OK();
    }
    return Status::Unsupported(
        "restore to " + path + ": cannot create " + name + " with SQLite " + sqlite3_libversion() +
        ": " + sqlite3_errmsg(db) +
        " (the source uses a module, collation or function that this build lacks?)");
  }

  Result<bool> SequenceExists() {
    sqlite3_stmt* stmt = nullptr;
    const char* sql = "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'";
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error(rc, "look for sqlite_sequence");
    return rc == SQLITE_ROW;
  }

  // sqlite_sequence cannot be created by name; an AUTOINCREMENT table
  // creates it, and dropping that table keeps it.
  Status CreateSequence() {
    TM_ASSIGN_OR_RETURN(bool exists, SequenceExists());
    if (exists) return Status::OK();
    const std::string tmp = "\"tidemark restore: makes sqlite_sequence\"";
    TM_RETURN_IF_ERROR(
        Exec("CREATE TABLE " + tmp + "(id INTEGER PRIMARY KEY AUTOINCREMENT)", "sqlite_sequence"));
    return Exec("DROP TABLE " + tmp, "sqlite_sequence");
  }

  // Records a virtual table whose module this SQLite lacks the way
  // `sqlite3 .dump` does: its sqlite_schema row alone, so the app that has
  // the module finds the table as it was. Its data lives in ordinary tables.
  Status WriteSchemaRow(const TableSchema& t) {
    sqlite3_stmt* stmt = nullptr;
    const char* sql =
        "INSERT INTO main.sqlite_schema(type, name, tbl_name, rootpage, sql)"
        " VALUES('table', ?1, ?1, 0, ?2)";
    TM_RETURN_IF_ERROR(Exec("PRAGMA writable_schema = ON", "virtual table " + t.name));
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, t.name.data(), int(t.name.size()), SQLITE_STATIC);
      sqlite3_bind_text(stmt, 2, t.sql.data(), int(t.sql.size()), SQLITE_STATIC);
      sqlite3_step(stmt);
      rc = sqlite3_finalize(stmt);
    }
    if (rc != SQLITE_OK) return Error(rc, "virtual table " + t.name);
    return Exec("PRAGMA writable_schema = OFF", "virtual table " + t.name);
  }

  Status PrepareInsert(const TableSchema& t);
  Status Bind(int index, const Value& v);
  void NoteAffinities(const TableSchema& t);
  bool AffinityWouldChange(const Record& record, size_t* column);
  Status SetTableSql(const std::string& sql);
  Status LoadWithoutAffinity(size_t column, const Value& v);
  Status EndLoadWithoutAffinity();
};

SqliteWriter::~SqliteWriter() = default;

namespace {

// The virtual table a shadow table belongs to (SQLite's rule).
const TableSchema* OwnerOf(const SourceSchema& schema, const TableSchema& shadow) {
  return sqlite::ShadowOwner(schema, shadow);
}

// Folded names of the tables a restore creates: all, or the named ones plus
// the shadow tables of each named virtual table, plus sqlite_sequence (whose
// rows are then filtered, see Insert). A shadow table may be named only with
// its virtual table.
Result<std::set<std::string>> SelectTables(const SourceSchema& schema,
                                           const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const TableSchema& t : schema.tables) {
    if (names.empty() || t.kind == TableKind::kCounters) out.insert(AsciiLower(t.name));
  }
  for (const std::string& name : names) {
    auto it = std::find_if(schema.tables.begin(), schema.tables.end(),
                           [&](const TableSchema& t) { return EqualsIgnoreCase(t.name, name); });
    if (it == schema.tables.end()) {
      return Status::NotFound("table " + name + " is not in the snapshot");
    }
    out.insert(AsciiLower(it->name));
  }
  for (const TableSchema& s : schema.tables) {
    if (s.kind != TableKind::kInternal) continue;
    const TableSchema* owner = OwnerOf(schema, s);
    const bool owner_selected = owner != nullptr && out.count(AsciiLower(owner->name));
    if (owner_selected) {
      out.insert(AsciiLower(s.name));
    } else if (out.count(AsciiLower(s.name))) {
      return Status::InvalidArgument("table " + s.name +
                                     " is a shadow table of a virtual table; select the virtual "
                                     "table, which brings it along");
    }
  }
  return out;
}

// True when this SQLite has no module for the virtual table `sql` creates.
// Tried on a scratch in-memory database: without a rollback journal, a
// failed CREATE in the restored file could leave part of its work behind.
bool LacksModule(const std::string& sql) {
  sqlite3* scratch = nullptr;
  bool lacks = false;
  if (sqlite3_open(":memory:", &scratch) == SQLITE_OK &&
      sqlite3_exec(scratch, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    lacks = std::strstr(sqlite3_errmsg(scratch), "no such module") != nullptr;
  }
  sqlite3_close(scratch);
  return lacks;
}

// Creates `path` only if it does not exist (O_EXCL: no race with another
// restore). SQLite accepts the empty file as an empty database.
Status CreateEmptyFile(const std::string& path, unsigned mode) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return Status::AlreadyExists(path +
                                 " already exists; restore to a new path, or move the "
                                 "file away first");
  }
  if (fd < 0) return Status::IOError("create " + path + ": " + std::strerror(errno));
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {  // exactly `mode`, whatever the umask
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return Status::IOError("chmod " + path + ": " + std::strerror(err));
  }
  ::close(fd);
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<SqliteWriter>> SqliteWriter::Create(const std::string& path,
                                                           const SourceSchema& schema,
                                                           const std::vector<std::string>& tables,
                                                           unsigned mode) {
  std::unique_ptr<SqliteWriter> w(new SqliteWriter());
  w->impl_ = std::make_unique<Impl>();
  Impl& im = *w->impl_;
  im.path = path;
  im.objects = schema.objects;
  im.journal_mode = schema.Setting("journal_mode");
  im.subset = !tables.empty();
  TM_ASSIGN_OR_RETURN(im.selected, SelectTables(schema, tables));
  TM_ASSIGN_OR_RETURN(std::vector<std::string> early, SettingPragmas(schema, true));
  TM_ASSIGN_OR_RETURN(std::vector<std::string> late, SettingPragmas(schema, false));
  TM_RETURN_IF_ERROR(CreateEmptyFile(path, mode));
  const std::string name = path.rfind("file:", 0) == 0 ? "./" + path : path;  // not a URI
  // One thread at a time uses the connection (RestoreTarget), so SQLite's
  // own mutexes would only cost a lock per call.
  int rc =
      sqlite3_open_v2(name.c_str(), &im.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return im.Error(rc, "open");
  sqlite3_extended_result_codes(im.db, 1);
  // page_size, auto_vacuum and encoding only take effect before the first
  // table. A bulk load (connector.h, RestoreTarget): no rollback journal, as
  // a failed restore is deleted by the caller, never repaired; no sync
  // either (synchronous = OFF), as the restore target syncs the finished
  // file once before its rename. Index builds sort on two threads.
  for (const std::string& sql : early) TM_RETURN_IF_ERROR(im.Exec(sql, "settings"));
  TM_RETURN_IF_ERROR(
      im.Exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768; "
              "PRAGMA threads = 2; BEGIN",
              "begin the load"));
  for (const std::string& sql : late) TM_RETURN_IF_ERROR(im.Exec(sql, "settings"));
  // Tables in sqlite_schema order. Shadow tables come with their virtual
  // table, sqlite_sequence with the first AUTOINCREMENT table.
  bool wants_sequence = false;
  for (const TableSchema& t : schema.tables) {
    if (!im.selected.count(AsciiLower(t.name))) continue;
    if (t.kind == TableKind::kCounters) wants_sequence = !im.subset;
    if (t.kind != TableKind::kTable && t.kind != TableKind::kVirtual) continue;
    if (t.kind == TableKind::kVirtual && LacksModule(t.sql)) {
      TM_RETURN_IF_ERROR(im.WriteSchemaRow(t));
    } else {
      TM_RETURN_IF_ERROR(im.ExecSchemaSql(t.sql, "table " + t.name));
    }
  }
  // The source kept sqlite_sequence although no AUTOINCREMENT table needs it now.
  if (wants_sequence) TM_RETURN_IF_ERROR(im.CreateSequence());
  return w;
}

Status SqliteWriter::Impl::PrepareInsert(const TableSchema& t) {
  std::vector<int> stored = t.StoredColumns();
  rowid_from_key = t.key_columns.empty();
  record_size = stored.size() + (t.implicit_id_in_record ? 1 : 0);
  std::string sql = "INSERT INTO main." + QuoteIdent(t.name) + "(";
  for (size_t i = 0; i < stored.size(); i++) {
    sql += (i > 0 ? ", " : "") + QuoteIdent(t.columns[size_t(stored[i])].name);
  }
  if (rowid_from_key || t.implicit_id_in_record) {
    const std::string rowid = RowidName(t);
    if (rowid.empty()) {
      return Status::Unsupported("table " + t.name +
                                 ": columns named rowid, oid and _rowid_ hide the rowid");
    }
    sql += ", " + rowid;
  }
  sql += ") VALUES(";
  const size_t n = stored.size() + ((rowid_from_key || t.implicit_id_in_record) ? 1 : 0);
  for (size_t i = 0; i < n; i++) sql += i > 0 ? ", ?" : "?";
  sql += ")";
  int rc = sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &insert, nullptr);
  return rc == SQLITE_OK ? Status::OK() : Error(rc, "prepare insert into " + t.name);
}

Status SqliteWriter::BeginTable(const TableSchema& t) {
  Impl& im = *impl_;
  if (im.finished || im.in_table) {
    return Status::Internal("SqliteWriter::BeginTable called after Finish or inside a table");
  }
  if (!im.selected.count(AsciiLower(t.name))) {
    return Status::InvalidArgument("table " + t.name + " was not selected for this restore");
  }
  if (!t.has_records()) {
    return Status::InvalidArgument("table " + t.name + " is a virtual table and has no records");
  }
  im.kind = t.kind;
  im.table = t.name;
  im.in_table = true;
  im.NoteAffinities(t);
  if (t.kind == TableKind::kInternal) {
    // Creating the virtual table may have written rows here (fts5 _config,
    // rtree's root node); the stored rows replace them.
    TM_RETURN_IF_ERROR(im.Exec("DELETE FROM main." + QuoteIdent(t.name), "empty " + t.name));
  }
  if (t.kind == TableKind::kCounters) {
    // Loading an AUTOINCREMENT table set its counter to the highest key; the
    // stored counters replace those. In a partial restore the table may be
    // missing: it is created when a row needs it (see Insert).
    TM_ASSIGN_OR_RETURN(bool exists, im.SequenceExists());
    if (!exists) {
      im.sequence = t;
      return Status::OK();
    }
    TM_RETURN_IF_ERROR(im.Exec("DELETE FROM main.sqlite_sequence", "empty sqlite_sequence"));
  }
  return im.PrepareInsert(t);
}

// Only an ordinary table that is not STRICT applies affinity to values
// (a STRICT table refuses what it would have to convert); its rowid is not
// a column.
void SqliteWriter::Impl::NoteAffinities(const TableSchema& t) {
  schema = t;
  affinities.clear();
  if (t.kind != TableKind::kTable || t.strict) return;
  bool any = false;
  for (int c : t.StoredColumns()) {
    affinities.push_back(AffinityOf(t.columns[size_t(c)].decl_type));
    any |= affinities.back() != Affinity::kBlob;
  }
  if (!any) affinities.clear();
}

// True when the table's affinity would store some value of `record` with
// another storage class; *column is then that value's index.
bool SqliteWriter::Impl::AffinityWouldChange(const Record& record, size_t* column) {
  if (affinities.empty()) return false;
  if (probe == nullptr && sqlite3_prepare_v2(db, "SELECT ?1", -1, &probe, nullptr) != SQLITE_OK) {
    return false;  // cannot ask; the restore's verification will tell
  }
  for (size_t i = 0; i < record.size() && i < affinities.size(); i++) {
    if (!record[i].ref() && AffinityChanges(record[i], affinities[i], probe)) {
      *column = i;
      return true;
    }
  }
  return false;
}

// Replaces the CREATE statement of the table being loaded in sqlite_schema
// and reloads the schema. The table's b-tree is untouched: only the
// declared types differ, and they only decide how later inserts convert.
Status SqliteWriter::Impl::SetTableSql(const std::string& sql) {
  const std::string doing = "load " + table + " with its values' own types";
  TM_RETURN_IF_ERROR(Exec("PRAGMA writable_schema = ON", doing));
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(
      db, "UPDATE main.sqlite_schema SET sql = ?2 WHERE type = 'table' AND name = ?1", -1, &stmt,
      nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, table.data(), int(table.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, sql.data(), int(sql.size()), SQLITE_STATIC);
    sqlite3_step(stmt);
    rc = sqlite3_finalize(stmt);
  }
  if (rc == SQLITE_OK && sqlite3_changes(db) != 1) rc = SQLITE_INTERNAL;
  if (rc != SQLITE_OK) return Error(rc, doing);
  return Exec("PRAGMA writable_schema = RESET", doing);
}

// Value `column` of a row is one the table's affinity would convert (the
// source's schema was edited after the row was written): load the rest of
// the table with the declared types taken out of its SQL, so that every
// value keeps its storage class, and put the SQL back at EndTable. CHECK
// constraints are not evaluated meanwhile (they held in the source; without
// the types a comparison could convert differently).
Status SqliteWriter::Impl::LoadWithoutAffinity(size_t column, const Value& v) {
  std::vector<bool> strip(schema.columns.size(), false);
  const bool rowid_alias = !schema.no_implicit_id && !schema.implicit_id_in_record;
  for (size_t c = 0; c < schema.columns.size(); c++) {
    const bool alias =
        rowid_alias && schema.key_columns.size() == 1 && schema.key_columns[0] == int(c);
    strip[c] = schema.columns[c].stored() && !alias;
  }
  std::optional<std::string> sql = SqlWithoutTypes(schema, strip);
  if (!sql) {
    const std::string name = schema.columns[size_t(schema.StoredColumns()[column])].name;
    return Status::Unsupported(
        "restore of table " + table + ": column " + name + " holds a " + ValueTypeName(v.type()) +
        " value that its declared type '" +
        schema.columns[size_t(schema.StoredColumns()[column])].decl_type +
        "' would convert on insert (the source's schema was edited after the row was written), "
        "and tidemark cannot take this table's SQL apart to load it unconverted; restore the "
        "other tables with --table, or export this one");
  }
  sqlite3_finalize(insert);
  insert = nullptr;
  TM_RETURN_IF_ERROR(SetTableSql(*sql));
  TM_RETURN_IF_ERROR(Exec("PRAGMA ignore_check_constraints = ON", "load " + table));
  without_affinity = true;
  return PrepareInsert(schema);
}

Status SqliteWriter::Impl::EndLoadWithoutAffinity() {
  without_affinity = false;
  TM_RETURN_IF_ERROR(SetTableSql(schema.sql));
  return Exec("PRAGMA ignore_check_constraints = OFF", "load " + table);
}

Status SqliteWriter::Impl::Bind(int index, const Value& v) {
  if (v.ref()) return Status::Internal("SqliteWriter::Insert got an unresolved large value");
  int rc = SQLITE_OK;
  switch (v.type()) {
    case ValueType::kNull:
      rc = sqlite3_bind_null(insert, index);
      break;
    case ValueType::kInteger:
      rc = sqlite3_bind_int64(insert, index, v.integer());
      break;
    case ValueType::kReal:
      rc = sqlite3_bind_double(insert, index, v.real());
      break;
    case ValueType::kText:
      rc = sqlite3_bind_text64(insert, index, v.bytes().data(), v.bytes().size(), SQLITE_STATIC,
                               SQLITE_UTF8);
      break;
    case ValueType::kBlob:
      // An empty blob stays a blob (a null pointer would bind NULL).
      rc = v.bytes().empty() ? sqlite3_bind_zeroblob(insert, index, 0)
                             : sqlite3_bind_blob64(insert, index, v.bytes().data(),
                                                   v.bytes().size(), SQLITE_STATIC);
      break;
    default:
      return Status::Unsupported("restore of table " + table + ": a " + ValueTypeName(v.type()) +
                                 " value (from a PostgreSQL source) cannot be written to SQLite, "
                                 "which has no such type; export the table instead "
                                 "(tidemark export --format ndjson)");
  }
  return rc == SQLITE_OK ? Status::OK() : Error(rc, "insert into " + table);
}

Status SqliteWriter::Insert(const SourceRow& row) {
  Impl& im = *impl_;
  if (!im.in_table) return Status::Internal("SqliteWriter::Insert outside BeginTable/EndTable");
  if (im.kind == TableKind::kCounters) {
    // A partial restore keeps only the counters of the tables it restores.
    if (im.subset &&
        (row.record.empty() || !im.selected.count(AsciiLower(row.record[0].bytes())))) {
      return Status::OK();
    }
    if (im.insert == nullptr) {
      TM_RETURN_IF_ERROR(im.CreateSequence());
      TM_RETURN_IF_ERROR(im.PrepareInsert(im.sequence));
    }
  }
  if (row.record.size() != im.record_size || (im.rowid_from_key && row.key.size() != 1)) {
    return Status::InvalidArgument("restore of table " + im.table + ": a row has " +
                                   std::to_string(row.record.size()) + " values, the table has " +
                                   std::to_string(im.record_size));
  }
  size_t column = 0;
  if (!im.without_affinity && im.AffinityWouldChange(row.record, &column)) {
    TM_RETURN_IF_ERROR(im.LoadWithoutAffinity(column, row.record[column]));
  }
  int index = 1;
  for (const Value& v : row.record) TM_RETURN_IF_ERROR(im.Bind(index++, v));
  if (im.rowid_from_key) TM_RETURN_IF_ERROR(im.Bind(index, row.key[0]));
  sqlite3_step(im.insert);
  int rc = sqlite3_reset(im.insert);  // the step's error, if any
  return rc == SQLITE_OK ? Status::OK() : im.Error(rc, "insert into " + im.table);
}

Status SqliteWriter::EndTable() {
  sqlite3_finalize(impl_->insert);
  impl_->insert = nullptr;
  impl_->in_table = false;
  impl_->affinities.clear();
  return impl_->without_affinity ? impl_->EndLoadWithoutAffinity() : Status::OK();
}

Status SqliteWriter::Finish() {
  Impl& im = *impl_;
  if (im.finished) return Status::Internal("SqliteWriter::Finish called twice");
  TM_RETURN_IF_ERROR(EndTable());
  // Indexes, views and triggers in their original order, after the rows: an
  // index is built once, and no trigger fires during the load. sqlite_schema
  // order keeps every dependency the source had (a trigger after its view).
  // Automatic indexes (no SQL) came with their tables.
  for (const SchemaObject& o : im.objects) {
    if (o.sql.empty() || (o.type != "index" && o.type != "view" && o.type != "trigger")) continue;
    if (o.type == "view") {
      im.selected.insert(AsciiLower(o.name));  // a partial restore keeps every view
    } else if (!im.selected.count(AsciiLower(o.tbl_name))) {
      continue;
    }
    TM_RETURN_IF_ERROR(im.ExecSchemaSql(o.sql, o.type + " " + o.name));
  }
  TM_RETURN_IF_ERROR(im.Exec("COMMIT", "commit"));
  if (im.journal_mode == "wal") {
    TM_RETURN_IF_ERROR(im.Exec("PRAGMA journal_mode = WAL", "switch to WAL"));
  }
  sqlite3_finalize(im.probe);
  im.probe = nullptr;
  int rc = sqlite3_close(im.db);
  if (rc != SQLITE_OK) return im.Error(rc, "close");
  im.db = nullptr;
  im.finished = true;
  return Status::OK();
}

}  // namespace tidemark
