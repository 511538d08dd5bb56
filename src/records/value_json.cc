#include "records/value_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/hex.h"
#include "base/json_parse.h"
#include "records/encoding.h"
#include "records/typed_values.h"

namespace tidemark {
namespace {

// SQLite's type affinity of a declared type (sqlite.org/datatype3.html §3.1).
enum class Affinity { kInteger, kText, kBlob, kReal, kNumeric };

Affinity AffinityOf(std::string decl) {
  std::transform(decl.begin(), decl.end(), decl.begin(), ::toupper);
  auto has = [&](const char* s) { return decl.find(s) != std::string::npos; };
  if (has("INT")) return Affinity::kInteger;
  if (has("CHAR") || has("CLOB") || has("TEXT")) return Affinity::kText;
  if (has("BLOB") || decl.empty()) return Affinity::kBlob;
  if (has("REAL") || has("FLOA") || has("DOUB")) return Affinity::kReal;
  return Affinity::kNumeric;
}

Result<Value> FromJson(const JsonValue& j) {
  switch (j.type()) {
    case JsonValue::kNull:
      return Value::Null();
    case JsonValue::kNumber:
      return j.is_integer() ? Value::Integer(j.int_value()) : Value::Real(j.double_value());
    case JsonValue::kString:
      return Value::Text(j.string_value());
    case JsonValue::kObject: {
      const JsonValue* hex = j.Find("base16");
      if (hex && hex->is_string()) {
        std::string bytes;
        if (HexDecode(hex->string_value(), &bytes)) return Value::Blob(bytes);
      }
      break;
    }
    default:
      break;
  }
  return Status::InvalidArgument(
      "a key part must be a number, a string, null or {\"base16\": \"<hex>\"}");
}

Value FromText(Affinity a, std::string_view text) {
  if (a != Affinity::kText) {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && p == text.data() + text.size()) return Value::Integer(i);
    double d = 0;
    auto [q, ec2] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec2 == std::errc() && q == text.data() + text.size() && a != Affinity::kBlob) {
      return Value::Real(d);
    }
  }
  return Value::Text(std::string(text));
}

// json/jsonb embedded as JSON when it parses (line breaks, which valid JSON
// has only between tokens, become spaces so NDJSON stays one line), else as
// {"json_text": "..."}.
void WriteJsonText(JsonWriter* w, const std::string& text) {
  if (!ParseJson(text).ok()) {
    w->BeginObject().Field("json_text", text).EndObject();
    return;
  }
  std::string one_line = text;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  std::replace(one_line.begin(), one_line.end(), '\r', ' ');
  w->Raw(one_line);
}

void WriteArrayBody(JsonWriter* w, const ArrayValue& a, size_t dim, size_t* next) {
  w->BeginArray();
  for (int32_t i = 0; i < a.lengths[dim]; i++) {
    if (dim + 1 < a.lengths.size()) {
      WriteArrayBody(w, a, dim + 1, next);
    } else {
      WriteValueJson(w, a.elements[(*next)++]);
    }
  }
  w->EndArray();
}

// Nested JSON arrays; with lower bounds other than 1,
// {"lower_bounds": [...], "elements": nested}.
void WriteArrayJson(JsonWriter* w, const Value& v) {
  auto a = ArrayOf(v);
  if (!a.ok()) {
    w->String(TypedValueText(v));
    return;
  }
  if (a->lengths.empty()) {
    w->BeginArray().EndArray();
    return;
  }
  bool default_bounds = true;
  for (int32_t lb : a->lower_bounds) default_bounds &= lb == 1;
  size_t next = 0;
  if (default_bounds) return WriteArrayBody(w, *a, 0, &next);
  w->BeginObject().Key("lower_bounds").BeginArray();
  for (int32_t lb : a->lower_bounds) w->Int(lb);
  w->EndArray().Key("elements");
  WriteArrayBody(w, *a, 0, &next);
  w->EndObject();
}

// The v2 kinds (records.md §7): a finite numeric as a JSON number with its
// exact digits, json/jsonb embedded, arrays nested, an enum's label, a
// domain as its base value, the others as their text form.
void WriteTypedJson(JsonWriter* w, const Value& v) {
  switch (v.type()) {
    case ValueType::kNumeric: {
      const std::string& t = v.bytes();
      if (t == "NaN" || t == "Infinity" || t == "-Infinity") {
        w->String(t);
      } else {
        w->Raw(t);
      }
      return;
    }
    case ValueType::kJson:
    case ValueType::kJsonb:
      return WriteJsonText(w, v.bytes());
    case ValueType::kArray:
      return WriteArrayJson(w, v);
    case ValueType::kDomain: {
      auto d = DomainOf(v);
      if (d.ok()) return WriteValueJson(w, d->base);
      break;
    }
    default:
      break;
  }
  w->String(TypedValueText(v));
}

}  // namespace

void WriteValueJson(JsonWriter* w, const Value& v) {
  if (v.ref()) {
    auto ref = LargeValue::Decode(v.bytes());
    w->BeginObject().Field("out_of_line", ValueTypeName(v.type()));
    w->Field("length", ref.ok() ? ref->length : uint64_t{0}).EndObject();
    return;
  }
  switch (v.type()) {
    case ValueType::kNull:
      w->Null();
      break;
    case ValueType::kInteger:
      w->Int(v.integer());
      break;
    case ValueType::kReal:
      if (std::isfinite(v.real())) {
        w->Double(v.real());
      } else {
        w->String(ValueToDisplay(v));
      }
      break;
    case ValueType::kText:
      w->String(v.bytes());
      break;
    case ValueType::kBlob:
      w->BeginObject().Field("base16", HexEncode(v.bytes())).EndObject();
      break;
    default:
      WriteTypedJson(w, v);
      break;
  }
}

std::string KeyToDisplay(const std::vector<Value>& key) {
  if (key.size() == 1 && key[0].type() != ValueType::kBlob && key[0].type() != ValueType::kNull) {
    return ValueToDisplay(key[0]);
  }
  JsonWriter w;
  w.BeginArray();
  for (const Value& v : key) WriteValueJson(&w, v);
  w.EndArray();
  return w.str();
}

namespace {

// A part typed as a number or a string, read as the kind of `like`.
Result<Value> TypedPart(const TableSchema& table, size_t i, const Value& like, const Value& v) {
  std::string text;
  if (v.type() == ValueType::kText) {
    text = v.bytes();
  } else if (v.type() == ValueType::kInteger) {
    text = std::to_string(v.integer());
  } else if (v.type() == ValueType::kReal) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.real());
    text.assign(buf, ec == std::errc() ? end : buf);
  } else {
    return v;  // null, a blob: as given
  }
  Result<Value> typed = TypedValueFromText(like, text);
  if (typed.ok()) return typed;
  const std::vector<std::string> names = table.KeyNames();
  const std::string name = i < names.size() ? names[i] : "key";
  return Status::InvalidArgument("key part " + std::to_string(i + 1) + " (" + name + ", " +
                                 ValueTypeName(like.type()) + ") \"" + text +
                                 "\": " + typed.status().message());
}

}  // namespace

Result<std::vector<Value>> ParseKey(const TableSchema& table, std::string_view text,
                                    const std::vector<Value>* like) {
  const size_t parts = table.key_columns.empty() ? 1 : table.key_columns.size();
  std::vector<Value> out;
  if (!text.empty() && text[0] == '[') {
    TM_ASSIGN_OR_RETURN(JsonValue j, ParseJson(text));
    for (const JsonValue& e : j.array()) {
      TM_ASSIGN_OR_RETURN(Value v, FromJson(e));
      out.push_back(std::move(v));
    }
  } else if (parts == 1) {
    const Affinity a = table.key_columns.empty()
                           ? Affinity::kInteger
                           : AffinityOf(table.columns[table.key_columns[0]].decl_type);
    out.push_back(FromText(a, text));
  }
  if (out.size() != parts) {
    std::string names;
    for (const std::string& n : table.KeyNames()) names += (names.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("table " + table.name + " is keyed by (" + names +
                                   "): give the key as a JSON array of " + std::to_string(parts) +
                                   " values, e.g. '[1,\"abc\"]'");
  }
  for (size_t i = 0; like != nullptr && i < out.size() && i < like->size(); i++) {
    const ValueType kind = (*like)[i].type();
    if (static_cast<uint8_t>(kind) <= static_cast<uint8_t>(ValueType::kBlob)) continue;
    TM_ASSIGN_OR_RETURN(out[i], TypedPart(table, i, (*like)[i], out[i]));
  }
  return out;
}

}  // namespace tidemark
