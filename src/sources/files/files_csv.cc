// CSV documents (files_doc.h): a header row of distinct names, then records
// of as many fields, RFC 4180 quoting. Kept as records only when writing
// them back gives the same bytes (ParseStructured checks).
#include <set>

#include "sources/files/files_doc.h"

namespace tidemark::files {
namespace {

// Splits `bytes` into records of fields; false on a quote out of place.
bool SplitCsv(const std::string& bytes, std::vector<std::vector<std::string>>* out, bool* crlf) {
  std::vector<std::string> rec(1);
  bool quoted = false, was_quoted = false;
  *crlf = bytes.find("\r\n") != std::string::npos;
  for (size_t i = 0; i < bytes.size(); i++) {
    const char c = bytes[i];
    if (quoted) {
      if (c != '"')
        rec.back().push_back(c);
      else if (i + 1 < bytes.size() && bytes[i + 1] == '"')
        rec.back().push_back('"'), i++;
      else
        quoted = false;
    } else if (c == '"') {
      if (!rec.back().empty() || was_quoted) return false;
      quoted = was_quoted = true;
    } else if (c == ',') {
      rec.emplace_back();
      was_quoted = false;
    } else if (c == '\n' || (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n')) {
      if (c == '\r') i++;
      out->push_back(std::move(rec));
      rec.assign(1, "");
      was_quoted = false;
    } else {
      if (was_quoted) return false;
      rec.back().push_back(c);
    }
  }
  if (quoted) return false;
  if (rec.size() > 1 || !rec[0].empty() || was_quoted) out->push_back(std::move(rec));
  return true;
}

void AppendField(const std::string& f, std::string* out) {
  if (f.find_first_of(",\"\r\n") == std::string::npos) {
    out->append(f);
    return;
  }
  out->push_back('"');
  for (char c : f) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Column TextColumn(std::string name, int pk = 0, std::string decl = "TEXT") {
  Column c;
  c.name = std::move(name);
  c.decl_type = std::move(decl);
  c.pk = pk;
  c.not_null = pk != 0;
  return c;
}

}  // namespace

bool ParseCsv(const std::string& name, const std::string& bytes, Document* doc) {
  std::vector<std::vector<std::string>> recs;
  bool crlf = false;
  if (!SplitCsv(bytes, &recs, &crlf) || recs.empty()) return false;
  std::set<std::string> names{"line"};
  std::vector<Column> cols{TextColumn("line", 1, "INTEGER")};
  for (const std::string& h : recs[0]) {
    if (h.empty() || !names.insert(h).second) return false;
    cols.push_back(TextColumn(h));
  }
  const size_t dot = name.rfind('.');
  doc->format = DocFormat{DocKind::kCsv, name, 0, !bytes.empty() && bytes.back() == '\n', crlf};
  doc->schema.name = name.substr(0, dot);
  doc->schema.sql = FormatText(doc->format);
  doc->schema.no_implicit_id = true;
  doc->schema.columns = std::move(cols);
  doc->schema.key_columns = {0};
  for (size_t i = 1; i < recs.size(); i++) {
    if (recs[i].size() != recs[0].size()) return false;
    SourceRow row;
    row.key = {Value::Integer(int64_t(i))};
    row.record = row.key;
    for (std::string& f : recs[i]) row.record.push_back(Value::Text(std::move(f)));
    doc->rows[KeyBytes(row.key)] = std::move(row);
  }
  return true;
}

Result<std::string> WriteCsv(const Document& doc) {
  const std::string eol = doc.format.crlf ? "\r\n" : "\n";
  std::string out;
  for (size_t i = 1; i < doc.schema.columns.size(); i++) {
    if (i > 1) out += ",";
    AppendField(doc.schema.columns[i].name, &out);
  }
  for (const auto& [k, row] : doc.rows) {
    out += eol;
    for (size_t i = 1; i < row.record.size(); i++) {
      if (i > 1) out += ",";
      const Value& v = row.record[i];
      if (!v.is_null() && v.type() != ValueType::kText) {
        return Status::InvalidArgument(doc.format.path + ": a CSV field that is not text");
      }
      AppendField(v.bytes(), &out);
    }
  }
  if (doc.format.newline) out += eol;
  return out;
}

}  // namespace tidemark::files
