#include "sources/probe.h"

#include <cstdlib>

namespace tidemark {
namespace {

Status NoSql(const std::string& sql) {
  return Status::Unsupported("query `" + sql + "`: this source does not answer SQL queries");
}

}  // namespace

Duplicates DuplicatesOf(QueryRows rows) {
  Duplicates out;
  out.truncated = rows.truncated;
  for (auto& row : rows.rows) {
    const uint64_t n = std::strtoull(row.back().c_str(), nullptr, 10);  // count(*)
    row.pop_back();
    out.found.push_back({std::move(row), n});
  }
  return out;
}

Result<QueryRows> SourceProbe::Query(const std::string& sql, size_t max_rows) {
  (void)max_rows;
  return NoSql(sql);
}

Result<int64_t> SourceProbe::QueryInteger(const std::string& sql) { return NoSql(sql); }

Status SourceProbe::CheckTablesExist(const std::string& sql) { return NoSql(sql); }

}  // namespace tidemark
