#include "sources/postgres/pg_live.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "records/encoding.h"
#include "sources/postgres/pg_reader.h"
#include "sources/postgres/pg_testlib.h"

namespace tidemark::pg {
namespace {

class PgLiveTest : public PgDatabaseTest {
 protected:
  std::unique_ptr<SourceReader> Reader() {
    auto r = OpenPgReader(server_->Location(db_), PgAuth{}, 5000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  std::unique_ptr<LiveLookup> Lookup(SourceReader* reader) {
    auto l = OpenPgLookup(reader);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(*l) : nullptr;
  }
  std::unique_ptr<PgLive> Live(const PgLocation& loc) {
    auto l = PgLive::Open(loc, PgAuth{});
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(*l) : nullptr;
  }
  std::unique_ptr<PgLive> Live() { return Live(server_->Location(db_)); }
  // Every row of `table` as the reader scans it.
  std::vector<SourceRow> Scan(SourceReader* r, const TableSchema& t) {
    std::vector<SourceRow> rows;
    Status s = r->Scan(t, [&](const SourceRow& row) {
      rows.push_back(row);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return rows;
  }
  static std::string Show(const SourceRow& row) {
    std::string line;
    for (const Value& v : row.record) line += (line.empty() ? "" : "|") + ValueToDisplay(v);
    return line;
  }
  const TableSchema& Table(SourceReader* r, const std::string& name) {
    const TableSchema* t = r->schema().FindTable("public", name);
    EXPECT_NE(t, nullptr) << name;
    return t != nullptr ? *t : empty_;
  }
  TableSchema empty_;
};

TEST_F(PgLiveTest, GetFindsEveryScannedRowByItsTypedKey) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE events (at timestamptz, id uuid, mood mood, note text, PRIMARY KEY (at, id));
INSERT INTO events VALUES
  ('2024-05-01 12:30:00.25+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', 'one'),
  ('2024-05-01 12:30:00.25+02', '00000000-0000-0000-0000-000000000001', 'sad', NULL),
  ('-infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', NULL, 'early');
CREATE TABLE by_mood (m mood PRIMARY KEY, n int);
INSERT INTO by_mood VALUES ('sad', 1), ('happy', 3);
CREATE TABLE pts (p point, q int);  -- keyed by its whole row, a text-mapped column
INSERT INTO pts VALUES ('(1,2)', 1), (NULL, 2);
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  auto lookup = Lookup(reader.get());
  ASSERT_NE(lookup, nullptr);
  for (const char* name : {"events", "by_mood", "pts"}) {
    const TableSchema& t = Table(reader.get(), name);
    std::vector<SourceRow> rows = Scan(reader.get(), t);
    ASSERT_FALSE(rows.empty()) << name;
    for (const SourceRow& want : rows) {
      SourceRow got;
      auto found = lookup->Get(t, want.key, &got);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      EXPECT_TRUE(*found) << name << " " << Show(want);
      EXPECT_EQ(Show(got), Show(want));
      EXPECT_EQ(got.key, want.key);
    }
  }
  // A key that is not there.
  const TableSchema& events = Table(reader.get(), "events");
  SourceRow first = Scan(reader.get(), events).front(), got;
  first.key[1] = Value::Text("not a uuid value");  // wrong kind for uuid
  EXPECT_FALSE(lookup->Get(events, first.key, &got).ok());
}

TEST_F(PgLiveTest, TextKeysAreMatchedExactlyWhateverTheCollation) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE tags (name text COLLATE ci PRIMARY KEY, n int);
INSERT INTO tags VALUES ('abc', 1), ('Straße', 2);
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  auto lookup = Lookup(reader.get());
  const TableSchema& t = Table(reader.get(), "tags");
  SourceRow row;
  auto found = lookup->Get(t, {Value::Text("abc")}, &row);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_TRUE(*found);
  EXPECT_EQ(Show(row), "abc|1");
  found = lookup->Get(t, {Value::Text("ABC")}, &row);  // equal under ci, not the key
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
  // ForEachWhere compares as PostgreSQL compares the column: under ci.
  int n = 0;
  Status s = lookup->ForEachWhere(t, {"name"}, {Value::Text("ABC")}, [&](const SourceRow&) {
    ++n;
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(n, 1);
}

TEST_F(PgLiveTest, ForEachWhereFollowsAForeignKey) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE customers (id int PRIMARY KEY, name text);
CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers, total numeric);
INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bo');
INSERT INTO orders VALUES (10, 1, 5.50), (11, 1, 7), (12, 2, 1), (13, NULL, 0);
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  auto lookup = Lookup(reader.get());
  const TableSchema& orders = Table(reader.get(), "orders");
  std::vector<std::string> seen;
  auto collect = [&](const SourceRow& r) {
    seen.push_back(Show(r));
    return Status::OK();
  };
  ASSERT_TRUE(lookup->ForEachWhere(orders, {"customer"}, {Value::Integer(1)}, collect).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"10|1|5.50", "11|1|7"}));
  seen.clear();
  ASSERT_TRUE(lookup->ForEachWhere(orders, {"customer"}, {Value::Null()}, collect).ok());
  EXPECT_TRUE(seen.empty()) << "NULL matches nothing";
  const TableSchema& customers = Table(reader.get(), "customers");
  EXPECT_TRUE(*lookup->AnyWhere(customers, {"id"}, {Value::Integer(2)}));
  EXPECT_FALSE(*lookup->AnyWhere(customers, {"id"}, {Value::Integer(3)}));
  EXPECT_FALSE(*lookup->AnyWhere(customers, {"id"}, {Value::Null()}));
}

TEST_F(PgLiveTest, DefaultsAreEvaluatedByTheColumnsType) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE SEQUENCE s START 41;
CREATE TABLE d (id int PRIMARY KEY, c int DEFAULT 7, at timestamptz DEFAULT now(),
  label varchar(10) DEFAULT 'x' || 'y', n bigint DEFAULT nextval('s'), none text);
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  auto lookup = Lookup(reader.get());
  const TableSchema& t = Table(reader.get(), "d");
  auto value = [&](LiveLookup* l, int col) {
    auto v = l->DefaultValue(t, col);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : Value::Null();
  };
  EXPECT_EQ(ValueToDisplay(value(lookup.get(), 1)), "7");
  EXPECT_EQ(value(lookup.get(), 2).type(), ValueType::kTimestampTz);
  EXPECT_EQ(ValueToDisplay(value(lookup.get(), 3)), "xy");
  EXPECT_TRUE(value(lookup.get(), 5).is_null());
  // nextval writes: not while planning (and the view goes on working) ...
  auto seq = lookup->DefaultValue(t, 4);
  EXPECT_EQ(seq.status().code(), Status::Code::kUnsupported) << seq.status().ToString();
  EXPECT_NE(seq.status().message().find("nextval"), std::string::npos);
  EXPECT_EQ(ValueToDisplay(value(lookup.get(), 1)), "7");
  // ... but inside the write transaction.
  auto live = Live();
  ASSERT_NE(live, nullptr);
  int64_t waited = 0;
  ASSERT_TRUE(live->BeginWrite(1000, &waited).ok());
  EXPECT_EQ(ValueToDisplay(value(live->lookup(), 4)), "41");
  EXPECT_EQ(ValueToDisplay(value(live->lookup(), 4)), "42");
  ASSERT_TRUE(live->Rollback().ok());
}

TEST_F(PgLiveTest, WritesRoundTripAndRollbackLeavesNothing) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz,
  tags text[], doc jsonb, twice int GENERATED ALWAYS AS (id * 2) STORED);
INSERT INTO t (at, tags, doc) VALUES ('2024-01-01 00:00:00+00', '{a,b}', '{"k": 1}'),
  (NULL, NULL, NULL);
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  const TableSchema& t = Table(reader.get(), "t");
  std::vector<SourceRow> rows = Scan(reader.get(), t);
  ASSERT_EQ(rows.size(), 2u);
  const std::vector<std::string> before = server_->Rows(db_, "SELECT * FROM t ORDER BY id");
  for (bool commit : {false, true}) {
    auto live = Live();
    ASSERT_NE(live, nullptr);
    EXPECT_TRUE(live->capabilities().atomic_transaction);
    int64_t waited = -1;
    ASSERT_TRUE(live->BeginWrite(1000, &waited).ok());
    EXPECT_GE(waited, 0);
    SourceRow now;
    ASSERT_TRUE(*live->lookup()->Get(t, rows[0].key, &now));
    ASSERT_TRUE(live->Delete(t, now).ok());
    SourceRow moved = rows[0];  // re-created with its identity value, as a restore would
    moved.key[0] = moved.record[0] = Value::Integer(7);
    Status s = live->Insert(t, moved);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(*live->lookup()->Get(t, rows[1].key, &now));
    SourceRow changed = rows[0];
    changed.key = rows[1].key;
    changed.record[0] = rows[1].record[0];
    s = live->Update(t, now, changed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(*live->lookup()->Get(t, changed.key, &now));
    EXPECT_EQ(Show(now), Show(changed));
    ASSERT_TRUE((commit ? live->Commit() : live->Rollback()).ok());
    if (!commit) {
      EXPECT_EQ(server_->Rows(db_, "SELECT * FROM t ORDER BY id"), before);
    }
  }
  EXPECT_EQ(server_->Rows(db_, "SELECT id, at, tags, doc, twice FROM t ORDER BY id"),
            (std::vector<std::string>{"2|2024-01-01 00:00:00+00|{a,b}|{\"k\": 1}|4",
                                      "7|2024-01-01 00:00:00+00|{a,b}|{\"k\": 1}|14"}));
}

TEST_F(PgLiveTest, AConstraintFailureIsRefusedAndTheTransactionGoesOn) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0), code varchar(3) UNIQUE);
INSERT INTO t VALUES (1, 1, 'a');
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  const TableSchema& t = Table(reader.get(), "t");
  auto live = Live();
  ASSERT_NE(live, nullptr);
  int64_t waited = 0;
  ASSERT_TRUE(live->BeginWrite(1000, &waited).ok());
  auto row = [](int id, int n, const char* code) {
    return SourceRow{{Value::Integer(id)},
                     {Value::Integer(id), Value::Integer(n), Value::Text(code)}};
  };
  Status s = live->Insert(t, row(1, 2, "b"));  // duplicate key
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("duplicate key"), std::string::npos) << s.ToString();
  s = live->Insert(t, row(2, -1, "c"));  // CHECK
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  s = live->Insert(t, row(3, 1, "toolong"));  // varchar(3)
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  s = live->Insert(t, row(4, 1, "d"));
  EXPECT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(live->Commit().ok());
  EXPECT_EQ(server_->Rows(db_, "SELECT * FROM t ORDER BY id"),
            (std::vector<std::string>{"1|1|a", "4|1|d"}));
}

TEST_F(PgLiveTest, ALockHeldPastTheWaitIsRefused) {
  ASSERT_TRUE(server_->Exec(db_,
                            "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE p (id int) "
                            "PARTITION BY RANGE (id); CREATE TABLE p1 PARTITION OF p FOR "
                            "VALUES FROM (0) TO (10)"));
  auto holder = server_->Connect(db_);
  ASSERT_NE(holder, nullptr);
  ASSERT_TRUE(holder->Run("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "holding").ok());
  auto live = Live();
  ASSERT_NE(live, nullptr);
  int64_t waited = 0;
  Status s = live->BeginWrite(150, &waited);
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("150 ms"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("--lock-timeout"), std::string::npos) << s.ToString();
  EXPECT_GE(waited, 150000);
  ASSERT_TRUE(holder->Run("COMMIT", "releasing").ok());
  ASSERT_TRUE(live->BeginWrite(150, &waited).ok()) << "usable again once the lock is gone";
  ASSERT_TRUE(live->Rollback().ok());
}

TEST_F(PgLiveTest, SuspendedTriggersDoNotFire) {
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
CREATE TABLE t (id int PRIMARY KEY);
CREATE TABLE audit (what text);
CREATE FUNCTION log_it() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO audit VALUES ('insert ' || NEW.id); RETURN NEW; END $$;
CREATE TRIGGER t_log AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION log_it();
)SQL"));
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  const TableSchema& t = Table(reader.get(), "t");
  auto live = Live();
  ASSERT_NE(live, nullptr);
  ASSERT_TRUE(live->capabilities().suspendable_triggers) << "the admin is a superuser";
  int64_t waited = 0;
  size_t count = 0;
  ASSERT_TRUE(live->BeginWrite(1000, &waited).ok());
  ASSERT_TRUE(live->SuspendTriggers({"t", "audit"}, &count).ok());
  EXPECT_EQ(count, 1u);
  ASSERT_TRUE(live->Insert(t, {{Value::Integer(1)}, {Value::Integer(1)}}).ok());
  ASSERT_TRUE(live->RestoreTriggers().ok());
  ASSERT_TRUE(live->Commit().ok());
  EXPECT_TRUE(server_->Rows(db_, "SELECT * FROM audit").empty());
  // Not suspended: it fires.
  ASSERT_TRUE(live->BeginWrite(1000, &waited).ok());
  ASSERT_TRUE(live->Insert(t, {{Value::Integer(2)}, {Value::Integer(2)}}).ok());
  ASSERT_TRUE(live->Commit().ok());
  EXPECT_EQ(server_->Rows(db_, "SELECT * FROM audit"), std::vector<std::string>{"insert 2"});
}

TEST_F(PgLiveTest, WithoutTheRightsTriggersAreNotSuspendableAndCascadesAreRefused) {
  // A role that owns its tables but is no superuser (its password: the
  // admin's, added to the test's password file).
  const std::string pw = server_->admin_password();
  ASSERT_TRUE(server_->Exec(db_,
                            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname "
                            "= 'tm_app') THEN CREATE ROLE tm_app LOGIN PASSWORD '" +
                                pw +
                                "'; END IF; END $$; GRANT ALL ON SCHEMA public TO "
                                "tm_app; GRANT CREATE ON DATABASE " +
                                db_ + " TO tm_app"));
  {
    std::ofstream pass(std::getenv("PGPASSFILE"), std::ios::app);
    pass << "127.0.0.1:" << server_->port() << ":*:tm_app:" << pw << "\n";
  }
  ASSERT_TRUE(server_->Exec(db_, R"SQL(
SET ROLE tm_app;
CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers ON DELETE CASCADE);
INSERT INTO customers VALUES (1), (2);
INSERT INTO orders VALUES (10, 1);
)SQL"));
  PgLocation loc = server_->Location(db_);
  loc.user = "tm_app";
  auto live = Live(loc);
  ASSERT_NE(live, nullptr);
  EXPECT_FALSE(live->capabilities().suspendable_triggers);
  auto reader = Reader();
  ASSERT_NE(reader, nullptr);
  const TableSchema& customers = Table(reader.get(), "customers");
  int64_t waited = 0;
  ASSERT_TRUE(live->BeginWrite(1000, &waited).ok());
  SourceRow now;
  ASSERT_TRUE(*live->lookup()->Get(customers, {Value::Integer(1)}, &now));
  Status s = live->Delete(customers, now);  // would cascade to order 10
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("orders"), std::string::npos) << s.ToString();
  SourceRow moved = now;  // foreign keys stay on: NO ACTION on update is the server's check
  moved.key[0] = moved.record[0] = Value::Integer(5);
  s = live->Update(customers, now, moved);
  EXPECT_TRUE(s.IsRefused()) << s.ToString();
  EXPECT_NE(s.message().find("foreign key"), std::string::npos) << s.ToString();
  ASSERT_TRUE(*live->lookup()->Get(customers, {Value::Integer(2)}, &now));
  s = live->Delete(customers, now);  // no orders: fine
  EXPECT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(live->Commit().ok());
  EXPECT_EQ(server_->Rows(db_, "SELECT * FROM customers"), std::vector<std::string>{"1"});
  EXPECT_EQ(server_->Rows(db_, "SELECT * FROM orders"), std::vector<std::string>{"10|1"});
}

}  // namespace
}  // namespace tidemark::pg
