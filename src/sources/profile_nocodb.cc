// The nocodb profile (sources/profile.h, docs/guide/platforms.md): NocoDB
// keeps its bases' tables and its own metadata in one database. Which
// tables are the app's data, what people call them and how they link is in
// rows of that metadata (nc_models_v2, nc_columns_v2, nc_col_relations_v2),
// read in the backup's own read view (Profile::AnnotateFrom): NocoDB's
// links are plain columns and junction tables, with no SQL foreign key.
#include <map>

#include "sources/connector.h"
#include "sources/live_target.h"
#include "sources/profile.h"

namespace tidemark {
namespace {

constexpr char kModels[] = "nc_models_v2";
constexpr char kColumns[] = "nc_columns_v2";
constexpr char kLinks[] = "nc_col_relations_v2";

// NocoDB's own tables, first match wins. What is not listed but starts
// with nc_ is metadata; the tables of nc_models_v2 are data.
constexpr KnownTable kKnown[] = {
    {"nc_api_tokens", TableRole::kMetadata, "API tokens", {"token"}},
    {"nc_users_v2",
     TableRole::kMetadata,
     "Users",
     {"password", "salt", "invite_token", "reset_password_token", "email_verification_token"}},
    {"nc_user_refresh_tokens", TableRole::kTransient, "Sessions", {"token"}},
    {"nc_audit_v2", TableRole::kTransient, "Audit log", {}},
    {"nc_hook_logs_v2", TableRole::kTransient, "Webhook logs", {}},
    {"nc_sync_logs_v2", TableRole::kTransient, "Sync logs", {}},
    {"nc_jobs", TableRole::kTransient, "Jobs", {}},
    {"notification", TableRole::kTransient, "Notifications", {}},
    {"xc_knex_migrations*_lock", TableRole::kTransient, "Migration lock", {}},
    {"xc_knex_migrations*", TableRole::kMetadata, "Migrations", {}},
    {"nc_comments", TableRole::kData, "Comments", {}},
    {"nc_comment_reactions", TableRole::kData, "Comment reactions", {}},
    {"nc_bases_v2", TableRole::kMetadata, "Bases", {"password"}},
    {"nc_sources_v2", TableRole::kMetadata, "Data sources", {"config"}},
    {"nc_integrations_v2", TableRole::kMetadata, "Integrations", {"config"}},
    {"nc_plugins_v2", TableRole::kMetadata, "Plugins", {"input"}},
    {"nc_data_reflection", TableRole::kMetadata, "Data reflection", {"password"}},
    {"nc_sync_configs", TableRole::kMetadata, "Syncs", {"sync_trigger_secret"}},
    {"nc_hooks_v2", TableRole::kMetadata, "Webhooks", {"headers"}},
    {"nc_shared_bases", TableRole::kMetadata, "Shared bases", {"password"}},
    {"nc_shared_views_v2", TableRole::kMetadata, "Shared views", {"password"}},
    {"nc_views_v2", TableRole::kMetadata, "Views", {"password"}},
    {"nc_kanban_view_v2", TableRole::kMetadata, "Kanban views", {"password"}},
    {"nc_models_v2", TableRole::kMetadata, "Tables", {}},
    {"nc_columns_v2", TableRole::kMetadata, "Fields", {}},
    {"nc_col_relations_v2", TableRole::kMetadata, "Links", {}},
    {"nc_filter_exp_v2", TableRole::kMetadata, "Filters", {}},
    {"nc_sort_v2", TableRole::kMetadata, "Sorts", {}},
    {"nc_grid_view_v2", TableRole::kMetadata, "Grid views", {}},
    {"nc_grid_view_columns_v2", TableRole::kMetadata, "Grid view fields", {}},
    {"nc_store", TableRole::kMetadata, "Settings", {}},
    {"nc_*", TableRole::kMetadata, "", {}},
};

// Metadata rows that belong together (a view with its filters, sorts and
// columns; a table with its fields): child.column -> parent.id, deleted
// with the parent by NocoDB.
struct Group {
  const char* child;  // TableMatches glob
  const char* column;
  const char* parent;
};
constexpr Group kGroups[] = {
    {"nc_filter_exp_v2", "fk_view_id", "nc_views_v2"},
    {"nc_filter_exp_v2", "fk_parent_id", "nc_filter_exp_v2"},
    {"nc_sort_v2", "fk_view_id", "nc_views_v2"},
    {"nc_shared_views_v2", "fk_view_id", "nc_views_v2"},
    {"nc_*_view_v2", "fk_view_id", "nc_views_v2"},
    {"nc_*_view_columns_v2", "fk_view_id", "nc_views_v2"},
    {"nc_calendar_view_range_v2", "fk_view_id", "nc_views_v2"},
    {"nc_views_v2", "fk_model_id", "nc_models_v2"},
    {"nc_columns_v2", "fk_model_id", "nc_models_v2"},
    {"nc_col_*_v2", "fk_column_id", "nc_columns_v2"},
};

bool IsDataTableName(std::string_view name) {  // a base's table: nc_<prefix>___<name>
  return TableMatches("nc_*___*", name);
}

bool Truthy(const std::string& v) { return v == "1" || v == "true"; }

// What nc_models_v2, nc_columns_v2 and nc_col_relations_v2 say.
struct Model {
  std::string id, table, title;
  bool junction = false;  // a many-to-many link's table (mm)
};
struct Field {
  std::string model, column, title;
};
struct Link {
  std::string type, column, child, parent, mm_model, mm_child, mm_parent;
};
struct NocoMeta {
  std::map<std::string, Model> models;  // by id
  std::map<std::string, Field> fields;  // by id
  std::vector<Link> links;              // in key order
  const Model* ModelOf(const std::string& field_id) const {
    auto f = fields.find(field_id);
    if (f == fields.end()) return nullptr;
    auto m = models.find(f->second.model);
    return m == models.end() ? nullptr : &m->second;
  }
};

Result<NocoMeta> ReadMeta(SourceReader* view) {
  NocoMeta meta;
  TM_ASSIGN_OR_RETURN(auto models,
                      ReadColumns(view, kModels, {"id", "table_name", "title", "mm", "deleted"}));
  for (auto& r : models) {
    if (Truthy(r[4]) || r[1].empty()) continue;
    meta.models[r[0]] = Model{r[0], r[1], r[2], Truthy(r[3])};
  }
  TM_ASSIGN_OR_RETURN(
      auto fields,
      ReadColumns(view, kColumns, {"id", "fk_model_id", "column_name", "title", "deleted"}));
  for (auto& r : fields) {
    if (!Truthy(r[4])) meta.fields[r[0]] = Field{r[1], r[2], r[3]};
  }
  TM_ASSIGN_OR_RETURN(
      auto links, ReadColumns(view, kLinks,
                              {"type", "fk_column_id", "fk_child_column_id", "fk_parent_column_id",
                               "fk_mm_model_id", "fk_mm_child_column_id", "fk_mm_parent_column_id",
                               "deleted"}));
  for (auto& r : links) {
    if (!Truthy(r[7])) meta.links.push_back(Link{r[0], r[1], r[2], r[3], r[4], r[5], r[6]});
  }
  return meta;
}

// child.column -> parent.column from two fields; false when either is unknown.
bool FieldRelation(const NocoMeta& meta, const std::string& child, const std::string& parent,
                   std::string on_delete, Relation* out) {
  const Model* cm = meta.ModelOf(child);
  const Model* pm = meta.ModelOf(parent);
  if (cm == nullptr || pm == nullptr) return false;
  const std::string& cc = meta.fields.at(child).column;
  const std::string& pc = meta.fields.at(parent).column;
  if (cc.empty() || pc.empty()) return false;
  *out = Relation{cm->table, cc, pm->table, pc, std::move(on_delete)};
  return true;
}

// The relations NocoDB's links make: has-many and belongs-to (the child's
// link column; NocoDB clears it when the parent goes), many-to-many (both
// columns of the junction table; NocoDB deletes its rows).
std::vector<Relation> LinkRelations(const NocoMeta& meta) {
  std::vector<Relation> out;
  Relation r;
  for (const Link& l : meta.links) {
    if (l.type == "hm" || l.type == "bt") {
      const Model* child = meta.ModelOf(l.child);
      const std::string action = child != nullptr && child->junction ? "CASCADE" : "SET NULL";
      if (FieldRelation(meta, l.child, l.parent, action, &r)) out.push_back(r);
    } else if (l.type == "mm") {
      if (FieldRelation(meta, l.mm_child, l.child, "CASCADE", &r)) out.push_back(r);
      if (FieldRelation(meta, l.mm_parent, l.parent, "CASCADE", &r)) out.push_back(r);
    }
  }
  return MergeRelations({}, out);
}

std::vector<Relation> GroupRelations(const SourceSchema& schema) {
  std::vector<Relation> out;
  for (const TableSchema& t : schema.tables) {
    for (const Group& g : kGroups) {
      if (!TableMatches(g.child, t.name) || ColumnIndex(t, g.column) < 0) continue;
      out.push_back(Relation{t.name, g.column, g.parent, "id", "CASCADE"});
    }
  }
  return out;
}

// The role and secrets of `t` from its name alone.
bool NameAnnotation(const TableSchema& t, TableAnnotation* out) {
  if (IsDataTableName(t.name)) return false;  // a base's table: data
  const KnownTable* k = FindKnown(kKnown, t.name);
  if (k == nullptr) return false;
  *out = KnownAnnotation(*k, t);
  return true;
}

// Display names of a data table and its fields; a link column is named by
// its link ("Authors"), a junction's columns by the tables they point to.
TableAnnotation DataAnnotation(const NocoMeta& meta, const Model& m, const TableSchema& t) {
  TableAnnotation a;
  a.namespace_name = t.namespace_name;
  a.table = t.name;
  a.display_name = m.title;
  std::map<std::string, std::string> names;  // column -> title
  for (const auto& [id, f] : meta.fields) {
    if (f.model == m.id && !f.column.empty() && f.title != f.column) names[f.column] = f.title;
  }
  for (const Link& l : meta.links) {
    auto link = meta.fields.find(l.column);
    auto child = meta.fields.find(l.child);
    if (l.type == "bt" && link != meta.fields.end() && child != meta.fields.end() &&
        child->second.model == m.id) {
      names[child->second.column] = link->second.title;
    }
    if (l.type != "mm" || l.mm_model != m.id) continue;
    for (const auto& [own, other] :
         {std::pair{l.mm_child, l.child}, std::pair{l.mm_parent, l.parent}}) {
      const Model* target = meta.ModelOf(other);
      auto f = meta.fields.find(own);
      if (target != nullptr && f != meta.fields.end()) names[f->second.column] = target->title;
    }
    if (a.display_name == m.table && link != meta.fields.end()) {
      const Model* owner = meta.ModelOf(l.column);
      a.display_name = (owner ? owner->title + "." : "") + link->second.title + " links";
    }
  }
  for (const Column& c : t.columns) {
    auto n = names.find(c.name);
    if (n != names.end()) a.columns.push_back({c.name, n->second, false});
  }
  return a;
}

class NocoDbProfile : public Profile {
 public:
  explicit NocoDbProfile(ProfileInput input) : input_(std::move(input)) {}
  std::string_view name() const override { return "nocodb"; }
  Status Annotate(SourceSchema* schema) const override;
  Status AnnotateFrom(SourceReader* view, SourceSchema* schema) const override;

 private:
  ProfileInput input_;
};

Status NocoDbProfile::Annotate(SourceSchema* schema) const {
  SchemaAnnotations own;
  for (const TableSchema& t : schema->tables) {
    TableAnnotation a;
    if (NameAnnotation(t, &a)) own.tables.push_back(std::move(a));
  }
  own.relations = GroupRelations(*schema);
  return ApplyPlatformAnnotations(name(), input_, std::move(own), schema);
}

Status NocoDbProfile::AnnotateFrom(SourceReader* view, SourceSchema* schema) const {
  if (view == nullptr || !IsNocoDbDatabase(view->schema())) return Annotate(schema);
  TM_ASSIGN_OR_RETURN(NocoMeta meta, ReadMeta(view));
  std::map<std::string, const Model*> by_table;
  for (const auto& [id, m] : meta.models) by_table[m.table] = &m;
  SchemaAnnotations own;
  for (const TableSchema& t : schema->tables) {
    TableAnnotation a;
    auto m = by_table.find(t.name);
    if (m != by_table.end()) {
      own.tables.push_back(DataAnnotation(meta, *m->second, t));
    } else if (NameAnnotation(t, &a)) {
      own.tables.push_back(std::move(a));
    }
  }
  own.relations = MergeRelations(LinkRelations(meta), GroupRelations(*schema));
  return ApplyPlatformAnnotations(name(), input_, std::move(own), schema);
}

}  // namespace

bool IsNocoDbDatabase(const SourceSchema& schema) {
  return schema.FindTableIgnoreCase(kModels) != nullptr &&
         schema.FindTableIgnoreCase(kColumns) != nullptr &&
         schema.FindTableIgnoreCase(kLinks) != nullptr;
}

std::unique_ptr<Profile> MakeNocoDbProfile(const ProfileInput& input) {
  return std::make_unique<NocoDbProfile>(input);
}

}  // namespace tidemark
