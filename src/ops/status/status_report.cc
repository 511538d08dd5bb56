#include "ops/status/status_report.h"

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "ops/alerts/alerts.h"
#include "ops/drill/drill_report.h"

namespace tidemark {
namespace {

std::string BackupState(const SourceStatus& s, int64_t now) {
  if (s.last == nullptr) return "never";
  if (s.policy.rpo_us && now - s.last->manifest.time_us > static_cast<int64_t>(*s.policy.rpo_us)) {
    return "late";
  }
  return "ok";
}

// The newest run of each plan must have passed: a passing smoke drill does
// not hide a failed deep one. Returns the failed newest run, or `last`.
const DrillReport* NewestFailure(const std::vector<const DrillPlan*>& plans,
                                 const StoredDrills& stored, const DrillReport* last) {
  for (const DrillPlan* p : plans) {
    const DrillReport* newest = nullptr;
    for (const DrillReport& r : stored.reports) {
      if (r.plan == p->name) newest = &r;
    }
    if (newest != nullptr && !newest->passed()) last = newest;
  }
  return last;
}

// "overdue" detail for the first overdue plan, or "" when none is.
std::string OverduePlan(const std::vector<const DrillPlan*>& plans, const StoredDrills& stored,
                        int64_t now) {
  for (const DrillPlan* p : plans) {
    std::vector<DrillReport> history;
    for (const DrillReport& r : stored.reports) {
      if (r.plan == p->name) history.push_back(r);
    }
    if (DrillOverdue(*p, history, now)) {
      return "; plan " + p->name + " is overdue (" + p->cadence + ")";
    }
  }
  return "";
}

// The drill state of one source from its plans and stored runs.
void JudgeDrills(const StatusInput& in, const StoredDrills& stored, int64_t now, SourceStatus* s) {
  std::vector<const DrillPlan*> plans;
  for (const DrillPlan& p : in.drills) {
    if (p.source == s->policy.name) plans.push_back(&p);
  }
  for (const DrillReport& r : stored.reports) {
    if (r.source == s->policy.name) s->last_drill = &r;  // reports are oldest first
  }
  if (s->last_drill == nullptr) {
    const bool expected = !plans.empty() || s->policy.rto_us.has_value();
    s->drill = expected ? "never" : "none";
    s->drill_detail = expected ? "no drill has run" : "no drill plan and no RTO target";
    return;
  }
  s->last_drill = NewestFailure(plans, stored, s->last_drill);
  const DrillReport& last = *s->last_drill;
  const uint64_t rto = last.rto_achieved_us;
  s->drill_detail = "last run " + last.run_id.substr(0, 8) + " " + FormatTimeUtc(last.started_us) +
                    ", RTO " + FormatDurationUs(rto);
  if (s->policy.rto_us) s->drill_detail += " (target " + FormatDurationUs(*s->policy.rto_us) + ")";
  if (!last.passed()) {
    s->drill = "failed";
    s->drill_detail +=
        ": " + std::to_string(last.CountOutcome(CheckOutcome::kFail)) + " checks failed";
    return;
  }
  if (s->policy.rto_us && rto > *s->policy.rto_us) {
    s->drill = "failed";
    s->drill_detail += ": RTO target missed";
    return;
  }
  const std::string overdue = OverduePlan(plans, stored, now);
  s->drill = overdue.empty() ? "ok" : "overdue";
  s->drill_detail += overdue;
}

void RetentionState(const std::vector<SnapshotInfo>& all, const std::set<Id>& held,
                    SourceStatus* s) {
  s->snapshots = PolicyItemsOf(all, held, s->policy.name, {}).size();
  // The same computation as `forget` from the catalog.
  for (const PolicyGroup& g :
       ApplySourcePolicies(all, held, {{s->policy.name, s->policy.retention}})) {
    for (const PolicyDecision& d : g.decisions) s->would_forget += !d.keep;
  }
}

std::vector<SourceStatus> RowsOf(const StatusInput& in, const std::vector<SnapshotInfo>& all) {
  std::vector<SourceStatus> rows;
  for (const StatusPolicy& p : in.sources) {
    SourceStatus row;
    row.policy = p;
    rows.push_back(std::move(row));
  }
  if (in.sources.empty()) {  // no catalog: every source that has snapshots, without targets
    std::set<std::string> seen;
    for (const SnapshotInfo& s : all) {
      if (seen.insert(s.manifest.source).second) {
        SourceStatus row;
        row.policy.name = s.manifest.source;
        row.configured = false;
        rows.push_back(row);
      }
    }
  }
  return rows;
}

void SourceJson(JsonWriter* w, const SourceStatus& s, int64_t now) {
  w->BeginObject().Field("name", s.policy.name).Field("ok", s.ok());
  w->Field("configured", s.configured).Field("owner", s.policy.owner);
  w->Field("domain", s.policy.domain).Field("sensitivity", s.policy.sensitivity);
  w->Key("backup").BeginObject().Field("state", s.backup);
  if (s.last) {
    w->Field("snapshot", s.last->id.Hex()).Field("time", FormatTimeUtc(s.last->manifest.time_us));
    w->Field("age_us", s.age_us(now));
  }
  if (s.policy.rpo_us) w->Field("rpo_us", *s.policy.rpo_us);
  w->EndObject();
  w->Key("drill").BeginObject().Field("state", s.drill).Field("detail", s.drill_detail);
  if (s.last_drill) {
    w->Field("run_id", s.last_drill->run_id).Field("passed", s.last_drill->passed());
    w->Field("rto_achieved_us", s.last_drill->rto_achieved_us);
  }
  if (s.policy.rto_us) w->Field("rto_target_us", *s.policy.rto_us);
  w->EndObject();
  w->Key("anomalies").BeginObject().Field("open", static_cast<uint64_t>(s.open_alerts)).EndObject();
  w->Key("retention").BeginObject().Field("snapshots", static_cast<uint64_t>(s.snapshots));
  w->Field("policy", s.policy.retention.empty() ? "" : s.policy.retention.Describe());
  w->Field("would_forget", static_cast<uint64_t>(s.would_forget)).EndObject();
  w->EndObject();
}

}  // namespace

uint64_t SourceStatus::age_us(int64_t now_us) const {
  if (last == nullptr) return 0;
  return static_cast<uint64_t>(std::max<int64_t>(0, now_us - last->manifest.time_us));
}

Result<StatusReport> BuildStatusReport(const Repository& repo, const StatusInput& in) {
  StatusReport r;
  TM_ASSIGN_OR_RETURN(r.snapshots, LoadSnapshots(repo));
  TM_ASSIGN_OR_RETURN(r.stored, ListDrillReports(repo));
  TM_ASSIGN_OR_RETURN(std::set<std::string> acked, AcknowledgedAlerts(&repo));
  TM_ASSIGN_OR_RETURN(std::set<Id> held, HeldSnapshots(repo));
  r.now_us = repo.clock()->NowMicros();
  r.sources = RowsOf(in, r.snapshots);
  r.out_of_policy = r.stored.damaged.size();
  for (SourceStatus& s : r.sources) {
    s.last = LatestOf(r.snapshots, s.policy.name);
    s.backup = BackupState(s, r.now_us);
    JudgeDrills(in, r.stored, r.now_us, &s);
    s.open_alerts = OpenAlerts(r.snapshots, acked, s.policy.name).size();
    RetentionState(r.snapshots, held, &s);
    r.out_of_policy += !s.ok();
  }
  return r;
}

std::string StatusJson(const StatusReport& r, const std::function<bool(const std::string&)>& only) {
  JsonWriter w;
  w.BeginObject().Key("sources").BeginArray();
  size_t out_of_policy = r.stored.damaged.size();
  for (const SourceStatus& s : r.sources) {
    if (only && !only(s.policy.name)) continue;
    out_of_policy += !s.ok();
    SourceJson(&w, s, r.now_us);
  }
  w.EndArray().Key("damaged_drill_reports").BeginArray();
  for (const auto& [name, why] : r.stored.damaged) {
    w.BeginObject().Field("run_id", name).Field("message", why).EndObject();
  }
  w.EndArray().Field("ok", out_of_policy == 0);
  w.Field("out_of_policy", static_cast<uint64_t>(out_of_policy)).EndObject();
  return w.str();
}

Status StatusOutcome(const StatusReport& r) {
  if (r.out_of_policy == 0) return Status::OK();
  if (!r.stored.damaged.empty()) {
    return Status::Refused(std::to_string(r.stored.damaged.size()) +
                           " drill reports do not verify; run `tidemark check`");
  }
  return Status::Refused(std::to_string(r.out_of_policy) + " of " +
                         std::to_string(r.sources.size()) + " sources are out of policy");
}

}  // namespace tidemark
