// Internal to the rollback planner (rollback_plan.cc, rollback_planner.cc):
// the plan under construction and the helpers both files use. Not an API.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/progress.h"
#include "ops/rollback/rollback_plan.h"
#include "snapshot/large_values.h"
#include "sources/live_target.h"

namespace tidemark::rollback_internal {

PlanOp OpFor(const std::optional<Record>& before, const std::optional<Record>& after);

// The tables a scope covers: named ones (a virtual table brings its
// internal tables), or every table with records in live or in the snapshot(s).
Result<std::vector<std::string>> ScopeTables(const Connector& connector, const SourceSchema& live,
                                             const std::vector<const Manifest*>& snaps,
                                             const std::vector<std::string>& names);

// True when the live table stores records in the snapshot's layout.
bool SameLayout(const TableSchema& snap, const TableSchema& live);
// Empty when SameLayout; otherwise says what cannot be mapped, and how to
// restore the table elsewhere instead (a location of `where`'s kind).
std::string LayoutProblem(const TableSchema& snap, const TableSchema& live, const SourceRef& where);
// "scheme:PLACEHOLDER" for messages, from the connector's location_help().
std::string LocationExample(const SourceRef& live);

// "customers 42".
std::string Describe(const std::string& table, const std::vector<Value>& key);

// The plan under construction: tables by name (stable addresses), and an
// index from (table, key) to the planned row.
class Planner {
 public:
  Planner(const PlanInputs& in, RollbackPlan* plan)
      : in_(in),
        plan_(plan),
        ids_(in.cache->store(), *in.repo, /*dry_run=*/true),
        progress_("plan", 0, Progress::Unit::kCount, in.show_progress) {}

  Result<std::string> Encode(const Record& r) {
    std::string out;
    TM_RETURN_IF_ERROR(EncodeRecord(r, &ids_, &out));
    return out;
  }

  TablePlan* Table(const TableSchema& live) {
    auto [it, fresh] = tables_.try_emplace(live.name);
    if (fresh) it->second.schema = live;
    return &it->second;
  }

  PlannedRow* Find(const std::string& table, const std::string& key) {
    auto t = index_.find(table);
    if (t == index_.end()) return nullptr;
    auto r = t->second.find(key);
    return r == t->second.end() ? nullptr : &tables_[table].rows[r->second];
  }

  // Adds a row unless its key is planned already; false when it was.
  bool Add(TablePlan* t, PlannedRow row) {
    auto [it, fresh] = index_[t->schema.name].try_emplace(row.key, t->rows.size());
    if (!fresh) return false;
    row.op = OpFor(row.before, row.after);
    progress_.Add(1);
    pending_.emplace_back(t->schema.name, row.key);
    // A parent brought back for a child does not bring back its siblings.
    if (row.op == PlanOp::kInsert && row.related.rfind("parent of ", 0) != 0) {
      recreated_.emplace_back(t->schema.name, row.key);
    }
    t->rows.push_back(std::move(row));
    return true;
  }

  // Follows foreign keys from every row added since the last call, adding
  // related records, until nothing new comes in. With `children`, records
  // the plan re-creates bring back their children from the snapshot too.
  Status CloseOverRelations(const SnapshotInfo* source_of_parents, bool children);

  // Checks every row against the newest snapshot (work no backup holds).
  Status FindUnsaved();

  // Moves the tables into the plan: parents before children, rows in key
  // order, counts filled in.
  void Finish();

  const SourceSchema& live_schema() const { return in_.live->reader->schema(); }
  LiveLookup* lookup() { return in_.live->lookup.get(); }

 private:
  Status FollowParents(const TablePlan& t, const PlannedRow& row, const SnapshotInfo* snap);
  Status BringParent(const TablePlan& t, const PlannedRow& row, const TableSchema& parent,
                     const std::string& key, const std::vector<Value>& values,
                     const SnapshotInfo* snap);
  Status FollowChildren(const TablePlan& t, const PlannedRow& row);
  Status RestoreChildren(const SnapshotInfo& snap);
  Status RestoreChild(const PlanRelation& rel, const TableSchema& child, const std::string& parent,
                      std::string key, std::vector<Value> key_values, Record stored);
  void Violation(const std::string& table, const std::vector<Value>& key, std::string problem) {
    plan_->violations.push_back({table, key, std::move(problem)});
  }

  const PlanInputs& in_;
  RollbackPlan* plan_;
  ChunkedValueStore ids_;
  std::map<std::string, TablePlan> tables_;
  std::map<std::string, std::map<std::string, size_t>> index_;
  std::vector<std::pair<std::string, std::string>> pending_;  // (table, key) to follow
  // (table, key) of inserted rows whose children are not looked for yet.
  std::vector<std::pair<std::string, std::string>> recreated_;
  Progress progress_;
};

}  // namespace tidemark::rollback_internal
