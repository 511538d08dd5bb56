#include "sources/profile.h"

#include <fnmatch.h>

namespace tidemark {
namespace {

bool Matches(const std::vector<std::string>& patterns, const std::string& name) {
  for (const std::string& p : patterns) {
    if (fnmatch(p.c_str(), name.c_str(), FNM_CASEFOLD) == 0) return true;
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
      if (fnmatch(table.c_str(), t.name.c_str(), FNM_CASEFOLD) == 0 &&
          fnmatch(column.c_str(), c.name.c_str(), FNM_CASEFOLD) == 0) {
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
  Status Annotate(SourceSchema* schema) const override {
    const std::string found = BuiltinProfiles().Detect(*schema);
    TM_ASSIGN_OR_RETURN(std::unique_ptr<Profile> p,
                        BuiltinProfiles().Make(found.empty() ? "generic" : found, input_));
    return p->Annotate(schema);
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
    r->Register("auto", MakeAutoProfile);
    return r;
  }();
  return *registry;
}

}  // namespace tidemark
