#include "sources/postgres/pg_restore_steps.h"

#include <algorithm>
#include <set>

#include "sources/postgres/pg_types.h"

namespace tidemark::pg {

Status Statements::Next(std::string_view doing) {
  ++*count_;
  if (fail_at_ > 0 && *count_ == fail_at_) {
    return Status::IOError(std::string(doing) + ": injected fault at statement " +
                           std::to_string(*count_));
  }
  return Status::OK();
}

Result<PgResult> Statements::Exec(PgConnection* c, std::string_view sql, std::string_view doing) {
  if (Status s = Next(doing); !s.ok()) return s;
  return c->Exec(sql, doing);
}

Status Statements::Run(PgConnection* c, std::string_view sql, std::string_view doing) {
  if (Status s = Next(doing); !s.ok()) return s;
  return c->Run(sql, doing);
}

std::string QuotedName(const PgConnection& c, const std::string& ns, const std::string& name) {
  return ns.empty() ? c.QuoteIdent(name) : c.QuoteIdent(ns) + "." + c.QuoteIdent(name);
}

Status CheckServerHas(Statements* st, PgConnection* c, const PgRestorePlan& plan) {
  const std::string doing = "checking the roles and extensions the snapshot needs";
  TM_ASSIGN_OR_RETURN(PgResult roles,
                      st->Exec(c, "SELECT rolname FROM pg_catalog.pg_roles", doing));
  std::set<std::string> have;
  for (int i = 0; i < roles.rows(); ++i) have.insert(roles.text(i, 0));
  std::vector<std::string> missing;
  for (const std::string& r : plan.roles) {
    if (!have.count(r)) missing.push_back("role " + c->QuoteIdent(r));
  }
  TM_ASSIGN_OR_RETURN(
      PgResult exts,
      st->Exec(c, "SELECT name, version FROM pg_catalog.pg_available_extension_versions", doing));
  std::set<std::pair<std::string, std::string>> versions;
  std::set<std::string> names;
  for (int i = 0; i < exts.rows(); ++i) {
    versions.emplace(exts.text(i, 0), exts.text(i, 1));
    names.insert(exts.text(i, 0));
  }
  for (const auto& [name, version] : plan.extensions) {
    if (!names.count(name)) {
      missing.push_back("extension " + c->QuoteIdent(name));
    } else if (!version.empty() && !versions.count({name, version})) {
      missing.push_back("extension " + c->QuoteIdent(name) + " version " + version);
    }
  }
  if (missing.empty()) return Status::OK();
  std::string list;
  for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
  return Status::Unsupported("the server at " + c->where() +
                             " lacks what the snapshot needs: " + list +
                             "; create the roles (CREATE ROLE) and install the extensions on "
                             "that server, then run the restore again (nothing was written)");
}

Result<std::unique_ptr<PgConnection>> OpenAdmin(const PgLocation& loc, const PgAuth& auth) {
  PgLocation admin = loc;
  admin.dbname = "postgres";
  auto c = PgConnection::Open(admin, auth, Access::kWrite);
  if (c.ok() || c.status().code() != Status::Code::kNotFound) return c;
  admin.dbname = "template1";
  return PgConnection::Open(admin, auth, Access::kWrite);
}

Result<bool> DatabaseExists(Statements* st, PgConnection* admin, const std::string& name) {
  TM_ASSIGN_OR_RETURN(PgResult r, st->Exec(admin,
                                           "SELECT 1 FROM pg_catalog.pg_database WHERE datname = " +
                                               admin->QuoteLiteral(name),
                                           "looking for database " + name));
  return r.rows() > 0;
}

Status CreateDatabase(Statements* st, PgConnection* admin, const std::string& name,
                      const SourceSchema& schema) {
  std::string sql = "CREATE DATABASE " + admin->QuoteIdent(name) + " TEMPLATE template0";
  const std::pair<const char*, const char*> options[] = {{"postgres.encoding", " ENCODING "},
                                                         {"postgres.lc_collate", " LC_COLLATE "},
                                                         {"postgres.lc_ctype", " LC_CTYPE "}};
  for (const auto& [setting, clause] : options) {
    std::string v = schema.Setting(setting);
    if (!v.empty()) sql += clause + admin->QuoteLiteral(v);
  }
  return st->Run(admin, sql, "creating database " + name);
}

Status MarkDatabase(Statements* st, PgConnection* admin, const std::string& name) {
  return st->Run(admin,
                 "COMMENT ON DATABASE " + admin->QuoteIdent(name) +
                     " IS 'tidemark: a restore into this database is in progress or was "
                     "interrupted (it stays empty until the restore commits)'",
                 "marking database " + name);
}

Status DropDatabase(Statements* st, PgConnection* admin, const std::string& name,
                    std::string_view doing) {
  std::string sql = "DROP DATABASE IF EXISTS " + admin->QuoteIdent(name);
  if (admin->server_version() >= 130000) sql += " WITH (FORCE)";
  return st->Run(admin, sql, doing);
}

Status SetRestoreSession(Statements* st, PgConnection* c) {
  std::string sql =
      "SET statement_timeout = 0; SET lock_timeout = 0; "
      "SET idle_in_transaction_session_timeout = 0; "
      "SET standard_conforming_strings = on; "
      "SELECT pg_catalog.set_config('search_path', '', false); "
      "SET check_function_bodies = false; SET client_min_messages = warning; "
      "SET row_security = off; SET default_tablespace = ''; ";
  if (c->server_version() >= 120000) sql += "SET default_table_access_method = heap; ";
  sql += kValueSessionSql;
  return st->Run(c, sql, "setting up the restore session");
}

namespace {

// What makes a database not empty, at most 6 items ("table public.t").
constexpr const char* kContentsSql = R"(
SELECT what FROM (
  SELECT 1 AS o, 'schema ' || quote_ident(nspname) AS what FROM pg_catalog.pg_namespace
   WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'public')
  UNION ALL
  SELECT 2, 'relation public.' || quote_ident(relname) FROM pg_catalog.pg_class
   WHERE relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public')
  UNION ALL
  SELECT 3, 'function public.' || quote_ident(proname) FROM pg_catalog.pg_proc
   WHERE pronamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public')
  UNION ALL
  SELECT 4, 'type public.' || quote_ident(typname) FROM pg_catalog.pg_type
   WHERE typnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public') AND typrelid = 0
  UNION ALL
  SELECT 5, 'extension ' || quote_ident(extname) FROM pg_catalog.pg_extension
   WHERE extname <> 'plpgsql'
) x ORDER BY o, what LIMIT 6)";

std::string Listed(const PgResult& r) {
  std::string out;
  for (int i = 0; i < r.rows() && i < 5; ++i) out += (i ? ", " : "") + r.text(i, 0);
  if (r.rows() > 5) out += ", ...";
  return out;
}

}  // namespace

namespace {

Status ClearDatabase(Statements* st, PgConnection* c, const std::string& db) {
  std::string drop;
  TM_ASSIGN_OR_RETURN(PgResult schemas,
                      st->Exec(c,
                               "SELECT quote_ident(nspname) FROM pg_catalog.pg_namespace "
                               "WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'",
                               "listing the schemas of " + db));
  for (int i = 0; i < schemas.rows(); ++i) drop += (i ? ", " : "") + schemas.text(i, 0);
  if (!drop.empty()) {
    TM_RETURN_IF_ERROR(st->Run(c, "DROP SCHEMA " + drop + " CASCADE", "clearing database " + db));
  }
  TM_ASSIGN_OR_RETURN(PgResult exts,
                      st->Exec(c,
                               "SELECT quote_ident(extname) FROM pg_catalog.pg_extension "
                               "WHERE extname <> 'plpgsql'",
                               "listing the extensions of " + db));
  for (int i = 0; i < exts.rows(); ++i) {
    TM_RETURN_IF_ERROR(
        st->Run(c, "DROP EXTENSION " + exts.text(i, 0) + " CASCADE", "clearing database " + db));
  }
  return Status::OK();
}

// The public schema as template0 has it (PostgreSQL 15: owned by
// pg_database_owner, USAGE for PUBLIC; before: the bootstrap superuser's,
// ALL for PUBLIC): pg_dump's output expects it.
Status CreatePublicSchema(Statements* st, PgConnection* c, const std::string& db) {
  const bool v15 = c->server_version() >= 150000;
  std::string create = v15 ? "CREATE SCHEMA public AUTHORIZATION pg_database_owner; "
                             "GRANT USAGE ON SCHEMA public TO PUBLIC; "
                           : "CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO PUBLIC; ";
  create += "COMMENT ON SCHEMA public IS 'standard public schema'";
  return st->Run(c, create, "recreating the public schema of " + db);
}

}  // namespace

Status RefuseOrClear(Statements* st, PgConnection* c, const std::string& db, bool replace) {
  TM_ASSIGN_OR_RETURN(PgResult there,
                      st->Exec(c, kContentsSql, "checking that database " + db + " is empty"));
  if (there.rows() > 0) {
    if (!replace) {
      return Status::AlreadyExists("database " + db + " at " + c->where() + " is not empty (" +
                                   Listed(there) +
                                   "); restore into a new or empty database, or add --force to "
                                   "replace what it holds (in the same transaction)");
    }
    TM_RETURN_IF_ERROR(ClearDatabase(st, c, db));
  }
  TM_ASSIGN_OR_RETURN(PgResult pub,
                      st->Exec(c, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'",
                               "looking for the public schema of " + db));
  if (pub.rows() > 0) return Status::OK();
  return CreatePublicSchema(st, c, db);
}

}  // namespace tidemark::pg
