// tidemark.toml (docs/guide/config.md): the repository, the catalog of
// protected sources, alerts and the drill plans.
// Parsed with toml++; every error names the file, the line and the key and
// says what is expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/cron.h"
#include "base/result.h"
#include "ops/backup/anomaly.h"
#include "ops/drill/drill.h"
#include "ops/retention/forget.h"
#include "sources/profile.h"

namespace tidemark {

// [repository.s3] (docs/guide/s3.md); every field "" / false = not set.
struct S3Settings {
  std::string region;           // AWS_REGION / AWS_DEFAULT_REGION win
  std::string addressing;       // "path" or "virtual"; "" = by host
  std::string access_key_id;    // with secret_file or secret_command
  std::string secret_file;      // first line is the secret access key
  std::string secret_command;   // first line of its stdout is the secret
  std::string profile;          // of the shared credentials file; AWS_PROFILE wins
  std::string conditional_put;  // "auto" (default), "yes", "no"
  std::string ca_file;          // PEM bundle for https; "" = the system's
  bool allow_http = false;      // plain http off loopback
};

struct RepositorySettings {
  std::string location, password_file, password_command;  // "" = not set
  S3Settings s3;
};

// One protected app: who owns it, what it holds, and the policy it must meet.
struct SourceConfig {
  std::string name;
  std::string uri;               // "scheme:location", resolved by the connector registry
  std::string profile = "auto";  // detected at each backup (sources/profile.h)
  std::string owner, domain;
  std::string sensitivity;  // public | internal | confidential | restricted ("" = unset)
  std::optional<uint64_t> rpo_us, rto_us;
  std::string rpo, rto;  // as written, for display
  // When `tidemark serve` backs it up (docs/guide/schedule.md): cron-style,
  // UTC. Unset: at its RPO.
  std::optional<CronSchedule> schedule;
  RetentionPolicy retention;  // empty() = no per-source policy
  std::vector<std::string> tags;
  std::vector<std::string> include, exclude;  // table name patterns (fnmatch, case-insensitive)
  // The profile's input: `metadata`, `transient`, `secret`, [[source.relation]].
  ProfileInput profile_input;
  AnomalyRules anomalies;  // [source.anomalies] thresholds
  std::string copy_to;     // repository that `tidemark copy --source NAME` copies to ("" = none)
  // Where a database source's password comes from (config/secret.h): the
  // first line of a file, or of a command's stdout. Neither: the connector's
  // own way (PGPASSFILE). Never the password itself.
  std::string password_file, password_command;
  int line = 0;  // where the [[source]] starts
};

struct AlertsConfig {
  std::string webhook;              // "" = none; http:// or https://
  int retries = 3;                  // attempts after the first
  uint64_t timeout_us = 5'000'000;  // per attempt
};

// [schedule]: what `tidemark serve` runs by itself (docs/guide/schedule.md).
struct ScheduleConfig {
  std::optional<CronSchedule> retention;  // forget (each [source.retention]) + prune; unset: never
  uint32_t max_jobs = 2;                  // jobs running at once, scheduled or asked for
  uint64_t jitter_us = 120'000'000;       // runs move by up to this much (2m)
};

struct ConfigFile {
  std::string path;  // as given; "" when parsed from text
  RepositorySettings repository;
  std::vector<SourceConfig> sources;
  AlertsConfig alerts;
  std::vector<DrillPlan> drills;
  ScheduleConfig schedule;

  const DrillPlan* FindDrill(std::string_view name) const;
  const SourceConfig* FindSource(std::string_view name) const;
};

// InvalidArgument "PATH:LINE:COL: KEY: what is wrong; what is expected".
// Besides each key's own rules: source names are unique, and a drill plan
// names a declared source when any [[source]] is declared.
Result<ConfigFile> ParseConfig(std::string_view text, const std::string& path);
// The source's profile (BuiltinProfiles) made with its input from the file.
// InvalidArgument listing the known profiles for an unknown name (ParseConfig
// refuses those already).
Result<std::unique_ptr<Profile>> MakeProfile(const SourceConfig& source);

// NotFound when the file does not exist (says how to name another one).
Result<ConfigFile> LoadConfig(const std::string& path);

// The config file to use: `flag` (--config), else $TIDEMARK_CONFIG, else
// ./tidemark.toml when it exists; "" when none applies.
std::string ChooseConfigPath(const std::string& flag);

}  // namespace tidemark
