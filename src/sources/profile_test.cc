// The profile registry and the generic profile (sources/profile.h).
#include "sources/profile.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

SourceSchema Crm() {
  SourceSchema s;
  auto table = [](std::string name, std::vector<std::string> cols) {
    TableSchema t;
    t.name = std::move(name);
    for (std::string& c : cols) t.columns.push_back({std::move(c), "", "", "", false, 0, 0});
    return t;
  };
  s.tables = {table("customers", {"id", "name", "api_key"}),
              table("orders", {"id", "customer_ref"}), table("NC_Views", {"id", "meta"}),
              table("sessions", {"id", "token"}), table("audit_log", {"at", "msg"})};
  return s;
}

TEST(ProfileTest, RegistryKnowsGenericAndListsItForOthers) {
  const ProfileRegistry& r = BuiltinProfiles();
  EXPECT_TRUE(r.Has("generic"));
  EXPECT_FALSE(r.Has("nocodb"));
  EXPECT_EQ(r.Names(), (std::vector<std::string>{"generic", "node-red", "auto"}));
  auto p = r.Make("generic", {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name(), "generic");
  auto none = r.Make("nocodb", {});
  ASSERT_TRUE(none.status().IsInvalidArgument());
  EXPECT_EQ(none.status().message(), "unknown profile \"nocodb\"; this build knows: generic, node-red, auto");
}

TEST(ProfileTest, GenericWithoutInputSaysNothing) {
  SourceSchema s = Crm();
  s.annotations.tables = {{"", "orders", TableRole::kMetadata, "", {}}};  // replaced
  ASSERT_TRUE(MakeGenericProfile({})->Annotate(&s).ok());
  EXPECT_TRUE(s.annotations.empty());
  EXPECT_EQ(s.annotations.profile, "generic");
  SourceSchema untouched = Crm();
  untouched.annotations = s.annotations;
  EXPECT_EQ(s, untouched);  // nothing else changes
}

TEST(ProfileTest, GenericAnnotatesRolesSecretsAndRelations) {
  ProfileInput in;
  in.where = "source 'crm'";
  in.metadata = {"nc_*"};
  in.transient = {"sessions", "*_log", "nc_*"};  // metadata wins
  in.secret = {"*.api_key", "sessions.TOKEN"};
  in.relations = {{"orders", "customer_ref", "CUSTOMERS", "id"}};
  SourceSchema s = Crm();
  ASSERT_TRUE(MakeGenericProfile(in)->Annotate(&s).ok());
  const SchemaAnnotations& a = s.annotations;
  EXPECT_EQ(a.RoleOf("customers"), TableRole::kData);
  EXPECT_EQ(a.RoleOf("nc_views"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("sessions"), TableRole::kTransient);
  EXPECT_EQ(a.RoleOf("audit_log"), TableRole::kTransient);
  EXPECT_TRUE(a.IsSecret("customers", "api_key"));
  EXPECT_TRUE(a.IsSecret("sessions", "token"));
  EXPECT_FALSE(a.IsSecret("customers", "name"));
  // Entries in schema order, only for tables with something to say, with
  // the schema's spelling.
  std::vector<std::string> names;
  for (const TableAnnotation& t : a.tables) names.push_back(t.table);
  EXPECT_EQ(names, (std::vector<std::string>{"customers", "NC_Views", "sessions", "audit_log"}));
  EXPECT_EQ(RelationsOf(s), in.relations);  // as declared
}

TEST(ProfileTest, GenericRefusesARelationThatDoesNotResolve) {
  ProfileInput in;
  in.where = "source 'crm'";
  in.relations = {{"orders", "customer_id", "customers", "id"}};
  SourceSchema s = Crm();
  Status st = MakeGenericProfile(in)->Annotate(&s);
  ASSERT_TRUE(st.IsInvalidArgument());
  EXPECT_EQ(st.message(),
            "source 'crm' [[source.relation]]: relation \"orders.customer_id -> customers.id\": "
            "table orders has no column customer_id (its columns: id, customer_ref); fix or "
            "remove the relation in tidemark.toml");
}

TEST(ProfileTest, ValidateInput) {
  EXPECT_TRUE(ValidateProfileInput({}).ok());
  ProfileInput in;
  in.secret = {"password"};
  EXPECT_NE(ValidateProfileInput(in).message().find("expected \"table.column\""),
            std::string::npos);
  in.secret = {};
  in.transient = {""};
  EXPECT_EQ(ValidateProfileInput(in).message(), "empty table pattern");
}

}  // namespace
}  // namespace tidemark
