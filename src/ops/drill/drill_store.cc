#include "ops/drill/drill_store.h"

#include <algorithm>
#include <tuple>

#include "repo/format.h"
#include "repo/signed_file.h"
#include "repo/small_file.h"

namespace tidemark {
namespace {

constexpr uint8_t kPayloadVersion = 1;  // drills.md §1

bool IsRunId(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string SealDrillReport(const MasterKeys& keys, const DrillReport& r) {
  std::string payload(1, static_cast<char>(kPayloadVersion));
  payload += DrillReportToJson(r);
  return SealSignedFile(keys, format::kDrillReportMagic, format::kAadDrillReport, r.run_id,
                        payload);
}

Result<DrillReport> OpenDrillReport(const MasterKeys& keys, const std::string& run_id,
                                    std::string_view file) {
  const std::string what = "drill report " + run_id.substr(0, 8);
  TM_ASSIGN_OR_RETURN(
      std::string payload,
      OpenSignedFile(keys, format::kDrillReportMagic, format::kAadDrillReport, run_id, file, what));
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kPayloadVersion) {
    return Status::Corruption(what + ": offset 0: unsupported payload version (field version)");
  }
  TM_ASSIGN_OR_RETURN(DrillReport r,
                      DrillReportFromJson(std::string_view(payload).substr(1), what));
  if (r.run_id != run_id) {
    return Status::Corruption(what + ": the report's run_id " + r.run_id +
                              " differs from its file name");
  }
  return r;
}

Status StoreDrillReport(const Repository& repo, const DrillReport& r) {
  if (!IsRunId(r.run_id)) return Status::Internal("drill run id is not 32 hex digits");
  const std::string file = SealDrillReport(repo.keys(), r);
  if (file.size() > kMaxDrillReportFile) {
    return Status::InvalidArgument(
        "the drill report is larger than 16 MiB; reduce the plan's "
        "assertions or tables per run");
  }
  return repo.backend()->Put({FileKind::kDrill, r.run_id}, file, PutMode::kCreateExclusive);
}

Result<StoredDrills> ListDrillReports(const Repository& repo) {
  std::vector<std::string> names;
  TM_RETURN_IF_ERROR(repo.backend()->List(FileKind::kDrill, [&](const FileInfo& f) {
    if (IsRunId(f.handle.name)) names.push_back(f.handle.name);
    return Status::OK();
  }));
  StoredDrills out;
  for (const std::string& name : names) {
    auto file = ReadSmallFile(repo.backend(), {FileKind::kDrill, name}, kMaxDrillReportFile);
    if (file.status().IsNotFound()) continue;  // removed meanwhile
    Result<DrillReport> r =
        file.ok() ? OpenDrillReport(repo.keys(), name, *file) : Result<DrillReport>(file.status());
    if (!r.ok()) {
      if (!r.status().IsCorruption()) return r.status();
      out.damaged.push_back({name, r.status().message()});
      continue;
    }
    // Keep the summary: the passing and skipped checks can be many.
    std::erase_if(r->checks, [](const DrillCheck& c) { return c.outcome != CheckOutcome::kFail; });
    r->checks.shrink_to_fit();
    out.reports.push_back(std::move(*r));
  }
  std::sort(out.reports.begin(), out.reports.end(), [](const auto& a, const auto& b) {
    return std::tie(a.started_us, a.run_id) < std::tie(b.started_us, b.run_id);
  });
  return out;
}

Result<DrillReport> ReadDrillReport(const Repository& repo, const std::string& run_id) {
  if (!IsRunId(run_id)) return Status::InvalidArgument("not a drill run id: " + run_id);
  auto file = ReadSmallFile(repo.backend(), {FileKind::kDrill, run_id}, kMaxDrillReportFile);
  if (file.status().IsNotFound()) {
    return Status::NotFound("no drill run " + run_id + "; `tidemark drills` lists the runs");
  }
  if (!file.ok()) return file.status();
  return OpenDrillReport(repo.keys(), run_id, *file);
}

Result<const DrillReport*> ResolveDrillRun(const StoredDrills& all, const std::string& spec) {
  if (spec.empty()) return Status::InvalidArgument("empty drill run id");
  std::vector<const DrillReport*> hits;
  for (const DrillReport& r : all.reports) {
    if (r.run_id.rfind(spec, 0) == 0) hits.push_back(&r);
  }
  if (hits.empty()) {
    return Status::NotFound("no drill run " + spec + "; `tidemark drills` lists the runs");
  }
  if (hits.size() > 1) {
    std::string list;
    for (const DrillReport* r : hits) list += (list.empty() ? "" : ", ") + r->run_id.substr(0, 12);
    return Status::InvalidArgument("drill run prefix " + spec + " is ambiguous: " + list +
                                   "; give more digits");
  }
  return hits[0];
}

Result<DrillVerdict> VerifyDrillRun(const Repository& repo, const StoredDrills& all,
                                    const std::string& spec) {
  DrillVerdict v;
  for (const auto& [name, why] : all.damaged) {
    if (spec.empty() || name.rfind(spec, 0) != 0) continue;
    bool also_readable = false;
    for (const DrillReport& r : all.reports) also_readable |= r.run_id.rfind(spec, 0) == 0;
    if (also_readable || !v.run_id.empty()) {
      return Status::InvalidArgument("drill run prefix " + spec +
                                     " is ambiguous; give more digits");
    }
    v.run_id = name;
    v.why = why;
  }
  if (!v.run_id.empty()) return v;
  TM_ASSIGN_OR_RETURN(const DrillReport* found, ResolveDrillRun(all, spec));
  v.run_id = found->run_id;
  auto full = ReadDrillReport(repo, found->run_id);
  if (full.status().IsCorruption()) {
    v.why = full.status().message();
    return v;
  }
  if (!full.ok()) return full.status();
  v.ok = true;
  v.report = std::move(*full);
  return v;
}

}  // namespace tidemark
