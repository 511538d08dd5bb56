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

namespace tidemark {
namespace {

// Record value tags (records.md §2).
constexpr uint8_t kTagTextRef = 5;
constexpr uint8_t kTagBlobRef = 6;
// Key component tags (records.md §4): NULL < number < text < blob.
constexpr uint8_t kKeyRealMarks = 0x01;  // trailer: which numbers are reals
constexpr uint8_t kKeyNull = 0x05;
constexpr uint8_t kKeyNumber = 0x15;
constexpr uint8_t kKeyText = 0x25;
constexpr uint8_t kKeyBlob = 0x35;
constexpr size_t kMaxColumns = 32767;          // SQLite's hard limit on columns
constexpr uint64_t kMaxLargeValue = 1u << 31;  // SQLite's hard limit is < 2^31
constexpr size_t kIdSize = 32;

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// IEEE-754 bits mapped so that unsigned order equals numeric order.
uint64_t OrderedDouble(double d) {
  if (d == 0) d = 0;  // -0.0 sorts (and is) equal to 0.0
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // after +Inf
  const uint64_t b = std::bit_cast<uint64_t>(d);
  return (b & (1ull << 63)) ? ~b : b | (1ull << 63);
}

double UnorderDouble(uint64_t u) {
  return std::bit_cast<double>((u & (1ull << 63)) ? u & ~(1ull << 63) : ~u);
}

void PutEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->append("\0\0", 2);
}

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
  }
}

namespace {

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  for (; v >= 128; v >>= 7) n++;
  return n;
}

// Bytes that EncodeLogicalValue writes for v (tag included).
size_t InlineSize(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull:
      return 1;
    case ValueType::kInteger: {
      const uint64_t x = v.integer();
      return 1 + VarintLength((x << 1) ^ (v.integer() < 0 ? ~uint64_t{0} : 0));
    }
    case ValueType::kReal:
      return 9;
    case ValueType::kText:
    case ValueType::kBlob:
      break;
  }
  return 1 + VarintLength(v.bytes().size()) + v.bytes().size();
}

// Bytes of an out-of-line value whose reference encodes to `ref_size` bytes.
size_t RefSize(size_t ref_size) { return 1 + VarintLength(ref_size) + ref_size; }

bool IsBytes(const Value& v) {
  return v.type() == ValueType::kText || v.type() == ValueType::kBlob;
}

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
      size += RefSize((*refs)[i]->size());
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
    size = size - InlineSize(record[i]) + RefSize((*refs)[i]->size());
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
  // The common case first: nothing out of line and short enough.
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

  std::vector<std::optional<std::string>> refs(record.size());
  TM_ASSIGN_OR_RETURN(size_t size, ChooseOutOfLine(record, large, &refs));
  out->reserve(start + size);
  PutVarint64(out, record.size());
  for (size_t i = 0; i < record.size(); i++) {
    if (!refs[i]) {
      EncodeLogicalValue(record[i], out);
      continue;
    }
    out->push_back(
        static_cast<char>(record[i].type() == ValueType::kText ? kTagTextRef : kTagBlobRef));
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

// Decodes the reference of value `index` (tag 5 or 6, read at offset `at`)
// into *v, and its content length into *length.
Status DecodeRefValue(ByteReader* r, uint8_t tag, size_t index, size_t at, Value* v,
                      uint64_t* length) {
  std::string_view s;
  TM_RETURN_IF_ERROR(r->LengthPrefixed("large_value", r->remaining(), &s));
  auto ref = LargeValue::Decode(s);
  if (!ref.ok()) {
    return r->Error("large_value", "value " + std::to_string(index) + " at offset " +
                                       std::to_string(at) +
                                       " is not a valid reference: " + ref.status().message());
  }
  *length = ref->length;
  *v = Value::Ref(tag == kTagTextRef ? ValueType::kText : ValueType::kBlob, std::string(s));
  return Status::OK();
}

// Decodes value `index` (inline or a reference) into *v.
Status DecodeValue(ByteReader* r, size_t index, Value* v, uint64_t* ref_length) {
  const size_t at = r->offset();
  uint8_t tag = 0;
  TM_RETURN_IF_ERROR(r->Fixed8("value_tag", &tag));
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
      TM_RETURN_IF_ERROR(r->LengthPrefixed("bytes", kInlineMax, &s));
      *v = tag == 3 ? Value::Text(std::string(s)) : Value::Blob(std::string(s));
      return Status::OK();
    }
    case kTagTextRef:
    case kTagBlobRef:
      return DecodeRefValue(r, tag, index, at, v, ref_length);
    default:
      return r->Error("value_tag", "unknown tag " + std::to_string(tag));
  }
}

}  // namespace

Status DecodeRecord(std::string_view data, std::string_view what, Record* out) {
  ByteReader r(data, std::string(what));
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
    size += v.ref() ? RefSize(v.bytes().size()) : InlineSize(v);
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
      moved.push_back({i, ref_length, RefSize(v.bytes().size())});
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
  *v = v->type() == ValueType::kText ? Value::Text(std::move(content))
                                     : Value::Blob(std::move(content));
  return Status::OK();
}

void EncodeKey(const std::vector<Value>& key, std::string* out) {
  std::string marks;  // one byte per number: 0 integer, 1 real
  bool any_real = false;
  for (const Value& v : key) {
    switch (v.type()) {
      case ValueType::kNull:
        out->push_back(static_cast<char>(kKeyNull));
        break;
      case ValueType::kInteger:
      case ValueType::kReal: {
        // The nearest double orders the numbers; for an integer the exact
        // difference to that double breaks ties (|diff| < 2^11), so integers
        // beyond 2^53 and reals compare exactly as SQLite compares them.
        const bool is_int = v.type() == ValueType::kInteger;
        const double d = is_int ? static_cast<double>(v.integer()) : v.real();
        __int128 diff = 0;
        if (is_int) diff = static_cast<__int128>(v.integer()) - static_cast<__int128>(d);
        out->push_back(static_cast<char>(kKeyNumber));
        PutBigEndian64(out, OrderedDouble(d));
        PutBigEndian64(out, static_cast<uint64_t>(static_cast<int64_t>(diff)) ^ (1ull << 63));
        marks.push_back(is_int ? '\0' : '\1');
        any_real |= !is_int;
        break;
      }
      case ValueType::kText:
      case ValueType::kBlob:
        out->push_back(static_cast<char>(v.type() == ValueType::kText ? kKeyText : kKeyBlob));
        PutEscaped(out, v.bytes());
        break;
    }
  }
  // The storage class of numbers goes last so that it only orders keys whose
  // values are all equal (SQLite holds 1 and 1.0 equal; a key cannot hold both).
  if (any_real) {
    out->push_back(static_cast<char>(kKeyRealMarks));
    out->append(marks);
  }
}

Status DecodeKey(std::string_view data, std::vector<Value>* out) {
  out->clear();
  size_t i = 0;
  auto error = [&](const std::string& problem) {
    return Status::Corruption("key: offset " + std::to_string(i) + ": " + problem);
  };
  struct Number {
    size_t pos;  // in *out
    double d;
    int64_t diff;
  };
  std::vector<Number> numbers;
  std::string_view marks;  // empty: every number is an integer
  while (i < data.size()) {
    const uint8_t tag = static_cast<uint8_t>(data[i++]);
    if (tag == kKeyRealMarks) {
      marks = data.substr(i);
      if (marks.size() != numbers.size()) return error("real marks do not match numbers");
      i = data.size();
    } else if (tag == kKeyNull) {
      out->push_back(Value::Null());
    } else if (tag == kKeyNumber) {
      if (data.size() - i < 16) return error("truncated number");
      const double d = UnorderDouble(GetBigEndian64(data.data() + i));
      const int64_t diff = static_cast<int64_t>(GetBigEndian64(data.data() + i + 8) ^ (1ull << 63));
      numbers.push_back({out->size(), d, diff});
      out->push_back(Value::Null());  // filled in below
      i += 16;
    } else if (tag == kKeyText || tag == kKeyBlob) {
      std::string s;
      for (;;) {
        if (i >= data.size()) return error("unterminated string");
        const char c = data[i++];
        if (c != '\0') {
          s.push_back(c);
          continue;
        }
        if (i >= data.size()) return error("unterminated string");
        const char next = data[i++];
        if (next == '\0') break;
        if (next != '\xff') return error("bad escape");
        s.push_back('\0');
      }
      out->push_back(tag == kKeyText ? Value::Text(std::move(s)) : Value::Blob(std::move(s)));
    } else {
      return error("unknown key tag " + std::to_string(tag));
    }
  }
  for (size_t n = 0; n < numbers.size(); n++) {
    const Number& num = numbers[n];
    const char mark = marks.empty() ? '\0' : marks[n];
    if (mark == '\1') {
      if (num.diff != 0) return error("real with an integer remainder");
      (*out)[num.pos] = Value::Real(num.d);
      continue;
    }
    if (mark != '\0') return error("bad real mark");
    if (!(num.d >= -0x1p63 && num.d <= 0x1p63) || num.d != std::trunc(num.d)) {
      return error("integer key part is not integral");
    }
    const __int128 v = static_cast<__int128>(num.d) + num.diff;
    if (v < INT64_MIN || v > INT64_MAX) return error("integer out of range");
    (*out)[num.pos] = Value::Integer(static_cast<int64_t>(v));
  }
  // One encoding per key (records.md §4), so equal keys compare equal as
  // bytes: the values must re-encode to the input. The buffer is reused.
  thread_local std::string again;
  again.clear();
  EncodeKey(*out, &again);
  if (again != data) {
    i = std::mismatch(again.begin(), again.end(), data.begin(), data.end()).first - again.begin();
    return error("not the canonical encoding of its values (re-encoding differs here)");
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
  }
  return "";
}

}  // namespace tidemark
