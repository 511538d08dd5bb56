// The restore target over a schema as the backup reads it (pg_schema.h,
// pg_ddl.h: the catalog and pg_dump's objects in one snapshot) and rows read
// by binary COPY (pg_binary.h): pg_dump --schema-only of the source and of the
// restored database, and their sorted data, are identical.
#include <gtest/gtest.h>
#include <stdio.h>

#include <algorithm>
#include <sstream>

#include "sources/postgres/pg_binary.h"
#include "sources/postgres/pg_ddl.h"
#include "sources/postgres/pg_restore_target.h"
#include "sources/postgres/pg_schema.h"
#include "sources/postgres/pg_testlib.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {
namespace {

constexpr char kSource[] = R"SQL(
CREATE EXTENSION citext;
CREATE SCHEMA "Odd Schema";
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.posint AS integer CHECK (VALUE > 0);
CREATE TYPE public.pair AS (a int, b text);
CREATE SEQUENCE public.tickets START 100;
SELECT nextval('public.tickets'), nextval('public.tickets');
CREATE TABLE public.customers (id serial PRIMARY KEY, name text NOT NULL, email citext UNIQUE,
  m public.mood, since date DEFAULT '2020-01-01');
CREATE TABLE "Odd Schema"."Ünïcode Tablé" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "MixedCase" text, n numeric, f float8,
  r real, d date, ts timestamptz, arr int[], tarr text[], j jsonb, b bytea, iv interval,
  p public.pair, twice numeric GENERATED ALWAYS AS (n * 2) STORED, pi public.posint);
CREATE TABLE public.orders (id int PRIMARY KEY,
  customer int REFERENCES public.customers ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  amount numeric(10,2) CHECK (amount >= 0), note text);
CREATE INDEX orders_note_idx ON public.orders (lower(note)) WHERE note IS NOT NULL;
CREATE INDEX j_gin ON "Odd Schema"."Ünïcode Tablé" USING gin (j);
CREATE TABLE public.events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE public.events_2026 PARTITION OF public.events
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE public.nokey (a int, b text);
CREATE VIEW public.big_orders AS SELECT * FROM public.orders WHERE amount > 100;
CREATE MATERIALIZED VIEW public.order_totals AS
  SELECT customer, sum(amount) AS s FROM public.orders GROUP BY 1;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END$$;
CREATE TRIGGER orders_touch BEFORE INSERT ON public.orders
  FOR EACH ROW EXECUTE FUNCTION public.touch();
ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY small ON public.orders USING (amount < 1000);
COMMENT ON TABLE public.customers IS 'the people';
COMMENT ON COLUMN public.orders.note IS 'free text';
INSERT INTO public.customers (name, email, m, since) VALUES
  ('Ann', 'ANN@example.com', 'happy', 'infinity'), ('Bo', NULL, NULL, '-infinity'),
  ('Çé 名前', 'x@y', 'sad', NULL);
INSERT INTO public.orders SELECT g, 1 + g % 3, g * 1.5, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' || g END
  FROM generate_series(1, 3000) g;
INSERT INTO "Odd Schema"."Ünïcode Tablé" ("MixedCase", n, f, r, d, ts, arr, tarr, j, b, iv, p, pi)
VALUES (E'tab\tand\nnewline \\ back', 'NaN', 'NaN', 'Infinity', 'infinity', '-infinity', '{}',
        '{a,NULL,"c,d"}', jsonb_build_object('big', repeat('x', 1048576)), '\x00ff',
        '1 mon 2 days 00:00:03', ROW(1, 'one'), 5),
       (NULL, '-Infinity', '-Infinity', '-Infinity', '-infinity', 'infinity', '{1,NULL,3}', '{}',
        '{"a": [1, 2.50, null]}', '', '-1 years', NULL, NULL);
INSERT INTO public.events VALUES (1, '2026-03-01'), (2, '2026-05-01');
INSERT INTO public.nokey VALUES (1, 'x'), (1, 'y'), (NULL, NULL);
REFRESH MATERIALIZED VIEW public.order_totals;
)SQL";

// `cmd`'s standard output; "" after an ADD_FAILURE.
std::string Output(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  if (pclose(p) != 0) ADD_FAILURE() << cmd << " failed";
  return out;
}

// pg_dump's lines without its random \restrict keys; sorted when `sort`.
std::string Dump(PgTestServer* s, const std::string& db, const std::string& what, bool sort) {
  std::string text = Output("pg_dump -h 127.0.0.1 -p " + std::to_string(s->port()) +
                            " -U tm_admin " + what + " -d " + db);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) {
      lines.push_back(line);
    }
  }
  if (sort) std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

class PgRestoreRoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = PgTestServer::Shared();
    ASSERT_NE(server_, nullptr);
    src_ = server_->FreshDatabase();
    ASSERT_TRUE(server_->Exec(src_, kSource));
    conn_ = server_->Connect(src_);
    ASSERT_NE(conn_, nullptr);
    ASSERT_TRUE(conn_->Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "test").ok());
    ASSERT_TRUE(SetValueSession(*conn_).ok());
    auto snap = conn_->Exec("SELECT pg_export_snapshot()", "test");
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    auto cat = ReadCatalogSchema(*conn_);
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    cat_ = std::move(*cat);
    auto roles = ReadRoles(*conn_);
    ASSERT_TRUE(roles.ok()) << roles.status().ToString();
    cat_.schema.objects = *roles;
    DumpRun run{server_->Location(src_), PgAuth{}, snap->text(0, 0), conn_->server_version(), 5000};
    Status s = ReadDumpObjects(run, cat_, &cat_.schema);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Copies the rows of table i of the catalog into `t` by binary COPY.
  Status CopyTable(size_t i, RestoreTarget* t) {
    const TableSchema& table = cat_.schema.tables[i];
    std::vector<uint32_t> oids;
    for (int c : table.StoredColumns()) oids.push_back(cat_.tables[i].column_types[size_t(c)]);
    TM_ASSIGN_OR_RETURN(PgTypeCatalog types, PgTypeCatalog::Load(*conn_, oids));
    std::vector<const PgType*> cols;
    std::string list;
    for (size_t k = 0; k < oids.size(); ++k) {
      cols.push_back(types.Find(oids[k]));
      const std::string& name = table.columns[size_t(table.StoredColumns()[k])].name;
      list += (k ? ", " : "") + ScanExpression(*cols.back(), conn_->QuoteIdent(name));
    }
    BinaryCopyDecoder decoder(cols);
    TM_RETURN_IF_ERROR(t->BeginTable(table));
    SourceRow row;
    const std::string sql = "COPY (SELECT " + list + " FROM " +
                            conn_->QuoteIdent(table.namespace_name) + "." +
                            conn_->QuoteIdent(table.name) + ") TO STDOUT (FORMAT binary)";
    TM_RETURN_IF_ERROR(conn_->CopyOut(sql, "test", [&](std::string_view data) {
      return decoder.Feed(data, [&](std::vector<Value>& values) {
        row.record = values;
        return t->Insert(row);
      });
    }));
    TM_RETURN_IF_ERROR(decoder.Finish());
    return t->EndTable();
  }

  Status Restore(const std::string& db, const RestoreTargetOptions& o) {
    TM_ASSIGN_OR_RETURN(auto t, CreatePgRestoreTarget(server_->Location(db), cat_.schema, o, {}));
    for (size_t i = 0; i < cat_.schema.tables.size(); ++i) {
      const TableSchema& table = cat_.schema.tables[i];
      bool selected = o.tables.empty() ||
                      std::find(o.tables.begin(), o.tables.end(), table.name) != o.tables.end();
      if (table.has_records() && selected) TM_RETURN_IF_ERROR(CopyTable(i, t.get()));
    }
    TM_RETURN_IF_ERROR(t->Finish());
    left_out_ = t->left_out();
    return t->Publish();
  }

  PgTestServer* server_ = nullptr;
  std::string src_;
  std::unique_ptr<PgConnection> conn_;
  CatalogSchema cat_;
  std::vector<std::string> left_out_;
};

TEST_F(PgRestoreRoundTripTest, SchemaAndDataAreIdentical) {
  const std::string db = "roundtrip_" + src_;
  Status s = Restore(db, {});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Dump(server_, src_, "--schema-only", false), Dump(server_, db, "--schema-only", false));
  std::string src_data = Dump(server_, src_, "--data-only --column-inserts", true);
  EXPECT_EQ(src_data, Dump(server_, db, "--data-only --column-inserts", true));
  EXPECT_GT(src_data.size(), 1u << 20);  // the 1 MB jsonb is in it
  EXPECT_EQ(server_->Rows(db, "SELECT count(*) FROM order_totals"), std::vector<std::string>{"3"});
  EXPECT_EQ(server_->Rows(db, "SELECT nextval('tickets')"), std::vector<std::string>{"102"});
}

TEST_F(PgRestoreRoundTripTest, OneTableComesWithWhatItNeeds) {
  const std::string db = "onetable_" + src_;
  RestoreTargetOptions o;
  o.tables = {"orders"};
  Status s = Restore(db, o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(server_->Rows(db, "SELECT count(*), count(note) FROM orders"),
            std::vector<std::string>{"3000|3000"});
  EXPECT_EQ(server_->Rows(db,
                          "SELECT relname FROM pg_class WHERE relnamespace = "
                          "'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm') "
                          "ORDER BY 1"),
            std::vector<std::string>{"orders"});
  EXPECT_EQ(server_->Rows(db, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"),
            std::vector<std::string>{"orders_touch"});
  EXPECT_EQ(server_->Rows(db, "SELECT polname FROM pg_policy"), std::vector<std::string>{"small"});
  EXPECT_EQ(server_->Rows(db, "SELECT count(*) FROM pg_type WHERE typname IN ('mood', 'pair')"),
            std::vector<std::string>{"2"});
  ASSERT_EQ(left_out_.size(), 3u);
  EXPECT_NE(left_out_[0].find("VIEW public.big_orders"), std::string::npos);
  EXPECT_NE(left_out_[1].find("MATERIALIZED VIEW public.order_totals"), std::string::npos);
  EXPECT_NE(left_out_[2].find("orders_customer_fkey (references public.customers"),
            std::string::npos);
}

}  // namespace
}  // namespace tidemark::pg
