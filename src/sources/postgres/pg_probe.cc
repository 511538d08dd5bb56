#include "sources/postgres/pg_probe.h"

#include <charconv>
#include <cstdio>
#include <random>

#include "sources/postgres/pg_reader.h"
#include "sources/postgres/pg_restore_steps.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {
namespace {

// Indexes left invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX) and
// constraints added NOT VALID: what the catalog itself knows is unsound.
constexpr char kIntegritySql[] = R"SQL(
SELECT 'index ' || i.indexrelid::regclass::text || ' on ' || i.indrelid::regclass::text ||
  ' is not valid (REINDEX it)'
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (NOT i.indisvalid OR NOT i.indisready)
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
UNION ALL
SELECT 'constraint ' || quote_ident(con.conname) || ' on ' || con.conrelid::regclass::text ||
  ' is not validated (ALTER TABLE ... VALIDATE CONSTRAINT)'
FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
WHERE NOT con.convalidated AND con.conrelid <> 0
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1)SQL";

// Every foreign key as the pieces of its anti-join, quoted by the server:
// child, parent, "c.col IS NOT NULL AND ...", "p.pcol = c.col AND ...", and
// the table names as the drill's report shows them.
constexpr char kForeignKeysSql[] = R"SQL(
SELECT con.conrelid::regclass::text, con.confrelid::regclass::text,
  (SELECT string_agg(format('c.%I IS NOT NULL', a.attname), ' AND ' ORDER BY k.o)
     FROM unnest(con.conkey) WITH ORDINALITY AS k(att, o)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.att),
  (SELECT string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' AND '
       ORDER BY k.o)
     FROM unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(c, p, o)
     JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.c
     JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.p),
  cn.nspname || '.' || cc.relname, pn.nspname || '.' || pc.relname
FROM pg_constraint con
  JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
  JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE con.contype = 'f'
ORDER BY 5, con.conname)SQL";

// A table named as the manifest names it ("orders", or "sales.orders"), as
// the server quotes it: the one table of that name outside the system
// schemas, or the one whose "schema.name" it is.
constexpr char kResolveSql[] = R"SQL(
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (n.nspname || '.' || c.relname = $1 OR c.relname = $1)
ORDER BY (n.nspname || '.' || c.relname = $1) DESC, n.nspname = 'public' DESC)SQL";

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// A result as QueryRows: NULL as "NULL" (a text "NULL" cannot be told
// apart, as with SQLite), everything else in the server's text output.
QueryRows ToRows(const PgResult& r, size_t max_rows) {
  QueryRows out;
  for (int c = 0; c < r.columns(); ++c) out.columns.emplace_back(r.column_name(c));
  for (int i = 0; i < r.rows(); ++i) {
    if (out.rows.size() == max_rows) {
      out.truncated = true;
      break;
    }
    std::vector<std::string> row;
    for (int c = 0; c < r.columns(); ++c) row.push_back(r.is_null(i, c) ? "NULL" : r.text(i, c));
    out.rows.push_back(std::move(row));
  }
  return out;
}

class PgProbe final : public SourceProbe {
 public:
  PgProbe(PgLocation loc, PgAuth auth, std::unique_ptr<PgConnection> conn)
      : loc_(std::move(loc)), auth_(std::move(auth)), conn_(std::move(conn)) {}

  CheckName integrity_check() const override {
    return {"integrity_check", "invalid indexes and unvalidated constraints (pg_catalog)"};
  }

  Result<std::vector<std::string>> IntegrityProblems(size_t max_problems) override {
    TM_ASSIGN_OR_RETURN(QueryRows rows,
                        ReadOnly(kIntegritySql, max_problems, "checking the catalog"));
    std::vector<std::string> out;
    for (const auto& row : rows.rows) out.push_back(row[0]);
    return out;
  }

  CheckName reference_check() const override {
    return {"foreign_key_check", "every foreign key re-checked by query"};
  }

  Status ForEachReferenceViolation(
      const std::function<void(const ReferenceViolation&)>& fn) override;

  // As a backup reads them: pg_dump's objects in a snapshot of the copy.
  Result<std::vector<SchemaObject>> SchemaObjects() override {
    TM_ASSIGN_OR_RETURN(auto reader, OpenPgReader(loc_, auth_, 10000));
    return reader->schema().objects;
  }

  // Roles belong to the server, not to the database a restore makes: a
  // restore requires them and never creates them.
  bool Recreates(const SchemaObject& o) const override { return o.type != "ROLE"; }

  Result<Duplicates> FindDuplicates(const std::string& table,
                                    const std::vector<std::string>& columns, size_t max) override;
  Result<Orphans> FindOrphans(const Relation& rel, size_t max) override;

  bool has_sql() const override { return true; }
  Result<QueryRows> Query(const std::string& sql, size_t max_rows) override {
    Result<QueryRows> rows = ReadOnly(sql, max_rows, "running a drill query");
    if (rows.ok() || rows.status().IsNotFound()) return rows;
    return Status::InvalidArgument("query `" + sql + "`: " + rows.status().message());
  }
  Result<int64_t> QueryInteger(const std::string& sql) override;
  // The server names a missing table when it plans the statement.
  Status CheckTablesExist(const std::string& sql) override {
    Result<QueryRows> plan = ReadOnly("EXPLAIN " + sql, 1, "planning a drill query");
    return plan.ok() || !plan.status().IsNotFound() ? Status::OK() : plan.status();
  }

 private:
  // One statement in a READ ONLY transaction that is always rolled back:
  // nothing a query says can change the copy.
  Result<QueryRows> ReadOnly(const std::string& sql, size_t max_rows, std::string_view doing) {
    TM_RETURN_IF_ERROR(conn_->Run("BEGIN READ ONLY", doing));
    Result<PgResult> r = conn_->ExecParams(sql, {}, doing);
    Status end = conn_->Run("ROLLBACK", doing);
    if (!r.ok()) return r.status();
    TM_RETURN_IF_ERROR(end);
    return ToRows(*r, max_rows);
  }
  // The quoted "schema"."name" of `table`; NotFound naming it when the copy
  // has no such table.
  Result<std::string> Resolve(const std::string& table) {
    TM_ASSIGN_OR_RETURN(PgResult r, conn_->ExecParams(kResolveSql, {table}, "finding a table"));
    if (r.rows() == 0) return Status::NotFound("no table " + table + " in " + conn_->where());
    return r.text(0, 0);
  }

  PgLocation loc_;
  PgAuth auth_;
  std::unique_ptr<PgConnection> conn_;
};

Status PgProbe::ForEachReferenceViolation(
    const std::function<void(const ReferenceViolation&)>& fn) {
  TM_ASSIGN_OR_RETURN(QueryRows fks,
                      ReadOnly(kForeignKeysSql, SIZE_MAX, "reading the foreign keys"));
  ReferenceViolation v;
  for (const auto& fk : fks.rows) {
    // Streamed: however many rows break the reference, memory stays flat.
    const std::string sql = "COPY (SELECT 'ctid ' || c.ctid::text FROM " + fk[0] + " AS c WHERE " +
                            fk[2] + " AND NOT EXISTS (SELECT 1 FROM " + fk[1] + " AS p WHERE " +
                            fk[3] + ")) TO STDOUT";
    v.table = fk[4];
    v.parent = fk[5];
    TM_RETURN_IF_ERROR(conn_->CopyOut(sql, "checking a foreign key", [&](std::string_view line) {
      v.row = std::string(line.substr(0, line.find('\n')));
      fn(v);
      return Status::OK();
    }));
  }
  return Status::OK();
}

Result<Duplicates> PgProbe::FindDuplicates(const std::string& table,
                                           const std::vector<std::string>& columns, size_t max) {
  TM_ASSIGN_OR_RETURN(std::string quoted, Resolve(table));
  std::vector<std::string> cols, not_null;
  for (const std::string& c : columns) {
    cols.push_back(conn_->QuoteIdent(c));
    not_null.push_back(cols.back() + " IS NOT NULL");
  }
  const std::string list = Join(cols, ", ");
  TM_ASSIGN_OR_RETURN(
      QueryRows rows,
      ReadOnly("SELECT " + list + ", count(*) FROM " + quoted + " WHERE " +
                   Join(not_null, " AND ") + " GROUP BY " + list +
                   " HAVING count(*) > 1 ORDER BY " + list + " LIMIT " + std::to_string(max + 1),
               max, "looking for duplicates"));
  return DuplicatesOf(std::move(rows));
}

Result<Orphans> PgProbe::FindOrphans(const Relation& rel, size_t max) {
  TM_ASSIGN_OR_RETURN(std::string child, Resolve(rel.child_table));
  TM_ASSIGN_OR_RETURN(std::string parent, Resolve(rel.parent_table));
  const std::string c = "c." + conn_->QuoteIdent(rel.child_column);
  // Compared as text: a platform's relation may join columns of different
  // types (an integer id kept in a text column).
  TM_ASSIGN_OR_RETURN(
      QueryRows rows,
      ReadOnly("SELECT 'ctid ' || c.ctid::text, " + c + "::text FROM " + child + " AS c WHERE " +
                   c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + parent + " AS p WHERE p." +
                   conn_->QuoteIdent(rel.parent_column) + "::text = " + c +
                   "::text) ORDER BY c.ctid LIMIT " + std::to_string(max + 1),
               max, "looking for orphans"));
  Orphans out;
  out.truncated = rows.truncated;
  for (const auto& row : rows.rows) out.found.push_back({row[0], row[1]});
  return out;
}

Result<int64_t> PgProbe::QueryInteger(const std::string& sql) {
  TM_ASSIGN_OR_RETURN(QueryRows rows, Query(sql, 2));
  int64_t n = 0;
  if (rows.rows.size() == 1 && rows.rows[0].size() == 1) {
    const std::string& s = rows.rows[0][0];
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size()) return n;
  }
  return Status::InvalidArgument("query `" + sql + "` must give exactly one integer");
}

}  // namespace

std::string ScratchDatabaseName(std::string_view plan) {
  std::string name = "tidemark_drill_";
  for (char c : plan) {
    if (name.size() >= 15 + 32) break;
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    name += keep ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_';
  }
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "_%08x", static_cast<unsigned>(rd()));
  return name + suffix;
}

Status DropScratchDatabase(const PgLocation& loc, const PgAuth& auth) {
  TM_ASSIGN_OR_RETURN(auto admin, OpenAdmin(loc, auth));
  int count = 0;
  Statements st(0, &count);
  return DropDatabase(&st, admin.get(), loc.dbname,
                      "dropping the drill's scratch database " + loc.dbname);
}

Result<std::unique_ptr<SourceProbe>> OpenPgProbe(const PgLocation& loc, const PgAuth& auth) {
  TM_ASSIGN_OR_RETURN(auto conn, PgConnection::Open(loc, auth, Access::kRead));
  TM_RETURN_IF_ERROR(SetValueSession(*conn));
  return std::unique_ptr<SourceProbe>(new PgProbe(loc, auth, std::move(conn)));
}

}  // namespace tidemark::pg
