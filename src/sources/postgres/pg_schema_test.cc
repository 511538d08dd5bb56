#include "sources/postgres/pg_schema.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sources/postgres/pg_ddl.h"
#include "sources/postgres/pg_testlib.h"

namespace tidemark::pg {
namespace {

// A schema with many object kinds: quoted, mixed-case and Unicode names,
// partitions, identity, sequences, FK actions, DEFERRABLE, partial /
// expression / GIN indexes, views, a matview, a function, a trigger, RLS, a
// policy, grants, comments, enum / domain / composite types, extensions.
constexpr char kSchema[] = R"SQL(
CREATE EXTENSION citext;
CREATE EXTENSION pgcrypto;
CREATE SCHEMA "Sales Ünï";
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.posint AS integer CHECK (VALUE > 0);
CREATE TYPE public.addr AS (street text, zip text);
CREATE TABLE public.accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner citext NOT NULL,
  balance numeric(12,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
  m public.mood,
  twice numeric GENERATED ALWAYS AS (balance * 2) STORED,
  secret bytea DEFAULT gen_random_bytes(4));
CREATE TABLE "Sales Ünï"."Orders" (
  order_id serial PRIMARY KEY,
  account_id bigint REFERENCES public.accounts (id) ON DELETE CASCADE ON UPDATE SET NULL
    DEFERRABLE INITIALLY DEFERRED,
  "Qty" public.posint,
  note text COLLATE "C",
  tags text[],
  doc jsonb,
  a public.addr);
CREATE INDEX orders_note_partial ON "Sales Ünï"."Orders" (note) WHERE note IS NOT NULL;
CREATE INDEX orders_lower ON "Sales Ünï"."Orders" (lower(note));
CREATE INDEX orders_doc_gin ON "Sales Ünï"."Orders" USING gin (doc);
CREATE TABLE public.nokey (a int, b text);
CREATE TABLE public.uniq (a int NOT NULL, b int NOT NULL, c text, d int UNIQUE);
CREATE UNIQUE INDEX uniq_z ON public.uniq (a);
CREATE UNIQUE INDEX uniq_y ON public.uniq (b);
CREATE TABLE public.events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE public.counter START 100 INCREMENT 5;
SELECT nextval('public.counter'); SELECT nextval('public.counter');
CREATE VIEW public.rich AS SELECT id, owner FROM public.accounts WHERE balance > 100;
CREATE MATERIALIZED VIEW public.totals AS SELECT count(*) AS n FROM public.accounts;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := coalesce(NEW.note, ''); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON "Sales Ünï"."Orders"
  FOR EACH ROW EXECUTE FUNCTION public.touch();
ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') THEN
    CREATE ROLE app_reader NOLOGIN CONNECTION LIMIT 3;
    CREATE ROLE app_user LOGIN PASSWORD 'hunter2-secret';
    GRANT app_reader TO app_user;
  END IF;
END $$;
CREATE POLICY own ON public.accounts FOR SELECT TO app_reader USING (owner = current_user);
GRANT SELECT ON public.accounts TO app_reader;
GRANT INSERT ON "Sales Ünï"."Orders" TO app_user;
COMMENT ON TABLE public.accounts IS 'money';
COMMENT ON COLUMN "Sales Ünï"."Orders"."Qty" IS 'how many';
)SQL";

class PgSchemaTest : public PgDatabaseTest {
 protected:
  // The catalog and pg_dump's objects in one exported snapshot, as a reader
  // reads them.
  void Read(CatalogSchema* cat) {
    auto c = server_->Connect(db_);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "test").ok());
    auto snap = c->Exec("SELECT pg_export_snapshot()", "test");
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    auto r = ReadCatalogSchema(*c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    *cat = std::move(*r);
    auto roles = ReadRoles(*c);
    ASSERT_TRUE(roles.ok()) << roles.status().ToString();
    cat->schema.objects = *roles;
    DumpRun run{server_->Location(db_), PgAuth{}, snap->text(0, 0), c->server_version(), 5000};
    Status s = ReadDumpObjects(run, *cat, &cat->schema);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  const SchemaObject* Object(const SourceSchema& s, std::string_view type, std::string_view name) {
    for (const SchemaObject& o : s.objects) {
      if (o.type == type && o.name == name) return &o;
    }
    ADD_FAILURE() << "no " << type << " " << name;
    return nullptr;
  }
};

TEST_F(PgSchemaTest, TablesColumnsKeysAndRelations) {
  ASSERT_TRUE(server_->Exec(db_, kSchema));
  CatalogSchema cat;
  ASSERT_NO_FATAL_FAILURE(Read(&cat));
  const SourceSchema& s = cat.schema;
  std::vector<std::string> names;
  for (const TableSchema& t : s.tables) names.push_back(t.QualifiedName());
  EXPECT_EQ(names, (std::vector<std::string>{"Sales Ünï.Orders", "public.accounts", "public.events",
                                             "public.events_2024", "public.nokey", "public.uniq"}));

  const TableSchema* acc = s.FindTable("public", "accounts");
  ASSERT_NE(acc, nullptr);
  ASSERT_EQ(acc->columns.size(), 6u);
  EXPECT_EQ(acc->columns[1].decl_type, "citext");
  EXPECT_TRUE(acc->columns[1].not_null);
  EXPECT_EQ(acc->columns[2].decl_type, "numeric(12,2)");
  EXPECT_FALSE(acc->columns[2].default_sql.empty());
  EXPECT_EQ(acc->columns[3].decl_type, "mood");
  EXPECT_EQ(acc->columns[4].hidden, 3);  // generated STORED: not in records
  EXPECT_EQ(acc->columns[5].default_sql, "gen_random_bytes(4)");
  EXPECT_EQ(acc->key_columns, std::vector<int>{0});
  EXPECT_EQ(acc->columns[0].pk, 1);
  ASSERT_EQ(acc->identity.size(), 1u);
  EXPECT_EQ(acc->identity[0].kind, IdentityKind::kAlways);
  EXPECT_EQ(acc->identity[0].sequence, "accounts_id_seq");
  EXPECT_EQ(acc->RecordFieldNames(),
            (std::vector<std::string>{"id", "owner", "balance", "m", "secret"}));
  EXPECT_TRUE(acc->sql.rfind("CREATE TABLE public.accounts (", 0) == 0) << acc->sql;

  const TableSchema* ord = s.FindTable("Sales Ünï", "Orders");
  ASSERT_NE(ord, nullptr);
  EXPECT_EQ(ord->columns[3].collation, "C");
  EXPECT_EQ(ord->columns[2].decl_type, "posint");
  ASSERT_EQ(ord->foreign_keys.size(), 1u);
  EXPECT_EQ(ord->foreign_keys[0].table, "accounts");
  EXPECT_EQ(ord->foreign_keys[0].from, std::vector<std::string>{"account_id"});
  EXPECT_EQ(ord->foreign_keys[0].to, std::vector<std::string>{"id"});
  EXPECT_EQ(ord->foreign_keys[0].on_delete, "CASCADE");
  EXPECT_EQ(ord->foreign_keys[0].on_update, "SET NULL");
  std::vector<std::string> ix;
  for (const IndexInfo& i : ord->indexes) ix.push_back(i.name);
  EXPECT_EQ(ix, (std::vector<std::string>{"Orders_pkey", "orders_doc_gin", "orders_lower",
                                          "orders_note_partial"}));
  EXPECT_EQ(ord->indexes[0].origin, "pk");
  EXPECT_EQ(ord->indexes[2].columns, std::vector<std::string>{""});  // an expression
  EXPECT_TRUE(ord->indexes[3].partial);

  const TableSchema* events = s.FindTable("public", "events");
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(events->kind, TableKind::kVirtual);  // the partitions hold the rows
  const TableSchema* part = s.FindTable("public", "events_2024");
  ASSERT_NE(part, nullptr);
  EXPECT_EQ(part->kind, TableKind::kTable);
  EXPECT_EQ(part->key_columns, (std::vector<int>{0, 1}));

  // Without a primary key: the first usable unique index by name (uniq_y:
  // d's index allows NULL); without any, the whole row.
  const TableSchema* uniq = s.FindTable("public", "uniq");
  ASSERT_NE(uniq, nullptr);
  EXPECT_EQ(uniq->key_columns, std::vector<int>{1});
  EXPECT_FALSE(KeyIsWholeRow(*uniq));
  const TableSchema* nokey = s.FindTable("public", "nokey");
  ASSERT_NE(nokey, nullptr);
  EXPECT_EQ(nokey->key_columns, (std::vector<int>{0, 1}));
  EXPECT_TRUE(KeyIsWholeRow(*nokey));
}

TEST_F(PgSchemaTest, SequencesSettingsAndReplicaIdentityKey) {
  ASSERT_TRUE(server_->Exec(db_, kSchema));
  ASSERT_TRUE(server_->Exec(db_, "ALTER TABLE public.uniq REPLICA IDENTITY USING INDEX uniq_z"));
  CatalogSchema cat;
  ASSERT_NO_FATAL_FAILURE(Read(&cat));
  const SourceSchema& s = cat.schema;
  EXPECT_EQ(s.FindTable("public", "uniq")->key_columns, std::vector<int>{0});  // replica identity
  const SequenceInfo* counter = s.FindSequence("public", "counter");
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->start, 100);
  EXPECT_EQ(counter->increment, 5);
  EXPECT_EQ(counter->last_value, 105);
  EXPECT_TRUE(counter->is_called);
  EXPECT_EQ(counter->owner_table, "");
  const SequenceInfo* serial = s.FindSequence("Sales Ünï", "Orders_order_id_seq");
  ASSERT_NE(serial, nullptr);
  EXPECT_EQ(serial->type, "integer");
  EXPECT_EQ(serial->owner_table, "Orders");
  EXPECT_EQ(serial->owner_column, "order_id");
  EXPECT_FALSE(serial->is_called);
  EXPECT_EQ(s.Setting("postgres.server_version").substr(0, 3), "15.");
  EXPECT_EQ(s.Setting("postgres.encoding"), "UTF8");
  EXPECT_FALSE(s.Setting("postgres.lc_collate").empty());
  EXPECT_FALSE(s.Setting("postgres.extension.citext").empty());
  EXPECT_FALSE(s.Setting("postgres.extension.pgcrypto").empty());
}

TEST_F(PgSchemaTest, DumpObjectsRolesAndNoPasswords) {
  ASSERT_TRUE(server_->Exec(db_, kSchema));
  CatalogSchema cat;
  ASSERT_NO_FATAL_FAILURE(Read(&cat));
  const SourceSchema& s = cat.schema;
  ASSERT_EQ(s.object_namespaces.size(), s.objects.size());
  const int post = std::stoi(s.Setting("postgres.post_data_from"));
  ASSERT_GT(post, 0);
  ASSERT_LT(post, static_cast<int>(s.objects.size()));
  for (const char* type :
       {"TABLE", "SCHEMA", "EXTENSION", "TYPE", "DOMAIN", "FUNCTION", "VIEW", "MATERIALIZED VIEW",
        "SEQUENCE", "COMMENT", "ACL", "POLICY", "ROW SECURITY", "TABLE ATTACH", "INDEX",
        "FK CONSTRAINT", "TRIGGER", "CONSTRAINT", "ROLE"}) {
    EXPECT_TRUE(std::any_of(s.objects.begin(), s.objects.end(), [&](const SchemaObject& o) {
      return o.type == type;
    })) << type;
  }
  // pre-data before post-data: indexes, constraints and triggers after.
  for (size_t i = 0; i < s.objects.size(); ++i) {
    const std::string& t = s.objects[i].type;
    if (t == "INDEX" || t == "FK CONSTRAINT" || t == "TRIGGER") {
      EXPECT_GE(int(i), post) << t;
    }
    if (t == "TABLE" || t == "FUNCTION") {
      EXPECT_LT(int(i), post) << t;
    }
    EXPECT_FALSE(s.objects[i].sql.empty()) << t << " " << s.objects[i].name;
  }
  const SchemaObject* fk = Object(s, "FK CONSTRAINT", "Orders Orders_account_id_fkey");
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(fk->tbl_name, "Orders");
  EXPECT_NE(fk->sql.find("DEFERRABLE INITIALLY DEFERRED"), std::string::npos) << fk->sql;
  EXPECT_NE(fk->sql.find("ON DELETE CASCADE"), std::string::npos);
  const SchemaObject* gin = Object(s, "INDEX", "orders_doc_gin");
  ASSERT_NE(gin, nullptr);
  EXPECT_EQ(gin->tbl_name, "Orders");
  EXPECT_NE(gin->sql.find("USING gin"), std::string::npos);
  const SchemaObject* trigger = Object(s, "TRIGGER", "Orders orders_touch");
  ASSERT_NE(trigger, nullptr);
  EXPECT_EQ(trigger->tbl_name, "Orders");
  const SchemaObject* policy = Object(s, "POLICY", "accounts own");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->tbl_name, "accounts");
  const SchemaObject* comment = Object(s, "COMMENT", "COLUMN \"Orders\".\"Qty\"");
  ASSERT_NE(comment, nullptr);
  EXPECT_EQ(comment->tbl_name, "Orders");
  const SchemaObject* attach = Object(s, "TABLE ATTACH", "events_2024");
  ASSERT_NE(attach, nullptr);
  EXPECT_EQ(attach->tbl_name, "events_2024");
  EXPECT_EQ(Object(s, "FUNCTION", "touch()")->tbl_name, "");
  const SchemaObject* ext = Object(s, "EXTENSION", "citext");
  ASSERT_NE(ext, nullptr);
  for (size_t i = 0; i < s.objects.size(); ++i) {
    if (s.objects[i].type == "TABLE" && s.objects[i].name == "Orders") {
      EXPECT_EQ(s.object_namespaces[i], "Sales Ünï");
    }
  }
  // Roles: the ones that own or are granted anything, with attributes and
  // memberships, never a password.
  const SchemaObject* reader = Object(s, "ROLE", "app_reader");
  ASSERT_NE(reader, nullptr);
  EXPECT_NE(reader->sql.find("NOLOGIN"), std::string::npos) << reader->sql;
  EXPECT_NE(reader->sql.find("CONNECTION LIMIT 3"), std::string::npos);
  const SchemaObject* user = Object(s, "ROLE", "app_user");
  ASSERT_NE(user, nullptr);
  EXPECT_NE(user->sql.find("GRANT app_reader TO app_user"), std::string::npos) << user->sql;
  EXPECT_NE(user->sql.find(" LOGIN"), std::string::npos);
  for (const SchemaObject& o : s.objects) {
    EXPECT_EQ(o.sql.find("hunter2"), std::string::npos) << o.type << " " << o.name;
    EXPECT_EQ(o.sql.find("SCRAM-SHA-256"), std::string::npos) << o.type << " " << o.name;
    EXPECT_EQ(o.sql.find("PASSWORD"), std::string::npos) << o.type << " " << o.name;
  }
}

TEST_F(PgSchemaTest, AnEmptyDatabase) {
  CatalogSchema cat;
  ASSERT_NO_FATAL_FAILURE(Read(&cat));
  EXPECT_TRUE(cat.schema.tables.empty());
  EXPECT_TRUE(cat.schema.sequences.empty());
  EXPECT_FALSE(cat.schema.Setting("postgres.extension.plpgsql").empty());
}

}  // namespace
}  // namespace tidemark::pg
