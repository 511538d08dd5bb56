#include "snapshot/plan_records.h"

#include "base/coding.h"

namespace tidemark {
namespace {
constexpr std::string_view kPlanMagic = "TMPLAN01";
constexpr size_t kMaxTableName = 1024;
constexpr size_t kMaxKey = 1 << 20;
}  // namespace

std::string EncodePlanRecords(const PlanRecords& plan) {
  std::string out(kPlanMagic);
  out += plan.expected;
  out += plan.before;
  PutVarint64(&out, plan.records.size());
  for (const auto& [table, key] : plan.records) {
    PutLengthPrefixed(&out, table);
    PutLengthPrefixed(&out, key);
  }
  return out;
}

Status DecodePlanRecords(std::string_view data, std::string_view what, PlanRecords* out) {
  ByteReader in(data, std::string(what));
  std::string_view magic, expected, before;
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(in.Bytes("magic", kPlanMagic.size(), &magic));
  if (magic != kPlanMagic) return in.Error("magic", "not a rollback plan");
  TM_RETURN_IF_ERROR(in.Bytes("expected digest", 32, &expected));
  TM_RETURN_IF_ERROR(in.Bytes("before digest", 32, &before));
  TM_RETURN_IF_ERROR(in.Varint64("count", &n));
  // Each record takes at least two length bytes: check before reserving.
  if (n > in.remaining() / 2) return in.Error("count", "larger than the data can hold");
  out->expected.assign(expected);
  out->before.assign(before);
  out->records.clear();
  out->records.reserve(size_t(n));
  for (uint64_t i = 0; i < n; i++) {
    std::string_view table, key;
    TM_RETURN_IF_ERROR(in.LengthPrefixed("table", kMaxTableName, &table));
    TM_RETURN_IF_ERROR(in.LengthPrefixed("key", kMaxKey, &key));
    out->records.emplace_back(std::string(table), std::string(key));
  }
  return in.ExpectEnd();
}

}  // namespace tidemark
