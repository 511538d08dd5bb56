// ReadCatalogSchema: the catalog queries, one per kind of fact over every
// table at once (a Directus or Supabase database has hundreds of tables).

#include "sources/postgres/pg_schema.h"

#include <algorithm>
#include <charconv>

namespace tidemark::pg {
namespace {

constexpr std::string_view kDoing = "reading the schema";

// A relation of the source: in a non-system schema and not an extension's.
constexpr char kUserRelation[] =
    "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
    " AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass"
    " AND e.objid = c.oid AND e.deptype = 'e')";

int64_t ToInt(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool ToBool(std::string_view s) { return s == "t"; }

std::string ActionName(std::string_view code) {
  if (code == "r") return "RESTRICT";
  if (code == "c") return "CASCADE";
  if (code == "n") return "SET NULL";
  if (code == "d") return "SET DEFAULT";
  return "NO ACTION";
}

// The tables, and each one's position by relation oid.
struct Tables {
  CatalogSchema* out;
  std::map<uint32_t, size_t> by_oid;
  // Per table: attnum -> column index.
  std::vector<std::map<int, int>> attnums;
  std::string oid_array;  // "{1,2,3}" for = ANY($1::oid[])

  TableSchema* Find(std::string_view oid, size_t* pos = nullptr) {
    auto it = by_oid.find(static_cast<uint32_t>(ToInt(oid)));
    if (it == by_oid.end()) return nullptr;
    if (pos) *pos = it->second;
    return &out->schema.tables[it->second];
  }
};

Status LoadTables(PgConnection& conn, Tables* t) {
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec(std::string("SELECT c.oid, n.nspname, c.relname, c.relkind"
                            " FROM pg_class c JOIN pg_namespace n ON n.oid = "
                            "c.relnamespace WHERE c.relkind IN ('r', 'p', 'f') AND ") +
                    kUserRelation + " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"",
                kDoing));
  t->oid_array = "{";
  for (int i = 0; i < r.rows(); ++i) {
    TableSchema ts;
    ts.namespace_name = r.text(i, 1);
    ts.name = r.text(i, 2);
    ts.no_implicit_id = true;  // PostgreSQL tables have no row id a snapshot could keep
    // A partitioned parent holds no rows (its partitions do); a foreign
    // table's rows live on another server: both are kept as definitions.
    if (r.value(i, 3) != "r") ts.kind = TableKind::kVirtual;
    const auto oid = static_cast<uint32_t>(ToInt(r.value(i, 0)));
    t->by_oid[oid] = t->out->schema.tables.size();
    t->out->schema.tables.push_back(std::move(ts));
    t->out->tables.push_back(PgTableInfo{oid, {}});
    t->attnums.emplace_back();
    if (i > 0) t->oid_array += ",";
    t->oid_array += r.text(i, 0);
  }
  t->oid_array += "}";
  return Status::OK();
}

Status LoadColumns(PgConnection& conn, Tables* t) {
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn.ExecParams(
          "SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),"
          " a.atttypid, a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), ''),"
          " a.attidentity, a.attgenerated,"
          " CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation"
          " THEN co.collname ELSE '' END"
          " FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid"
          " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
          " LEFT JOIN pg_collation co ON co.oid = a.attcollation"
          " WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped"
          " ORDER BY a.attrelid, a.attnum",
          {t->oid_array}, kDoing));
  for (int i = 0; i < r.rows(); ++i) {
    size_t pos = 0;
    TableSchema* ts = t->Find(r.value(i, 0), &pos);
    if (ts == nullptr) continue;
    Column c;
    c.name = r.text(i, 2);
    c.decl_type = r.text(i, 3);
    c.not_null = ToBool(r.value(i, 5));
    c.default_sql = r.text(i, 6);
    c.collation = r.text(i, 9);
    // A STORED generated column is recomputed by the server: not in records.
    if (r.value(i, 8) == "s") c.hidden = 3;
    const int index = static_cast<int>(ts->columns.size());
    t->attnums[pos][static_cast<int>(ToInt(r.value(i, 1)))] = index;
    if (std::string_view id = r.value(i, 7); id == "a" || id == "d") {
      ts->identity.push_back(
          IdentityColumn{index, id == "a" ? IdentityKind::kAlways : IdentityKind::kByDefault, ""});
    }
    ts->columns.push_back(std::move(c));
    t->out->tables[pos].column_types.push_back(static_cast<uint32_t>(ToInt(r.value(i, 4))));
  }
  return Status::OK();
}

// One index of a table, as read; `key_ok` when it may key the table.
struct IndexRow {
  IndexInfo info;
  std::vector<int> columns;  // column indices; -1 for an expression
  bool key_ok = false;
  bool replica = false;
};

Status LoadIndexes(PgConnection& conn, Tables* t) {
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn.ExecParams(
          "SELECT i.indrelid, ic.relname, i.indisprimary, i.indisunique, i.indisreplident,"
          " i.indpred IS NOT NULL, i.indexprs IS NOT NULL, i.indisvalid AND i.indimmediate,"
          " coalesce(con.contype, ''), k.n, coalesce(a.attname, ''), k.o"
          " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
          " LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid"
          "  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')"
          " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(n, o)"
          " LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n"
          " WHERE i.indrelid = ANY($1::oid[]) AND k.o <= i.indnkeyatts"
          " ORDER BY i.indrelid, ic.relname COLLATE \"C\", k.o",
          {t->oid_array}, kDoing));
  std::vector<std::vector<IndexRow>> per_table(t->out->schema.tables.size());
  for (int i = 0; i < r.rows(); ++i) {
    size_t pos = 0;
    TableSchema* ts = t->Find(r.value(i, 0), &pos);
    if (ts == nullptr) continue;
    std::vector<IndexRow>& list = per_table[pos];
    if (r.value(i, 11) == "1") {
      IndexRow row;
      row.info.name = r.text(i, 1);
      row.info.unique = ToBool(r.value(i, 3));
      row.info.origin = ToBool(r.value(i, 2)) ? "pk" : r.value(i, 8) == "u" ? "u" : "c";
      row.info.partial = ToBool(r.value(i, 5));
      row.replica = ToBool(r.value(i, 4));
      row.key_ok =
          row.info.unique && !row.info.partial && !ToBool(r.value(i, 6)) && ToBool(r.value(i, 7));
      list.push_back(std::move(row));
      t->out->index_table[{ts->namespace_name, list.back().info.name}] = ts->name;
    }
    IndexRow& row = list.back();
    auto col = t->attnums[pos].find(static_cast<int>(ToInt(r.value(i, 9))));
    row.info.columns.push_back(r.text(i, 10));
    row.columns.push_back(col == t->attnums[pos].end() ? -1 : col->second);
  }
  for (size_t pos = 0; pos < per_table.size(); ++pos) {
    TableSchema& ts = t->out->schema.tables[pos];
    std::vector<std::vector<int>> candidates;
    for (IndexRow& row : per_table[pos]) {
      if (row.info.origin == "pk") {
        for (size_t k = 0; k < row.columns.size(); ++k) {
          if (row.columns[k] >= 0) ts.columns[size_t(row.columns[k])].pk = int(k) + 1;
        }
      }
      bool usable = row.key_ok && row.info.origin != "pk";
      for (int c : row.columns) usable = usable && c >= 0 && ts.columns[size_t(c)].not_null;
      if (usable) {
        auto at = row.replica ? candidates.begin() : candidates.end();
        candidates.insert(at, row.columns);
      }
      ts.indexes.push_back(std::move(row.info));
    }
    ChooseKey(&ts, candidates);
  }
  return Status::OK();
}

Status LoadForeignKeys(PgConnection& conn, Tables* t) {
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn.ExecParams(
          "SELECT con.conrelid, con.oid, pc.relname, con.confupdtype, con.confdeltype,"
          " ca.attname, pa.attname"
          " FROM pg_constraint con JOIN pg_class pc ON pc.oid = con.confrelid"
          " CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(c, p, o)"
          " JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.c"
          " JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.p"
          " WHERE con.contype = 'f' AND con.conrelid = ANY($1::oid[])"
          // The clones PostgreSQL adds for each partition of a referenced
          // partitioned table are not constraints of their own.
          "  AND NOT EXISTS (SELECT 1 FROM pg_constraint pcon WHERE pcon.oid = con.conparentid"
          "  AND pcon.conrelid = con.conrelid)"
          " ORDER BY con.conrelid, con.conname COLLATE \"C\", con.oid, k.o",
          {t->oid_array}, kDoing));
  std::string last;
  for (int i = 0; i < r.rows(); ++i) {
    TableSchema* ts = t->Find(r.value(i, 0));
    if (ts == nullptr) continue;
    if (r.text(i, 1) != last) {
      last = r.text(i, 1);
      ForeignKey fk;
      fk.table = r.text(i, 2);
      fk.on_update = ActionName(r.value(i, 3));
      fk.on_delete = ActionName(r.value(i, 4));
      ts->foreign_keys.push_back(std::move(fk));
    }
    ts->foreign_keys.back().from.push_back(r.text(i, 5));
    ts->foreign_keys.back().to.push_back(r.text(i, 6));
  }
  return Status::OK();
}

// Sequences with their parameters, owner column and state.
Status LoadSequences(PgConnection& conn, CatalogSchema* out) {
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec(std::string(
                    "SELECT n.nspname, c.relname, format_type(q.seqtypid, NULL), q.seqstart,"
                    " q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle,"
                    " coalesce(tc.relname, ''), coalesce(ta.attname, ''), coalesce(d.deptype, ' ')"
                    " FROM pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass"
                    "  AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass"
                    "  AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0"
                    " LEFT JOIN pg_class tc ON tc.oid = d.refobjid"
                    " LEFT JOIN pg_attribute ta ON ta.attrelid = d.refobjid"
                    "  AND ta.attnum = d.refobjsubid WHERE ") +
                    kUserRelation + " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"",
                kDoing));
  for (int i = 0; i < r.rows(); ++i) {
    SequenceInfo s;
    s.namespace_name = r.text(i, 0);
    s.name = r.text(i, 1);
    s.type = r.text(i, 2);
    s.start = ToInt(r.value(i, 3));
    s.increment = ToInt(r.value(i, 4));
    s.min = ToInt(r.value(i, 5));
    s.max = ToInt(r.value(i, 6));
    s.cache = ToInt(r.value(i, 7));
    s.cycle = ToBool(r.value(i, 8));
    s.owner_table = r.text(i, 9);
    s.owner_column = r.text(i, 10);
    if (r.value(i, 11) == "i") {  // an identity column's sequence
      for (TableSchema& t : out->schema.tables) {
        if (t.namespace_name != s.namespace_name || t.name != s.owner_table) continue;
        for (IdentityColumn& id : t.identity) {
          if (t.columns[size_t(id.column)].name == s.owner_column) id.sequence = s.name;
        }
      }
    }
    const std::string q = conn.QuoteIdent(s.namespace_name) + "." + conn.QuoteIdent(s.name);
    TM_ASSIGN_OR_RETURN(PgResult st, conn.Exec("SELECT last_value, is_called FROM " + q,
                                               "reading the state of sequence " + q));
    s.last_value = ToInt(st.value(0, 0));
    s.is_called = ToBool(st.value(0, 1));
    out->schema.sequences.push_back(std::move(s));
  }
  return Status::OK();
}

Status LoadSettings(PgConnection& conn, SourceSchema* s) {
  TM_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec("SELECT current_setting('server_version'), pg_encoding_to_char(d.encoding),"
                " d.datcollate, d.datctype FROM pg_database d"
                " WHERE d.datname = current_database()",
                kDoing));
  std::string version = r.text(0, 0);
  version = version.substr(0, version.find(' '));  // "15.18 (Debian ...)" -> "15.18"
  s->settings.emplace_back("postgres.server_version", version);
  s->settings.emplace_back("postgres.encoding", r.text(0, 1));
  s->settings.emplace_back("postgres.lc_collate", r.text(0, 2));
  s->settings.emplace_back("postgres.lc_ctype", r.text(0, 3));
  TM_ASSIGN_OR_RETURN(
      PgResult ext,
      conn.Exec("SELECT extname, extversion FROM pg_extension ORDER BY extname COLLATE \"C\"",
                kDoing));
  for (int i = 0; i < ext.rows(); ++i) {
    s->settings.emplace_back("postgres.extension." + ext.text(i, 0), ext.text(i, 1));
  }
  return Status::OK();
}

}  // namespace

void ChooseKey(TableSchema* t, const std::vector<std::vector<int>>& unique_indexes) {
  t->key_columns.clear();
  std::vector<std::pair<int, int>> pk;  // (position, column)
  for (size_t i = 0; i < t->columns.size(); ++i) {
    if (t->columns[i].pk > 0) pk.emplace_back(t->columns[i].pk, int(i));
  }
  std::sort(pk.begin(), pk.end());
  for (const auto& [pos, col] : pk) t->key_columns.push_back(col);
  if (!t->key_columns.empty()) return;
  if (!unique_indexes.empty()) {
    t->key_columns = unique_indexes.front();
    return;
  }
  t->key_columns = t->StoredColumns();
}

bool KeyIsWholeRow(const TableSchema& t) {
  return t.has_records() && t.key_columns == t.StoredColumns() &&
         std::none_of(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.pk > 0; });
}

Result<CatalogSchema> ReadCatalogSchema(PgConnection& conn) {
  CatalogSchema out;
  Tables tables{&out, {}, {}, ""};
  TM_RETURN_IF_ERROR(LoadTables(conn, &tables));
  TM_RETURN_IF_ERROR(LoadColumns(conn, &tables));
  TM_RETURN_IF_ERROR(LoadIndexes(conn, &tables));
  TM_RETURN_IF_ERROR(LoadForeignKeys(conn, &tables));
  TM_RETURN_IF_ERROR(LoadSequences(conn, &out));
  TM_RETURN_IF_ERROR(LoadSettings(conn, &out.schema));
  return out;
}

}  // namespace tidemark::pg
