// The report of one restore drill (docs/guide/drills.md): what was restored,
// every check with its result, and the achieved RTO/RPO against the plan's
// targets. Stored in the repository as a signed object (docs/format/drills.md)
// whose payload is the report's JSON; rendered as Markdown or a
// self-contained HTML page for auditors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tidemark {

enum class CheckOutcome : uint8_t { kPass, kFail, kSkip };
const char* CheckOutcomeName(CheckOutcome o);  // "pass", "fail", "skip"

struct DrillCheck {
  std::string kind;  // "restore", "damage", "schema", "counts", "digest", "integrity",
                     // "foreign-keys", "relation", "uniqueness", "assertion", "baseline", "rto",
                     // "rpo", "snapshot"
  std::string name;  // what was checked: a table, a relation, an assertion's name
  CheckOutcome outcome = CheckOutcome::kPass;
  std::string detail;  // one line: what was found ("3 orphans in orders.customer_id: 17, 18, 40")
  uint64_t duration_us = 0;
};

// Per restored table, for trends and the baseline check of the next run.
struct DrillTable {
  std::string name;
  uint64_t rows = 0;
  // An internal or counter table (TableKind): restored, but not one of the
  // app's tables (reports written before this field: by name,
  // sources/legacy_names.h).
  bool internal = false;
};

struct DrillReport {
  int version = 1;              // of this JSON document (drills.md §2)
  std::string run_id;           // 32 hex digits
  std::string plan;             // the plan's name
  std::string source;           // the source's name
  std::string snapshot_id;      // 64 hex digits; "" when no snapshot could be chosen
  std::string snapshot_choice;  // the plan's spec: "latest", "oldest", "random", or a spec
  int64_t snapshot_time_us = 0;
  int64_t started_us = 0, finished_us = 0;  // UTC
  std::string tool_version, host, actor;
  // Optional (drills.md §2): the catalog entry of the source and the
  // repository the report is stored in, for auditors; "" when unknown.
  std::string source_uri, source_owner, source_domain, source_sensitivity;
  std::string repository_id;
  std::vector<std::string> plan_definition;  // "key = value" lines of the plan as run
  std::string target;                        // the scratch copy the drill restored into
  bool target_kept = false;                  // --keep: the copy was left in place
  bool rotated = false;                      // the plan rotates: `tables` is this run's share
  std::vector<DrillTable> tables;            // restored tables with their row counts

  // Measured. rto = restore + checks wall time; rpo = age of the snapshot at
  // the start of the drill. Targets are absent when the plan sets none.
  uint64_t restore_us = 0, checks_us = 0;
  uint64_t rto_achieved_us = 0, rpo_achieved_us = 0;
  std::optional<uint64_t> rto_target_us, rpo_target_us;
  // Where each target came from: "plan", "source" (the plan sets none, the
  // source's catalog entry does), or "" (no target, or an older report).
  std::string rto_target_from, rpo_target_from;
  uint64_t records_restored = 0, bytes_restored = 0;

  std::vector<DrillCheck> checks;

  bool passed() const;  // no check failed
  // The app's tables among `tables` (not internal): the one count the CLI,
  // Markdown and HTML show, and what the restore check counts.
  size_t AppTableCount() const;
  size_t CountOutcome(CheckOutcome o) const;
};

// JSON document (drills.md §2). FromJson is strict about types and required
// fields and tolerant of unknown fields (a newer tidemark may add some);
// Corruption names `what` and the field; a document of a newer version is
// Unsupported (upgrade tidemark).
std::string DrillReportToJson(const DrillReport& r);
Result<DrillReport> DrillReportFromJson(std::string_view json, std::string_view what);

// Human renderings. Markdown for terminals and tickets; HTML is one page with
// inline CSS and no scripts or external references, so it can be archived and
// opened offline. Every check appears as one table row carrying
// data-kind, data-name and data-outcome attributes (tests read them from the DOM).
std::string RenderDrillMarkdown(const DrillReport& r);
std::string RenderDrillHtml(const DrillReport& r);

// "1.53 s", "2 min 5 s", "3 h 10 min", "2 d 4 h": for durations in reports.
std::string FormatDurationUs(uint64_t us);

}  // namespace tidemark
