#include "ops/drill/drill_checks.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "base/ascii.h"
#include "base/hex.h"
#include "ops/restore/restore.h"

namespace tidemark::drill {
namespace {

// Measures one check from construction to Add.
class Timed {
 public:
  Timed() : start_(std::chrono::steady_clock::now()) {}
  void Add(std::vector<DrillCheck>* out, std::string kind, std::string name, CheckOutcome o,
           std::string detail) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start_)
                        .count();
    out->push_back(
        {std::move(kind), std::move(name), o, std::move(detail), static_cast<uint64_t>(us)});
    start_ = std::chrono::steady_clock::now();
  }
  uint64_t Elapsed() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - start_)
                                     .count());
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

CheckOutcome PassIf(bool ok) { return ok ? CheckOutcome::kPass : CheckOutcome::kFail; }

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// "a, b, c and 4 more"
std::string Sample(const std::vector<std::string>& items, size_t n = 5) {
  std::vector<std::string> head(items.begin(), items.begin() + std::min(n, items.size()));
  std::string out = Join(head, ", ");
  if (items.size() > n) out += " and " + std::to_string(items.size() - n) + " more";
  return out;
}

std::string Row(const std::vector<std::string>& cells) { return "(" + Join(cells, ", ") + ")"; }

// Table and column names in `spec` ("table.col1,col2") quoted for SQL.
struct ColumnSet {
  std::string table;
  std::vector<std::string> columns;
};
bool ParseColumnSet(const std::string& spec, ColumnSet* out) {
  const size_t dot = spec.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == spec.size()) return false;
  out->table = spec.substr(0, dot);
  size_t start = dot + 1;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    std::string col = spec.substr(start, comma - start);
    col.erase(0, col.find_first_not_of(' '));
    col.erase(col.find_last_not_of(' ') + 1);
    if (col.empty()) return false;
    out->columns.push_back(col);
    start = comma + 1;
  }
  return true;
}

// Duplicates of `cols` in `table` (NULLs never collide, as in a UNIQUE
// constraint): one row.
void CheckUnique(SourceProbe* p, const std::string& table, const std::vector<std::string>& cols,
                 const std::string& why, std::vector<DrillCheck>* out) {
  Timed timer;
  const std::string name = table + "(" + Join(cols, ", ") + ")";
  auto dups = p->FindDuplicates(table, cols, 6);
  if (!dups.ok()) {
    timer.Add(out, "uniqueness", name, CheckOutcome::kFail, dups.status().message());
    return;
  }
  if (dups->found.empty()) {
    timer.Add(out, "uniqueness", name, CheckOutcome::kPass, "no duplicates (" + why + ")");
    return;
  }
  std::vector<std::string> shown;
  for (const DuplicateValues& d : dups->found)
    shown.push_back(Row(d.values) + " x" + std::to_string(d.rows));
  timer.Add(out, "uniqueness", name, CheckOutcome::kFail,
            "duplicate values (" + why + "): " + Sample(shown) + (dups->truncated ? " ..." : ""));
}

// An assertion on a copy that answers no SQL: what to do instead.
std::string NoSqlDetail(const DrillPlan& plan, const Restored& r) {
  return "the restored copy (a " + std::string(r.connector->scheme()) +
         ": source) answers no SQL, so assertions cannot run on it; remove the assertion "
         "from plan '" +
         plan.name + "' or add \"assertion\" to its skip list";
}

bool Holds(const DrillAssertion& a, int64_t v) {
  switch (a.op) {
    case DrillAssertion::Op::kEq:
      return v == a.a;
    case DrillAssertion::Op::kGe:
      return v >= a.a;
    case DrillAssertion::Op::kLe:
      return v <= a.a;
    case DrillAssertion::Op::kBetween:
      return v >= a.a && v <= a.b;
    case DrillAssertion::Op::kLive:
      break;
  }
  return false;
}

// An assertion with a number: the query's integer against the expectation.
void CheckValueAssertion(const DrillAssertion& a, SourceProbe* p, Timed* timer,
                         std::vector<DrillCheck>* out) {
  auto v = p->QueryInteger(a.sql);
  if (!v.ok()) {
    timer->Add(out, "assertion", a.name, CheckOutcome::kFail, v.status().message());
    return;
  }
  timer->Add(out, "assertion", a.name, PassIf(Holds(a, *v)),
             "got " + std::to_string(*v) + ", expected " + a.Expectation());
}

// The rows of both sides compared as multisets: the detail line, and
// whether they are equal.
std::pair<bool, std::string> CompareRows(const QueryRows& restored, const QueryRows& live) {
  std::vector<std::string> only_live, only_restored;
  std::multiset<std::vector<std::string>> want(live.rows.begin(), live.rows.end());
  for (const auto& row : restored.rows) {
    auto it = want.find(row);
    if (it == want.end()) {
      only_restored.push_back(Row(row));
    } else {
      want.erase(it);
    }
  }
  for (const auto& row : want) only_live.push_back(Row(row));
  const bool ok =
      only_live.empty() && only_restored.empty() && !live.truncated && !restored.truncated;
  std::string detail = std::to_string(restored.rows.size()) + " rows restored, " +
                       std::to_string(live.rows.size()) + " live";
  if (!only_live.empty()) detail += "; only live: " + Sample(only_live, 3);
  if (!only_restored.empty()) detail += "; only restored: " + Sample(only_restored, 3);
  if (live.truncated || restored.truncated) detail += "; more than 10000 rows: not compared";
  return {ok, detail};
}

// A "live" assertion: its rows on the copy equal those on the live source.
void CheckLiveAssertion(const DrillAssertion& a, SourceProbe* p, const SourceRef& live,
                        Timed* timer, std::vector<DrillCheck>* out) {
  auto restored = p->Query(a.sql, 10000);
  if (!restored.ok()) {
    timer->Add(out, "assertion", a.name, CheckOutcome::kFail, restored.status().message());
    return;
  }
  auto live_probe = live.connector->OpenProbe(live.location);
  if (!live_probe.ok()) {
    timer->Add(out, "assertion", a.name, CheckOutcome::kFail,
               "cannot open the live source: " + live_probe.status().message());
    return;
  }
  auto rows = (*live_probe)->Query(a.live_sql.empty() ? a.sql : a.live_sql, 10000);
  if (!rows.ok()) {
    timer->Add(out, "assertion", a.name, CheckOutcome::kFail, rows.status().message());
    return;
  }
  const auto [ok, detail] = CompareRows(*restored, *rows);
  timer->Add(out, "assertion", a.name, PassIf(ok), detail);
}

}  // namespace

bool Restored::Selected(const std::string& table) const {
  if (tables.empty()) return true;
  const std::string f = AsciiLower(table);
  return std::any_of(tables.begin(), tables.end(),
                     [&](const auto& t) { return AsciiLower(t) == f; });
}

void CheckSchema(const Restored& r, SourceProbe* p, std::vector<DrillCheck>* out) {
  Timed timer;
  auto objects = p->SchemaObjects();
  if (!objects.ok()) {
    timer.Add(out, "schema", "objects", CheckOutcome::kFail, objects.status().message());
    return;
  }
  std::map<std::string, std::string> have;  // "type name" (folded) -> definition
  for (const SchemaObject& o : *objects) have[o.type + " " + AsciiLower(o.name)] = o.sql;
  std::vector<std::string> missing, different;
  size_t expected = 0;
  for (const SchemaObject& o : r.manifest->objects.objects) {
    // A partial restore creates the selected tables, their indexes and
    // triggers, and every view (the connector's RestoreTarget).
    const std::string type = AsciiLower(o.type);  // connectors spell it "table" or "TABLE"
    if (type != "view" && !r.Selected(type == "table" ? o.name : o.tbl_name)) continue;
    if (!p->Recreates(o)) continue;
    expected++;
    auto it = have.find(o.type + " " + AsciiLower(o.name));
    if (it == have.end()) {
      missing.push_back(o.type + " " + o.name);
    } else if (it->second != o.sql) {
      different.push_back(o.type + " " + o.name);
    }
  }
  const bool ok = missing.empty() && different.empty();
  std::string detail = std::to_string(expected) + " tables, indexes, views and triggers";
  if (ok) {
    detail += " present with their SQL";
  } else {
    if (!missing.empty()) detail += "; missing: " + Sample(missing);
    if (!different.empty()) detail += "; different SQL: " + Sample(different);
  }
  timer.Add(out, "schema", "objects", PassIf(ok), detail);
}

void CheckTables(const Restored& r, std::vector<DrillCheck>* out, std::vector<DrillTable>* tables) {
  Timed timer;
  auto tallies = [&]() -> Result<std::vector<TableTally>> {
    TM_ASSIGN_OR_RETURN(auto src, r.connector->OpenReader(r.location, 10000));
    return TallyTables(*r.connector, src.get(), *r.manifest, r.tables);
  }();
  if (!tallies.ok()) {
    timer.Add(out, "counts", "tables", CheckOutcome::kFail, tallies.status().message());
    return;
  }
  uint64_t read_us = timer.Elapsed();  // charged once, to the first table's row
  for (const TableTally& t : *tallies) {
    const uint64_t want = t.expected->root.count;
    tables->push_back({t.table, t.rows, t.expected->schema.kind != TableKind::kTable});
    std::string detail;
    if (!t.present) {
      detail = "table missing from the restored file";
    } else {
      detail =
          std::to_string(t.rows) + " rows restored, " + std::to_string(want) + " in the snapshot";
    }
    out->push_back({"counts", t.table, PassIf(t.present && t.rows == want), detail, read_us});
    const bool same = t.present && t.digest == t.expected->digest;
    out->push_back({"digest", t.table, PassIf(same),
                    same ? "digest " + HexEncode(t.digest).substr(0, 16) + " matches"
                         : "restored digest " + HexEncode(t.digest).substr(0, 16) +
                               " differs from the snapshot's " +
                               HexEncode(t.expected->digest).substr(0, 16),
                    0});
    read_us = 0;
  }
}

void CheckIntegrity(SourceProbe* p, std::vector<DrillCheck>* out) {
  Timed timer;
  const SourceProbe::CheckName check = p->integrity_check();
  const std::string name(check.name), label(check.label);
  auto problems = p->IntegrityProblems(20);
  if (!problems.ok()) {
    timer.Add(out, "integrity", name, CheckOutcome::kFail, problems.status().message());
    return;
  }
  timer.Add(out, "integrity", name, PassIf(problems->empty()),
            label + ": " + (problems->empty() ? "ok" : Sample(*problems, 3)));
}

void CheckForeignKeys(const Restored& r, SourceProbe* p, std::vector<DrillCheck>* out) {
  Timed timer;
  const SourceProbe::CheckName check = p->reference_check();
  const std::string name(check.name), label(check.label);
  // One pass, exact counts: violations whose parent table is in the copy,
  // and those whose parent table is not (not restored this run, or left out
  // of the backup by `exclude`), which are counted apart.
  uint64_t found = 0, absent = 0;
  std::string sample;  // the least, as text
  Status s = p->ForEachReferenceViolation([&](const ReferenceViolation& v) {
    if (!v.parent_present) {
      absent++;
      return;
    }
    std::string text = v.table + " " + (v.row.empty() ? "a row" : v.row) + " -> " + v.parent;
    if (found++ == 0 || text < sample) sample = std::move(text);
  });
  if (!s.ok()) {
    timer.Add(out, "foreign-keys", name, CheckOutcome::kFail, s.message());
    return;
  }
  std::string detail = found == 0 ? label + ": no violations"
                                  : std::to_string(found) + " foreign-key violations, e.g. " +
                                        sample + " (no such parent)";
  if (absent != 0) {
    detail += "; " + std::to_string(absent) + " references to tables " +
              (r.tables.empty() ? "not in the snapshot" : "not restored this run") +
              " were not checked";
  }
  timer.Add(out, "foreign-keys", name, PassIf(found == 0), detail);
}

void CheckRelations(const std::vector<Relation>& relations, const Restored& r, SourceProbe* p,
                    std::vector<DrillCheck>* out) {
  const SourceSchema schema = relations.empty() ? SourceSchema{} : r.manifest->FullSchema();
  for (const Relation& rel : relations) {
    Timed timer;
    if (!r.Selected(rel.child_table) || !r.Selected(rel.parent_table)) {
      timer.Add(out, "relation", rel.Name(), CheckOutcome::kSkip,
                "a table was not restored this run");
      continue;
    }
    // Named like `config check` does, not as a raw SQL error.
    const std::vector<std::string> missing = RelationProblems({rel}, schema, "the snapshot");
    if (!missing.empty()) {
      timer.Add(out, "relation", rel.Name(), CheckOutcome::kFail, missing[0]);
      continue;
    }
    auto found = p->FindOrphans(rel, 10000);
    if (!found.ok()) {
      timer.Add(out, "relation", rel.Name(), CheckOutcome::kFail, found.status().message());
      continue;
    }
    std::vector<std::string> orphans;
    for (const Orphan& o : found->found) {
      orphans.push_back(o.row + " (" + rel.child_column + " = " + o.value + ")");
    }
    const std::string n = std::to_string(orphans.size()) + (found->truncated ? "+" : "");
    timer.Add(out, "relation", rel.Name(), PassIf(orphans.empty()),
              orphans.empty()
                  ? "every " + rel.child_table + "." + rel.child_column + " has its parent"
                  : n + " orphaned " + rel.child_table + " records: " + Sample(orphans));
  }
}

void CheckUniqueness(const DrillPlan& plan, const Restored& r, SourceProbe* p,
                     std::vector<DrillCheck>* out) {
  for (const SnapshotTable& t : r.manifest->tables) {
    if (t.schema.kind != TableKind::kTable || !r.Selected(t.schema.name)) continue;
    std::vector<std::string> pk;
    for (const Column& c : t.schema.columns) {
      if (c.pk > 0) pk.push_back(c.name);
    }
    if (!pk.empty() && !p->KeyUniqueByConstruction(t.schema)) {
      CheckUnique(p, t.schema.name, pk, "primary key", out);
    }
    for (const IndexInfo& ix : t.schema.indexes) {
      if (!ix.unique || ix.partial || ix.origin == "pk") continue;
      if (std::any_of(ix.columns.begin(), ix.columns.end(), [](auto& c) { return c.empty(); })) {
        continue;  // an expression index: the integrity check covers it
      }
      CheckUnique(p, t.schema.name, ix.columns, "unique index " + ix.name, out);
    }
  }
  for (const std::string& spec : plan.unique) {
    ColumnSet cs;
    if (!ParseColumnSet(spec, &cs)) {
      Timed().Add(out, "uniqueness", spec, CheckOutcome::kFail,
                  "not of the form table.column[,column...]");
      continue;
    }
    if (!r.Selected(cs.table)) {
      Timed().Add(out, "uniqueness", spec, CheckOutcome::kSkip, "table not restored this run");
      continue;
    }
    CheckUnique(p, cs.table, cs.columns, "declared in the plan", out);
  }
}

void CheckAssertions(const DrillPlan& plan, const Restored& r, SourceProbe* p,
                     const SourceRef& live, std::vector<DrillCheck>* out) {
  for (const DrillAssertion& a : plan.assertions) {
    Timed timer;
    if (!p->has_sql()) {
      timer.Add(out, "assertion", a.name, CheckOutcome::kFail, NoSqlDetail(plan, r));
      continue;
    }
    if (!r.tables.empty()) {
      Status tables = p->CheckTablesExist(a.sql);
      if (tables.IsNotFound()) {
        timer.Add(out, "assertion", a.name, CheckOutcome::kSkip,
                  "reads a table this run did not restore (" + tables.message() + ")");
        continue;
      }
    }
    if (a.op == DrillAssertion::Op::kLive) {
      CheckLiveAssertion(a, p, live, &timer, out);
    } else {
      CheckValueAssertion(a, p, &timer, out);
    }
  }
}

void CheckBaseline(const DrillPlan& plan, const Restored& r, const std::vector<DrillTable>& tables,
                   const DrillReport* baseline, const Manifest* baseline_manifest,
                   std::vector<DrillCheck>* out) {
  Timed timer;
  if (baseline == nullptr) {
    timer.Add(out, "baseline", "counts", CheckOutcome::kSkip,
              "no earlier passing run of this plan: this run becomes the baseline");
    return;
  }
  std::map<std::string, uint64_t> before;
  for (const DrillTable& t : baseline->tables) before[AsciiLower(t.name)] = t.rows;
  std::vector<std::string> outside;
  size_t compared = 0;
  for (const DrillTable& t : tables) {
    auto it = before.find(AsciiLower(t.name));
    if (it == before.end()) continue;
    compared++;
    const double prev = static_cast<double>(it->second);
    const double delta = std::fabs(static_cast<double>(t.rows) - prev);
    const double allowed =
        std::max(plan.baseline_tolerance * prev, static_cast<double>(plan.baseline_min_rows));
    if (delta > allowed) {
      outside.push_back(t.name + " " + std::to_string(it->second) + " -> " +
                        std::to_string(t.rows));
    }
  }
  const std::string since = "run " + baseline->run_id.substr(0, 8);
  const std::string rule = "max(" + std::to_string(std::lround(plan.baseline_tolerance * 100)) +
                           "%, " + std::to_string(plan.baseline_min_rows) + " rows)";
  timer.Add(out, "baseline", "counts", PassIf(outside.empty()),
            outside.empty() ? std::to_string(compared) + " tables within " + rule + " of " + since
                            : "outside " + rule + " of " + since + ": " + Sample(outside));
  if (baseline_manifest == nullptr) {
    timer.Add(out, "baseline", "schema", CheckOutcome::kSkip,
              "the snapshot of " + since + " is gone (forgotten); schema not compared");
    return;
  }
  std::set<std::string> now;
  for (const SchemaObject& o : r.manifest->objects.objects)
    now.insert(o.type + " " + AsciiLower(o.name));
  std::vector<std::string> gone;
  for (const SchemaObject& o : baseline_manifest->objects.objects) {
    if (o.type != "view" && !r.Selected(o.type == "table" ? o.name : o.tbl_name)) continue;
    if (!now.count(o.type + " " + AsciiLower(o.name))) {
      gone.push_back(o.type + " " + o.name +
                     (o.type == "index" || o.type == "trigger" ? " (on " + o.tbl_name + ")" : ""));
    }
  }
  timer.Add(out, "baseline", "schema", PassIf(gone.empty()),
            gone.empty() ? "every table, index, view and trigger of " + since + " still exists"
                         : "missing since " + since + ": " + Sample(gone));
}

}  // namespace tidemark::drill
