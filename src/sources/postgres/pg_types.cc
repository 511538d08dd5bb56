// The type catalog and the scan/order expressions: docs/format/records.md
// §1.2 (the PostgreSQL mapping table) and §4.2 (key order).
#include "sources/postgres/pg_types.h"

#include <set>

#include "sources/postgres/pg_connection.h"

namespace tidemark::pg {
namespace {

struct BuiltinType {
  uint32_t oid;
  uint32_t array_oid;
  const char* name;
  PgWire wire;
  ValueType kind;
};

// The pg_catalog types with a kind of their own; their oids are fixed
// (pg_type.dat). Every other type is text-mapped.
constexpr BuiltinType kBuiltins[] = {
    {16, 1000, "bool", PgWire::kBool, ValueType::kInteger},
    {17, 1001, "bytea", PgWire::kBytea, ValueType::kBlob},
    {19, 1003, "name", PgWire::kText, ValueType::kText},
    {20, 1016, "int8", PgWire::kInt8, ValueType::kInteger},
    {21, 1005, "int2", PgWire::kInt2, ValueType::kInteger},
    {23, 1007, "int4", PgWire::kInt4, ValueType::kInteger},
    {25, 1009, "text", PgWire::kText, ValueType::kText},
    {114, 199, "json", PgWire::kJson, ValueType::kJson},
    {650, 651, "cidr", PgWire::kCidr, ValueType::kCidr},
    {700, 1021, "float4", PgWire::kFloat4, ValueType::kReal},
    {701, 1022, "float8", PgWire::kFloat8, ValueType::kReal},
    {869, 1041, "inet", PgWire::kInet, ValueType::kInet},
    {1042, 1014, "bpchar", PgWire::kBpchar, ValueType::kText},
    {1043, 1015, "varchar", PgWire::kText, ValueType::kText},
    {1082, 1182, "date", PgWire::kDate, ValueType::kDate},
    {1083, 1183, "time", PgWire::kTime, ValueType::kTime},
    {1114, 1115, "timestamp", PgWire::kTimestamp, ValueType::kTimestamp},
    {1184, 1185, "timestamptz", PgWire::kTimestampTz, ValueType::kTimestampTz},
    {1186, 1187, "interval", PgWire::kInterval, ValueType::kInterval},
    {1266, 1270, "timetz", PgWire::kTimeTz, ValueType::kTimeTz},
    {1700, 1231, "numeric", PgWire::kNumeric, ValueType::kNumeric},
    {2950, 2951, "uuid", PgWire::kUuid, ValueType::kUuid},
    {3802, 3807, "jsonb", PgWire::kJsonb, ValueType::kJsonb},
};

// int2vector and oidvector have an element type but their own text form.
constexpr uint32_t kInt2Vector = 22, kOidVector = 30;
constexpr int kMaxDomainDepth = 64;

const BuiltinType* FindBuiltin(uint32_t oid) {
  for (const BuiltinType& b : kBuiltins) {
    if (b.oid == oid) return &b;
  }
  return nullptr;
}

bool IsTextLike(const PgType& t) { return t.wire == PgWire::kText; }

// Types ordered by their text bytes (records.md §4.2): no btree order, or
// one that is not a function of the bytes.
bool OrdersByText(const PgType& t) {
  return t.wire == PgWire::kTextMapped || t.wire == PgWire::kEnum || t.wire == PgWire::kJson ||
         t.wire == PgWire::kJsonb;
}

}  // namespace

Status PgTypeCatalog::Resolve(const std::map<uint32_t, PgTypeRow>& rows, uint32_t oid, int depth) {
  if (types_.count(oid)) return Status::OK();
  auto it = rows.find(oid);
  if (it == rows.end()) {
    return Status::Corruption("type catalog: type " + std::to_string(oid) + " is missing");
  }
  if (depth > kMaxDomainDepth) {
    return Status::Corruption("type catalog: type " + std::to_string(oid) + " nests too deeply");
  }
  const PgTypeRow& r = it->second;
  auto t = std::make_unique<PgType>();
  t->oid = oid;
  t->name = r.name;
  t->delimiter = r.delimiter;
  const BuiltinType* b = r.schema == "pg_catalog" ? FindBuiltin(oid) : nullptr;
  if (b != nullptr) {
    t->wire = b->wire;
    t->kind = b->kind;
  } else if (r.typtype == 'e') {
    t->wire = PgWire::kEnum;
    t->kind = ValueType::kEnum;
    t->enum_type = r.name;
  } else if (r.typtype == 'd') {
    TM_RETURN_IF_ERROR(Resolve(rows, r.base, depth + 1));
    const PgType* base = types_[r.base].get();
    if (base->wire == PgWire::kDomain) base = base->base;
    if (base->wire != PgWire::kTextMapped) {
      t->wire = PgWire::kDomain;
      t->kind = ValueType::kDomain;
      t->base = base;
    }
  } else if (r.typtype == 'b' && r.element != 0 && r.length == -1 && oid != kInt2Vector &&
             oid != kOidVector) {
    TM_RETURN_IF_ERROR(Resolve(rows, r.element, depth + 1));
    const PgType* e = types_[r.element].get();
    const bool nested = e->wire == PgWire::kArray ||
                        (e->wire == PgWire::kDomain && e->base->wire == PgWire::kArray);
    if (e->wire != PgWire::kTextMapped && !nested) {
      t->wire = PgWire::kArray;
      t->kind = ValueType::kArray;
      t->element = e;
    }
  }
  types_[oid] = std::move(t);
  return Status::OK();
}

Result<PgTypeCatalog> PgTypeCatalog::FromRows(const std::vector<PgTypeRow>& rows) {
  std::map<uint32_t, PgTypeRow> by_oid;
  for (const PgTypeRow& r : rows) by_oid[r.oid] = r;
  PgTypeCatalog c;
  for (const PgTypeRow& r : rows) TM_RETURN_IF_ERROR(c.Resolve(by_oid, r.oid, 0));
  return c;
}

std::vector<PgTypeRow> PgTypeCatalog::BuiltinRows() {
  std::vector<PgTypeRow> rows;
  for (const auto& b : kBuiltins) {
    rows.push_back({b.oid, "pg_catalog", b.name, b.name, 'b', 0, 0, 0, ','});
    const std::string array = std::string("_") + b.name;
    rows.push_back({b.array_oid, "pg_catalog", array, array, 'b', b.oid, 0, -1, ','});
  }
  rows.push_back({790, "pg_catalog", "money", "money", 'b', 0, 0, 8, ','});
  rows.push_back({142, "pg_catalog", "xml", "xml", 'b', 0, 0, -1, ','});
  rows.push_back({600, "pg_catalog", "point", "point", 'b', 701, 0, 16, ','});
  return rows;
}

PgTypeCatalog PgTypeCatalog::Builtin() {
  auto c = FromRows(BuiltinRows());
  return std::move(c).value();
}

const PgType* PgTypeCatalog::Find(uint32_t oid) const {
  auto it = types_.find(oid);
  return it == types_.end() ? nullptr : it->second.get();
}

Result<PgTypeCatalog> PgTypeCatalog::Load(PgConnection& conn, const std::vector<uint32_t>& oids) {
  static constexpr std::string_view kSql =
      "SELECT t.oid::int8, n.nspname, t.typname, CASE WHEN n.nspname = 'pg_catalog' THEN "
      "t.typname::text ELSE quote_ident(n.nspname) || '.' || quote_ident(t.typname) END, "
      "t.typtype, t.typelem::int8, t.typbasetype::int8, t.typlen, t.typdelim "
      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
      "WHERE t.oid = ANY($1::oid[])";
  std::map<uint32_t, PgTypeRow> rows;
  std::set<uint32_t> wanted(oids.begin(), oids.end());
  while (!wanted.empty()) {
    std::string list = "{";
    for (uint32_t oid : wanted) list += (list.size() > 1 ? "," : "") + std::to_string(oid);
    TM_ASSIGN_OR_RETURN(PgResult r, conn.ExecParams(kSql, {list + "}"}, "reading column types"));
    for (int i = 0; i < r.rows(); i++) {
      PgTypeRow row;
      row.oid = static_cast<uint32_t>(std::stoll(r.text(i, 0)));
      row.schema = r.text(i, 1);
      row.typname = r.text(i, 2);
      row.name = r.text(i, 3);
      row.typtype = r.value(i, 4).empty() ? 'b' : r.value(i, 4)[0];
      row.element = static_cast<uint32_t>(std::stoll(r.text(i, 5)));
      row.base = static_cast<uint32_t>(std::stoll(r.text(i, 6)));
      row.length = static_cast<int16_t>(std::stoi(r.text(i, 7)));
      row.delimiter = r.value(i, 8).empty() ? ',' : r.value(i, 8)[0];
      rows[row.oid] = row;
    }
    std::set<uint32_t> next;
    for (uint32_t oid : wanted) {
      auto it = rows.find(oid);
      if (it == rows.end()) {
        return Status::NotFound("reading column types: type " + std::to_string(oid) +
                                " does not exist (was it dropped during the backup?)");
      }
      for (uint32_t dep : {it->second.element, it->second.base}) {
        if (dep != 0 && !rows.count(dep)) next.insert(dep);
      }
    }
    wanted = std::move(next);
  }
  std::vector<PgTypeRow> all;
  for (auto& [oid, row] : rows) all.push_back(row);
  return FromRows(all);
}

std::string ScanExpression(const PgType& t, const std::string& quoted_column) {
  return t.wire == PgWire::kTextMapped ? quoted_column + "::text" : quoted_column;
}

namespace {

// The expression (without NULLS FIRST) for a value of `t`.
std::string OrderOf(const PgType& t, const std::string& col) {
  switch (t.wire) {
    case PgWire::kText:
      return col + " COLLATE \"C\"";
    case PgWire::kBpchar:
      // bpchar compares without its trailing blanks and ::text strips them;
      // the value is kept padded, so order by the padded text.
      return "pg_catalog.textin(pg_catalog.bpcharout(" + col + ")) COLLATE \"C\"";
    case PgWire::kDomain:
      return OrderOf(*t.base, col);
    case PgWire::kArray:
      if (OrdersByText(*t.element) ||
          (t.element->wire == PgWire::kDomain && OrdersByText(*t.element->base))) {
        return col + "::text[] COLLATE \"C\"";
      }
      if (IsTextLike(*t.element) || t.element->wire == PgWire::kBpchar ||
          (t.element->wire == PgWire::kDomain &&
           (IsTextLike(*t.element->base) || t.element->base->wire == PgWire::kBpchar))) {
        return col + " COLLATE \"C\"";
      }
      return col;
    default:
      return OrdersByText(t) ? col + "::text COLLATE \"C\"" : col;
  }
}

}  // namespace

std::string OrderExpression(const PgType& t, const std::string& quoted_column) {
  return OrderOf(t, quoted_column) + " NULLS FIRST";
}

Status SetValueSession(PgConnection& conn) {
  return conn.Run(kValueSessionSql, "setting the session's value formats");
}

}  // namespace tidemark::pg
