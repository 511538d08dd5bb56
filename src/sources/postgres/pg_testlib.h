// The one PostgreSQL test fixture: a throwaway PostgreSQL 15 server
// (tests/pg/pg_cluster.sh: initdb into a folder under /tmp, 127.0.0.1 and a
// free port, fsync off), one per test process, stopped when the process
// exits (or, after a crash, by the script's watcher). Without the server
// binaries Shared() fails the test: there is no skip.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "sources/postgres/pg_connection.h"

namespace tidemark::pg {

class PgTestServer {
 public:
  // Starts the server on first use (ADD_FAILURE and nullptr if it cannot).
  // Sets PGPASSFILE for this process, so that libpq logs in as the admin.
  static PgTestServer* Shared();
  ~PgTestServer();

  int port() const { return port_; }
  const std::string& admin_password() const { return password_; }
  // The admin's location of database `db` on this server.
  PgLocation Location(const std::string& db) const;
  // "//tm_admin@127.0.0.1:PORT/db": the part of a postgres: URI after the scheme.
  std::string UriLocation(const std::string& db) const;
  // A new empty database with a fresh name ("t_<random>"), or "" after an
  // ADD_FAILURE.
  std::string FreshDatabase();
  // An admin connection to `db`; null after an ADD_FAILURE.
  std::unique_ptr<PgConnection> Connect(const std::string& db);
  // Runs `sql` in `db` as the admin; ADD_FAILURE (with the server's
  // message) and false when it fails.
  bool Exec(const std::string& db, const std::string& sql);
  // The rows of `sql` in `db`, each as its columns' text joined by '|'
  // (NULL as "\N").
  std::vector<std::string> Rows(const std::string& db, const std::string& sql);

 private:
  PgTestServer() = default;
  Status Start();

  std::string dir_;
  std::string script_;
  std::string password_;
  int port_ = 0;
};

// A test on a fresh, empty database of the shared server: server_ and db_.
class PgDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = PgTestServer::Shared();
    ASSERT_NE(server_, nullptr);
    db_ = server_->FreshDatabase();
    ASSERT_FALSE(db_.empty());
  }
  PgTestServer* server_ = nullptr;
  std::string db_;
};

}  // namespace tidemark::pg
