// The scheduler of `tidemark serve` (docs/guide/schedule.md): what runs when.
// It decides and keeps time; it runs nothing. The server calls Tick(now) on
// its clock, submits each task Tick returns as a job (server/jobs.h) and
// reports the job's end with Finished; a test drives a whole day through it
// with a FakeClock in milliseconds.
//
// Tasks:
//  - a backup per configured source: at its cron `schedule`, else at its RPO
//    (due when the newest snapshot would reach the RPO), else never (on
//    demand only);
//  - a drill per plan with a `cadence` (its last stored report + cadence);
//  - retention (forget with each source's [source.retention], then prune) at
//    [schedule] retention.
// Rules:
//  - a window missed while the server was down runs once, at the first Tick,
//    not once per window missed;
//  - jitter: each run is moved by a deterministic amount in [0, jitter] (a
//    hash of the seed, the task and its window; at most half the task's
//    interval): later for cron and cadence, earlier for RPO (so that the RPO
//    still holds);
//  - at most max_running tasks at once, never two for one source, never a
//    task twice;
//  - a run that did not succeed is retried after backoff_initial, doubled on
//    each further failure up to backoff_max (or at its next regular window,
//    when that comes first). RetryLater() tells a busy source (locked by the
//    app, the repository locked by prune) from a real failure, for the
//    last-outcome word only: both back off.
// Thread-safe (one mutex); Tick and Finished may come from different threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/cron.h"
#include "base/result.h"
#include "config/config.h"
#include "repo/repository.h"
#include "server/jobs.h"

namespace tidemark {

// What the scheduler is told to run (PlanFromConfig builds it from tidemark.toml).
struct SchedulePlan {
  struct Backup {
    std::string source;
    std::optional<uint64_t> rpo_us;
    std::optional<CronSchedule> cron;
  };
  struct Drill {
    std::string plan, source;
    uint64_t cadence_us = 0;
  };
  std::vector<Backup> backups;
  std::vector<Drill> drills;
  std::optional<CronSchedule> retention;
  int max_running = 2;
  uint64_t jitter_us = 0;
  uint64_t seed = 0;
  uint64_t backoff_initial_us = 60'000'000;  // 1 minute
  uint64_t backoff_max_us = 3'600'000'000;   // 1 hour
};

// [[source]] schedule and rpo, [[drill]] cadence, [schedule] retention,
// max_jobs and jitter. Drill plans without a cadence are not scheduled.
SchedulePlan PlanFromConfig(const ConfigFile& cfg, uint64_t seed);

// When each task last ran, as far as anyone can tell: the newest snapshot of
// each source and the newest stored report of each plan (ObserveRepository),
// and for retention the scheduler's own state (Scheduler::SaveState).
struct LastRuns {
  std::map<std::string, int64_t> backup_us;  // source -> time of its newest snapshot
  std::map<std::string, int64_t> drill_us;   // plan -> start of its newest report
  std::optional<int64_t> retention_us;
};
// Reads the snapshots and the stored drill reports of `repo`.
Result<LastRuns> ObserveRepository(const Repository& repo);

// One task to start, as Tick returns it.
struct ScheduledTask {
  std::string key;  // "backup:crm", "drill:crm-weekly", "retention"
  JobKind kind = JobKind::kBackup;
  std::string name;    // the source, the plan, or "" for retention
  std::string source;  // the source it works on; "" for retention
  int64_t due_us = 0;  // when it was due (its window, with jitter)
  int attempt = 0;     // 0: a regular run; n: the nth retry
};

// Each task as the API shows it.
struct TaskStatus {
  std::string key;
  JobKind kind = JobKind::kBackup;
  std::string name, source;
  bool running = false;
  int64_t next_run_us = 0;   // INT64_MAX: not scheduled (while running: after it ends)
  int64_t last_run_us = 0;   // 0: never (that the scheduler knows of)
  std::string last_outcome;  // "", "ok", "busy", "failed", "cancelled"
  std::string last_error;    // the message of the last run that did not succeed
  int failures = 0;          // runs in a row that did not succeed
};

// A busy source or repository (Refused: locked by the app past its wait, a
// repository lock held by prune or forget, a job of the source already
// running): retry later. Anything else that is not OK is a failure.
bool RetryLater(const Status& s);

class Scheduler {
 public:
  Scheduler(SchedulePlan plan, const LastRuns& last, int64_t now_us);

  // The tasks to start now: each task whose next run is at or before now_us
  // and that is not running, in order of their next run (then key), skipping
  // a task whose source a started task holds, at most max_running - running.
  // Marks them running.
  std::vector<ScheduledTask> Tick(int64_t now_us);
  // The end of a task Tick returned: OK moves it to its next window; another
  // Status retries it with backoff. `started_us` is when it began (a
  // snapshot's time), `now_us` when it ended.
  void Finished(const std::string& key, const Status& outcome, int64_t started_us, int64_t now_us);
  // When Tick next has something to return: the earliest next run of a task
  // not running; INT64_MAX when none is scheduled.
  int64_t NextWakeUs() const;
  std::vector<TaskStatus> Tasks() const;

  // The scheduler's own state (last runs, outcomes, failures in a row) as
  // JSON, for the server's state folder; LoadState applies it (tasks no
  // longer configured are ignored). InvalidArgument for malformed text.
  std::string SaveState() const;
  Status LoadState(std::string_view json, int64_t now_us);

 private:
  struct Task {
    ScheduledTask spec;
    std::optional<uint64_t> rpo_us, cadence_us;
    const CronSchedule* cron = nullptr;  // points into plan_
    TaskStatus status;
    int64_t last_success_us = 0;  // 0: never
  };
  int64_t Jitter(const Task& t, int64_t window_us, uint64_t interval_us) const;
  // The next regular run after a run at last_run_us (0: never), not before now_us - ever.
  int64_t RegularNext(const Task& t, int64_t last_run_us, int64_t now_us) const;
  uint64_t Backoff(int failures) const;
  void AddTask(JobKind kind, const std::string& name, const std::string& source,
               std::optional<int64_t> last_us, int64_t now_us);

  SchedulePlan plan_;
  mutable std::mutex mu_;
  std::map<std::string, Task> tasks_;  // by key
  int running_ = 0;
};

}  // namespace tidemark
