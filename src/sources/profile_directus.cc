// The directus profile (sources/profile.h, docs/guide/platforms.md):
// Directus keeps the app's collections as plain tables with real SQL
// foreign keys, and its own overlay (collections, fields, relations,
// permissions, flows) in directus_* tables of the same database. Relations
// come from directus_relations (read in the backup's view) where no SQL
// foreign key says them already; display names from directus_collections
// and directus_fields (their translations, else the name as Directus
// shows it: "book_reviews" is "Book Reviews").
#include <map>

#include "base/ascii.h"
#include "base/json_parse.h"
#include "sources/connector.h"
#include "sources/live_target.h"
#include "sources/profile.h"

namespace tidemark {
namespace {

constexpr char kCollections[] = "directus_collections";
constexpr char kFields[] = "directus_fields";
constexpr char kRelations[] = "directus_relations";

// Directus's own tables, first match wins; any other directus_* table is
// metadata.
constexpr KnownTable kKnown[] = {
    {"directus_users",
     TableRole::kMetadata,
     "Users",
     {"password", "token", "tfa_secret", "auth_data"}},
    {"directus_sessions", TableRole::kTransient, "Sessions", {"token", "next_token"}},
    {"directus_activity", TableRole::kTransient, "Activity", {}},
    {"directus_revisions", TableRole::kTransient, "Revisions", {}},
    {"directus_notifications", TableRole::kTransient, "Notifications", {}},
    {"directus_shares", TableRole::kMetadata, "Shares", {"password"}},
    {"directus_files", TableRole::kData, "Files", {}},
    {"directus_folders", TableRole::kData, "Folders", {}},
    {"directus_comments", TableRole::kData, "Comments", {}},
    {"directus_versions", TableRole::kData, "Content versions", {}},
    {"directus_collections", TableRole::kMetadata, "Collections", {}},
    {"directus_fields", TableRole::kMetadata, "Fields", {}},
    {"directus_relations", TableRole::kMetadata, "Relations", {}},
    {"directus_flows", TableRole::kMetadata, "Flows", {}},
    {"directus_operations", TableRole::kMetadata, "Flow operations", {}},
    {"directus_roles", TableRole::kMetadata, "Roles", {}},
    {"directus_policies", TableRole::kMetadata, "Policies", {}},
    {"directus_permissions", TableRole::kMetadata, "Permissions", {}},
    {"directus_access", TableRole::kMetadata, "Access", {}},
    {"directus_presets", TableRole::kMetadata, "Presets and bookmarks", {}},
    {"directus_dashboards", TableRole::kMetadata, "Dashboards", {}},
    {"directus_panels", TableRole::kMetadata, "Dashboard panels", {}},
    {"directus_settings", TableRole::kMetadata, "Settings", {}},
    {"directus_migrations", TableRole::kMetadata, "Migrations", {}},
    {"directus_*", TableRole::kMetadata, "", {}},
};

// Metadata rows that belong together (a flow with its operations, a
// dashboard with its panels), deleted with their parent by Directus.
struct Group {
  const char* child;
  const char* column;
  const char* parent;
  const char* parent_column;
};
constexpr Group kGroups[] = {
    {"directus_operations", "flow", "directus_flows", "id"},
    {"directus_panels", "dashboard", "directus_dashboards", "id"},
    {"directus_permissions", "policy", "directus_policies", "id"},
    {"directus_access", "policy", "directus_policies", "id"},
    {"directus_access", "role", "directus_roles", "id"},
};

// "book_reviews" -> "Book Reviews" (Directus's own title of a name without
// a translation; acronyms and special words aside).
std::string Title(std::string_view name) {
  std::string out;
  bool start = true;
  for (char c : name) {
    if (c == '_' || c == '-' || c == ' ') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      start = true;
      continue;
    }
    out += start && c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c;
    start = false;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The first translation of a translations JSON value ("" when none).
std::string Translation(const std::string& json) {
  if (json.empty()) return "";
  Result<JsonValue> v = ParseJson(json);
  if (!v.ok() || !v->is_array()) return "";
  for (const JsonValue& t : v->array()) {
    const JsonValue* s = t.Find("translation");
    if (s != nullptr && s->is_string() && !s->string_value().empty()) return s->string_value();
  }
  return "";
}

// True when a SQL foreign key of `schema` already says child.column -> parent.
bool HasForeignKey(const SourceSchema& schema, const Relation& r) {
  const TableSchema* t = schema.FindTableIgnoreCase(r.child_table);
  if (t == nullptr) return false;
  for (const ForeignKey& fk : t->foreign_keys) {
    if (fk.from.size() == 1 && EqualsIgnoreCase(fk.from[0], r.child_column) &&
        EqualsIgnoreCase(fk.table, r.parent_table)) {
      return true;
    }
  }
  return false;
}

// The one key column of `table` in `schema` ("" when it has none or several).
std::string KeyColumn(const SourceSchema& schema, const std::string& table) {
  const TableSchema* t = schema.FindTableIgnoreCase(table);
  if (t == nullptr || t->key_columns.size() != 1) return "";
  return t->columns[size_t(t->key_columns[0])].name;
}

// directus_relations: many_collection.many_field -> one_collection's key.
Result<std::vector<Relation>> ReadRelations(SourceReader* view) {
  TM_ASSIGN_OR_RETURN(auto rows, ReadColumns(view, kRelations,
                                             {"many_collection", "many_field", "one_collection"}));
  std::vector<Relation> out;
  for (const auto& r : rows) {
    if (r[0].empty() || r[1].empty() || r[2].empty()) continue;  // a many-to-any has no one table
    const std::string key = KeyColumn(view->schema(), r[2]);
    if (!key.empty()) out.push_back(Relation{r[0], r[1], r[2], key, ""});
  }
  return out;
}

struct Names {
  std::map<std::string, std::string> tables;  // collection -> title
  std::map<std::string, std::map<std::string, std::string>>
      columns;  // collection -> field -> title
};

Result<Names> ReadNames(SourceReader* view) {
  Names names;
  TM_ASSIGN_OR_RETURN(auto collections,
                      ReadColumns(view, kCollections, {"collection", "translations"}));
  for (const auto& c : collections) {
    const std::string t = Translation(c[1]);
    names.tables[c[0]] = t.empty() ? Title(c[0]) : t;
  }
  if (view->schema().FindTableIgnoreCase(kFields) == nullptr) return names;
  TM_ASSIGN_OR_RETURN(auto fields,
                      ReadColumns(view, kFields, {"collection", "field", "translations"}));
  for (const auto& f : fields) {
    const std::string t = Translation(f[2]);
    names.columns[f[0]][f[1]] = t.empty() ? Title(f[1]) : t;
  }
  return names;
}

// A collection's display name and its fields' (for the collections of
// directus_collections; a field without a row of its own in
// directus_fields is shown by its title too).
TableAnnotation CollectionAnnotation(const Names& names, const TableSchema& t) {
  TableAnnotation a;
  a.namespace_name = t.namespace_name;
  a.table = t.name;
  auto title = names.tables.find(t.name);
  if (title == names.tables.end()) return a;
  if (title->second != t.name) a.display_name = title->second;
  auto fields = names.columns.find(t.name);
  for (const Column& c : t.columns) {
    std::string shown = Title(c.name);
    if (fields != names.columns.end()) {
      auto f = fields->second.find(c.name);
      if (f != fields->second.end()) shown = f->second;
    }
    if (shown != c.name) a.columns.push_back({c.name, shown, false});
  }
  return a;
}

std::vector<Relation> GroupRelations(const SourceSchema& schema) {
  std::vector<Relation> out;
  for (const Group& g : kGroups) {
    const TableSchema* t = schema.FindTableIgnoreCase(g.child);
    if (t == nullptr || ColumnIndex(*t, g.column) < 0) continue;
    out.push_back(Relation{t->name, g.column, g.parent, g.parent_column, "CASCADE"});
  }
  return out;
}

class DirectusProfile : public Profile {
 public:
  explicit DirectusProfile(ProfileInput input) : input_(std::move(input)) {}
  std::string_view name() const override { return "directus"; }
  Status Annotate(SourceSchema* schema) const override { return Apply({}, {}, schema); }
  Status AnnotateFrom(SourceReader* view, SourceSchema* schema) const override;

 private:
  Status Apply(const Names& names, std::vector<Relation> relations, SourceSchema* schema) const;
  ProfileInput input_;
};

Status DirectusProfile::Apply(const Names& names, std::vector<Relation> relations,
                              SourceSchema* schema) const {
  SchemaAnnotations own;
  for (const TableSchema& t : schema->tables) {
    if (const KnownTable* k = FindKnown(kKnown, t.name)) {
      own.tables.push_back(KnownAnnotation(*k, t));
    } else {
      own.tables.push_back(CollectionAnnotation(names, t));
    }
  }
  for (Relation& r : GroupRelations(*schema)) relations.push_back(std::move(r));
  std::erase_if(relations, [&](const Relation& r) { return HasForeignKey(*schema, r); });
  own.relations = MergeRelations({}, relations);
  return ApplyPlatformAnnotations(name(), input_, std::move(own), schema);
}

Status DirectusProfile::AnnotateFrom(SourceReader* view, SourceSchema* schema) const {
  if (view == nullptr || !IsDirectusDatabase(view->schema())) return Annotate(schema);
  TM_ASSIGN_OR_RETURN(Names names, ReadNames(view));
  TM_ASSIGN_OR_RETURN(std::vector<Relation> relations, ReadRelations(view));
  return Apply(names, std::move(relations), schema);
}

}  // namespace

bool IsDirectusDatabase(const SourceSchema& schema) {
  return schema.FindTableIgnoreCase(kCollections) != nullptr &&
         schema.FindTableIgnoreCase(kRelations) != nullptr &&
         schema.FindTableIgnoreCase("directus_migrations") != nullptr;
}

std::unique_ptr<Profile> MakeDirectusProfile(const ProfileInput& input) {
  return std::make_unique<DirectusProfile>(input);
}

}  // namespace tidemark
