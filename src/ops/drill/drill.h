// Restore drills (docs/guide/drills.md): restore a snapshot into a scratch
// copy with its source's connector, run checks against it through the
// connector's drill probe (sources/probe.h), measure the achieved RTO and
// RPO, and produce a DrillReport. Plans come from tidemark.toml (src/config).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel.h"
#include "base/result.h"
#include "ops/drill/drill_report.h"
#include "records/annotations.h"
#include "records/schema.h"
#include "repo/blob_store.h"
#include "snapshot/catalog.h"
#include "sources/connector.h"

namespace tidemark {

// An assertion: a query against the restored copy and what it must give
// (a connector with SQL only: SourceProbe::has_sql).
struct DrillAssertion {
  enum class Op { kEq, kGe, kLe, kBetween, kLive };
  std::string name;
  std::string sql;
  Op op = Op::kEq;
  int64_t a = 0, b = 0;  // kEq/kGe/kLe: a; kBetween: [a, b]
  // kLive: the rows of this query against the live source (default: `sql`)
  // must equal the rows of `sql` against the restored copy.
  std::string live_sql;
  std::string Expectation() const;  // "= 3", ">= 1", "between 1 and 5", "rows of the live source"
};

// Parses "= N", "== N", ">= N", "<= N", "between A B" (also "between A and B")
// or "live". InvalidArgument says which forms exist.
Status ParseExpectation(const std::string& text, DrillAssertion* out);

// Check kinds a plan can switch off with `skip = [...]`.
inline constexpr const char* kDrillCheckKinds[] = {
    "schema",   "counts",     "digest",    "integrity", "foreign-keys",
    "relation", "uniqueness", "assertion", "baseline",
};

struct DrillPlan {
  std::string name;    // [A-Za-z0-9._-]+
  std::string source;  // a source name as snapshots record it
  // "latest", "oldest", "random" (any snapshot of the source, i.e. within
  // retention), or any snapshot spec (id, prefix, SOURCE@TIME).
  std::string snapshot = "latest";
  std::vector<std::string> tables;  // empty: every table
  // Rotate: each run restores `rotate_tables` tables (0: a quarter, at least
  // one), those least recently covered by earlier runs of this plan first.
  bool rotate = false;
  uint32_t rotate_tables = 0;
  std::vector<std::string> skip;  // check kinds not to run
  std::optional<uint64_t> rto_us, rpo_us;
  std::string cadence;      // as written ("monthly", "7d"); "" = none
  uint64_t cadence_us = 0;  // 0 = none
  // The baseline check passes a count that moved by at most
  // max(baseline_tolerance * previous, baseline_min_rows) rows: a relative
  // tolerance with an absolute floor, so small tables may grow normally.
  double baseline_tolerance = 0.10;  // share of the previous count
  uint64_t baseline_min_rows = 20;   // rows any count may move regardless
  std::vector<Relation> relations;
  std::vector<std::string> unique;  // "table.col" or "table.col1,col2"
  std::vector<DrillAssertion> assertions;
  std::string scratch_dir;     // for a copy that is a file; "" = $TMPDIR or /tmp
  std::string scratch_server;  // for a copy that is a database: a source URI
                               // naming the server; "" = the source's own

  bool Runs(const std::string& kind) const;  // not skipped
};

// What a drill needs besides the plan.
struct DrillContext {
  BlobStore* store = nullptr;  // index loaded
  const Repository* repo = nullptr;
  std::vector<SnapshotInfo> snapshots;  // every readable snapshot, oldest first
  // Snapshot files that did not verify, with why: the drill cannot tell
  // which source they belong to, so it reports them as a failed check.
  std::vector<std::pair<Id, std::string>> unreadable_snapshots;
  std::vector<DrillReport> history;  // earlier reports of this plan, oldest first
  int64_t now_us = 0;
  std::string tool_version, host, actor;
  // The source's catalog entry (tidemark.toml), recorded in the report; its
  // targets apply when the plan sets none. Empty when there is no catalog.
  struct Source {
    std::string uri, owner, domain, sensitivity;
    std::optional<uint64_t> rto_us, rpo_us;
    // Its [[source.relation]]s, checked for a snapshot without annotations;
    // a snapshot with annotations brings the relations its profile declared
    // (RelationsFor). Either way besides the plan's own relations.
    std::vector<Relation> relations;
  } source;
  // The connectors of this build (BuiltinConnectors()). Required: the
  // drill restores into the scratch folder with the connector of the
  // snapshot's source URI, probes the copy with it (sources/probe.h), and
  // opens the live source with it for "live" assertions.
  const ConnectorRegistry* connectors = nullptr;
  bool keep = false;  // leave the scratch copy in place
  bool show_progress = false;
  // Passed to the restore (RestoreOptions::cancel) and asked once more
  // before the checks ("drill-checks"): a cancelled drill drops its scratch
  // copy and returns Cancelled, with no report. Null: not cancellable.
  const CancelToken* cancel = nullptr;
};

// Runs the plan and returns its report: a failed check is a report with
// passed() false, not an error; Cancelled when ctx.cancel stopped it. Errors are only for a drill that could not
// run at all (the scratch folder cannot be created, the source has no
// snapshots is a failed check, not an error).
Result<DrillReport> RunDrill(const DrillPlan& plan, const DrillContext& ctx);

// The plan as "key = value" lines, for the report (every key, defaults too).
std::vector<std::string> DescribePlan(const DrillPlan& plan);

// True when the plan's last run is older than its cadence (or it never ran).
// Plans without a cadence are never overdue.
bool DrillOverdue(const DrillPlan& plan, const std::vector<DrillReport>& history, int64_t now_us);

}  // namespace tidemark
