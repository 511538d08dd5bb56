#include "snapshot/catalog.h"

#include <algorithm>

#include "base/clock.h"
#include "base/logging.h"

namespace tidemark {

Result<std::vector<SnapshotInfo>> LoadSnapshots(const Repository& repo, std::string_view source,
                                                std::vector<std::pair<Id, std::string>>* damaged) {
  TM_ASSIGN_OR_RETURN(std::vector<Id> ids, ListSnapshots(repo));
  std::vector<SnapshotInfo> out;
  for (const Id& id : ids) {
    Result<Manifest> read = ReadSnapshot(repo, id);
    if (read.status().IsCorruption()) {
      // One damaged snapshot must not block every other one: it is skipped
      // here (with a warning) and reported by `check`.
      TM_LOG(kWarning, "skipping damaged ", read.status().ToString());
      if (damaged) damaged->emplace_back(id, read.status().message());
      continue;
    }
    TM_ASSIGN_OR_RETURN(Manifest m, std::move(read));
    if (!source.empty() && m.source != source) continue;
    out.push_back({id, std::move(m)});
  }
  std::sort(out.begin(), out.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) {
    if (a.manifest.time_us != b.manifest.time_us) return a.manifest.time_us < b.manifest.time_us;
    return a.id < b.id;
  });
  return out;
}

const SnapshotInfo* LatestOf(const std::vector<SnapshotInfo>& all, std::string_view source) {
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (source.empty() || it->manifest.source == source) return &*it;
  }
  return nullptr;
}

namespace {

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

Result<const SnapshotInfo*> ResolveAtTime(const std::vector<SnapshotInfo>& all,
                                          std::string_view source, std::string_view when) {
  bool any = false;
  for (const SnapshotInfo& s : all) any |= s.manifest.source == source;
  if (!any) {
    return Status::NotFound("no snapshots of source '" + std::string(source) +
                            "'; run `tidemark snapshots` to see the sources");
  }
  if (when == "latest") return LatestOf(all, source);
  int64_t t = 0;
  if (!ParseTimeUtc(std::string(when), &t)) {
    return Status::InvalidArgument("'" + std::string(when) +
                                   "' is not a time; use latest or e.g. 2026-11-21T23:52:07Z");
  }
  // A time given to the second (or minute/day) covers that whole second.
  const int64_t until = t + 999999;
  const SnapshotInfo* best = nullptr;
  for (const SnapshotInfo& s : all) {
    if (s.manifest.source == source && s.manifest.time_us <= until) best = &s;
  }
  if (best == nullptr) {
    return Status::NotFound("no snapshot of '" + std::string(source) + "' at or before " +
                            std::string(when));
  }
  return best;
}

}  // namespace

Result<const SnapshotInfo*> ResolveSnapshot(const std::vector<SnapshotInfo>& all,
                                            std::string_view spec) {
  if (spec == "latest") {
    if (all.empty()) return Status::NotFound("the repository has no snapshots yet");
    return &all.back();
  }
  if (size_t at = spec.rfind('@'); at != std::string_view::npos) {
    return ResolveAtTime(all, spec.substr(0, at), spec.substr(at + 1));
  }
  if (!IsHex(spec) || spec.size() > 64) {
    return Status::InvalidArgument(
        "'" + std::string(spec) +
        "' is not a snapshot: give an id or a unique prefix of it, latest, "
        "SOURCE@latest or SOURCE@TIME");
  }
  std::vector<const SnapshotInfo*> hits;
  for (const SnapshotInfo& s : all) {
    if (s.id.Hex().compare(0, spec.size(), spec) == 0) hits.push_back(&s);
  }
  if (hits.empty()) {
    return Status::NotFound("no snapshot " + std::string(spec) +
                            "; `tidemark snapshots` lists them");
  }
  if (hits.size() > 1) {
    std::string names;
    for (const SnapshotInfo* s : hits) names += " " + s->id.Short();
    return Status::InvalidArgument("snapshot prefix " + std::string(spec) + " is ambiguous (" +
                                   std::to_string(hits.size()) + " match:" + names +
                                   "); give more digits");
  }
  return hits[0];
}

}  // namespace tidemark
