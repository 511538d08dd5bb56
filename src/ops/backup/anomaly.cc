#include "ops/backup/anomaly.h"

#include <strings.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/ascii.h"
#include "base/coding.h"
#include "crypto/crypto.h"
#include "ops/backup/anomaly_values.h"
#include "records/encoding.h"
#include "snapshot/record_diff.h"

namespace tidemark {
namespace {

using namespace anomaly;  // NOLINT: the helpers of anomaly_values.h

constexpr size_t kMaxRemovedKeys = 100000;  // deleted parent keys kept for the orphan check
constexpr size_t kSampleKeys = 3;           // keys quoted in a detail line
constexpr size_t kMaxDetail = 4096;         // Anomaly::detail limit (snapshot.md)

struct ColumnStats {
  uint64_t nulled = 0;  // non-NULL, non-empty -> NULL or empty
  FrequentValues values;
  std::map<std::string, uint64_t> candidates;  // key -> count (exact after a recount)
};

// ------------------------------------------------------------- relations

// A child -> parent link the detector follows (a foreign key or a declared relation).
struct Link {
  std::string child_table, parent_table;
  std::vector<std::string> child_columns, parent_columns;
  size_t removed = 0;  // index into Detector::removed_
  std::string Name() const {
    return child_table + "." + Join(child_columns, ",") + " -> " + parent_table + "." +
           Join(parent_columns, ",");
  }
};

// Values of parent columns that disappeared with deleted parent records.
struct RemovedValues {
  std::string table;
  std::vector<std::string> columns;
  std::vector<FieldRef> old_refs, new_refs;  // in the parent's and in now's records
  bool by_key = false;  // the columns are the table's key: no other record holds them
  std::unordered_set<std::string> keys;
  bool truncated = false;  // more than kMaxRemovedKeys: counts are lower bounds
};

// ----------------------------------------------------------------- work

// One table of `now`: its diff against the parent and what it found, by
// kind in report order.
struct TableWork {
  const SnapshotTable* old_t = nullptr;  // at the parent
  const SnapshotTable* new_t = nullptr;  // in now
  TreeDiffCounts counts;
  uint64_t rows = 0;  // at the parent
  bool judge_shares = false, metadata = false;
  bool recount = false;  // count changes by common fields only (see JudgeTable)
  std::vector<size_t> removed_requests;
  std::vector<Anomaly> dropped_columns, shares, columns, metadata_rows, orphans;
};

using Samples = std::array<std::vector<double>, 3>;  // deleted, changed, added

Anomaly MakeAnomaly(const char* kind, std::string table, std::string column, uint64_t count,
                    uint64_t of, std::string detail) {
  Shorten(&detail, kMaxDetail);
  return Anomaly{kind, std::move(table), std::move(column), count, of, std::move(detail)};
}

class Detector {
 public:
  Detector(NodeCache* cache, const Manifest& now, const std::vector<const Manifest*>& history,
           const AnomalyRules& rules, const std::vector<TreeDiffCounts>* parent_counts)
      : cache_(cache),
        now_(now),
        parent_(*history.back()),
        history_(history),
        rules_(rules),
        parent_counts_(parent_counts) {}

  Result<std::vector<Anomaly>> Run();
  const AnomalyCost& cost() const { return cost_; }

 private:
  void DroppedObjects(std::vector<Anomaly>* out) const;
  void DroppedColumns(TableWork* w) const;
  void ResolveRelations();
  void AddRelation(Link r);
  Status JudgeTable(size_t i);
  Status ScanChanges(TableWork* w);
  bool Counted(const TableWork& w, const FieldChange& f) const;
  Status JudgeColumns(TableWork* w, std::map<std::string, ColumnStats>* stats);
  Status RecountCandidates(TableWork* w, std::map<std::string, ColumnStats>* stats);
  Status JudgeShares(TableWork* w);
  Result<Samples> BaselineSamples(const std::string& table);
  Status FindOrphans();
  Status ScanRecords(const SnapshotTable& t, bool with_record,
                     const std::function<bool(const std::vector<Value>&, const Record&)>& fn);
  Status DropStillPresent(RemovedValues* rv);
  Status CountOrphans(const Link& rel, const RemovedValues& rv, TableWork* w);
  TableRole RoleOf(const TableSchema& t) const;

  NodeCache* cache_;
  const Manifest& now_;
  const Manifest& parent_;
  const std::vector<const Manifest*>& history_;
  const AnomalyRules& rules_;
  const std::vector<TreeDiffCounts>* parent_counts_;  // may be null
  AnomalyCost cost_;
  std::vector<TableWork> work_;
  std::vector<Link> relations_;
  std::vector<RemovedValues> removed_;
};

Result<std::vector<Anomaly>> Detector::Run() {
  std::vector<Anomaly> out;
  DroppedObjects(&out);
  ResolveRelations();
  work_.resize(now_.tables.size());
  for (size_t i = 0; i < now_.tables.size(); i++) TM_RETURN_IF_ERROR(JudgeTable(i));
  TM_RETURN_IF_ERROR(FindOrphans());
  for (TableWork& w : work_) {
    for (auto* v : {&w.dropped_columns, &w.shares, &w.columns, &w.metadata_rows, &w.orphans}) {
      out.insert(out.end(), v->begin(), v->end());
    }
  }
  return out;
}

// Objects of the parent's schema missing from now's. Indexes and triggers
// that went with a dropped table are folded into the table's line.
void Detector::DroppedObjects(std::vector<Anomaly>* out) const {
  std::set<std::pair<std::string, std::string>> present;
  for (const SchemaObject& o : now_.objects.objects) present.insert({o.type, o.name});
  auto gone = [&](const SchemaObject& o) { return !present.count({o.type, o.name}); };
  std::map<std::string, std::map<std::string, int>> folded;  // table -> type -> count
  for (const SchemaObject& o : parent_.objects.objects) {
    if (o.type == "table" && gone(o)) folded[o.name];
  }
  for (const SchemaObject& o : parent_.objects.objects) {
    if (o.type != "table" && gone(o) && folded.count(o.tbl_name)) folded[o.tbl_name][o.type]++;
  }
  for (const SchemaObject& o : parent_.objects.objects) {
    if (!gone(o) || o.implicit()) continue;  // went with its constraint
    if (o.type != "table" && folded.count(o.tbl_name)) continue;
    if (o.type != "table") {
      const std::string on = o.type == "view" ? "" : " on " + o.tbl_name;
      out->push_back(MakeAnomaly("dropped", o.type == "view" ? o.name : o.tbl_name, "", 1, 0,
                                 o.type + " " + o.name + on + " dropped"));
      continue;
    }
    const SnapshotTable* t = parent_.FindTable(o.name);
    const uint64_t rows = t ? t->root.count : 0;
    std::string with;
    for (const auto& [type, n] : folded[o.name]) {
      with += (with.empty() ? ", with " : " and ") + std::to_string(n) + " " + type +
              (n > 1 ? (type == "index" ? "es" : "s") : "");
    }
    out->push_back(MakeAnomaly(
        "dropped", o.name, "", rows, rows,
        "table " + o.name + " dropped: " + std::to_string(rows) + " records lost" + with));
  }
}

void Detector::DroppedColumns(TableWork* w) const {
  const TableSchema& s = w->new_t->schema;
  for (const Column& c : w->old_t->schema.columns) {
    const bool kept = std::any_of(s.columns.begin(), s.columns.end(), [&](const Column& n) {
      return EqualsIgnoreCase(n.name, c.name);
    });
    if (kept) continue;
    w->dropped_columns.push_back(
        MakeAnomaly("dropped", s.name, c.name, w->old_t->root.count, w->old_t->root.count,
                    "column " + s.name + "." + c.name + " dropped (the table had " +
                        std::to_string(w->old_t->root.count) + " records)"));
  }
}

// Schema foreign keys of now's tables, then the relations of now's
// annotations (declared to its profile).
void Detector::ResolveRelations() {
  for (const SnapshotTable& t : now_.tables) {
    for (const ForeignKey& fk : t.schema.foreign_keys) {
      const SnapshotTable* p = FindTableAnyCase(now_, fk.table);
      if (p == nullptr) continue;
      Link r{t.schema.name, p->schema.name, fk.from, fk.to, 0};
      r.parent_columns.resize(r.child_columns.size());
      const std::vector<std::string> pk = p->schema.KeyNames();
      for (size_t i = 0; i < r.parent_columns.size(); i++) {
        if (r.parent_columns[i].empty() && i < pk.size()) r.parent_columns[i] = pk[i];
      }
      AddRelation(std::move(r));
    }
  }
  for (const Relation& d : RelationsOf(now_.objects)) {
    const SnapshotTable* c = FindTableAnyCase(now_, d.child_table);
    const SnapshotTable* p = FindTableAnyCase(now_, d.parent_table);
    if (c == nullptr || p == nullptr) continue;
    AddRelation(Link{c->schema.name, p->schema.name, {d.child_column}, {d.parent_column}, 0});
  }
}

// Keeps `r` when both tables hold records on both sides and every column
// resolves; shares the removed-values set of an earlier relation to the
// same parent columns.
void Detector::AddRelation(Link r) {
  for (const Link& o : relations_) {
    if (o.child_table == r.child_table && EqualsIgnoreCase(o.child_columns, r.child_columns) &&
        o.parent_table == r.parent_table && EqualsIgnoreCase(o.parent_columns, r.parent_columns)) {
      return;
    }
  }
  const SnapshotTable* child = now_.FindTable(r.child_table);
  const SnapshotTable* old_p = parent_.FindTable(r.parent_table);
  const SnapshotTable* new_p = now_.FindTable(r.parent_table);
  if (!child || !old_p || !new_p || !child->schema.has_records() || !old_p->schema.has_records() ||
      !new_p->schema.has_records() || r.child_columns.empty() ||
      r.child_columns.size() != r.parent_columns.size()) {
    return;
  }
  for (size_t i = 0; i < removed_.size(); i++) {
    if (removed_[i].table == r.parent_table &&
        EqualsIgnoreCase(removed_[i].columns, r.parent_columns)) {
      r.removed = i;
      relations_.push_back(std::move(r));
      return;
    }
  }
  RemovedValues rv;
  rv.table = r.parent_table;
  rv.columns = r.parent_columns;
  for (const std::string& col : r.parent_columns) {
    std::optional<FieldRef> o = FindField(old_p->schema, col), n = FindField(new_p->schema, col);
    if (!o || !n) return;
    rv.old_refs.push_back(*o);
    rv.new_refs.push_back(*n);
  }
  rv.by_key = EqualsIgnoreCase(r.parent_columns, old_p->schema.KeyNames()) &&
              EqualsIgnoreCase(r.parent_columns, new_p->schema.KeyNames());
  r.removed = removed_.size();
  removed_.push_back(std::move(rv));
  relations_.push_back(std::move(r));
}

TableRole Detector::RoleOf(const TableSchema& t) const {
  return now_.objects.annotations.RoleOf(t.name, t.namespace_name);
}

Status Detector::JudgeTable(size_t i) {
  TableWork& w = work_[i];
  w.new_t = &now_.tables[i];
  w.old_t = parent_.FindTable(w.new_t->schema.name);
  if (!w.old_t) return Status::OK();  // a new table: nothing to compare with
  DroppedColumns(&w);
  if (!w.old_t->schema.has_records() || !w.new_t->schema.has_records()) return Status::OK();
  w.rows = w.old_t->root.count;
  if (parent_counts_ != nullptr) {
    w.counts = (*parent_counts_)[i];  // the backup's own change counts: no second diff
  } else {
    TM_ASSIGN_OR_RETURN(w.counts, DiffTable(cache_, w.old_t, w.new_t, nullptr));
    cost_.nodes_loaded += w.counts.nodes_loaded;
  }
  const TableRole role = RoleOf(w.new_t->schema);
  // A transient table (sessions, logs) is emptied and refilled by the app.
  w.judge_shares = w.rows >= rules_.min_rows && role != TableRole::kTransient;
  w.metadata = role == TableRole::kMetadata;
  // Records also change when a column is added or dropped, and (VACUUM) when
  // the kept rowid of a table with a declared key is renumbered: such
  // changes are not the app's, so changes are counted by common fields.
  w.recount = w.judge_shares && w.counts.changed > 0 &&
              (w.old_t->schema.RecordFieldNames() != w.new_t->schema.RecordFieldNames() ||
               w.new_t->schema.implicit_id_in_record) &&
              ShareOf(w.counts.changed, w.rows) > rules_.baseline_floor * rules_.changed;
  if (w.counts.removed > 0) {
    for (size_t r = 0; r < removed_.size(); r++) {
      if (removed_[r].table == w.new_t->schema.name) w.removed_requests.push_back(r);
    }
  }
  TM_RETURN_IF_ERROR(ScanChanges(&w));
  if (w.judge_shares) TM_RETURN_IF_ERROR(JudgeShares(&w));
  return Status::OK();
}

bool Detector::Counted(const TableWork& w, const FieldChange& f) const {
  if (!f.old_value || !f.new_value) return false;  // a column added or dropped
  return !w.new_t->schema.IsImplicitIdField(f.field);
}

void CollectRemoved(RemovedValues* rv, const RecordChange& c, std::string* old_key,
                    std::string* new_key) {
  if (c.kind == TreeChange::kAdded) return;
  if (!TupleKey(rv->old_refs, c.key_values, c.old_record, old_key)) return;
  if (c.kind == TreeChange::kChanged) {
    if (rv->by_key) return;
    if (TupleKey(rv->new_refs, c.key_values, c.new_record, new_key) && *new_key == *old_key) {
      return;
    }
  }
  if (rv->keys.size() >= kMaxRemovedKeys) {
    rv->truncated = true;
    return;
  }
  rv->keys.insert(*old_key);
}

// One pass over the decoded changes, only when something needs it: column
// statistics (enough records changed to reach a column threshold), a recount
// of changes, deleted metadata rows, deleted parent keys.
Status Detector::ScanChanges(TableWork* w) {
  const double least = std::min(rules_.nulled, rules_.dominant) * double(w->rows);
  const bool columns = w->judge_shares && double(w->counts.changed) > least;
  const bool metadata = w->metadata && w->counts.removed > 0;
  if (!columns && !w->recount && !metadata && w->removed_requests.empty()) return Status::OK();
  std::map<std::string, ColumnStats> stats;
  uint64_t changed = 0;
  std::vector<std::string> samples;
  std::string old_key, new_key, value_key;
  auto visit = [&](const RecordChange& c) -> Result<bool> {
    cost_.records_decoded++;
    if (metadata && c.kind == TreeChange::kRemoved && samples.size() < kSampleKeys) {
      samples.push_back(KeyDisplay(w->old_t->schema, c.key_values));
    }
    for (size_t r : w->removed_requests) CollectRemoved(&removed_[r], c, &old_key, &new_key);
    if (c.kind != TreeChange::kChanged) return true;
    bool counted = false;
    for (const FieldChange& f : c.fields) {
      if (!Counted(*w, f)) continue;
      counted = true;
      if (!columns) continue;
      ColumnStats& s = stats[f.field];
      if (IsNullOrEmpty(*f.new_value) && !IsNullOrEmpty(*f.old_value)) s.nulled++;
      value_key.clear();
      AppendValueKey(*f.new_value, false, &value_key);
      s.values.Add(value_key, *f.new_value);
    }
    changed += counted ? 1 : 0;
    return true;
  };
  TM_ASSIGN_OR_RETURN(TreeDiffCounts counts, DiffTable(cache_, w->old_t, w->new_t, visit));
  cost_.nodes_loaded += counts.nodes_loaded;
  if (w->recount) w->counts.changed = changed;
  if (metadata) {
    const uint64_t n = w->counts.removed;
    std::string detail = w->new_t->schema.name + ": " + std::to_string(n) +
                         (n == w->rows ? "" : " of " + std::to_string(w->rows)) +
                         " metadata record" + (n == 1 && n == w->rows ? "" : "s") + " deleted (" +
                         Join(samples, "; ") + (n > samples.size() ? "; ..." : "") + ")";
    w->metadata_rows.push_back(
        MakeAnomaly("dropped", w->new_t->schema.name, "", n, w->rows, std::move(detail)));
  }
  if (columns) TM_RETURN_IF_ERROR(JudgeColumns(w, &stats));
  return Status::OK();
}

// Nulled and dominant columns, in record order. A NULL or empty value that
// dominates a column already reported as nulled is not reported twice.
Status Detector::JudgeColumns(TableWork* w, std::map<std::string, ColumnStats>* stats) {
  const double n = double(w->rows);
  bool recount = false;
  for (auto& [name, s] : *stats) {
    const bool nulled = double(s.nulled) > rules_.nulled * n;
    for (const std::string& key : s.values.Candidates(rules_.dominant * n)) {
      if (nulled && s.values.Get(key).null_or_empty) continue;
      s.candidates[key] = s.values.Get(key).count;
      recount = recount || !s.values.exact();
    }
  }
  if (recount) TM_RETURN_IF_ERROR(RecountCandidates(w, stats));
  const std::string& table = w->new_t->schema.name;
  const std::string of = " of " + std::to_string(w->rows) + " records (";
  for (const std::string& name : w->new_t->schema.RecordFieldNames()) {
    auto it = stats->find(name);
    if (it == stats->end()) continue;
    const ColumnStats& s = it->second;
    if (double(s.nulled) > rules_.nulled * n) {
      w->columns.push_back(MakeAnomaly("nulled", table, name, s.nulled, w->rows,
                                       table + "." + name + ": set to NULL or empty on " +
                                           std::to_string(s.nulled) + of +
                                           FormatShare(ShareOf(s.nulled, w->rows)) +
                                           "), threshold " + FormatShare(rules_.nulled)));
    }
    auto best = std::max_element(s.candidates.begin(), s.candidates.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    if (best == s.candidates.end() || double(best->second) <= rules_.dominant * n) continue;
    w->columns.push_back(MakeAnomaly(
        "dominant", table, name, best->second, w->rows,
        table + "." + name + ": set to " + s.values.Get(best->first).display + " on " +
            std::to_string(best->second) + of + FormatShare(ShareOf(best->second, w->rows)) +
            "), threshold " + FormatShare(rules_.dominant)));
  }
  return Status::OK();
}

// Exact counts of the candidate values (a second pass over the changes,
// taken only when a candidate may pass the limit and the summary overflowed).
Status Detector::RecountCandidates(TableWork* w, std::map<std::string, ColumnStats>* stats) {
  for (auto& [name, s] : *stats) {
    for (auto& [key, count] : s.candidates) count = 0;
  }
  std::string value_key;
  auto visit = [&](const RecordChange& c) -> Result<bool> {
    cost_.records_decoded++;
    if (c.kind != TreeChange::kChanged) return true;
    for (const FieldChange& f : c.fields) {
      if (!Counted(*w, f)) continue;
      auto it = stats->find(f.field);
      if (it == stats->end() || it->second.candidates.empty()) continue;
      value_key.clear();
      AppendValueKey(*f.new_value, false, &value_key);
      auto c_it = it->second.candidates.find(value_key);
      if (c_it != it->second.candidates.end()) c_it->second++;
    }
    return true;
  };
  TM_ASSIGN_OR_RETURN(TreeDiffCounts counts, DiffTable(cache_, w->old_t, w->new_t, visit));
  cost_.nodes_loaded += counts.nodes_loaded;
  return Status::OK();
}

Status Detector::JudgeShares(TableWork* w) {
  struct Kind {
    const char* name;
    uint64_t count;
    double threshold;
  };
  const Kind kinds[3] = {{"deleted", w->counts.removed, rules_.deleted},
                         {"changed", w->counts.changed, rules_.changed},
                         {"added", w->counts.added, rules_.added}};
  // The baseline can lower a limit to baseline_floor x threshold, no lower:
  // below that for every kind, no share can pass and no history is read.
  bool possible = false;
  for (const Kind& k : kinds) {
    possible = possible || ShareOf(k.count, w->rows) > rules_.baseline_floor * k.threshold;
  }
  if (!possible) return Status::OK();
  TM_ASSIGN_OR_RETURN(Samples samples, BaselineSamples(w->new_t->schema.name));
  const std::string& table = w->new_t->schema.name;
  for (size_t i = 0; i < 3; i++) {
    const Kind& k = kinds[i];
    const Limit l = LimitFor(k.threshold, samples[i], rules_);
    const double share = ShareOf(k.count, w->rows);
    if (share <= l.value) continue;
    std::string detail = table + ": " + std::to_string(k.count) + " of " + std::to_string(w->rows) +
                         " records " + k.name + " (" + FormatShare(share) + ")";
    if (l.baseline) {
      detail += "; usually " + FormatShare(l.median) + " (median of the last " +
                std::to_string(l.samples) + " backups), limit " + FormatShare(l.value);
    } else {
      detail += ", threshold " + FormatShare(l.value);
    }
    w->shares.push_back(MakeAnomaly(k.name, table, "", k.count, w->rows, std::move(detail)));
  }
  return Status::OK();
}

// The table's shares in the last rules.history backups of `history`, each
// against its own parent (counts-only diffs: cost of those changes only).
// Pairs where the table is missing or under min_rows give no sample.
Result<Samples> Detector::BaselineSamples(const std::string& table) {
  Samples s;
  const size_t size = history_.size();
  const size_t first = std::max<size_t>(1, size > rules_.history ? size - rules_.history : 1);
  for (size_t i = first; i < size; i++) {
    const SnapshotTable* a = history_[i - 1]->FindTable(table);
    const SnapshotTable* b = history_[i]->FindTable(table);
    if (!a || !b || a->root.count < rules_.min_rows || !a->schema.has_records() ||
        !b->schema.has_records()) {
      continue;
    }
    TM_ASSIGN_OR_RETURN(TreeDiffCounts c, DiffTable(cache_, a, b, nullptr));
    cost_.nodes_loaded += c.nodes_loaded;
    s[0].push_back(ShareOf(c.removed, a->root.count));
    s[1].push_back(ShareOf(c.changed, a->root.count));
    s[2].push_back(ShareOf(c.added, a->root.count));
  }
  return s;
}

Status Detector::FindOrphans() {
  for (RemovedValues& rv : removed_) {
    if (!rv.by_key && !rv.keys.empty()) TM_RETURN_IF_ERROR(DropStillPresent(&rv));
  }
  for (const Link& rel : relations_) {
    const RemovedValues& rv = removed_[rel.removed];
    if (rv.keys.empty()) continue;
    for (TableWork& w : work_) {
      if (w.new_t->schema.name == rel.child_table) {
        TM_RETURN_IF_ERROR(CountOrphans(rel, rv, &w));
      }
    }
  }
  return Status::OK();
}

// Calls fn(key, record) for every record of `t` (record left empty unless
// `with_record`) until fn returns false.
Status Detector::ScanRecords(
    const SnapshotTable& t, bool with_record,
    const std::function<bool(const std::vector<Value>&, const Record&)>& fn) {
  const std::string what = "record of table " + t.schema.name;
  std::vector<Value> key;
  Record record;
  return TreeScan(cache_, t.root, std::nullopt,
                  [&](std::string_view k, std::string_view v) -> Result<bool> {
                    cost_.records_scanned++;
                    TM_RETURN_IF_ERROR(DecodeKey(k, &key));
                    if (with_record) TM_RETURN_IF_ERROR(DecodeRecord(v, what, &record));
                    return fn(key, record);
                  });
}

// For columns that are not the parent's key another record may still hold a
// deleted record's value: scan the parent table in `now` and forget those.
Status Detector::DropStillPresent(RemovedValues* rv) {
  std::string tuple;
  return ScanRecords(*now_.FindTable(rv->table), true,
                     [&](const std::vector<Value>& key, const Record& record) {
                       if (TupleKey(rv->new_refs, key, record, &tuple)) rv->keys.erase(tuple);
                       return !rv->keys.empty();
                     });
}

// Scans the child table in `now` for records referring to a deleted parent.
Status Detector::CountOrphans(const Link& rel, const RemovedValues& rv, TableWork* w) {
  const SnapshotTable& child = *w->new_t;
  std::vector<FieldRef> refs;
  bool key_only = true;
  for (const std::string& col : rel.child_columns) {
    std::optional<FieldRef> f = FindField(child.schema, col);
    if (!f) return Status::OK();  // the relation names a column the table lacks
    refs.push_back(*f);
    key_only = key_only && f->in_key;
  }
  uint64_t count = 0;
  std::vector<std::string> samples;
  std::string tuple;
  TM_RETURN_IF_ERROR(
      ScanRecords(child, !key_only, [&](const std::vector<Value>& key, const Record& record) {
        if (TupleKey(refs, key, record, &tuple) && rv.keys.count(tuple) && count++ < kSampleKeys) {
          samples.push_back(KeyDisplay(child.schema, key));
        }
        return true;
      }));
  if (count == 0) return Status::OK();
  std::string detail = rel.Name() + ": " + (rv.truncated ? "at least " : "") +
                       std::to_string(count) + " of " + std::to_string(child.root.count) +
                       " records refer to a deleted " + rel.parent_table + " record (" +
                       Join(samples, "; ") + (count > samples.size() ? "; ..." : "") + ")";
  if (rv.truncated) {
    detail += "; only the first " + std::to_string(kMaxRemovedKeys) + " deleted keys checked";
  }
  w->orphans.push_back(MakeAnomaly("orphans", child.schema.name, Join(rel.child_columns, ","),
                                   count, child.root.count, std::move(detail)));
  return Status::OK();
}

std::string FormatNumber(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Status CheckShare(const char* name, double v, bool above_one) {
  if (std::isfinite(v) && v > 0 && (above_one || v <= 1)) return Status::OK();
  return Status::InvalidArgument(std::string("anomaly rule ") + name + " = " + FormatNumber(v) +
                                 (above_one ? ": expected a share above 0 (1.0 = 100 %)"
                                            : ": expected a share in (0, 1], e.g. 0.1 for 10 %"));
}

}  // namespace

Status ValidateAnomalyRules(const AnomalyRules& r) {
  const std::pair<const char*, double> shares[] = {{"deleted", r.deleted},
                                                   {"changed", r.changed},
                                                   {"nulled", r.nulled},
                                                   {"dominant", r.dominant}};
  for (const auto& [name, v] : shares) TM_RETURN_IF_ERROR(CheckShare(name, v, false));
  TM_RETURN_IF_ERROR(CheckShare("added", r.added, true));
  if (!(r.mad_k >= 0) || !std::isfinite(r.mad_k)) {
    return Status::InvalidArgument("anomaly rule mad_k = " + FormatNumber(r.mad_k) +
                                   ": expected a number >= 0 (default 5)");
  }
  if (!std::isfinite(r.baseline_floor) || r.baseline_floor < 0 || r.baseline_floor > 1) {
    return Status::InvalidArgument(
        "anomaly rule baseline_floor = " + FormatNumber(r.baseline_floor) +
        ": expected a fraction of the threshold in [0, 1]");
  }
  if (r.min_history == 0) {
    return Status::InvalidArgument("anomaly rule min_history = 0: expected at least 1 backup");
  }
  return Status::OK();
}

Result<std::vector<Anomaly>> DetectAnomalies(NodeCache* cache, const Manifest& now,
                                             const std::vector<const Manifest*>& history,
                                             const AnomalyRules& rules, AnomalyCost* cost,
                                             const std::vector<TreeDiffCounts>* parent_counts) {
  if (cost) *cost = AnomalyCost{};
  if (history.empty() || history.back() == nullptr) return std::vector<Anomaly>{};
  if (parent_counts != nullptr && parent_counts->size() != now.tables.size()) {
    return Status::Internal("anomaly detection: change counts for " +
                            std::to_string(parent_counts->size()) + " tables, manifest has " +
                            std::to_string(now.tables.size()));
  }
  Detector d(cache, now, history, rules, parent_counts);
  Result<std::vector<Anomaly>> r = d.Run();
  if (cost) *cost = d.cost();
  return r;
}

}  // namespace tidemark
