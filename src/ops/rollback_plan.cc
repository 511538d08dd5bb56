#include "ops/rollback_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/coding.h"
#include "base/progress.h"
#include "ops/live_diff.h"
#include "records/value_json.h"
#include "snapshot/large_values.h"
#include "snapshot/record_diff.h"
#include "sources/sqlite_live.h"

namespace tidemark {

const char* PlanOpName(PlanOp op) {
  switch (op) {
    case PlanOp::kInsert:
      return "insert";
    case PlanOp::kUpdate:
      return "update";
    case PlanOp::kDelete:
      return "delete";
  }
  return "?";
}

uint64_t RollbackPlan::TotalRows() const {
  uint64_t n = 0;
  for (const TablePlan& t : tables) n += t.rows.size();
  return n;
}

void PlanDigest::Add(const std::string& table, const std::string& key, const std::string* record) {
  buf_.clear();
  PutLengthPrefixed(&buf_, table);
  PutLengthPrefixed(&buf_, key);
  buf_.push_back(record != nullptr ? 1 : 0);
  if (record != nullptr) PutLengthPrefixed(&buf_, *record);
  hasher_.Update(buf_);
}

Result<std::string> RollbackPlan::ExpectedDigest(LargeValueStore* ids) const {
  PlanDigest d;
  std::string rec;
  for (const TablePlan& t : tables) {
    for (const PlannedRow& r : t.rows) {
      rec.clear();
      if (r.after) TM_RETURN_IF_ERROR(EncodeRecord(*r.after, ids, &rec));
      d.Add(t.schema.name, r.key, r.after ? &rec : nullptr);
    }
  }
  return d.Finish();
}

std::string RollbackPlan::RefusalReason() const {
  if (!schema_issues.empty()) {
    return std::to_string(schema_issues.size()) +
           " table(s) differ in their definition from the snapshot (see above)";
  }
  if (!violations.empty()) {
    return "the result would break " + std::to_string(violations.size()) +
           " constraint(s) (see above)";
  }
  if (!unsaved.empty() && !overwrite_unsaved) {
    return std::to_string(unsaved.size()) +
           " record(s) changed after the newest snapshot and would lose work no backup holds; "
           "back up first, narrow the scope, or pass --overwrite-unsaved (the safety snapshot "
           "keeps them)";
  }
  return "";
}

std::vector<PlanRelation> DeclaredRelations(const std::vector<DrillRelation>& declared) {
  std::vector<PlanRelation> out;
  for (const DrillRelation& r : declared) {
    out.push_back({r.child_table, r.parent_table, {r.child_column}, {r.parent_column}, ""});
  }
  return out;
}

std::vector<PlanRelation> RelationsOf(const SourceSchema& schema,
                                      const std::vector<PlanRelation>& declared) {
  std::vector<PlanRelation> out;
  for (const TableSchema& t : schema.tables) {
    for (const ForeignKey& fk : t.foreign_keys) {
      out.push_back({t.name, fk.table, fk.from, fk.to, fk.on_delete});
    }
  }
  out.insert(out.end(), declared.begin(), declared.end());
  return out;
}

namespace {

PlanOp OpFor(const std::optional<Record>& before, const std::optional<Record>& after) {
  return !before ? PlanOp::kInsert : !after ? PlanOp::kDelete : PlanOp::kUpdate;
}

// The tables a scope covers: named ones (a virtual table brings its shadow
// tables), or every table with records in live or in the snapshot(s).
Result<std::vector<std::string>> ScopeTables(const SourceSchema& live,
                                             const std::vector<const Manifest*>& snaps,
                                             const std::vector<std::string>& names) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  auto wanted = [](const TableSchema& t) {
    return t.kind == TableKind::kTable || t.kind == TableKind::kShadow;
  };
  if (names.empty()) {
    for (const Manifest* m : snaps) {
      for (const SnapshotTable& t : m->tables) {
        if (wanted(t.schema)) add(t.schema.name);
      }
    }
    for (const TableSchema& t : live.tables) {
      if (wanted(t)) add(t.name);
    }
    return out;
  }
  for (const std::string& name : names) {
    const TableSchema* t = live.FindTable(name);
    for (const Manifest* m : snaps) {
      if (t == nullptr && m->FindTable(name) != nullptr) t = &m->FindTable(name)->schema;
    }
    if (t == nullptr) {
      return Status::InvalidArgument("table " + name +
                                     " is neither in the live source nor in the snapshot; "
                                     "`tidemark ls SNAP` lists the tables");
    }
    if (t->kind == TableKind::kSequence) {
      return Status::InvalidArgument(
          "sqlite_sequence is never rolled back: its counters only grow, so ids of records "
          "created after the snapshot are not reused");
    }
    if (t->kind == TableKind::kShadow) {
      return Status::InvalidArgument("table " + t->name +
                                     " belongs to a virtual table; name the virtual table");
    }
    if (t->kind == TableKind::kVirtual) {
      // Its shadow tables: "<vtab>_..." tables of kind shadow.
      for (const TableSchema& s : live.tables) {
        if (s.kind == TableKind::kShadow && s.name.size() > t->name.size() &&
            s.name.compare(0, t->name.size() + 1, t->name + "_") == 0) {
          add(s.name);
        }
      }
      continue;
    }
    add(t->name);
  }
  return out;
}

// Empty when the live table stores records in the snapshot's layout;
// otherwise says what cannot be mapped.
std::string LayoutProblem(const TableSchema& snap, const TableSchema& live) {
  if (snap.RecordFieldNames() == live.RecordFieldNames() && snap.KeyNames() == live.KeyNames() &&
      snap.without_rowid == live.without_rowid) {
    return "";
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::vector<std::string> only_snap, only_live;
  for (const std::string& f : snap.RecordFieldNames()) {
    auto l = live.RecordFieldNames();
    if (std::find(l.begin(), l.end(), f) == l.end()) only_snap.push_back(f);
  }
  for (const std::string& f : live.RecordFieldNames()) {
    auto s = snap.RecordFieldNames();
    if (std::find(s.begin(), s.end(), f) == s.end()) only_live.push_back(f);
  }
  std::string msg = "table " + live.name + " is defined differently live than in the snapshot";
  if (!only_snap.empty())
    msg += "; columns only in the snapshot (cannot be mapped): " + join(only_snap);
  if (!only_live.empty()) msg += "; columns only live: " + join(only_live);
  if (snap.KeyNames() != live.KeyNames()) {
    msg += "; key (" + join(snap.KeyNames()) + ") is now (" + join(live.KeyNames()) + ")";
  }
  if (only_snap.empty() && only_live.empty() && snap.KeyNames() == live.KeyNames()) {
    msg += "; the columns are in a different order";
  }
  return msg +
         ". Restoring a table definition (--schema) is not supported yet: restore the "
         "table into a new file with `tidemark restore SNAP --table " +
         live.name + " --to sqlite:PATH`";
}

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

  const SourceSchema& live_schema() const { return in_.live->schema(); }
  RowLookup* lookup() { return &lookup_; }

 private:
  Status FollowParents(const TablePlan& t, const PlannedRow& row, const SnapshotInfo* snap);
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
  RowLookup lookup_{in_.live->handle(), in_.live->path()};
  std::map<std::string, TablePlan> tables_;
  std::map<std::string, std::map<std::string, size_t>> index_;
  std::vector<std::pair<std::string, std::string>> pending_;  // (table, key) to follow
  // (table, key) of inserted rows whose children are not looked for yet.
  std::vector<std::pair<std::string, std::string>> recreated_;
  Progress progress_;
};

std::string Describe(const std::string& table, const std::vector<Value>& key) {
  return table + " " + KeyToDisplay(key);
}

// A parent a child row needs: present after the plan (planned with an
// `after`, or live and not planned), else brought in from the snapshot.
Status Planner::FollowParents(const TablePlan& t, const PlannedRow& row, const SnapshotInfo* snap) {
  std::vector<Value> values, before;
  for (const ForeignKey& fk : t.schema.foreign_keys) {
    if (!ForeignKeyValues(t.schema, fk, *row.after, &values)) continue;
    // Unchanged references were live before the plan: no parent to bring.
    if (row.before && ForeignKeyValues(t.schema, fk, *row.before, &before) && before == values) {
      bool parent_planned = false;
      for (const auto& [name, rows] : index_) parent_planned |= SameIdentifier(name, fk.table);
      if (!parent_planned) continue;
    }
    if (std::any_of(values.begin(), values.end(), [](const Value& v) { return v.ref(); })) {
      continue;
    }
    const TableSchema* parent = FindTableNoCase(live_schema(), fk.table);
    if (parent == nullptr) continue;  // SQLite ignores a key to a missing table
    const std::vector<std::string> to = ReferencedColumns(*parent, fk);
    const std::string child = Describe(t.schema.name, row.key_values);
    if (!SameColumns(to, parent->KeyNames())) {
      // Not the parent's key: only the live table can say (no key lookup).
      TM_ASSIGN_OR_RETURN(bool exists, lookup_.ParentExists(*parent, to, values));
      if (!exists) Violation(t.schema.name, row.key_values, "refers to a missing " + fk.table);
      continue;
    }
    std::string key;
    EncodeKey(values, &key);
    if (const PlannedRow* p = Find(parent->name, key)) {
      if (!p->after) {
        Violation(t.schema.name, row.key_values,
                  "refers to " + Describe(parent->name, values) + ", which the plan deletes");
      }
      continue;
    }
    SourceRow live;
    TM_ASSIGN_OR_RETURN(bool exists, lookup_.Get(*parent, values, &live));
    if (exists) continue;
    const SnapshotTable* st = snap != nullptr ? snap->manifest.FindTable(parent->name) : nullptr;
    std::optional<std::string> stored;
    if (st != nullptr && st->schema.has_records()) {
      TM_ASSIGN_OR_RETURN(stored, TreeGet(in_.cache, st->root, key));
    }
    if (!stored) {
      Violation(t.schema.name, row.key_values,
                "refers to " + Describe(parent->name, values) +
                    ", which neither the live source nor the snapshot has");
      continue;
    }
    if (!LayoutProblem(st->schema, *parent).empty()) {
      Violation(t.schema.name, row.key_values,
                "refers to " + Describe(parent->name, values) +
                    ", which only the snapshot has, and " + parent->name +
                    "'s columns changed since: include " + parent->name +
                    " in the scope to re-create it with its columns mapped by name");
      continue;
    }
    PlannedRow p;
    p.key = key;
    p.key_values = values;
    p.after.emplace();
    TM_RETURN_IF_ERROR(DecodeRecord(*stored, "record of " + parent->name, &*p.after));
    p.related = "parent of " + child;
    Add(Table(*parent), std::move(p));
  }
  return Status::OK();
}

// Live children of a record the plan deletes follow the key's ON DELETE
// action, made explicit in the plan; RESTRICT / NO ACTION is a violation.
Status Planner::FollowChildren(const TablePlan& t, const PlannedRow& row) {
  SourceRow parent_row{row.key_values, *row.before};
  std::vector<Value> values;
  for (const TableSchema& child : live_schema().tables) {
    for (const ForeignKey& fk : child.foreign_keys) {
      if (!SameIdentifier(fk.table, t.schema.name)) continue;
      const std::vector<std::string> to = ReferencedColumns(t.schema, fk);
      if (!ReferencedValues(t.schema, to, parent_row, &values)) continue;
      const std::string parent = Describe(t.schema.name, row.key_values);
      std::vector<SourceRow> found;
      TM_RETURN_IF_ERROR(lookup_.ForEachChild(child, fk, values, [&](const SourceRow& r) {
        found.push_back(r);
        return Status::OK();
      }));
      for (SourceRow& c : found) {
        std::string key;
        EncodeKey(c.key, &key);
        std::vector<Value> now;
        if (const PlannedRow* p = Find(child.name, key)) {
          // Deleted, or re-pointed elsewhere, by the plan: fine.
          if (!p->after || !ForeignKeyValues(child, fk, *p->after, &now) || now != values) {
            continue;
          }
          Violation(child.name, c.key, "would refer to " + parent + ", which the plan deletes");
          continue;
        }
        PlannedRow p;
        p.key = key;
        p.key_values = c.key;
        p.before = c.record;
        if (fk.on_delete == "CASCADE") {
          p.related = "ON DELETE CASCADE from " + parent;
        } else if (fk.on_delete == "SET NULL") {
          p.after = c.record;
          std::vector<int> stored = child.StoredColumns();
          for (const std::string& col : fk.from) {
            for (size_t i = 0; i < stored.size(); i++) {
              if (SameIdentifier(child.columns[size_t(stored[i])].name, col)) {
                (*p.after)[i] = Value::Null();
              }
            }
          }
          p.related = "ON DELETE SET NULL from " + parent;
        } else {
          Violation(child.name, c.key,
                    "refers to " + parent + ", which the plan deletes (ON DELETE " +
                        (fk.on_delete.empty() ? "NO ACTION" : fk.on_delete) + "); include " +
                        child.name + " in the scope, or delete it first");
          continue;
        }
        Add(Table(child), std::move(p));
      }
    }
  }
  return Status::OK();
}

Status Planner::CloseOverRelations(const SnapshotInfo* snap, bool children) {
  do {
    while (!pending_.empty()) {
      auto [table, key] = pending_.back();
      pending_.pop_back();
      const TablePlan& t = tables_[table];
      // Copy: following may add rows to this table and move its vector.
      PlannedRow row = *Find(table, key);
      if (row.after) TM_RETURN_IF_ERROR(FollowParents(t, row, snap));
      if (row.before && !row.after) TM_RETURN_IF_ERROR(FollowChildren(t, row));
    }
    if (!children || snap == nullptr) recreated_.clear();
    if (!recreated_.empty()) TM_RETURN_IF_ERROR(RestoreChildren(*snap));
  } while (!pending_.empty());
  return Status::OK();
}

// The child record `stored` (the snapshot's) of a re-created parent: absent
// live, it is re-inserted as it was; live with the relation's columns NULL
// (cleared by ON DELETE SET NULL), the link is set back; otherwise left.
Status Planner::RestoreChild(const PlanRelation& rel, const TableSchema& child,
                             const std::string& parent, std::string key,
                             std::vector<Value> key_values, Record stored) {
  if (Find(child.name, key) != nullptr) return Status::OK();
  SourceRow live;
  TM_ASSIGN_OR_RETURN(bool exists, lookup_.Get(child, key_values, &live));
  PlannedRow p;
  p.key = std::move(key);
  p.key_values = std::move(key_values);
  const std::string how = rel.on_delete.empty() ? "" : " by ON DELETE " + rel.on_delete;
  if (!exists) {
    p.after = std::move(stored);
    p.related = "deleted with " + parent + how;
    Add(Table(child), std::move(p));
    return Status::OK();
  }
  // Live still holds it: bring back only a link the delete cleared.
  const ForeignKey fk{rel.parent, rel.from, rel.to, "", rel.on_delete};
  std::vector<Value> now, was;
  if (ForeignKeyValues(child, fk, live.record, &now)) return Status::OK();
  if (!ForeignKeyValues(child, fk, stored, &was)) return Status::OK();
  Record after = live.record;
  std::vector<int> columns = child.StoredColumns();
  for (size_t f = 0; f < rel.from.size(); f++) {
    for (size_t i = 0; i < columns.size() && i < after.size(); i++) {
      if (!SameIdentifier(child.columns[size_t(columns[i])].name, rel.from[f])) continue;
      if (!after[i].is_null()) return Status::OK();  // partly linked elsewhere: leave it
      after[i] = was[f];
    }
  }
  p.before = std::move(live.record);
  p.after = std::move(after);
  p.related = "link to " + parent + " cleared" + how;
  Add(Table(child), std::move(p));
  return Status::OK();
}

// For each relation whose parent table has re-created records, scans the
// child table of the snapshot once and restores the records that referred
// to one of them (cost: one scan per child table and round, not per parent).
Status Planner::RestoreChildren(const SnapshotInfo& snap) {
  std::map<std::string, std::vector<std::string>> parents;  // table -> keys
  for (auto& [table, key] : recreated_) parents[table].push_back(key);
  recreated_.clear();
  std::vector<Value> values;
  for (const PlanRelation& rel : RelationsOf(live_schema(), in_.declared)) {
    const TableSchema* pt = FindTableNoCase(live_schema(), rel.parent);
    const TableSchema* ct = FindTableNoCase(live_schema(), rel.child);
    if (pt == nullptr || ct == nullptr) continue;
    auto it = parents.find(pt->name);
    if (it == parents.end()) continue;
    const SnapshotTable* st = snap.manifest.FindTable(ct->name);
    if (st == nullptr || !st->schema.has_records() || !LayoutProblem(st->schema, *ct).empty()) {
      continue;
    }
    const ForeignKey fk{pt->name, rel.from, rel.to, "", rel.on_delete};
    const std::vector<std::string> to = ReferencedColumns(*pt, fk);
    std::map<std::string, std::string> wanted;  // encoded referenced values -> "customers 42"
    for (const std::string& key : it->second) {
      const PlannedRow* r = Find(pt->name, key);
      if (r == nullptr || !r->after) continue;
      if (!ReferencedValues(*pt, to, SourceRow{r->key_values, *r->after}, &values)) continue;
      std::string enc;
      EncodeKey(values, &enc);
      wanted.emplace(std::move(enc), Describe(pt->name, r->key_values));
    }
    if (wanted.empty()) continue;
    std::vector<std::tuple<std::string, std::vector<Value>, Record, std::string>> found;
    std::vector<Value> key_values;
    TM_RETURN_IF_ERROR(
        TreeScan(in_.cache, st->root, std::nullopt,
                 [&](std::string_view key, std::string_view value) -> Result<bool> {
                   Record rec;
                   TM_RETURN_IF_ERROR(DecodeRecord(value, "record of " + ct->name, &rec));
                   if (!ForeignKeyValues(*ct, fk, rec, &values)) return true;
                   std::string enc;
                   EncodeKey(values, &enc);
                   auto w = wanted.find(enc);
                   if (w == wanted.end()) return true;
                   TM_RETURN_IF_ERROR(DecodeKey(key, &key_values));
                   found.emplace_back(std::string(key), key_values, std::move(rec), w->second);
                   return true;
                 }));
    for (auto& [key, kv, rec, parent] : found) {
      TM_RETURN_IF_ERROR(RestoreChild(rel, *ct, parent, key, kv, std::move(rec)));
    }
  }
  return Status::OK();
}

// True when snapshot `s` holds exactly `record` at `key` in `table`.
Result<bool> Holds(NodeCache* cache, const SnapshotInfo* s, const std::string& table,
                   const std::string& key, const std::string& record) {
  const SnapshotTable* st = s != nullptr ? s->manifest.FindTable(table) : nullptr;
  if (st == nullptr || !st->schema.has_records()) return false;
  TM_ASSIGN_OR_RETURN(auto saved, TreeGet(cache, st->root, key));
  return saved && *saved == record;
}

Status Planner::FindUnsaved() {
  for (auto& [name, t] : tables_) {
    for (const PlannedRow& r : t.rows) {
      if (!r.before || r.saved) continue;  // re-creating a record loses nothing
      TM_ASSIGN_OR_RETURN(std::string now, Encode(*r.before));
      TM_ASSIGN_OR_RETURN(bool saved, Holds(in_.cache, in_.newest, name, r.key, now));
      for (size_t i = 0; !saved && i < in_.older.size(); i++) {
        TM_ASSIGN_OR_RETURN(saved, Holds(in_.cache, in_.older[i], name, r.key, now));
      }
      if (!saved) {
        plan_->unsaved.push_back({name, r.key_values,
                                  "this version is in no recent snapshot (changed or created "
                                  "after the newest one)"});
      }
    }
  }
  return Status::OK();
}

void Planner::Finish() {
  progress_.Finish();
  // Parents first: a table comes after every planned table it refers to
  // (cycles are broken in name order; foreign keys are off while applying).
  std::vector<std::string> order;
  std::set<std::string> placed, visiting;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (placed.count(name) || visiting.count(name)) return;
    visiting.insert(name);
    for (const ForeignKey& fk : tables_[name].schema.foreign_keys) {
      for (auto& [other, t] : tables_) {
        if (SameIdentifier(other, fk.table)) visit(other);
      }
    }
    placed.insert(name);
    order.push_back(name);
  };
  for (auto& [name, t] : tables_) visit(name);
  for (const std::string& name : order) {
    TablePlan& t = tables_[name];
    if (t.rows.empty()) continue;
    std::sort(t.rows.begin(), t.rows.end(),
              [](const PlannedRow& a, const PlannedRow& b) { return a.key < b.key; });
    for (const PlannedRow& r : t.rows) {
      (r.op == PlanOp::kInsert ? t.inserts : r.op == PlanOp::kDelete ? t.deletes : t.updates)++;
      t.related += !r.related.empty();
    }
    plan_->tables.push_back(std::move(t));
  }
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

// Schema objects (views, triggers, indexes) that differ: rollback restores
// records, not definitions, so these are reported.
void NoteSchemaObjects(const Manifest& snap, const SourceSchema& live, RollbackPlan* plan) {
  for (const SchemaChange& c : DiffSchemas(snap.FullSchema(), live)) {
    if (c.type != "view" && c.type != "trigger" && c.type != "index") continue;
    const char* what = c.kind == SchemaChange::kAdded     ? "was created after the snapshot"
                       : c.kind == SchemaChange::kRemoved ? "was dropped after the snapshot"
                                                          : "was changed after the snapshot";
    plan->notes.push_back(c.type + " " + c.name + " " + what +
                          "; rollback does not restore definitions (--schema is not supported "
                          "yet)");
  }
}

// How a snapshot's records map onto the live table's layout, by column
// name, when the table's definition changed since (columns added, dropped or
// reordered). The key must be the same.
struct ColumnMap {
  bool identity = true;
  std::vector<int> from;  // per live record field: its index in the snapshot's, -1: live only
  std::vector<std::string> snapshot_only, live_only;
  std::vector<Value> defaults;  // per live record field: its default (NULL when none)

  // The live record the snapshot's record becomes: mapped fields from
  // `snap`, live-only fields from `live` (their default for a new record).
  Record Apply(const Record& snap, const Record* live) const {
    if (identity) return snap;
    Record out(from.size());
    for (size_t i = 0; i < from.size(); i++) {
      if (from[i] >= 0) {
        out[i] = snap[size_t(from[i])];
      } else if (live != nullptr) {
        out[i] = (*live)[i];
      } else if (i < defaults.size()) {
        out[i] = defaults[i];
      }
    }
    return out;
  }
};

std::optional<ColumnMap> MapColumns(const TableSchema& snap, const TableSchema& live) {
  ColumnMap m;
  if (LayoutProblem(snap, live).empty()) return m;
  if (snap.KeyNames() != live.KeyNames() || snap.without_rowid != live.without_rowid ||
      snap.rowid_in_record != live.rowid_in_record) {
    return std::nullopt;
  }
  m.identity = false;
  const std::vector<std::string> sf = snap.RecordFieldNames(), lf = live.RecordFieldNames();
  for (const std::string& name : lf) {
    auto it =
        std::find_if(sf.begin(), sf.end(), [&](const auto& f) { return SameIdentifier(f, name); });
    m.from.push_back(it == sf.end() ? -1 : int(it - sf.begin()));
    if (it == sf.end()) m.live_only.push_back(name);
  }
  for (const std::string& name : sf) {
    if (std::none_of(lf.begin(), lf.end(),
                     [&](const auto& f) { return SameIdentifier(f, name); })) {
      m.snapshot_only.push_back(name);
    }
  }
  return m;
}

// Plans the one record `key`: make live hold what the snapshot has
// (`stored`, its encoded record, or nothing), when it does not already.
Status PlanOne(Planner* p, TablePlan* t, const ColumnMap& map, std::string key,
               std::vector<Value> key_values, const std::optional<std::string_view>& stored,
               std::optional<Record> live) {
  std::optional<Record> after;
  if (stored) {
    Record snap;
    TM_RETURN_IF_ERROR(DecodeRecord(*stored, "record of " + t->schema.name, &snap));
    after = map.Apply(snap, live ? &*live : nullptr);
  }
  if (!after && !live) return Status::OK();
  if (after && live) {
    TM_ASSIGN_OR_RETURN(std::string want, p->Encode(*after));
    TM_ASSIGN_OR_RETURN(std::string now, p->Encode(*live));
    if (want == now) return Status::OK();
  }
  PlannedRow r;
  r.key = std::move(key);
  r.key_values = std::move(key_values);
  r.before = std::move(live);
  r.after = std::move(after);
  p->Add(t, std::move(r));
  return Status::OK();
}

Status NoSuchKey(const std::string& table, const std::vector<Value>& key, const char* where) {
  return Status::InvalidArgument("no record " + Describe(table, key) + " in " + where +
                                 " or live; check the key (`tidemark ls SNAP " + table +
                                 "` lists the keys)");
}

Status PlanKeys(const PlanInputs& in, Planner* p, TablePlan* t, const SnapshotTable& snap,
                const ColumnMap& map, const std::vector<std::string>& keys) {
  for (const std::string& text : keys) {
    TM_ASSIGN_OR_RETURN(std::vector<Value> values, ParseKey(t->schema, text));
    std::string key;
    EncodeKey(values, &key);
    SourceRow live;
    TM_ASSIGN_OR_RETURN(bool exists, p->lookup()->Get(t->schema, values, &live));
    TM_ASSIGN_OR_RETURN(auto stored, TreeGet(in.cache, snap.root, key));
    if (!exists && !stored) return NoSuchKey(t->schema.name, values, "the snapshot");
    std::optional<std::string_view> view;
    if (stored) view = *stored;
    TM_RETURN_IF_ERROR(
        PlanOne(p, t, map, key, values, view,
                exists ? std::optional<Record>(std::move(live.record)) : std::nullopt));
  }
  return Status::OK();
}

// A whole table whose definition changed: every snapshot record is looked
// up live, then every live record in the snapshot (point lookups: slower
// than the merge of DiffLiveTable, but layouts differ).
Status PlanMappedTable(const PlanInputs& in, Planner* p, TablePlan* t, const SnapshotTable& snap,
                       const ColumnMap& map) {
  std::vector<Value> values;
  TM_RETURN_IF_ERROR(
      TreeScan(in.cache, snap.root, std::nullopt,
               [&](std::string_view key, std::string_view value) -> Result<bool> {
                 TM_RETURN_IF_ERROR(DecodeKey(key, &values));
                 SourceRow live;
                 TM_ASSIGN_OR_RETURN(bool exists, p->lookup()->Get(t->schema, values, &live));
                 TM_RETURN_IF_ERROR(PlanOne(
                     p, t, map, std::string(key), values, value,
                     exists ? std::optional<Record>(std::move(live.record)) : std::nullopt));
                 return true;
               }));
  std::string key;
  return in.live->Scan(t->schema, [&](const SourceRow& row) -> Status {
    key.clear();
    EncodeKey(row.key, &key);
    TM_ASSIGN_OR_RETURN(auto stored, TreeGet(in.cache, snap.root, key));
    if (stored) return Status::OK();  // planned by the first pass
    return PlanOne(p, t, map, key, row.key, std::nullopt, row.record);
  });
}

}  // namespace

Result<RollbackPlan> PlanRollback(const PlanInputs& in, const SnapshotInfo& target,
                                  const RollbackScope& scope) {
  if (!scope.keys.empty() && scope.tables.size() != 1) {
    return Status::InvalidArgument("--key and --keys-from need exactly one --table");
  }
  RollbackPlan plan;
  plan.kind = RollbackPlan::kRollback;
  plan.source = target.manifest.source;
  plan.live_path = in.live->path();
  plan.live_schema = in.live->schema();
  plan.target = target.id;
  if (in.newest != nullptr) plan.newest = in.newest->id;
  const SourceSchema& live = in.live->schema();
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names,
                      ScopeTables(live, {&target.manifest}, scope.tables));
  Planner p(in, &plan);
  for (const std::string& name : names) {
    const TableSchema* lt = live.FindTable(name);
    const SnapshotTable* st = target.manifest.FindTable(name);
    if (lt == nullptr) {
      plan.schema_issues.push_back(
          "table " + name +
          " is in the snapshot but no longer live; re-creating a table (--schema) is not "
          "supported yet: restore it into a new file with `tidemark restore SNAP --table " +
          name + " --to sqlite:PATH`");
      continue;
    }
    if (st == nullptr) {
      plan.notes.push_back("table " + name +
                           " was created after the snapshot; rollback leaves it alone");
      continue;
    }
    std::optional<ColumnMap> map = MapColumns(st->schema, *lt);
    if (!map) {
      plan.schema_issues.push_back(LayoutProblem(st->schema, *lt));
      continue;
    }
    if (!map->identity) {
      std::string note = "table " + name +
                         " changed its columns since the snapshot; they are "
                         "mapped by name";
      for (const std::string& c : map->snapshot_only) {
        note += "; " + c + " is not in the live table and cannot be restored";
      }
      for (const std::string& c : map->live_only) {
        note += "; " + c +
                " is only live: updated records keep their value, re-created ones "
                "get NULL";
      }
      plan.notes.push_back(note);
    }
    if (!map->identity) {
      // Defaults of live-only columns, for records that are re-created.
      std::vector<int> stored = lt->StoredColumns();
      map->defaults.resize(map->from.size());
      for (size_t i = 0; i < map->from.size() && i < stored.size(); i++) {
        const std::string& sql = lt->columns[size_t(stored[i])].default_sql;
        if (map->from[i] >= 0 || sql.empty()) continue;
        TM_ASSIGN_OR_RETURN(map->defaults[i], p.lookup()->EvaluateDefault(sql));
      }
    }
    TablePlan* t = p.Table(*lt);
    if (!scope.keys.empty()) {
      TM_RETURN_IF_ERROR(PlanKeys(in, &p, t, *st, *map, scope.keys));
      continue;
    }
    if (!map->identity) {
      TM_RETURN_IF_ERROR(PlanMappedTable(in, &p, t, *st, *map));
      continue;
    }
    auto r = DiffLiveTable(in.cache, *in.repo, st, in.live, lt,
                           [&](const RecordChange& c) -> Result<bool> {
                             PlannedRow row;
                             row.key = c.key;
                             row.key_values = c.key_values;
                             if (c.kind != TreeChange::kAdded) row.after = c.old_record;
                             if (c.kind != TreeChange::kRemoved) row.before = c.new_record;
                             p.Add(t, std::move(row));
                             return true;
                           });
    if (!r.ok()) return r.status();
  }
  if (scope.tables.empty()) NoteSchemaObjects(target.manifest, live, &plan);
  TM_RETURN_IF_ERROR(p.CloseOverRelations(&target, scope.with_children));
  TM_RETURN_IF_ERROR(p.FindUnsaved());
  p.Finish();
  return plan;
}

namespace {

// Plans the revert of one record that differs between A and B (`c`).
Status RevertOne(Planner* p, RollbackPlan* plan, const TableSchema& lt, const RecordChange& c,
                 RevertPreference prefer) {
  std::string a_rec, b_rec;
  if (c.kind != TreeChange::kAdded) TM_RETURN_IF_ERROR(EncodeRecord(c.old_record, nullptr, &a_rec));
  if (c.kind != TreeChange::kRemoved) {
    TM_RETURN_IF_ERROR(EncodeRecord(c.new_record, nullptr, &b_rec));
  }
  SourceRow now;
  TM_ASSIGN_OR_RETURN(bool exists, p->lookup()->Get(lt, c.key_values, &now));
  std::string live_rec;
  if (exists) {
    TM_ASSIGN_OR_RETURN(live_rec, p->Encode(now.record));
  }
  const bool is_b = exists == (c.kind != TreeChange::kRemoved) && (!exists || live_rec == b_rec);
  const bool is_a = exists == (c.kind != TreeChange::kAdded) && (!exists || live_rec == a_rec);
  if (is_a) return Status::OK();  // already as it was at A
  if (!is_b) {
    plan->conflicts.push_back(
        {lt.name, c.key_values,
         std::string("changed after B (live is neither A's nor B's version)") +
             (prefer == RevertPreference::kRevert ? "; reverted (--prefer revert)"
                                                  : "; left as it is")});
    if (prefer != RevertPreference::kRevert) return Status::OK();
  }
  PlannedRow row;
  row.key = c.key;
  row.key_values = c.key_values;
  row.saved = is_b;  // B holds this live version
  if (exists) row.before = std::move(now.record);
  if (c.kind != TreeChange::kAdded) row.after = c.old_record;
  p->Add(p->Table(lt), std::move(row));
  return Status::OK();
}

// The given keys of one table: each compared between A and B by lookups.
Status RevertKeys(const PlanInputs& in, Planner* p, RollbackPlan* plan, const TableSchema& lt,
                  const SnapshotTable* sa, const SnapshotTable* sb,
                  const std::vector<std::string>& keys, RevertPreference prefer) {
  for (const std::string& text : keys) {
    RecordChange c;
    TM_ASSIGN_OR_RETURN(c.key_values, ParseKey(lt, text));
    EncodeKey(c.key_values, &c.key);
    std::optional<std::string> in_a, in_b;
    if (sa != nullptr) {
      TM_ASSIGN_OR_RETURN(in_a, TreeGet(in.cache, sa->root, c.key));
    }
    if (sb != nullptr) {
      TM_ASSIGN_OR_RETURN(in_b, TreeGet(in.cache, sb->root, c.key));
    }
    if (!in_a && !in_b) {
      SourceRow live;
      TM_ASSIGN_OR_RETURN(bool exists, p->lookup()->Get(lt, c.key_values, &live));
      if (!exists) return NoSuchKey(lt.name, c.key_values, "A, B");
      continue;  // only live: not changed between A and B
    }
    if (in_a == in_b) continue;
    c.kind = !in_a ? TreeChange::kAdded : !in_b ? TreeChange::kRemoved : TreeChange::kChanged;
    if (in_a) TM_RETURN_IF_ERROR(DecodeRecord(*in_a, "record of " + lt.name, &c.old_record));
    if (in_b) TM_RETURN_IF_ERROR(DecodeRecord(*in_b, "record of " + lt.name, &c.new_record));
    TM_RETURN_IF_ERROR(RevertOne(p, plan, lt, c, prefer));
  }
  return Status::OK();
}

}  // namespace

Result<RollbackPlan> PlanRevert(const PlanInputs& in, const SnapshotInfo& a, const SnapshotInfo& b,
                                const RollbackScope& scope, RevertPreference prefer) {
  if (!scope.keys.empty() && scope.tables.size() != 1) {
    return Status::InvalidArgument("--key and --keys-from need exactly one --table");
  }
  RollbackPlan plan;
  plan.kind = RollbackPlan::kRevert;
  plan.source = b.manifest.source;
  plan.live_path = in.live->path();
  plan.live_schema = in.live->schema();
  plan.from = a.id;
  plan.to = b.id;
  if (in.newest != nullptr) plan.newest = in.newest->id;
  const SourceSchema& live = in.live->schema();
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names,
                      ScopeTables(live, {&a.manifest, &b.manifest}, scope.tables));
  Planner p(in, &plan);
  for (const std::string& name : names) {
    const TableSchema* lt = live.FindTable(name);
    const SnapshotTable* sa = a.manifest.FindTable(name);
    const SnapshotTable* sb = b.manifest.FindTable(name);
    if (sa == nullptr && sb == nullptr) continue;
    TM_ASSIGN_OR_RETURN(TreeDiffCounts counts, DiffTable(in.cache, sa, sb, nullptr));
    if (counts.added + counts.removed + counts.changed == 0) {
      if (lt == nullptr || scope.keys.empty()) continue;
      // Nothing changed between A and B; an unknown key is still an error.
      TM_RETURN_IF_ERROR(RevertKeys(in, &p, &plan, *lt, sa, sb, scope.keys, prefer));
      continue;
    }
    if (lt == nullptr || sa == nullptr || sb == nullptr) {
      plan.schema_issues.push_back(
          "table " + name +
          (lt == nullptr   ? " no longer exists live"
           : sa == nullptr ? " was created between A and B"
                           : " was dropped between A and B") +
          "; reverting a table definition (--schema) is not supported yet");
      continue;
    }
    std::string problem = LayoutProblem(sa->schema, *lt);
    if (problem.empty()) problem = LayoutProblem(sb->schema, *lt);
    if (!problem.empty()) {
      plan.schema_issues.push_back(problem);
      continue;
    }
    if (!scope.keys.empty()) {
      TM_RETURN_IF_ERROR(RevertKeys(in, &p, &plan, *lt, sa, sb, scope.keys, prefer));
      continue;
    }
    auto r = DiffTable(in.cache, sa, sb, [&](const RecordChange& c) -> Result<bool> {
      TM_RETURN_IF_ERROR(RevertOne(&p, &plan, *lt, c, prefer));
      return true;
    });
    if (!r.ok()) return r.status();
  }
  TM_RETURN_IF_ERROR(p.CloseOverRelations(&a, scope.with_children));
  TM_RETURN_IF_ERROR(p.FindUnsaved());
  p.Finish();
  return plan;
}

}  // namespace tidemark
