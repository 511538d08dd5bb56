#include "sources/sqlite/sqlite_probe.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "base/ascii.h"
#include "sources/sqlite/sqlite_common.h"
#include "sources/sqlite/sqlite_query.h"

namespace tidemark::sqlite {
namespace {

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

class SqliteProbe final : public SourceProbe {
 public:
  explicit SqliteProbe(std::unique_ptr<SqliteQuery> q) : q_(std::move(q)) {}

  CheckName integrity_check() const override {
    return {"integrity_check", "PRAGMA integrity_check"};
  }

  Result<std::vector<std::string>> IntegrityProblems(size_t max_problems) override {
    TM_ASSIGN_OR_RETURN(QueryRows rows, q_->Run("PRAGMA integrity_check", max_problems));
    std::vector<std::string> lines;
    for (const auto& row : rows.rows) lines.push_back(row.empty() ? "" : row[0]);
    if (lines.size() == 1 && lines[0] == "ok") return std::vector<std::string>{};
    if (lines.empty()) lines.emplace_back();  // no verdict at all is no "ok" either
    return lines;
  }

  CheckName reference_check() const override {
    return {"foreign_key_check", "PRAGMA foreign_key_check"};
  }

  Status ForEachReferenceViolation(
      const std::function<void(const ReferenceViolation&)>& fn) override {
    std::set<std::string> tables;  // folded, as SQLite matches names
    TM_RETURN_IF_ERROR(q_->ForEach("SELECT name FROM sqlite_schema WHERE type = 'table'",
                                   [&](const std::vector<std::string>& row) {
                                     tables.insert(AsciiLower(row[0]));
                                     return true;
                                   }));
    // The rowid is NULL for a WITHOUT ROWID table: the row has no name then.
    ReferenceViolation v;
    return q_->ForEach(
        "SELECT fk.\"table\", ifnull('rowid ' || fk.rowid, ''), fk.parent "
        "FROM pragma_foreign_key_check AS fk",
        [&](const std::vector<std::string>& row) {
          v.table = row[0];
          v.row = row[1];
          v.parent = row[2];
          v.parent_present = tables.count(AsciiLower(v.parent)) != 0;
          fn(v);
          return true;
        });
  }

  Result<std::vector<SchemaObject>> SchemaObjects() override {
    std::vector<SchemaObject> out;
    TM_RETURN_IF_ERROR(
        q_->ForEach("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema",
                    [&](const std::vector<std::string>& row) {
                      out.push_back({row[0], row[1], row[2], row[3]});
                      return true;
                    }));
    return out;
  }

  // sqlite_sequence is made by the first AUTOINCREMENT table; sqlite_stat*
  // (planner statistics, rebuilt by ANALYZE) are not kept.
  bool Recreates(const SchemaObject& o) const override {
    return o.name != "sqlite_sequence" && o.name.rfind("sqlite_stat", 0) != 0;
  }

  // An INTEGER PRIMARY KEY of a rowid table is the rowid.
  bool KeyUniqueByConstruction(const TableSchema& t) const override {
    const auto pk =
        std::count_if(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.pk > 0; });
    return pk == 1 && !t.no_implicit_id &&
           std::any_of(t.columns.begin(), t.columns.end(), [](const Column& c) {
             return c.pk == 1 && AsciiLower(c.decl_type) == "integer";
           });
  }

  Result<Duplicates> FindDuplicates(const std::string& table,
                                    const std::vector<std::string>& columns, size_t max) override {
    std::vector<std::string> quoted, not_null;
    for (const std::string& c : columns) {
      quoted.push_back(QuoteIdent(c));
      not_null.push_back(QuoteIdent(c) + " IS NOT NULL");
    }
    const std::string list = Join(quoted, ", ");
    TM_ASSIGN_OR_RETURN(
        QueryRows rows,
        q_->Run("SELECT " + list + ", count(*) FROM " + QuoteIdent(table) + " WHERE " +
                    Join(not_null, " AND ") + " GROUP BY " + list + " HAVING count(*) > 1",
                max));
    return DuplicatesOf(std::move(rows));
  }

  Result<Orphans> FindOrphans(const Relation& rel, size_t max) override {
    const std::string c = "c." + QuoteIdent(rel.child_column);
    TM_ASSIGN_OR_RETURN(
        QueryRows rows,
        q_->Run("SELECT c.rowid, " + c + " FROM " + QuoteIdent(rel.child_table) + " AS c WHERE " +
                    c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " +
                    QuoteIdent(rel.parent_table) + " AS p WHERE p." +
                    QuoteIdent(rel.parent_column) + " = " + c + ")",
                max));
    Orphans out;
    out.truncated = rows.truncated;
    for (const auto& row : rows.rows) out.found.push_back({"rowid " + row[0], row[1]});
    return out;
  }

  bool has_sql() const override { return true; }
  Result<QueryRows> Query(const std::string& sql, size_t max_rows) override {
    return q_->Run(sql, max_rows);
  }
  Result<int64_t> QueryInteger(const std::string& sql) override { return q_->RunInteger(sql); }

  // SQLite names a missing table when it prepares the statement.
  Status CheckTablesExist(const std::string& sql) override {
    auto plan = q_->Run("EXPLAIN " + sql, 1);
    if (!plan.ok() && plan.status().message().find("no such table") != std::string::npos) {
      return Status::NotFound(plan.status().message());
    }
    return Status::OK();
  }

 private:
  std::unique_ptr<SqliteQuery> q_;
};

}  // namespace

Result<std::unique_ptr<SourceProbe>> OpenProbe(const std::string& path) {
  TM_ASSIGN_OR_RETURN(auto q, SqliteQuery::Open(path));
  return std::unique_ptr<SourceProbe>(new SqliteProbe(std::move(q)));
}

}  // namespace tidemark::sqlite
