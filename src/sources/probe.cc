#include "sources/probe.h"

namespace tidemark {
namespace {

Status NoSql(const std::string& sql) {
  return Status::Unsupported("query `" + sql + "`: this source does not answer SQL queries");
}

}  // namespace

Result<QueryRows> SourceProbe::Query(const std::string& sql, size_t max_rows) {
  (void)max_rows;
  return NoSql(sql);
}

Result<int64_t> SourceProbe::QueryInteger(const std::string& sql) { return NoSql(sql); }

Status SourceProbe::CheckTablesExist(const std::string& sql) { return NoSql(sql); }

}  // namespace tidemark
