// The seeds of the pg_binary target: binary COPY streams over the columns
// of PgFuzzColumnOids() and single fields (see seeds.h).
#include <bit>
#include <optional>

#include "seeds.h"

namespace tidemark::fuzz {
namespace {

std::string Be16(uint16_t v) { return {char(v >> 8), char(v)}; }
std::string Be32(uint32_t v) { return Be16(uint16_t(v >> 16)) + Be16(uint16_t(v)); }
std::string Be64(uint64_t v) { return Be32(uint32_t(v >> 32)) + Be32(uint32_t(v)); }

std::string Field(const std::optional<std::string>& b) {
  return b ? Be32(uint32_t(b->size())) + *b : Be32(0xFFFFFFFF);
}

std::string Array(uint32_t elem, int32_t lb, const std::vector<std::optional<std::string>>& els) {
  std::string out = Be32(els.empty() ? 0 : 1) + Be32(0) + Be32(elem);
  if (!els.empty()) out += Be32(uint32_t(els.size())) + Be32(uint32_t(lb));
  for (const auto& e : els) out += Field(e);
  return out;
}

std::string Numeric(int16_t weight, uint16_t sign, int16_t dscale, std::vector<uint16_t> digits) {
  std::string out =
      Be16(uint16_t(digits.size())) + Be16(uint16_t(weight)) + Be16(sign) + Be16(uint16_t(dscale));
  for (uint16_t d : digits) out += Be16(d);
  return out;
}

// One valid field per column of PgFuzzColumnOids(), in order.
std::vector<std::string> Fields() {
  return {
      "\x01",                                              // bool
      Be16(0xFFFE),                                        // int2
      Be32(42),                                            // int4
      Be64(1ull << 60),                                    // int8
      Be32(std::bit_cast<uint32_t>(-0.0f)),                // float4
      Be64(0x7FF8000000000000),                            // float8 NaN
      Numeric(0, 0x4000, 3, {12, 3400}),                   // -12.340
      "tab\there \\ \xc3\xbc",                             // text
      "ab  ",                                              // bpchar
      std::string("\0\1\0", 3),                            // bytea
      Be64(uint64_t(-1)),                                  // timestamp
      Be64(0x7FFFFFFFFFFFFFFF),                            // timestamptz infinity
      Be32(uint32_t(-730485)),                             // date 0001-01-01 BC
      Be64(86400000000),                                   // time 24:00
      Be64(3600000000) + Be32(uint32_t(-19800)),           // timetz +05:30
      Be64(uint64_t(-1)) + Be32(2) + Be32(uint32_t(-1)),   // interval
      std::string(16, '\x5a'),                             // uuid
      "{\"a\" : 1}",                                       // json
      "\x01{\"a\": 1}",                                    // jsonb
      std::string("\x02\x18\x00\x04\x0a\x00\x00\x05", 8),  // inet 10.0.0.5/24
      std::string("\x03\x20\x01\x10", 4) + "\x20\x01\x0d\xb8" + std::string(12, '\0'),  // cidr
      Array(23, 0, {Be32(1), std::nullopt}),        // int4[] [0:1]
      Array(25, 1, {}),                             // text[] {}
      Array(1700, 1, {Numeric(0, 0xD000, 0, {})}),  // numeric[] {Infinity}
      "happy",                                      // mood
      Be32(5),                                      // posint
      Array(90001, 1, {"sad", std::nullopt}),       // mood[]
      Array(90003, -2, {Be32(7)}),                  // posint[]
      "$1.00",                                      // money (text-mapped)
  };
}

std::string Stream(bool with_rows) {
  std::string s = std::string("PGCOPY\n\377\r\n\0", 11) + Be32(0) + Be32(0);
  if (with_rows) {
    const std::vector<std::string> fields = Fields();
    s += Be16(uint16_t(fields.size()));
    for (size_t i = 0; i < fields.size(); i++) s += Field(std::nullopt);
    s += Be16(uint16_t(fields.size()));
    for (const std::string& f : fields) s += Field(f);
  }
  return s + Be16(0xFFFF);
}

}  // namespace

std::vector<Seed> PgBinarySeeds() {
  SeedSet s("pg_binary");
  const std::string rows = Stream(true);
  s.Ok("stream", "rows-whole", std::string(1, '\0') + rows);
  s.Ok("stream", "rows-in-7-byte-chunks", "\x07" + rows);
  s.Ok("stream", "empty", "\x01" + Stream(false));
  s.Bad("stream", "truncated", "\x03" + rows.substr(0, rows.size() - 1));
  s.Bad("stream", "bad-signature", "\x05" + Flip(rows, 3));
  s.Bad("stream", "after-trailer", std::string(1, '\0') + rows + "x");
  const std::vector<std::string> fields = Fields();
  for (size_t i = 0; i < fields.size(); i++) {
    s.Ok("field", "column-" + std::to_string(i), std::string(1, char(i)) + fields[i]);
  }
  s.Bad("field", "numeric-digit", "\x06" + Numeric(0, 0, 0, {10000}));
  s.Bad("field", "array-element-type", "\x15" + Array(25, 1, {"x"}));
  s.Bad("field", "jsonb-version", "\x12\x02{}");
  return s.Take();
}

}  // namespace tidemark::fuzz
