// The profile registry and the generic profile (sources/profile.h).
#include "sources/profile.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

// A table of `cols`, none of them typed or keyed.
TableSchema Table(std::string name, std::vector<std::string> cols) {
  TableSchema t;
  t.name = std::move(name);
  for (std::string& c : cols) t.columns.push_back({std::move(c), "", "", "", false, 0, 0});
  return t;
}

SourceSchema Crm() {
  SourceSchema s;
  s.tables = {Table("customers", {"id", "name", "api_key"}),
              Table("orders", {"id", "customer_ref"}), Table("NC_Views", {"id", "meta"}),
              Table("sessions", {"id", "token"}), Table("audit_log", {"at", "msg"})};
  return s;
}

TEST(ProfileTest, RegistryKnowsGenericAndListsItForOthers) {
  const ProfileRegistry& r = BuiltinProfiles();
  EXPECT_TRUE(r.Has("generic"));
  EXPECT_TRUE(r.Has("nocodb"));
  EXPECT_FALSE(r.Has("baserow"));
  EXPECT_EQ(r.Names(),
            (std::vector<std::string>{"generic", "node-red", "nocodb", "directus", "auto"}));
  auto p = r.Make("generic", {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name(), "generic");
  auto none = r.Make("baserow", {});
  ASSERT_TRUE(none.status().IsInvalidArgument());
  EXPECT_EQ(none.status().message(),
            "unknown profile \"baserow\"; this build knows: generic, node-red, nocodb, "
            "directus, auto");
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

// The tables the files: connector makes of a Node-RED userdir.
SourceSchema Userdir() {
  SourceSchema s;
  const std::vector<std::string> file = {"path", "content"};
  s.tables = {Table(".sessions.json", file),
              Table("context", file),
              Table("flows", {"id", "after", "type", "z", "name", "wires", "doc"}),
              Table("flows_cred.json", file),
              Table("notes", file),
              Table("settings.js", file)};
  return s;
}

TEST(ProfileTest, NodeRedIsDetectedFromItsFlowsAndSettings) {
  EXPECT_TRUE(IsNodeRedUserdir(Userdir()));
  EXPECT_EQ(BuiltinProfiles().Detect(Userdir()), "node-red");
  SourceSchema no_settings = Userdir();
  no_settings.tables.pop_back();
  EXPECT_FALSE(IsNodeRedUserdir(no_settings));
  no_settings.tables.push_back(no_settings.tables.back());
  no_settings.tables.back().name = ".config.runtime.json";  // what the runtime writes
  EXPECT_TRUE(IsNodeRedUserdir(no_settings));
  EXPECT_EQ(BuiltinProfiles().Detect(Crm()), "");
}

TEST(ProfileTest, NodeRedSaysWhatEachFileIs) {
  SourceSchema s = Userdir();
  ProfileInput in;
  in.transient = {"notes"};  // the declared input covers what the profile does not know
  ASSERT_TRUE(MakeNodeRedProfile(in)->Annotate(&s).ok());
  const SchemaAnnotations& a = s.annotations;
  EXPECT_EQ(a.profile, "node-red");
  EXPECT_EQ(a.RoleOf("flows"), TableRole::kMetadata);
  EXPECT_EQ(a.TableDisplayName("flows"), "Flows");
  EXPECT_EQ(a.ColumnDisplayName("flows", "z"), "Tab");
  EXPECT_EQ(a.RoleOf(".sessions.json"), TableRole::kTransient);
  EXPECT_TRUE(a.IsSecret(".sessions.json", "content"));
  EXPECT_EQ(a.RoleOf("flows_cred.json"), TableRole::kMetadata);
  EXPECT_TRUE(a.IsSecret("flows_cred.json", "content"));
  EXPECT_EQ(a.RoleOf("context"), TableRole::kData);
  EXPECT_EQ(a.TableDisplayName("context"), "Context");
  EXPECT_FALSE(a.IsSecret("context", "content"));
  EXPECT_EQ(a.RoleOf("settings.js"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("notes"), TableRole::kTransient);
  ASSERT_EQ(a.relations.size(), 1u);
  EXPECT_EQ(a.relations[0].Name(), "flows.z -> flows.id");
  // The manifest stores them as they are.
  std::string enc;
  EncodeAnnotations(a, &enc);
  SchemaAnnotations back;
  ASSERT_TRUE(DecodeAnnotations(enc, "test", &back).ok());
  EXPECT_EQ(back, a);
}

TEST(ProfileTest, AutoUsesTheDetectedProfileOrGeneric) {
  SourceSchema ud = Userdir();
  ASSERT_TRUE(MakeAutoProfile({})->Annotate(&ud).ok());
  EXPECT_EQ(ud.annotations.profile, "node-red");
  SourceSchema crm = Crm();
  ProfileInput in;
  in.metadata = {"nc_*"};
  ASSERT_TRUE(MakeAutoProfile(in)->Annotate(&crm).ok());
  EXPECT_EQ(crm.annotations.profile, "generic");
  EXPECT_EQ(crm.annotations.RoleOf("NC_Views"), TableRole::kMetadata);
  ProfileInput bad;
  bad.relations = {{"flows", "tab", "flows", "id"}};
  SourceSchema ud2 = Userdir();
  EXPECT_TRUE(MakeAutoProfile(bad)->Annotate(&ud2).IsInvalidArgument());
}

}  // namespace
}  // namespace tidemark
