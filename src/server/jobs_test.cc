// JobRegistry: states, results, progress, cancel, one job per source, at
// most N running, the bounded history, paging and shutdown. Bodies block on
// gates the test opens, and the test waits for the registry's own change
// events: no sleeps, no timing.
#include "server/jobs.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tidemark {
namespace {

// A door a body waits at until the test opens it.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Every change the registry reports, and waiting for one.
class Events {
 public:
  void Record(const JobInfo& info) {
    std::lock_guard lock(mu_);
    last_[info.id] = info;
    cv_.notify_all();
  }
  // Waits until job `id` was last seen in a state that `pred` accepts.
  template <typename Pred>
  JobInfo WaitFor(uint64_t id, Pred pred) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return last_.count(id) && pred(last_[id]); });
    return last_[id];
  }
  JobInfo WaitState(uint64_t id, JobState s) {
    return WaitFor(id, [s](const JobInfo& i) { return i.state == s; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, JobInfo> last_;
};

class JobsTest : public ::testing::Test {
 protected:
  std::unique_ptr<JobRegistry> Make(int max_running, size_t history = 100) {
    JobRegistry::Options o;
    o.max_running = max_running;
    o.history = history;
    o.clock = &clock_;
    o.on_change = [this](const JobInfo& i) { events_.Record(i); };
    return std::make_unique<JobRegistry>(std::move(o));
  }
  static JobSpec Spec(JobKind kind, std::string source, JobBody body) {
    JobSpec s;
    s.kind = kind;
    s.source = std::move(source);
    s.origin = "test";
    s.body = std::move(body);
    return s;
  }
  static JobBody Returns(Status s, std::string json = "") {
    return [s, json](JobContext&) { return JobResult{s, json}; };
  }
  // A body that waits at `gate`, then stops at a check point if cancelled.
  static JobBody Blocks(Gate* gate) {
    return [gate](JobContext& ctx) {
      gate->Wait();
      return JobResult{ctx.cancel.Check("test"), "{}"};
    };
  }

  FakeClock clock_{1'700'000'000'000'000};
  Events events_;
};

TEST_F(JobsTest, ABodyRunsAndItsResultIsKept) {
  auto reg = Make(1);
  Gate gate, reached;
  auto id = reg->Submit(Spec(JobKind::kBackup, "crm", [&](JobContext& ctx) {
    ctx.progress.SetTotal(10);
    ctx.progress.Add(4);
    ctx.progress.SetMessage("table orders");
    reached.Open();
    gate.Wait();
    return JobResult{Status::OK(), "{\"snapshot\":\"ab12\"}"};
  }));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 1u);
  JobInfo running = events_.WaitState(*id, JobState::kRunning);
  reached.Wait();  // progress shows while it runs
  clock_.Advance(5'000'000);
  auto mid = reg->Get(*id);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->state, JobState::kRunning);
  EXPECT_EQ(mid->progress.done, 4u);
  EXPECT_EQ(mid->progress.total, 10u);
  EXPECT_EQ(mid->progress.message, "table orders");
  EXPECT_EQ(running.started_us, 1'700'000'000'000'000);
  gate.Open();
  JobInfo done = events_.WaitState(*id, JobState::kSucceeded);
  EXPECT_EQ(done.result.json, "{\"snapshot\":\"ab12\"}");
  EXPECT_EQ(done.kind, JobKind::kBackup);
  EXPECT_EQ(done.source, "crm");
  EXPECT_EQ(done.origin, "test");
  EXPECT_EQ(done.submitted_us, 1'700'000'000'000'000);
  EXPECT_EQ(done.finished_us, 1'700'000'005'000'000);
  EXPECT_TRUE(done.result.status.ok());
}

TEST_F(JobsTest, TheStatusOfTheBodyDecidesTheFinalState) {
  auto reg = Make(2);
  auto failed = reg->Submit(Spec(JobKind::kCheck, "", Returns(Status::IOError("disk gone"))));
  auto cancelled =
      reg->Submit(Spec(JobKind::kBackup, "crm", Returns(Status::Cancelled("stopped"))));
  auto threw = reg->Submit(Spec(
      JobKind::kDrill, "hr", [](JobContext&) -> JobResult { throw std::runtime_error("boom"); }));
  ASSERT_TRUE(failed.ok() && cancelled.ok() && threw.ok());
  EXPECT_EQ(events_.WaitState(*failed, JobState::kFailed).result.status.message(), "disk gone");
  events_.WaitState(*cancelled, JobState::kCancelled);
  JobInfo t = events_.WaitState(*threw, JobState::kFailed);
  EXPECT_EQ(t.result.status.code(), Status::Code::kInternal);
  EXPECT_NE(t.result.status.message().find("boom"), std::string::npos);
}

TEST_F(JobsTest, OneJobPerSourceAndOneSourcelessJobPerKind) {
  auto reg = Make(4);
  Gate gate;
  auto first = reg->Submit(Spec(JobKind::kBackup, "crm", Blocks(&gate)));
  ASSERT_TRUE(first.ok());
  auto again = reg->Submit(Spec(JobKind::kBackup, "crm", Returns(Status::OK())));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsRefused());
  EXPECT_NE(again.status().message().find("source crm is busy with job 1 (backup"),
            std::string::npos)
      << again.status().message();
  // A drill of the same source is refused too; another source is not.
  EXPECT_TRUE(
      reg->Submit(Spec(JobKind::kDrill, "crm", Returns(Status::OK()))).status().IsRefused());
  auto other = reg->Submit(Spec(JobKind::kBackup, "hr", Returns(Status::OK())));
  ASSERT_TRUE(other.ok());
  auto check = reg->Submit(Spec(JobKind::kCheck, "", Blocks(&gate)));
  ASSERT_TRUE(check.ok());
  EXPECT_NE(reg->Submit(Spec(JobKind::kCheck, "", Returns(Status::OK())))
                .status()
                .message()
                .find("a check is busy"),
            std::string::npos);
  EXPECT_TRUE(reg->Submit(Spec(JobKind::kRetention, "", Returns(Status::OK()))).ok());
  EXPECT_EQ(reg->ActiveFor("crm", JobKind::kBackup), *first);
  gate.Open();
  events_.WaitState(*first, JobState::kSucceeded);
  events_.WaitState(*check, JobState::kSucceeded);
  EXPECT_EQ(reg->ActiveFor("crm", JobKind::kBackup), 0u);
  EXPECT_TRUE(reg->Submit(Spec(JobKind::kBackup, "crm", Returns(Status::OK()))).ok());
}

TEST_F(JobsTest, AtMostMaxRunningBodiesRunAtOnce) {
  auto reg = Make(2);
  Gate gate;
  std::vector<uint64_t> ids;
  for (const char* src : {"a", "b", "c"}) {
    auto id = reg->Submit(Spec(JobKind::kBackup, src, Blocks(&gate)));
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  events_.WaitState(ids[0], JobState::kRunning);
  events_.WaitState(ids[1], JobState::kRunning);
  EXPECT_EQ(reg->running(), 2u);
  EXPECT_EQ(reg->Get(ids[2])->state, JobState::kQueued);  // both workers are busy
  gate.Open();
  for (uint64_t id : ids) events_.WaitState(id, JobState::kSucceeded);
  EXPECT_EQ(reg->running(), 0u);
}

TEST_F(JobsTest, CancelAQueuedJobAndARunningOne) {
  auto reg = Make(1);
  Gate gate;
  bool second_ran = false;
  auto first = reg->Submit(Spec(JobKind::kBackup, "crm", Blocks(&gate)));
  auto second = reg->Submit(Spec(JobKind::kBackup, "hr", [&](JobContext&) {
    second_ran = true;
    return JobResult{};
  }));
  ASSERT_TRUE(first.ok() && second.ok());
  events_.WaitState(*first, JobState::kRunning);
  ASSERT_TRUE(reg->Cancel(*second).ok());
  JobInfo q = events_.WaitState(*second, JobState::kCancelled);
  EXPECT_TRUE(q.cancel_requested);
  EXPECT_NE(q.result.status.message().find("before it started"), std::string::npos);
  ASSERT_TRUE(reg->Cancel(*first).ok());
  EXPECT_TRUE(events_.WaitFor(*first, [](const JobInfo& i) { return i.cancel_requested; }).state ==
              JobState::kRunning);  // it ends at its next check point
  gate.Open();
  JobInfo r = events_.WaitState(*first, JobState::kCancelled);
  EXPECT_TRUE(r.result.status.IsCancelled());
  EXPECT_NE(r.result.status.message().find("cancelled (requested) at test"), std::string::npos);
  EXPECT_FALSE(second_ran);
  EXPECT_TRUE(reg->Cancel(*first).IsRefused());
  EXPECT_TRUE(reg->Cancel(99).IsNotFound());
}

TEST_F(JobsTest, ListsNewestFirstInPagesAndKeepsABoundedHistory) {
  auto reg = Make(1, 3);
  for (int i = 0; i < 5; i++) {
    auto id = reg->Submit(Spec(JobKind::kBackup, "s" + std::to_string(i), Returns(Status::OK())));
    ASSERT_TRUE(id.ok());
    events_.WaitState(*id, JobState::kSucceeded);
  }
  JobPage first = reg->List(0, 2);
  EXPECT_EQ(first.total, 3u);
  ASSERT_EQ(first.jobs.size(), 2u);
  EXPECT_EQ(first.jobs[0].id, 5u);
  EXPECT_EQ(first.jobs[1].id, 4u);
  JobPage rest = reg->List(2, 10);
  ASSERT_EQ(rest.jobs.size(), 1u);
  EXPECT_EQ(rest.jobs[0].id, 3u);
  EXPECT_TRUE(reg->List(3, 10).jobs.empty());
  EXPECT_TRUE(reg->Get(2).status().IsNotFound());  // forgotten
  EXPECT_TRUE(reg->Get(3).ok());
}

TEST_F(JobsTest, ShutdownCancelsQueuedJobsAndStopsRunningOnesAtTheirNextCheckPoint) {
  auto reg = Make(1);
  Gate gate;
  auto running = reg->Submit(Spec(JobKind::kBackup, "crm", Blocks(&gate)));
  auto queued = reg->Submit(Spec(JobKind::kBackup, "hr", Returns(Status::OK())));
  ASSERT_TRUE(running.ok() && queued.ok());
  events_.WaitState(*running, JobState::kRunning);
  std::thread stopper([&] { reg->Shutdown(0); });
  // No grace: the running job's token is cancelled at once.
  events_.WaitFor(*running, [](const JobInfo& i) { return i.cancel_requested; });
  gate.Open();
  stopper.join();  // returns only once the body has returned
  auto r = reg->Get(*running);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, JobState::kCancelled);
  EXPECT_NE(r->result.status.message().find("cancelled (shutdown)"), std::string::npos);
  EXPECT_EQ(reg->Get(*queued)->state, JobState::kCancelled);
  auto late = reg->Submit(Spec(JobKind::kBackup, "wiki", Returns(Status::OK())));
  EXPECT_TRUE(late.status().IsRefused());
  reg->Shutdown(0);  // idempotent
}

TEST_F(JobsTest, ShutdownLetsARunningJobFinishWithinItsGrace) {
  auto reg = Make(1);
  Gate gate;
  auto id = reg->Submit(Spec(JobKind::kBackup, "crm", [&](JobContext& ctx) {
    gate.Wait();
    return JobResult{ctx.cancel.Check("test"), "{\"ok\":true}"};
  }));
  ASSERT_TRUE(id.ok());
  events_.WaitState(*id, JobState::kRunning);
  std::thread stopper([&] { reg->Shutdown(3'600'000'000); });  // returns when the job ends
  gate.Open();
  stopper.join();
  auto r = reg->Get(*id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, JobState::kSucceeded);
  EXPECT_FALSE(r->cancel_requested);
  EXPECT_EQ(r->result.json, "{\"ok\":true}");
}

TEST_F(JobsTest, KindsAndStatesHaveNames) {
  EXPECT_STREQ(JobKindName(JobKind::kRetention), "retention");
  EXPECT_STREQ(JobStateName(JobState::kCancelled), "cancelled");
  EXPECT_EQ(*ParseJobKind("rollback"), JobKind::kRollback);
  EXPECT_TRUE(ParseJobKind("prune").status().IsInvalidArgument());
  auto reg = Make(1);
  EXPECT_TRUE(reg->Submit(Spec(JobKind::kBackup, "crm", nullptr)).status().IsInvalidArgument());
}

}  // namespace
}  // namespace tidemark
