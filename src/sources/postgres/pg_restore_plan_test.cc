#include "sources/postgres/pg_restore_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tidemark::pg {
namespace {

void Add(SourceSchema* s, std::string type, std::string name, std::string tbl, std::string sql,
         std::string ns = "public") {
  s->objects.push_back({std::move(type), std::move(name), std::move(tbl), std::move(sql)});
  s->object_namespaces.push_back(std::move(ns));
}

TableSchema Table(std::string ns, std::string name) {
  TableSchema t;
  t.namespace_name = std::move(ns);
  t.name = std::move(name);
  return t;
}

// Two related tables, a partitioned one with a partition, a view, a type, a
// function, a standalone and an owned sequence, the way pg_dump splits them.
SourceSchema Shop() {
  SourceSchema s;
  Add(&s, "SCHEMA", "app", "", "CREATE SCHEMA app;", "");
  Add(&s, "TYPE", "mood", "", "CREATE TYPE public.mood AS ENUM ('ok');");
  Add(&s, "FUNCTION", "f()", "", "CREATE FUNCTION public.f() RETURNS int AS 'SELECT 1 ON x' ...;");
  Add(&s, "TABLE", "customers", "customers", "CREATE TABLE public.customers (id int);");
  Add(&s, "TABLE", "Orders", "Orders", "CREATE TABLE public.\"Orders\" (id int, c int);");
  Add(&s, "SEQUENCE", "Orders_id_seq", "", "CREATE SEQUENCE public.\"Orders_id_seq\";");
  Add(&s, "SEQUENCE OWNED BY", "Orders_id_seq", "",
      "ALTER SEQUENCE public.\"Orders_id_seq\" OWNED BY public.\"Orders\".id;");
  Add(&s, "SEQUENCE", "tickets", "", "CREATE SEQUENCE public.tickets;");
  Add(&s, "TABLE", "events", "events", "CREATE TABLE app.events (d date) PARTITION BY RANGE (d);",
      "app");
  Add(&s, "TABLE", "events_2026", "events_2026", "CREATE TABLE app.events_2026 (d date);", "app");
  Add(&s, "TABLE ATTACH", "events_2026", "events_2026",
      "ALTER TABLE ONLY app.events ATTACH PARTITION app.events_2026 FOR VALUES FROM (1) TO (2);",
      "app");
  Add(&s, "VIEW", "big_orders", "", "CREATE VIEW public.big_orders AS SELECT 1;");
  Add(&s, "COMMENT", "COLUMN \"Orders\".c", "",
      "COMMENT ON COLUMN public.\"Orders\".c IS 'the customer ON TABLE x';");
  Add(&s, "ACL", "TABLE customers", "", "GRANT SELECT ON TABLE public.customers TO reader;");
  Add(&s, "ROLE", "reader", "", "CREATE ROLE reader;");
  const size_t post = s.objects.size();
  Add(&s, "CONSTRAINT", "customers customers_pkey", "customers",
      "ALTER TABLE ONLY public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);");
  Add(&s, "INDEX", "orders_c", "", "CREATE INDEX orders_c ON public.\"Orders\" USING btree (c);");
  Add(&s, "COMMENT", "INDEX orders_c", "", "COMMENT ON INDEX public.orders_c IS 'x';");
  Add(&s, "FK CONSTRAINT", "Orders Orders_c_fkey", "Orders",
      "ALTER TABLE ONLY public.\"Orders\"\n    ADD CONSTRAINT \"Orders_c_fkey\" FOREIGN KEY (c) "
      "REFERENCES public.customers(id);");
  Add(&s, "TRIGGER", "Orders t", "",
      "CREATE TRIGGER t AFTER INSERT ON public.\"Orders\" FOR EACH "
      "ROW EXECUTE FUNCTION public.f();");
  s.settings = {{"postgres.post_data_from", std::to_string(post)},
                {"postgres.extension.plpgsql", "1.0"},
                {"postgres.extension.hstore", "1.8"}};
  s.tables = {Table("public", "customers"), Table("public", "Orders"), Table("app", "events_2026")};
  s.tables[2].kind = TableKind::kTable;
  s.tables.push_back(Table("app", "events"));
  s.tables.back().kind = TableKind::kVirtual;
  SequenceInfo owned;
  owned.namespace_name = "public";
  owned.name = "Orders_id_seq";
  owned.owner_table = "Orders";
  owned.owner_column = "id";
  SequenceInfo standalone;
  standalone.namespace_name = "public";
  standalone.name = "tickets";
  s.sequences = {owned, standalone};
  return s;
}

std::vector<std::string> Names(const SourceSchema& s, const std::vector<size_t>& idx) {
  std::vector<std::string> out;
  for (size_t i : idx) out.push_back(s.objects[i].type + " " + s.objects[i].name);
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(PgRestorePlan, EverythingButRolesInTheSnapshotsOrder) {
  SourceSchema s = Shop();
  auto plan = PlanPgRestore(s, {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->pre_data.size(), 14u);  // all pre-data but the ROLE
  EXPECT_EQ(plan->post_data.size(), 5u);
  EXPECT_EQ(plan->pre_data.front(), 0u);
  EXPECT_FALSE(Has(Names(s, plan->pre_data), "ROLE reader"));
  EXPECT_EQ(plan->roles, std::vector<std::string>{"reader"});
  EXPECT_EQ(plan->sequences.size(), 2u);
  ASSERT_EQ(plan->extensions.size(), 2u);
  EXPECT_EQ(plan->extensions[1], std::make_pair(std::string("hstore"), std::string("1.8")));
  EXPECT_TRUE(plan->left_out.empty());
}

TEST(PgRestorePlan, OneTableBringsWhatItNeedsAndLeavesOutForeignKeysToOthers) {
  SourceSchema s = Shop();
  auto plan = PlanPgRestore(s, {"Orders"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> pre = Names(s, plan->pre_data), post = Names(s, plan->post_data);
  for (const char* want :
       {"SCHEMA app", "TYPE mood", "FUNCTION f()", "TABLE Orders", "SEQUENCE Orders_id_seq",
        "SEQUENCE OWNED BY Orders_id_seq", "SEQUENCE tickets", "COMMENT COLUMN \"Orders\".c"}) {
    EXPECT_TRUE(Has(pre, want)) << want;
  }
  for (const char* unwanted : {"TABLE customers", "TABLE events", "VIEW big_orders",
                               "ACL TABLE customers", "TABLE ATTACH events_2026"}) {
    EXPECT_FALSE(Has(pre, unwanted)) << unwanted;
  }
  EXPECT_EQ(post, (std::vector<std::string>{"INDEX orders_c", "COMMENT INDEX orders_c",
                                            "TRIGGER Orders t"}));
  EXPECT_TRUE(plan->roles.empty());  // the grant to reader is on customers
  ASSERT_EQ(plan->left_out.size(), 2u);
  EXPECT_EQ(plan->left_out[0], "VIEW public.big_orders");
  EXPECT_EQ(plan->left_out[1],
            "FK CONSTRAINT public.Orders Orders_c_fkey (references public.customers, not "
            "restored)");
}

TEST(PgRestorePlan, APartitionBringsItsPartitionedTable) {
  SourceSchema s = Shop();
  auto plan = PlanPgRestore(s, {"app.events_2026"});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> pre = Names(s, plan->pre_data);
  EXPECT_TRUE(Has(pre, "TABLE events"));
  EXPECT_TRUE(Has(pre, "TABLE events_2026"));
  EXPECT_TRUE(Has(pre, "TABLE ATTACH events_2026"));
  EXPECT_FALSE(Has(pre, "TABLE Orders"));
  EXPECT_EQ(plan->sequences.size(), 1u);  // the standalone one only
  EXPECT_EQ(plan->relations.size(), 2u);
}

TEST(PgRestorePlan, UnknownTableIsNotFound) {
  auto plan = PlanPgRestore(Shop(), {"nosuch"});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Status::Code::kNotFound);
  EXPECT_NE(plan.status().message().find("nosuch"), std::string::npos);
}

TEST(PgRestorePlan, ParsesNamesAsTheServerDoes) {
  RelName r;
  size_t p = 0;
  ASSERT_TRUE(ParseQualifiedName("\"My \"\"Odd\"\" Schema\".Tbl rest", &p, &r));
  EXPECT_EQ(r, RelName("My \"Odd\" Schema", "tbl"));
  EXPECT_EQ(p, 23u);
  p = 0;
  ASSERT_TRUE(ParseQualifiedName("  \"Ünï\"", &p, &r));
  EXPECT_EQ(r, RelName("", "Ünï"));
  p = 0;
  EXPECT_FALSE(ParseQualifiedName("(x)", &p, &r));
}

TEST(PgRestorePlan, FindsTheRolesStatementsName) {
  EXPECT_EQ(RolesNamedIn("ALTER TABLE public.t OWNER TO \"App Owner\";\n"
                         "GRANT SELECT ON TABLE public.\"a TO b\" TO reader, PUBLIC, \"PUBLIC\" "
                         "WITH GRANT OPTION;\nCOMMENT ON TABLE t IS 'OWNER TO nobody';"),
            (std::vector<std::string>{"App Owner", "reader", "PUBLIC"}));
}

}  // namespace
}  // namespace tidemark::pg
