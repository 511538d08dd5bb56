// Canonical record encoding, order-preserving key encoding and the per-table
// digest (docs/format/records.md). No I/O: large values are handed to a
// LargeValueStore that the caller provides.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/crypto.h"
#include "records/value.h"

namespace tidemark {

// A large value's chunk list: total length and the ids (32 bytes each) of the
// chunks that hold it, in order (records.md §3).
struct LargeValue {
  uint64_t length = 0;
  std::vector<std::string> chunk_ids;  // 32 raw bytes each

  std::string Encode() const;
  static Result<LargeValue> Decode(std::string_view data);
};

// Stores and loads the chunks of large values. Implemented by the layer that
// owns the blob store (tree/), so records/ stays free of I/O.
class LargeValueStore {
 public:
  virtual ~LargeValueStore() = default;
  // Splits content into chunks, stores them, returns the chunk list.
  virtual Result<LargeValue> Store(std::string_view content) = 0;
  // Reassembles a large value's content.
  virtual Result<std::string> Load(const LargeValue& ref) = 0;
};

// A stored record is at most this long: the tree's value limit (tree.md §3).
inline constexpr size_t kMaxRecordSize = 1u << 20;
// A record that would be longer than kMaxRecordSize moves text and blob
// values of at least this many bytes out of line, longest first (records.md
// §2); shorter values would not shrink it.
inline constexpr size_t kMinOutOfLine = 64;

// Appends the stored encoding of a record (records.md §2): text and blob
// values longer than kInlineMax go out of line through `large`, and so do
// the longest other values while the record is longer than kMaxRecordSize.
// `large` may be null only when no value must go out of line (otherwise
// InvalidArgument). Values that are already references are written as they
// are (a decoded record re-encodes to the same bytes). InvalidArgument when
// the record cannot be made to fit kMaxRecordSize.
Status EncodeRecord(const Record& record, LargeValueStore* large, std::string* out);
// The same; *all_inline says whether every value went inline (no reference
// written), so that the output is what TableDigest::AddEncoded accepts.
Status EncodeRecord(const Record& record, LargeValueStore* large, std::string* out,
                    bool* all_inline);
// Decodes a stored record, checking that it is the canonical encoding (which
// values are out of line, records.md §2). Large values come back as
// references; use ResolveValue to load them. Corruption names `what`, the
// offset and the failed check.
Status DecodeRecord(std::string_view data, std::string_view what, Record* out);
// Replaces a reference with its content (no-op for other values).
Status ResolveValue(LargeValueStore* large, Value* v);

// Appends the order-preserving encoding of a key tuple (records.md §4):
// memcmp order of two encodings equals SQLite's order of the tuples under
// BINARY collation (NULL < numbers < text < blob; integers and reals compared
// by value). REQUIRES: no value is a reference.
void EncodeKey(const std::vector<Value>& key, std::string* out);
// Decodes a key back into values. Numbers come back as the type they had.
// A key has one encoding: bytes that EncodeKey would not write for the
// decoded values (an integer split into another (double, tie) pair, -0.0, a
// NaN payload, real marks without a real) are Corruption naming the offset.
Status DecodeKey(std::string_view data, std::vector<Value>* out);

// Logical encoding of one value (no references), as used by the digest.
void EncodeLogicalValue(const Value& v, std::string* out);

// The per-table digest (records.md §5): SHA-256 over every row in key order
// of lp(key) || logical record. A restore recomputes it from the restored
// table to prove it holds exactly the snapshot's rows.
class TableDigest {
 public:
  // REQUIRES: no value in `record` is a reference.
  void Add(std::string_view key, const Record& record);
  // The same as Add(key, record) for `encoded`, EncodeRecord's output for
  // that record when it reported every value inline: the record's digest
  // input is then its encoding, so nothing is encoded twice.
  void AddEncoded(std::string_view key, std::string_view encoded);
  std::string Finish();  // 32 raw bytes
  uint64_t rows() const { return rows_; }

 private:
  Sha256Hasher hasher_;
  std::string buf_;
  uint64_t rows_ = 0;
};

// Human/JSON form of values, shared by ls, cat, diff and history.
// Text is kept as is; blob as "x'<hex>'" (SQLite literal form); real with
// round-trip precision ("NaN", "Infinity", "-Infinity", "-0.0" spelled out).
std::string ValueToDisplay(const Value& v);

}  // namespace tidemark
