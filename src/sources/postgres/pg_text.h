// The encoder of Values into PostgreSQL's COPY text format (`COPY ... FROM
// STDIN`, the restore's one way in): each value written as its column
// type's text input reads it back exactly (docs/format/records.md §1.2),
// under the session settings of kValueSessionSql (pg_types.h).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "records/value.h"
#include "sources/postgres/pg_types.h"

namespace tidemark::pg {

// Appends one COPY text line (tab-separated, \N for NULL, backslash escapes
// for \ tab newline and carriage return; ending in a newline) for `row` as
// a row of columns `cols`. InvalidArgument naming the column for a value of
// the wrong kind for its column's type (see PgType::kind), an unresolved
// large-value reference, a NUL byte in a text, or a row of another width;
// *out is then unchanged. REQUIRES: no null entry in cols.
Status AppendTextRow(const std::vector<const PgType*>& cols, const std::vector<Value>& row,
                     std::string* out);

// Appends the text input of one non-NULL value of type `t` (not escaped for
// COPY): "t", "-0", "Infinity", "2024-05-01 12:30:00.25+00", "0044-03-15 BC",
// "14 mons -3 days -00:00:01.5", "[0:1]={1,NULL}", "\x00ff", ...
// InvalidArgument as AppendTextRow (without the column).
Status AppendTextValue(const PgType& t, const Value& v, std::string* out);

}  // namespace tidemark::pg
