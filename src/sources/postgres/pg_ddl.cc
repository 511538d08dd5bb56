// pg_dump in the backup's snapshot, split into objects; the roles from the
// catalog.

#include "sources/postgres/pg_ddl.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

extern char** environ;

namespace tidemark::pg {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Splits "N; Type: T; Schema: S; Owner: O[; Tablespace: X]" from the right,
// so that only the name may hold the separators.
bool ParseHeader(std::string_view line, DumpEntry* e) {
  constexpr std::string_view kName = "-- Name: ";
  if (!StartsWith(line, kName)) return false;
  line.remove_prefix(kName.size());
  auto cut = [&](std::string_view field, std::string* out, bool required) {
    const size_t at = line.rfind(field);
    if (at == std::string_view::npos) return !required;
    *out = std::string(line.substr(at + field.size()));
    line = line.substr(0, at);
    return true;
  };
  std::string tablespace;
  cut("; Tablespace: ", &tablespace, false);
  if (!cut("; Owner: ", &e->owner, false)) return false;
  if (!cut("; Schema: ", &e->schema, true) || !cut("; Type: ", &e->type, true)) return false;
  e->name = std::string(line);
  if (e->schema == "-") e->schema.clear();
  if (e->owner == "-") e->owner.clear();
  return true;
}

// A line pg_dump writes around entries that replaying does not need.
bool Dropped(std::string_view line) {
  return StartsWith(line, "\\restrict ") || StartsWith(line, "\\unrestrict ") ||
         line == "SET default_tablespace = '';" ||
         line == "SET default_table_access_method = heap;";
}

std::string TrimLines(std::string s) {
  size_t b = s.find_first_not_of('\n');
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of('\n');
  return s.substr(b, e - b + 1);
}

// The longest table of `ns` that `text` starts with, followed by `sep` (or
// the end); "" when none.
std::string TablePrefix(std::string_view text, std::string_view sep, const std::string& ns,
                        const CatalogSchema& cat) {
  std::string best;
  for (const TableSchema& t : cat.schema.tables) {
    if (t.namespace_name != ns || t.name.size() <= best.size() || !StartsWith(text, t.name)) {
      continue;
    }
    std::string_view rest = text.substr(t.name.size());
    if (rest.empty() || StartsWith(rest, sep)) best = t.name;
  }
  return best;
}

// The identifier at the start of `s`: "a ""b""" unquoted, or up to a '.'.
std::string FirstIdent(std::string_view s) {
  std::string out;
  if (s.empty() || s[0] != '"') return std::string(s.substr(0, s.find('.')));
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '"') {
      if (i + 1 < s.size() && s[i + 1] == '"') {
        out += '"';
        ++i;
        continue;
      }
      break;
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::vector<DumpEntry> SplitDump(std::string_view text) {
  std::vector<DumpEntry> out;
  std::string body;
  bool in_entry = false;
  auto finish = [&] {
    if (in_entry) out.back().sql = TrimLines(std::move(body));
    body.clear();
  };
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    DumpEntry e;
    // A header is "--", "-- Name: ...", "--".
    if (lines[i] == "--" && i + 2 < lines.size() && lines[i + 2] == "--" &&
        ParseHeader(lines[i + 1], &e)) {
      finish();
      out.push_back(std::move(e));
      in_entry = true;
      i += 2;
      continue;
    }
    if (lines[i] == "-- PostgreSQL database dump complete") {
      if (!body.empty() && body.size() >= 3 && body.compare(body.size() - 3, 3, "--\n") == 0) {
        body.resize(body.size() - 3);
      }
      finish();
      in_entry = false;
      continue;
    }
    if (in_entry && !Dropped(lines[i])) {
      body += lines[i];
      body += '\n';
    }
  }
  finish();
  return out;
}

std::string EntryTable(const DumpEntry& e, const CatalogSchema& cat) {
  const std::string& t = e.type;
  if (t == "TABLE" || t == "FOREIGN TABLE" || t == "ROW SECURITY" || t == "TABLE ATTACH") {
    return TablePrefix(e.name, "", e.schema, cat);
  }
  if (t == "INDEX" || t == "INDEX ATTACH") {
    auto it = cat.index_table.find({e.schema, e.name});
    return it == cat.index_table.end() ? "" : it->second;
  }
  if (t == "CONSTRAINT" || t == "FK CONSTRAINT" || t == "TRIGGER" || t == "POLICY" || t == "RULE" ||
      t == "DEFAULT" || t == "CHECK CONSTRAINT") {
    return TablePrefix(e.name, " ", e.schema, cat);  // "table name"
  }
  if (t == "SEQUENCE" || t == "SEQUENCE OWNED BY") {
    const SequenceInfo* s = cat.schema.FindSequence(e.schema, e.name);
    return s == nullptr ? "" : s->owner_table;
  }
  if (t == "COMMENT" || t == "ACL" || t == "SECURITY LABEL") {
    // "TABLE t", "COLUMN t.c", "CONSTRAINT c ON t", "TRIGGER g ON t", ...,
    // with the names quoted where SQL needs it.
    std::string_view n = e.name;
    std::string table;
    if (StartsWith(n, "TABLE ")) table = FirstIdent(n.substr(6));
    if (StartsWith(n, "FOREIGN TABLE ")) table = FirstIdent(n.substr(14));
    if (StartsWith(n, "COLUMN ")) table = FirstIdent(n.substr(7));
    if (StartsWith(n, "INDEX ")) {
      auto it = cat.index_table.find({e.schema, FirstIdent(n.substr(6))});
      return it == cat.index_table.end() ? "" : it->second;
    }
    for (std::string_view kind : {"CONSTRAINT ", "TRIGGER ", "POLICY ", "RULE "}) {
      const size_t on = n.rfind(" ON ");
      if (StartsWith(n, kind) && on != std::string_view::npos) table = FirstIdent(n.substr(on + 4));
    }
    if (!table.empty() && cat.schema.FindTable(e.schema, table) != nullptr) return table;
  }
  return "";
}

namespace {

// Where pg_dump is.
std::string PgDumpPath() {
  const char* p = std::getenv("TIDEMARK_PG_DUMP");
  return p != nullptr && *p != '\0' ? p : "pg_dump";
}

// A libpq connection string of `loc` without a password, for --dbname.
std::string ConnInfo(const PgLocation& loc) {
  std::string out;
  for (const auto& [k, v] : loc.Keywords()) {
    std::string q;
    for (char c : v) {
      if (c == '\'' || c == '\\') q += '\\';
      q += c;
    }
    out += (out.empty() ? "" : " ") + k + "='" + q + "'";
  }
  return out;
}

struct Child {
  int status = 0;
  std::string out, err;
};

// Runs argv with `env_extra` added to the environment, collecting stdout and
// stderr. IOError when it cannot be started.
Status RunChild(const std::vector<std::string>& argv, const std::vector<std::string>& env_extra,
                Child* child) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0)
    return Status::IOError("pipe: " + std::string(strerror(errno)));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Status::IOError("pipe: " + std::string(strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> args, envs;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (char** e = environ; *e != nullptr; ++e) envs.push_back(*e);
  for (const std::string& e : env_extra) envs.push_back(const_cast<char*>(e.c_str()));
  envs.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envs.data());
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    if (rc == ENOENT) {
      return Status::NotFound(argv[0] +
                              " not found: install PostgreSQL's client programs (postgresql-client)"
                              " or set TIDEMARK_PG_DUMP to pg_dump's path");
    }
    return Status::IOError("cannot run " + argv[0] + ": " + strerror(rc));
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* dst[2] = {&child->out, &child->err};
  for (int open_fds = 2; open_fds > 0;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        dst[i]->append(buf, size_t(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  while (waitpid(pid, &child->status, 0) < 0 && errno == EINTR) {
  }
  return Status::OK();
}

std::string FirstErrorLine(const std::string& err) {
  size_t at = err.find("error:");
  std::string line = err.substr(at == std::string::npos ? 0 : at);
  return line.substr(0, line.find('\n'));
}

// pg_dump's major version must be >= the server's.
Status CheckVersion(const std::string& pg_dump, int server_version) {
  Child c;
  TM_RETURN_IF_ERROR(RunChild({pg_dump, "--version"}, {}, &c));
  // "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
  const size_t at = c.out.find(") ");
  const int major = at == std::string::npos ? 0 : std::atoi(c.out.c_str() + at + 2);
  const int server_major = server_version / 10000;
  if (major < server_major) {
    return Status::Unsupported(pg_dump + " is version " + std::to_string(major) +
                               " but the server is version " + std::to_string(server_major) +
                               ": install pg_dump " + std::to_string(server_major) +
                               " or newer and set TIDEMARK_PG_DUMP to its path");
  }
  return Status::OK();
}

Result<std::vector<DumpEntry>> DumpSection(const DumpRun& run, const std::string& pg_dump,
                                           const char* section) {
  std::vector<std::string> env;
  if (run.auth.password) env.push_back("PGPASSWORD=" + *run.auth.password);
  Child c;
  TM_RETURN_IF_ERROR(RunChild(
      {pg_dump, "--no-password", std::string("--section=") + section, "--snapshot=" + run.snapshot,
       "--lock-wait-timeout=" + std::to_string(run.lock_wait_ms),
       "--dbname=" + ConnInfo(run.location)},
      env, &c));
  if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
    const std::string msg = "reading the schema objects of " + run.location.Uri() + " with " +
                            pg_dump + " failed: " + FirstErrorLine(c.err);
    if (c.err.find("permission denied") != std::string::npos) {
      return Status::PermissionDenied(msg);
    }
    if (c.err.find("could not obtain lock") != std::string::npos) {
      return Status::Refused(msg + "; try again, or raise --lock-timeout");
    }
    return Status::IOError(msg);
  }
  return SplitDump(c.out);
}

}  // namespace

Status ReadDumpObjects(const DumpRun& run, const CatalogSchema& cat, SourceSchema* out) {
  const std::string pg_dump = PgDumpPath();
  TM_RETURN_IF_ERROR(CheckVersion(pg_dump, run.server_version));
  TM_ASSIGN_OR_RETURN(std::vector<DumpEntry> pre, DumpSection(run, pg_dump, "pre-data"));
  TM_ASSIGN_OR_RETURN(std::vector<DumpEntry> post, DumpSection(run, pg_dump, "post-data"));
  out->object_namespaces.resize(out->objects.size());
  auto add = [&](DumpEntry& e) {
    SchemaObject o{e.type, e.name, EntryTable(e, cat), std::move(e.sql)};
    if (e.type == "TABLE" || e.type == "FOREIGN TABLE") {
      for (TableSchema& t : out->tables) {
        if (t.namespace_name == e.schema && t.name == e.name) t.sql = o.sql;
      }
    }
    out->objects.push_back(std::move(o));
    out->object_namespaces.push_back(e.schema);
  };
  for (DumpEntry& e : pre) add(e);
  out->settings.emplace_back("postgres.post_data_from", std::to_string(out->objects.size()));
  for (DumpEntry& e : post) add(e);
  return Status::OK();
}

namespace {

// Every role that owns or is granted something in this database, and the
// roles those are members of; predefined roles (pg_*) are only granted.
constexpr char kRolesSql[] = R"SQL(
WITH RECURSIVE used(oid) AS (
  SELECT datdba FROM pg_database WHERE datname = current_database()
  UNION SELECT (aclexplode(datacl)).grantee FROM pg_database
    WHERE datname = current_database() AND datacl IS NOT NULL
  UNION SELECT nspowner FROM pg_namespace
    WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
  UNION SELECT (aclexplode(nspacl)).grantee FROM pg_namespace
    WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' AND nspacl IS NOT NULL
  UNION SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION SELECT (aclexplode(c.relacl)).grantee FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND c.relacl IS NOT NULL
  UNION SELECT (aclexplode(a.attacl)).grantee FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND a.attacl IS NOT NULL
  UNION SELECT p.proowner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION SELECT (aclexplode(p.proacl)).grantee FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND p.proacl IS NOT NULL
  UNION SELECT t.typowner FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION SELECT (aclexplode(t.typacl)).grantee FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND t.typacl IS NOT NULL
  UNION SELECT unnest(polroles) FROM pg_policy
  UNION SELECT defaclrole FROM pg_default_acl
  UNION SELECT (aclexplode(defaclacl)).grantee FROM pg_default_acl
  UNION SELECT extowner FROM pg_extension
), closure(oid) AS (
  SELECT oid FROM used WHERE oid <> 0
  UNION SELECT m.roleid FROM pg_auth_members m JOIN closure c ON c.oid = m.member
)
SELECT r.rolname, r.rolname ~ '^pg_', r.rolsuper, r.rolinherit, r.rolcreaterole,
  r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls, r.rolconnlimit,
  coalesce(r.rolvaliduntil::text, ''),
  coalesce((SELECT string_agg(quote_ident(g.rolname) || E'\t' || m.admin_option::text, E'\n'
    ORDER BY g.rolname COLLATE "C")
    FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), ''),
  quote_ident(r.rolname)
FROM pg_roles r JOIN closure c ON c.oid = r.oid
ORDER BY r.rolname COLLATE "C")SQL";

// The statements that recreate role `i` of kRolesSql's result: CREATE ROLE
// and its attributes (not for a predefined role), then its memberships.
std::string RoleSql(PgConnection& conn, const PgResult& r, int i) {
  const std::string name = r.text(i, 12);  // quoted only where SQL needs it, as pg_dump does
  std::string sql;
  if (r.value(i, 1) != "t") {
    auto flag = [&](int col, const char* yes) {
      return std::string(" ") + (r.value(i, col) == "t" ? "" : "NO") + yes;
    };
    sql = "CREATE ROLE " + name + ";\nALTER ROLE " + name + " WITH" + flag(2, "SUPERUSER") +
          flag(3, "INHERIT") + flag(4, "CREATEROLE") + flag(5, "CREATEDB") + flag(6, "LOGIN") +
          flag(7, "REPLICATION") + flag(8, "BYPASSRLS");
    if (r.value(i, 9) != "-1") sql += " CONNECTION LIMIT " + r.text(i, 9);
    if (!r.is_null(i, 10) && !r.value(i, 10).empty()) {
      sql += " VALID UNTIL " + conn.QuoteLiteral(r.value(i, 10));
    }
    sql += ";";
  }
  std::string_view groups = r.value(i, 11);
  for (size_t pos = 0; pos < groups.size();) {
    size_t nl = groups.find('\n', pos);
    if (nl == std::string_view::npos) nl = groups.size();
    const std::string_view g = groups.substr(pos, nl - pos);
    const size_t tab = g.rfind('\t');
    sql += std::string(sql.empty() ? "" : "\n") + "GRANT " + std::string(g.substr(0, tab)) +
           " TO " + name + (g.substr(tab + 1) == "true" ? " WITH ADMIN OPTION" : "") + ";";
    pos = nl + 1;
  }
  return sql;
}

}  // namespace

Result<std::vector<SchemaObject>> ReadRoles(PgConnection& conn) {
  TM_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kRolesSql, "reading the roles"));
  std::vector<SchemaObject> out;
  for (int i = 0; i < r.rows(); ++i) {
    std::string sql = RoleSql(conn, r, i);
    if (sql.empty()) continue;  // a predefined role that is a member of nothing
    out.push_back(SchemaObject{"ROLE", r.text(i, 0), "", std::move(sql)});
  }
  return out;
}

}  // namespace tidemark::pg
