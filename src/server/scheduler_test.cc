// The scheduler on a test clock: a whole day of three sources, two drill
// plans and retention, with the exact start of every run; a missed window
// after downtime runs once; one job per source; jitter bounds; backoff.
#include "server/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <map>
#include <set>

namespace tidemark {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;

int64_t At(const char* text) {
  int64_t us = 0;
  EXPECT_TRUE(ParseTimeUtc(text, &us)) << text;
  return us;
}

CronSchedule Cron(const char* text) {
  auto c = CronSchedule::Parse(text);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

// "HH:MM key" of a time within the day that starts at t0.
std::string Hm(int64_t t0, int64_t t, const std::string& key) {
  const int64_t m = (t - t0) / kMinute;
  char buf[16];
  snprintf(buf, sizeof buf, "%02d:%02d ", static_cast<int>(m / 60), static_cast<int>(m % 60));
  return buf + key;
}

// Three sources (by RPO, by cron, daily and never backed up), two drill
// plans and daily retention, two jobs at once, no jitter.
struct Day {
  int64_t t0 = At("2026-11-21T00:00:00Z");
  SchedulePlan plan;
  LastRuns last;
  Day() {
    plan.backups = {{"crm", 6 * kHour, std::nullopt},
                    {"hr", std::nullopt, Cron("30 */4 * * *")},
                    {"wiki", 24 * kHour, Cron("@daily")}};
    plan.drills = {{"crm-weekly", "crm", 7 * 24 * kHour}, {"hr-daily", "hr", 24 * kHour}};
    plan.retention = Cron("0 0 * * *");
    plan.max_running = 2;
    last.backup_us = {{"crm", t0 - 5 * kHour}, {"hr", t0 - 1 * kHour}};  // wiki: never
    last.drill_us = {{"hr-daily", t0 - 23 * kHour - 30 * kMinute}};      // crm-weekly: never
    last.retention_us = t0 - 24 * kHour;
  }
};

// How long each kind of job takes in the simulation.
int64_t Duration(JobKind k) {
  if (k == JobKind::kDrill) return 30 * kMinute;
  if (k == JobKind::kRetention) return 5 * kMinute;
  return 10 * kMinute;
}

// Runs the scheduler from `from` to `to` (exclusive), jumping from event to
// event (a run due, a job ending): every start as "HH:MM key".
std::vector<std::string> Simulate(Scheduler* s, int64_t t0, int64_t from, int64_t to) {
  std::vector<std::string> starts;
  std::vector<std::pair<int64_t, ScheduledTask>> running;  // (end, task)
  std::vector<int64_t> started_at;
  int64_t now = from;
  while (now < to) {
    for (size_t i = 0; i < running.size();) {
      if (running[i].first > now) {
        i++;
        continue;
      }
      s->Finished(running[i].second.key, Status::OK(), started_at[i], now);
      running.erase(running.begin() + i);
      started_at.erase(started_at.begin() + i);
    }
    for (ScheduledTask& t : s->Tick(now)) {
      for (const auto& [end, r] : running) {
        EXPECT_TRUE(t.source.empty() || r.source != t.source) << "two jobs of " << t.source;
      }
      starts.push_back(Hm(t0, now, t.key));
      started_at.push_back(now);
      running.emplace_back(now + Duration(t.kind), t);
    }
    EXPECT_LE(running.size(), 2u);
    int64_t end = INT64_MAX;
    for (const auto& [e, r] : running) end = std::min(end, e);
    const int64_t wake = s->NextWakeUs();
    // A due task waiting for a slot or its source starts when a job ends.
    now = wake > now ? std::min(wake, end) : end;
  }
  return starts;
}

TEST(SchedulerTest, ADayOfThreeSourcesTwoDrillsAndRetention) {
  const auto wall = std::chrono::steady_clock::now();
  Day d;
  Scheduler s(d.plan, d.last, d.t0);
  const std::vector<std::string> starts = Simulate(&s, d.t0, d.t0, d.t0 + 24 * kHour);
  const std::vector<std::string> want = {
      "00:00 backup:wiki",       // never backed up: at once
      "00:00 drill:crm-weekly",  // never drilled: at once
      "00:10 retention",         // its 00:00 window, once a slot is free
      "00:30 backup:hr",
      "00:40 drill:hr-daily",  // due 00:30, waits for hr's backup
      "01:00 backup:crm",      // newest snapshot 5 h old, RPO 6 h
      "04:30 backup:hr",        "07:00 backup:crm", "08:30 backup:hr",  "12:30 backup:hr",
      "13:00 backup:crm",       "16:30 backup:hr",  "19:00 backup:crm", "20:30 backup:hr",
  };
  EXPECT_EQ(starts, want);
  EXPECT_LT(std::chrono::steady_clock::now() - wall, std::chrono::seconds(1));
  // What the API shows at the end of the day.
  for (const TaskStatus& t : s.Tasks()) {
    if (t.key == "backup:wiki") {
      EXPECT_EQ(t.next_run_us, d.t0 + 24 * kHour);
    }
    if (t.key == "backup:crm") {
      EXPECT_EQ(t.next_run_us, d.t0 + 25 * kHour);
    }
    if (t.key == "drill:crm-weekly") {
      EXPECT_EQ(t.next_run_us, d.t0 + 7 * 24 * kHour);
    }
    if (t.key == "drill:hr-daily") {
      EXPECT_EQ(t.next_run_us, d.t0 + 24 * kHour + 40 * kMinute);
    }
    EXPECT_EQ(t.last_outcome, "ok") << t.key;
    EXPECT_FALSE(t.running);
  }
}

TEST(SchedulerTest, AMissedWindowRunsOnceAfterDowntime) {
  Day d;
  d.plan.max_running = 10;
  Scheduler s(d.plan, d.last, d.t0);
  // The server was down from t0 until 10:05: hr missed 00:30, 04:30 and
  // 08:30, crm its 01:00 and 07:00, retention and wiki their 00:00.
  const int64_t now = d.t0 + 10 * kHour + 5 * kMinute;
  std::vector<std::string> keys;
  for (const ScheduledTask& t : s.Tick(now)) keys.push_back(t.key);
  // crm waits for the drill of crm, hr's drill for hr's backup.
  EXPECT_EQ(keys, (std::vector<std::string>{"backup:wiki", "drill:crm-weekly", "retention",
                                            "backup:hr"}));
  for (const std::string& k : keys) s.Finished(k, Status::OK(), now, now + kMinute);
  std::vector<std::string> again;
  for (const ScheduledTask& t : s.Tick(now + kMinute)) again.push_back(t.key);
  EXPECT_EQ(again, (std::vector<std::string>{"drill:hr-daily", "backup:crm"}));
  // Each ran once; the next runs are the next windows, not the missed ones.
  EXPECT_TRUE(s.Tick(d.t0 + 12 * kHour + 29 * kMinute).empty());
  for (const TaskStatus& t : s.Tasks()) {
    if (t.key == "backup:hr") {
      EXPECT_EQ(t.next_run_us, d.t0 + 12 * kHour + 30 * kMinute);
    }
    if (t.key == "backup:wiki") {
      EXPECT_EQ(t.next_run_us, d.t0 + 24 * kHour);
    }
    if (t.key == "retention") {
      EXPECT_EQ(t.next_run_us, d.t0 + 24 * kHour);
    }
    if (t.key == "drill:crm-weekly") {
      EXPECT_EQ(t.next_run_us, now + 7 * 24 * kHour);
    }
  }
}

TEST(SchedulerTest, OneJobPerSourceAndATaskNeverTwice) {
  SchedulePlan plan;
  plan.backups = {{"crm", kHour, std::nullopt}};
  plan.drills = {{"crm-daily", "crm", 24 * kHour}};
  plan.max_running = 4;
  const int64_t t0 = At("2026-11-21T00:00:00Z");
  Scheduler s(plan, LastRuns{}, t0);  // both never ran: both due
  auto first = s.Tick(t0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].key, "backup:crm");
  EXPECT_TRUE(s.Tick(t0 + 5 * kHour).empty());  // the backup still runs
  s.Finished("backup:crm", Status::OK(), t0, t0 + 5 * kMinute);
  auto second = s.Tick(t0 + 5 * kMinute);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].key, "drill:crm-daily");
  EXPECT_TRUE(s.Tick(t0 + 2 * kHour).empty());  // the backup is due, the drill holds crm
}

TEST(SchedulerTest, JitterIsBoundedAndDeterministic) {
  const int64_t t0 = At("2026-11-21T00:00:00Z");
  auto next_runs = [&](uint64_t seed, uint64_t jitter) {
    SchedulePlan plan;
    plan.jitter_us = jitter;
    plan.seed = seed;
    LastRuns last;
    for (int i = 0; i < 20; i++) {
      const std::string n = "s" + std::to_string(i);
      plan.backups.push_back({n + "-rpo", 6 * kHour, std::nullopt});
      plan.backups.push_back({n + "-cron", std::nullopt, Cron("0 * * * *")});
      plan.backups.push_back({n + "-minutely", std::nullopt, Cron("* * * * *")});
      last.backup_us[n + "-rpo"] = last.backup_us[n + "-cron"] = t0;
      last.backup_us[n + "-minutely"] = t0;
    }
    std::map<std::string, int64_t> out;
    for (const TaskStatus& t : Scheduler(plan, last, t0).Tasks()) out[t.key] = t.next_run_us;
    return out;
  };
  const auto a = next_runs(7, 5 * kMinute);
  EXPECT_EQ(a, next_runs(7, 5 * kMinute));
  EXPECT_NE(a, next_runs(8, 5 * kMinute));
  std::set<int64_t> offsets;
  for (const auto& [key, at] : a) {
    if (key.ends_with("-rpo")) {  // early, so that the RPO holds
      EXPECT_GE(at, t0 + 6 * kHour - 5 * kMinute) << key;
      EXPECT_LE(at, t0 + 6 * kHour) << key;
    } else if (key.ends_with("-minutely")) {  // at most half its interval
      EXPECT_GE(at, t0 + kMinute) << key;
      EXPECT_LE(at, t0 + kMinute + kMinute / 2) << key;
    } else {
      EXPECT_GE(at, t0 + kHour) << key;
      EXPECT_LE(at, t0 + kHour + 5 * kMinute) << key;
      offsets.insert(at - t0 - kHour);
    }
  }
  EXPECT_GT(offsets.size(), 10u);  // spread, not one shared offset
  for (const auto& [key, at] : next_runs(7, 0)) {
    EXPECT_EQ(at, key.ends_with("-rpo")        ? t0 + 6 * kHour
                  : key.ends_with("-minutely") ? t0 + kMinute
                                               : t0 + kHour)
        << key;
  }
}

TEST(SchedulerTest, ABusySourceBacksOffExponentiallyThenRecovers) {
  SchedulePlan plan;
  plan.backups = {{"crm", 24 * kHour, std::nullopt}};
  const int64_t t0 = At("2026-11-21T00:00:00Z");
  Scheduler s(plan, LastRuns{}, t0);
  int64_t now = t0;
  std::vector<int64_t> waits;
  for (int i = 0; i < 9; i++) {
    auto due = s.Tick(now);
    ASSERT_EQ(due.size(), 1u) << i;
    EXPECT_EQ(due[0].attempt, i);
    s.Finished("backup:crm", Status::Refused("crm.db is locked by the app"), now, now);
    const TaskStatus t = s.Tasks()[0];
    EXPECT_EQ(t.last_outcome, "busy");
    EXPECT_EQ(t.failures, i + 1);
    EXPECT_TRUE(s.Tick(t.next_run_us - 1).empty());  // not before its time
    waits.push_back((t.next_run_us - now) / kMinute);
    now = t.next_run_us;
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 60, 60, 60}));
  ASSERT_EQ(s.Tick(now).size(), 1u);
  s.Finished("backup:crm", Status::OK(), now, now + kMinute);
  const TaskStatus t = s.Tasks()[0];
  EXPECT_EQ(t.last_outcome, "ok");
  EXPECT_EQ(t.failures, 0);
  EXPECT_EQ(t.next_run_us, now + 24 * kHour);
}

TEST(SchedulerTest, AFailureRetriesNoLaterThanTheNextWindow) {
  SchedulePlan plan;
  plan.backups = {{"hr", std::nullopt, Cron("*/5 * * * *")}};
  const int64_t t0 = At("2026-11-21T00:00:00Z");
  LastRuns last;
  last.backup_us["hr"] = t0 - kMinute;
  Scheduler s(plan, last, t0);
  int64_t now = t0;
  std::vector<int64_t> retries;
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(s.Tick(now).size(), 1u) << i;
    s.Finished("backup:hr", Status::IOError("disk full"), now, now);
    s.Finished("backup:hr", Status::IOError("disk full"), now, now);  // not running: ignored
    now = s.Tasks()[0].next_run_us;
    retries.push_back((now - t0) / kMinute);
  }
  // Backoff 1 m, 2 m, then 4 m would pass the 00:05 window: the window.
  EXPECT_EQ(retries, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(s.Tasks()[0].failures, 3);
  EXPECT_EQ(s.Tasks()[0].last_outcome, "failed");
  EXPECT_EQ(s.Tasks()[0].last_error, "disk full");
}

TEST(SchedulerTest, StateSurvivesARestart) {
  Day d;
  Scheduler s(d.plan, d.last, d.t0);
  auto due = s.Tick(d.t0);
  ASSERT_FALSE(due.empty());
  s.Finished(due[0].key, Status::Refused("locked"), d.t0, d.t0 + kMinute);
  const std::string state = s.SaveState();
  Scheduler again(d.plan, d.last, d.t0 + kMinute);
  ASSERT_TRUE(again.LoadState(state, d.t0 + kMinute).ok());
  for (const TaskStatus& t : again.Tasks()) {
    if (t.key != due[0].key) continue;
    EXPECT_EQ(t.failures, 1);
    EXPECT_EQ(t.last_outcome, "busy");
    EXPECT_EQ(t.last_error, "locked");
  }
  EXPECT_TRUE(again.LoadState("{\"tasks\":1}", 0).IsInvalidArgument());
  EXPECT_TRUE(again.LoadState("not json", 0).IsInvalidArgument());
}

TEST(SchedulerTest, RetryLaterIsABusySource) {
  EXPECT_TRUE(RetryLater(Status::Refused("locked")));
  EXPECT_FALSE(RetryLater(Status::IOError("disk")));
  EXPECT_FALSE(RetryLater(Status::Cancelled("stop")));
}

}  // namespace
}  // namespace tidemark
