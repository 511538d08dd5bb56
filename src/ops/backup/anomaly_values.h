// Internal to ops/anomaly.cc: how anomaly detection words its details,
// matches values, judges shares against its baseline, and finds the values
// that dominate a column. Split out of anomaly.cc to keep each file about
// one concept; not an API for other layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ascii.h"
#include "ops/backup/anomaly.h"
#include "records/schema.h"
#include "records/value.h"
#include "snapshot/manifest.h"

namespace tidemark::anomaly {

inline constexpr size_t kFrequentCounters = 64;  // Misra-Gries counters per column

// ------------------------------------------------------------------ text

double ShareOf(uint64_t count, uint64_t of);
// "20%", "97%", "0.7%": one decimal below 10 % where it matters.
std::string FormatShare(double share);
// Cuts `s` to at most `max` bytes on a UTF-8 character boundary, ending in "...".
void Shorten(std::string* s, size_t max);
// A value for a detail line: text quoted, long values shortened.
std::string Quote(const Value& v);
// "id 3" or "order_id 1, line 2".
std::string KeyDisplay(const TableSchema& schema, const std::vector<Value>& key);
std::string Join(const std::vector<std::string>& parts, const char* sep);
// A reference is never empty: only short (inline) values can be.
bool IsNullOrEmpty(const Value& v);

// ------------------------------------------------------------ value keys

// Appends a key such that equal keys mean equal values (see anomaly_values.cc).
// With `numeric`, an integral real matches the integer.
void AppendValueKey(const Value& v, bool numeric, std::string* out);

// Where a named column's value lives in a change: in the record, or (the
// rowid of a table without a declared key) in the key.
struct FieldRef {
  bool in_key = false;
  size_t index = 0;
};

std::optional<FieldRef> FindField(const TableSchema& s, std::string_view name);
// The matching key of a tuple of fields; false when a part is NULL (a NULL
// foreign key refers to nothing) or missing.
bool TupleKey(const std::vector<FieldRef>& refs, const std::vector<Value>& key,
              const Record& record, std::string* out);
const SnapshotTable* FindTableAnyCase(const Manifest& m, std::string_view name);

// -------------------------------------------------------------- baseline

double Median(std::vector<double> v);
// The share a count must exceed to be an anomaly.
struct Limit {
  double value = 0;
  bool baseline = false;
  double median = 0;
  size_t samples = 0;
};

// The fixed threshold until the table has min_history samples; then the
// baseline's limit, which replaces it (anomalies.md).
Limit LimitFor(double threshold, const std::vector<double>& samples, const AnomalyRules& r);

// ------------------------------------------------------ column statistics

// Misra-Gries summary of the new values of one column: at most
// kFrequentCounters counters; every value set more than total/(k+1) times
// keeps one, and an estimate is at most decrements() below the true count.
class FrequentValues {
 public:
  void Add(const std::string& key, const Value& v) {
    auto it = counters_.find(key);
    if (it != counters_.end()) {
      it->second.count++;
      return;
    }
    if (counters_.size() < kFrequentCounters) {
      counters_.emplace(key, Counter{1, Quote(v), IsNullOrEmpty(v)});
      return;
    }
    decrements_++;  // the new value and every counter lose one
    for (auto i = counters_.begin(); i != counters_.end();) {
      i = --i->second.count == 0 ? counters_.erase(i) : std::next(i);
    }
  }
  // Keys whose true count may exceed `limit`.
  std::vector<std::string> Candidates(double limit) const {
    std::vector<std::string> out;
    for (const auto& [key, c] : counters_) {
      if (double(c.count + decrements_) > limit) out.push_back(key);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  struct Counter {
    uint64_t count;
    std::string display;  // the value, quoted for a detail line
    bool null_or_empty;
  };
  const Counter& Get(const std::string& key) const { return counters_.at(key); }
  bool exact() const { return decrements_ == 0; }

 private:
  std::unordered_map<std::string, Counter> counters_;
  uint64_t decrements_ = 0;
};

}  // namespace tidemark::anomaly
