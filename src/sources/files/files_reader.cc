#include "sources/files/files_reader.h"

#include "base/json_parse.h"

namespace tidemark::files {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class FilesLookup final : public LiveLookup {
 public:
  explicit FilesLookup(FolderState* state) : state_(state) {}

  Result<bool> Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row) override {
    const Document* d = state_->Find(t.name);
    if (d == nullptr) return false;
    auto it = d->rows.find(KeyBytes(key));
    if (it == d->rows.end() || it->second.key != key) return false;
    *row = it->second;
    return true;
  }

  Status ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                      const std::vector<Value>& values,
                      const std::function<Status(const SourceRow&)>& fn) override {
    TM_ASSIGN_OR_RETURN(std::vector<SourceRow> rows, Where(t, columns, values));
    for (const SourceRow& r : rows) TM_RETURN_IF_ERROR(fn(r));
    return Status::OK();
  }

  Result<bool> AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                        const std::vector<Value>& values) override {
    TM_ASSIGN_OR_RETURN(std::vector<SourceRow> rows, Where(t, columns, values));
    return !rows.empty();
  }

  Result<Value> DefaultValue(const TableSchema&, int) override { return Value::Null(); }

 private:
  // A copy: fn may write to the state while it runs.
  Result<std::vector<SourceRow>> Where(const TableSchema& t,
                                       const std::vector<std::string>& columns,
                                       const std::vector<Value>& values) {
    std::vector<SourceRow> out;
    const Document* d = state_->Find(t.name);
    if (d == nullptr) return out;
    std::vector<int> pos;
    for (const std::string& c : columns) {
      const int p = RecordPosition(d->schema, ColumnIndex(d->schema, c));
      if (p < 0) return Status::InvalidArgument("table " + t.name + " has no column " + c);
      pos.push_back(p);
    }
    for (const Value& v : values) {
      if (v.is_null()) return out;
    }
    for (const auto& [k, row] : d->rows) {
      bool all = true;
      for (size_t i = 0; i < pos.size() && all; i++) all = row.record[size_t(pos[i])] == values[i];
      if (all) out.push_back(row);
    }
    return out;
  }

  FolderState* state_;
};

}  // namespace

Status FilesReader::Scan(const TableSchema& table,
                         const std::function<Status(const SourceRow&)>& fn) {
  const Document* d = state_.Find(table.name);
  if (d == nullptr) return Status::NotFound("no table " + table.name + " in " + state_.root);
  for (const auto& [k, row] : d->rows) TM_RETURN_IF_ERROR(fn(row));
  return Status::OK();
}

Result<uint64_t> FilesReader::CountRows(const TableSchema& table) {
  const Document* d = state_.Find(table.name);
  return d == nullptr ? 0 : uint64_t(d->rows.size());
}

Result<std::vector<std::string>> FilesReader::IntegrityProblems() {
  return JsonProblems(state_, 10);
}

std::vector<std::string> JsonProblems(const FolderState& state, size_t max) {
  std::vector<std::string> out;
  for (const Document& d : state.docs) {
    for (const auto& [k, row] : d.rows) {
      if (out.size() >= max) return out;
      const bool opaque = d.format.kind == DocKind::kFile || d.format.kind == DocKind::kFolder;
      if (opaque && !EndsWith(row.record[0].bytes(), ".json")) continue;
      if (d.format.kind == DocKind::kCsv) break;
      const std::string path = d.format.kind == DocKind::kFolder
                                   ? d.format.path + "/" + row.record[0].bytes()
                                   : d.format.path;
      const Value& text = opaque ? row.record[1] : row.record.back();
      Result<JsonValue> v = ParseJson(text.bytes());
      if (!v.ok()) out.push_back(path + ": " + v.status().message());
    }
  }
  return out;
}

std::unique_ptr<LiveLookup> NewLookup(FolderState* state) {
  return std::make_unique<FilesLookup>(state);
}

}  // namespace tidemark::files
