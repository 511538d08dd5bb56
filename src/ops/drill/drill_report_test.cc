// The drill report's JSON document (drills.md §2): an exact round trip, the
// errors a reader gives for each malformed field, and the Markdown and HTML
// renderings (escaping, one row per check, the verdict).
#include "ops/drill/drill_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "base/json.h"
#include "base/json_parse.h"

namespace tidemark {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRunId[] = "3fa1c0de00112233445566778899aabb";
constexpr char kWhat[] = "drill report 3fa1c0de0011";

DrillCheck Check(std::string kind, std::string name, CheckOutcome o, std::string detail,
                 uint64_t us) {
  return DrillCheck{std::move(kind), std::move(name), o, std::move(detail), us};
}

// Every field set, with values that test the edges of their types.
DrillReport FullReport() {
  DrillReport r;
  r.run_id = kRunId;
  r.plan = "monthly \"smoke\"";
  r.source = "crm – Zürich";
  r.snapshot_id = std::string(64, 'e');
  r.snapshot_choice = "random";
  r.snapshot_time_us = -1000000;  // before 1970: int64, not uint64
  r.started_us = 1767225600000000;
  r.finished_us = std::numeric_limits<int64_t>::max();
  r.tool_version = "0.1.0";
  r.host = "db-1";
  r.actor = "auditor";
  r.target = "/tmp/drill-x/crm.sqlite";
  r.target_kept = true;
  r.rotated = true;
  r.source_uri = "sqlite:/srv/crm.db";
  r.source_owner = "sales-ops@example.com";
  r.source_domain = "sales";
  r.source_sensitivity = "confidential";
  r.repository_id = std::string(32, 'a');
  r.plan_definition = {"source = crm", "rto = 5 min"};
  r.tables = {{"orders", 1200},
              {"customers", 0},
              {"big", std::numeric_limits<uint64_t>::max()},
              {"sqlite_sequence", 2, true}};
  r.restore_us = 1530000;
  r.checks_us = 12;
  r.rto_achieved_us = 1530012;
  r.rpo_achieved_us = std::numeric_limits<uint64_t>::max();
  r.rto_target_us = 300000000;
  r.rpo_target_us = 0;
  r.rto_target_from = "plan";
  r.rpo_target_from = "source";
  r.records_restored = 1200;
  r.bytes_restored = 1u << 20;
  r.checks = {Check("schema", "orders", CheckOutcome::kPass, "", 0),
              Check("relation", "orders.customer_id", CheckOutcome::kFail,
                    "3 orphans in orders.customer_id: 17, 18, 40", 250),
              Check("baseline", "customers", CheckOutcome::kSkip, "no previous passing drill", 1)};
  return r;
}

void ExpectSameReport(const DrillReport& a, const DrillReport& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.plan, b.plan);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.snapshot_id, b.snapshot_id);
  EXPECT_EQ(a.snapshot_choice, b.snapshot_choice);
  EXPECT_EQ(a.snapshot_time_us, b.snapshot_time_us);
  EXPECT_EQ(a.started_us, b.started_us);
  EXPECT_EQ(a.finished_us, b.finished_us);
  EXPECT_EQ(a.tool_version, b.tool_version);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.actor, b.actor);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.target_kept, b.target_kept);
  EXPECT_EQ(a.rotated, b.rotated);
  ASSERT_EQ(a.tables.size(), b.tables.size());
  for (size_t i = 0; i < a.tables.size(); i++) {
    EXPECT_EQ(a.tables[i].name, b.tables[i].name) << i;
    EXPECT_EQ(a.tables[i].rows, b.tables[i].rows) << i;
    EXPECT_EQ(a.tables[i].internal, b.tables[i].internal) << i;
  }
  EXPECT_EQ(a.source_uri, b.source_uri);
  EXPECT_EQ(a.source_owner, b.source_owner);
  EXPECT_EQ(a.source_domain, b.source_domain);
  EXPECT_EQ(a.source_sensitivity, b.source_sensitivity);
  EXPECT_EQ(a.repository_id, b.repository_id);
  EXPECT_EQ(a.plan_definition, b.plan_definition);
  EXPECT_EQ(a.rto_target_from, b.rto_target_from);
  EXPECT_EQ(a.rpo_target_from, b.rpo_target_from);
  EXPECT_EQ(a.restore_us, b.restore_us);
  EXPECT_EQ(a.checks_us, b.checks_us);
  EXPECT_EQ(a.rto_achieved_us, b.rto_achieved_us);
  EXPECT_EQ(a.rpo_achieved_us, b.rpo_achieved_us);
  EXPECT_EQ(a.rto_target_us, b.rto_target_us);
  EXPECT_EQ(a.rpo_target_us, b.rpo_target_us);
  EXPECT_EQ(a.records_restored, b.records_restored);
  EXPECT_EQ(a.bytes_restored, b.bytes_restored);
  ASSERT_EQ(a.checks.size(), b.checks.size());
  for (size_t i = 0; i < a.checks.size(); i++) {
    EXPECT_EQ(a.checks[i].kind, b.checks[i].kind) << i;
    EXPECT_EQ(a.checks[i].name, b.checks[i].name) << i;
    EXPECT_EQ(a.checks[i].outcome, b.checks[i].outcome) << i;
    EXPECT_EQ(a.checks[i].detail, b.checks[i].detail) << i;
    EXPECT_EQ(a.checks[i].duration_us, b.checks[i].duration_us) << i;
  }
}

// Writes `v` again; numbers as written, so that the test controls them.
void Rewrite(const JsonValue& v, JsonWriter* w) {
  switch (v.type()) {
    case JsonValue::kNull:
      w->Null();
      break;
    case JsonValue::kBool:
      w->Bool(v.bool_value());
      break;
    case JsonValue::kNumber:
      w->Raw(v.number_text());
      break;
    case JsonValue::kString:
      w->String(v.string_value());
      break;
    case JsonValue::kArray:
      w->BeginArray();
      for (const JsonValue& e : v.array()) Rewrite(e, w);
      w->EndArray();
      break;
    case JsonValue::kObject:
      w->BeginObject();
      for (const auto& [k, e] : v.members()) Rewrite(e, &w->Key(k));
      w->EndObject();
      break;
  }
}

// `json` with top-level member `key` removed (raw == nullopt), or its value
// replaced by the JSON text `raw` (appended when absent).
std::string EditMember(const std::string& json, const std::string& key,
                       std::optional<std::string> raw) {
  auto doc = ParseJson(json);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok()) return json;
  JsonWriter w;
  w.BeginObject();
  bool seen = false;
  for (const auto& [k, v] : doc->members()) {
    if (k != key) {
      Rewrite(v, &w.Key(k));
    } else if (raw.has_value()) {
      w.Key(k).Raw(*raw);
      seen = true;
    }
  }
  if (!seen && raw.has_value()) w.Key(key).Raw(*raw);
  w.EndObject();
  return w.str();
}

// The error of reading `json`, which must be rejected.
Status ReadError(const std::string& json) {
  auto r = DrillReportFromJson(json, kWhat);
  EXPECT_FALSE(r.ok()) << json;
  return r.ok() ? Status::OK() : r.status();
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

size_t Occurrences(std::string_view s, std::string_view what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string_view::npos; at = s.find(what, at + 1)) n++;
  return n;
}

// ---- JSON ----

TEST(DrillReportJson, RoundTripIsExact) {
  const DrillReport r = FullReport();
  const std::string json = DrillReportToJson(r);
  auto back = DrillReportFromJson(json, kWhat);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameReport(r, *back);
  EXPECT_EQ(DrillReportToJson(*back), json);
}

TEST(DrillReportJson, AbsentTargetsAreOmittedAndReadBackAbsent) {
  DrillReport r = FullReport();
  r.rto_target_us.reset();
  r.rpo_target_us.reset();
  r.snapshot_id.clear();
  r.tables.clear();
  r.checks.clear();
  const std::string json = DrillReportToJson(r);
  EXPECT_THAT(json, Not(HasSubstr("rto_target_us")));
  EXPECT_THAT(json, Not(HasSubstr("rpo_target_us")));
  auto back = DrillReportFromJson(json, kWhat);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameReport(r, *back);
  // A null target reads as absent too.
  auto with_null = DrillReportFromJson(EditMember(json, "rto_target_us", "null"), kWhat);
  ASSERT_TRUE(with_null.ok()) << with_null.status().ToString();
  EXPECT_FALSE(with_null->rto_target_us.has_value());
}

TEST(DrillReportJson, FieldOrderAndDerivedFields) {
  const std::string json = DrillReportToJson(FullReport());
  EXPECT_EQ(json.rfind("{\"version\":1,\"run_id\":\"3fa1c0de00112233445566778899aabb\",", 0), 0u)
      << json;
  EXPECT_THAT(json, HasSubstr("\"passed\":false,\"counts\":{\"pass\":1,\"fail\":1,\"skip\":1}"));
  EXPECT_THAT(json,
              HasSubstr("\"tables\":[{\"name\":\"orders\",\"rows\":1200,\"internal\":false},"));
  EXPECT_THAT(json,
              HasSubstr("\"actor\":\"auditor\",\"source_uri\":\"sqlite:/srv/crm.db\","
                        "\"source_owner\":\"sales-ops@example.com\",\"source_domain\":"
                        "\"sales\",\"source_sensitivity\":\"confidential\",\"repository_id\":\"" +
                        std::string(32, 'a') +
                        "\",\"plan_definition\":[\"source = crm\",\"rto = 5 min\"],"));
  EXPECT_THAT(json, HasSubstr("\"rto_target_us\":300000000,\"rto_target_from\":\"plan\","));
  EXPECT_THAT(json, HasSubstr("{\"kind\":\"relation\",\"name\":\"orders.customer_id\","
                              "\"outcome\":\"fail\",\"detail\":\"3 orphans in "
                              "orders.customer_id: 17, 18, 40\",\"duration_us\":250}"));
  const size_t rto = json.find("\"rto_achieved_us\""), tables = json.find("\"tables\""),
               checks = json.find("\"checks\"");
  EXPECT_LT(rto, tables);
  EXPECT_LT(tables, checks);
}

TEST(DrillReportJson, DerivedFieldsAreIgnoredOnRead) {
  std::string json = DrillReportToJson(FullReport());
  json = EditMember(json, "passed", "true");
  json = EditMember(json, "counts", "{\"pass\":99}");
  auto back = DrillReportFromJson(json, kWhat);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->passed());
  EXPECT_EQ(back->CountOutcome(CheckOutcome::kPass), 1u);
}

TEST(DrillReportJson, EachRequiredFieldMissingIsNamed) {
  const std::string json = DrillReportToJson(FullReport());
  for (const char* key :
       {"run_id", "plan", "source", "started_us", "finished_us", "checks", "version"}) {
    SCOPED_TRACE(key);
    const Status s = ReadError(EditMember(json, key, std::nullopt));
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_EQ(s.message(), std::string(kWhat) + ": field " + key + ": missing (a required field)");
  }
}

TEST(DrillReportJson, OptionalFieldsMayBeMissing) {
  const std::string json = DrillReportToJson(FullReport());
  std::string minimal = json;
  for (const char* key :
       {"snapshot_id",    "snapshot_choice", "snapshot_time_us", "tool_version",
        "host",           "actor",           "target",           "target_kept",
        "rotated",        "restore_us",      "checks_us",        "rto_achieved_us",
        "rto_target_us",  "rpo_achieved_us", "rpo_target_us",    "records_restored",
        "bytes_restored", "tables",          "passed",           "counts",
        "source_uri",     "source_owner",    "source_domain",    "source_sensitivity",
        "repository_id",  "plan_definition", "rto_target_from",  "rpo_target_from"}) {
    minimal = EditMember(minimal, key, std::nullopt);
  }
  auto r = DrillReportFromJson(minimal, kWhat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->plan, "monthly \"smoke\"");
  EXPECT_TRUE(r->snapshot_id.empty());
  EXPECT_TRUE(r->tables.empty());
  EXPECT_FALSE(r->rto_target_us.has_value());
  EXPECT_EQ(r->checks.size(), 3u);
}

TEST(DrillReportJson, WrongTypesAreNamed) {
  const std::string json = DrillReportToJson(FullReport());
  const struct {
    const char* key;
    const char* raw;
    const char* message;  // after "<what>: field "
  } cases[] = {
      {"started_us", "\"1\"", "started_us: expected a number, found a string"},
      {"started_us", "1.5", "started_us: expected an integer, found 1.5"},
      {"started_us", "1e3", "started_us: expected an integer, found 1e3"},
      {"finished_us", "9223372036854775808",
       "finished_us: 9223372036854775808 is out of range for a 64-bit integer"},
      {"plan", "7", "plan: expected a string, found a number"},
      {"plan", "null", "plan: expected a string, found a null"},
      {"checks", "{}", "checks: expected an array, found an object"},
      {"checks", "[1]", "checks[0]: expected an object, found a number"},
      {"tables", "[{\"name\":\"t\"}]", "tables[0].rows: missing (a required field)"},
      {"tables", "[{\"name\":\"t\",\"rows\":-1}]",
       "tables[0].rows: expected an unsigned integer, found -1"},
      {"bytes_restored", "18446744073709551616",
       "bytes_restored: 18446744073709551616 is out of range for a 64-bit unsigned integer"},
      {"rto_target_us", "-5", "rto_target_us: expected an unsigned integer, found -5"},
      {"rpo_target_us", "\"1 h\"", "rpo_target_us: expected a number, found a string"},
      {"target_kept", "\"yes\"", "target_kept: expected a boolean, found a string"},
      {"run_id", "\"3FA1C0DE00112233445566778899AABB\"",
       "run_id: expected 32 lowercase hex digits"},
      {"run_id", "\"../../etc\"", "run_id: expected 32 lowercase hex digits"},
      {"snapshot_id", "\"abc\"", "snapshot_id: expected \"\" or 64 lowercase hex digits"},
      {"version", "\"1\"", "version: expected a number, found a string"},
      {"version", "0", "version: expected 1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.key) + " = " + c.raw);
    const Status s = ReadError(EditMember(json, c.key, c.raw));
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_EQ(s.message(), std::string(kWhat) + ": field " + c.message);
  }
}

TEST(DrillReportJson, CheckFieldsAreNamedWithTheirIndex) {
  const std::string json = DrillReportToJson(FullReport());
  Status s = ReadError(Replace(json, "\"outcome\":\"skip\"", "\"outcome\":\"maybe\""));
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(),
            std::string(kWhat) + ": field checks[2].outcome: expected one of pass, fail, skip");
  s = ReadError(Replace(json, "\"duration_us\":250", "\"duration_us\":\"250\""));
  EXPECT_EQ(s.message(), std::string(kWhat) +
                             ": field checks[1].duration_us: expected a number, found a string");
  s = ReadError(Replace(json, "\"kind\":\"schema\",", ""));
  EXPECT_EQ(s.message(), std::string(kWhat) + ": field checks[0].kind: missing (a required field)");
}

TEST(DrillReportJson, NewerVersionIsRefused) {
  const Status s = ReadError(EditMember(DrillReportToJson(FullReport()), "version", "2"));
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(kWhat));
  EXPECT_THAT(s.message(), HasSubstr("version 2 was written by a newer tidemark"));
  // Refused as newer even when the fields it knows are gone.
  const Status bare = ReadError("{\"version\":3}");
  EXPECT_EQ(bare.code(), Status::Code::kUnsupported) << bare.ToString();
}

TEST(DrillReportJson, UnknownFieldsAreIgnored) {
  std::string json = DrillReportToJson(FullReport());
  json = EditMember(json, "signed_by", "{\"key\":[1,2,{\"x\":null}]}");
  json = Replace(json, "{\"kind\":\"schema\",", "{\"severity\":\"high\",\"kind\":\"schema\",");
  json = Replace(json, "{\"name\":\"orders\",", "{\"bytes\":5,\"name\":\"orders\",");
  auto back = DrillReportFromJson(json, kWhat);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameReport(FullReport(), *back);
}

TEST(DrillReportJson, NotJsonOrNotAnObjectIsCorruption) {
  Status s = ReadError("{\"version\":1,");
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(std::string(kWhat) + ": not valid JSON: "));
  s = ReadError("[]");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), std::string(kWhat) + ": expected a JSON object, found an array");
}

TEST(DrillReportJson, LimitsAreEnforced) {
  const std::string json = DrillReportToJson(FullReport());
  Status s = ReadError(json + std::string((16u << 20) + 1 - json.size(), ' '));
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_THAT(s.message(), HasSubstr("more than the limit of 16 MiB"));
  // Exactly 16 MiB is allowed.
  EXPECT_TRUE(DrillReportFromJson(json + std::string((16u << 20) - json.size(), ' '), kWhat).ok());

  std::string checks = "[";
  for (int i = 0; i < 100001; i++) {
    checks += i == 0 ? "" : ",";
    checks += R"({"kind":"k","name":"n","outcome":"pass"})";
  }
  checks += "]";
  s = ReadError(EditMember(json, "checks", checks));
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(),
            std::string(kWhat) + ": field checks: 100001 elements, more than the limit of 100000");
}

TEST(DrillReportJson, OutcomesAndCounts) {
  EXPECT_STREQ(CheckOutcomeName(CheckOutcome::kPass), "pass");
  EXPECT_STREQ(CheckOutcomeName(CheckOutcome::kFail), "fail");
  EXPECT_STREQ(CheckOutcomeName(CheckOutcome::kSkip), "skip");
  DrillReport r = FullReport();
  EXPECT_FALSE(r.passed());
  r.checks[1].outcome = CheckOutcome::kSkip;
  EXPECT_TRUE(r.passed());
  EXPECT_EQ(r.CountOutcome(CheckOutcome::kSkip), 2u);
  EXPECT_TRUE(DrillReport().passed());  // no checks, nothing failed
}

// ---- Markdown ----

TEST(DrillReportMarkdown, TitleSummaryAndFailedChecksFirst) {
  const std::string md = RenderDrillMarkdown(FullReport());
  EXPECT_EQ(md.rfind("# Restore drill monthly \"smoke\" for crm – Zürich: FAILED\n", 0), 0u) << md;
  EXPECT_THAT(md, HasSubstr("| Snapshot | eeeeeeeeeeee of 1969-12-31T23:59:59Z |"));
  EXPECT_THAT(md, HasSubstr("| Chosen as | random |"));
  EXPECT_THAT(
      md,
      HasSubstr("| RTO (restore + checks) | 1.53 s against a target of 5 min (the plan's): ok |"));
  EXPECT_THAT(md, HasSubstr("RPO (snapshot age) | 213503982 d 8 h against a target of 0 µs (the "
                            "source's; the plan sets none): missed |"));
  EXPECT_THAT(md, HasSubstr("| Restored | 1200 records, 1.0 MiB (1048576 bytes), 3 tables"));
  EXPECT_THAT(md, HasSubstr("| Run | 3fa1c0de00112233445566778899aabb |"));
  EXPECT_THAT(md, HasSubstr("| Started | 2026-01-01T00:00:00Z |"));
  EXPECT_THAT(md, HasSubstr("| Restored into | /tmp/drill-x/crm.sqlite (kept) |"));
  EXPECT_THAT(md, HasSubstr("| Tool version | 0.1.0 |"));
  EXPECT_THAT(md, HasSubstr("| orders | 1200 |"));
  const size_t fail = md.find("| FAIL | relation | orders.customer_id | 3 orphans");
  const size_t pass = md.find("| pass | schema | orders |  | 0 µs |");
  const size_t skip = md.find("| skip | baseline | customers | no previous passing drill | 1 µs |");
  ASSERT_NE(fail, std::string::npos) << md;
  ASSERT_NE(pass, std::string::npos) << md;
  ASSERT_NE(skip, std::string::npos) << md;
  EXPECT_LT(fail, pass);
  EXPECT_LT(pass, skip);
}

TEST(DrillReportMarkdown, PassedAndNoTargets) {
  DrillReport r = FullReport();
  r.checks.erase(r.checks.begin() + 1);
  r.rto_target_us.reset();
  const std::string md = RenderDrillMarkdown(r);
  EXPECT_THAT(md, HasSubstr(": PASSED\n"));
  EXPECT_THAT(md, HasSubstr("| RTO (restore + checks) | 1.53 s (no target: neither the plan nor "
                            "the source sets one) |"));
}

TEST(DrillReportMarkdown, CellsEscapePipesAndLineBreaks) {
  DrillReport r = FullReport();
  r.checks = {Check("assertion", "a|b", CheckOutcome::kFail, "line 1\nline 2\r\nback\\|", 5)};
  r.tables = {{"odd|name", 1}};
  const std::string md = RenderDrillMarkdown(r);
  EXPECT_THAT(md,
              HasSubstr("| FAIL | assertion | a\\|b | line 1<br>line 2<br>back\\\\\\| | 5 µs |\n"))
      << md;
  EXPECT_THAT(md, HasSubstr("| odd\\|name | 1 |\n"));
  // Every table row is one line with the table's number of columns.
  const size_t at = md.find("| FAIL |");
  const std::string row = md.substr(at, md.find('\n', at) - at);
  size_t bars = 0, backslashes = 0;
  for (char c : row) {
    if (c == '|' && backslashes % 2 == 0) bars++;  // a cell separator, not an escaped bar
    backslashes = c == '\\' ? backslashes + 1 : 0;
  }
  EXPECT_EQ(bars, 6u) << row;
}

// ---- HTML ----

TEST(DrillReportHtml, SelfContainedPageWithVerdict) {
  const std::string html = RenderDrillHtml(FullReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">", 0),
            0u);
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
  for (const char* banned : {"<script", "http:", "https:", "<img", "src=", "<link", "url("}) {
    EXPECT_THAT(html, Not(HasSubstr(banned))) << banned;
  }
  EXPECT_THAT(html, HasSubstr("<span id=\"verdict\" class=\"verdict fail\" data-outcome=\"fail\">"
                              "FAILED</span>"));
  EXPECT_THAT(html, HasSubstr("<title>Restore drill monthly &quot;smoke&quot; for crm – Zürich: "
                              "FAILED</title>"));
  EXPECT_THAT(html, HasSubstr("1.53 s against a target of 5 min (the plan&#39;s): ok"));
  EXPECT_THAT(html, HasSubstr("<tr><td>big</td><td class=\"num\">18446744073709551615</td></tr>"));

  DrillReport passed = FullReport();
  passed.checks.erase(passed.checks.begin() + 1);
  EXPECT_THAT(RenderDrillHtml(passed),
              HasSubstr("id=\"verdict\" class=\"verdict pass\" data-outcome=\"pass\">PASSED<"));
}

// Operator trial: the HTML report must be something an auditor accepts.
TEST(DrillReportHtml, AuditorSeesCatalogRepositoryPlanTargetsAndHowToVerify) {
  const std::string html = RenderDrillHtml(FullReport());
  for (const char* want :
       {"<th scope=\"row\">Source URI</th><td>sqlite:/srv/crm.db</td>",
        "<th scope=\"row\">Owner</th><td>sales-ops@example.com</td>",
        "<th scope=\"row\">Domain</th><td>sales</td>",
        "<th scope=\"row\">Sensitivity</th><td>confidential</td>",
        "<th scope=\"row\">Repository</th><td>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</td>",
        "<li>source = crm</li>", "<li>rto = 5 min</li>",
        "1.53 s against a target of 5 min (the plan&#39;s): ok",
        "against a target of 0 µs (the source&#39;s; the plan sets none): missed",
        "tidemark drills show 3fa1c0de00112233445566778899aabb --verify",
        "stored in repository aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa as "
        "drills/3fa1c0de00112233445566778899aabb",
        "action drill and target run 3fa1c0de00112233445566778899aabb",
        // One table count: sqlite_sequence is internal, as in the CLI.
        "1200 records, 1.0 MiB (1048576 bytes), 3 tables",
        "<tr><td>sqlite_sequence (internal)</td>"}) {
    EXPECT_THAT(html, HasSubstr(want)) << want;
  }
  EXPECT_EQ(FullReport().AppTableCount(), 3u);
}

// Reports stored before the auditor fields still read; sqlite_* tables are
// internal by name; a bad target origin is named.
TEST(DrillReportJson, OlderReportsReadWithoutTheNewFields) {
  std::string json = DrillReportToJson(FullReport());
  for (const char* key :
       {"source_uri", "source_owner", "source_domain", "source_sensitivity", "repository_id",
        "plan_definition", "rto_target_from", "rpo_target_from"}) {
    json = EditMember(json, key, std::nullopt);
  }
  const std::string old_tables =
      "[{\"name\":\"orders\",\"rows\":1},{\"name\":\"sqlite_sequence\",\"rows\":1}]";
  json = EditMember(json, "tables", old_tables);
  auto r = DrillReportFromJson(json, kWhat);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->source_uri.empty() && r->repository_id.empty() && r->plan_definition.empty());
  EXPECT_TRUE(r->rto_target_from.empty());
  EXPECT_EQ(r->AppTableCount(), 1u);
  EXPECT_THAT(RenderDrillHtml(*r),
              HasSubstr("not recorded (a report written by an older tidemark)"));
  auto bad = DrillReportFromJson(
      EditMember(DrillReportToJson(FullReport()), "rto_target_from", "\"config\""), kWhat);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("field rto_target_from: expected \"plan\""));
  bad = DrillReportFromJson(EditMember(DrillReportToJson(FullReport()), "plan_definition", "[1]"),
                            kWhat);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("field plan_definition[0]: expected a string"));
}

TEST(DrillReportHtml, EveryCheckIsOneRowWithDataAttributes) {
  DrillReport r = FullReport();
  r.checks.push_back(Check("assertion", "o'brien \"vip\"", CheckOutcome::kPass, "", 3));
  const std::string html = RenderDrillHtml(r);
  EXPECT_EQ(Occurrences(html, " data-kind=\""), r.checks.size());
  EXPECT_EQ(Occurrences(html, "<td class=\"outcome\">"), r.checks.size());
  EXPECT_EQ(Occurrences(html, "data-outcome=\"fail\""), 2u);  // the check and the verdict
  EXPECT_THAT(html, HasSubstr("data-kind=\"schema\" data-name=\"orders\" data-outcome=\"pass\">"));
  EXPECT_THAT(html, HasSubstr("data-kind=\"relation\" data-name=\"orders.customer_id\" "
                              "data-outcome=\"fail\">"));
  EXPECT_THAT(html, HasSubstr("data-kind=\"baseline\" data-name=\"customers\" "
                              "data-outcome=\"skip\">"));
  EXPECT_THAT(html, HasSubstr("data-kind=\"assertion\" data-name=\"o&#39;brien &quot;vip&quot;\" "
                              "data-outcome=\"pass\">"));
  // Failed first.
  EXPECT_LT(html.find("data-outcome=\"fail\"><td"), html.find("data-outcome=\"pass\"><td"));
}

TEST(DrillReportHtml, TextIsEscaped) {
  DrillReport r = FullReport();
  r.plan = "<b>plan</b>";
  r.host = "a&b";
  r.checks = {
      Check("assertion", "x", CheckOutcome::kFail, "<script>alert('x')</script> & \"quoted\"", 0)};
  r.tables = {{"<t>", 1}};
  const std::string html = RenderDrillHtml(r);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(
      html, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
  EXPECT_THAT(html, HasSubstr("<span class=\"plan\">&lt;b&gt;plan&lt;/b&gt;</span>"));
  EXPECT_THAT(html, HasSubstr("<td>a&amp;b</td>"));
  EXPECT_THAT(html, HasSubstr("<td>&lt;t&gt;</td>"));
}

// ---- durations ----

TEST(DrillReportDuration, FormatDurationUs) {
  const struct {
    uint64_t us;
    const char* text;
  } cases[] = {
      {0, "0 µs"},
      {999, "999 µs"},
      {1000, "1 ms"},
      {1530, "1.53 ms"},
      {1999, "1.99 ms"},  // rounded down
      {15300, "15.3 ms"},
      {153999, "153 ms"},
      {999999, "999 ms"},
      {1000000, "1 s"},
      {1500000, "1.5 s"},
      {1530000, "1.53 s"},
      {1050000, "1.05 s"},
      {59999999, "59.9 s"},
      {60000000, "1 min"},
      {125000000, "2 min 5 s"},
      {3599999999, "59 min 59 s"},
      {3600000000, "1 h"},
      {(3 * 3600 + 10 * 60 + 59) * 1000000ull, "3 h 10 min"},
      {(2 * 86400 + 4 * 3600 + 59 * 60) * 1000000ull, "2 d 4 h"},
      {86400000000, "1 d"},
      {std::numeric_limits<uint64_t>::max(), "213503982 d 8 h"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatDurationUs(c.us), c.text) << c.us;
}

}  // namespace
}  // namespace tidemark
