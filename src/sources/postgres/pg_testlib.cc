#include "sources/postgres/pg_testlib.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

namespace tidemark::pg {
namespace {

std::string ScriptPath() {
  const char* src = getenv("TIDEMARK_TEST_SOURCE_DIR");
  // Without the variable (a test run by hand): the tree this file is in.
  std::string root = src ? src : __FILE__;
  if (!src) root = root.substr(0, root.rfind("/src/sources/"));
  return root + "/tests/pg/pg_cluster.sh";
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

PgTestServer* PgTestServer::Shared() {
  static PgTestServer* server = [] {
    auto* s = new PgTestServer();
    Status st = s->Start();
    if (!st.ok()) {
      ADD_FAILURE() << "PostgreSQL test server: " << st.ToString();
      delete s;
      return static_cast<PgTestServer*>(nullptr);
    }
    static std::unique_ptr<PgTestServer> owner(s);  // stopped at exit
    return s;
  }();
  if (!server) ADD_FAILURE() << "PostgreSQL test server could not be started (see above)";
  return server;
}

Status PgTestServer::Start() {
  // Under /tmp whatever TMPDIR says: the server runs as the postgres user
  // when the tests run as root, and must reach the folder.
  std::string templ = "/tmp/tidemark-pg-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return Status::IOError("mkdtemp under /tmp");
  dir_ = templ;
  script_ = ScriptPath();
  std::string cmd = "bash '" + script_ + "' start '" + dir_ + "' " + std::to_string(getpid()) +
                    " > '" + dir_ + ".port' 2> '" + dir_ + ".err'";
  int rc = system(cmd.c_str());
  std::string port = ReadFirstLine(dir_ + ".port");
  std::string err = ReadFirstLine(dir_ + ".err");
  unlink((dir_ + ".port").c_str());
  unlink((dir_ + ".err").c_str());
  if (rc != 0 || port.empty()) {
    return Status::IOError(script_ + " start failed (" + err +
                           "): it needs postgresql-15 (scripts/install-deps)");
  }
  port_ = atoi(port.c_str());
  password_ = ReadFirstLine(dir_ + "/admin.password");
  setenv("PGPASSFILE", (dir_ + "/pgpass").c_str(), 1);
  return Status::OK();
}

PgTestServer::~PgTestServer() {
  std::string cmd = "bash '" + script_ + "' stop '" + dir_ + "' >/dev/null 2>&1";
  if (system(cmd.c_str()) != 0) fprintf(stderr, "pg_cluster.sh stop %s failed\n", dir_.c_str());
}

PgLocation PgTestServer::Location(const std::string& db) const {
  PgLocation loc;
  loc.user = "tm_admin";
  loc.host = "127.0.0.1";
  loc.port = std::to_string(port_);
  loc.dbname = db;
  return loc;
}

std::string PgTestServer::UriLocation(const std::string& db) const {
  return "//tm_admin@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PgTestServer::FreshDatabase() {
  static std::mt19937_64 rng{std::random_device{}()};
  char name[32];
  snprintf(name, sizeof name, "t_%016llx", static_cast<unsigned long long>(rng()));
  if (!Exec("postgres", std::string("CREATE DATABASE ") + name)) return "";
  return name;
}

std::unique_ptr<PgConnection> PgTestServer::Connect(const std::string& db) {
  auto c = PgConnection::Open(Location(db), PgAuth{});
  if (!c.ok()) {
    ADD_FAILURE() << c.status().ToString();
    return nullptr;
  }
  return std::move(*c);
}

bool PgTestServer::Exec(const std::string& db, const std::string& sql) {
  auto c = Connect(db);
  if (!c) return false;
  Status s = c->Run(sql, "running a test statement");
  if (!s.ok()) ADD_FAILURE() << s.ToString() << "\n  in: " << sql;
  return s.ok();
}

std::vector<std::string> PgTestServer::Rows(const std::string& db, const std::string& sql) {
  std::vector<std::string> out;
  auto c = Connect(db);
  if (!c) return out;
  auto r = c->Exec(sql, "running a test query");
  if (!r.ok()) {
    ADD_FAILURE() << r.status().ToString() << "\n  in: " << sql;
    return out;
  }
  for (int i = 0; i < r->rows(); ++i) {
    std::string row;
    for (int j = 0; j < r->columns(); ++j) {
      if (j > 0) row += '|';
      row += r->is_null(i, j) ? "\\N" : r->text(i, j);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace tidemark::pg
