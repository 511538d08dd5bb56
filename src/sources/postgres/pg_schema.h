// The catalog part of a PostgreSQL source's schema (docs/guide/postgres.md,
// "What is captured"): every table of every non-system schema with its
// columns, key, foreign keys and indexes, identity columns, sequences with
// their state, and the source-level settings, read inside the caller's
// transaction. The DDL objects come from pg_dump (pg_ddl.h). Internal to
// sources/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/postgres/pg_connection.h"

namespace tidemark::pg {

// What the reader needs beside the schema to scan a table: its relation and
// the type of each column (parallel to TableSchema::columns).
struct PgTableInfo {
  uint32_t oid = 0;
  std::vector<uint32_t> column_types;
};

struct CatalogSchema {
  // tables (namespace, name order; partitions and partitioned parents alike),
  // sequences, settings; no objects.
  SourceSchema schema;
  std::vector<PgTableInfo> tables;  // parallel to schema.tables
  // (namespace, index name) -> the name of its table, for the DDL objects.
  std::map<std::pair<std::string, std::string>, std::string> index_table;
};

// Reads the catalog in the caller's transaction. Tables that belong to an
// extension are left out (the extension recreates them), as pg_dump does.
// Sequence state is what the sequence holds when it is read (sequences are
// not transactional in PostgreSQL; pg_dump reads them the same way).
Result<CatalogSchema> ReadCatalogSchema(PgConnection& conn);

// The key of a table (docs/guide/sources.md "PostgreSQL keys"): the primary
// key; else the replica identity index or the first unique index (by name)
// that is valid, immediate, not partial, without expressions and over NOT
// NULL columns only; else every stored column in order (the whole row).
// `unique_indexes` are the candidates as column indices, in name order,
// the replica identity one (if any) first.
void ChooseKey(TableSchema* t, const std::vector<std::vector<int>>& unique_indexes);

// True when `t`'s key is the whole row (no primary key or usable unique index).
bool KeyIsWholeRow(const TableSchema& t);

}  // namespace tidemark::pg
