#include "sources/sqlite/sqlite_affinity.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "base/ascii.h"

namespace tidemark {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v';
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// One token of SQL text: a word (keyword, bare name, number), a quoted name
// or string, or one punctuation character. Spaces and comments are skipped.
struct Token {
  size_t begin, end;
  char kind;  // 'w' word, 'q' quoted, 'p' punctuation
};

// Skips a quoted token starting at sql[i]; returns its end or npos.
size_t QuotedEnd(std::string_view sql, size_t i) {
  const char close = sql[i] == '[' ? ']' : sql[i];
  for (size_t j = i + 1; j < sql.size(); j++) {
    if (sql[j] != close) continue;
    if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
      j++;  // a doubled quote
      continue;
    }
    return j + 1;
  }
  return std::string_view::npos;
}

std::optional<std::vector<Token>> Tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (IsSpace(c)) {
      i++;
    } else if (sql.substr(i, 2) == "--") {
      i = std::min(sql.find('\n', i), sql.size());
    } else if (sql.substr(i, 2) == "/*") {
      const size_t e = sql.find("*/", i + 2);
      i = e == std::string_view::npos ? sql.size() : e + 2;
    } else if (c == '"' || c == '\'' || c == '`' || c == '[') {
      const size_t e = QuotedEnd(sql, i);
      if (e == std::string_view::npos) return std::nullopt;
      out.push_back({i, e, 'q'});
      i = e;
    } else if (IsWordChar(c)) {
      size_t e = i;
      while (e < sql.size() && IsWordChar(sql[e])) e++;
      out.push_back({i, e, 'w'});
      i = e;
    } else {
      out.push_back({i, i + 1, 'p'});
      i++;
    }
  }
  return out;
}

// A name token without its quotes (doubled quotes undone).
std::string Dequote(std::string_view tok) {
  if (tok.empty() || (tok[0] != '"' && tok[0] != '`' && tok[0] != '[' && tok[0] != '\'')) {
    return std::string(tok);
  }
  const char close = tok[0] == '[' ? ']' : tok[0];
  std::string out;
  for (size_t i = 1; i + 1 < tok.size(); i++) {
    out.push_back(tok[i]);
    if (close != ']' && tok[i] == close) i++;
  }
  return out;
}

bool IsOneOf(std::string_view word, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return EqualsIgnoreCase(word, w); });
}

// Words that end a column's type (the column constraints of SQLite's grammar).
bool EndsType(std::string_view sql, const Token& t) {
  return t.kind == 'w' && IsOneOf(sql.substr(t.begin, t.end - t.begin),
                                  {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                                   "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"});
}

// The byte range of the type in one column definition (tokens [b, e) of
// `toks`, the first being the column name); empty when it has no type.
std::pair<size_t, size_t> TypeRange(std::string_view sql, const std::vector<Token>& toks, size_t b,
                                    size_t e) {
  size_t i = b + 1, last = b;
  while (i < e && !EndsType(sql, toks[i])) {
    if (toks[i].kind == 'p' && sql[toks[i].begin] != '(') break;
    if (toks[i].kind == 'p') {  // "(10, 2)": to the matching ")"
      int depth = 0;
      for (; i < e; i++) {
        if (toks[i].kind != 'p') continue;
        const char c = sql[toks[i].begin];
        depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
        if (depth == 0) break;
      }
      if (i == e) return {0, 0};
    }
    last = i++;
  }
  return last == b ? std::pair<size_t, size_t>{0, 0} : std::pair{toks[b + 1].begin, toks[last].end};
}

}  // namespace

Affinity AffinityOf(std::string_view decl_type) {
  std::string up;
  for (char c : decl_type) up.push_back(c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c);
  auto has = [&](std::string_view s) { return up.find(s) != std::string::npos; };
  if (has("INT")) return Affinity::kInteger;
  if (has("CHAR") || has("CLOB") || has("TEXT")) return Affinity::kText;
  if (has("BLOB") || up.empty()) return Affinity::kBlob;
  if (has("REAL") || has("FLOA") || has("DOUB")) return Affinity::kReal;
  return Affinity::kNumeric;
}

bool AffinityChanges(const Value& v, Affinity a, sqlite3_stmt* probe) {
  switch (v.type()) {
    case ValueType::kNull:
    case ValueType::kBlob:
      return false;
    case ValueType::kInteger:
      // (An integer in a REAL column always reads back as a real, so a
      // reader never returns one; it is not a change to undo.)
      return a == Affinity::kText;
    case ValueType::kReal: {
      if (a == Affinity::kText) return true;
      if (a != Affinity::kInteger && a != Affinity::kNumeric) return false;
      // sqlite3VdbeIntegerAffinity: a real holding an integer becomes one.
      const double r = v.real();
      if (!(r > -9223372036854775808.0 && r < 9223372036854775808.0)) return false;
      const int64_t i = static_cast<int64_t>(r);
      return static_cast<double>(i) == r && i != INT64_MIN && i != INT64_MAX;
    }
    case ValueType::kText:
      break;
    default:
      return false;  // not a SQLite value: the writer refuses it
  }
  if (a == Affinity::kText || a == Affinity::kBlob) return false;
  // Only a text that may be a number needs SQLite's answer.
  const std::string& s = v.bytes();
  const size_t first = std::find_if_not(s.begin(), s.end(), IsSpace) - s.begin();
  if (first == s.size() || !(std::isdigit(static_cast<unsigned char>(s[first])) ||
                             s[first] == '+' || s[first] == '-' || s[first] == '.')) {
    return false;
  }
  sqlite3_reset(probe);
  sqlite3_bind_text64(probe, 1, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
  bool numeric = false;
  if (sqlite3_step(probe) == SQLITE_ROW) {
    sqlite3_value* copy = sqlite3_value_dup(sqlite3_column_value(probe, 0));
    numeric = copy != nullptr && sqlite3_value_numeric_type(copy) != SQLITE_TEXT;
    sqlite3_value_free(copy);
  }
  sqlite3_reset(probe);
  sqlite3_clear_bindings(probe);
  return numeric;
}

std::optional<std::string> SqlWithoutTypes(const TableSchema& t, const std::vector<bool>& strip) {
  const std::string_view sql = t.sql;
  auto toks = Tokenize(sql);
  if (!toks) return std::nullopt;
  size_t i = 0;
  while (i < toks->size() && !((*toks)[i].kind == 'p' && sql[(*toks)[i].begin] == '(')) i++;
  if (i == toks->size()) return std::nullopt;  // CREATE TABLE ... AS SELECT is stored expanded
  std::vector<std::pair<size_t, size_t>> cuts;
  size_t column = 0, start = ++i;
  int depth = 1;
  for (; i < toks->size() && depth > 0; i++) {
    const Token& tok = (*toks)[i];
    const char c = tok.kind == 'p' ? sql[tok.begin] : '\0';
    depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
    if (!((c == ',' && depth == 1) || depth == 0)) continue;
    // Tokens [start, i) are one column or table constraint.
    if (start == i) return std::nullopt;
    const Token& first = (*toks)[start];
    const std::string_view word = sql.substr(first.begin, first.end - first.begin);
    if (!(first.kind == 'w' &&
          IsOneOf(word, {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}))) {
      if (column >= t.columns.size() || !EqualsIgnoreCase(Dequote(word), t.columns[column].name)) {
        return std::nullopt;
      }
      const auto range = TypeRange(sql, *toks, start, i);
      if (column < strip.size() && strip[column] && range.second > range.first)
        cuts.push_back(range);
      column++;
    }
    start = i + 1;
  }
  if (depth != 0 || column != t.columns.size()) return std::nullopt;
  std::string out(sql);
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    out.erase(it->first, it->second - it->first);
  }
  return out;
}

}  // namespace tidemark
