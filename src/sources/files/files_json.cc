#include "sources/files/files_json.h"

namespace tidemark::files {
namespace {

void Write(const JsonValue& v, int indent, int depth, std::string* out);

void NewLine(int indent, int depth, std::string* out) {
  if (indent == 0) return;
  out->push_back('\n');
  out->append(size_t(indent) * size_t(depth), ' ');
}

void WriteArray(const JsonValue& v, int indent, int depth, std::string* out) {
  if (v.array().empty()) {
    out->append("[]");
    return;
  }
  out->push_back('[');
  bool first = true;
  for (const JsonValue& e : v.array()) {
    if (!first) out->push_back(',');
    first = false;
    NewLine(indent, depth + 1, out);
    Write(e, indent, depth + 1, out);
  }
  NewLine(indent, depth, out);
  out->push_back(']');
}

void WriteObject(const JsonValue& v, int indent, int depth, std::string* out) {
  if (v.members().empty()) {
    out->append("{}");
    return;
  }
  out->push_back('{');
  bool first = true;
  for (const auto& [key, value] : v.members()) {
    if (!first) out->push_back(',');
    first = false;
    NewLine(indent, depth + 1, out);
    out->append(QuoteJson(key));
    out->append(indent == 0 ? ":" : ": ");
    Write(value, indent, depth + 1, out);
  }
  NewLine(indent, depth, out);
  out->push_back('}');
}

void Write(const JsonValue& v, int indent, int depth, std::string* out) {
  switch (v.type()) {
    case JsonValue::kNull:
      out->append("null");
      return;
    case JsonValue::kBool:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case JsonValue::kNumber:
      out->append(v.number_text());
      return;
    case JsonValue::kString:
      out->append(QuoteJson(v.string_value()));
      return;
    case JsonValue::kArray:
      WriteArray(v, indent, depth, out);
      return;
    case JsonValue::kObject:
      WriteObject(v, indent, depth, out);
      return;
  }
}

}  // namespace

std::string QuoteJson(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string WriteJson(const JsonValue& v, int indent) { return WriteJsonAt(v, indent, 0); }

std::string WriteJsonAt(const JsonValue& v, int indent, int depth) {
  std::string out;
  Write(v, indent, depth, &out);
  return out;
}

}  // namespace tidemark::files
