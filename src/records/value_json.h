// Values as JSON (for --json output, cat, diff, history and NDJSON export),
// and values parsed from what a user typed (keys on the command line).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "records/schema.h"
#include "records/value.h"

namespace tidemark {

// null, integer and finite real as JSON numbers, text as a string, a blob as
// {"base16": "<hex>"}, a non-finite real as "NaN" / "Infinity" / "-Infinity",
// a large value not loaded as {"out_of_line": "<kind>", "length": N}; the
// v2 kinds as records.md §7 says (numeric as a number with its exact digits,
// json embedded, arrays nested, times and the rest as their text).
void WriteValueJson(JsonWriter* w, const Value& v);

// A key as users see and type it: one part as its display form, several as
// a JSON array.
std::string KeyToDisplay(const std::vector<Value>& key);

// Parses a key typed by a user for `table`: a JSON array with one element
// per key part (numbers, strings, null, {"base16": "..."}), or, for a
// one-part key, the bare value read by the column's type affinity ("42" is
// an integer for an INTEGER column or rowid, a text for a TEXT column).
// `like`, when given, is a key of the table as stored (any one): a part
// whose stored kind is beyond SQLite's storage classes (a time, a uuid, an
// enum ...) is read from its text form by that kind (TypedValueFromText),
// so '["2024-05-01T10:30:00Z", "a"]' finds a key of (timestamptz, text).
Result<std::vector<Value>> ParseKey(const TableSchema& table, std::string_view text,
                                    const std::vector<Value>* like = nullptr);

}  // namespace tidemark
