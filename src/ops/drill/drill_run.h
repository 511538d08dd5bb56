// The drill use case as a front end runs it (the CLI's `drill`, later
// `serve`): which plans are due, one run end to end (report stored, ledger
// entry appended), and what to alert about a run. docs/guide/drills.md.
// The front end parses, holds the repository lock, prints and maps exit
// codes; the webhook transport stays in server/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ops/drill/drill.h"
#include "ops/drill/drill_store.h"
#include "repo/blob_store.h"
#include "repo/lock.h"

namespace tidemark {

// What a batch of drills over one repository shares, set up the way every
// front end must before the first run: the ledger accepts entries (so that
// no drill runs unrecorded), a shared lock is held and kept fresh (backups
// and other drills run beside it; forget and prune wait), the index is
// loaded, and every snapshot and stored report is listed. The lock is
// released when the batch is destroyed. `repo` and `connectors` must
// outlive it.
class DrillBatch {
 public:
  static Result<std::unique_ptr<DrillBatch>> Open(const Repository* repo,
                                                  const ConnectorRegistry* connectors);
  // The shared context; the front end fills in who runs the drills
  // (tool_version, host, actor) and keep / show_progress / source.
  DrillContext* context() { return &ctx_; }
  const StoredDrills& stored() const { return stored_; }
  // Points the context at `plan`: its history, and now_us from the
  // repository's clock.
  DrillContext* ContextFor(const DrillPlan& plan);

 private:
  explicit DrillBatch(const Repository* repo) : store_(repo) {}
  std::unique_ptr<RepoLock> lock_;
  BlobStore store_;
  DrillContext ctx_;
  StoredDrills stored_;
};

// The stored reports of plan `plan`, oldest first (a DrillContext's history).
std::vector<DrillReport> PlanHistory(const StoredDrills& stored, const std::string& plan);

// Due: overdue by its cadence, or never run (whatever the cadence).
bool DrillDue(const DrillPlan& plan, const std::vector<DrillReport>& history, int64_t now_us);

// Runs `plan` (RunDrill), stores its signed report (drills/<run-id>), then
// appends the ledger entry "drill": outcome "ok" or "failed", targets
// "plan P", "run R", "snapshot S", counts checks_failed, rto_ms and rpo_s,
// and `args` (what the front end records about itself, e.g. its command
// line) as the entry's arguments. A failed check is a report with passed()
// false, not an error. A drill cancelled through ctx.cancel stores no report,
// appends "drill" / "cancelled" (target "plan P") and returns Cancelled. Errors: the drill could not run or its report could
// not be stored (no ledger entry then), or the ledger refused the entry (the
// report is stored; the error says so).
// REQUIRES: ctx.repo is open for writing, the caller holds a shared lock on
// it, and the ledger accepted entries when the batch began
// (Ledger::CheckAppendable), so that no drill runs unrecorded.
Result<DrillReport> RunAndRecordDrill(const DrillPlan& plan, const DrillContext& ctx,
                                      const std::vector<std::pair<std::string, std::string>>& args);

// The alert a run calls for: a failed drill is posted to the webhook like an
// anomaly, as {"event": "drill-failed", "plan", "source", "run_id",
// "snapshot", "time", "host", "failed_checks": [{"kind", "name",
// "detail"}]}; `target` ("run R") names it in a ledger entry when it cannot
// be delivered. nullopt: nothing to post (the drill passed).
struct DrillAlert {
  std::string body;
  std::string target;
};
std::optional<DrillAlert> DrillAlertFor(const DrillReport& r);

}  // namespace tidemark
