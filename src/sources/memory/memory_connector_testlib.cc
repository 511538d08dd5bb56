#include "sources/memory/memory_connector_testlib.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "records/encoding.h"
#include "sources/live_target.h"
#include "sources/memory/memory_live_testlib.h"

namespace tidemark::memory {

namespace {

Status CheckKeyed(const SourceSchema& schema) {
  for (const TableSchema& t : schema.tables) {
    if (t.has_records() && (t.key_columns.empty() || !t.no_implicit_id)) {
      return Status::InvalidArgument("memory source: table " + t.name +
                                     " needs declared key columns and no implicit id");
    }
  }
  return Status::OK();
}

Result<const TableSchema*> TableOf(const MemorySource& s, const std::string& name) {
  const TableSchema* t = s.schema.FindTable(name);
  if (t == nullptr) return Status::NotFound("memory source: no table " + name);
  return t;
}

// A consistent view: the copy of the source taken when it was opened.
class MemoryReader final : public SourceReader {
 public:
  explicit MemoryReader(MemorySource source) : source_(std::move(source)) {}

  const SourceSchema& schema() const override { return source_.schema; }

  Status Scan(const TableSchema& table,
              const std::function<Status(const SourceRow&)>& fn) override {
    auto it = source_.rows.find(table.name);
    if (it == source_.rows.end()) return Status::OK();
    for (const auto& [bytes, row] : it->second) TM_RETURN_IF_ERROR(fn(row));
    return Status::OK();
  }

  Result<uint64_t> CountRows(const TableSchema& table) override {
    auto it = source_.rows.find(table.name);
    return it == source_.rows.end() ? 0 : uint64_t(it->second.size());
  }

  // Every row is filed under the key its record holds.
  Result<std::vector<std::string>> IntegrityProblems() override {
    std::vector<std::string> problems;
    for (const auto& [name, rows] : source_.rows) {
      const TableSchema* t = source_.schema.FindTable(name);
      for (const auto& [bytes, row] : rows) {
        if (t == nullptr || KeyBytes(KeyOf(*t, row.record)) != bytes) {
          problems.push_back("table " + name + ": a row is filed under another key");
          break;
        }
      }
    }
    return problems;
  }

  const MemorySource& source() const { return source_; }

 private:
  MemorySource source_;
};

// Stages a whole new source; Publish swaps it in.
class MemoryRestoreTarget final : public RestoreTarget {
 public:
  MemoryRestoreTarget(MemoryWorld* world, std::string location, MemorySource staged)
      : world_(world), location_(std::move(location)), staged_(std::move(staged)) {}

  Status BeginTable(const TableSchema& table) override {
    TM_ASSIGN_OR_RETURN(table_, TableOf(staged_, table.name));
    return Status::OK();
  }
  Status Insert(const SourceRow& row) override {
    if (table_ == nullptr) return Status::InvalidArgument("memory target: Insert outside a table");
    if (row.record.size() != table_->StoredColumns().size()) {
      return Status::InvalidArgument("memory target: a row of " + table_->name +
                                     " has the wrong number of values");
    }
    auto [it, fresh] = staged_.rows[table_->name].emplace(KeyBytes(row.key), row);
    if (!fresh) return Status::Corruption("memory target: duplicate key in " + table_->name);
    return Status::OK();
  }
  Status EndTable() override {
    table_ = nullptr;
    return Status::OK();
  }
  Status Finish() override {
    finished_ = true;
    return Status::OK();
  }
  Result<std::unique_ptr<SourceReader>> OpenStaged() override {
    if (!finished_) return Status::InvalidArgument("memory target: OpenStaged before Finish");
    return std::unique_ptr<SourceReader>(std::make_unique<MemoryReader>(staged_));
  }
  Status Publish() override {
    if (!finished_) return Status::InvalidArgument("memory target: Publish before Finish");
    world_->Set(location_, staged_);
    return Status::OK();
  }
  uint64_t bytes() const override { return 0; }

 private:
  MemoryWorld* world_;
  std::string location_;
  MemorySource staged_;
  const TableSchema* table_ = nullptr;
  bool finished_ = false;
};

// `schema` with only `tables` (all when empty).
Result<SourceSchema> Selected(const SourceSchema& schema, const std::vector<std::string>& tables) {
  if (tables.empty()) return schema;
  SourceSchema out = schema;
  out.tables.clear();
  for (const std::string& name : tables) {
    const TableSchema* t = schema.FindTable(name);
    if (t == nullptr) return Status::NotFound("memory target: no table " + name + " to restore");
    out.tables.push_back(*t);
  }
  return out;
}

class MemoryConnector final : public Connector {
 public:
  explicit MemoryConnector(MemoryWorld* world) : world_(world) {}

  std::string_view scheme() const override { return "memory"; }
  std::string_view location_help() const override { return "NAME (a source held in memory)"; }
  std::string Canonical(const std::string& location) const override { return location; }

  Result<std::unique_ptr<SourceReader>> OpenReader(const std::string& location,
                                                   int /*lock_wait_ms*/) const override {
    TM_ASSIGN_OR_RETURN(MemorySource s, world_->Get(location));
    return std::unique_ptr<SourceReader>(std::make_unique<MemoryReader>(std::move(s)));
  }

  Result<std::unique_ptr<RestoreTarget>> CreateRestoreTarget(
      const std::string& location, const SourceSchema& schema,
      const RestoreTargetOptions& options) const override {
    if (world_->Has(location) && !options.replace) {
      return Status::AlreadyExists("memory:" + location + " exists; restore with replace");
    }
    MemorySource staged;
    TM_ASSIGN_OR_RETURN(staged.schema, Selected(schema, options.tables));
    TM_RETURN_IF_ERROR(CheckKeyed(staged.schema));
    return std::unique_ptr<RestoreTarget>(
        std::make_unique<MemoryRestoreTarget>(world_, location, std::move(staged)));
  }

  Result<std::unique_ptr<LiveLookup>> OpenLookup(SourceReader* view) const override {
    auto* reader = dynamic_cast<MemoryReader*>(view);
    if (reader == nullptr) return Status::Internal("a lookup on a view of another connector");
    return memory::OpenLookup(&reader->source());
  }
  Result<std::unique_ptr<LiveTarget>> OpenLive(const std::string& location) const override {
    return memory::OpenLive(world_, location);
  }
  // "drill-NAME-N": a source of its own for each run.
  Result<std::string> CreateScratch(const ScratchRequest& request) const override {
    return "drill-" + request.name + "-" + std::to_string(++scratch_runs_);
  }
  Status DropScratch(const std::string& location) const override {
    world_->Remove(location);
    return Status::OK();
  }

  Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& location) const override {
    return memory::OpenProbe(*world_, location);
  }

  const TableSchema* OwnerOf(const SourceSchema&, const TableSchema&) const override {
    return nullptr;  // no internal tables
  }
  std::string_view integrity_check_name() const override { return "the memory key check"; }
  std::string_view integrity_repair_hint() const override { return "Recreate the source"; }

 private:
  MemoryWorld* world_;
  mutable std::atomic<uint64_t> scratch_runs_{0};
};

}  // namespace

std::string KeyBytes(const std::vector<Value>& key) {
  std::string out;
  EncodeKey(key, &out);
  return out;
}

bool ValuesIn(const TableSchema& t, const std::vector<std::string>& columns, const Record& r,
              std::vector<Value>* out) {
  out->clear();
  for (const std::string& name : columns) {
    const int pos = RecordPosition(t, ColumnIndex(t, name));
    if (pos < 0 || size_t(pos) >= r.size()) return false;
    out->push_back(r[size_t(pos)]);
  }
  return true;
}

Result<std::vector<SourceRow>> RowsWhere(const MemorySource& s, const TableSchema& t,
                                         const std::vector<std::string>& columns,
                                         const std::vector<Value>& values) {
  std::vector<SourceRow> out;
  for (const Value& v : values) {
    if (v.is_null()) return out;
  }
  auto it = s.rows.find(t.name);
  if (it == s.rows.end()) return out;
  std::vector<Value> have;
  for (const auto& [bytes, row] : it->second) {
    if (!ValuesIn(t, columns, row.record, &have)) {
      return Status::InvalidArgument("memory source: table " + t.name + " has no such column");
    }
    if (have == values) out.push_back(row);
  }
  return out;
}

std::vector<Value> KeyOf(const TableSchema& t, const Record& record) {
  std::vector<Value> key;
  for (int col : t.key_columns) {
    const int pos = RecordPosition(t, col);
    key.push_back(pos >= 0 && size_t(pos) < record.size() ? record[size_t(pos)] : Value::Null());
  }
  return key;
}

void MemoryWorld::Remove(const std::string& location) {
  std::lock_guard<std::mutex> l(mu_);
  sources_.erase(location);
}

Status MemoryWorld::Create(const std::string& location, SourceSchema schema) {
  TM_RETURN_IF_ERROR(CheckKeyed(schema));
  if (schema.objects.empty()) {  // each table is an object, defined by its columns
    for (const TableSchema& t : schema.tables) {
      std::string def = "memory table " + t.name + "(";
      for (size_t i = 0; i < t.columns.size(); i++) def += (i ? ", " : "") + t.columns[i].name;
      schema.objects.push_back(SchemaObject{"table", t.name, t.name, def + ")"});
    }
  }
  MemorySource s;
  s.schema = std::move(schema);
  Set(location, std::move(s));
  return Status::OK();
}

Status MemoryWorld::Put(const std::string& location, const std::string& table,
                        const Record& record) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sources_.find(location);
  if (it == sources_.end()) return Status::NotFound("no memory source " + location);
  TM_ASSIGN_OR_RETURN(const TableSchema* t, TableOf(it->second, table));
  if (record.size() != t->StoredColumns().size()) {
    return Status::InvalidArgument("memory source: a row of " + table +
                                   " has the wrong number of values");
  }
  SourceRow row{KeyOf(*t, record), record};
  it->second.rows[table][KeyBytes(row.key)] = std::move(row);
  return Status::OK();
}

Status MemoryWorld::Erase(const std::string& location, const std::string& table,
                          const std::vector<Value>& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sources_.find(location);
  if (it == sources_.end()) return Status::NotFound("no memory source " + location);
  if (it->second.rows[table].erase(KeyBytes(key)) == 0) {
    return Status::NotFound("memory source: no such row in " + table);
  }
  return Status::OK();
}

Result<MemorySource> MemoryWorld::Get(const std::string& location) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sources_.find(location);
  if (it == sources_.end()) return Status::NotFound("no memory source " + location);
  return it->second;
}

void MemoryWorld::Set(const std::string& location, MemorySource source) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_[location] = std::move(source);
}

bool MemoryWorld::Has(const std::string& location) const {
  std::lock_guard<std::mutex> lock(mu_);
  return sources_.count(location) != 0;
}

bool MemoryWorld::TryLockWrite(const std::string& location) {
  std::lock_guard<std::mutex> lock(mu_);
  return write_locked_.insert(location).second;
}

void MemoryWorld::UnlockWrite(const std::string& location) {
  std::lock_guard<std::mutex> lock(mu_);
  write_locked_.erase(location);
}

std::unique_ptr<Connector> NewMemoryConnector(MemoryWorld* world) {
  return std::make_unique<MemoryConnector>(world);
}

}  // namespace tidemark::memory
