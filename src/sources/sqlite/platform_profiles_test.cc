// The platform profiles (sources/profile.h) on databases the real platforms
// wrote: tests/fixtures/nocodb/noco.sql and tests/fixtures/directus/
// directus.sql, SQL dumps of the files their shell tests back up
// (tests/nocodb_cli_test.sh, tests/directus_cli_test.sh), read through the
// SQLite connector as a backup reads them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "sources/connector.h"
#include "sources/profile.h"
#include "sources/sqlite/sqlite_connector.h"
#include "sources/sqlite/sqlite_testlib.h"
#include "storage/temp_dir_testlib.h"

namespace tidemark {
namespace {

std::string Fixture(const std::string& name) {
  const char* src = getenv("TIDEMARK_TEST_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/tests/fixtures/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A platform's database made from its fixture, and a read view of it.
class PlatformDb {
 public:
  explicit PlatformDb(const std::string& fixture) : path_(dir_.path() + "/app.db") {
    {
      TestDb db(path_);
      db.Exec(Fixture(fixture));
    }
    auto view = connector_->OpenReader(path_, 1000);
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    if (view.ok()) view_ = std::move(view).value();
  }
  SourceReader* view() { return view_.get(); }
  // The annotations `profile` gives `tables` (all when empty).
  SchemaAnnotations Annotate(const std::string& profile, const std::vector<std::string>& tables,
                             bool with_view = true,
                             const std::function<void(SourceSchema*)>& edit = nullptr) {
    SourceSchema schema = view_->schema();
    if (edit) edit(&schema);
    if (!tables.empty()) {
      std::erase_if(schema.tables, [&](const TableSchema& t) {
        return std::find(tables.begin(), tables.end(), t.name) == tables.end();
      });
    }
    auto p = BuiltinProfiles().Make(profile, {});
    EXPECT_TRUE(p.ok());
    Status s = with_view ? (*p)->AnnotateFrom(view_.get(), &schema) : (*p)->Annotate(&schema);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return schema.annotations;
  }
  // The first table whose display name is `display` ("" when none).
  static std::string TableShownAs(const SchemaAnnotations& a, const std::string& display) {
    for (const TableAnnotation& t : a.tables) {
      if (t.display_name == display) return t.table;
    }
    return "";
  }

 private:
  ScopedTempDir dir_;
  std::string path_;
  std::unique_ptr<Connector> connector_ = NewSqliteConnector();
  std::unique_ptr<SourceReader> view_;
};

bool HasRelation(const SchemaAnnotations& a, const std::string& child, const std::string& parent,
                 const std::string& on_delete) {
  for (const Relation& r : a.relations) {
    if (r.child_table == child && r.parent_table + "." + r.parent_column == parent &&
        r.on_delete == on_delete) {
      return true;
    }
  }
  return false;
}

TEST(NocoDbProfileTest, DetectedFromItsMetadataTables) {
  PlatformDb db("nocodb/noco.sql");
  ASSERT_NE(db.view(), nullptr);
  EXPECT_EQ(BuiltinProfiles().Detect(db.view()->schema()), "nocodb");
  EXPECT_TRUE(IsNocoDbDatabase(db.view()->schema()));
}

TEST(NocoDbProfileTest, TitlesLinksAndJunctionFromTheMetadataRows) {
  PlatformDb db("nocodb/noco.sql");
  ASSERT_NE(db.view(), nullptr);
  const SchemaAnnotations a = db.Annotate("nocodb", {});
  EXPECT_EQ(a.profile, "nocodb");
  const std::string authors = PlatformDb::TableShownAs(a, "Authors");
  const std::string books = PlatformDb::TableShownAs(a, "Books");
  ASSERT_FALSE(authors.empty());
  ASSERT_FALSE(books.empty());
  EXPECT_EQ(a.RoleOf(authors), TableRole::kData);
  EXPECT_EQ(a.ColumnDisplayName(books, "title"), "Title");
  std::string junction;
  for (const TableAnnotation& t : a.tables) {
    if (t.table.find("_m2m_") != std::string::npos) junction = t.table;
  }
  ASSERT_FALSE(junction.empty());
  EXPECT_EQ(a.RoleOf(junction), TableRole::kData);
  EXPECT_EQ(a.TableDisplayName(junction), "Authors.Favourites links");
  // has-many: the book's link column, cleared by NocoDB; many-to-many: the
  // junction's two columns, whose rows NocoDB deletes.
  EXPECT_TRUE(HasRelation(a, books, authors + ".id", "SET NULL"));
  EXPECT_TRUE(HasRelation(a, junction, authors + ".id", "CASCADE"));
  EXPECT_TRUE(HasRelation(a, junction, books + ".id", "CASCADE"));
  for (const Relation& r : a.relations) {
    if (r.child_table == books && r.parent_table == authors) {
      EXPECT_EQ(a.ColumnDisplayName(books, r.child_column), "Authors");  // the belongs-to link
    }
  }
}

TEST(NocoDbProfileTest, MetadataTransientAndSecrets) {
  PlatformDb db("nocodb/noco.sql");
  ASSERT_NE(db.view(), nullptr);
  const SchemaAnnotations a = db.Annotate("nocodb", {});
  EXPECT_EQ(a.RoleOf("nc_models_v2"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("nc_filter_exp_v2"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("xc_knex_migrationsv2"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("nc_audit_v2"), TableRole::kTransient);
  EXPECT_EQ(a.RoleOf("nc_user_refresh_tokens"), TableRole::kTransient);
  EXPECT_TRUE(a.IsSecret("nc_api_tokens", "token"));
  EXPECT_TRUE(a.IsSecret("nc_users_v2", "password"));
  EXPECT_TRUE(a.IsSecret("nc_sources_v2", "config"));
  EXPECT_FALSE(a.IsSecret("nc_api_tokens", "description"));
  EXPECT_TRUE(HasRelation(a, "nc_filter_exp_v2", "nc_views_v2.id", "CASCADE"));
  EXPECT_TRUE(HasRelation(a, "nc_grid_view_columns_v2", "nc_views_v2.id", "CASCADE"));
  EXPECT_TRUE(HasRelation(a, "nc_columns_v2", "nc_models_v2.id", "CASCADE"));
}

TEST(NocoDbProfileTest, SchemaAloneGivesRolesButNoTitlesOrLinks) {
  PlatformDb db("nocodb/noco.sql");
  ASSERT_NE(db.view(), nullptr);
  const SchemaAnnotations with = db.Annotate("nocodb", {});
  const SchemaAnnotations a = db.Annotate("nocodb", {}, /*with_view=*/false);
  EXPECT_EQ(a.RoleOf("nc_audit_v2"), TableRole::kTransient);
  EXPECT_TRUE(a.IsSecret("nc_api_tokens", "token"));
  EXPECT_TRUE(PlatformDb::TableShownAs(a, "Authors").empty());
  EXPECT_EQ(a.RoleOf(PlatformDb::TableShownAs(with, "Authors")), TableRole::kData);
}

TEST(NocoDbProfileTest, TablesTheBackupLeavesOutAreLeftOut) {
  PlatformDb db("nocodb/noco.sql");
  ASSERT_NE(db.view(), nullptr);
  const SchemaAnnotations all = db.Annotate("nocodb", {});
  const std::string authors = PlatformDb::TableShownAs(all, "Authors");
  const std::string books = PlatformDb::TableShownAs(all, "Books");
  // Only the two tables: the metadata is still read (in the view), the
  // relations into tables not read are dropped.
  const SchemaAnnotations a = db.Annotate("nocodb", {authors, books});
  EXPECT_EQ(a.TableDisplayName(authors), "Authors");
  ASSERT_EQ(a.relations.size(), 1u);
  EXPECT_TRUE(HasRelation(a, books, authors + ".id", "SET NULL"));
  EXPECT_TRUE(RelationProblems(a.relations, db.view()->schema(), "test").empty());
}

TEST(NocoDbProfileTest, AnnotationsRoundTripThroughTheManifestEncoding) {
  PlatformDb db("nocodb/noco.sql");
  ASSERT_NE(db.view(), nullptr);
  const SchemaAnnotations a = db.Annotate("auto", {});
  EXPECT_EQ(a.profile, "nocodb");
  std::string bytes;
  EncodeAnnotations(a, &bytes);
  EXPECT_EQ(bytes[0], 2);  // relations with an on_delete: version 2
  SchemaAnnotations back;
  Status s = DecodeAnnotations(bytes, "annotations", &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, a);
}

TEST(DirectusProfileTest, DetectedFromItsSystemTables) {
  PlatformDb db("directus/directus.sql");
  ASSERT_NE(db.view(), nullptr);
  EXPECT_EQ(BuiltinProfiles().Detect(db.view()->schema()), "directus");
  EXPECT_FALSE(IsNocoDbDatabase(db.view()->schema()));
}

TEST(DirectusProfileTest, NamesRolesAndSecrets) {
  PlatformDb db("directus/directus.sql");
  ASSERT_NE(db.view(), nullptr);
  const SchemaAnnotations a = db.Annotate("directus", {});
  EXPECT_EQ(a.TableDisplayName("authors"), "Writers");  // its translation
  EXPECT_EQ(a.TableDisplayName("books"), "Books");      // Directus's title of the name
  EXPECT_EQ(a.ColumnDisplayName("books", "title"), "Title");
  EXPECT_EQ(a.RoleOf("authors"), TableRole::kData);
  EXPECT_EQ(a.RoleOf("directus_files"), TableRole::kData);
  EXPECT_EQ(a.RoleOf("directus_flows"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("directus_collections"), TableRole::kMetadata);
  EXPECT_EQ(a.RoleOf("directus_activity"), TableRole::kTransient);
  EXPECT_EQ(a.RoleOf("directus_revisions"), TableRole::kTransient);
  EXPECT_EQ(a.RoleOf("directus_sessions"), TableRole::kTransient);
  EXPECT_TRUE(a.IsSecret("directus_users", "token"));
  EXPECT_TRUE(a.IsSecret("directus_users", "password"));
  EXPECT_TRUE(a.IsSecret("directus_sessions", "token"));
  EXPECT_FALSE(a.IsSecret("directus_users", "email"));
  EXPECT_EQ(a.TableDisplayName("directus_operations"), "Flow operations");
}

TEST(DirectusProfileTest, RelationsOnlyWhereNoForeignKeySaysThem) {
  PlatformDb db("directus/directus.sql");
  ASSERT_NE(db.view(), nullptr);
  // Directus made a SQL foreign key for books.author (and its system tables
  // have theirs): nothing to declare.
  const SchemaAnnotations keyed = db.Annotate("directus", {});
  for (const Relation& r : keyed.relations) ADD_FAILURE() << r.Name();
  // The same relation without its key (made with "schema": null): from
  // directus_relations, to the one collection's key.
  const SchemaAnnotations a = db.Annotate("directus", {}, true, [](SourceSchema* s) {
    for (TableSchema& t : s->tables) {
      if (t.name == "books") t.foreign_keys.clear();
      if (t.name == "directus_operations") t.foreign_keys.clear();
    }
  });
  EXPECT_TRUE(HasRelation(a, "books", "authors.id", ""));
  EXPECT_TRUE(HasRelation(a, "directus_operations", "directus_flows.id", "CASCADE"));  // a group
  EXPECT_TRUE(RelationProblems(a.relations, db.view()->schema(), "test").empty());
}

}  // namespace
}  // namespace tidemark
