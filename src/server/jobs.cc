#include "server/jobs.h"

#include <chrono>
#include <exception>

namespace tidemark {

struct JobRegistry::Job {
  JobSpec spec;
  uint64_t id = 0;
  JobState state = JobState::kQueued;
  int64_t submitted_us = 0, started_us = 0, finished_us = 0;
  bool cancel_requested = false;
  CancelToken cancel;
  JobProgress progress;
  JobResult result;
};

namespace {

constexpr JobKind kKinds[] = {JobKind::kBackup,  JobKind::kDrill,     JobKind::kCheck,
                              JobKind::kRestore, JobKind::kRetention, JobKind::kRollback};

JobState StateFor(const Status& s) {
  if (s.ok()) return JobState::kSucceeded;
  return s.IsCancelled() ? JobState::kCancelled : JobState::kFailed;
}

}  // namespace

const char* JobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kBackup:
      return "backup";
    case JobKind::kDrill:
      return "drill";
    case JobKind::kCheck:
      return "check";
    case JobKind::kRestore:
      return "restore";
    case JobKind::kRetention:
      return "retention";
    case JobKind::kRollback:
      return "rollback";
  }
  return "unknown";
}

Result<JobKind> ParseJobKind(std::string_view word) {
  for (JobKind k : kKinds) {
    if (word == JobKindName(k)) return k;
  }
  return Status::InvalidArgument("unknown job kind '" + std::string(word) +
                                 "'; kinds are backup, drill, check, restore, retention, rollback");
}

const char* JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

void JobProgress::SetMessage(std::string message) {
  message_.store(std::make_shared<const std::string>(std::move(message)));
}

JobProgress::View JobProgress::Get() const {
  View v;
  v.done = done_.load(std::memory_order_relaxed);
  v.total = total_.load(std::memory_order_relaxed);
  if (std::shared_ptr<const std::string> m = message_.load()) v.message = *m;
  return v;
}

JobRegistry::JobRegistry(Options options) : options_(std::move(options)) {
  const int n = options_.max_running < 1 ? 1 : options_.max_running;
  for (int i = 0; i < n; i++) workers_.emplace_back([this] { WorkerLoop(); });
}

JobRegistry::~JobRegistry() { Shutdown(0); }

int64_t JobRegistry::Now() const {
  return (options_.clock ? options_.clock : Clock::Real())->NowMicros();
}

std::string JobRegistry::KeyOf(const std::string& source, JobKind kind) {
  return source.empty() ? std::string("kind:") + JobKindName(kind) : "source:" + source;
}

Result<uint64_t> JobRegistry::Submit(JobSpec spec) {
  if (!spec.body) return Status::InvalidArgument("a job needs a body");
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Refused("the server is shutting down; no new jobs start");
    const std::string key = KeyOf(spec.source, spec.kind);
    if (active_keys_.count(key)) {
      for (const auto& [id, j] : jobs_) {
        if (!JobFinished(j->state) && KeyOf(j->spec.source, j->spec.kind) == key) {
          return Status::Refused(
              std::string(spec.source.empty() ? std::string("a ") + JobKindName(spec.kind)
                                              : "source " + spec.source) +
              " is busy with job " + std::to_string(id) + " (" + JobKindName(j->spec.kind) + ", " +
              JobStateName(j->state) + "); try again when it has ended");
        }
      }
    }
    job = std::make_shared<Job>();
    job->id = next_id_++;
    job->submitted_us = Now();
    job->spec = std::move(spec);
    active_keys_.insert(key);
    jobs_[job->id] = job;
    queue_.push_back(job->id);
  }
  work_cv_.notify_one();
  Notify(job);
  return job->id;
}

Status JobRegistry::Cancel(uint64_t id) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return Status::NotFound("no job " + std::to_string(id));
    job = it->second;
    if (JobFinished(job->state)) {
      return Status::Refused("job " + std::to_string(id) + " has already ended (" +
                             JobStateName(job->state) + ")");
    }
    job->cancel_requested = true;
    job->cancel.Cancel(CancelReason::kRequested);
    if (job->state == JobState::kQueued) {
      std::erase(queue_, id);
      FinishLocked(job.get(), {Status::Cancelled("cancelled (requested) before it started"), ""});
    }
  }
  idle_cv_.notify_all();
  Notify(job);
  return Status::OK();
}

Result<JobInfo> JobRegistry::Get(uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job " + std::to_string(id));
  return InfoLocked(*it->second);
}

JobPage JobRegistry::List(size_t offset, size_t limit) const {
  std::lock_guard lock(mu_);
  JobPage page;
  page.total = jobs_.size();
  size_t skipped = 0;
  for (auto it = jobs_.rbegin(); it != jobs_.rend() && page.jobs.size() < limit; ++it) {
    if (skipped++ < offset) continue;
    page.jobs.push_back(InfoLocked(*it->second));
  }
  return page;
}

uint64_t JobRegistry::ActiveFor(const std::string& source, JobKind kind) const {
  std::lock_guard lock(mu_);
  const std::string key = KeyOf(source, kind);
  for (const auto& [id, j] : jobs_) {
    if (!JobFinished(j->state) && KeyOf(j->spec.source, j->spec.kind) == key) return id;
  }
  return 0;
}

size_t JobRegistry::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

JobInfo JobRegistry::InfoLocked(const Job& job) const {
  JobInfo info;
  info.id = job.id;
  info.kind = job.spec.kind;
  info.source = job.spec.source;
  info.origin = job.spec.origin;
  info.state = job.state;
  info.submitted_us = job.submitted_us;
  info.started_us = job.started_us;
  info.finished_us = job.finished_us;
  info.cancel_requested = job.cancel_requested;
  info.progress = job.progress.Get();
  info.result = job.result;
  return info;
}

void JobRegistry::Notify(const std::shared_ptr<Job>& job) {
  if (!options_.on_change) return;
  JobInfo info;
  {
    std::lock_guard lock(mu_);
    info = InfoLocked(*job);
  }
  options_.on_change(info);
}

void JobRegistry::FinishLocked(Job* job, JobResult result) {
  job->state = StateFor(result.status);
  job->finished_us = Now();
  job->result = std::move(result);
  active_keys_.erase(KeyOf(job->spec.source, job->spec.kind));
  job->spec.body = nullptr;  // what it captured goes now, not with the history
  finished_.push_back(job->id);
  TrimHistoryLocked();
}

void JobRegistry::TrimHistoryLocked() {
  while (finished_.size() > options_.history) {
    jobs_.erase(finished_.front());
    finished_.pop_front();
  }
}

void JobRegistry::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, nothing left to start
      job = jobs_.at(queue_.front());
      queue_.pop_front();
      job->state = JobState::kRunning;
      job->started_us = Now();
      running_++;
    }
    Notify(job);
    RunOne(job);
  }
}

void JobRegistry::RunOne(const std::shared_ptr<Job>& job) {
  JobContext ctx{job->id, job->cancel, job->progress};
  JobResult result;
  try {
    result = job->spec.body(ctx);
  } catch (const std::exception& e) {  // a body's library threw: a bug to report, not a crash
    result.status =
        Status::Internal(std::string("job ") + std::to_string(job->id) + " threw: " + e.what());
  } catch (...) {
    result.status = Status::Internal("job " + std::to_string(job->id) + " threw");
  }
  {
    std::lock_guard lock(mu_);
    FinishLocked(job.get(), std::move(result));
    running_--;
  }
  idle_cv_.notify_all();
  Notify(job);
}

void JobRegistry::Shutdown(int64_t grace_us) {
  std::vector<std::shared_ptr<Job>> changed;
  {
    std::unique_lock lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      for (uint64_t id : queue_) {
        std::shared_ptr<Job> job = jobs_.at(id);
        job->cancel.Cancel(CancelReason::kShutdown);
        FinishLocked(job.get(), {Status::Cancelled("cancelled (shutdown) before it started"), ""});
        changed.push_back(job);
      }
      queue_.clear();
    }
    work_cv_.notify_all();
    if (grace_us > 0) {
      idle_cv_.wait_for(lock, std::chrono::microseconds(grace_us), [&] { return running_ == 0; });
    }
    for (auto& [id, job] : jobs_) {
      if (job->state != JobState::kRunning) continue;
      job->cancel.Cancel(CancelReason::kShutdown);
      job->cancel_requested = true;
      changed.push_back(job);
    }
  }
  for (const auto& job : changed) Notify(job);
  std::call_once(joined_, [&] {
    for (std::thread& t : workers_) t.join();
  });
}

}  // namespace tidemark
