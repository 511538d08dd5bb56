// Jobs of `tidemark serve` (docs/architecture.md#jobs-and-the-scheduler): long
// work (a backup, a drill, a check, a restore, retention, a rollback) runs as a
// resource with a state, progress and a result instead of inside a request.
// The registry knows nothing of HTTP or of what a body does: the server gives
// it a function that calls the use case in ops/ with the job's cancel token.
//
//   queued --> running --> succeeded | failed | cancelled
//      \__________________________________/^   (a queued job cancelled)
//
// Limits: at most Options::max_running bodies run at once (one worker thread
// each); at most one queued or running job per source (a job with no source:
// per kind), and a second one is refused (Refused: "409, try again when job N
// ends") rather than queued behind it, so that a client sees at once that its
// backup did not start and the scheduler can back off. Finished jobs are
// kept, newest last, up to Options::history; older ones are forgotten.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/cancel.h"
#include "base/clock.h"
#include "base/result.h"

namespace tidemark {

enum class JobKind { kBackup, kDrill, kCheck, kRestore, kRetention, kRollback };
const char* JobKindName(JobKind kind);  // "backup", "drill", ...
// InvalidArgument listing the kinds for an unknown word.
Result<JobKind> ParseJobKind(std::string_view word);

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };
const char* JobStateName(JobState state);  // "queued", "running", ...
inline bool JobFinished(JobState s) { return s != JobState::kQueued && s != JobState::kRunning; }

// What a running job has done so far. The worker updates it without taking
// a lock (atomics; the message is swapped as one pointer); readers take a
// consistent-enough copy with Get(). Thread-safe.
class JobProgress {
 public:
  struct View {
    uint64_t done = 0,
             total = 0;   // units of the job's own kind (records, tables); total 0: unknown
    std::string message;  // "table orders", "" when none
  };
  void SetTotal(uint64_t total) { total_.store(total, std::memory_order_relaxed); }
  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  void SetDone(uint64_t done) { done_.store(done, std::memory_order_relaxed); }
  void SetMessage(std::string message);
  View Get() const;

 private:
  std::atomic<uint64_t> done_{0}, total_{0};
  std::atomic<std::shared_ptr<const std::string>> message_;
};

// What a body gives back: its Status decides the final state (OK:
// succeeded, Cancelled: cancelled, anything else: failed) and `json` is its
// result document (a JSON object as text; "" for none), kept with the job.
struct JobResult {
  Status status;
  std::string json;
};

// What a body receives. `cancel` is the job's own token: pass it to the use
// case (BackupOptions::cancel, ...) so that cancel() and shutdown stop it at
// its next check point.
struct JobContext {
  uint64_t id;
  const CancelToken& cancel;
  JobProgress& progress;
};
using JobBody = std::function<JobResult(JobContext&)>;

struct JobSpec {
  JobKind kind = JobKind::kBackup;
  std::string source;  // the source it works on; "" for none (check, retention)
  std::string origin;  // who asked: "scheduler", an account name; for the listing
  JobBody body;
};

// One job as the registry reports it (a copy).
struct JobInfo {
  uint64_t id = 0;
  JobKind kind = JobKind::kBackup;
  std::string source, origin;
  JobState state = JobState::kQueued;
  int64_t submitted_us = 0, started_us = 0, finished_us = 0;  // 0: not yet
  bool cancel_requested = false;
  JobProgress::View progress;
  JobResult result;  // meaningful once finished
};

struct JobPage {
  std::vector<JobInfo> jobs;  // newest first
  size_t total = 0;           // jobs the registry holds (queued, running and kept finished)
};

class JobRegistry {
 public:
  struct Options {
    int max_running = 2;           // worker threads; >= 1
    size_t history = 200;          // finished jobs kept
    const Clock* clock = nullptr;  // the times of JobInfo; null: the real clock
    // Called after every change of a job's state and when a cancel is asked
    // for, on the thread that made the change, with no lock held (metrics,
    // webhooks, tests). May call back into the registry.
    std::function<void(const JobInfo&)> on_change;
  };
  explicit JobRegistry(Options options);
  ~JobRegistry();  // Shutdown(0)
  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // Queues the job and returns its id (1, 2, ...). Refused when a job of the
  // same source (or, without a source, the same kind) is queued or running,
  // naming it, and when the registry is shutting down; InvalidArgument
  // without a body.
  Result<uint64_t> Submit(JobSpec spec);
  // A queued job is cancelled at once (its body never runs); a running job's
  // token is cancelled and the job ends at the body's next check point.
  // NotFound for an id it does not hold; Refused for a finished job.
  Status Cancel(uint64_t id);
  // NotFound for an id it does not hold (never submitted, or forgotten).
  Result<JobInfo> Get(uint64_t id) const;
  // `limit` jobs after skipping `offset`, newest first.
  JobPage List(size_t offset, size_t limit) const;
  // The id of the queued or running job of `source` (or of `kind` when the
  // source is ""), 0 when none.
  uint64_t ActiveFor(const std::string& source, JobKind kind) const;
  size_t running() const;

  // Stops taking jobs, cancels the queued ones, lets the running ones finish
  // for up to `grace_us` (real time), then cancels them (CancelReason::
  // kShutdown) and waits until every body has returned, and joins the
  // workers. Nothing is left running or half-recorded. Idempotent.
  void Shutdown(int64_t grace_us);

 private:
  struct Job;
  static std::string KeyOf(const std::string& source, JobKind kind);
  void WorkerLoop();
  void RunOne(const std::shared_ptr<Job>& job);
  void FinishLocked(Job* job, JobResult result);
  void TrimHistoryLocked();
  void Notify(const std::shared_ptr<Job>& job);
  JobInfo InfoLocked(const Job& job) const;
  int64_t Now() const;

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;                // a job queued, or stopping
  std::condition_variable idle_cv_;                // a job finished
  std::map<uint64_t, std::shared_ptr<Job>> jobs_;  // by id: oldest first
  std::deque<uint64_t> queue_;                     // queued ids, in order
  std::set<std::string> active_keys_;              // KeyOf of queued and running jobs
  std::deque<uint64_t> finished_;                  // finished ids, oldest first
  uint64_t next_id_ = 1;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::once_flag joined_;
};

}  // namespace tidemark
