// The drill probe of the files: connector (sources/probe.h): the JSON check
// of every document, the schema objects (one per table), duplicates and
// orphans over the records. No SQL, no declared references.
#include <map>
#include <set>

#include "base/hex.h"
#include "sources/files/files_connector.h"
#include "sources/files/files_reader.h"

namespace tidemark::files {
namespace {

std::string Cell(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kInteger:
      return std::to_string(v.integer());
    case ValueType::kBlob:
      return "x'" + HexEncode(v.bytes()) + "'";
    default:
      return v.bytes();
  }
}

class FilesProbe final : public SourceProbe {
 public:
  explicit FilesProbe(FolderState state) : state_(std::move(state)) {}

  CheckName integrity_check() const override { return {"json_check", "JSON check"}; }
  Result<std::vector<std::string>> IntegrityProblems(size_t max) override {
    return JsonProblems(state_, max);
  }
  CheckName reference_check() const override { return {"reference_check", "references"}; }
  Status ForEachReferenceViolation(const std::function<void(const ReferenceViolation&)>&) override {
    return Status::OK();  // documents declare no references
  }
  Result<std::vector<SchemaObject>> SchemaObjects() override { return state_.schema.objects; }
  Result<Duplicates> FindDuplicates(const std::string& table,
                                    const std::vector<std::string>& columns, size_t max) override;
  Result<Orphans> FindOrphans(const Relation& rel, size_t max) override;

 private:
  Result<std::vector<int>> Positions(const std::string& table, const std::vector<std::string>& cols,
                                     const Document** doc) {
    *doc = state_.Find(table);
    if (*doc == nullptr) return Status::InvalidArgument("no table " + table + " in " + state_.root);
    std::vector<int> out;
    for (const std::string& c : cols) {
      const int p = RecordPosition((*doc)->schema, ColumnIndex((*doc)->schema, c));
      if (p < 0) return Status::InvalidArgument("table " + table + " has no column " + c);
      out.push_back(p);
    }
    return out;
  }
  FolderState state_;
};

Result<Duplicates> FilesProbe::FindDuplicates(const std::string& table,
                                              const std::vector<std::string>& columns, size_t max) {
  const Document* d = nullptr;
  TM_ASSIGN_OR_RETURN(std::vector<int> pos, Positions(table, columns, &d));
  std::map<std::vector<std::string>, uint64_t> seen;
  for (const auto& [k, row] : d->rows) {
    std::vector<std::string> cells;
    bool null = false;
    for (int p : pos) {
      null = null || row.record[size_t(p)].is_null();
      cells.push_back(Cell(row.record[size_t(p)]));
    }
    if (!null) seen[cells]++;
  }
  Duplicates out;
  for (const auto& [cells, n] : seen) {
    if (n < 2) continue;
    if (out.found.size() >= max) {
      out.truncated = true;
      break;
    }
    out.found.push_back({cells, n});
  }
  return out;
}

Result<Orphans> FilesProbe::FindOrphans(const Relation& rel, size_t max) {
  const Document *child = nullptr, *parent = nullptr;
  TM_ASSIGN_OR_RETURN(std::vector<int> cp, Positions(rel.child_table, {rel.child_column}, &child));
  TM_ASSIGN_OR_RETURN(std::vector<int> pp,
                      Positions(rel.parent_table, {rel.parent_column}, &parent));
  std::set<std::string> have;
  for (const auto& [k, row] : parent->rows) have.insert(Cell(row.record[size_t(pp[0])]));
  Orphans out;
  for (const auto& [k, row] : child->rows) {
    const Value& v = row.record[size_t(cp[0])];
    if (v.is_null() || have.count(Cell(v))) continue;
    if (out.found.size() >= max) {
      out.truncated = true;
      break;
    }
    out.found.push_back({"key " + Cell(row.key[0]), Cell(v)});
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) {
  TM_ASSIGN_OR_RETURN(FolderState st, ReadFolder(location));
  return std::unique_ptr<SourceProbe>(std::make_unique<FilesProbe>(std::move(st)));
}

}  // namespace tidemark::files
