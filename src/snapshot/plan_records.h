// The record list of an applied rollback/revert plan, stored as a data blob
// before COMMIT so that an interrupted apply can be resolved later
// (docs/format/plan-records.md; used as in docs/guide/rollback.md):
//   "TMPLAN01" || expected:32 || before:32 || count:varint
//   || count * (lp(table) || lp(key))
// expected / before are the plan digests of the records after / before.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace tidemark {

struct PlanRecords {
  std::string expected, before;                              // 32 bytes each
  std::vector<std::pair<std::string, std::string>> records;  // (table, encoded key)
};

std::string EncodePlanRecords(const PlanRecords& plan);
// Corruption naming `what`, the offset and the check for bad bytes.
Status DecodePlanRecords(std::string_view data, std::string_view what, PlanRecords* out);

}  // namespace tidemark
