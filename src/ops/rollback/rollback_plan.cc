#include "ops/rollback/rollback_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/ascii.h"
#include "base/coding.h"
#include "base/progress.h"
#include "ops/diff/live_diff.h"
#include "ops/rollback/rollback_planner.h"
#include "records/value_json.h"
#include "snapshot/large_values.h"
#include "snapshot/record_diff.h"
#include "snapshot/table_key.h"

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

std::vector<PlanRelation> DeclaredRelations(const std::vector<Relation>& declared) {
  std::vector<PlanRelation> out;
  for (const Relation& r : declared) {
    out.push_back(
        {r.child_table, r.parent_table, {r.child_column}, {r.parent_column}, r.on_delete});
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

using namespace rollback_internal;  // NOLINT: the planner of rollback_planner.h

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
  if (SameLayout(snap, live)) return m;
  if (snap.KeyNames() != live.KeyNames() || snap.no_implicit_id != live.no_implicit_id ||
      snap.implicit_id_in_record != live.implicit_id_in_record) {
    return std::nullopt;
  }
  m.identity = false;
  const std::vector<std::string> sf = snap.RecordFieldNames(), lf = live.RecordFieldNames();
  for (const std::string& name : lf) {
    auto it = std::find_if(sf.begin(), sf.end(),
                           [&](const auto& f) { return EqualsIgnoreCase(f, name); });
    m.from.push_back(it == sf.end() ? -1 : int(it - sf.begin()));
    if (it == sf.end()) m.live_only.push_back(name);
  }
  for (const std::string& name : sf) {
    if (std::none_of(lf.begin(), lf.end(),
                     [&](const auto& f) { return EqualsIgnoreCase(f, name); })) {
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
    TM_ASSIGN_OR_RETURN(std::vector<Value> values,
                        ParseStoredKey(in.cache, t->schema, snap.root, text));
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
  return in.live->reader->Scan(t->schema, [&](const SourceRow& row) -> Status {
    key.clear();
    EncodeKey(row.key, &key);
    TM_ASSIGN_OR_RETURN(auto stored, TreeGet(in.cache, snap.root, key));
    if (stored) return Status::OK();  // planned by the first pass
    return PlanOne(p, t, map, key, row.key, std::nullopt, row.record);
  });
}

// A plan of `kind` against the live source of `in`, for `source`. InvalidArgument for
// keys without exactly one table.
Result<RollbackPlan> NewPlan(RollbackPlan::Kind kind, const PlanInputs& in,
                             const std::string& source, const RollbackScope& scope) {
  if (!scope.keys.empty() && scope.tables.size() != 1) {
    return Status::InvalidArgument("--key and --keys-from need exactly one --table");
  }
  RollbackPlan plan;
  plan.kind = kind;
  plan.source = source;
  plan.live = in.live->ref;
  plan.live_schema = in.live->reader->schema();
  if (in.newest != nullptr) plan.newest = in.newest->id;
  return plan;
}

// Follows relations from what was planned, looks for unsaved work, and puts
// the tables in order. `snap` is where missing parents and children come from.
Status FinishPlan(Planner* p, const SnapshotInfo& snap, const RollbackScope& scope) {
  TM_RETURN_IF_ERROR(p->CloseOverRelations(&snap, scope.with_children));
  TM_RETURN_IF_ERROR(p->FindUnsaved());
  p->Finish();
  return Status::OK();
}

// A note on the columns a changed table maps by name.
std::string MappedNote(const std::string& name, const ColumnMap& map) {
  std::string note = "table " + name +
                     " changed its columns since the snapshot; they are "
                     "mapped by name";
  for (const std::string& c : map.snapshot_only) {
    note += "; " + c + " is not in the live table and cannot be restored";
  }
  for (const std::string& c : map.live_only) {
    note += "; " + c +
            " is only live: updated records keep their value, re-created ones "
            "get NULL";
  }
  return note;
}

// How the snapshot's table `st` maps onto live table `lt` (nullopt: it
// cannot, the reason is in the plan's schema issues), with the defaults of
// live-only columns for records that are re-created.
Result<std::optional<ColumnMap>> MapTable(Planner* p, RollbackPlan* plan, const SnapshotTable& st,
                                          const TableSchema& lt) {
  std::optional<ColumnMap> map = MapColumns(st.schema, lt);
  if (!map) {
    plan->schema_issues.push_back(LayoutProblem(st.schema, lt, plan->live));
    return map;
  }
  if (map->identity) return map;
  plan->notes.push_back(MappedNote(lt.name, *map));
  std::vector<int> stored = lt.StoredColumns();
  map->defaults.resize(map->from.size());
  for (size_t i = 0; i < map->from.size() && i < stored.size(); i++) {
    if (map->from[i] >= 0 || lt.columns[size_t(stored[i])].default_sql.empty()) continue;
    TM_ASSIGN_OR_RETURN(map->defaults[i], p->lookup()->DefaultValue(lt, stored[i]));
  }
  return map;
}

// The records of one table in the scope: live made equal to the snapshot's.
Status PlanRollbackTable(const PlanInputs& in, Planner* p, RollbackPlan* plan,
                         const std::string& name, const SnapshotInfo& target,
                         const RollbackScope& scope) {
  const TableSchema* lt = p->live_schema().FindTable(name);
  const SnapshotTable* st = target.manifest.FindTable(name);
  if (lt == nullptr) {
    plan->schema_issues.push_back(
        "table " + name +
        " is in the snapshot but no longer live; re-creating a table (--schema) is not "
        "supported yet: restore it into a new file with `tidemark restore SNAP --table " +
        name + " --to " + LocationExample(plan->live) + "`");
    return Status::OK();
  }
  if (st == nullptr) {
    plan->notes.push_back("table " + name +
                          " was created after the snapshot; rollback leaves it alone");
    return Status::OK();
  }
  TM_ASSIGN_OR_RETURN(std::optional<ColumnMap> map, MapTable(p, plan, *st, *lt));
  if (!map) return Status::OK();
  TablePlan* t = p->Table(*lt);
  if (!scope.keys.empty()) return PlanKeys(in, p, t, *st, *map, scope.keys);
  if (!map->identity) return PlanMappedTable(in, p, t, *st, *map);
  auto r = DiffLiveTable(in.cache, *in.repo, st, in.live->reader.get(), lt,
                         [&](const RecordChange& c) -> Result<bool> {
                           PlannedRow row;
                           row.key = c.key;
                           row.key_values = c.key_values;
                           if (c.kind != TreeChange::kAdded) row.after = c.old_record;
                           if (c.kind != TreeChange::kRemoved) row.before = c.new_record;
                           p->Add(t, std::move(row));
                           return true;
                         });
  return r.status();
}

}  // namespace

Result<LiveView> OpenLiveView(const SourceRef& live, int lock_wait_ms) {
  if (!live.valid()) return Status::Internal("no connector for the live source");
  LiveView v;
  v.ref = live;
  TM_ASSIGN_OR_RETURN(v.reader, live.connector->OpenReader(live.location, lock_wait_ms));
  TM_ASSIGN_OR_RETURN(v.lookup, live.connector->OpenLookup(v.reader.get()));
  return v;
}

Result<RollbackPlan> PlanRollback(const PlanInputs& in, const SnapshotInfo& target,
                                  const RollbackScope& scope) {
  TM_ASSIGN_OR_RETURN(RollbackPlan plan,
                      NewPlan(RollbackPlan::kRollback, in, target.manifest.source, scope));
  plan.target = target.id;
  const SourceSchema& live = in.live->reader->schema();
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names,
                      ScopeTables(*in.live->ref.connector, live, {&target.manifest}, scope.tables));
  Planner p(in, &plan);
  for (const std::string& name : names) {
    TM_RETURN_IF_ERROR(PlanRollbackTable(in, &p, &plan, name, target, scope));
  }
  if (scope.tables.empty()) NoteSchemaObjects(target.manifest, live, &plan);
  TM_RETURN_IF_ERROR(FinishPlan(&p, target, scope));
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
    const SnapshotTable* stored = sa != nullptr ? sa : sb;
    TM_ASSIGN_OR_RETURN(c.key_values, stored != nullptr
                                          ? ParseStoredKey(in.cache, lt, stored->root, text)
                                          : ParseKey(lt, text));
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

// The changes of one table between A and B, reverted where live still
// holds B's version.
Status RevertTable(const PlanInputs& in, Planner* p, RollbackPlan* plan, const std::string& name,
                   const SnapshotInfo& a, const SnapshotInfo& b, const RollbackScope& scope,
                   RevertPreference prefer) {
  const TableSchema* lt = p->live_schema().FindTable(name);
  const SnapshotTable* sa = a.manifest.FindTable(name);
  const SnapshotTable* sb = b.manifest.FindTable(name);
  if (sa == nullptr && sb == nullptr) return Status::OK();
  TM_ASSIGN_OR_RETURN(TreeDiffCounts counts, DiffTable(in.cache, sa, sb, nullptr));
  if (counts.added + counts.removed + counts.changed == 0) {
    if (lt == nullptr || scope.keys.empty()) return Status::OK();
    // Nothing changed between A and B; an unknown key is still an error.
    return RevertKeys(in, p, plan, *lt, sa, sb, scope.keys, prefer);
  }
  if (lt == nullptr || sa == nullptr || sb == nullptr) {
    plan->schema_issues.push_back("table " + name +
                                  (lt == nullptr   ? " no longer exists live"
                                   : sa == nullptr ? " was created between A and B"
                                                   : " was dropped between A and B") +
                                  "; reverting a table definition (--schema) is not supported yet");
    return Status::OK();
  }
  std::string problem = LayoutProblem(sa->schema, *lt, plan->live);
  if (problem.empty()) problem = LayoutProblem(sb->schema, *lt, plan->live);
  if (!problem.empty()) {
    plan->schema_issues.push_back(problem);
    return Status::OK();
  }
  if (!scope.keys.empty()) return RevertKeys(in, p, plan, *lt, sa, sb, scope.keys, prefer);
  auto r = DiffTable(in.cache, sa, sb, [&](const RecordChange& c) -> Result<bool> {
    TM_RETURN_IF_ERROR(RevertOne(p, plan, *lt, c, prefer));
    return true;
  });
  return r.status();
}

}  // namespace

Result<RollbackPlan> PlanRevert(const PlanInputs& in, const SnapshotInfo& a, const SnapshotInfo& b,
                                const RollbackScope& scope, RevertPreference prefer) {
  TM_ASSIGN_OR_RETURN(RollbackPlan plan,
                      NewPlan(RollbackPlan::kRevert, in, b.manifest.source, scope));
  plan.from = a.id;
  plan.to = b.id;
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names,
                      ScopeTables(*in.live->ref.connector, in.live->reader->schema(),
                                  {&a.manifest, &b.manifest}, scope.tables));
  Planner p(in, &plan);
  for (const std::string& name : names) {
    TM_RETURN_IF_ERROR(RevertTable(in, &p, &plan, name, a, b, scope, prefer));
  }
  TM_RETURN_IF_ERROR(FinishPlan(&p, a, scope));
  return plan;
}

}  // namespace tidemark
