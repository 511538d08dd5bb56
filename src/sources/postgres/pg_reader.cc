// PgReader: the transaction, the schema and the binary COPY scans.

#include "sources/postgres/pg_reader.h"

#include <algorithm>
#include <set>
#include <utility>

#include "sources/postgres/pg_binary.h"
#include "sources/postgres/pg_ddl.h"
#include "sources/postgres/pg_schema.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {
namespace {

class PgReader final : public SourceReader {
 public:
  PgReader(std::unique_ptr<PgConnection> owned, PgConnection* conn)
      : owned_(std::move(owned)), conn_(conn) {}
  ~PgReader() override {
    // The transaction is ours only with the connection; ending the session
    // ends it (a rollback: nothing was written).
  }

  // Reads the catalog and the types of every column.
  Status LoadCatalog() {
    TM_ASSIGN_OR_RETURN(cat_, ReadCatalogSchema(*conn_));
    std::set<uint32_t> oids;
    for (const PgTableInfo& t : cat_.tables)
      oids.insert(t.column_types.begin(), t.column_types.end());
    TM_ASSIGN_OR_RETURN(
        PgTypeCatalog types,
        PgTypeCatalog::Load(*conn_, std::vector<uint32_t>(oids.begin(), oids.end())));
    types_ = std::make_unique<PgTypeCatalog>(std::move(types));
    return Status::OK();
  }

  CatalogSchema& catalog() { return cat_; }
  PgConnection& conn() { return *conn_; }

  const SourceSchema& schema() const override { return cat_.schema; }
  Status Scan(const TableSchema& table, const std::function<Status(const SourceRow&)>& fn) override;
  Result<uint64_t> CountRows(const TableSchema& table) override;
  // PostgreSQL has no cheap whole-database check like SQLite's quick_check
  // (amcheck reads every index and needs the extension created in the
  // database, which a read-only backup may not do): none is run.
  Result<std::vector<std::string>> IntegrityProblems() override {
    return std::vector<std::string>{};
  }

 private:
  // The live table `t` names, and the types of its stored columns.
  Status Resolve(const TableSchema& t, std::vector<const PgType*>* types) const;
  std::string Qualified(const TableSchema& t) const {
    return conn_->QuoteIdent(t.namespace_name) + "." + conn_->QuoteIdent(t.name);
  }

  std::unique_ptr<PgConnection> owned_;
  PgConnection* conn_;
  CatalogSchema cat_;
  std::unique_ptr<PgTypeCatalog> types_;
};

Status PgReader::Resolve(const TableSchema& t, std::vector<const PgType*>* types) const {
  for (size_t i = 0; i < cat_.schema.tables.size(); ++i) {
    const TableSchema& live = cat_.schema.tables[i];
    if (live.namespace_name != t.namespace_name || live.name != t.name) continue;
    for (int c : t.StoredColumns()) {
      const std::string& name = t.columns[size_t(c)].name;
      const PgType* type = nullptr;
      for (size_t j = 0; j < live.columns.size(); ++j) {
        if (live.columns[j].name == name) type = types_->Find(cat_.tables[i].column_types[j]);
      }
      if (type == nullptr) {
        return Status::NotFound("table " + t.QualifiedName() + " at " + conn_->where() +
                                " has no column " + name);
      }
      types->push_back(type);
    }
    return Status::OK();
  }
  return Status::NotFound("no table " + t.QualifiedName() + " at " + conn_->where());
}

Status PgReader::Scan(const TableSchema& table, const std::function<Status(const SourceRow&)>& fn) {
  if (!table.has_records()) {
    return Status::InvalidArgument("table " + table.QualifiedName() +
                                   " holds no rows of its own (a partitioned or foreign table)");
  }
  std::vector<const PgType*> types;
  TM_RETURN_IF_ERROR(Resolve(table, &types));
  const std::vector<int> stored = table.StoredColumns();
  std::vector<size_t> record_pos(table.columns.size(), 0);
  std::vector<std::string> names;
  std::string select;
  for (size_t i = 0; i < stored.size(); ++i) {
    record_pos[size_t(stored[i])] = i;
    const std::string& name = table.columns[size_t(stored[i])].name;
    names.push_back(name);
    select += (i > 0 ? ", " : "") + ScanExpression(*types[i], conn_->QuoteIdent(name));
  }
  std::string order;
  std::vector<size_t> key_from;
  for (int k : table.key_columns) {
    const size_t pos = record_pos[size_t(k)];
    key_from.push_back(pos);
    order += (order.empty() ? "" : ", ") +
             OrderExpression(*types[pos], conn_->QuoteIdent(table.columns[size_t(k)].name));
  }
  const std::string sql = "COPY (SELECT " + (select.empty() ? std::string("") : select) +
                          " FROM ONLY " + Qualified(table) +
                          (order.empty() ? "" : " ORDER BY " + order) +
                          ") TO STDOUT (FORMAT binary)";
  const bool whole_row = KeyIsWholeRow(table);
  SourceRow row;
  row.record.resize(stored.size());
  row.key.resize(key_from.size());
  std::vector<Value> prev_key;
  bool have_prev = false;
  BinaryCopyDecoder decoder(types, names);
  auto on_row = [&](std::vector<Value>& values) -> Status {
    for (size_t i = 0; i < values.size() && i < row.record.size(); ++i) {
      row.record[i] = std::move(values[i]);
    }
    for (size_t i = 0; i < key_from.size(); ++i) row.key[i] = row.record[key_from[i]];
    if (whole_row) {  // a table keyed by its whole row must not hold a row twice
      if (have_prev && prev_key == row.key) {
        return Status::Unsupported(
            "table " + table.QualifiedName() + " at " + conn_->where() +
            " holds two identical rows; a table without a primary key is keyed by its whole "
            "row (docs/guide/sources.md): add a primary key (or a unique index over NOT NULL "
            "columns), then retry");
      }
      prev_key = row.key;
      have_prev = true;
    }
    return fn(row);
  };
  const std::string doing = "reading table " + table.QualifiedName();
  TM_RETURN_IF_ERROR(conn_->CopyOut(
      sql, doing, [&](std::string_view data) { return decoder.Feed(data, on_row); }));
  return decoder.Finish();
}

Result<uint64_t> PgReader::CountRows(const TableSchema& table) {
  // For progress only: the planner's estimate when there is one (a count(*)
  // would read the whole table once more), else an exact count.
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn_->ExecParams("SELECT reltuples::bigint FROM pg_class WHERE oid = "
                        "$1::regclass",
                        {Qualified(table)}, "counting rows of " + table.QualifiedName()));
  int64_t n = r.rows() == 1 ? std::atoll(r.text(0, 0).c_str()) : -1;
  if (n < 0) {
    TM_ASSIGN_OR_RETURN(PgResult c, conn_->Exec("SELECT count(*) FROM ONLY " + Qualified(table),
                                                "counting rows of " + table.QualifiedName()));
    n = std::atoll(c.text(0, 0).c_str());
  }
  return static_cast<uint64_t>(n);
}

// Locks every table ACCESS SHARE, as pg_dump does, so that none is dropped
// or altered while the backup reads it; waits at most the lock timeout.
Status LockTables(PgConnection& conn, const SourceSchema& s) {
  std::string list;
  for (const TableSchema& t : s.tables) {
    list += (list.empty() ? "" : ", ") + conn.QuoteIdent(t.namespace_name) + "." +
            conn.QuoteIdent(t.name);
  }
  if (list.empty()) return Status::OK();
  return conn.Run("LOCK TABLE ONLY " + list + " IN ACCESS SHARE MODE",
                  "locking the tables to read");
}

}  // namespace

Result<std::unique_ptr<SourceReader>> OpenPgReader(const PgLocation& loc, const PgAuth& auth,
                                                   int lock_wait_ms) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(loc, auth));
  PgConnection* c = conn.get();
  auto reader = std::make_unique<PgReader>(std::move(conn), c);
  TM_RETURN_IF_ERROR(SetValueSession(*c));
  // REPEATABLE READ: one snapshot for every statement. Not DEFERRABLE,
  // which only matters for SERIALIZABLE (docs/guide/postgres.md).
  TM_RETURN_IF_ERROR(
      c->Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "beginning the read transaction"));
  TM_RETURN_IF_ERROR(c->Run("SET LOCAL lock_timeout = " + std::to_string(std::max(1, lock_wait_ms)),
                            "beginning the read transaction"));
  TM_ASSIGN_OR_RETURN(PgResult snap,
                      c->Exec("SELECT pg_export_snapshot()", "exporting the read snapshot"));
  const std::string snapshot = snap.text(0, 0);
  Status s = reader->LoadCatalog();
  if (s.ok()) s = LockTables(*c, reader->catalog().schema);
  TM_RETURN_IF_ERROR(NameLockWait(*c, std::max(1, lock_wait_ms), s));
  TM_ASSIGN_OR_RETURN(std::vector<SchemaObject> roles, ReadRoles(*c));
  SourceSchema& schema = reader->catalog().schema;
  schema.objects = std::move(roles);
  DumpRun run{loc, auth, snapshot, c->server_version(), std::max(1, lock_wait_ms)};
  TM_RETURN_IF_ERROR(ReadDumpObjects(run, reader->catalog(), &schema));
  return std::unique_ptr<SourceReader>(std::move(reader));
}

Result<std::unique_ptr<SourceReader>> OpenPgReaderOn(PgConnection* conn) {
  auto reader = std::make_unique<PgReader>(nullptr, conn);
  TM_RETURN_IF_ERROR(SetValueSession(*conn));
  TM_RETURN_IF_ERROR(reader->LoadCatalog());
  return std::unique_ptr<SourceReader>(std::move(reader));
}

PgConnection* PgReaderConnection(SourceReader* reader) {
  auto* r = dynamic_cast<PgReader*>(reader);
  return r == nullptr ? nullptr : &r->conn();
}

}  // namespace tidemark::pg
