#include "server/scheduler.h"

#include <algorithm>
#include <climits>
#include <tuple>

#include "base/json.h"
#include "base/json_parse.h"
#include "crypto/crypto.h"
#include "ops/drill/drill_store.h"
#include "snapshot/catalog.h"

namespace tidemark {
namespace {

constexpr int64_t kNever = INT64_MAX;

std::string KeyFor(JobKind kind, const std::string& name) {
  return kind == JobKind::kRetention ? "retention" : std::string(JobKindName(kind)) + ":" + name;
}

const char* OutcomeWord(const Status& s) {
  if (s.ok()) return "ok";
  if (s.IsCancelled()) return "cancelled";
  return RetryLater(s) ? "busy" : "failed";
}

}  // namespace

bool RetryLater(const Status& s) { return s.IsRefused(); }

SchedulePlan PlanFromConfig(const ConfigFile& cfg, uint64_t seed) {
  SchedulePlan plan;
  for (const SourceConfig& s : cfg.sources) plan.backups.push_back({s.name, s.rpo_us, s.schedule});
  for (const DrillPlan& d : cfg.drills) {
    if (d.cadence_us > 0) plan.drills.push_back({d.name, d.source, d.cadence_us});
  }
  plan.retention = cfg.schedule.retention;
  plan.max_running = static_cast<int>(cfg.schedule.max_jobs);
  plan.jitter_us = cfg.schedule.jitter_us;
  plan.seed = seed;
  return plan;
}

Result<LastRuns> ObserveRepository(const Repository& repo) {
  LastRuns last;
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps, LoadSnapshots(repo));
  for (const SnapshotInfo& s : snaps) {
    int64_t& t = last.backup_us[s.manifest.source];
    t = std::max(t, s.manifest.time_us);
  }
  TM_ASSIGN_OR_RETURN(StoredDrills drills, ListDrillReports(repo));
  for (const DrillReport& r : drills.reports) {
    int64_t& t = last.drill_us[r.plan];
    t = std::max(t, r.started_us);
  }
  return last;
}

Scheduler::Scheduler(SchedulePlan plan, const LastRuns& last, int64_t now_us)
    : plan_(std::move(plan)) {
  if (plan_.max_running < 1) plan_.max_running = 1;
  auto find = [](const std::map<std::string, int64_t>& m,
                 const std::string& k) -> std::optional<int64_t> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
  for (const SchedulePlan::Backup& b : plan_.backups) {
    AddTask(JobKind::kBackup, b.source, b.source, find(last.backup_us, b.source), now_us);
    Task& t = tasks_.at(KeyFor(JobKind::kBackup, b.source));
    t.rpo_us = b.rpo_us;
    t.cron = b.cron ? &*b.cron : nullptr;
  }
  for (const SchedulePlan::Drill& d : plan_.drills) {
    AddTask(JobKind::kDrill, d.plan, d.source, find(last.drill_us, d.plan), now_us);
    tasks_.at(KeyFor(JobKind::kDrill, d.plan)).cadence_us = d.cadence_us;
  }
  if (plan_.retention) {
    AddTask(JobKind::kRetention, "", "", last.retention_us, now_us);
    tasks_.at("retention").cron = &*plan_.retention;
  }
  for (auto& [key, t] : tasks_) {
    t.status.next_run_us = RegularNext(t, t.status.last_run_us, now_us);
  }
}

void Scheduler::AddTask(JobKind kind, const std::string& name, const std::string& source,
                        std::optional<int64_t> last_us, int64_t now_us) {
  Task t;
  t.spec.key = KeyFor(kind, name);
  t.spec.kind = kind;
  t.spec.name = name;
  t.spec.source = source;
  t.status.key = t.spec.key;
  t.status.kind = kind;
  t.status.name = name;
  t.status.source = source;
  t.status.last_run_us = last_us.value_or(0);
  t.last_success_us = t.status.last_run_us;
  tasks_[t.spec.key] = std::move(t);
}

int64_t Scheduler::Jitter(const Task& t, int64_t window_us, uint64_t interval_us) const {
  uint64_t bound = plan_.jitter_us;
  if (interval_us > 0) bound = std::min<uint64_t>(bound, interval_us / 2);
  if (bound == 0) return 0;
  std::string key(kShortHashKeySize, '\0');
  for (size_t i = 0; i < 8; i++) key[i] = static_cast<char>(plan_.seed >> (8 * i));
  const uint64_t h = ShortHash(key, t.spec.key + "@" + std::to_string(window_us));
  return static_cast<int64_t>(h % (bound + 1));
}

int64_t Scheduler::RegularNext(const Task& t, int64_t last_run_us, int64_t now_us) const {
  if (t.cron != nullptr) {
    // Retention that never ran waits for its first window; a backup that
    // never ran is due at once, as `backup --all --due` would take it.
    if (last_run_us == 0 && t.spec.kind != JobKind::kRetention) return now_us;
    const int64_t window = t.cron->NextAfter(last_run_us == 0 ? now_us : last_run_us);
    const int64_t interval = t.cron->NextAfter(window) - window;
    return window + Jitter(t, window, static_cast<uint64_t>(interval));
  }
  const std::optional<uint64_t> every = t.rpo_us ? t.rpo_us : t.cadence_us;
  if (!every) return kNever;  // on demand only
  if (last_run_us == 0) return now_us;
  const int64_t window = last_run_us + static_cast<int64_t>(*every);
  const int64_t j = Jitter(t, window, *every);
  return t.rpo_us ? window - j : window + j;  // early for an RPO, so that it holds
}

uint64_t Scheduler::Backoff(int failures) const {
  uint64_t d = plan_.backoff_initial_us;
  for (int i = 1; i < failures && d < plan_.backoff_max_us; i++) d *= 2;
  return std::min(d, plan_.backoff_max_us);
}

std::vector<ScheduledTask> Scheduler::Tick(int64_t now_us) {
  std::lock_guard lock(mu_);
  std::vector<Task*> due;
  std::vector<std::string> busy_sources;
  for (auto& [key, t] : tasks_) {
    if (t.status.running) {
      if (!t.spec.source.empty()) busy_sources.push_back(t.spec.source);
    } else if (t.status.next_run_us <= now_us) {
      due.push_back(&t);
    }
  }
  std::sort(due.begin(), due.end(), [](const Task* a, const Task* b) {
    return std::tie(a->status.next_run_us, a->spec.key) <
           std::tie(b->status.next_run_us, b->spec.key);
  });
  std::vector<ScheduledTask> out;
  for (Task* t : due) {
    if (running_ >= plan_.max_running) break;
    const std::string& src = t->spec.source;
    if (!src.empty() &&
        std::find(busy_sources.begin(), busy_sources.end(), src) != busy_sources.end()) {
      continue;  // waits for the task that holds its source
    }
    if (!src.empty()) busy_sources.push_back(src);
    t->status.running = true;
    running_++;
    ScheduledTask s = t->spec;
    s.due_us = t->status.next_run_us;
    s.attempt = t->status.failures;
    out.push_back(std::move(s));
  }
  return out;
}

void Scheduler::Finished(const std::string& key, const Status& outcome, int64_t started_us,
                         int64_t now_us) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(key);
  if (it == tasks_.end() || !it->second.status.running) return;
  Task& t = it->second;
  t.status.running = false;
  running_--;
  t.status.last_run_us = started_us;
  t.status.last_outcome = OutcomeWord(outcome);
  if (outcome.ok()) {
    t.status.failures = 0;
    t.status.last_error.clear();
    t.last_success_us = started_us;
    t.status.next_run_us = RegularNext(t, started_us, now_us);
    return;
  }
  t.status.failures++;
  t.status.last_error = outcome.message();
  const int64_t retry = now_us + static_cast<int64_t>(Backoff(t.status.failures));
  // A cron task's next window comes after this attempt; an RPO or a
  // cadence still counts from the last success (so it is overdue).
  const int64_t regular =
      RegularNext(t, t.cron != nullptr ? started_us : t.last_success_us, now_us);
  t.status.next_run_us = regular > now_us ? std::min(regular, retry) : retry;
}

int64_t Scheduler::NextWakeUs() const {
  std::lock_guard lock(mu_);
  int64_t next = kNever;
  for (const auto& [key, t] : tasks_) {
    if (!t.status.running) next = std::min(next, t.status.next_run_us);
  }
  return next;
}

std::vector<TaskStatus> Scheduler::Tasks() const {
  std::lock_guard lock(mu_);
  std::vector<TaskStatus> out;
  for (const auto& [key, t] : tasks_) out.push_back(t.status);
  return out;
}

std::string Scheduler::SaveState() const {
  std::lock_guard lock(mu_);
  JsonWriter w;
  w.BeginObject().Field("version", 1).Key("tasks").BeginArray();
  for (const auto& [key, t] : tasks_) {
    w.BeginObject().Field("key", key).Field("last_run_us", t.status.last_run_us);
    w.Field("last_success_us", t.last_success_us).Field("last_outcome", t.status.last_outcome);
    w.Field("last_error", t.status.last_error).Field("failures", t.status.failures);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.str();
}

Status Scheduler::LoadState(std::string_view json, int64_t now_us) {
  TM_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(json));
  const JsonValue* version = doc.Find("version");
  const JsonValue* tasks = doc.Find("tasks");
  if (version == nullptr || !version->is_integer() || version->int_value() != 1 ||
      tasks == nullptr || !tasks->is_array()) {
    return Status::InvalidArgument("scheduler state: expected {\"version\": 1, \"tasks\": [...]}");
  }
  std::lock_guard lock(mu_);
  for (const JsonValue& e : tasks->array()) {
    const JsonValue* key = e.Find("key");
    if (key == nullptr || !key->is_string()) continue;
    auto it = tasks_.find(key->string_value());
    if (it == tasks_.end() || it->second.status.running) continue;
    Task& t = it->second;
    auto num = [&](const char* k) {
      const JsonValue* v = e.Find(k);
      return v != nullptr && v->is_integer() ? v->int_value() : int64_t{0};
    };
    auto text = [&](const char* k) {
      const JsonValue* v = e.Find(k);
      return v != nullptr && v->is_string() ? v->string_value() : std::string();
    };
    // The repository's times win when newer (a backup run by the CLI).
    t.status.last_run_us = std::max(t.status.last_run_us, num("last_run_us"));
    t.last_success_us = std::max(t.last_success_us, num("last_success_us"));
    t.status.last_outcome = text("last_outcome");
    t.status.last_error = text("last_error");
    t.status.failures = static_cast<int>(std::clamp<int64_t>(num("failures"), 0, 1000));
    t.status.next_run_us = RegularNext(t, t.last_success_us, now_us);
  }
  return Status::OK();
}

}  // namespace tidemark
