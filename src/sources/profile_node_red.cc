// The node-red profile (sources/profile.h, docs/guide/platforms.md): the
// tables the files: connector makes of a Node-RED userdir, and what each is
// to Node-RED. Annotations are per table and column, so a file's role is its
// table's (each top-level file is a table of its own).
#include <fnmatch.h>

#include "sources/live_target.h"
#include "sources/profile.h"

namespace tidemark {
namespace {

bool HasColumns(const TableSchema& t, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (ColumnIndex(t, n) < 0) return false;
  }
  return true;
}

bool IsFlows(const TableSchema& t) { return HasColumns(t, {"id", "type", "z", "wires", "doc"}); }

// What Node-RED keeps in the file (or folder) a table was read from.
struct Known {
  const char* pattern;  // fnmatch on the table's name
  TableRole role;
  bool secret;  // its content column
  const char* display;
};

constexpr Known kKnown[] = {
    {"*_cred.json", TableRole::kMetadata, true, "Flow credentials"},
    {".sessions.json", TableRole::kTransient, true, "Editor sessions"},
    {"settings.js", TableRole::kMetadata, false, "Settings"},
    {"context", TableRole::kData, false, "Context"},
    {".config.runtime.json", TableRole::kMetadata, true, "Runtime settings"},
    {".config.*.json", TableRole::kMetadata, false, "Runtime settings"},
    {".*_cred.json.backup", TableRole::kTransient, true, "Credentials backup"},
    {".*.json.backup", TableRole::kTransient, false, "Flows backup"},
    {"lib", TableRole::kMetadata, false, "Library"},
    {"package.json", TableRole::kMetadata, false, "Installed nodes"},
    {"package-lock.json", TableRole::kMetadata, false, "Installed nodes"},
};

TableAnnotation FlowsAnnotation(const TableSchema& t) {
  TableAnnotation a;
  a.table = t.name;
  a.role = TableRole::kMetadata;
  a.display_name = "Flows";
  a.columns = {
      {"id", "Node id", false}, {"after", "After node", false},   {"type", "Node type", false},
      {"z", "Tab", false},      {"name", "Name or label", false}, {"wires", "Wires", false},
      {"doc", "Node", false}};
  return a;
}

// Node-RED's annotation of `t`; false when the profile does not know it.
bool NodeRedAnnotation(const TableSchema& t, TableAnnotation* out) {
  if (IsFlows(t)) {
    *out = FlowsAnnotation(t);
    return true;
  }
  for (const Known& k : kKnown) {
    if (fnmatch(k.pattern, t.name.c_str(), 0) != 0) continue;
    *out = TableAnnotation{};
    out->table = t.name;
    out->role = k.role;
    out->display_name = k.display;
    if (k.secret && ColumnIndex(t, "content") >= 0) out->columns.push_back({"content", "", true});
    return true;
  }
  return false;
}

class NodeRedProfile : public Profile {
 public:
  explicit NodeRedProfile(ProfileInput input) : input_(std::move(input)) {}
  std::string_view name() const override { return "node-red"; }
  Status Annotate(SourceSchema* schema) const override;

 private:
  ProfileInput input_;
};

Status NodeRedProfile::Annotate(SourceSchema* schema) const {
  TM_RETURN_IF_ERROR(MakeGenericProfile(input_)->Annotate(schema));  // the declared input
  SchemaAnnotations declared = std::move(schema->annotations);
  SchemaAnnotations out;
  out.profile = std::string(name());
  std::vector<Relation> own;
  for (const TableSchema& t : schema->tables) {
    TableAnnotation a;
    if (NodeRedAnnotation(t, &a)) {
      out.tables.push_back(std::move(a));
    } else if (const TableAnnotation* d = declared.Find(t.name)) {
      out.tables.push_back(*d);
    }
    // A node's tab (or subflow) is the flows row whose id is its z.
    if (IsFlows(t)) own.push_back(Relation{t.name, "z", t.name, "id"});
  }
  out.relations = MergeRelations(std::move(own), declared.relations);
  schema->annotations = std::move(out);
  return Status::OK();
}

}  // namespace

bool IsNodeRedUserdir(const SourceSchema& schema) {
  bool flows = false, runtime = false;
  for (const TableSchema& t : schema.tables) {
    flows = flows || IsFlows(t);
    runtime =
        runtime || t.name == "settings.js" || fnmatch(".config.*.json", t.name.c_str(), 0) == 0;
  }
  return flows && runtime;
}

std::unique_ptr<Profile> MakeNodeRedProfile(const ProfileInput& input) {
  return std::make_unique<NodeRedProfile>(input);
}

}  // namespace tidemark
