// Drill reports in the repository (docs/format/drills.md §1): one signed,
// encrypted file drills/<run-id> per run, written once and never changed.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "ops/drill/drill_report.h"
#include "repo/repository.h"

namespace tidemark {

inline constexpr size_t kMaxDrillReportFile = (16u << 20) + 4096;  // drills.md §1

// The file bytes <-> report, without the backend (for fuzzing and tests).
std::string SealDrillReport(const MasterKeys& keys, const DrillReport& r);
Result<DrillReport> OpenDrillReport(const MasterKeys& keys, const std::string& run_id,
                                    std::string_view file);

// Writes drills/<run_id> with an exclusive create (AlreadyExists if taken).
Status StoreDrillReport(const Repository& repo, const DrillReport& r);

struct StoredDrills {
  // Oldest first (by start time, then run id). Summaries: only the failed
  // checks are kept (passed() and the fail count stay exact; pass and skip
  // counts do not), so memory grows with runs, not with their checks.
  std::vector<DrillReport> reports;
  // Files that did not verify: (name, why). Listed, never trusted.
  std::vector<std::pair<std::string, std::string>> damaged;
};
// Every stored report, as a summary (above); one file is decoded at a time.
Result<StoredDrills> ListDrillReports(const Repository& repo);
// One whole report. NotFound when there is none; Corruption when it does not verify.
Result<DrillReport> ReadDrillReport(const Repository& repo, const std::string& run_id);

// The report whose run id is `spec` or starts with it. NotFound / InvalidArgument
// (ambiguous prefix, listing candidates) say what to do next.
Result<const DrillReport*> ResolveDrillRun(const StoredDrills& all, const std::string& spec);

// `drills show RUN --verify`: whether the stored report `spec` (a run id or
// a unique prefix, among the readable and the damaged reports) opens: its
// signature and the name it binds verify with the repository's keys, and its
// document decodes. A damaged report is a verdict (ok false, why), not an
// error; NotFound / InvalidArgument as ResolveDrillRun.
struct DrillVerdict {
  std::string run_id;
  bool ok = false;
  std::string why;     // when damaged
  DrillReport report;  // when ok
};
Result<DrillVerdict> VerifyDrillRun(const Repository& repo, const StoredDrills& all,
                                    const std::string& spec);

}  // namespace tidemark
