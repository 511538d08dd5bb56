// Status (docs/guide/status.md): every source against its policy (RPO,
// drills and RTO, open anomalies, retention). The computation every front
// end shares: `tidemark status` prints it, `tidemark serve` answers
// GET /api/v1/status and /metrics with it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "ops/drill/drill.h"
#include "ops/drill/drill_store.h"
#include "ops/retention/forget.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"

namespace tidemark {

// What the catalog says of one source (config/ builds these from
// tidemark.toml's [[source]] tables: StatusInputOf in config/status_input.h).
struct StatusPolicy {
  std::string name, owner, domain, sensitivity;
  std::optional<uint64_t> rpo_us, rto_us;
  RetentionPolicy retention;  // empty() = no per-source policy
};

struct StatusInput {
  // No sources: every source that has snapshots, without targets.
  std::vector<StatusPolicy> sources;
  std::vector<DrillPlan> drills;
};

// One source's state. The pointers point into the StatusReport that holds it.
struct SourceStatus {
  StatusPolicy policy;
  bool configured = true;
  const SnapshotInfo* last = nullptr;
  std::string backup;  // ok | late | never
  std::string drill;   // ok | failed | overdue | never | none
  std::string drill_detail;
  const DrillReport* last_drill = nullptr;
  size_t open_alerts = 0;
  size_t snapshots = 0, would_forget = 0;
  bool ok() const {
    return backup == "ok" && (drill == "ok" || drill == "none") && open_alerts == 0;
  }
  // Age of the last snapshot at `now_us` (0 without one).
  uint64_t age_us(int64_t now_us) const;
};

// Move-only: `sources` points into `snapshots` and `stored`.
struct StatusReport {
  int64_t now_us = 0;
  std::vector<SnapshotInfo> snapshots;  // every snapshot, oldest first
  StoredDrills stored;
  std::vector<SourceStatus> sources;
  // Sources out of policy, plus drill reports that do not verify (such a
  // report may be any source's newest result: nothing is within policy then).
  size_t out_of_policy = 0;

  StatusReport() = default;
  StatusReport(StatusReport&&) = default;
  StatusReport& operator=(StatusReport&&) = default;
  StatusReport(const StatusReport&) = delete;
  StatusReport& operator=(const StatusReport&) = delete;
};

// Reads the snapshots, drill reports, acknowledgements and holds of `repo`
// and judges every source of `in` at the repository clock's now.
Result<StatusReport> BuildStatusReport(const Repository& repo, const StatusInput& in);

// The document `tidemark status --json` prints (and GET /api/v1/status
// answers): {"sources": [...], "damaged_drill_reports": [...], "ok",
// "out_of_policy"}. `only`, when given, keeps the sources it accepts (an
// account's scope); out_of_policy and ok then count those sources (and the
// damaged reports) only.
std::string StatusJson(const StatusReport& r,
                       const std::function<bool(const std::string&)>& only = nullptr);

// OK when every source is within policy, else Refused saying how many are
// not (exit 4: monitoring runs `tidemark status`).
Status StatusOutcome(const StatusReport& r);

}  // namespace tidemark
