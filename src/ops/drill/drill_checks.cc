#include "base/ascii.h"
#include "ops/drill/drill_checks.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

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

// One uniqueness query: duplicates of `cols` in `table` (NULLs never collide,
// as in SQLite's UNIQUE).
void CheckUnique(SqliteQuery* q, const std::string& table, const std::vector<std::string>& cols,
                 const std::string& why, std::vector<DrillCheck>* out) {
  Timed timer;
  std::vector<std::string> quoted, not_null;
  for (const std::string& c : cols) {
    quoted.push_back(QuoteSqlIdent(c));
    not_null.push_back(QuoteSqlIdent(c) + " IS NOT NULL");
  }
  const std::string list = Join(quoted, ", ");
  const std::string sql = "SELECT " + list + ", count(*) FROM " + QuoteSqlIdent(table) + " WHERE " +
                          Join(not_null, " AND ") + " GROUP BY " + list + " HAVING count(*) > 1";
  const std::string name = table + "(" + Join(cols, ", ") + ")";
  auto rows = q->Run(sql, 6);
  if (!rows.ok()) {
    timer.Add(out, "uniqueness", name, CheckOutcome::kFail, rows.status().message());
    return;
  }
  if (rows->rows.empty()) {
    timer.Add(out, "uniqueness", name, CheckOutcome::kPass, "no duplicates (" + why + ")");
    return;
  }
  std::vector<std::string> dups;
  for (auto& r : rows->rows) {
    const std::string n = r.back();
    r.pop_back();
    dups.push_back(Row(r) + " x" + n);
  }
  timer.Add(out, "uniqueness", name, CheckOutcome::kFail,
            "duplicate values (" + why + "): " + Sample(dups) + (rows->truncated ? " ..." : ""));
}

}  // namespace

bool Restored::Selected(const std::string& table) const {
  if (tables.empty()) return true;
  const std::string f = AsciiLower(table);
  return std::any_of(tables.begin(), tables.end(), [&](const auto& t) { return AsciiLower(t) == f; });
}

void CheckSchema(const Restored& r, SqliteQuery* q, std::vector<DrillCheck>* out) {
  Timed timer;
  auto rows = q->Run("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema", 1000000);
  if (!rows.ok()) {
    timer.Add(out, "schema", "objects", CheckOutcome::kFail, rows.status().message());
    return;
  }
  std::map<std::string, std::string> have;  // "type name" (folded) -> sql
  for (const auto& row : rows->rows) have[row[0] + " " + AsciiLower(row[1])] = row[3];
  std::vector<std::string> missing, different;
  size_t expected = 0;
  for (const SchemaObject& o : r.manifest->objects.objects) {
    // A partial restore creates the selected tables, their indexes and
    // triggers, and every view (sources/sqlite/sqlite_writer.cc).
    if (o.type != "view" && !r.Selected(o.type == "table" ? o.name : o.tbl_name)) continue;
    if (o.name == "sqlite_sequence" || o.name.rfind("sqlite_stat", 0) == 0) continue;
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
    TM_ASSIGN_OR_RETURN(auto src, r.connector->OpenReader(r.path, 10000));
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

void CheckIntegrity(SqliteQuery* q, std::vector<DrillCheck>* out) {
  Timed timer;
  auto rows = q->Run("PRAGMA integrity_check", 20);
  if (!rows.ok()) {
    timer.Add(out, "integrity", "integrity_check", CheckOutcome::kFail, rows.status().message());
    return;
  }
  std::vector<std::string> lines;
  for (const auto& row : rows->rows) lines.push_back(row.empty() ? "" : row[0]);
  const bool ok = lines.size() == 1 && lines[0] == "ok";
  timer.Add(out, "integrity", "integrity_check", PassIf(ok),
            ok ? "PRAGMA integrity_check: ok" : "PRAGMA integrity_check: " + Sample(lines, 3));
}

void CheckForeignKeys(const Restored& r, SqliteQuery* q, std::vector<DrillCheck>* out) {
  Timed timer;
  // One pass, exact counts: violations whose parent table is in the file,
  // and those whose parent table is not (not restored this run, or left out
  // of the backup by `exclude`), which are counted apart.
  auto rows = q->Run(
      "SELECT lower(fk.parent) IN (SELECT lower(name) FROM sqlite_schema WHERE type = 'table'), "
      "count(*), min(fk.\"table\" || ' ' || ifnull('rowid ' || fk.rowid, 'a row') || ' -> ' || "
      "fk.parent) FROM pragma_foreign_key_check AS fk GROUP BY 1",
      4);
  if (!rows.ok()) {
    timer.Add(out, "foreign-keys", "foreign_key_check", CheckOutcome::kFail,
              rows.status().message());
    return;
  }
  std::string found = "0", sample, absent = "0";
  for (const auto& row : rows->rows) {
    if (row[0] == "1") {
      found = row[1];
      sample = row[2];
    } else {
      absent = row[1];
    }
  }
  std::string detail =
      found == "0" ? "PRAGMA foreign_key_check: no violations"
                   : found + " foreign-key violations, e.g. " + sample + " (no such parent)";
  if (absent != "0") {
    detail += "; " + absent + " references to tables " +
              (r.tables.empty() ? "not in the snapshot" : "not restored this run") +
              " were not checked";
  }
  timer.Add(out, "foreign-keys", "foreign_key_check", PassIf(found == "0"), detail);
}

void CheckRelations(const DrillPlan& plan, const Restored& r, SqliteQuery* q,
                    std::vector<DrillCheck>* out) {
  const SourceSchema schema = plan.relations.empty() ? SourceSchema{} : r.manifest->FullSchema();
  for (const Relation& rel : plan.relations) {
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
    const std::string c = "c." + QuoteSqlIdent(rel.child_column);
    const std::string sql = "SELECT c.rowid, " + c + " FROM " + QuoteSqlIdent(rel.child_table) +
                            " AS c WHERE " + c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " +
                            QuoteSqlIdent(rel.parent_table) + " AS p WHERE p." +
                            QuoteSqlIdent(rel.parent_column) + " = " + c + ")";
    auto rows = q->Run(sql, 10000);
    if (!rows.ok()) {
      timer.Add(out, "relation", rel.Name(), CheckOutcome::kFail, rows.status().message());
      continue;
    }
    std::vector<std::string> orphans;
    for (const auto& row : rows->rows) {
      orphans.push_back("rowid " + row[0] + " (" + rel.child_column + " = " + row[1] + ")");
    }
    const std::string n = std::to_string(orphans.size()) + (rows->truncated ? "+" : "");
    timer.Add(out, "relation", rel.Name(), PassIf(orphans.empty()),
              orphans.empty()
                  ? "every " + rel.child_table + "." + rel.child_column + " has its parent"
                  : n + " orphaned " + rel.child_table + " records: " + Sample(orphans));
  }
}

void CheckUniqueness(const DrillPlan& plan, const Restored& r, SqliteQuery* q,
                     std::vector<DrillCheck>* out) {
  for (const SnapshotTable& t : r.manifest->tables) {
    if (t.schema.kind != TableKind::kTable || !r.Selected(t.schema.name)) continue;
    std::vector<std::string> pk;
    for (const Column& c : t.schema.columns) {
      if (c.pk > 0) pk.push_back(c.name);
    }
    // An INTEGER PRIMARY KEY is the rowid: unique by construction.
    const bool rowid_alias =
        pk.size() == 1 && !t.schema.no_implicit_id &&
        std::any_of(t.schema.columns.begin(), t.schema.columns.end(),
                    [&](const Column& c) { return c.pk == 1 && AsciiLower(c.decl_type) == "integer"; });
    if (!pk.empty() && !rowid_alias) CheckUnique(q, t.schema.name, pk, "primary key", out);
    for (const IndexInfo& ix : t.schema.indexes) {
      if (!ix.unique || ix.partial || ix.origin == "pk") continue;
      if (std::any_of(ix.columns.begin(), ix.columns.end(), [](auto& c) { return c.empty(); })) {
        continue;  // an expression index: integrity_check covers it
      }
      CheckUnique(q, t.schema.name, ix.columns, "unique index " + ix.name, out);
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
    CheckUnique(q, cs.table, cs.columns, "declared in the plan", out);
  }
}

void CheckAssertions(const DrillPlan& plan, const Restored& r, SqliteQuery* q,
                     const std::string& live_path, std::vector<DrillCheck>* out) {
  for (const DrillAssertion& a : plan.assertions) {
    Timed timer;
    if (!r.tables.empty()) {
      auto probe = q->Run("EXPLAIN " + a.sql, 1);
      if (!probe.ok() && probe.status().message().find("no such table") != std::string::npos) {
        timer.Add(out, "assertion", a.name, CheckOutcome::kSkip,
                  "reads a table this run did not restore (" + probe.status().message() + ")");
        continue;
      }
    }
    if (a.op == DrillAssertion::Op::kLive) {
      auto restored = q->Run(a.sql);
      if (!restored.ok()) {
        timer.Add(out, "assertion", a.name, CheckOutcome::kFail, restored.status().message());
        continue;
      }
      auto live_db = SqliteQuery::Open(live_path);
      if (!live_db.ok()) {
        timer.Add(out, "assertion", a.name, CheckOutcome::kFail,
                  "cannot open the live source: " + live_db.status().message());
        continue;
      }
      auto live = (*live_db)->Run(a.live_sql.empty() ? a.sql : a.live_sql);
      if (!live.ok()) {
        timer.Add(out, "assertion", a.name, CheckOutcome::kFail, live.status().message());
        continue;
      }
      std::vector<std::string> only_live, only_restored;
      std::multiset<std::vector<std::string>> want(live->rows.begin(), live->rows.end());
      for (const auto& row : restored->rows) {
        auto it = want.find(row);
        if (it == want.end()) {
          only_restored.push_back(Row(row));
        } else {
          want.erase(it);
        }
      }
      for (const auto& row : want) only_live.push_back(Row(row));
      const bool ok =
          only_live.empty() && only_restored.empty() && !live->truncated && !restored->truncated;
      std::string detail = std::to_string(restored->rows.size()) + " rows restored, " +
                           std::to_string(live->rows.size()) + " live";
      if (!only_live.empty()) detail += "; only live: " + Sample(only_live, 3);
      if (!only_restored.empty()) detail += "; only restored: " + Sample(only_restored, 3);
      if (live->truncated || restored->truncated) detail += "; more than 10000 rows: not compared";
      timer.Add(out, "assertion", a.name, PassIf(ok), detail);
      continue;
    }
    auto v = q->RunInteger(a.sql);
    if (!v.ok()) {
      timer.Add(out, "assertion", a.name, CheckOutcome::kFail, v.status().message());
      continue;
    }
    bool ok = false;
    switch (a.op) {
      case DrillAssertion::Op::kEq:
        ok = *v == a.a;
        break;
      case DrillAssertion::Op::kGe:
        ok = *v >= a.a;
        break;
      case DrillAssertion::Op::kLe:
        ok = *v <= a.a;
        break;
      case DrillAssertion::Op::kBetween:
        ok = *v >= a.a && *v <= a.b;
        break;
      case DrillAssertion::Op::kLive:
        break;
    }
    timer.Add(out, "assertion", a.name, PassIf(ok),
              "got " + std::to_string(*v) + ", expected " + a.Expectation());
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
  for (const SchemaObject& o : r.manifest->objects.objects) now.insert(o.type + " " + AsciiLower(o.name));
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
