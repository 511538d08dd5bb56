// Seeds of the json target: JSON documents, drill reports (format/drills.md
// §2) and tidemark.toml. See seeds.h.
#include <string>

#include "config/config.h"
#include "ops/drill/drill_report.h"
#include "seeds.h"

namespace tidemark::fuzz {
namespace {

DrillReport SampleDrillReport() {
  DrillReport r;
  r.run_id = "3fa1c0de00112233445566778899aabb";
  r.plan = "monthly <smoke> | \"deep\"";
  r.source = "crm\nz\xc3\xbcrich";
  r.snapshot_id = std::string(64, 'e');
  r.snapshot_choice = "latest";
  r.snapshot_time_us = -1000000;
  r.started_us = 1767225600000000;
  r.finished_us = 1767225601530000;
  r.tool_version = "0.1.0";
  r.host = "db-1";
  r.actor = "auditor";
  r.source_uri = "sqlite:/srv/crm.db";
  r.source_owner = "sales-ops@example.com";
  r.source_domain = "sales";
  r.source_sensitivity = "confidential";
  r.repository_id = std::string(32, 'a');
  r.plan_definition = {"source = crm", "rto = 5 min"};
  r.target = "/tmp/d/crm.sqlite";
  r.rotated = true;
  r.tables = {{"orders", 1200}, {"big", UINT64_MAX}, {"sqlite_sequence", 2, true}};
  r.restore_us = 1200000;
  r.checks_us = 330000;
  r.rto_achieved_us = 1530000;
  r.rto_target_us = 300000000;
  r.rto_target_from = "source";
  r.rpo_achieved_us = UINT64_MAX;
  r.records_restored = 1200;
  r.bytes_restored = 1 << 20;
  r.checks = {{"schema", "orders", CheckOutcome::kPass, "", 120},
              {"relation", "a|b", CheckOutcome::kFail, "<script>x</script>\r\n& 'q'", 250},
              {"baseline", "customers", CheckOutcome::kSkip, "no previous drill", 1}};
  return r;
}

void DrillReportSeeds(SeedSet* s) {
  const std::string full = DrillReportToJson(SampleDrillReport());
  s->Ok("drill", "full", full);
  s->Ok("drill", "minimal",
        R"({"version":1,"run_id":"00000000000000000000000000000000","plan":"p","source":"s",)"
        R"("started_us":0,"finished_us":0,"checks":[]})");
  s->Ok("drill", "unknown-fields", "{\"future\":[{}]," + full.substr(1));
  s->Ok("drill", "null-target", full.substr(0, full.size() - 1) + ",\"rpo_target_us\":null}");
  s->Bad("drill", "version-2", "{\"version\":2}");
  s->Bad("drill", "missing-checks", full.substr(0, full.find(",\"checks\":")) + "}");
  s->Bad("drill", "outcome",
         R"({"version":1,"run_id":"00000000000000000000000000000000",)"
         R"("plan":"p","source":"s","started_us":0,"finished_us":0,)"
         R"("checks":[{"kind":"k","name":"n","outcome":"maybe"}]})");
  const size_t target = full.find("\"rto_target_us\":300000000") + 16;
  s->Bad("drill", "uint-overflow",
         full.substr(0, target) + "18446744073709551616" + full.substr(target + 9));
  s->Bad("drill", "not-json", "{\"version\":1,");
  // Optional auditor fields (drills.md §2): an old report without them reads
  // (minimal, above); a wrong origin or a non-string definition line does not.
  const size_t from = full.find("\"rto_target_from\":\"source\"") + 18;
  s->Bad("drill", "target-from", full.substr(0, from) + "\"config\"" + full.substr(from + 8));
  const size_t def = full.find("\"plan_definition\":[") + 19;
  s->Bad("drill", "plan-definition", full.substr(0, def) + "1," + full.substr(def));
  s->Ok("drill", "old-tables",
        R"({"version":1,"run_id":"00000000000000000000000000000000","plan":"p","source":"s",)"
        R"("started_us":0,"finished_us":0,"tables":[{"name":"sqlite_sequence","rows":1}],)"
        R"("checks":[]})");
}

void TomlSeeds(SeedSet* s) {
  s->Ok("toml", "catalog",
        "[repository]\nlocation = \"/r\"\n[[source]]\nname = \"crm\"\nuri = \"sqlite:/a.db\"\n"
        "rpo = \"1h\"\nrto = \"15m\"\nsensitivity = \"restricted\"\nmetadata = [\"nc_*\"]\n"
        "[source.retention]\nkeep_daily = 7\nkeep_within = \"30d\"\n[[source.relation]]\n"
        "child = \"o.c\"\nparent = \"c.id\"\n[source.anomalies]\ndeleted = 0.2\n[alerts]\n"
        "webhook = \"http://127.0.0.1:1/h\"\n[[drill]]\nname = \"d\"\nsource = \"crm\"\n"
        "cadence = \"weekly\"\n[[drill.assert]]\nname = \"a\"\nsql = \"SELECT 1\"\n"
        "expect = \"between 1 2\"\n");
  s->Ok("toml", "empty", "");
  s->Bad("toml", "syntax", "[[drill]\nname = 1\n");
  s->Bad("toml", "unknown-key", "[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\nx = 1\n");
  s->Bad("toml", "drill-unknown-source",
         "[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\n[[drill]]\nname = \"d\"\n"
         "source = \"b\"\n");
  // Found by fuzz_json: a value with an escaped newline made a two-line error.
  s->Bad("toml", "newline-in-quoted-value", "[[source]]\nname = \"a\"\nuri = \"mysql:\\nx\"\n");
  s->Bad("toml", "bad-utf8", "a = \"\xff\"\n");
}

}  // namespace

std::vector<Seed> JsonSeeds() {
  SeedSet s("json");
  s.Ok("document", "everything",
       "{\"s\": \"tab\\t \\\"q\\\" \\/ \\u00e9 \xc3\xa9 \\ud83d\\ude00 \\u0000\",\n"
       " \"n\": [0, -0, -0.0, 1.5, -2.5e-3, 1E+2, 123456789012345678901,\n"
       "       -9223372036854775808, 9223372036854775807, 1e-400, 4.9e-324,\n"
       "       1.7976931348623157e308],\n"
       " \"b\": [true, false, null], \"o\": {\"\": {}}, \"a\": [[]]}");
  s.Ok("document", "scalar", " \t\r\n42\n");
  s.Ok("document", "string", "\"\"");
  s.Ok("document", "depth-256", std::string(256, '[') + std::string(256, ']'));
  std::string members = "{";
  for (int i = 0; i < 40; i++)
    members += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  s.Ok("document", "40-members", members + "}");
  s.Bad("document", "depth-257", std::string(257, '[') + std::string(257, ']'));
  s.Bad("document", "trailing-comma", "[1,2,]");
  s.Bad("document", "duplicate-key", "{\"a\":1,\"b\":2,\"a\":3}");
  s.Bad("document", "duplicate-key-hashed", members + ",\"k7\":0}");
  s.Bad("document", "leading-zero", "[01]");
  s.Bad("document", "invalid-utf8", "\"\xc0\x80\"");
  s.Bad("document", "lone-surrogate", "\"\\ud800x\"");
  s.Bad("document", "byte-order-mark", "\xef\xbb\xbf{}");
  s.Bad("document", "too-large", "1e400");
  s.Bad("document", "two-values", "{} {}");
  s.Bad("document", "empty", "");
  s.Ok("quote", "utf8", "h\xc3\xa9llo \"world\"\\\n\t\x01\x7f \xf0\x9f\x98\x80");
  s.Ok("quote", "invalid-utf8", "\xff\xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82");
  DrillReportSeeds(&s);
  TomlSeeds(&s);
  return s.Take();
}

}  // namespace tidemark::fuzz
