// PgLookup and PgLive: point lookups and the guarded write transaction.

#include "sources/postgres/pg_live.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "sources/postgres/pg_binary.h"
#include "sources/postgres/pg_reader.h"
#include "sources/postgres/pg_text.h"

namespace tidemark::pg {
namespace {

using Params = std::vector<std::optional<std::string>>;

bool HasNull(const std::vector<Value>& values) {
  return std::any_of(values.begin(), values.end(), [](const Value& v) { return v.is_null(); });
}

// The scan's order expression of `expr` (a column, or a cast parameter)
// without its NULLS FIRST: equal under it means equal in the key order.
std::string OrderOf(const PgType& t, const std::string& expr) {
  std::string s = OrderExpression(t, expr);
  constexpr std::string_view kNulls = " NULLS FIRST";
  if (s.size() >= kNulls.size() && s.compare(s.size() - kNulls.size(), kNulls.size(), kNulls) == 0)
    s.resize(s.size() - kNulls.size());
  return s;
}

// Types whose `=` is a btree equality an index can use. The others
// (text-mapped types such as point, json, arrays, domains) are compared
// through their order expression only.
bool HasEquality(const PgType& t) {
  switch (t.wire) {
    case PgWire::kTextMapped:
    case PgWire::kJson:
    case PgWire::kArray:
    case PgWire::kDomain:
      return false;
    default:
      return true;
  }
}

// Appends `v` as a text parameter for a column of type `t` and returns its
// placeholder cast to the column's declared type ("$3::timestamptz").
Result<std::string> AddParam(const PgType& t, const std::string& decl, const Value& v,
                             Params* params) {
  if (v.is_null()) {
    params->push_back(std::nullopt);
  } else {
    std::string text;
    TM_RETURN_IF_ERROR(AppendTextValue(t, v, &text));
    params->push_back(std::move(text));
  }
  return "$" + std::to_string(params->size()) + "::" + decl;
}

Status OnRow(const PgLiveTable& lt, const TableSchema& t, const PgResult& r, int i,
             SourceRow* row) {
  row->record.assign(lt.types.size(), Value::Null());
  for (size_t j = 0; j < lt.types.size(); ++j) {
    if (r.is_null(i, int(j))) continue;
    Result<Value> v = DecodeBinaryField(*lt.types[j], r.value(i, int(j)));
    if (!v.ok()) {
      return Status::Corruption("column " + lt.names[j] + " of " + t.QualifiedName() + ": " +
                                v.status().message());
    }
    row->record[j] = std::move(*v);
  }
  row->key.clear();
  for (int k : t.key_columns) row->key.push_back(row->record[size_t(RecordPosition(t, k))]);
  return Status::OK();
}

}  // namespace

// ---- PgLookup ------------------------------------------------------------

Result<const PgLiveTable*> PgLookup::Table(const TableSchema& t) {
  // Cached by the table and its stored columns: a schema of the same table
  // with other columns (another state of it) gets its own entry.
  std::string id = t.namespace_name + "." + t.name;
  for (int c : t.StoredColumns()) id += "\t" + t.columns[size_t(c)].name;
  if (auto it = tables_.find(id); it != tables_.end()) return it->second.get();
  auto lt = std::make_unique<PgLiveTable>();
  lt->qualified = conn_->QuoteIdent(t.namespace_name) + "." + conn_->QuoteIdent(t.name);
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn_->ExecParams("SELECT attname, atttypid::int8, format_type(atttypid, "
                        "NULL) FROM pg_attribute WHERE attrelid = $1::regclass "
                        "AND attnum > 0 AND NOT attisdropped",
                        {lt->qualified}, "reading the columns of " + t.QualifiedName()));
  std::vector<uint32_t> oids;
  for (int c : t.StoredColumns()) {
    const std::string& name = t.columns[size_t(c)].name;
    int found = -1;
    for (int i = 0; i < r.rows(); ++i) {
      if (r.value(i, 0) == name) found = i;
    }
    if (found < 0) {
      return Status::NotFound("table " + t.QualifiedName() + " at " + conn_->where() +
                              " has no column " + name + "; plan again");
    }
    oids.push_back(uint32_t(std::stoul(r.text(found, 1))));
    lt->decl.push_back(r.text(found, 2));
    lt->names.push_back(name);
  }
  TM_ASSIGN_OR_RETURN(PgTypeCatalog cat, PgTypeCatalog::Load(*conn_, oids));
  lt->catalog = std::make_unique<PgTypeCatalog>(std::move(cat));
  for (uint32_t oid : oids) lt->types.push_back(lt->catalog->Find(oid));
  const PgLiveTable* out = lt.get();
  tables_[id] = std::move(lt);
  return out;
}

Result<std::string> PgLookup::KeyCondition(const TableSchema& t, const std::vector<Value>& key,
                                           Params* params) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, Table(t));
  if (key.size() != t.key_columns.size() || key.empty()) {
    return Status::InvalidArgument("a key of " + std::to_string(key.size()) + " values for " +
                                   t.QualifiedName() + ", whose key has " +
                                   std::to_string(t.key_columns.size()));
  }
  std::string where;
  for (size_t i = 0; i < key.size(); ++i) {
    const size_t pos = size_t(RecordPosition(t, t.key_columns[i]));
    const PgType& type = *lt->types[pos];
    const std::string col = conn_->QuoteIdent(lt->names[pos]);
    where += i > 0 ? " AND " : "";
    if (key[i].is_null()) {  // a whole-row key may hold NULLs
      where += col + " IS NULL";
      continue;
    }
    TM_ASSIGN_OR_RETURN(std::string p, AddParam(type, lt->decl[pos], key[i], params));
    if (HasEquality(type)) where += col + " = " + p + " AND ";
    where += OrderOf(type, col) + " = " + OrderOf(type, "(" + p + ")");
  }
  return where;
}

Result<std::string> PgLookup::ColumnsEqual(const TableSchema& t,
                                           const std::vector<std::string>& columns,
                                           const std::vector<Value>& values, Params* params) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, Table(t));
  if (columns.size() != values.size() || columns.empty()) {
    return Status::InvalidArgument("a lookup in " + t.QualifiedName() +
                                   " needs one value per column");
  }
  std::string where;
  for (size_t i = 0; i < columns.size(); ++i) {
    const int pos = RecordPosition(t, ColumnIndex(t, columns[i]));
    if (pos < 0) {
      return Status::InvalidArgument("table " + t.QualifiedName() + " has no stored column " +
                                     columns[i]);
    }
    const PgType& type = *lt->types[size_t(pos)];
    const std::string col = conn_->QuoteIdent(lt->names[size_t(pos)]);
    TM_ASSIGN_OR_RETURN(std::string p, AddParam(type, lt->decl[size_t(pos)], values[i], params));
    where += (i > 0 ? " AND " : "") +
             (HasEquality(type) ? col + " = " + p
                                : OrderOf(type, col) + " = " + OrderOf(type, "(" + p + ")"));
  }
  return where;
}

Status PgLookup::Select(const TableSchema& t, const std::string& where, const Params& params,
                        std::string_view doing, std::vector<SourceRow>* rows) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, Table(t));
  std::string select, order;
  for (size_t j = 0; j < lt->types.size(); ++j) {
    select += (j > 0 ? ", " : "") + ScanExpression(*lt->types[j], conn_->QuoteIdent(lt->names[j]));
  }
  for (int k : t.key_columns) {
    const size_t pos = size_t(RecordPosition(t, k));
    order += (order.empty() ? " ORDER BY " : ", ") +
             OrderExpression(*lt->types[pos], conn_->QuoteIdent(lt->names[pos]));
  }
  TM_ASSIGN_OR_RETURN(PgResult r, conn_->ExecParams("SELECT " + select + " FROM ONLY " +
                                                        lt->qualified + " WHERE " + where + order,
                                                    params, doing, /*binary=*/true));
  rows->resize(size_t(r.rows()));
  for (int i = 0; i < r.rows(); ++i) TM_RETURN_IF_ERROR(OnRow(*lt, t, r, i, &(*rows)[size_t(i)]));
  return Status::OK();
}

Result<bool> PgLookup::Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row) {
  Params params;
  TM_ASSIGN_OR_RETURN(std::string where, KeyCondition(t, key, &params));
  std::vector<SourceRow> rows;
  TM_RETURN_IF_ERROR(Select(t, where, params, "looking up a row of " + t.QualifiedName(), &rows));
  // The condition finds the key's candidates; only the exact key counts.
  for (SourceRow& r : rows) {
    if (r.key == key) {
      *row = std::move(r);
      return true;
    }
  }
  return false;
}

Status PgLookup::ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                              const std::vector<Value>& values,
                              const std::function<Status(const SourceRow&)>& fn) {
  if (HasNull(values)) return Status::OK();  // NULL matches nothing
  Params params;
  TM_ASSIGN_OR_RETURN(std::string where, ColumnsEqual(t, columns, values, &params));
  std::vector<SourceRow> rows;  // all read first: fn may run other lookups
  TM_RETURN_IF_ERROR(Select(t, where, params, "looking up rows of " + t.QualifiedName(), &rows));
  for (const SourceRow& r : rows) TM_RETURN_IF_ERROR(fn(r));
  return Status::OK();
}

Result<bool> PgLookup::AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                                const std::vector<Value>& values) {
  if (HasNull(values)) return false;
  Params params;
  TM_ASSIGN_OR_RETURN(std::string where, ColumnsEqual(t, columns, values, &params));
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, Table(t));
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn_->ExecParams("SELECT 1 FROM ONLY " + lt->qualified + " WHERE " + where + " LIMIT 1",
                        params, "looking up rows of " + t.QualifiedName()));
  return r.rows() > 0;
}

Result<Value> PgLookup::DefaultValue(const TableSchema& t, int column) {
  if (column < 0 || size_t(column) >= t.columns.size()) {
    return Status::Internal("no column " + std::to_string(column) + " in " + t.QualifiedName());
  }
  const Column& c = t.columns[size_t(column)];
  if (c.default_sql.empty()) return Value::Null();
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, Table(t));
  const int pos = RecordPosition(t, column);
  if (pos < 0) return Status::InvalidArgument("column " + c.name + " is not stored");
  const PgType& type = *lt->types[size_t(pos)];
  const std::string doing = "evaluating the default of " + t.QualifiedName() + "." + c.name;
  const std::string sql =
      "SELECT " + ScanExpression(type, "((" + c.default_sql + ")::" + lt->decl[size_t(pos)] + ")");
  // In a savepoint: a default that fails must not end the transaction.
  TM_RETURN_IF_ERROR(conn_->Run("SAVEPOINT tm_default", doing));
  Result<PgResult> r = conn_->ExecParams(sql, {}, doing, /*binary=*/true);
  if (!r.ok()) {
    const std::string state = conn_->last_error_state();
    TM_RETURN_IF_ERROR(conn_->Run("ROLLBACK TO SAVEPOINT tm_default", doing));
    if (!writing_ && state == "25006") {
      return Status::Unsupported(
          "column " + c.name + " of " + t.QualifiedName() + " defaults to " + c.default_sql +
          ", which changes the database when evaluated (a sequence draw cannot be undone), and "
          "planning only reads; records re-created in this table need a value for it: roll the "
          "table back with the column in the snapshot, or leave the table out (--table)");
    }
    return r.status();
  }
  TM_RETURN_IF_ERROR(conn_->Run("RELEASE SAVEPOINT tm_default", doing));
  if (r->rows() != 1 || r->is_null(0, 0)) return Value::Null();
  return DecodeBinaryField(type, r->value(0, 0));
}

Result<std::unique_ptr<LiveLookup>> OpenPgLookup(SourceReader* view) {
  PgConnection* conn = PgReaderConnection(view);
  if (conn == nullptr) return Status::Internal("a lookup on a reader of another kind of source");
  return std::unique_ptr<LiveLookup>(std::make_unique<PgLookup>(conn, /*writing=*/false));
}

// ---- PgLive ----------------------------------------------------------------

namespace {

// True when the session's role may set session_replication_role: a
// superuser, or (PostgreSQL 15 and later) a role granted SET on it.
Result<bool> MayReplicate(PgConnection& conn) {
  const std::string sql = conn.server_version() >= 150000
                              ? "SELECT current_setting('is_superuser') = 'on' OR "
                                "has_parameter_privilege('session_replication_role', 'SET')"
                              : "SELECT current_setting('is_superuser') = 'on'";
  TM_ASSIGN_OR_RETURN(PgResult r, conn.Exec(sql, "reading the role's privileges"));
  return r.rows() == 1 && r.value(0, 0) == "t";
}

constexpr std::string_view kUserTables =
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN "
    "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT "
    "IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND "
    "n.nspname NOT LIKE 'pg\\_temp%' AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, "
    "TRUNCATE') ORDER BY 1";

}  // namespace

Result<std::unique_ptr<PgLive>> PgLive::Open(const PgLocation& loc, const PgAuth& auth) {
  std::unique_ptr<PgLive> live(new PgLive());
  TM_ASSIGN_OR_RETURN(live->conn_, PgConnection::Open(loc, auth, Access::kWrite));
  TM_RETURN_IF_ERROR(SetValueSession(*live->conn_));
  TM_ASSIGN_OR_RETURN(live->can_replicate_, MayReplicate(*live->conn_));
  live->lookup_ = std::make_unique<PgLookup>(live->conn_.get(), /*writing=*/true);
  return live;
}

PgLive::~PgLive() {
  if (in_txn_) (void)conn_->Run("ROLLBACK", "rolling back");
}

Status PgLive::LockAll(const std::string& tables, int lock_wait_ms, int64_t* waited_us) {
  if (tables.empty()) return Status::OK();
  const auto start = std::chrono::steady_clock::now();
  Status s =
      conn_->Run("LOCK TABLE ONLY " + tables + " IN ROW EXCLUSIVE MODE", "locking the tables");
  *waited_us += std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  return NameLockWait(*conn_, lock_wait_ms, s);
}

Status PgLive::BeginWrite(int lock_wait_ms, int64_t* waited_us) {
  *waited_us = 0;
  if (in_txn_) return Status::Internal("a write transaction is already open");
  const int ms = std::max(1, lock_wait_ms);  // 0 would mean: wait forever
  // The tables are listed before BEGIN, so that the transaction's snapshot
  // is taken only once every lock is held.
  TM_ASSIGN_OR_RETURN(PgResult r, conn_->Exec(kUserTables, "listing the tables to lock"));
  std::string tables;
  for (int i = 0; i < r.rows(); ++i) tables += (i > 0 ? ", " : "") + r.text(i, 0);
  TM_RETURN_IF_ERROR(
      conn_->Run("BEGIN ISOLATION LEVEL REPEATABLE READ", "beginning the write transaction"));
  in_txn_ = true;
  Status s = conn_->Run(
      "SET LOCAL lock_timeout = '" + std::to_string(ms) + "ms'; SET CONSTRAINTS ALL DEFERRED",
      "beginning the write transaction");
  if (s.ok()) s = LockAll(tables, ms, waited_us);
  if (!s.ok()) (void)Rollback();
  return s;
}

Status PgLive::SuspendTriggers(const std::vector<std::string>& tables, size_t* count) {
  *count = 0;
  if (!can_replicate_) return Status::OK();
  const std::string doing = "suspending triggers";
  for (const std::string& table : tables) {
    TM_ASSIGN_OR_RETURN(
        PgResult r,
        conn_->ExecParams("SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT g.tgisinternal "
                          "AND g.tgenabled = 'O' AND c.relname = $1 AND n.nspname NOT IN "
                          "('pg_catalog', 'information_schema')",
                          {table}, doing));
    *count += size_t(std::stoul(r.text(0, 0)));
  }
  TM_RETURN_IF_ERROR(conn_->Run("SET LOCAL session_replication_role = replica", doing));
  suspended_ = true;
  return Status::OK();
}

Status PgLive::RestoreTriggers() {
  if (!suspended_) return Status::OK();
  TM_RETURN_IF_ERROR(
      conn_->Run("SET LOCAL session_replication_role = origin", "restoring the triggers"));
  suspended_ = false;
  return Status::OK();
}

Status PgLive::WriteOne(const TableSchema& t, const std::string& sql, const Params& params,
                        std::string_view doing) {
  TM_RETURN_IF_ERROR(conn_->Run("SAVEPOINT tm_write", doing));
  Result<PgResult> r = conn_->ExecParams(sql, params, doing);
  if (!r.ok()) {
    const std::string state = conn_->last_error_state();
    TM_RETURN_IF_ERROR(conn_->Run("ROLLBACK TO SAVEPOINT tm_write", doing));
    TM_RETURN_IF_ERROR(conn_->Run("RELEASE SAVEPOINT tm_write", doing));
    if (state.rfind("23", 0) == 0 || state.rfind("22", 0) == 0) {
      return Status::Refused(r.status().message());
    }
    return r.status();
  }
  TM_RETURN_IF_ERROR(conn_->Run("RELEASE SAVEPOINT tm_write", doing));
  if (r->rows() != 1) {
    return Status::Internal(std::string(doing) + " changed " + std::to_string(r->rows()) +
                            " rows instead of 1");
  }
  return Status::OK();
}

Status PgLive::Insert(const TableSchema& t, const SourceRow& row) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, lookup_->Table(t));
  if (row.record.size() != lt->types.size()) {
    return Status::InvalidArgument("a record of " + std::to_string(row.record.size()) +
                                   " values for " + t.QualifiedName());
  }
  Params params;
  std::string cols, values;
  for (size_t j = 0; j < lt->types.size(); ++j) {
    TM_ASSIGN_OR_RETURN(std::string p,
                        AddParam(*lt->types[j], lt->decl[j], row.record[j], &params));
    cols += (j > 0 ? ", " : "") + conn_->QuoteIdent(lt->names[j]);
    values += (j > 0 ? ", " : "") + p;
  }
  // OVERRIDING SYSTEM VALUE: an identity column GENERATED ALWAYS gets the
  // record's value, as a restore gives it.
  const std::string sql = "INSERT INTO " + lt->qualified + " (" + cols +
                          ") OVERRIDING SYSTEM VALUE VALUES (" + values + ") RETURNING 1";
  return WriteOne(t, sql, params, "inserting into " + t.QualifiedName());
}

Status PgLive::Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, lookup_->Table(t));
  if (row.record.size() != lt->types.size() || current.record.size() != lt->types.size()) {
    return Status::InvalidArgument("a record of another width for " + t.QualifiedName());
  }
  // Only the values that differ are set: the same result, and an identity
  // column GENERATED ALWAYS (which only takes DEFAULT) is left alone.
  Params params;
  std::string sets;
  std::vector<std::string> changed;
  for (size_t j = 0; j < lt->types.size(); ++j) {
    if (current.record[j] == row.record[j]) continue;
    TM_ASSIGN_OR_RETURN(std::string p,
                        AddParam(*lt->types[j], lt->decl[j], row.record[j], &params));
    sets += (sets.empty() ? "" : ", ") + conn_->QuoteIdent(lt->names[j]) + " = " + p;
    changed.push_back(lt->names[j]);
  }
  if (sets.empty()) return Status::OK();
  TM_RETURN_IF_ERROR(GuardCascades(t, current, /*deleting=*/false, changed));
  TM_ASSIGN_OR_RETURN(std::string where, lookup_->KeyCondition(t, current.key, &params));
  return WriteOne(
      t, "UPDATE ONLY " + lt->qualified + " SET " + sets + " WHERE " + where + " RETURNING 1",
      params, "updating " + t.QualifiedName());
}

Status PgLive::Delete(const TableSchema& t, const SourceRow& current) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, lookup_->Table(t));
  TM_RETURN_IF_ERROR(GuardCascades(t, current, /*deleting=*/true, {}));
  Params params;
  TM_ASSIGN_OR_RETURN(std::string where, lookup_->KeyCondition(t, current.key, &params));
  return WriteOne(t, "DELETE FROM ONLY " + lt->qualified + " WHERE " + where + " RETURNING 1",
                  params, "deleting from " + t.QualifiedName());
}

Result<const std::vector<PgLive::Referrer>*> PgLive::ReferrersOf(const TableSchema& t) {
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, lookup_->Table(t));
  if (auto it = referrers_.find(lt->qualified); it != referrers_.end()) return &it->second;
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn_->ExecParams(
          "SELECT c.conname, c.conrelid::regclass::text, c.confdeltype::text, "
          "c.confupdtype::text, ca.attname, pa.attname FROM pg_constraint c CROSS JOIN LATERAL "
          "unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child, parent, n) JOIN pg_attribute "
          "ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child JOIN pg_attribute pa ON "
          "pa.attrelid = c.confrelid AND pa.attnum = k.parent WHERE c.contype = 'f' AND "
          "c.confrelid = $1::regclass ORDER BY c.conrelid, c.conname, k.n",
          {lt->qualified}, "reading the foreign keys that refer to " + t.QualifiedName()));
  std::vector<Referrer>& list = referrers_[lt->qualified];
  for (int i = 0; i < r.rows(); ++i) {
    if (list.empty() || list.back().name != r.value(i, 0) || list.back().child != r.value(i, 1)) {
      list.push_back({r.text(i, 0), r.text(i, 1), r.value(i, 2)[0], r.value(i, 3)[0], {}, {}});
    }
    list.back().child_cols.push_back(r.text(i, 4));
    list.back().parent_cols.push_back(r.text(i, 5));
  }
  return &list;
}

namespace {

// What the server does to referring rows for an action ('c' cascade, 'n'
// set null, 'd' set default); "" for the checks (no action, restrict).
std::string ActionWords(char action, bool deleting) {
  switch (action) {
    case 'c':
      return deleting ? "delete" : "change";
    case 'n':
      return "set to NULL the reference in";
    case 'd':
      return "set to its default the reference in";
    default:
      return "";
  }
}

}  // namespace

Status PgLive::GuardCascades(const TableSchema& t, const SourceRow& current, bool deleting,
                             const std::vector<std::string>& changed) {
  if (suspended_) return Status::OK();  // the foreign keys' triggers are off
  TM_ASSIGN_OR_RETURN(const std::vector<Referrer>* referrers, ReferrersOf(t));
  TM_ASSIGN_OR_RETURN(const PgLiveTable* lt, lookup_->Table(t));
  for (const Referrer& fk : *referrers) {
    const std::string words = ActionWords(deleting ? fk.on_delete : fk.on_update, deleting);
    if (words.empty()) continue;  // the server checks these itself (deferred to COMMIT)
    // A row whose referred values hold a NULL has no referring rows; an
    // update only matters when it changes a referred column.
    bool touched = deleting, null = false;
    Params params;
    std::string where;
    for (size_t i = 0; i < fk.parent_cols.size(); ++i) {
      const int pos = RecordPosition(t, ColumnIndex(t, fk.parent_cols[i]));
      if (pos < 0 || current.record[size_t(pos)].is_null()) {
        null = true;
        break;
      }
      touched =
          touched || std::find(changed.begin(), changed.end(), fk.parent_cols[i]) != changed.end();
      TM_ASSIGN_OR_RETURN(std::string p, AddParam(*lt->types[size_t(pos)], lt->decl[size_t(pos)],
                                                  current.record[size_t(pos)], &params));
      where += (i > 0 ? " AND " : "") + conn_->QuoteIdent(fk.child_cols[i]) + " = " + p;
    }
    if (null || !touched) continue;
    TM_ASSIGN_OR_RETURN(
        PgResult r, conn_->ExecParams("SELECT 1 FROM " + fk.child + " WHERE " + where + " LIMIT 1",
                                      params, "looking up referring rows"));
    if (r.rows() == 0) continue;
    return Status::Refused(std::string(deleting ? "deleting" : "changing") + " this row of " +
                           t.QualifiedName() + " would make the server " + words + " rows of " +
                           fk.child + " (foreign key " + fk.name +
                           ") that the plan does not write; nothing was written for it. Include "
                           "those rows in the rollback, or run it as a role that may set "
                           "session_replication_role (docs/guide/postgres.md)");
  }
  return Status::OK();
}

Status PgLive::Commit() {
  if (!in_txn_) return Status::Internal("commit without a write transaction");
  Status s = conn_->Run("COMMIT", "committing");
  in_txn_ = false;
  suspended_ = false;
  if (!s.ok() && conn_->last_error_state().rfind("23", 0) == 0) {
    return Status::Refused(s.message() + "; the transaction was rolled back, live is unchanged");
  }
  return s;
}

Status PgLive::Rollback() {
  if (!in_txn_) return Status::OK();
  in_txn_ = false;
  suspended_ = false;
  return conn_->Run("ROLLBACK", "rolling back");
}

}  // namespace tidemark::pg
