// JSON text as the files: connector writes it: the way JavaScript's
// JSON.stringify(value, null, indent) does (what Node-RED and most Node apps
// write), so that a document read and written back keeps its bytes. Numbers
// are kept as written in the document they came from.
#pragma once

#include <string>

#include "base/json_parse.h"

namespace tidemark::files {

// indent 0: compact ({"a":1,"b":[1,2]}); otherwise one member or element a
// line, nested by `indent` spaces, "key": value, empty containers as {} / [].
std::string WriteJson(const JsonValue& v, int indent);
// The same, for a value nested `depth` levels deep (its lines indented so).
std::string WriteJsonAt(const JsonValue& v, int indent, int depth);

// `s` as a JSON string literal, escaped as JSON.stringify does: \" \\ \b \f
// \n \r \t, other control characters as \u00xx; everything else as is.
std::string QuoteJson(const std::string& s);

}  // namespace tidemark::files
