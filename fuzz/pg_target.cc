// The pg_binary fuzz target: the binary COPY decoder of the PostgreSQL
// connector (sources/postgres/pg_binary.h) over a fixed set of columns, one
// of every wire format. See README.md in this folder.
#include <string>
#include <string_view>

#include "records/encoding.h"
#include "records/typed_values.h"
#include "sources/postgres/pg_binary.h"
#include "sources/postgres/pg_text.h"
#include "targets.h"

namespace tidemark::fuzz {
namespace {

using pg::PgType;
using pg::PgTypeCatalog;
using pg::PgTypeRow;

const PgTypeCatalog& Catalog() {
  static const PgTypeCatalog* catalog = [] {
    std::vector<PgTypeRow> rows = PgTypeCatalog::BuiltinRows();
    rows.push_back({90001, "public", "mood", "public.mood", 'e', 0, 0, 4, ','});
    rows.push_back({90002, "public", "_mood", "public._mood", 'b', 90001, 0, -1, ','});
    rows.push_back({90003, "public", "posint", "public.posint", 'd', 0, 23, 4, ','});
    rows.push_back({90004, "public", "_posint", "public._posint", 'b', 90003, 0, -1, ','});
    auto c = PgTypeCatalog::FromRows(rows);
    FUZZ_CHECK(c.ok());
    return new PgTypeCatalog(std::move(c).value());
  }();
  return *catalog;
}

const std::vector<const PgType*>& Columns() {
  static const std::vector<const PgType*> cols = [] {
    std::vector<const PgType*> out;
    for (uint32_t oid : PgFuzzColumnOids()) out.push_back(Catalog().Find(oid));
    return out;
  }();
  return cols;
}

// An accepted value is a valid value of its kind: its payload passes the
// record decoder's checks, it encodes as a key that decodes back to an
// equal key, and it writes as COPY text (a NUL byte in a text aside, which
// PostgreSQL never sends).
void CheckValue(const PgType& t, const Value& v) {
  if (v.is_null()) return;
  FUZZ_CHECK(v.type() == t.kind);
  FUZZ_CHECK(ScalarInRange(v));
  if (HasBytePayload(v.type()) && v.type() != ValueType::kText && v.type() != ValueType::kBlob) {
    FUZZ_CHECK(CheckPayload(v.type(), v.bytes(), "fuzz").ok());
  }
  std::string key, again;
  EncodeKey({v}, &key);
  std::vector<Value> decoded;
  FUZZ_CHECK(DecodeKey(key, &decoded).ok() && decoded.size() == 1);
  EncodeKey(decoded, &again);
  FUZZ_CHECK(again == key);
  std::string text;
  Status s = pg::AppendTextValue(t, v, &text);
  FUZZ_CHECK(s.ok() || s.message().find("NUL") != std::string::npos);
}

// Decodes `data` fed in chunks of `chunk` bytes (0: all at once).
Status DecodeStream(std::string_view data, size_t chunk, std::vector<std::vector<Value>>* rows) {
  pg::BinaryCopyDecoder d(Columns());
  auto keep = [&](std::vector<Value>& row) {
    rows->push_back(row);
    return Status::OK();
  };
  if (chunk == 0) chunk = data.size() + 1;
  for (size_t at = 0; at < data.size(); at += chunk) {
    TM_RETURN_IF_ERROR(d.Feed(data.substr(at, chunk), keep));
  }
  return d.Finish();
}

}  // namespace

const std::vector<uint32_t>& PgFuzzColumnOids() {
  static const std::vector<uint32_t> oids = {
      16,   21,   23,  20,   700, 701, 1700, 25,   1042, 17,    1114,  1184,  1082,  1083, 1266,
      1186, 2950, 114, 3802, 869, 650, 1007, 1009, 1231, 90001, 90003, 90002, 90004, 790};
  return oids;
}

// Payload: one byte (the chunk size, 0 = all at once), then the stream.
// The rows and the outcome do not depend on the chunking.
bool PgBinaryStreamMode(std::string_view p) {
  if (p.empty()) return false;
  const size_t chunk = static_cast<uint8_t>(p[0]);
  const std::string_view data = p.substr(1);
  std::vector<std::vector<Value>> whole, chunked;
  const Status a = DecodeStream(data, 0, &whole);
  const Status b = DecodeStream(data, chunk, &chunked);
  FUZZ_CHECK(a.ToString() == b.ToString());
  FUZZ_CHECK(whole == chunked);
  if (!a.ok()) {
    FUZZ_CHECK(a.IsCorruption());
    return false;
  }
  for (const auto& row : whole) {
    FUZZ_CHECK(row.size() == Columns().size());
    for (size_t i = 0; i < row.size(); i++) CheckValue(*Columns()[i], row[i]);
  }
  return true;
}

// Payload: one byte (the column, modulo their number), then one field.
bool PgBinaryFieldMode(std::string_view p) {
  if (p.empty()) return false;
  const PgType& t = *Columns()[static_cast<uint8_t>(p[0]) % Columns().size()];
  auto v = pg::DecodeBinaryField(t, p.substr(1));
  if (!v.ok()) {
    FUZZ_CHECK(v.status().IsCorruption());
    return false;
  }
  CheckValue(t, *v);
  return true;
}

}  // namespace tidemark::fuzz
