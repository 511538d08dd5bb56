// See docs/format/records.md for every byte written here.
#include "records/encoding.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

#include "base/coding.h"
#include "base/hex.h"
#include "records/typed_values.h"
#include "records/value_codec.h"

namespace tidemark {
namespace {

// Record value tags (records.md §2).
constexpr uint8_t kTagTextRef = 5;
constexpr uint8_t kTagBlobRef = 6;
constexpr uint8_t kTagTypedRef = 22;   // a v2 kind stored out of line: kind, then the reference
constexpr size_t kMaxColumns = 32767;  // SQLite's hard limit on columns
constexpr uint64_t kMaxLargeValue = 1u << 31;  // SQLite's hard limit is < 2^31
constexpr size_t kIdSize = 32;

}  // namespace

std::string LargeValue::Encode() const {
  std::string out;
  PutVarint64(&out, length);
  PutVarint64(&out, chunk_ids.size());
  for (const std::string& id : chunk_ids) out.append(id);
  return out;
}

Result<LargeValue> LargeValue::Decode(std::string_view data) {
  ByteReader r(data, "large value reference");
  LargeValue v;
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r.VarintMax("length", kMaxLargeValue, &v.length));
  // Every chunk holds at least one byte.
  TM_RETURN_IF_ERROR(r.VarintMax("chunk_count", v.length, &n));
  if (n == 0 || n > r.remaining() / kIdSize) return r.Error("chunk_count", "does not match size");
  for (uint64_t i = 0; i < n; i++) {
    std::string_view id;
    TM_RETURN_IF_ERROR(r.Bytes("chunk_id", kIdSize, &id));
    v.chunk_ids.emplace_back(id);
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return v;
}

void EncodeLogicalValue(const Value& v, std::string* out) {
  out->push_back(static_cast<char>(v.type()));
  switch (v.type()) {
    case ValueType::kNull:
      break;
    case ValueType::kInteger:
      PutVarsint64(out, v.integer());
      break;
    case ValueType::kReal:
      PutFixed64(out, std::bit_cast<uint64_t>(v.real()));
      break;
    case ValueType::kText:
    case ValueType::kBlob:
      PutLengthPrefixed(out, v.bytes());
      break;
    default:
      EncodeTypedPayload(v, out);
      break;
  }
}

namespace {

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  for (; v >= 128; v >>= 7) n++;
  return n;
}

size_t SvarintLength(int64_t v) {  // zigzag, as PutVarsint64
  const uint64_t x = static_cast<uint64_t>(v);
  return VarintLength((x << 1) ^ (v < 0 ? ~uint64_t{0} : 0));
}

// Bytes that EncodeLogicalValue writes for v (tag included).
size_t InlineSize(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull:
      return 1;
    case ValueType::kInteger:
      return 1 + SvarintLength(v.integer());
    case ValueType::kReal:
      return 9;
    case ValueType::kTimestampTz:
    case ValueType::kTimestamp:
    case ValueType::kDate:
      return 1 + SvarintLength(v.micros());
    case ValueType::kTime:
      return 1 + VarintLength(static_cast<uint64_t>(v.micros()));
    case ValueType::kTimeTz:
      return 1 + VarintLength(static_cast<uint64_t>(v.micros())) +
             SvarintLength(v.offset_seconds());
    case ValueType::kInterval:
      return 1 + SvarintLength(v.months()) + SvarintLength(v.days()) + SvarintLength(v.micros());
    default:
      break;
  }
  return 1 + VarintLength(v.bytes().size()) + v.bytes().size();
}

bool IsTextOrBlob(ValueType t) { return t == ValueType::kText || t == ValueType::kBlob; }

// Bytes of an out-of-line value of kind `t` whose reference encodes to
// `ref_size` bytes (tag 5 or 6; tag 22 adds the kind byte).
size_t RefSize(ValueType t, size_t ref_size) {
  return (IsTextOrBlob(t) ? 1 : 2) + VarintLength(ref_size) + ref_size;
}

bool IsBytes(const Value& v) { return HasBytePayload(v.type()); }

// Sets *ref to the encoded reference of v: v's own when it is one, else one
// made by storing v's content through `large`.
Status RefOf(const Value& v, LargeValueStore* large, std::string* ref) {
  if (v.ref()) {
    *ref = v.bytes();
    return Status::OK();
  }
  if (large == nullptr) {
    return Status::InvalidArgument("a value stored out of line needs a large-value store");
  }
  TM_ASSIGN_OR_RETURN(LargeValue stored, large->Store(v.bytes()));
  *ref = stored.Encode();
  return Status::OK();
}

// Picks the values that go out of line (records.md §2), sets refs[i] for
// each, and returns the encoded size of the record.
Result<size_t> ChooseOutOfLine(const Record& record, LargeValueStore* large,
                               std::vector<std::optional<std::string>>* refs) {
  size_t size = VarintLength(record.size());
  std::vector<size_t> candidates;
  for (size_t i = 0; i < record.size(); i++) {
    const Value& v = record[i];
    if (IsBytes(v) && (v.ref() || v.bytes().size() > kInlineMax)) {
      TM_RETURN_IF_ERROR(RefOf(v, large, &(*refs)[i].emplace()));
      size += RefSize(v.type(), (*refs)[i]->size());
      continue;
    }
    size += InlineSize(v);
    if (IsBytes(v) && v.bytes().size() >= kMinOutOfLine) candidates.push_back(i);
  }
  // Longest first; the earlier column first among equal lengths.
  std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
    return record[a].bytes().size() > record[b].bytes().size();
  });
  for (size_t i : candidates) {
    if (size <= kMaxRecordSize) break;
    TM_RETURN_IF_ERROR(RefOf(record[i], large, &(*refs)[i].emplace()));
    size = size - InlineSize(record[i]) + RefSize(record[i].type(), (*refs)[i]->size());
  }
  if (size > kMaxRecordSize) {
    return Status::InvalidArgument("a record of " + std::to_string(record.size()) +
                                   " values encodes to " + std::to_string(size) +
                                   " bytes with every value of 64 bytes or more out of line; "
                                   "a record may hold at most 1 MiB (records.md §2)");
  }
  return size;
}

}  // namespace

Status EncodeRecord(const Record& record, LargeValueStore* large, std::string* out) {
  bool all_inline;
  return EncodeRecord(record, large, out, &all_inline);
}

Status EncodeRecord(const Record& record, LargeValueStore* large, std::string* out,
                    bool* all_inline) {
  // The common case first: nothing out of line and short enough.
  *all_inline = true;
  const size_t start = out->size();
  PutVarint64(out, record.size());
  bool simple = true;
  for (const Value& v : record) {
    if (IsBytes(v) && (v.ref() || v.bytes().size() > kInlineMax)) {
      simple = false;
      break;
    }
    EncodeLogicalValue(v, out);
  }
  if (simple && out->size() - start <= kMaxRecordSize) return Status::OK();
  out->resize(start);
  *all_inline = false;

  std::vector<std::optional<std::string>> refs(record.size());
  TM_ASSIGN_OR_RETURN(size_t size, ChooseOutOfLine(record, large, &refs));
  out->reserve(start + size);
  PutVarint64(out, record.size());
  for (size_t i = 0; i < record.size(); i++) {
    if (!refs[i]) {
      EncodeLogicalValue(record[i], out);
      continue;
    }
    const ValueType t = record[i].type();
    if (IsTextOrBlob(t)) {
      out->push_back(static_cast<char>(t == ValueType::kText ? kTagTextRef : kTagBlobRef));
    } else {
      out->push_back(static_cast<char>(kTagTypedRef));
      out->push_back(static_cast<char>(t));
    }
    PutLengthPrefixed(out, *refs[i]);
  }
  return Status::OK();
}

namespace {

// A value of at most kInlineMax bytes that a record holds out of line.
struct MovedValue {
  size_t index;   // in the record
  size_t length;  // of the content
  size_t stored;  // bytes it takes in the record (a reference)
};

// Checks that the values of at most kInlineMax bytes that `moved` lists are
// exactly the ones EncodeRecord moves out of line (records.md §2): the
// longest candidates (earlier column first on ties), each needed because the
// record was still longer than kMaxRecordSize. `inline_best` is the index
// of the longest inline candidate (earliest on ties), if any; `size` is the
// record's size with shortest varints (what EncodeRecord measures).
Status CheckMovedValues(const ByteReader& r, const Record& rec, std::vector<MovedValue> moved,
                        std::optional<size_t> inline_best, size_t size) {
  std::sort(moved.begin(), moved.end(), [](const MovedValue& a, const MovedValue& b) {
    return a.length != b.length ? a.length > b.length : a.index < b.index;
  });
  const MovedValue& last = moved.back();
  if (inline_best) {
    const size_t len = rec[*inline_best].bytes().size();
    if (len > last.length || (len == last.length && *inline_best < last.index)) {
      return r.Error("large_value", "value " + std::to_string(last.index) + " (" +
                                        std::to_string(last.length) +
                                        " bytes) is out of line while the longer or earlier "
                                        "value " +
                                        std::to_string(*inline_best) + " is inline");
    }
  }
  // Undo the moves, last first: before each, the record was too long.
  for (auto it = moved.rbegin(); it != moved.rend(); ++it) {
    size = size - it->stored + 1 + VarintLength(it->length) + it->length;
    if (size <= kMaxRecordSize) {
      return r.Error("large_value", "value " + std::to_string(it->index) + " of " +
                                        std::to_string(it->length) +
                                        " bytes is out of line although the record fits "
                                        "1 MiB with it inline");
    }
  }
  return Status::OK();
}

// Decodes the reference of value `index` (tag 5, 6 or 22, read at offset
// `at`) into *v, and its content length into *length.
Status DecodeRefValue(ByteReader* r, uint8_t tag, size_t index, size_t at, Value* v,
                      uint64_t* length) {
  ValueType type = tag == kTagTextRef ? ValueType::kText : ValueType::kBlob;
  if (tag == kTagTypedRef) {
    uint8_t kind = 0;
    TM_RETURN_IF_ERROR(r->Fixed8("large_value.kind", &kind));
    type = static_cast<ValueType>(kind);
    if (kind < static_cast<uint8_t>(ValueType::kNumeric) ||
        kind > static_cast<uint8_t>(ValueType::kCidr) || !HasBytePayload(type)) {
      return r->Error("large_value.kind",
                      "kind " + std::to_string(kind) + " cannot be stored out of line with tag 22");
    }
  }
  std::string_view s;
  TM_RETURN_IF_ERROR(r->LengthPrefixed("large_value", r->remaining(), &s));
  auto ref = LargeValue::Decode(s);
  if (!ref.ok()) {
    return r->Error("large_value", "value " + std::to_string(index) + " at offset " +
                                       std::to_string(at) +
                                       " is not a valid reference: " + ref.status().message());
  }
  *length = ref->length;
  *v = Value::Ref(type, std::string(s));
  return Status::OK();
}

// Decodes the inline value with tag `tag` (already read) into *v.
Status DecodeInlineTagged(ByteReader* r, uint8_t tag, size_t max_bytes, Value* v) {
  switch (tag) {
    case 0:
      *v = Value::Null();
      return Status::OK();
    case 1: {
      int64_t x = 0;
      TM_RETURN_IF_ERROR(r->Varsint64("integer", &x));
      *v = Value::Integer(x);
      return Status::OK();
    }
    case 2: {
      uint64_t bits = 0;
      TM_RETURN_IF_ERROR(r->Fixed64("real", &bits));
      *v = Value::Real(std::bit_cast<double>(bits));
      return Status::OK();
    }
    case 3:
    case 4: {
      std::string_view s;
      TM_RETURN_IF_ERROR(r->LengthPrefixed("bytes", max_bytes, &s));
      v->SetBytes(tag == 3 ? ValueType::kText : ValueType::kBlob, s);  // reuses v's buffer
      return Status::OK();
    }
    default:
      if (tag >= static_cast<uint8_t>(ValueType::kNumeric) &&
          tag <= static_cast<uint8_t>(ValueType::kCidr)) {
        return DecodeTypedPayload(r, tag, max_bytes, v);
      }
      return r->Error("value_tag", "unknown tag " + std::to_string(tag));
  }
}

// Decodes value `index` (inline or a reference) into *v.
Status DecodeValue(ByteReader* r, size_t index, Value* v, uint64_t* ref_length) {
  const size_t at = r->offset();
  uint8_t tag = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("value_tag", &tag));
  if (tag == kTagTextRef || tag == kTagBlobRef || tag == kTagTypedRef) {
    return DecodeRefValue(r, tag, index, at, v, ref_length);
  }
  return DecodeInlineTagged(r, tag, kInlineMax, v);
}

}  // namespace

Status DecodeInlineValue(ByteReader* r, size_t max_bytes, Value* v) {
  uint8_t tag = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("value_tag", &tag));
  if (tag == kTagTextRef || tag == kTagBlobRef || tag == kTagTypedRef) {
    return r->Error("value_tag", "a reference where an inline value must be");
  }
  return DecodeInlineTagged(r, tag, max_bytes, v);
}

Status DecodeRecord(std::string_view data, std::string_view what, Record* out) {
  ByteReader r(data, what, ByteReader::Borrow{});
  if (data.size() > kMaxRecordSize) return r.Error("", "record longer than 1 MiB");
  uint64_t n = 0;
  TM_RETURN_IF_ERROR(r.VarintMax("value_count", kMaxColumns + 1, &n));
  // Every value takes at least its tag byte.
  if (n > r.remaining()) return r.Error("value_count", "more values than bytes left");
  out->resize(n);
  std::vector<MovedValue> moved;
  std::optional<size_t> inline_best;  // the first candidate for moving out of line
  size_t size = VarintLength(n);      // as EncodeRecord measures it
  for (uint64_t i = 0; i < n; i++) {
    Value& v = (*out)[i];
    uint64_t ref_length = 0;
    TM_RETURN_IF_ERROR(DecodeValue(&r, i, &v, &ref_length));
    size += v.ref() ? RefSize(v.type(), v.bytes().size()) : InlineSize(v);
    if (v.ref()) {
      if (ref_length > kInlineMax) continue;
      // A canonical encoder moves such a value out of line only to shorten
      // a record that is too long, and only when it is 64 bytes or more.
      if (ref_length < kMinOutOfLine) {
        return r.Error("large_value", "value " + std::to_string(i) + " of " +
                                          std::to_string(ref_length) +
                                          " bytes is out of line; values of at most 32 KiB "
                                          "are inline unless the record is too long");
      }
      moved.push_back({i, ref_length, RefSize(v.type(), v.bytes().size())});
    } else if (IsBytes(v) && v.bytes().size() >= kMinOutOfLine &&
               (!inline_best || v.bytes().size() > (*out)[*inline_best].bytes().size())) {
      inline_best = i;
    }
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  if (moved.empty()) return Status::OK();
  return CheckMovedValues(r, *out, std::move(moved), inline_best, size);
}

Status ResolveValue(LargeValueStore* large, Value* v) {
  if (!v->ref()) return Status::OK();
  TM_ASSIGN_OR_RETURN(LargeValue ref, LargeValue::Decode(v->bytes()));
  TM_ASSIGN_OR_RETURN(std::string content, large->Load(ref));
  if (content.size() != ref.length) {
    return Status::Corruption("large value: chunks hold " + std::to_string(content.size()) +
                              " bytes, reference says " + std::to_string(ref.length));
  }
  if (v->type() == ValueType::kText) {
    *v = Value::Text(std::move(content));
  } else if (v->type() == ValueType::kBlob) {
    *v = Value::Blob(std::move(content));
  } else {
    TM_RETURN_IF_ERROR(CanonicalizePayload(v->type(), &content, "large value"));
    *v = Value::FromPayload(v->type(), std::move(content));
  }
  return Status::OK();
}

void TableDigest::Add(std::string_view key, const Record& record) {
  buf_.clear();
  PutLengthPrefixed(&buf_, key);
  PutVarint64(&buf_, record.size());
  for (const Value& v : record) EncodeLogicalValue(v, &buf_);
  hasher_.Update(buf_);
  rows_++;
}

void TableDigest::AddEncoded(std::string_view key, std::string_view encoded) {
  buf_.clear();
  PutLengthPrefixed(&buf_, key);
  hasher_.Update(buf_);
  hasher_.Update(encoded);
  rows_++;
}

std::string TableDigest::Finish() {
  std::string head;
  PutVarint64(&head, rows_);
  hasher_.Update(head);
  return hasher_.Finish();
}

std::string ValueToDisplay(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kInteger:
      return std::to_string(v.integer());
    case ValueType::kReal: {
      const double d = v.real();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, d);
      std::string s(buf, res.ptr);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    case ValueType::kText:
      if (v.ref()) return "<text, stored out of line>";
      return v.bytes();
    case ValueType::kBlob:
      if (v.ref()) return "<blob, stored out of line>";
      return "x'" + HexEncode(v.bytes()) + "'";
    default:
      if (v.ref()) return std::string("<") + ValueTypeName(v.type()) + ", stored out of line>";
      return TypedValueText(v);
  }
}

}  // namespace tidemark
