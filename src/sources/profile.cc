#include "sources/profile.h"

#include <fnmatch.h>

#include "base/ascii.h"
#include "records/encoding.h"
#include "sources/connector.h"

namespace tidemark {

bool TableMatches(std::string_view pattern, std::string_view name) {
  return fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), FNM_CASEFOLD) == 0;
}

Result<std::vector<std::vector<std::string>>> ReadColumns(SourceReader* view,
                                                          std::string_view table,
                                                          const std::vector<std::string>& columns) {
  const TableSchema* t = view->schema().FindTableIgnoreCase(table);
  if (t == nullptr || !t->has_records()) {
    return Status::NotFound("no table " + std::string(table) + " in the source");
  }
  const std::vector<std::string> fields = t->RecordFieldNames();
  std::vector<int> at;  // per wanted column: its index in the record, -1 when absent
  for (const std::string& c : columns) {
    int found = -1;
    for (size_t i = 0; i < fields.size() && found < 0; i++) {
      if (EqualsIgnoreCase(fields[i], c)) found = static_cast<int>(i);
    }
    at.push_back(found);
  }
  std::vector<std::vector<std::string>> rows;
  TM_RETURN_IF_ERROR(view->Scan(*t, [&](const SourceRow& row) {
    std::vector<std::string>& out = rows.emplace_back();
    for (int i : at) {
      const bool has = i >= 0 && size_t(i) < row.record.size() && !row.record[size_t(i)].is_null();
      out.push_back(has ? ValueToDisplay(row.record[size_t(i)]) : "");
    }
    return Status::OK();
  }));
  return rows;
}

const KnownTable* FindKnown(std::span<const KnownTable> known, std::string_view table) {
  for (const KnownTable& k : known) {
    if (TableMatches(k.pattern, table)) return &k;
  }
  return nullptr;
}

TableAnnotation KnownAnnotation(const KnownTable& known, const TableSchema& t) {
  TableAnnotation a;
  a.namespace_name = t.namespace_name;
  a.table = t.name;
  a.role = known.role;
  a.display_name = known.display;
  for (const Column& c : t.columns) {
    for (const char* secret : known.secret) {
      if (secret == nullptr) break;
      if (EqualsIgnoreCase(c.name, secret)) a.columns.push_back({c.name, "", true});
    }
  }
  return a;
}

namespace {

// An entry the format can hold: one that says something (records.md §6.1).
bool SaysSomething(TableAnnotation* a) {
  std::erase_if(a->columns,
                [](const ColumnAnnotation& c) { return !c.secret && c.display_name.empty(); });
  return a->role != TableRole::kData || !a->display_name.empty() || !a->columns.empty();
}

}  // namespace

Status ApplyPlatformAnnotations(std::string_view profile, const ProfileInput& input,
                                SchemaAnnotations own, SourceSchema* schema) {
  TM_RETURN_IF_ERROR(MakeGenericProfile(input)->Annotate(schema));  // the declared input
  SchemaAnnotations declared = std::move(schema->annotations);
  SchemaAnnotations out;
  out.profile = std::string(profile);
  for (const TableSchema& t : schema->tables) {
    for (const SchemaAnnotations* from : {&own, &declared}) {
      const TableAnnotation* a = from->Find(t.name, t.namespace_name);
      if (a == nullptr) continue;
      TableAnnotation entry = *a;
      entry.table = t.name;  // the schema's spelling
      if (!SaysSomething(&entry)) continue;
      out.tables.push_back(std::move(entry));
      break;
    }
  }
  std::erase_if(own.relations,
                [&](const Relation& r) { return !RelationProblems({r}, *schema, "").empty(); });
  out.relations = MergeRelations(std::move(own.relations), declared.relations);
  schema->annotations = std::move(out);
  return Status::OK();
}

namespace {

bool Matches(const std::vector<std::string>& patterns, const std::string& name) {
  for (const std::string& p : patterns) {
    if (TableMatches(p, name)) return true;
  }
  return false;
}

// "orders.card_*" -> ("orders", "card_*"); false without a dot.
bool SplitPattern(const std::string& p, std::string* table, std::string* column) {
  const size_t dot = p.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == p.size()) return false;
  *table = p.substr(0, dot);
  *column = p.substr(dot + 1);
  return true;
}

class GenericProfile : public Profile {
 public:
  explicit GenericProfile(ProfileInput input) : input_(std::move(input)) {}
  std::string_view name() const override { return "generic"; }
  Status Annotate(SourceSchema* schema) const override;

 private:
  TableAnnotation TableOf(const TableSchema& t) const;
  ProfileInput input_;
};

TableAnnotation GenericProfile::TableOf(const TableSchema& t) const {
  TableAnnotation a;
  a.namespace_name = t.namespace_name;
  a.table = t.name;
  if (Matches(input_.metadata, t.name)) {
    a.role = TableRole::kMetadata;
  } else if (Matches(input_.transient, t.name)) {
    a.role = TableRole::kTransient;
  }
  for (const Column& c : t.columns) {
    for (const std::string& p : input_.secret) {
      std::string table, column;
      if (!SplitPattern(p, &table, &column)) continue;
      if (TableMatches(table, t.name) && TableMatches(column, c.name)) {
        a.columns.push_back({c.name, "", true});
        break;
      }
    }
  }
  return a;
}

Status GenericProfile::Annotate(SourceSchema* schema) const {
  const std::vector<std::string> problems =
      RelationProblems(input_.relations, *schema, input_.where + " [[source.relation]]");
  if (!problems.empty()) {
    std::string all;
    for (const std::string& p : problems) all += (all.empty() ? "" : "; ") + p;
    return Status::InvalidArgument(all);
  }
  SchemaAnnotations out;
  out.profile = std::string(name());
  for (const TableSchema& t : schema->tables) {
    TableAnnotation a = TableOf(t);
    if (a.role != TableRole::kData || !a.columns.empty()) out.tables.push_back(std::move(a));
  }
  out.relations = input_.relations;
  schema->annotations = std::move(out);
  return Status::OK();
}

}  // namespace

Status ValidateProfileInput(const ProfileInput& in) {
  for (const auto* list : {&in.metadata, &in.transient, &in.secret}) {
    for (const std::string& p : *list) {
      if (p.empty()) return Status::InvalidArgument("empty table pattern");
    }
  }
  for (const std::string& p : in.secret) {
    std::string table, column;
    if (!SplitPattern(p, &table, &column)) {
      return Status::InvalidArgument(
          "secret pattern \"" + p + "\": expected \"table.column\" (globs allowed: \"*.api_key\")");
    }
  }
  for (const Relation& rel : in.relations) {
    if (rel.child_table.empty() || rel.child_column.empty() || rel.parent_table.empty() ||
        rel.parent_column.empty()) {
      return Status::InvalidArgument("relation \"" + rel.Name() +
                                     "\": expected child.column -> parent.column");
    }
  }
  return Status::OK();
}

void ProfileRegistry::Register(std::string name, Factory make, Detector detect) {
  profiles_.push_back(Entry{std::move(name), std::move(make), std::move(detect)});
}

bool ProfileRegistry::Has(std::string_view name) const {
  for (const Entry& e : profiles_) {
    if (e.name == name) return true;
  }
  return false;
}

std::string ProfileRegistry::Detect(const SourceSchema& schema) const {
  for (const Entry& e : profiles_) {
    if (e.detect && e.detect(schema)) return e.name;
  }
  return "";
}

std::vector<std::string> ProfileRegistry::Names() const {
  std::vector<std::string> out;
  for (const Entry& e : profiles_) out.push_back(e.name);
  return out;
}

std::string ProfileRegistry::Unknown(std::string_view name) const {
  std::string known;
  for (const Entry& e : profiles_) known += (known.empty() ? "" : ", ") + e.name;
  return "unknown profile \"" + std::string(name) +
         "\"; this build knows: " + (known.empty() ? "none" : known);
}

Result<std::unique_ptr<Profile>> ProfileRegistry::Make(std::string_view name,
                                                       const ProfileInput& input) const {
  for (const Entry& e : profiles_) {
    if (e.name == name) return e.make(input);
  }
  return Status::InvalidArgument(Unknown(name));
}

std::unique_ptr<Profile> MakeGenericProfile(const ProfileInput& input) {
  return std::make_unique<GenericProfile>(input);
}

namespace {

class AutoProfile : public Profile {
 public:
  explicit AutoProfile(ProfileInput input) : input_(std::move(input)) {}
  std::string_view name() const override { return "auto"; }
  Status Annotate(SourceSchema* schema) const override { return AnnotateFrom(nullptr, schema); }
  // Detected from the source's whole schema when there is a view (a backup
  // that leaves out the platform's metadata tables still knows its platform).
  Status AnnotateFrom(SourceReader* view, SourceSchema* schema) const override {
    const std::string found = BuiltinProfiles().Detect(view ? view->schema() : *schema);
    TM_ASSIGN_OR_RETURN(std::unique_ptr<Profile> p,
                        BuiltinProfiles().Make(found.empty() ? "generic" : found, input_));
    return view ? p->AnnotateFrom(view, schema) : p->Annotate(schema);
  }

 private:
  ProfileInput input_;
};

}  // namespace

std::unique_ptr<Profile> MakeAutoProfile(const ProfileInput& input) {
  return std::make_unique<AutoProfile>(input);
}

const ProfileRegistry& BuiltinProfiles() {
  static const ProfileRegistry* registry = [] {
    auto* r = new ProfileRegistry;
    r->Register("generic", MakeGenericProfile);
    r->Register("node-red", MakeNodeRedProfile, IsNodeRedUserdir);
    r->Register("nocodb", MakeNocoDbProfile, IsNocoDbDatabase);
    r->Register("directus", MakeDirectusProfile, IsDirectusDatabase);
    r->Register("auto", MakeAutoProfile);
    return r;
  }();
  return *registry;
}

}  // namespace tidemark
