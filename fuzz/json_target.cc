// The json fuzz target: ParseJson accepts exactly what a rewrite with
// JsonWriter reads back the same, JsonWriter::Quote always yields JSON the
// parser reads back, and a drill report (ops/drill_report.h) read from JSON
// writes and renders consistently. See README.md in this folder.
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/json_parse.h"
#include "config/config.h"
#include "ops/drill/drill_report.h"
#include "targets.h"

namespace tidemark::fuzz {
namespace {

// ---- json ----

// Rewrites a parsed value with JsonWriter: integers with Int, other numbers
// with Double (so the writer's number format is checked too).
void WriteJson(const JsonValue& v, JsonWriter* w) {
  switch (v.type()) {
    case JsonValue::kNull:
      w->Null();
      break;
    case JsonValue::kBool:
      w->Bool(v.bool_value());
      break;
    case JsonValue::kNumber:
      if (v.is_integer()) {
        w->Int(v.int_value());
      } else {
        w->Double(v.double_value());
      }
      break;
    case JsonValue::kString:
      w->String(v.string_value());
      break;
    case JsonValue::kArray:
      w->BeginArray();
      for (const JsonValue& e : v.array()) WriteJson(e, w);
      w->EndArray();
      break;
    case JsonValue::kObject:
      w->BeginObject();
      for (const auto& [k, e] : v.members()) {
        w->Key(k);
        WriteJson(e, w);
      }
      w->EndObject();
      break;
  }
}

// Numbers are equal by int value when both are integers, else by the bits of
// their double ("1.0" is rewritten as 1, "-0.0" as -0).
bool SameJson(const JsonValue& a, const JsonValue& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case JsonValue::kNull:
      return true;
    case JsonValue::kBool:
      return a.bool_value() == b.bool_value();
    case JsonValue::kNumber:
      if (a.is_integer() && b.is_integer()) return a.int_value() == b.int_value();
      return std::bit_cast<uint64_t>(a.double_value()) == std::bit_cast<uint64_t>(b.double_value());
    case JsonValue::kString:
      return a.string_value() == b.string_value();
    case JsonValue::kArray:
      return std::equal(a.array().begin(), a.array().end(), b.array().begin(), b.array().end(),
                        SameJson);
    case JsonValue::kObject:
      return std::equal(a.members().begin(), a.members().end(), b.members().begin(),
                        b.members().end(), [](const auto& x, const auto& y) {
                          return x.first == y.first && SameJson(x.second, y.second);
                        });
  }
  return false;
}

// A number's text is what the document held, and a parsed string is UTF-8.
void CheckJson(const JsonValue& v) {
  if (v.is_number()) {
    FUZZ_CHECK(!v.number_text().empty() && std::isfinite(v.double_value()));
  } else if (v.is_array()) {
    for (const JsonValue& e : v.array()) CheckJson(e);
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.members()) CheckJson(e);
  }
}

// A rejection is InvalidArgument; an accepted document, rewritten, parses
// to an equal DOM.
}  // namespace

bool JsonDocument(std::string_view p) {
  auto doc = ParseJson(p);
  if (!doc.ok()) {
    FUZZ_CHECK(doc.status().IsInvalidArgument());
    return false;
  }
  CheckJson(*doc);
  JsonWriter w;
  WriteJson(*doc, &w);
  auto again = ParseJson(w.str());
  // Name the parse error of the rewrite before aborting: it is a JsonWriter bug.
  if (!again.ok()) std::fprintf(stderr, "rewritten: %s\n", again.status().ToString().c_str());
  FUZZ_CHECK(again.ok() && SameJson(*again, *doc));
  return true;
}

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629), or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  const size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
  if (n == 0 || i + n > s.size()) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  const unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
  const unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
  if (c1 < lo || c1 > hi) return 0;
  for (size_t k = 2; k < n; k++) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

// JsonWriter::Quote always makes a JSON string; it reads back as the input,
// each byte that is not part of valid UTF-8 becoming U+00XX.
bool JsonQuote(std::string_view p) {
  std::string expected;
  for (size_t i = 0; i < p.size();) {
    const size_t n = Utf8Length(p, i);
    if (n > 0) {
      expected.append(p.substr(i, n));
      i += n;
      continue;
    }
    const auto c = static_cast<unsigned char>(p[i++]);
    expected.push_back(static_cast<char>(0xc0 | (c >> 6)));
    expected.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
  auto v = ParseJson(JsonWriter::Quote(p));
  FUZZ_CHECK(v.ok() && v->is_string() && v->string_value() == expected);
  return true;
}

// ---- drill reports ----

namespace {

size_t Count(std::string_view s, std::string_view what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string_view::npos; at = s.find(what, at + 1)) n++;
  return n;
}

// `r` with every text field empty: renders to as many Markdown lines as `r`
// when escaping keeps each cell and heading on one line.
DrillReport Blanked(DrillReport r) {
  for (std::string* s :
       {&r.plan, &r.source, &r.snapshot_choice, &r.tool_version, &r.host, &r.actor, &r.target}) {
    s->clear();
  }
  for (DrillTable& t : r.tables) t.name.clear();
  for (DrillCheck& c : r.checks) {
    c.kind.clear();
    c.name.clear();
    c.detail.clear();
  }
  return r;
}

}  // namespace

// A rejection is Corruption (Unsupported for a newer version); an accepted
// report writes JSON that reads back to a report writing the same bytes; its
// HTML has one row per check and no markup from the report's text; its
// Markdown keeps every cell on one line.
// tidemark.toml through toml++ and the config layer: any text either parses
// or is one InvalidArgument line naming the file; an accepted config keeps
// the invariants the commands rely on.
bool TomlConfigMode(std::string_view p) {
  auto cfg = ParseConfig(p, "fuzz.toml");
  if (!cfg.ok()) {
    FUZZ_CHECK(cfg.status().IsInvalidArgument());
    FUZZ_CHECK(cfg.status().message().rfind("fuzz.toml:", 0) == 0);
    FUZZ_CHECK(cfg.status().message().find('\n') == std::string::npos);
    return false;
  }
  for (const SourceConfig& s : cfg->sources) {
    FUZZ_CHECK(!s.name.empty() && s.uri.rfind("sqlite:", 0) == 0);
    FUZZ_CHECK(cfg->FindSource(s.name) == &s);
  }
  for (const DrillPlan& d : cfg->drills) {
    FUZZ_CHECK(!d.name.empty() && !d.source.empty() && cfg->FindDrill(d.name) == &d);
    FUZZ_CHECK(cfg->sources.empty() || cfg->FindSource(d.source) != nullptr);
  }
  return true;
}

bool DrillReportMode(std::string_view p) {
  auto r = DrillReportFromJson(p, "fuzz drill report");
  if (!r.ok()) {
    FUZZ_CHECK(r.status().IsCorruption() || r.status().code() == Status::Code::kUnsupported);
    return false;
  }
  const std::string json = DrillReportToJson(*r);
  auto again = DrillReportFromJson(json, "re-encoded drill report");
  if (!again.ok()) std::fprintf(stderr, "re-encoded: %s\n", again.status().ToString().c_str());
  FUZZ_CHECK(again.ok() && DrillReportToJson(*again) == json);
  const std::string html = RenderDrillHtml(*r);
  FUZZ_CHECK(Count(html, " data-kind=\"") == r->checks.size());
  FUZZ_CHECK(Count(html, "<script") == 0 && Count(html, "id=\"verdict\"") == 1);
  const std::string md = RenderDrillMarkdown(*r);
  FUZZ_CHECK(Count(md, "\n") == Count(RenderDrillMarkdown(Blanked(*r)), "\n"));
  FUZZ_CHECK(Count(md, "\r") == 0);
  return true;
}

}  // namespace tidemark::fuzz
