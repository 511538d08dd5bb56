#include "sources/files/files_doc.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/json_parse.h"
#include "records/encoding.h"
#include "records/typed_values.h"
#include "sources/files/files_json.h"

namespace tidemark::files {
namespace {

const char* KindName(DocKind k) {
  switch (k) {
    case DocKind::kJsonArray:
      return "json-array";
    case DocKind::kNdjson:
      return "ndjson";
    case DocKind::kCsv:
      return "csv";
    case DocKind::kFile:
      return "file";
    case DocKind::kFolder:
      return "folder";
  }
  return "file";
}

Column MakeColumn(std::string name, std::string decl, int pk = 0) {
  Column c;
  c.name = std::move(name);
  c.decl_type = std::move(decl);
  c.pk = pk;
  c.not_null = pk != 0;
  return c;
}

TableSchema MakeTable(const std::string& name, const DocFormat& f, std::vector<Column> cols) {
  TableSchema t;
  t.name = name;
  t.sql = FormatText(f);
  t.no_implicit_id = true;
  t.columns = std::move(cols);
  t.key_columns = {0};
  return t;
}

Value TextOrNull(const JsonValue* v) {
  return v != nullptr && v->is_string() ? Value::Text(v->string_value()) : Value::Null();
}

std::string Stem(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void AddRow(Document* doc, Record record) {
  SourceRow row;
  row.key = {record[0]};
  row.record = std::move(record);
  doc->rows[KeyBytes(row.key)] = std::move(row);
}

// Spaces before the first element of a pretty-printed array ("[\n    {").
int IndentOf(const std::string& bytes) {
  const size_t nl = bytes.find('\n');
  if (nl == std::string::npos) return 0;
  size_t i = nl + 1;
  while (i < bytes.size() && bytes[i] == ' ') i++;
  return int(i - nl - 1);
}

bool ParseJsonArray(const std::string& name, const std::string& bytes, Document* doc) {
  Result<JsonValue> parsed = ParseJson(bytes);
  // An empty array is a table too: flows.json is "[]" once every flow is deleted.
  if (!parsed.ok() || !parsed->is_array()) return false;
  std::set<std::string> ids;
  for (const JsonValue& e : parsed->array()) {
    const JsonValue* id = e.Find("id");
    if (!e.is_object() || id == nullptr || !id->is_string()) return false;
    if (!ids.insert(id->string_value()).second) return false;  // duplicate ids: keep the file
  }
  // "[]" shows no indentation: objects written into it get 4 spaces, as
  // JSON.stringify(v, null, 4) (Node-RED's flowFilePretty) writes them.
  const int indent = parsed->array().empty() ? 4 : IndentOf(bytes);
  DocFormat f{DocKind::kJsonArray, name, indent, EndsWith(bytes, "\n"), false};
  doc->format = f;
  doc->schema =
      MakeTable(Stem(name), f,
                {MakeColumn("id", "TEXT", 1), MakeColumn("after", "TEXT"),
                 MakeColumn("type", "TEXT"), MakeColumn("z", "TEXT"), MakeColumn("name", "TEXT"),
                 MakeColumn("wires", "JSON"), MakeColumn("doc", "JSON")});
  Value after;  // the id of the object before, NULL for the first
  for (const JsonValue& e : parsed->array()) {
    const JsonValue* name_v = e.Find("name");
    if (name_v == nullptr || !name_v->is_string()) name_v = e.Find("label");
    const JsonValue* wires = e.Find("wires");
    Value id = Value::Text(e.Find("id")->string_value());
    AddRow(doc,
           {id, std::exchange(after, id), TextOrNull(e.Find("type")), TextOrNull(e.Find("z")),
            TextOrNull(name_v), wires != nullptr ? MakeJson(WriteJson(*wires, 0)) : Value::Null(),
            MakeJson(WriteJson(e, 0))});
  }
  return true;
}

// Lines of `bytes` without their ends; *newline: the last one had an end.
std::vector<std::string> Lines(const std::string& bytes, bool* newline) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string::npos) nl = bytes.size();
    lines.push_back(bytes.substr(start, nl - start));
    start = nl + 1;
  }
  *newline = EndsWith(bytes, "\n");
  return lines;
}

bool ParseNdjson(const std::string& name, const std::string& bytes, Document* doc) {
  bool newline = false;
  const std::vector<std::string> lines = Lines(bytes, &newline);
  if (lines.empty()) return false;
  DocFormat f{DocKind::kNdjson, name, 0, newline, false};
  doc->format = f;
  doc->schema =
      MakeTable(Stem(name), f, {MakeColumn("line", "INTEGER", 1), MakeColumn("doc", "JSON")});
  int64_t n = 0;
  for (const std::string& line : lines) {
    Result<JsonValue> v = ParseJson(line);
    if (!v.ok() || !v->is_object() || line.find('\r') != std::string::npos) return false;
    AddRow(doc, {Value::Integer(++n), MakeJson(line)});  // the line exactly as written
  }
  return true;
}

}  // namespace

std::string KeyBytes(const std::vector<Value>& key) {
  std::string out;
  EncodeKey(key, &out);
  return out;
}

std::string FormatText(const DocFormat& f) {
  std::string out = std::string("files ") + KindName(f.kind);
  if (f.kind == DocKind::kJsonArray) out += " indent=" + std::to_string(f.indent);
  if (f.kind == DocKind::kJsonArray || f.kind == DocKind::kNdjson || f.kind == DocKind::kCsv) {
    out += std::string(" newline=") + (f.newline ? "1" : "0");
  }
  if (f.kind == DocKind::kCsv) out += std::string(" crlf=") + (f.crlf ? "1" : "0");
  return out + " path=" + f.path;
}

Result<DocFormat> ParseFormat(const std::string& text) {
  const Status bad = Status::InvalidArgument(
      "\"" + text +
      "\" is not a table of a files: source (was the snapshot taken of another kind?)");
  const size_t path_at = text.find(" path=");
  if (text.rfind("files ", 0) != 0 || path_at == std::string::npos) return bad;
  DocFormat f;
  f.path = text.substr(path_at + 6);
  std::vector<std::string> words;
  for (size_t i = 6; i < path_at;) {
    size_t sp = text.find(' ', i);
    if (sp == std::string::npos || sp > path_at) sp = path_at;
    words.push_back(text.substr(i, sp - i));
    i = sp + 1;
  }
  if (words.empty() || f.path.empty()) return bad;
  bool known = false;
  for (DocKind k :
       {DocKind::kJsonArray, DocKind::kNdjson, DocKind::kCsv, DocKind::kFile, DocKind::kFolder}) {
    if (words[0] == KindName(k)) f.kind = k, known = true;
  }
  if (!known) return bad;
  for (size_t i = 1; i < words.size(); i++) {
    const std::string& w = words[i];
    if (w.rfind("indent=", 0) == 0) f.indent = std::clamp(std::atoi(w.c_str() + 7), 0, 16);
    if (w == "newline=1") f.newline = true;
    if (w == "crlf=1") f.crlf = true;
  }
  return f;
}

bool ParseCsv(const std::string& name, const std::string& bytes, Document* doc);  // files_csv.cc
Result<std::string> WriteCsv(const Document& doc);                                // files_csv.cc

bool ParseStructured(const std::string& name, const std::string& bytes, Document* doc) {
  Document d;
  bool ok = false;
  if (EndsWith(name, ".json")) ok = ParseJsonArray(name, bytes, &d);
  if (EndsWith(name, ".ndjson") || EndsWith(name, ".jsonl")) ok = ParseNdjson(name, bytes, &d);
  if (EndsWith(name, ".csv")) ok = ParseCsv(name, bytes, &d);
  if (!ok) return false;
  // NDJSON and CSV are kept as records only when they write back byte for byte.
  if (d.format.kind != DocKind::kJsonArray) {
    Result<std::string> again = WriteStructured(d);
    if (!again.ok() || *again != bytes) return false;
  }
  *doc = std::move(d);
  return true;
}

Document OpaqueDocument(const std::string& table, DocFormat format,
                        const std::map<std::string, std::string>& files) {
  Document doc;
  doc.format = std::move(format);
  doc.schema =
      MakeTable(table, doc.format, {MakeColumn("path", "TEXT", 1), MakeColumn("content", "BLOB")});
  for (const auto& [path, bytes] : files) AddRow(&doc, {Value::Text(path), Value::Blob(bytes)});
  return doc;
}

}  // namespace tidemark::files
