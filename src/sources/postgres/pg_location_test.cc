#include "sources/postgres/pg_location.h"

#include <gtest/gtest.h>

namespace tidemark::pg {
namespace {

TEST(PgLocationTest, ParsesEveryPart) {
  auto loc = ParsePgLocation("//app@db.example:6432/crm?sslmode=require&connect_timeout=3");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->user, "app");
  EXPECT_EQ(loc->host, "db.example");
  EXPECT_EQ(loc->port, "6432");
  EXPECT_EQ(loc->dbname, "crm");
  ASSERT_EQ(loc->params.size(), 2u);
  EXPECT_EQ(loc->params[0].first, "sslmode");
  EXPECT_EQ(loc->params[0].second, "require");
  EXPECT_EQ(loc->Uri(), "postgres://app@db.example:6432/crm?sslmode=require&connect_timeout=3");
}

TEST(PgLocationTest, DefaultsAndEscapes) {
  auto loc = ParsePgLocation("///my%20db");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->user, "");
  EXPECT_EQ(loc->host, "");
  EXPECT_EQ(loc->dbname, "my db");
  EXPECT_EQ(loc->Uri(), "postgres:///my%20db");
  auto v6 = ParsePgLocation("//u@[::1]:5433/d");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "5433");
  EXPECT_EQ(v6->Uri(), "postgres://u@[::1]:5433/d");
  auto kw = v6->Keywords();
  ASSERT_EQ(kw.size(), 4u);
  EXPECT_EQ(kw[0], (std::pair<std::string, std::string>{"host", "::1"}));
  EXPECT_EQ(kw[3], (std::pair<std::string, std::string>{"dbname", "d"}));
}

TEST(PgLocationTest, RefusesPasswords) {
  for (const char* bad : {"//app:secret@h/db", "//app@h/db?password=secret",
                          "//app@h/db?sslmode=disable&passfile=/x"}) {
    auto loc = ParsePgLocation(bad);
    ASSERT_FALSE(loc.ok()) << bad;
    EXPECT_TRUE(loc.status().IsInvalidArgument());
    EXPECT_EQ(loc.status().message().find("secret"), std::string::npos)
        << "the refusal must not repeat the password: " << loc.status().ToString();
    EXPECT_NE(loc.status().message().find("PGPASSFILE"), std::string::npos);
  }
}

TEST(PgLocationTest, RefusesMalformed) {
  for (const char* bad :
       {"app@h/db", "//h", "//h/", "//h:99999/db", "//h:x/db", "//h/a/b", "//h/db?sslmode",
        "//h/d%zz", "//[::1/db", "//h/db?dbname=x", "//a,b/db"}) {
    auto loc = ParsePgLocation(bad);
    EXPECT_FALSE(loc.ok()) << bad;
    if (!loc.ok()) {
      EXPECT_TRUE(loc.status().IsInvalidArgument()) << bad;
    }
  }
}

}  // namespace
}  // namespace tidemark::pg
