// The memory connector's live target (rollback, revert) and drill probe:
// sources/live_target.h and sources/probe.h over a MemorySource.
#include "sources/memory/memory_live_testlib.h"

#include <map>
#include <utility>

#include "records/encoding.h"
#include "sources/live_target.h"

namespace tidemark::memory {

namespace {

bool HasNull(const std::vector<Value>& v) {
  for (const Value& x : v) {
    if (x.is_null()) return true;
  }
  return false;
}

// Point lookups in one MemorySource (a reader's copy, or a write
// transaction's working copy).
class MemoryLookup final : public LiveLookup {
 public:
  explicit MemoryLookup(const MemorySource* source) : source_(source) {}

  Result<bool> Get(const TableSchema& t, const std::vector<Value>& key, SourceRow* row) override {
    const auto* rows = RowsOf(t);
    if (rows == nullptr) return false;
    auto it = rows->find(KeyBytes(key));
    if (it == rows->end()) return false;
    *row = it->second;
    return true;
  }

  Status ForEachWhere(const TableSchema& t, const std::vector<std::string>& columns,
                      const std::vector<Value>& values,
                      const std::function<Status(const SourceRow&)>& fn) override {
    // Collected first: fn may look up (and, in a write, change) rows.
    TM_ASSIGN_OR_RETURN(std::vector<SourceRow> rows, RowsWhere(*source_, t, columns, values));
    for (const SourceRow& row : rows) TM_RETURN_IF_ERROR(fn(row));
    return Status::OK();
  }

  Result<bool> AnyWhere(const TableSchema& t, const std::vector<std::string>& columns,
                        const std::vector<Value>& values) override {
    TM_ASSIGN_OR_RETURN(std::vector<SourceRow> rows, RowsWhere(*source_, t, columns, values));
    return !rows.empty();
  }

  // Memory tables declare no defaults: a value not given is NULL.
  Result<Value> DefaultValue(const TableSchema& t, int column) override {
    if (!t.columns[size_t(column)].default_sql.empty()) {
      return Status::Unsupported("memory source: column defaults are not evaluated");
    }
    return Value::Null();
  }

 private:
  const std::map<std::string, SourceRow>* RowsOf(const TableSchema& t) const {
    auto it = source_->rows.find(t.name);
    return it == source_->rows.end() ? nullptr : &it->second;
  }
  const MemorySource* source_;
};

// One write transaction at a time: a working copy of the source, swapped in
// at Commit. The key is unique (the one constraint a memory source checks).
class MemoryLive final : public LiveTarget {
 public:
  MemoryLive(MemoryWorld* world, std::string location)
      : world_(world), location_(std::move(location)), lookup_(&txn_) {}
  ~MemoryLive() override { (void)Rollback(); }

  LiveCapabilities capabilities() const override {
    LiveCapabilities c;
    c.atomic_transaction = true;
    c.checks_constraints = true;
    return c;
  }

  Status BeginWrite(int /*lock_wait_ms*/, int64_t* waited_us) override {
    *waited_us = 0;
    if (!world_->TryLockWrite(location_)) {
      return Status::Refused("memory:" + location_ + " is locked for writing by another session");
    }
    auto s = world_->Get(location_);
    if (!s.ok()) {
      world_->UnlockWrite(location_);
      return s.status();
    }
    txn_ = std::move(*s);
    in_txn_ = true;
    return Status::OK();
  }
  LiveLookup* lookup() override { return &lookup_; }

  Status SuspendTriggers(const std::vector<std::string>&, size_t* count) override {
    *count = 0;  // a memory source has no triggers
    return Status::OK();
  }
  Status RestoreTriggers() override { return Status::OK(); }

  Status Insert(const TableSchema& t, const SourceRow& row) override {
    TM_RETURN_IF_ERROR(InTransaction());
    auto [it, fresh] = txn_.rows[t.name].emplace(KeyBytes(row.key), row);
    if (!fresh) return Status::Refused("UNIQUE constraint failed: " + t.name + " key");
    return Status::OK();
  }
  Status Update(const TableSchema& t, const SourceRow& current, const SourceRow& row) override {
    TM_RETURN_IF_ERROR(InTransaction());
    auto& rows = txn_.rows[t.name];
    if (rows.erase(KeyBytes(current.key)) == 0) {
      return Status::IOError("memory source: the row to update is gone from " + t.name);
    }
    SourceRow next{KeyOf(t, row.record), row.record};
    auto [it, fresh] = rows.emplace(KeyBytes(next.key), next);
    if (!fresh) {
      rows.emplace(KeyBytes(current.key), current);
      return Status::Refused("UNIQUE constraint failed: " + t.name + " key");
    }
    return Status::OK();
  }
  Status Delete(const TableSchema& t, const SourceRow& current) override {
    TM_RETURN_IF_ERROR(InTransaction());
    if (txn_.rows[t.name].erase(KeyBytes(current.key)) == 0) {
      return Status::IOError("memory source: the row to delete is gone from " + t.name);
    }
    return Status::OK();
  }

  Status Commit() override {
    TM_RETURN_IF_ERROR(InTransaction());
    world_->Set(location_, std::move(txn_));
    End();
    return Status::OK();
  }
  Status Rollback() override {
    if (in_txn_) End();
    return Status::OK();
  }

 private:
  Status InTransaction() const {
    return in_txn_ ? Status::OK()
                   : Status::InvalidArgument("memory live target: no write transaction");
  }
  void End() {
    in_txn_ = false;
    txn_ = MemorySource{};
    world_->UnlockWrite(location_);
  }

  MemoryWorld* world_;
  std::string location_;
  MemorySource txn_;
  bool in_txn_ = false;
  MemoryLookup lookup_;
};

std::string RowName(const SourceRow& row) {
  std::string out = "key (";
  for (size_t i = 0; i < row.key.size(); i++) out += (i ? ", " : "") + ValueToDisplay(row.key[i]);
  return out + ")";
}

std::vector<std::string> Cells(const std::vector<Value>& v) {
  std::vector<std::string> out;
  for (const Value& x : v) out.push_back(x.is_null() ? "NULL" : ValueToDisplay(x));
  return out;
}

// A drill's view of a copy: structure, references, duplicates, orphans. No SQL.
class MemoryProbe final : public SourceProbe {
 public:
  explicit MemoryProbe(MemorySource source) : source_(std::move(source)), lookup_(&source_) {}

  CheckName integrity_check() const override { return {"key_check", "memory key check"}; }
  Result<std::vector<std::string>> IntegrityProblems(size_t max_problems) override {
    std::vector<std::string> out;
    for (const auto& [name, rows] : source_.rows) {
      const TableSchema* t = source_.schema.FindTable(name);
      for (const auto& [bytes, row] : rows) {
        if (out.size() < max_problems &&
            (t == nullptr || KeyBytes(KeyOf(*t, row.record)) != bytes)) {
          out.push_back("table " + name + ": " + RowName(row) + " is filed under another key");
        }
      }
    }
    return out;
  }

  CheckName reference_check() const override {
    return {"reference_check", "memory reference check"};
  }
  Status ForEachReferenceViolation(
      const std::function<void(const ReferenceViolation&)>& fn) override {
    std::vector<Value> values;
    for (const TableSchema& child : source_.schema.tables) {
      for (const ForeignKey& fk : child.foreign_keys) {
        const TableSchema* parent = source_.schema.FindTable(fk.table);
        for (const auto& [bytes, row] : source_.rows[child.name]) {
          if (!ForeignKeyValues(child, fk, row.record, &values)) continue;
          bool found = false;
          if (parent != nullptr) {
            TM_ASSIGN_OR_RETURN(found,
                                lookup_.AnyWhere(*parent, ReferencedColumns(*parent, fk), values));
          }
          if (!found) fn(ReferenceViolation{child.name, RowName(row), fk.table, parent != nullptr});
        }
      }
    }
    return Status::OK();
  }

  Result<std::vector<SchemaObject>> SchemaObjects() override { return source_.schema.objects; }

  Result<Duplicates> FindDuplicates(const std::string& table,
                                    const std::vector<std::string>& columns, size_t max) override {
    TM_ASSIGN_OR_RETURN(const TableSchema* t, TableNamed(table));
    std::map<std::vector<std::string>, uint64_t> seen;
    std::vector<Value> values;
    for (const auto& [bytes, row] : source_.rows[table]) {
      if (!ValuesIn(*t, columns, row.record, &values)) {
        return Status::InvalidArgument("memory source: table " + table + " has no such column");
      }
      if (!HasNull(values)) seen[Cells(values)]++;
    }
    Duplicates out;
    for (const auto& [cells, n] : seen) {
      if (n < 2) continue;
      if (out.found.size() == max) {
        out.truncated = true;
        break;
      }
      out.found.push_back(DuplicateValues{cells, n});
    }
    return out;
  }

  Result<Orphans> FindOrphans(const Relation& rel, size_t max) override {
    TM_ASSIGN_OR_RETURN(const TableSchema* child, TableNamed(rel.child_table));
    TM_ASSIGN_OR_RETURN(const TableSchema* parent, TableNamed(rel.parent_table));
    Orphans out;
    std::vector<Value> v;
    for (const auto& [bytes, row] : source_.rows[child->name]) {
      if (!ValuesIn(*child, {rel.child_column}, row.record, &v)) {
        return Status::InvalidArgument("memory source: no column " + rel.Name());
      }
      if (v[0].is_null()) continue;
      TM_ASSIGN_OR_RETURN(bool found, lookup_.AnyWhere(*parent, {rel.parent_column}, v));
      if (found) continue;
      if (out.found.size() == max) {
        out.truncated = true;
        break;
      }
      out.found.push_back(Orphan{RowName(row), Cells(v)[0]});
    }
    return out;
  }

 private:
  Result<const TableSchema*> TableNamed(const std::string& name) const {
    const TableSchema* t = source_.schema.FindTable(name);
    if (t == nullptr) return Status::NotFound("memory source: no table " + name);
    return t;
  }
  MemorySource source_;
  MemoryLookup lookup_;
};

}  // namespace

Result<std::unique_ptr<LiveLookup>> OpenLookup(const MemorySource* view) {
  return std::unique_ptr<LiveLookup>(std::make_unique<MemoryLookup>(view));
}

Result<std::unique_ptr<LiveTarget>> OpenLive(MemoryWorld* world, const std::string& location) {
  if (!world->Has(location)) return Status::NotFound("no memory source " + location);
  return std::unique_ptr<LiveTarget>(std::make_unique<MemoryLive>(world, location));
}

Result<std::unique_ptr<SourceProbe>> OpenProbe(const MemoryWorld& world,
                                               const std::string& location) {
  TM_ASSIGN_OR_RETURN(MemorySource s, world.Get(location));
  return std::unique_ptr<SourceProbe>(std::make_unique<MemoryProbe>(std::move(s)));
}

}  // namespace tidemark::memory
