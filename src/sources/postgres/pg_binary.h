// The decoder of `COPY ... TO STDOUT (FORMAT binary)`: the header, one tuple
// per row (field count, then each field's length, -1 for NULL, and bytes),
// the trailer; each field decoded by its column's PgType into a Value
// (docs/format/records.md §1.2, the PostgreSQL mapping table). The bytes
// come from the server, but the decoder trusts nothing: every length and
// value is checked, and a malformed stream is Corruption naming the column
// and the stream offset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/value.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {

class BinaryCopyDecoder {
 public:
  using RowFn = std::function<Status(std::vector<Value>& row)>;

  // Decodes rows of the columns `cols` (as the COPY's select list scans
  // them: text-mapped columns arrive as text, see ScanExpression).
  // `names` (optional, one per column) name the columns in errors.
  // REQUIRES: no null entry in cols; the types outlive the decoder.
  explicit BinaryCopyDecoder(std::vector<const PgType*> cols, std::vector<std::string> names = {});

  // Decodes the next bytes of the stream, in any chunking: calls `row` with
  // each complete row (the vector is reused; the callee may move values out
  // of it). Stops at the first error of `row` and returns it. Corruption for
  // malformed bytes (also for data after the trailer).
  Status Feed(std::string_view data, const RowFn& row);
  // OK iff the stream ended exactly after its trailer; Corruption otherwise.
  Status Finish();

  uint64_t rows() const { return rows_; }
  uint64_t bytes() const { return consumed_ + pending_.size(); }

 private:
  // Decodes whole tuples from data; *used is set to the bytes decoded.
  Status Parse(std::string_view data, const RowFn& row, size_t* used);
  // The header at data[0]: *used is 0 when it is not complete yet.
  Status ParseHeader(std::string_view data, size_t* used);
  // One complete tuple at data[pos]: *used is 0 when it is not complete yet.
  Status ParseTuple(std::string_view data, size_t pos, const RowFn& row, size_t* used);
  Status Error(int column, uint64_t offset, std::string_view problem) const;

  std::vector<const PgType*> cols_;
  std::vector<std::string> names_;
  std::vector<Value> values_;
  std::string pending_;    // bytes of an incomplete header or tuple
  uint64_t consumed_ = 0;  // stream offset of pending_[0]
  uint64_t rows_ = 0;
  enum class State { kHeader, kTuples, kDone } state_ = State::kHeader;
};

// Decodes one field's bytes (not NULL) as a value of type `t`; Corruption
// saying what is wrong (the caller adds the column and offset). Exposed for
// tests.
Result<Value> DecodeBinaryField(const PgType& t, std::string_view bytes);

}  // namespace tidemark::pg
