// The PostgreSQL types of the columns tidemark reads and writes, and how each
// maps onto the value model (docs/format/records.md §1.2, the mapping table):
// which kind a value gets, how it is scanned (the column itself in binary
// COPY, or `col::text`) and how key columns are ordered (records.md §4.2).
// Internal to sources/postgres/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/value.h"

namespace tidemark::pg {

class PgConnection;

// How a value of the type travels in binary COPY (pg_binary.h) and in text
// COPY (pg_text.h). kTextMapped: the column is scanned as `col::text` and
// becomes TEXT; it is restored through the type's own text input.
enum class PgWire : uint8_t {
  kTextMapped,
  kBool,
  kInt2,
  kInt4,
  kInt8,
  kFloat4,
  kFloat8,
  kNumeric,
  kText,    // text, varchar, name
  kBpchar,  // char(n): blank-padded text, kept padded
  kBytea,
  kTimestamp,
  kTimestampTz,
  kDate,
  kTime,
  kTimeTz,
  kInterval,
  kUuid,
  kJson,
  kJsonb,
  kInet,
  kCidr,
  kArray,
  kEnum,
  kDomain,
};

// One type of pg_type, resolved. Pointers point into the PgTypeCatalog that
// made the type and live as long as it.
struct PgType {
  uint32_t oid = 0;
  // The kind of a non-NULL value (INTEGER for int2/4/8 and boolean, REAL for
  // float4/8, TEXT for text-like and text-mapped types, BLOB for bytea, ...).
  ValueType kind = ValueType::kText;
  PgWire wire = PgWire::kTextMapped;
  // The type's name as values carry it (ArrayValue::element_type, enum and
  // domain type names): typname for pg_catalog types ("int4", "_text"),
  // else quote_ident(schema) "." quote_ident(typname) ("public.mood").
  std::string name;
  // Arrays (wire kArray): the element type (never an array, nor a domain
  // over one; those arrays are text-mapped).
  const PgType* element = nullptr;
  // Domains (wire kDomain): the base type under every level of domain
  // (never a domain; a domain over a text-mapped type is text-mapped).
  const PgType* base = nullptr;
  // Enums (wire kEnum): the enum's type name (the same as `name`).
  std::string enum_type;
  char delimiter = ',';  // typdelim: the separator of the type's array literals
};

// One pg_type row, as the catalog query reads it (exposed for tests that
// build catalogs without a server).
struct PgTypeRow {
  uint32_t oid = 0;
  std::string schema;    // pg_namespace.nspname
  std::string typname;   // pg_type.typname
  std::string name;      // the qualified name, as PgType::name
  char typtype = 'b';    // b base, d domain, e enum, c composite, r range, m multirange, p pseudo
  uint32_t element = 0;  // typelem
  uint32_t base = 0;     // typbasetype (domains)
  int16_t length = -1;   // typlen
  char delimiter = ',';  // typdelim
};

class PgTypeCatalog {
 public:
  // Reads the types `oids` and every type they are built from (array
  // elements, domain bases) from pg_type. IOError etc. from the query;
  // NotFound naming the oid when one does not exist.
  static Result<PgTypeCatalog> Load(PgConnection& conn, const std::vector<uint32_t>& oids);
  // The catalog of `rows` (which must hold every element and base type they
  // name: Corruption otherwise).
  static Result<PgTypeCatalog> FromRows(const std::vector<PgTypeRow>& rows);
  // The rows of the built-in types of pg_catalog that have a kind of their
  // own (int4, text, numeric, ... and their arrays) and of money, xml and
  // point (text-mapped), for tests; Builtin() is their catalog.
  static std::vector<PgTypeRow> BuiltinRows();
  static PgTypeCatalog Builtin();

  // The type of `oid`, or nullptr when it was not loaded.
  const PgType* Find(uint32_t oid) const;

 private:
  Status Resolve(const std::map<uint32_t, PgTypeRow>& rows, uint32_t oid, int depth);

  std::map<uint32_t, std::unique_ptr<PgType>> types_;
};

// The select-list item that scans a column of type `t` in binary COPY:
// `quoted_column` itself, or `quoted_column::text` for text-mapped types.
std::string ScanExpression(const PgType& t, const std::string& quoted_column);

// The ORDER BY item for a key column of type `t` that makes the scan order
// the order of tidemark's key encoding (records.md §4.2): the column (or an
// expression of it), `COLLATE "C"` for text-like ones, and always
// ` NULLS FIRST` (a NULL component sorts before every value). Join the items
// of several key columns with ", ".
std::string OrderExpression(const PgType& t, const std::string& quoted_column);

// The session settings every connection that reads or writes values uses
// (docs/guide/postgres.md, "Types"): ISO dates, postgres interval style, UTC,
// exact floats, hex bytea, UTF-8, C money and content xml.
inline constexpr std::string_view kValueSessionSql =
    "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; "
    "SET extra_float_digits = 3; SET bytea_output = 'hex'; SET client_encoding = 'UTF8'; "
    "SET lc_monetary = 'C'; SET xmloption = 'content'";
// Runs kValueSessionSql on `conn`.
Status SetValueSession(PgConnection& conn);

}  // namespace tidemark::pg
