// tidemark doctor: is this machine ready to back up? The config, the
// password source, the repository, each source's reachability, and the time
// since each source's last backup and each drill plan's last run. One line
// per finding; a problem says what to fix. Exit 0 when there is no problem,
// 4 otherwise. docs/guide/doctor.md
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/duration.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/source_probe.h"
#include "ledger/ledger_head.h"
#include "ops/drill/drill.h"
#include "ops/drill/drill_report.h"
#include "ops/drill/drill_store.h"
#include "snapshot/catalog.h"

namespace tidemark::cli {
namespace {

enum class State { kOk, kWarning, kProblem };

struct Finding {
  std::string check;  // config, password, repository, cache, source, backup, drill
  State state;
  std::string message;  // for a problem: what is wrong, then what to do
};

class Findings {
 public:
  void Ok(const std::string& check, const std::string& m) {
    all_.push_back({check, State::kOk, m});
  }
  void Warn(const std::string& check, const std::string& m) {
    all_.push_back({check, State::kWarning, m});
  }
  void Problem(const std::string& check, const std::string& m) {
    all_.push_back({check, State::kProblem, m});
  }
  size_t Count(State s) const {
    size_t n = 0;
    for (const Finding& f : all_) n += f.state == s;
    return n;
  }
  const std::vector<Finding>& all() const { return all_; }

 private:
  std::vector<Finding> all_;
};

std::string Plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string Ago(int64_t now, int64_t then) {
  return FormatDurationUs(static_cast<uint64_t>(std::max<int64_t>(0, now - then))) + " ago";
}

// The config file: found and valid. Returns it (nullptr when unusable).
const ConfigFile* CheckConfig(Context* ctx, Findings* out) {
  auto cfg = ctx->Config();
  if (!cfg.ok()) {
    out->Problem("config",
                 cfg.status().message() + ": fix the file, then run `tidemark config check`");
    return nullptr;
  }
  if ((*cfg)->path.empty()) {
    out->Problem("config",
                 "no tidemark.toml (none given by --config or TIDEMARK_CONFIG, none in " +
                     std::string("the current folder): write one with [repository] and [[source]] "
                                 "tables; see docs/guide/config.md"));
    return *cfg;
  }
  out->Ok("config", "config " + (*cfg)->path + ": " + Plural((*cfg)->sources.size(), "source") +
                        ", " + Plural((*cfg)->drills.size(), "drill plan"));
  if ((*cfg)->sources.empty()) {
    out->Problem("config", (*cfg)->path + " declares no [[source]]: add one per app to protect");
  }
  return *cfg;
}

// The password source must work without a terminal (timers have none).
bool CheckPassword(Context* ctx, Findings* out) {
  const PasswordSource pw = ctx->MainPassword();
  if (!pw.file.empty()) {
    struct stat st;
    if (::stat(pw.file.c_str(), &st) != 0 || ::access(pw.file.c_str(), R_OK) != 0) {
      out->Problem("password", "password file " + pw.file +
                                   " cannot be read by this user: create it (mode 600) or fix "
                                   "--password-file, TIDEMARK_PASSWORD_FILE or [repository] "
                                   "password_file");
      return false;
    }
    if ((st.st_mode & 077) != 0) {
      out->Problem("password", "password file " + pw.file +
                                   " is readable by other users: chmod 600 " + pw.file);
      return true;
    }
    out->Ok("password", "password file " + pw.file);
    return true;
  }
  if (!pw.command.empty()) {
    out->Ok("password", "password command (run when the repository is opened)");
    return true;
  }
  if (!pw.literal.empty()) {
    out->Warn("password",
              "TIDEMARK_PASSWORD is set: other processes of this user can read the environment; "
              "prefer a password file (mode 600) or a password command");
    return true;
  }
  out->Problem("password",
               "no password source, and a timer has no terminal to prompt on: set [repository] "
               "password_file in tidemark.toml, --password-file or TIDEMARK_PASSWORD_FILE");
  return false;
}

// Opens the repository (running a password command, if that is the source).
Repository* CheckRepository(Context* ctx, bool config_ok, bool password_ok, Findings* out) {
  auto folder = ctx->RepositoryFolder();
  if (!folder.ok()) {
    out->Problem("repository", config_ok ? folder.status().message()
                                         : "not checked: the config does not load (see above)");
    return nullptr;
  }
  if (!password_ok) return nullptr;
  auto repo = ctx->OpenRepository();
  if (!repo.ok()) {
    const std::string fix = repo.status().IsNotFound()
                                ? ": create it with `tidemark init`, or fix [repository] location"
                                : "";
    out->Problem("repository", repo.status().message() + fix);
    return nullptr;
  }
  out->Ok("repository", "repository " + *folder + ": opened");
  return *repo;
}

void CheckCache(Findings* out) {
  const std::string dir = DefaultCacheDir();
  if (dir.empty()) {
    out->Problem("cache",
                 "no cache folder (neither TIDEMARK_CACHE_DIR, XDG_CACHE_HOME nor HOME is set): "
                 "set TIDEMARK_CACHE_DIR so that a truncated ledger is detected");
  } else {
    out->Ok("cache", "cache folder " + dir);
  }
}

void CheckSources(const ConfigFile& cfg, Findings* out) {
  for (const SourceConfig& s : cfg.sources) {
    Status st = ProbeSource(s);
    if (st.ok()) {
      out->Ok("source", "source '" + s.name + "': " + s.uri + " is readable");
    } else {
      out->Problem("source", "source '" + s.name + "': " + st.message() + ": fix its uri in " +
                                 cfg.path + ", or run tidemark where the app's data is");
    }
  }
}

void CheckBackups(const ConfigFile& cfg, const std::vector<SnapshotInfo>& all, int64_t now,
                  Findings* out) {
  for (const SourceConfig& s : cfg.sources) {
    const std::string who = "source '" + s.name + "': ";
    const SnapshotInfo* last = LatestOf(all, s.name);
    if (last == nullptr) {
      out->Problem("backup", who + "never backed up: run `tidemark backup " + s.name +
                                 "`, and schedule it (tidemark-backup@.timer)");
      continue;
    }
    const int64_t age = now - last->manifest.time_us;
    std::string line =
        who + "last backup " + last->id.Short() + " " + Ago(now, last->manifest.time_us);
    if (!s.rpo_us) {
      out->Warn("backup", line + ", but no rpo: it is never late; set rpo in [[source]]");
    } else if (age > static_cast<int64_t>(*s.rpo_us)) {
      out->Problem("backup", line + ", older than its RPO " + s.rpo + ": run `tidemark backup " +
                                 s.name + "` and check its timer (systemctl list-timers)");
    } else {
      out->Ok("backup", line + " (RPO " + s.rpo + ")");
    }
  }
}

void CheckDrillPlan(const DrillPlan& p, const StoredDrills& stored, int64_t now, Findings* out) {
  std::vector<DrillReport> history;
  for (const DrillReport& r : stored.reports) {
    if (r.plan == p.name) history.push_back(r);
  }
  const std::string who = "drill plan '" + p.name + "': ";
  if (history.empty()) {
    out->Problem("drill", who + "never run: run `tidemark drill " + p.name +
                              "`, and schedule tidemark-drill.timer");
    return;
  }
  const DrillReport& last = history.back();
  const std::string line =
      who + "last run " + last.run_id.substr(0, 8) + " " + Ago(now, last.started_us);
  if (!last.passed()) {
    out->Problem("drill", line + " failed: see `tidemark drills show " + last.run_id.substr(0, 8) +
                              "`, fix the cause, run it again");
  } else if (DrillOverdue(p, history, now)) {
    out->Problem("drill", line + ", overdue by its cadence " + p.cadence +
                              ": run `tidemark drill " + p.name + "`");
  } else {
    out->Ok("drill", line + ", passed");
  }
}

void CheckDrills(const ConfigFile& cfg, const StoredDrills& stored, int64_t now, Findings* out) {
  for (const DrillPlan& p : cfg.drills) CheckDrillPlan(p, stored, now, out);
  for (const SourceConfig& s : cfg.sources) {
    bool planned = false;
    for (const DrillPlan& p : cfg.drills) planned |= p.source == s.name;
    if (!planned && s.rto_us) {
      out->Problem("drill", "source '" + s.name + "': an RTO target (" + s.rto +
                                ") but no drill plan proves it: add a [[drill]] for it");
    }
  }
  for (const auto& [name, why] : stored.damaged) {
    out->Problem("drill",
                 "drill report " + name + " does not verify (" + why + "): run `tidemark check`");
  }
}

void CheckHistory(const ConfigFile& cfg, Repository* repo, Findings* out) {
  const int64_t now = repo->clock()->NowMicros();
  auto all = LoadSnapshots(*repo);
  if (!all.ok()) {
    out->Problem("backup",
                 "cannot list snapshots: " + all.status().message() + ": run `tidemark check`");
    return;
  }
  CheckBackups(cfg, *all, now, out);
  auto stored = ListDrillReports(*repo);
  if (!stored.ok()) {
    out->Problem("drill", "cannot list drill reports: " + stored.status().message() +
                              ": run `tidemark check`");
    return;
  }
  CheckDrills(cfg, *stored, now, out);
}

const char* StateName(State s) {
  return s == State::kOk ? "ok" : s == State::kWarning ? "warning" : "problem";
}

Status Report(Context* ctx, const Findings& f) {
  JsonWriter w;
  w.BeginObject().Key("checks").BeginArray();
  for (const Finding& x : f.all()) {
    const char* tag = x.state == State::kOk        ? "ok       "
                      : x.state == State::kWarning ? "warning  "
                                                   : "PROBLEM  ";
    ctx->Print(tag + x.message);
    w.BeginObject().Field("check", x.check).Field("state", StateName(x.state));
    w.Field("message", x.message).EndObject();
  }
  const size_t problems = f.Count(State::kProblem);
  w.EndArray().Field("ok", problems == 0).Field("problems", static_cast<uint64_t>(problems));
  w.Field("warnings", static_cast<uint64_t>(f.Count(State::kWarning))).EndObject();
  ctx->PrintJson(w);
  if (problems > 0) {
    return Status::Refused(Plural(problems, "problem") +
                           " found: each PROBLEM line says what to fix");
  }
  return Status::OK();
}

Status RunDoctor(Context* ctx) {
  Findings f;
  const ConfigFile* cfg = CheckConfig(ctx, &f);
  const bool password_ok = CheckPassword(ctx, &f);
  Repository* repo = CheckRepository(ctx, cfg != nullptr, password_ok, &f);
  CheckCache(&f);
  if (cfg != nullptr) {
    CheckSources(*cfg, &f);
    if (repo != nullptr) CheckHistory(*cfg, repo, &f);
  }
  return Report(ctx, f);
}

}  // namespace

void AddDoctorCommand(CLI::App* app, Context* ctx) {
  CLI::App* cmd = app->add_subcommand(
      "doctor", "Check the setup: config, password, repository, sources, last backup and drill");
  cmd->callback([ctx] { ctx->run = [ctx] { return RunDoctor(ctx); }; });
}

}  // namespace tidemark::cli
