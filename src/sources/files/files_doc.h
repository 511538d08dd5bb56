// Documents as tables (docs/guide/sources.md "files:"): how one file of a
// folder becomes a table of records and back. Each top-level entry of the
// folder is one table:
//   - a JSON file holding an array of objects, each with a unique string
//     "id", or an empty array (Node-RED's flows.json): table <stem> keyed by id, columns id,
//     after (the id of the object before it, NULL for the first: the order
//     it is written back in; see WriteStructured), type, z, name (name, else
//     label), wires, doc (the whole object as compact JSON, members in their
//     order; what is written back);
//   - an NDJSON file (.ndjson, .jsonl: one object a line): table <stem>
//     keyed by line (1-based), column doc;
//   - a CSV file (.csv with a header row of distinct names): table <stem>
//     keyed by line (1-based, after the header), one text column per header
//     name;
//   - any other file: table <file name>, one row (path, content as a blob);
//   - a folder: table <folder name>, one row per file beneath it (path
//     relative to the folder given, content as a blob).
// How each table's document is written is kept in the table's schema
// object (SchemaObject::sql, "files json-array indent=4 newline=0
// path=flows.json"), so a restore writes it back the same way.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "records/schema.h"
#include "sources/connector.h"

namespace tidemark::files {

enum class DocKind { kJsonArray, kNdjson, kCsv, kFile, kFolder };

struct DocFormat {
  DocKind kind = DocKind::kFile;
  std::string path;      // relative to the folder: "flows.json", "context"
  int indent = 0;        // JSON array: spaces per level (0 = compact)
  bool newline = false;  // a final newline (JSON array, NDJSON, CSV)
  bool crlf = false;     // CSV: lines end with \r\n
};

// The schema object's text of `f`, and back (InvalidArgument for text this
// connector did not write).
std::string FormatText(const DocFormat& f);
Result<DocFormat> ParseFormat(const std::string& text);

// The rows of one table by encoded key (Scan order).
using Rows = std::map<std::string, SourceRow>;

// One table's document: its schema, format and rows.
struct Document {
  TableSchema schema;
  DocFormat format;
  Rows rows;
};

std::string KeyBytes(const std::vector<Value>& key);

// `bytes` of file `name` read as a structured document (JSON array, NDJSON,
// CSV) when it is one; false (doc untouched) when it is to be kept as a file.
bool ParseStructured(const std::string& name, const std::string& bytes, Document* doc);
// A document with one row per (path, bytes), table `table`, kind kFile or kFolder.
Document OpaqueDocument(const std::string& table, DocFormat format,
                        const std::map<std::string, std::string>& files);

// The bytes of a structured document (kJsonArray, kNdjson, kCsv). A JSON
// array's objects are written in the order their `after` columns chain
// them: first those after nothing, then those after an id that is not
// there, each followed by the objects after it; objects after the same one, and any
// left in a cycle, in key order. A document read and written back keeps
// its order exactly; deleting or adding an object changes one neighbour.
// InvalidArgument when a row does not hold what the format needs (a doc
// that is not a JSON object, an id that differs from the key).
Result<std::string> WriteStructured(const Document& doc);
// The files of a document as (path relative to the folder root, bytes).
Result<std::map<std::string, std::string>> DocumentFiles(const Document& doc);

// Checks that `row` fits `doc`'s table (values count and, for structured
// documents, a doc that parses): InvalidArgument saying what is wrong.
Status CheckRow(const Document& doc, const SourceRow& row);

}  // namespace tidemark::files
