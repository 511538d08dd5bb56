// The rollback planner: scopes, layouts, and following relations (see
// rollback_planner.h, docs/guide/rollback.md "Related records").
#include "ops/rollback/rollback_planner.h"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

#include "base/ascii.h"
#include "records/value_json.h"

namespace tidemark::rollback_internal {

PlanOp OpFor(const std::optional<Record>& before, const std::optional<Record>& after) {
  return !before ? PlanOp::kInsert : !after ? PlanOp::kDelete : PlanOp::kUpdate;
}

Result<std::vector<std::string>> ScopeTables(const Connector& connector, const SourceSchema& live,
                                             const std::vector<const Manifest*>& snaps,
                                             const std::vector<std::string>& names) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  auto wanted = [](const TableSchema& t) {
    return t.kind == TableKind::kTable || t.kind == TableKind::kInternal;
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
    if (t->kind == TableKind::kCounters) {
      return Status::InvalidArgument(
          t->name +
          " is never rolled back: its counters only grow, so ids of records "
          "created after the snapshot are not reused");
    }
    if (t->kind == TableKind::kInternal) {
      return Status::InvalidArgument("table " + t->name +
                                     " belongs to a virtual table; name the virtual table");
    }
    if (t->kind == TableKind::kVirtual) {
      // Its internal tables, by the connector's rule.
      for (const TableSchema& s : live.tables) {
        if (connector.OwnerOf(live, s) == t) add(s.name);
      }
      continue;
    }
    add(t->name);
  }
  return out;
}

bool SameLayout(const TableSchema& snap, const TableSchema& live) {
  return snap.RecordFieldNames() == live.RecordFieldNames() && snap.KeyNames() == live.KeyNames() &&
         snap.no_implicit_id == live.no_implicit_id;
}

std::string LocationExample(const SourceRef& live) {
  if (!live.valid()) return "LOCATION";
  const std::string_view help = live.connector->location_help();
  return std::string(live.connector->scheme()) + ":" + std::string(help.substr(0, help.find(' ')));
}

std::string LayoutProblem(const TableSchema& snap, const TableSchema& live,
                          const SourceRef& where) {
  if (SameLayout(snap, live)) return "";
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
         live.name + " --to " + LocationExample(where) + "`";
}

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
      for (const auto& [name, rows] : index_) parent_planned |= EqualsIgnoreCase(name, fk.table);
      if (!parent_planned) continue;
    }
    if (std::any_of(values.begin(), values.end(), [](const Value& v) { return v.ref(); })) {
      continue;
    }
    const TableSchema* parent = live_schema().FindTableIgnoreCase(fk.table);
    if (parent == nullptr) continue;  // a key to a missing table refers to nothing
    const std::vector<std::string> to = ReferencedColumns(*parent, fk);
    if (!EqualsIgnoreCase(to, parent->KeyNames())) {
      // Not the parent's key: only the live table can say (no key lookup).
      TM_ASSIGN_OR_RETURN(bool exists, lookup()->AnyWhere(*parent, to, values));
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
    TM_RETURN_IF_ERROR(BringParent(t, row, *parent, key, values, snap));
  }
  return Status::OK();
}

// The parent `key` (`values`) of `row`, planned nowhere: nothing to do when
// live has it, else brought in from the snapshot (or a violation).
Status Planner::BringParent(const TablePlan& t, const PlannedRow& row, const TableSchema& parent,
                            const std::string& key, const std::vector<Value>& values,
                            const SnapshotInfo* snap) {
  SourceRow live;
  TM_ASSIGN_OR_RETURN(bool exists, lookup()->Get(parent, values, &live));
  if (exists) return Status::OK();
  const SnapshotTable* st = snap != nullptr ? snap->manifest.FindTable(parent.name) : nullptr;
  std::optional<std::string> stored;
  if (st != nullptr && st->schema.has_records()) {
    TM_ASSIGN_OR_RETURN(stored, TreeGet(in_.cache, st->root, key));
  }
  if (!stored) {
    Violation(t.schema.name, row.key_values,
              "refers to " + Describe(parent.name, values) +
                  ", which neither the live source nor the snapshot has");
    return Status::OK();
  }
  if (!SameLayout(st->schema, parent)) {
    Violation(t.schema.name, row.key_values,
              "refers to " + Describe(parent.name, values) + ", which only the snapshot has, and " +
                  parent.name + "'s columns changed since: include " + parent.name +
                  " in the scope to re-create it with its columns mapped by name");
    return Status::OK();
  }
  PlannedRow p;
  p.key = key;
  p.key_values = values;
  p.after.emplace();
  TM_RETURN_IF_ERROR(DecodeRecord(*stored, "record of " + parent.name, &*p.after));
  p.related = "parent of " + Describe(t.schema.name, row.key_values);
  Add(Table(parent), std::move(p));
  return Status::OK();
}

// Live children of a record the plan deletes follow the key's ON DELETE
// action, made explicit in the plan; RESTRICT / NO ACTION is a violation.
Status Planner::FollowChildren(const TablePlan& t, const PlannedRow& row) {
  SourceRow parent_row{row.key_values, *row.before};
  std::vector<Value> values;
  for (const TableSchema& child : live_schema().tables) {
    for (const ForeignKey& fk : child.foreign_keys) {
      if (!EqualsIgnoreCase(fk.table, t.schema.name)) continue;
      const std::vector<std::string> to = ReferencedColumns(t.schema, fk);
      if (!ReferencedValues(t.schema, to, parent_row, &values)) continue;
      const std::string parent = Describe(t.schema.name, row.key_values);
      std::vector<SourceRow> found;
      TM_RETURN_IF_ERROR(lookup()->ForEachWhere(child, fk.from, values, [&](const SourceRow& r) {
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
              if (EqualsIgnoreCase(child.columns[size_t(stored[i])].name, col)) {
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
  TM_ASSIGN_OR_RETURN(bool exists, lookup()->Get(child, key_values, &live));
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
  if (rel.on_delete != "SET NULL") return Status::OK();
  const ForeignKey fk{rel.parent, rel.from, rel.to, "", rel.on_delete};
  std::vector<Value> now, was;
  if (ForeignKeyValues(child, fk, live.record, &now)) return Status::OK();
  if (!ForeignKeyValues(child, fk, stored, &was)) return Status::OK();
  Record after = live.record;
  std::vector<int> columns = child.StoredColumns();
  for (size_t f = 0; f < rel.from.size(); f++) {
    for (size_t i = 0; i < columns.size() && i < after.size(); i++) {
      if (!EqualsIgnoreCase(child.columns[size_t(columns[i])].name, rel.from[f])) continue;
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
    const TableSchema* pt = live_schema().FindTableIgnoreCase(rel.parent);
    const TableSchema* ct = live_schema().FindTableIgnoreCase(rel.child);
    if (pt == nullptr || ct == nullptr) continue;
    auto it = parents.find(pt->name);
    if (it == parents.end()) continue;
    const SnapshotTable* st = snap.manifest.FindTable(ct->name);
    if (st == nullptr || !st->schema.has_records() || !SameLayout(st->schema, *ct)) {
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
        if (EqualsIgnoreCase(other, fk.table)) visit(other);
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

}  // namespace tidemark::rollback_internal
