#include "sources/sqlite/sqlite_common.h"

#include <sqlite3.h>

#include <algorithm>

namespace tidemark::sqlite {

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

std::string RowidName(const TableSchema& t) {
  for (const char* name : {"rowid", "oid", "_rowid_"}) {
    bool taken = std::any_of(t.columns.begin(), t.columns.end(),
                             [&](const Column& c) { return EqualsIgnoreCase(c.name, name); });
    if (!taken) return name;
  }
  return "";
}

namespace {

// Sets *v to a text or blob holding [p, p+n), reusing v's buffer (a scan
// reads millions of values into the same row).
void SetBytes(Value* v, ValueType type, const void* p, size_t n) {
  const char* bytes = n == 0 ? "" : static_cast<const char*>(p);
  if (v->type() == type && !v->ref()) {
    v->mutable_bytes()->assign(bytes, n);
    return;
  }
  std::string buf = std::move(*v->mutable_bytes());
  buf.assign(bytes, n);
  *v = type == ValueType::kText ? Value::Text(std::move(buf)) : Value::Blob(std::move(buf));
}

}  // namespace

void ReadValue(sqlite3_stmt* stmt, int i, Value* v) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      *v = Value::Integer(sqlite3_column_int64(stmt, i));
      return;
    case SQLITE_FLOAT:
      *v = Value::Real(sqlite3_column_double(stmt, i));
      return;
    case SQLITE_TEXT: {
      const unsigned char* p = sqlite3_column_text(stmt, i);
      SetBytes(v, ValueType::kText, p, size_t(sqlite3_column_bytes(stmt, i)));
      return;
    }
    case SQLITE_BLOB: {
      const void* p = sqlite3_column_blob(stmt, i);
      SetBytes(v, ValueType::kBlob, p, size_t(sqlite3_column_bytes(stmt, i)));
      return;
    }
    default:
      *v = Value::Null();
  }
}

int BindValue(sqlite3_stmt* stmt, int index, const Value& v) {
  switch (v.type()) {
    case ValueType::kNull:
      return sqlite3_bind_null(stmt, index);
    case ValueType::kInteger:
      return sqlite3_bind_int64(stmt, index, v.integer());
    case ValueType::kReal:
      return sqlite3_bind_double(stmt, index, v.real());
    case ValueType::kText:
      return sqlite3_bind_text64(stmt, index, v.bytes().data(), v.bytes().size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
    case ValueType::kBlob:
      return v.bytes().empty() ? sqlite3_bind_zeroblob(stmt, index, 0)
                               : sqlite3_bind_blob64(stmt, index, v.bytes().data(),
                                                     v.bytes().size(), SQLITE_TRANSIENT);
    default:
      // The v2 kinds (numeric, times, uuid, ...) come from other sources;
      // SQLite has no such type ("datatype mismatch").
      return SQLITE_MISMATCH;
  }
}

namespace {

// SQLITE_READONLY: for a reader, the files beside the database; for a
// writer, the file itself.
Status ReadOnlyStatus(int ext, const std::string& where, const std::string& detail, Access access) {
  if (access == Access::kWrite) {
    return Status::IOError(where + ": cannot open the file for writing (" + detail +
                           "); tidemark needs write access to it and to its folder");
  }
  if (ext == SQLITE_READONLY_ROLLBACK || ext == SQLITE_READONLY_RECOVERY) {
    return Status::IOError(where + ": the database needs recovery after a crash (" + detail +
                           "), which a read-only reader cannot do; let the app open it "
                           "once, or run `sqlite3 FILE 'PRAGMA quick_check'`, then retry");
  }
  // A WAL database needs its -shm (and -wal) file beside it.
  return Status::IOError(
      where + ": cannot create or lock the -wal/-shm files beside the database (" + detail +
      "); give tidemark write access to the folder, or back up while the "
      "app has the database open");
}

}  // namespace

Status SqliteStatus(sqlite3* db, int rc, const std::string& path, std::string_view doing,
                    Access access) {
  const int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string where = path + " (" + std::string(doing) + ")";
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return Status::InvalidArgument(path +
                                     " is not a SQLite database (or is encrypted); check the "
                                     "source path, or decrypt the file first");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      // A conflict with another holder, as a locked repository is (exit 4).
      return Status::Refused(where + ": the database is locked by another connection (" + detail +
                             (access == Access::kRead
                                  ? "); wait until its write transaction ends and retry"
                                  : "); retry when the app is idle, or raise the lock timeout"));
    case SQLITE_CORRUPT:
      return Status::Corruption(where + ": the database is damaged (" + detail +
                                "); run `sqlite3 FILE 'PRAGMA integrity_check'` and repair the "
                                "source (for example with the sqlite3 `.recover` command)");
    case SQLITE_READONLY:
      return ReadOnlyStatus(ext, where, detail, access);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return Status::IOError(where + ": cannot open the file" +
                             (access == Access::kRead
                                  ? " or its -wal/-shm companions (" + detail +
                                        "); check that tidemark may read the file and its folder"
                                  : " for writing (" + detail +
                                        "); tidemark needs write access to it and to its folder"));
    case SQLITE_FULL:
      return Status::IOError(where + ": the disk is full; free space and retry");
    case SQLITE_NOMEM:
      return Status::IOError(where + ": out of memory");
    default:
      return Status::IOError(where + ": " + detail);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

}  // namespace tidemark::sqlite
