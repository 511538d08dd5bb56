#include "base/json_parse.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdio>
#include <optional>
#include <system_error>
#include <unordered_map>

#include "base/json.h"

namespace tidemark {

// ---------------------------------------------------------------------------
// JsonValue accessors

const char* JsonValue::TypeName(Type type) {
  switch (type) {
    case kNull:
      return "null";
    case kBool:
      return "boolean";
    case kNumber:
      return "number";
    case kString:
      return "string";
    case kArray:
      return "array";
    case kObject:
      return "object";
  }
  return "unknown";
}

bool JsonValue::bool_value() const {
  assert(is_bool());
  return bool_;
}

const std::string& JsonValue::number_text() const {
  assert(is_number());
  return text_;
}

bool JsonValue::is_integer() const {
  assert(is_number());
  return is_integer_;
}

int64_t JsonValue::int_value() const {
  assert(is_number() && is_integer_);
  return int_;
}

double JsonValue::double_value() const {
  assert(is_number());
  return double_;
}

const std::string& JsonValue::string_value() const {
  assert(is_string());
  return text_;
}

const JsonValue::Array& JsonValue::array() const {
  assert(is_array());
  return array_;
}

const JsonValue::Object& JsonValue::members() const {
  assert(is_object());
  return members_;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Parser

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the well-formed UTF-8 sequence (RFC 3629 §4: no overlong forms,
// no surrogates, nothing above U+10FFFF) starting at s[i], or 0.
size_t ValidUtf8Length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = byte(0);
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // UTF-16 surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t k = 2; k < n; k++) {
    if (byte(k) < 0x80 || byte(k) > 0xbf) return 0;
  }
  return n;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// The power of ten of the first non-zero digit of a number that matched the
// JSON grammar ("0.05" -> -2, "12e3" -> 4), with the exponent saturated far
// beyond the range of a double. REQUIRES: some digit is not zero.
int64_t DecimalMagnitude(std::string_view num) {
  size_t i = num[0] == '-' ? 1 : 0;
  int64_t digits = 0, int_digits = -1, first_nonzero = -1;
  for (; i < num.size() && (IsDigit(num[i]) || num[i] == '.'); i++) {
    if (num[i] == '.') {
      int_digits = digits;
      continue;
    }
    if (num[i] != '0' && first_nonzero < 0) first_nonzero = digits;
    digits++;
  }
  if (int_digits < 0) int_digits = digits;
  int64_t exponent = 0;
  if (i < num.size()) {  // at 'e' or 'E'
    const bool negative = num[++i] == '-';
    if (num[i] == '-' || num[i] == '+') i++;
    for (; i < num.size(); i++) {
      exponent = std::min<int64_t>(exponent * 10 + (num[i] - '0'), 1'000'000'000);
    }
    if (negative) exponent = -exponent;
  }
  return int_digits - 1 - first_nonzero + exponent;
}

// Finds an earlier member with the same key: a linear scan while the object
// is small, a hash map once it has kLinearLimit members.
class DuplicateKeys {
 public:
  // Returns the index of the member of `members` named `key`, if any, and
  // otherwise remembers that `key` will be member number members.size().
  std::optional<size_t> FindOrAdd(const JsonValue::Object& members, const std::string& key) {
    if (members.size() < kLinearLimit) {
      for (size_t i = 0; i < members.size(); i++) {
        if (members[i].first == key) return i;
      }
      return std::nullopt;
    }
    if (index_.empty()) {
      for (size_t i = 0; i < members.size(); i++) index_.emplace(members[i].first, i);
    }
    const auto [it, added] = index_.emplace(key, members.size());
    if (added) return std::nullopt;
    return it->second;
  }

 private:
  static constexpr size_t kLinearLimit = 16;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

// Recursive descent over one document. Positions are byte offsets into text_;
// Error() turns one into "line L, column C" only when a problem is reported.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  Result<JsonValue> ParseDocument() {
    if (text_.substr(0, 3) == "\xef\xbb\xbf") return Error(0, "a byte order mark is not allowed");
    JsonValue value;
    SkipWhitespace();
    TM_RETURN_IF_ERROR(ParseValue(&value, 0));
    SkipWhitespace();
    if (pos_ < text_.size()) {
      return Error(pos_, "unexpected " + Describe(pos_) + " after the JSON value");
    }
    return value;
  }

 private:
  std::string Where(size_t pos) const;
  Status Error(size_t pos, std::string_view problem) const;
  std::string Describe(size_t pos) const;
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipWhitespace();

  Status ParseValue(JsonValue* out, int depth);
  Status ParseLiteral(std::string_view word);
  Status ParseNumber(JsonValue* out);
  Status ParseString(std::string* out);
  Status ParseEscape(std::string* out);
  Status ParseHex4(size_t at, uint32_t* unit);
  Status ParseArray(JsonValue* out, int depth);
  Status ParseObject(JsonValue* out, int depth);

  std::string_view text_;
  size_t pos_ = 0;
};

// "line L, column C" of byte offset `pos`; a column counts characters.
std::string JsonParser::Where(size_t pos) const {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < pos && i < text_.size(); i++) {
    if (text_[i] == '\n') {
      line++;
      line_start = i + 1;
    }
  }
  size_t column = 1;  // count the bytes that do not continue a UTF-8 sequence
  for (size_t i = line_start; i < pos && i < text_.size(); i++) {
    if ((static_cast<unsigned char>(text_[i]) & 0xc0) != 0x80) column++;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Status JsonParser::Error(size_t pos, std::string_view problem) const {
  return Status::InvalidArgument("JSON: " + Where(pos) + ": " + std::string(problem));
}

// "end of input", "'x'", "'é'", "byte 0x01".
std::string JsonParser::Describe(size_t pos) const {
  if (pos >= text_.size()) return "end of input";
  const auto c = static_cast<unsigned char>(text_[pos]);
  const size_t n = c > 0x20 && c != 0x7f ? ValidUtf8Length(text_, pos) : 0;
  if (n > 0) return "'" + std::string(text_.substr(pos, n)) + "'";
  char buf[16];
  snprintf(buf, sizeof buf, "byte 0x%02x", c);
  return buf;
}

void JsonParser::SkipWhitespace() {
  while (!AtEnd()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    pos_++;
  }
}

Status JsonParser::ParseValue(JsonValue* out, int depth) {
  const char c = Peek();
  if ((c == '[' || c == '{') && depth >= kMaxJsonDepth) {
    return Error(pos_,
                 "nesting deeper than " + std::to_string(kMaxJsonDepth) + " arrays and objects");
  }
  switch (c) {
    case '[':
      return ParseArray(out, depth);
    case '{':
      return ParseObject(out, depth);
    case '"':
      out->type_ = JsonValue::kString;
      return ParseString(&out->text_);
    case 't':
    case 'f':
      out->type_ = JsonValue::kBool;
      out->bool_ = c == 't';
      return ParseLiteral(c == 't' ? "true" : "false");
    case 'n':
      out->type_ = JsonValue::kNull;
      return ParseLiteral("null");
    default:
      if (c == '-' || IsDigit(c)) return ParseNumber(out);
      return Error(pos_, "expected a value, found " + Describe(pos_));
  }
}

Status JsonParser::ParseLiteral(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) {
    return Error(pos_, "invalid literal (expected '" + std::string(word) + "')");
  }
  pos_ += word.size();
  return Status::OK();
}

Status JsonParser::ParseNumber(JsonValue* out) {
  const size_t start = pos_;
  bool integral = true;
  if (Peek() == '-') pos_++;
  if (Peek() == '0') {
    pos_++;
    if (IsDigit(Peek())) return Error(start, "leading zeros are not allowed in numbers");
  } else if (IsDigit(Peek())) {
    while (IsDigit(Peek())) pos_++;
  } else {
    return Error(pos_, "expected a digit after '-', found " + Describe(pos_));
  }
  if (Peek() == '.') {
    integral = false;
    pos_++;
    if (!IsDigit(Peek())) {
      return Error(pos_, "expected a digit after the decimal point, found " + Describe(pos_));
    }
    while (IsDigit(Peek())) pos_++;
  }
  if (Peek() == 'e' || Peek() == 'E') {
    integral = false;
    pos_++;
    if (Peek() == '+' || Peek() == '-') pos_++;
    if (!IsDigit(Peek())) {
      return Error(pos_, "expected a digit in the exponent, found " + Describe(pos_));
    }
    while (IsDigit(Peek())) pos_++;
  }

  const std::string_view num = text_.substr(start, pos_ - start);
  const char* last = num.data() + num.size();
  out->type_ = JsonValue::kNumber;
  out->text_ = num;
  // from_chars is locale-independent; the grammar above already matched the
  // whole number, so only the range can fail.
  out->is_integer_ = integral && std::from_chars(num.data(), last, out->int_).ec == std::errc();
  const auto [ptr, ec] = std::from_chars(num.data(), last, out->double_);
  if (ec == std::errc::result_out_of_range) {
    if (DecimalMagnitude(num) >= 0) return Error(start, "number too large for a double");
    out->double_ = num[0] == '-' ? -0.0 : 0.0;  // underflow
  } else if (ec != std::errc() || ptr != last) {
    return Error(start, "internal error: could not convert a number");
  }
  return Status::OK();
}

Status JsonParser::ParseString(std::string* out) {
  const size_t start = pos_++;  // the opening quote
  while (true) {
    size_t plain = pos_;  // copy runs of printable ASCII at once
    while (plain < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[plain]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      plain++;
    }
    out->append(text_.substr(pos_, plain - pos_));
    pos_ = plain;
    if (AtEnd()) return Error(start, "unterminated string");
    const auto c = static_cast<unsigned char>(text_[pos_]);
    char buf[80];
    if (c == '"') {
      pos_++;
      return Status::OK();
    } else if (c == '\\') {
      if (pos_ + 1 >= text_.size()) return Error(start, "unterminated string");
      TM_RETURN_IF_ERROR(ParseEscape(out));
    } else if (c < 0x20) {
      snprintf(buf, sizeof buf, "control character U+%04X in a string (it must be escaped)", c);
      return Error(pos_, buf);
    } else {
      const size_t n = ValidUtf8Length(text_, pos_);
      if (n == 0) {
        snprintf(buf, sizeof buf, "invalid UTF-8 in a string (sequence starting with byte 0x%02x)",
                 c);
        return Error(pos_, buf);
      }
      out->append(text_.substr(pos_, n));
      pos_ += n;
    }
  }
}

// At a backslash followed by at least one byte: appends the escaped character
// as UTF-8.
Status JsonParser::ParseEscape(std::string* out) {
  const size_t at = pos_;
  const char e = text_[pos_ + 1];
  pos_ += 2;
  switch (e) {
    case '"':
    case '\\':
    case '/':
      out->push_back(e);
      return Status::OK();
    case 'b':
      out->push_back('\b');
      return Status::OK();
    case 'f':
      out->push_back('\f');
      return Status::OK();
    case 'n':
      out->push_back('\n');
      return Status::OK();
    case 'r':
      out->push_back('\r');
      return Status::OK();
    case 't':
      out->push_back('\t');
      return Status::OK();
    case 'u':
      break;
    default:
      return Error(at, "invalid escape: '\\' followed by " + Describe(at + 1));
  }
  uint32_t unit;
  TM_RETURN_IF_ERROR(ParseHex4(at, &unit));
  uint32_t code_point = unit;
  if (unit >= 0xd800 && unit <= 0xdfff) {  // UTF-16 surrogate: must be a high + low pair
    uint32_t low = 0;
    const bool paired = unit <= 0xdbff && text_.substr(pos_, 2) == "\\u";
    if (paired) {
      pos_ += 2;
      TM_RETURN_IF_ERROR(ParseHex4(pos_ - 2, &low));
    }
    if (!paired || low < 0xdc00 || low > 0xdfff) {
      return Error(at, "unpaired UTF-16 surrogate '" + std::string(text_.substr(at, 6)) + "'");
    }
    code_point = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  }
  AppendUtf8(code_point, out);
  return Status::OK();
}

// Reads the 4 hex digits at pos_ of the \u escape that starts at `at`.
Status JsonParser::ParseHex4(size_t at, uint32_t* unit) {
  *unit = 0;
  for (int k = 0; k < 4; k++, pos_++) {
    const int v = AtEnd() ? -1 : HexDigitValue(text_[pos_]);
    if (v < 0) return Error(at, "invalid \\u escape: expected 4 hex digits");
    *unit = *unit * 16 + static_cast<uint32_t>(v);
  }
  return Status::OK();
}

Status JsonParser::ParseArray(JsonValue* out, int depth) {
  pos_++;  // '['
  out->type_ = JsonValue::kArray;
  SkipWhitespace();
  if (Peek() == ']') {
    pos_++;
    return Status::OK();
  }
  while (true) {
    SkipWhitespace();
    if (Peek() == ']' && !out->array_.empty()) return Error(pos_, "trailing comma before ']'");
    out->array_.emplace_back();
    TM_RETURN_IF_ERROR(ParseValue(&out->array_.back(), depth + 1));
    SkipWhitespace();
    if (Peek() == ']') {
      pos_++;
      return Status::OK();
    }
    if (Peek() != ',') {
      return Error(pos_, "expected ',' or ']' after an array element, found " + Describe(pos_));
    }
    pos_++;
  }
}

Status JsonParser::ParseObject(JsonValue* out, int depth) {
  pos_++;  // '{'
  out->type_ = JsonValue::kObject;
  SkipWhitespace();
  if (Peek() == '}') {
    pos_++;
    return Status::OK();
  }
  DuplicateKeys duplicates;
  std::vector<size_t> key_positions;  // for "first at line L, column C"
  while (true) {
    SkipWhitespace();
    if (Peek() == '}' && !out->members_.empty()) return Error(pos_, "trailing comma before '}'");
    if (Peek() != '"') return Error(pos_, "expected a string key, found " + Describe(pos_));
    const size_t key_pos = pos_;
    std::string key;
    TM_RETURN_IF_ERROR(ParseString(&key));
    if (const auto first = duplicates.FindOrAdd(out->members_, key)) {
      return Error(key_pos, "duplicate key " + JsonWriter::Quote(key) + " (first at " +
                                Where(key_positions[*first]) + ")");
    }
    key_positions.push_back(key_pos);
    SkipWhitespace();
    if (Peek() != ':') return Error(pos_, "expected ':' after the key, found " + Describe(pos_));
    pos_++;
    SkipWhitespace();
    out->members_.emplace_back(std::move(key), JsonValue());
    TM_RETURN_IF_ERROR(ParseValue(&out->members_.back().second, depth + 1));
    SkipWhitespace();
    if (Peek() == '}') {
      pos_++;
      return Status::OK();
    }
    if (Peek() != ',') {
      return Error(pos_, "expected ',' or '}' after an object member, found " + Describe(pos_));
    }
    pos_++;
  }
}

Result<JsonValue> ParseJson(std::string_view text) { return JsonParser(text).ParseDocument(); }

}  // namespace tidemark
