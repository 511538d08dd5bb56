#include "sources/postgres/pg_ddl.h"

#include <gtest/gtest.h>

namespace tidemark::pg {
namespace {

constexpr char kDump[] = R"(--
-- PostgreSQL database dump
--

\restrict abc

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

SET default_tablespace = '';

--
-- Name: My Table; Type: TABLE; Schema: Sales Ünï; Owner: tm_admin
--

CREATE TABLE "Sales Ünï"."My Table" (
    id integer NOT NULL,
    body text
);


ALTER TABLE "Sales Ünï"."My Table" OWNER TO tm_admin;

--
-- Name: f(); Type: FUNCTION; Schema: public; Owner: tm_admin
--

CREATE FUNCTION public.f() RETURNS integer
    LANGUAGE sql
    AS $$
-- a comment inside the body stays
SELECT 1
$$;

SET default_table_access_method = heap;

--
-- Name: My Table My Table_pkey; Type: CONSTRAINT; Schema: Sales Ünï; Owner: tm_admin
--

ALTER TABLE ONLY "Sales Ünï"."My Table"
    ADD CONSTRAINT "My Table_pkey" PRIMARY KEY (id);


--
-- Name: COLUMN "My Table".body; Type: COMMENT; Schema: Sales Ünï; Owner: tm_admin
--

COMMENT ON COLUMN "Sales Ünï"."My Table".body IS 'text';


--
-- Name: plpgsql; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog;


--
-- PostgreSQL database dump complete
--

\unrestrict abc
)";

TEST(SplitDumpTest, OneEntryPerHeaderWithItsStatementsOnly) {
  std::vector<DumpEntry> e = SplitDump(kDump);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].name, "My Table");
  EXPECT_EQ(e[0].type, "TABLE");
  EXPECT_EQ(e[0].schema, "Sales Ünï");
  EXPECT_EQ(e[0].owner, "tm_admin");
  EXPECT_EQ(e[0].sql,
            "CREATE TABLE \"Sales Ünï\".\"My Table\" (\n    id integer NOT NULL,\n    body text\n"
            ");\n\n\nALTER TABLE \"Sales Ünï\".\"My Table\" OWNER TO tm_admin;");
  EXPECT_EQ(e[1].type, "FUNCTION");
  EXPECT_NE(e[1].sql.find("-- a comment inside the body stays"), std::string::npos);
  EXPECT_EQ(e[1].sql.find("SET default_table_access_method"), std::string::npos);
  EXPECT_EQ(e[2].type, "CONSTRAINT");
  EXPECT_EQ(e[2].name, "My Table My Table_pkey");
  EXPECT_EQ(e[3].type, "COMMENT");
  EXPECT_EQ(e[4].type, "EXTENSION");
  EXPECT_EQ(e[4].schema, "");
  EXPECT_EQ(e[4].owner, "");
  EXPECT_EQ(e[4].sql, "CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog;");
  for (const DumpEntry& d : e) {
    EXPECT_EQ(d.sql.find("restrict"), std::string::npos) << d.name;
    EXPECT_EQ(d.sql.find("dump complete"), std::string::npos) << d.name;
  }
}

TEST(SplitDumpTest, EntriesNameTheirTables) {
  CatalogSchema cat;
  TableSchema t;
  t.namespace_name = "Sales Ünï";
  t.name = "My Table";
  cat.schema.tables.push_back(t);
  t.name = "My";  // a shorter name that prefixes the other
  cat.schema.tables.push_back(t);
  cat.index_table[{"Sales Ünï", "my_idx"}] = "My";
  std::vector<DumpEntry> e = SplitDump(kDump);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(EntryTable(e[0], cat), "My Table");
  EXPECT_EQ(EntryTable(e[1], cat), "");
  EXPECT_EQ(EntryTable(e[2], cat), "My Table");
  DumpEntry comment{"COLUMN \"My Table\".body", "COMMENT", "Sales Ünï", "", ""};
  EXPECT_EQ(EntryTable(comment, cat), "My Table");
  DumpEntry index{"my_idx", "INDEX", "Sales Ünï", "", ""};
  EXPECT_EQ(EntryTable(index, cat), "My");
  DumpEntry trigger{"TRIGGER tg ON \"My Table\"", "COMMENT", "Sales Ünï", "", ""};
  EXPECT_EQ(EntryTable(trigger, cat), "My Table");
  DumpEntry other_schema{"My Table", "TABLE", "public", "", ""};
  EXPECT_EQ(EntryTable(other_schema, cat), "");
}

}  // namespace
}  // namespace tidemark::pg
