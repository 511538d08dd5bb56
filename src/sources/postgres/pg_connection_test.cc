#include "sources/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include "sources/postgres/pg_testlib.h"

namespace tidemark::pg {
namespace {

using PgConnectionTest = PgDatabaseTest;

TEST_F(PgConnectionTest, QueriesWithAndWithoutParameters) {
  auto c = server_->Connect(db_);
  ASSERT_NE(c, nullptr);
  EXPECT_GE(c->server_version(), 150000);
  auto r = c->Exec("SELECT 1 AS one, NULL::text AS nothing", "a test");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows(), 1);
  EXPECT_EQ(r->text(0, r->column("one")), "1");
  EXPECT_TRUE(r->is_null(0, r->column("nothing")));
  EXPECT_EQ(r->column("absent"), -1);
  auto p = c->ExecParams("SELECT $1::text || '!', $2::int IS NULL", {"hi", std::nullopt}, "a test");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->text(0, 0), "hi!");
  EXPECT_EQ(p->text(0, 1), "t");
}

TEST_F(PgConnectionTest, QuotesIdentifiersAndLiterals) {
  auto c = server_->Connect(db_);
  ASSERT_NE(c, nullptr);
  std::string table = "Mixed \"Case\" ü";
  ASSERT_TRUE(c->Run("CREATE TABLE " + c->QuoteIdent(table) + " (v text)", "a test").ok());
  ASSERT_TRUE(c->Run("INSERT INTO " + c->QuoteIdent(table) + " VALUES (" +
                         c->QuoteLiteral("it's \\ fine") + ")",
                     "a test")
                  .ok());
  EXPECT_EQ(server_->Rows(db_, "SELECT v FROM " + c->QuoteIdent(table)),
            std::vector<std::string>{"it's \\ fine"});
}

TEST_F(PgConnectionTest, CopiesOutAndIn) {
  auto c = server_->Connect(db_);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Run("CREATE TABLE t (id int PRIMARY KEY, v text)", "a test").ok());
  int next = 0;
  Status in = c->CopyIn("COPY t FROM STDIN", "loading", [&](std::string* buf) -> Result<bool> {
    for (int i = 0; i < 1000 && next < 5000; ++i, ++next) {
      *buf += std::to_string(next) + "\tv" + std::to_string(next) + "\n";
    }
    return next < 5000;
  });
  ASSERT_TRUE(in.ok()) << in.ToString();
  std::vector<std::string> rows;
  Status out = c->CopyOut("COPY (SELECT * FROM t ORDER BY id) TO STDOUT", "reading",
                          [&](std::string_view row) {
                            rows.emplace_back(row);
                            return Status::OK();
                          });
  ASSERT_TRUE(out.ok()) << out.ToString();
  ASSERT_EQ(rows.size(), 5000u);
  EXPECT_EQ(rows[4999], "4999\tv4999\n");
}

TEST_F(PgConnectionTest, StoppingACopyKeepsTheConnectionUsable) {
  auto c = server_->Connect(db_);
  ASSERT_NE(c, nullptr);
  int seen = 0;
  Status out = c->CopyOut("COPY (SELECT g FROM generate_series(1, 200000) g) TO STDOUT", "reading",
                          [&](std::string_view) {
                            return ++seen == 10 ? Status::Corruption("stop here") : Status::OK();
                          });
  EXPECT_TRUE(out.IsCorruption()) << out.ToString();
  EXPECT_EQ(seen, 10);
  auto r = c->Exec("SELECT 2", "after the stopped copy");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text(0, 0), "2");
  // A failed fill aborts a COPY FROM: nothing is loaded.
  ASSERT_TRUE(c->Run("CREATE TABLE t (id int)", "a test").ok());
  int calls = 0;
  Status in = c->CopyIn("COPY t FROM STDIN", "loading", [&](std::string* buf) -> Result<bool> {
    if (++calls == 3) return Status::IOError("the snapshot could not be read");
    *buf = "1\n2\n";
    return true;
  });
  EXPECT_TRUE(in.code() == Status::Code::kIOError) << in.ToString();
  EXPECT_EQ(server_->Rows(db_, "SELECT count(*) FROM t"), std::vector<std::string>{"0"});
}

TEST_F(PgConnectionTest, ServerErrorsMapToStatusCodes) {
  auto c = server_->Connect(db_);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->Exec("SELECT * FROM missing_table", "reading").status().IsNotFound());
  EXPECT_TRUE(c->Exec("SELECT 1/0", "reading").status().IsInvalidArgument());
  ASSERT_TRUE(c->Run("CREATE TABLE locked (id int)", "a test").ok());
  ASSERT_TRUE(c->Run("CREATE ROLE reader LOGIN", "a test").ok());
  // Missing privilege: the message names what was refused.
  Status denied = c->Run("SET ROLE reader; SELECT * FROM locked", "reading");
  EXPECT_TRUE(denied.IsPermissionDenied()) << denied.ToString();
  EXPECT_NE(denied.message().find("locked"), std::string::npos) << denied.ToString();
  ASSERT_TRUE(c->Run("RESET ROLE", "a test").ok());
  // A lock held past lock_timeout is a conflict (exit 4).
  auto holder = server_->Connect(db_);
  ASSERT_NE(holder, nullptr);
  ASSERT_TRUE(holder->Run("BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE", "a test").ok());
  Status waited = c->Run("SET lock_timeout = '50ms'; SELECT * FROM locked", "reading");
  EXPECT_TRUE(waited.IsRefused()) << waited.ToString();
  EXPECT_NE(waited.message().find("55P03"), std::string::npos) << waited.ToString();
  ASSERT_TRUE(holder->Run("ROLLBACK", "a test").ok());
}

TEST_F(PgConnectionTest, LoginFailuresSayWhatToDo) {
  auto wrong = PgConnection::Open(server_->Location(db_), PgAuth{"not-the-password"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(wrong.status().IsPermissionDenied()) << wrong.status().ToString();
  EXPECT_EQ(wrong.status().message().find("not-the-password"), std::string::npos);
  EXPECT_EQ(wrong.status().message().find(server_->admin_password()), std::string::npos);

  auto nodb = PgConnection::Open(server_->Location("no_such_db"), PgAuth{});
  ASSERT_FALSE(nodb.ok());
  EXPECT_TRUE(nodb.status().IsNotFound()) << nodb.status().ToString();

  PgLocation closed = server_->Location(db_);
  closed.port = "1";  // nothing listens there
  auto down = PgConnection::Open(closed, PgAuth{});
  ASSERT_FALSE(down.ok());
  EXPECT_TRUE(down.status().code() == Status::Code::kIOError) << down.status().ToString();
  EXPECT_NE(down.status().message().find("postgres://tm_admin@127.0.0.1:1/"), std::string::npos)
      << down.status().ToString();
}

TEST_F(PgConnectionTest, WritesNeedAPrimary) {
  auto w = PgConnection::Open(server_->Location(db_), PgAuth{}, Access::kWrite);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
}

}  // namespace
}  // namespace tidemark::pg
