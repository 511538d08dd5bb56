#include "sources/postgres/pg_restore_target.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "sources/postgres/pg_testlib.h"

namespace tidemark::pg {
namespace {

void Add(SourceSchema* s, std::string type, std::string name, std::string tbl, std::string sql) {
  s->objects.push_back({std::move(type), std::move(name), std::move(tbl), std::move(sql)});
  s->object_namespaces.push_back("public");
}

Column Col(std::string name, std::string type, int pk = 0) {
  Column c;
  c.name = std::move(name);
  c.decl_type = std::move(type);
  c.pk = pk;
  return c;
}

// customers <- orders (FK), a CHECK, a serial column and its sequence, the
// way pg_dump splits them into pre-data and post-data objects.
SourceSchema Shop() {
  SourceSchema s;
  Add(&s, "TABLE", "customers", "customers",
      "CREATE TABLE public.customers (\n    id integer NOT NULL,\n    name text\n);\n"
      "ALTER TABLE public.customers OWNER TO tm_admin;");
  Add(&s, "TABLE", "orders", "orders",
      "CREATE TABLE public.orders (id integer NOT NULL, customer integer, note text,\n"
      "    CONSTRAINT note_short CHECK ((length(note) < 100)));");
  Add(&s, "SEQUENCE", "orders_id_seq", "",
      "CREATE SEQUENCE public.orders_id_seq AS integer START WITH 1 INCREMENT BY 1 CACHE 1;");
  Add(&s, "SEQUENCE OWNED BY", "orders_id_seq", "",
      "ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;");
  Add(&s, "DEFAULT", "orders id", "orders",
      "ALTER TABLE ONLY public.orders ALTER COLUMN id SET DEFAULT "
      "nextval('public.orders_id_seq'::regclass);");
  Add(&s, "CONSTRAINT", "customers customers_pkey", "customers",
      "ALTER TABLE ONLY public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);");
  Add(&s, "CONSTRAINT", "orders orders_pkey", "orders",
      "ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);");
  Add(&s, "FK CONSTRAINT", "orders orders_customer_fkey", "orders",
      "ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer) "
      "REFERENCES public.customers(id);");
  s.settings = {{"postgres.post_data_from", "5"},
                {"postgres.encoding", "UTF8"},
                {"postgres.lc_collate", "C"},
                {"postgres.lc_ctype", "C"},
                {"postgres.extension.plpgsql", "1.0"}};
  TableSchema c;
  c.namespace_name = "public";
  c.name = "customers";
  c.columns = {Col("id", "integer", 1), Col("name", "text")};
  c.key_columns = {0};
  TableSchema o;
  o.namespace_name = "public";
  o.name = "orders";
  o.columns = {Col("id", "integer", 1), Col("customer", "integer"), Col("note", "text")};
  o.key_columns = {0};
  s.tables = {c, o};
  SequenceInfo q;
  q.namespace_name = "public";
  q.name = "orders_id_seq";
  q.type = "integer";
  q.max = 2147483647;
  q.last_value = 7;
  q.is_called = true;
  q.owner_table = "orders";
  q.owner_column = "id";
  s.sequences = {q};
  return s;
}

using Rows = std::vector<std::vector<Value>>;

Rows Customers() {
  return {{Value::Integer(1), Value::Text("Ann")}, {Value::Integer(2), Value::Null()}};
}
Rows Orders() {
  return {{Value::Integer(5), Value::Integer(1), Value::Text("tab\there\nnewline \\ é")},
          {Value::Integer(7), Value::Integer(2), Value::Null()}};
}

class PgRestoreTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = PgTestServer::Shared();
    ASSERT_NE(server_, nullptr);
  }

  // A database name nothing has used yet.
  std::string NewName() {
    static int n = 0;
    return "restored_" + std::to_string(getpid()) + "_" + std::to_string(++n);
  }
  bool Exists(const std::string& db) {
    return !server_->Rows("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + db + "'")
                .empty();
  }
  PgRestoreTargetConfig Config(int fail_at = 0) {
    PgRestoreTargetConfig c;
    c.fail_at_statement = fail_at;
    c.copy_chunk_bytes = 16;  // several COPY chunks per table
    return c;
  }

  // The whole write path of a restore; Publish when `publish`.
  Status Restore(const std::string& db, const SourceSchema& s, const RestoreTargetOptions& o,
                 const PgRestoreTargetConfig& config, bool publish = true,
                 const Rows& customers = Customers(), const Rows& orders = Orders()) {
    TM_ASSIGN_OR_RETURN(auto t, CreatePgRestoreTarget(server_->Location(db), s, o, config));
    for (const TableSchema& table : s.tables) {
      if (!o.tables.empty() && o.tables[0] != table.name) continue;
      TM_RETURN_IF_ERROR(t->BeginTable(table));
      for (const auto& values : table.name == "customers" ? customers : orders) {
        SourceRow row;
        row.key = {values[0]};
        row.record = values;
        TM_RETURN_IF_ERROR(t->Insert(row));
      }
      TM_RETURN_IF_ERROR(t->EndTable());
    }
    TM_RETURN_IF_ERROR(t->Finish());
    if (publish) TM_RETURN_IF_ERROR(t->Publish());
    if (publish) {
      EXPECT_GT(t->bytes(), 0u);
    }
    return Status::OK();
  }

  void ExpectShop(const std::string& db) {
    EXPECT_EQ(server_->Rows(db, "SELECT * FROM customers ORDER BY id"),
              (std::vector<std::string>{"1|Ann", "2|\\N"}));
    EXPECT_EQ(server_->Rows(db, "SELECT id, customer, note FROM orders ORDER BY id"),
              (std::vector<std::string>{"5|1|tab\there\nnewline \\ é", "7|2|\\N"}));
    EXPECT_EQ(server_->Rows(db, "SELECT nextval('orders_id_seq')"), std::vector<std::string>{"8"});
    EXPECT_EQ(server_->Rows(db,
                            "SELECT conname FROM pg_constraint WHERE contype IN ('p','f') "
                            "AND connamespace = 'public'::regnamespace ORDER BY 1"),
              (std::vector<std::string>{"customers_pkey", "orders_customer_fkey", "orders_pkey"}));
  }
  // The snapshot's locale, and no "restore in progress" comment.
  void ExpectCreated(const std::string& db) {
    EXPECT_EQ(server_->Rows(db,
                            "SELECT datcollate, datctype, coalesce(description, '-') "
                            "FROM pg_database d LEFT JOIN pg_shdescription s ON s.objoid = "
                            "d.oid WHERE datname = current_database()"),
              std::vector<std::string>{"C|C|-"});
  }

  PgTestServer* server_ = nullptr;
};

TEST_F(PgRestoreTargetTest, CreatesTheDatabaseAndPublishesEverythingAtOnce) {
  const std::string db = NewName();
  Status s = Restore(db, Shop(), {}, Config());
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectShop(db);
  ExpectCreated(db);
}

TEST_F(PgRestoreTargetTest, DestroyedBeforePublishLeavesNoDatabase) {
  const std::string db = NewName();
  Status s = Restore(db, Shop(), {}, Config(), /*publish=*/false);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(Exists(db));
}

TEST_F(PgRestoreTargetTest, NothingIsVisibleBeforePublish) {
  const std::string db = server_->FreshDatabase();
  auto t = CreatePgRestoreTarget(server_->Location(db), Shop(), {}, Config());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE((*t)->Finish().ok());
  EXPECT_EQ(server_->Rows(db,
                          "SELECT count(*) FROM pg_class WHERE relnamespace = "
                          "'public'::regnamespace"),
            std::vector<std::string>{"0"});
  ASSERT_TRUE((*t)->Publish().ok());
  EXPECT_EQ(server_->Rows(db, "SELECT count(*) FROM customers"), std::vector<std::string>{"0"});
}

TEST_F(PgRestoreTargetTest, ANonEmptyDatabaseIsRefusedUnlessReplaced) {
  const std::string db = server_->FreshDatabase();
  ASSERT_TRUE(server_->Exec(db,
                            "CREATE SCHEMA keep; CREATE TABLE public.\"Old\"(x int); "
                            "INSERT INTO public.\"Old\" VALUES (1)"));
  Status s = Restore(db, Shop(), {}, Config());
  ASSERT_EQ(s.code(), Status::Code::kAlreadyExists) << s.ToString();
  EXPECT_NE(s.message().find("schema keep, relation public.\"Old\""), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("--force"), std::string::npos);
  RestoreTargetOptions replace;
  replace.replace = true;
  s = Restore(db, Shop(), replace, Config(), /*publish=*/false);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(server_->Rows(db, "SELECT x FROM \"Old\""), std::vector<std::string>{"1"});
  s = Restore(db, Shop(), replace, Config());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(server_->Rows(db, "SELECT 1 FROM pg_namespace WHERE nspname = 'keep'").empty());
  EXPECT_TRUE(server_->Rows(db, "SELECT 1 FROM pg_class WHERE relname = 'Old'").empty());
  EXPECT_EQ(server_->Rows(db,
                          "SELECT pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace "
                          "WHERE nspname = 'public'"),
            std::vector<std::string>{
                "pg_database_owner|{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}"});
}

TEST_F(PgRestoreTargetTest, MissingRolesAndExtensionsAreNamedBeforeAnythingIsWritten) {
  SourceSchema s = Shop();
  s.objects.push_back({"ROLE", "Ghost Owner", "", "CREATE ROLE \"Ghost Owner\";"});
  s.object_namespaces.push_back("");
  s.objects[1].sql += "\nALTER TABLE public.orders OWNER TO ghost_two;";
  s.settings.push_back({"postgres.extension.nosuchext", "1.0"});
  s.settings.push_back({"postgres.extension.plpgsql", "0.9"});
  const std::string db = NewName();
  Status st = Restore(db, s, {}, Config());
  ASSERT_EQ(st.code(), Status::Code::kUnsupported) << st.ToString();
  for (const char* want : {"role \"Ghost Owner\"", "role \"ghost_two\"", "extension \"nosuchext\"",
                           "extension \"plpgsql\" version 0.9", "nothing was written"}) {
    EXPECT_NE(st.message().find(want), std::string::npos) << want << " in " << st.ToString();
  }
  EXPECT_FALSE(Exists(db));
}

TEST_F(PgRestoreTargetTest, ARowTheTargetRefusesIsCorruptionNamingTheTable) {
  const std::string db = NewName();
  Rows bad = {{Value::Integer(1), Value::Integer(1), Value::Text(std::string(200, 'x'))}};
  Status s = Restore(db, Shop(), {}, Config(), true, Customers(), bad);
  ASSERT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("table public.orders"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("note_short"), std::string::npos) << s.ToString();
  EXPECT_FALSE(Exists(db));
  // Rows that break a post-data constraint (a duplicate key) likewise.
  Rows dup = {{Value::Integer(1), Value::Text("a")}, {Value::Integer(1), Value::Text("b")}};
  s = Restore(db, Shop(), {}, Config(), true, dup, {});
  ASSERT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("table public.customers"), std::string::npos) << s.ToString();
  // A record of the wrong shape is the caller's error.
  Rows shape = {{Value::Integer(1)}};
  s = Restore(db, Shop(), {}, Config(), true, shape, {});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_FALSE(Exists(db));
}

TEST_F(PgRestoreTargetTest, OneTableLeavesOutForeignKeysToOthers) {
  const std::string db = NewName();
  RestoreTargetOptions only;
  only.tables = {"orders"};
  Status s = Restore(db, Shop(), only, Config());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(server_->Rows(db, "SELECT 1 FROM pg_class WHERE relname = 'customers'").empty());
  EXPECT_EQ(server_->Rows(db,
                          "SELECT conname FROM pg_constraint WHERE conrelid = "
                          "'public.orders'::regclass ORDER BY 1"),
            (std::vector<std::string>{"note_short", "orders_pkey"}));
  EXPECT_EQ(server_->Rows(db, "SELECT nextval('orders_id_seq')"), std::vector<std::string>{"8"});
}

TEST_F(PgRestoreTargetTest, AMissingPrivilegeIsNamed) {
  ASSERT_TRUE(server_->Exec("postgres",
                            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                            "'weak') THEN CREATE ROLE weak LOGIN PASSWORD 'weak-pw'; END IF; "
                            "END $$"));
  PgLocation loc = server_->Location(NewName());
  loc.user = "weak";
  PgRestoreTargetConfig config = Config();
  config.auth.password = "weak-pw";
  SourceSchema s = Shop();
  s.objects[0].sql = "CREATE TABLE public.customers (id integer NOT NULL, name text);";
  auto t = CreatePgRestoreTarget(loc, s, {}, config);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kPermissionDenied) << t.status().ToString();
  EXPECT_NE(t.status().message().find("permission denied to create database"), std::string::npos)
      << t.status().ToString();
  EXPECT_EQ(t.status().message().find("weak-pw"), std::string::npos);
  // In a database it may not write into: the privilege is named too.
  const std::string db = server_->FreshDatabase();
  ASSERT_TRUE(server_->Exec(db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC"));
  loc.dbname = db;
  t = CreatePgRestoreTarget(loc, s, {}, config);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kPermissionDenied) << t.status().ToString();
  EXPECT_NE(t.status().message().find("permission denied for schema public"), std::string::npos)
      << t.status().ToString();
}

// Every statement of the write path fails once (SQLite's faultsim habit):
// whatever fails, the target is as it was, no database left behind.
TEST_F(PgRestoreTargetTest, AFailureAtAnyStatementLeavesNothing) {
  int n = 1;
  for (; n < 100; ++n) {
    const std::string db = NewName();
    Status s = Restore(db, Shop(), {}, Config(n));
    if (s.ok()) {
      ExpectShop(db);
      break;
    }
    EXPECT_NE(s.message().find("injected fault at statement " + std::to_string(n)),
              std::string::npos)
        << s.ToString();
    EXPECT_FALSE(Exists(db)) << "after a fault at statement " << n;
  }
  EXPECT_GT(n, 15) << "the write path sends at least that many statements";
  EXPECT_LT(n, 100);
}

TEST_F(PgRestoreTargetTest, AFailureAtAnyStatementOfAReplaceKeepsTheOldContents) {
  const std::string db = server_->FreshDatabase();
  ASSERT_TRUE(server_->Exec(db, "CREATE TABLE old(x int); INSERT INTO old VALUES (42)"));
  RestoreTargetOptions replace;
  replace.replace = true;
  int n = 1;
  for (; n < 100; ++n) {
    Status s = Restore(db, Shop(), replace, Config(n));
    if (s.ok()) break;
    ASSERT_EQ(server_->Rows(db, "SELECT x FROM old"), std::vector<std::string>{"42"})
        << "after a fault at statement " << n << ": " << s.ToString();
  }
  EXPECT_LT(n, 100);
  ExpectShop(db);
}

}  // namespace
}  // namespace tidemark::pg
