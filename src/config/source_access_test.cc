#include "config/source_access.h"

#include <gtest/gtest.h>

#include <fstream>

#include "config/secret.h"
#include "sources/builtin/builtin.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

Result<ConfigFile> Parse(const std::string& source_keys) {
  return ParseConfig("[[source]]\nname = \"crm\"\n" + source_keys, "tidemark.toml");
}

TEST(SourceAccessTest, APasswordCommandBindsTheSourceAndItsOwnLocationOnly) {
  auto cfg =
      Parse("uri = \"postgres://app@db.internal:5432/crm\"\npassword_command = \"echo s3cret\"\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const Connector* registered = BuiltinConnectors().Find("postgres");
  auto bound = ResolveSource(cfg->sources[0]);
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_NE(bound->connector, registered);  // a connector holding the password
  EXPECT_EQ(bound->connector, bound->owned.get());
  EXPECT_EQ(bound->location, "//app@db.internal:5432/crm");
  // A snapshot's source URI that names the source gets its password.
  auto same = ResolveSource(*cfg, "postgres://app@db.internal:5432/crm");
  ASSERT_TRUE(same.ok());
  EXPECT_NE(same->connector, registered);
  // Another database on the same server is not.
  auto other = ResolveSource(*cfg, "postgres://app@db.internal:5432/crm_copy");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->connector, registered);
  EXPECT_EQ(other->owned, nullptr);
}

TEST(SourceAccessTest, PasswordKeysAreCheckedWhenParsed) {
  auto both =
      Parse("uri = \"postgres://app@db/crm\"\npassword_file = \"/pw\"\npassword_command = \"x\"\n");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("give password_file or password_command, not both"),
            std::string::npos)
      << both.status().message();
  auto sqlite = Parse("uri = \"sqlite:/srv/crm.db\"\npassword_file = \"/pw\"\n");
  ASSERT_FALSE(sqlite.ok());
  EXPECT_NE(sqlite.status().message().find("password_file: sqlite: sources take no password"),
            std::string::npos)
      << sqlite.status().message();
}

TEST(SourceAccessTest, ACachedSecretRunsItsCommandOnceAndKeepsItsError) {
  ScopedTempDir dir;
  const std::string runs = dir.path() + "/runs";
  SecretProvider pw = CachedSecret("", "echo run >> " + runs + "; echo s3cret", "test password");
  ASSERT_TRUE(pw().ok());
  auto again = pw();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "s3cret");
  std::ifstream in(runs);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "run\n");  // once
  SecretProvider failing = CachedSecret("", "echo nope >&2; exit 3", "test password");
  auto first = failing();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().message(),
            "test password command failed (exit status 3; its stderr: nope); check the command");
  EXPECT_EQ(failing().status().message(), first.status().message());
  SecretProvider empty = CachedSecret("", "true", "test password");
  EXPECT_EQ(empty().status().message(), "the test password is empty");
}

}  // namespace
}  // namespace tidemark
