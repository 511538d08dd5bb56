#include "config/config.h"

#include <gtest/gtest.h>

#include "snapshot/manifest.h"

namespace tidemark {
namespace {

constexpr char kFull[] = R"(
[repository]
location = "/srv/backups/repo"
password_file = "/etc/tidemark/pw"

[[drill]]
name = "crm-monthly"
source = "crm"
snapshot = "random"
tables = ["customers", "orders"]
rotate = true
rotate_tables = 1
skip = ["baseline"]
rto = "15m"
rpo = "1h30m"
cadence = "monthly"
baseline_tolerance = 0.25
baseline_min_rows = 5
scratch_dir = "/var/tmp"
unique = ["customers.email"]

[[drill.relation]]
child = "orders.customer_id"
parent = "customers.id"

[[drill.assert]]
name = "vips"
sql = "SELECT count(*) FROM customers WHERE vip"
expect = "between 1 and 10"

[[drill.assert]]
name = "same as live"
sql = "SELECT id FROM customers ORDER BY id"
expect = "live"
live_sql = "SELECT id FROM customers WHERE created_at < '2026' ORDER BY id"

[[drill]]
name = "crm-smoke"
source = "crm"
cadence = "14d"
)";

TEST(ConfigTest, ParsesEveryDrillKey) {
  auto cfg = ParseConfig(kFull, "t.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->repository.location, "/srv/backups/repo");
  EXPECT_EQ(cfg->repository.password_file, "/etc/tidemark/pw");
  ASSERT_EQ(cfg->drills.size(), 2u);
  const DrillPlan& p = cfg->drills[0];
  EXPECT_EQ(p.name, "crm-monthly");
  EXPECT_EQ(p.source, "crm");
  EXPECT_EQ(p.snapshot, "random");
  EXPECT_EQ(p.tables, (std::vector<std::string>{"customers", "orders"}));
  EXPECT_TRUE(p.rotate);
  EXPECT_EQ(p.rotate_tables, 1u);
  EXPECT_FALSE(p.Runs("baseline"));
  EXPECT_TRUE(p.Runs("schema"));
  EXPECT_EQ(p.rto_us, 15 * 60 * 1000000ull);
  EXPECT_EQ(p.rpo_us, 90 * 60 * 1000000ull);
  EXPECT_EQ(p.cadence_us, 31 * 86400 * 1000000ull);
  EXPECT_DOUBLE_EQ(p.baseline_tolerance, 0.25);
  EXPECT_EQ(p.baseline_min_rows, 5u);
  EXPECT_EQ(p.scratch_dir, "/var/tmp");
  ASSERT_EQ(p.relations.size(), 1u);
  EXPECT_EQ(p.relations[0].Name(), "orders.customer_id -> customers.id");
  ASSERT_EQ(p.assertions.size(), 2u);
  EXPECT_EQ(p.assertions[0].op, DrillAssertion::Op::kBetween);
  EXPECT_EQ(p.assertions[0].a, 1);
  EXPECT_EQ(p.assertions[0].b, 10);
  EXPECT_EQ(p.assertions[1].op, DrillAssertion::Op::kLive);
  EXPECT_NE(p.assertions[1].live_sql.find("2026"), std::string::npos);
  EXPECT_EQ(cfg->drills[1].cadence_us, 14 * 86400 * 1000000ull);
  EXPECT_EQ(cfg->FindDrill("crm-smoke"), &cfg->drills[1]);
  EXPECT_EQ(cfg->FindDrill("nope"), nullptr);
}

// Each bad input and the message it must give (file:line:column: key: problem).
struct BadCase {
  const char* toml;
  const char* message;
};

class ConfigErrorTest : public testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrorTest, NamesFileLineKeyAndExpectation) {
  auto cfg = ParseConfig(GetParam().toml, "bad.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(cfg.status().IsInvalidArgument());
  EXPECT_NE(cfg.status().message().find(GetParam().message), std::string::npos)
      << cfg.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrorTest,
    testing::Values(
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\nrto = 15\n",
                "bad.toml:4:7: drill 'x'.rto: expected a string, found an integer"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\nrto = \"fast\"\n",
                "drill 'x'.rto: 'fast' is not a duration"},
        BadCase{"[[drill]]\nname = \"x\"\n", "drill 'x'.source: missing"},
        BadCase{"[[drill]]\nsource = \"s\"\n", "drill[0].name: missing"},
        BadCase{"[[drill]]\nname = \"a b\"\nsource = \"s\"\n", "drill[0].name: use 1-64 letters"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\ncolour = 1\n",
                "bad.toml:4:10: drill 'x'.colour: unknown key; expected one of: name"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\ncadence = \"fortnightly\"\n",
                "cadence: expected daily, weekly, monthly"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\nskip = [\"speed\"]\n",
                "unknown check 'speed'"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\nrotate_tables = 2\n",
                "rotate_tables: only meaningful with rotate = true"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\nbaseline_tolerance = \"10%\"\n",
                "baseline_tolerance: expected a share such as 0.1"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\nbaseline_min_rows = -1\n",
                "baseline_min_rows: expected an integer from 0"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\n[[drill.relation]]\nchild = \"orders\"\n"
                "parent = \"customers.id\"\n",
                "drill 'x'.relation[0].child: expected \"table.column\""},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\n[[drill.assert]]\nname = \"a\"\n"
                "sql = \"SELECT 1\"\nexpect = \"about 3\"\n",
                "drill 'x'.assert[0].expect: expectation 'about 3' is not one of"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\n[[drill.assert]]\nname = \"a\"\n"
                "sql = \"SELECT 1\"\nexpect = \"= 1\"\nlive_sql = \"SELECT 1\"\n",
                "live_sql: only meaningful with expect = \"live\""},
        BadCase{
            "[[drill]]\nname = \"x\"\nsource = \"s\"\n[[drill]]\nname = \"x\"\nsource = \"t\"\n",
            "a second drill plan named 'x'"},
        BadCase{"[[drill]]\nname = \"x\"\nsource = \"s\"\ntables = \"orders\"\n",
                "tables: expected an array of strings, found a string"},
        BadCase{"[sources]\n",
                "bad.toml:1:1: sources: unknown key; expected one of: repository, source, alerts, "
                "drill"},
        BadCase{"drill = 3\n", "drill: expected [[drill]] tables, found an integer"},
        BadCase{"[repository]\nlocation = 3\n", "repository.location: expected a string"},
        BadCase{"[[drill]\nname = 1\n", "bad.toml:1:"},
        BadCase{"a = \"unterminated\n", "not valid TOML"},
        // Fault campaign: an RPO of zero no snapshot can meet.
        BadCase{"[[source]]\nname = \"crm\"\nuri = \"sqlite:/x.db\"\nrpo = \"0s\"\n",
                "source 'crm'.rpo: must be longer than 0s"},
        BadCase{"[[source]]\nname = \"../../x\"\nuri = \"sqlite:/x.db\"\n",
                "source[0].name: use 1-64 letters"}));

// Found by fuzz_json (mode toml): a value holding an escaped newline was
// quoted into the error, which then spanned two lines.
TEST(ConfigTest, ErrorQuotingAControlCharacterStaysOneLine) {
  auto cfg = ParseConfig("[[source]]\nname = \"a\"\nuri = \"mysql:\\nx\\ty\"\n", "c.toml");
  ASSERT_TRUE(cfg.status().IsInvalidArgument());
  EXPECT_EQ(cfg.status().message().find('\n'), std::string::npos) << cfg.status().message();
  EXPECT_NE(cfg.status().message().find("mysql:\\x0ax\\x09y"), std::string::npos)
      << cfg.status().message();
}

TEST(ConfigTest, LoadConfigSaysHowToNameAnotherFile) {
  auto cfg = LoadConfig("/nonexistent/tidemark.toml");
  ASSERT_TRUE(cfg.status().IsNotFound());
  EXPECT_NE(cfg.status().message().find("--config"), std::string::npos);
}

// Fault campaign: --config DIR was read as an empty file ("ok: 0 sources").
TEST(ConfigTest, LoadConfigRefusesADirectory) {
  auto cfg = LoadConfig("/tmp");
  ASSERT_TRUE(cfg.status().IsInvalidArgument()) << cfg.status().ToString();
  EXPECT_NE(cfg.status().message().find("is a directory"), std::string::npos);
}

// The one rule for source names (snapshot/manifest.h), the same as the CLI's.
TEST(ConfigTest, SourceNamesFollowTheSharedRule) {
  EXPECT_TRUE(IsValidSourceName("crm-prod_1.2"));
  for (const char* bad : {"", "../../x", "a\nb", "a b", "crm@latest", "a/b"}) {
    EXPECT_FALSE(IsValidSourceName(bad)) << bad;
  }
  EXPECT_FALSE(IsValidSourceName(std::string(65, 'a')));
}

TEST(ConfigTest, EmptyFileHasNoPlans) {
  auto cfg = ParseConfig("", "empty.toml");
  ASSERT_TRUE(cfg.ok());
  EXPECT_TRUE(cfg->drills.empty());
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

constexpr char kCatalog[] = R"(
[[source]]
name = "crm"
uri = "sqlite:/srv/crm.db"
owner = "ops"
domain = "sales"
sensitivity = "restricted"
rpo = "1h"
rto = "15m"
tags = ["prod"]
include = ["*"]
exclude = ["tmp_*"]
metadata = ["nc_*"]
transient = ["sessions", "*_log"]
secret = ["users.password_hash", "*.api_key"]
[source.retention]
keep_last = 3
keep_daily = 7
keep_within = "30d"
[[source.relation]]
child = "orders.customer_id"
parent = "customers.id"
[source.anomalies]
deleted = 0.2
history = 4
min_rows = 100

[alerts]
webhook = "https://hooks.example.com/x"
retries = 2
timeout = "10s"

[[drill]]
name = "d"
source = "crm"
)";

TEST(ConfigTest, ParsesTheCatalog) {
  auto cfg = ParseConfig(kCatalog, "c.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_EQ(cfg->sources.size(), 1u);
  const SourceConfig& s = cfg->sources[0];
  EXPECT_EQ(s.name, "crm");
  EXPECT_EQ(s.uri, "sqlite:/srv/crm.db");
  EXPECT_EQ(s.owner, "ops");
  EXPECT_EQ(s.sensitivity, "restricted");
  EXPECT_EQ(s.rpo_us, 3600ull * 1000000);
  EXPECT_EQ(s.rto, "15m");
  EXPECT_EQ(s.retention.last, 3);
  EXPECT_EQ(s.retention.daily, 7);
  EXPECT_EQ(s.retention.within.days, 30);
  EXPECT_EQ(s.exclude, std::vector<std::string>{"tmp_*"});
  EXPECT_EQ(s.profile, "auto");
  EXPECT_EQ(s.profile_input.where, "source 'crm'");
  EXPECT_EQ(s.profile_input.metadata, std::vector<std::string>{"nc_*"});
  EXPECT_EQ(s.profile_input.transient, (std::vector<std::string>{"sessions", "*_log"}));
  EXPECT_EQ(s.profile_input.secret, (std::vector<std::string>{"users.password_hash", "*.api_key"}));
  ASSERT_EQ(s.profile_input.relations.size(), 1u);
  EXPECT_EQ(s.profile_input.relations[0].Name(), "orders.customer_id -> customers.id");
  auto profile = MakeProfile(s);
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ((*profile)->name(), "auto");
  EXPECT_DOUBLE_EQ(s.anomalies.deleted, 0.2);
  EXPECT_EQ(s.anomalies.history, 4u);
  EXPECT_EQ(s.anomalies.min_rows, 100u);
  EXPECT_EQ(s.line, 2);
  EXPECT_EQ(cfg->alerts.webhook, "https://hooks.example.com/x");
  EXPECT_EQ(cfg->alerts.retries, 2);
  EXPECT_EQ(cfg->alerts.timeout_us, 10'000'000u);
  EXPECT_EQ(cfg->FindSource("crm"), &cfg->sources[0]);
}

INSTANTIATE_TEST_SUITE_P(
    Catalog, ConfigErrorTest,
    testing::Values(
        BadCase{"[[source]]\nname = \"a\"\n", "source 'a'.uri: missing"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"mysql:x\"\n",
                "source 'a'.uri: source 'mysql:x' is not supported; give sqlite:PATH"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\nsensitivity = \"secret\"\n",
                "bad.toml:4:15: source 'a'.sensitivity: expected public, internal"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\nprofile = \"baserow\"\n",
                "profile: unknown profile \"baserow\"; this build knows: generic, node-red, "
                "nocodb, directus, auto"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\nsecret = [\"password\"]\n",
                "bad.toml:4:10: source 'a'.secret: secret pattern \"password\": expected "
                "\"table.column\""},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\nmetadata = [\"\"]\n",
                "source 'a'.metadata: empty table pattern"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\n[source.retention]\nkeep_within = "
                "\"forever\"\n",
                "source 'a'.retention.keep_within:"},
        BadCase{
            "[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\n[source.retention]\nkeep_dayly = 3\n",
            "source 'a'.retention.keep_dayly: unknown key"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\n[source.anomalies]\nnulled = 2\n",
                "source 'a'.anomalies.nulled: expected a number from 0 to 1"},
        BadCase{
            "[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\nretention = 3\n",
            "source 'a'.retention: expected a table ([source 'a'.retention]), found an integer"},
        BadCase{"[alerts]\nwebhook = \"x\"\n",
                "alerts.webhook: expected an http:// or https:// URL"},
        BadCase{"[alerts]\nretries = 11\n", "alerts.retries: expected an integer from 0 to 10"},
        BadCase{"[[source]]\nname = \"a\"\nuri = \"sqlite:a\"\n[[drill]]\nname = \"d\"\nsource = "
                "\"b\"\n",
                "drill 'd'.source: no [[source]] named 'b' is declared in this file"}));

TEST(ConfigTest, ParsesSchedules) {
  auto cfg = ParseConfig(R"(
[schedule]
retention = "30 3 * * sun"
max_jobs = 4
jitter = "5m"

[[source]]
name = "crm"
uri = "sqlite:crm.db"
rpo = "6h"
schedule = "0 */4 * * *"

[[source]]
name = "hr"
uri = "sqlite:hr.db"
)",
                         "t.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_TRUE(cfg->sources[0].schedule);
  EXPECT_EQ(cfg->sources[0].schedule->text(), "0 */4 * * *");
  EXPECT_FALSE(cfg->sources[1].schedule);
  ASSERT_TRUE(cfg->schedule.retention);
  EXPECT_EQ(cfg->schedule.retention->text(), "30 3 * * sun");
  EXPECT_EQ(cfg->schedule.max_jobs, 4u);
  EXPECT_EQ(cfg->schedule.jitter_us, 300'000'000u);
  auto defaults = ParseConfig("", "t.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->schedule.retention);
  EXPECT_EQ(defaults->schedule.max_jobs, 2u);
  EXPECT_EQ(defaults->schedule.jitter_us, 120'000'000u);
  auto none = ParseConfig("[schedule]\njitter = \"0\"\n", "t.toml");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->schedule.jitter_us, 0u);
}

TEST(ConfigTest, BadSchedulesSayWhereAndWhat) {
  struct Case {
    const char* toml;
    const char* message;
  } cases[] = {
      {"[[source]]\nname = \"crm\"\nuri = \"sqlite:crm.db\"\nschedule = \"daily\"\n",
       "t.toml:4:12: source 'crm'.schedule: 'daily' is not a cron schedule: give five fields"},
      {"[[source]]\nname = \"crm\"\nuri = \"sqlite:crm.db\"\nschedule = \"0 25 * * *\"\n",
       "source 'crm'.schedule: cron field hour '25': out of range (from 0 to 23)"},
      {"[schedule]\nretention = \"0 0 31 2 *\"\n",
       "t.toml:2:13: schedule.retention: '0 0 31 2 *' never matches a day"},
      {"[schedule]\nmax_jobs = 0\n", "schedule.max_jobs: expected an integer from 1 to 64"},
      {"[schedule]\nmax_jobs = 65\n", "schedule.max_jobs: expected an integer from 1 to 64"},
      {"[schedule]\njitter = \"soon\"\n", "schedule.jitter: 'soon' is not a duration"},
      {"[schedule]\nevery = \"1h\"\n",
       "schedule.every: unknown key; expected one of: retention, max_jobs, jitter"},
  };
  for (const Case& c : cases) {
    auto cfg = ParseConfig(c.toml, "t.toml");
    ASSERT_FALSE(cfg.ok()) << c.toml;
    EXPECT_TRUE(cfg.status().IsInvalidArgument());
    EXPECT_NE(cfg.status().message().find(c.message), std::string::npos) << cfg.status().message();
  }
}

}  // namespace
}  // namespace tidemark
