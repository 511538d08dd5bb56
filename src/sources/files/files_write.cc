// Documents back to bytes (files_doc.h): what a restore and a rollback write.
#include <algorithm>
#include <map>
#include <set>

#include "base/json_parse.h"
#include "sources/files/files_doc.h"
#include "sources/files/files_json.h"

namespace tidemark::files {

Result<std::string> WriteCsv(const Document& doc);  // files_csv.cc

namespace {

std::string Where(const Document& doc, const SourceRow& row) {
  const Value& k = row.key.empty() ? Value() : row.key[0];
  const std::string key = k.type() == ValueType::kInteger ? std::to_string(k.integer()) : k.bytes();
  return doc.format.path + " (table " + doc.schema.name + ", key " + key + ")";
}

bool IsBytes(const Value& v) {
  return !v.ref() && (v.type() == ValueType::kBlob || v.type() == ValueType::kText ||
                      v.type() == ValueType::kJson);
}

// A path below a folder: relative, no empty, "." or ".." part.
bool SafeRelative(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string::npos) slash = p.size();
    const std::string part = p.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return true;
}

// The JSON object a row of a JSON array table writes.
Result<JsonValue> ObjectOf(const Document& doc, const SourceRow& row) {
  const Value& v = row.record[6];
  if (!IsBytes(v)) return Status::InvalidArgument(Where(doc, row) + ": doc is not JSON text");
  Result<JsonValue> obj = ParseJson(v.bytes());
  if (!obj.ok() || !obj->is_object()) {
    return Status::InvalidArgument(Where(doc, row) + ": doc is not a JSON object");
  }
  const JsonValue* id = obj->Find("id");
  if (id == nullptr || !id->is_string() || row.key[0].type() != ValueType::kText ||
      id->string_value() != row.key[0].bytes()) {
    return Status::InvalidArgument(Where(doc, row) + ": doc's \"id\" is not the row's key");
  }
  return obj;
}

// The rows in the order their `after` columns chain them (files_doc.h).
std::vector<const SourceRow*> ChainOrder(const Document& doc) {
  std::map<std::string, const SourceRow*> by_id;  // key order
  for (const auto& [k, row] : doc.rows) by_id[row.key[0].bytes()] = &row;
  std::map<std::string, std::vector<const SourceRow*>> next;  // after -> rows, key order
  std::vector<const SourceRow*> first, heads;  // after nothing; after an id not there
  for (const auto& [k, row] : doc.rows) {
    const Value& after = row.record[1];
    if (after.type() == ValueType::kText && by_id.count(after.bytes())) {
      next[after.bytes()].push_back(&row);
    } else {
      (after.is_null() ? first : heads).push_back(&row);
    }
  }
  heads.insert(heads.begin(), first.begin(), first.end());
  std::vector<const SourceRow*> out;
  std::set<const SourceRow*> done;
  auto walk = [&](const SourceRow* head) {
    std::vector<const SourceRow*> stack{head};
    while (!stack.empty()) {
      const SourceRow* r = stack.back();
      stack.pop_back();
      if (!done.insert(r).second) continue;
      out.push_back(r);
      auto it = next.find(r->key[0].bytes());
      if (it == next.end()) continue;
      for (auto s = it->second.rbegin(); s != it->second.rend(); ++s) stack.push_back(*s);
    }
  };
  for (const SourceRow* h : heads) walk(h);
  for (const auto& [id, r] : by_id) walk(r);  // rows in a cycle
  return out;
}

Result<std::string> WriteJsonArray(const Document& doc) {
  const std::vector<const SourceRow*> rows = ChainOrder(doc);
  const int indent = doc.format.indent;
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); i++) {
    TM_ASSIGN_OR_RETURN(JsonValue obj, ObjectOf(doc, *rows[i]));
    if (i > 0) out += ",";
    if (indent > 0) out += "\n" + std::string(size_t(indent), ' ');
    out += WriteJsonAt(obj, indent, indent > 0 ? 1 : 0);
  }
  if (indent > 0 && !rows.empty()) out += "\n";
  out += "]";
  if (doc.format.newline) out += "\n";
  return out;
}

Result<std::string> WriteNdjson(const Document& doc) {
  std::string out;
  size_t n = 0;
  for (const auto& [k, row] : doc.rows) {  // key order: line order
    if (!IsBytes(row.record[1])) {
      return Status::InvalidArgument(Where(doc, row) + ": doc is not JSON text");
    }
    if (n++ > 0) out += "\n";
    out += row.record[1].bytes();
  }
  if (doc.format.newline && n > 0) out += "\n";
  return out;
}

}  // namespace

Result<std::string> WriteStructured(const Document& doc) {
  for (const auto& [k, row] : doc.rows) TM_RETURN_IF_ERROR(CheckRow(doc, row));
  switch (doc.format.kind) {
    case DocKind::kJsonArray:
      return WriteJsonArray(doc);
    case DocKind::kNdjson:
      return WriteNdjson(doc);
    case DocKind::kCsv:
      return WriteCsv(doc);
    default:
      return Status::Internal("WriteStructured on a file table");
  }
}

Result<std::map<std::string, std::string>> DocumentFiles(const Document& doc) {
  std::map<std::string, std::string> out;
  if (doc.format.kind != DocKind::kFile && doc.format.kind != DocKind::kFolder) {
    TM_ASSIGN_OR_RETURN(out[doc.format.path], WriteStructured(doc));
    return out;
  }
  for (const auto& [k, row] : doc.rows) {
    TM_RETURN_IF_ERROR(CheckRow(doc, row));
    const std::string& rel = row.record[0].bytes();
    const std::string path =
        doc.format.kind == DocKind::kFile ? doc.format.path : doc.format.path + "/" + rel;
    out[path] = row.record[1].bytes();
  }
  return out;
}

Status CheckRow(const Document& doc, const SourceRow& row) {
  if (row.record.size() != doc.schema.columns.size() || row.key.size() != 1 ||
      row.key[0] != row.record[0]) {
    return Status::InvalidArgument(
        "a row of table " + doc.schema.name + " does not have its columns (" +
        std::to_string(doc.schema.columns.size()) + " values, key first)");
  }
  switch (doc.format.kind) {
    case DocKind::kJsonArray:
      return ObjectOf(doc, row).status();
    case DocKind::kNdjson:
      if (!IsBytes(row.record[1]) || !ParseJson(row.record[1].bytes()).ok()) {
        return Status::InvalidArgument(Where(doc, row) + ": doc is not JSON");
      }
      return Status::OK();
    case DocKind::kCsv:
      return Status::OK();
    case DocKind::kFile:
    case DocKind::kFolder: {
      const Value& p = row.record[0];
      const bool path_ok = p.type() == ValueType::kText &&
                           (doc.format.kind == DocKind::kFile ? p.bytes() == doc.format.path
                                                              : SafeRelative(p.bytes()));
      if (!path_ok) return Status::InvalidArgument(Where(doc, row) + ": not a path of this table");
      if (!IsBytes(row.record[1])) {
        return Status::InvalidArgument(Where(doc, row) + ": content is not bytes");
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace tidemark::files
