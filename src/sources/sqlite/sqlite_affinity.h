// Column affinity (https://www.sqlite.org/datatype3.html §3) and what it
// does to an inserted value, for a restore that must store every value with
// the storage class the snapshot holds. A table whose schema was edited
// after its rows were written (PRAGMA writable_schema) can hold values that
// its affinity would convert on insert, such as the text '42' in an INTEGER
// column; the writer loads such a table with the declared types taken out
// of its SQL (SqlWithoutTypes) and puts the SQL back afterwards.
// Internal to sources/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records/schema.h"
#include "records/value.h"

struct sqlite3_stmt;

namespace tidemark {

enum class Affinity { kBlob, kText, kNumeric, kInteger, kReal };

// SQLite's rule (datatype3.html §3.1) for a declared type: "INT" -> INTEGER;
// "CHAR", "CLOB", "TEXT" -> TEXT; "BLOB" or no type -> BLOB; "REAL", "FLOA",
// "DOUB" -> REAL; anything else NUMERIC. Case-insensitive, first rule wins.
Affinity AffinityOf(std::string_view decl_type);

// True when inserting `v` into a column of affinity `a` would store another
// storage class than v's (what reading the column back would show).
// `probe` is a statement "SELECT ?1" prepared on any connection; it asks
// SQLite whether a text looks like a number. REQUIRES: v is not a reference.
bool AffinityChanges(const Value& v, Affinity a, sqlite3_stmt* probe);

// `t.sql` with the declared type of each column i where strip[i] removed
// (strip is indexed like t.columns), so that those columns take no affinity;
// everything else (names, constraints, comments, spacing) is kept byte for
// byte. nullopt when the SQL cannot be taken apart with certainty (its
// columns do not match t.columns).
std::optional<std::string> SqlWithoutTypes(const TableSchema& t, const std::vector<bool>& strip);

}  // namespace tidemark
