// forget: which snapshots a retention policy keeps, and removing the rest
// (docs/guide/retention.md). The policy has restic's documented meaning;
// the guide lists where it differs.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "repo/id.h"
#include "repo/repository.h"
#include "snapshot/catalog.h"

namespace tidemark {

// --keep-within: years, months, days and hours, e.g. "1y6m", "7d", "36h".
struct KeepWithin {
  int years = 0, months = 0, days = 0, hours = 0;
  bool empty() const { return years == 0 && months == 0 && days == 0 && hours == 0; }
  std::string ToString() const;  // "1y6m", "" when empty
};
// InvalidArgument (naming the text and the expected form) for bad input.
Result<KeepWithin> ParseKeepWithin(std::string_view text);

inline constexpr int kKeepUnlimited = -1;

// A retention policy: from `forget` flags, or a source's [source.retention]
// in tidemark.toml (SourcePolicy).
struct RetentionPolicy {
  // How many snapshots each rule keeps; 0 = rule off, kKeepUnlimited = all.
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  KeepWithin within;
  std::vector<std::string> keep_tags;  // keep every snapshot with one of these tags
  // Calendar buckets (hour, day, ISO week, month, year) in UTC instead of
  // the local time zone of the process (TZ).
  bool utc = false;

  bool empty() const;
  std::string Describe() const;  // "last 3, daily 7, within 2d"
};

// One snapshot as the policy sees it.
struct PolicyItem {
  Id id;
  int64_t time_us = 0;
  std::string source;
  std::vector<std::string> tags;
  bool held = false;  // under a legal hold: always kept, reason "hold"
};

struct PolicyDecision {
  PolicyItem item;
  bool keep = false;
  std::vector<std::string> reasons;  // the rules that kept it, e.g. "daily", "hold"
};

enum class GroupBy { kSource, kSourceAndTags, kNone };
Result<GroupBy> ParseGroupBy(std::string_view text);  // "source", "source,tags", "none"

struct PolicyGroup {
  std::string key;                        // the source (and tags); "" for kNone
  std::vector<PolicyDecision> decisions;  // newest first (time, then id, descending)
};

// Applies `policy` to each group on its own (pure; no I/O). Groups are
// sorted by key.
std::vector<PolicyGroup> ApplyRetention(std::vector<PolicyItem> items,
                                        const RetentionPolicy& policy, GroupBy group_by);

// A configured source's own policy ([source.retention] in tidemark.toml).
struct SourcePolicy {
  std::string source;
  RetentionPolicy policy;
};

// The ids of the snapshots under a legal hold.
Result<std::set<Id>> HeldSnapshots(const Repository& repo);

// `snaps` as the policy sees them: those of `source` ("" = every source)
// carrying every tag in `tags`, `held` marking the held ones.
std::vector<PolicyItem> PolicyItemsOf(const std::vector<SnapshotInfo>& snaps,
                                      const std::set<Id>& held, std::string_view source,
                                      const std::vector<std::string>& tags);

// Each source's own policy applied to its snapshots: one group per source
// that has snapshots, in the order of `policies` (pure). `forget` from the
// catalog and `status` ("N would be forgotten") both use it.
std::vector<PolicyGroup> ApplySourcePolicies(const std::vector<SnapshotInfo>& snaps,
                                             const std::set<Id>& held,
                                             const std::vector<SourcePolicy>& policies);

struct ForgetOptions {
  // When not empty, each source's own policy (ApplySourcePolicies) and the
  // fields policy, group_by, source and tags are not used.
  std::vector<SourcePolicy> per_source;
  RetentionPolicy policy;
  GroupBy group_by = GroupBy::kSource;
  std::string source;             // only this source ("" = all)
  std::vector<std::string> tags;  // only snapshots with all of these tags
  bool dry_run = false;
};

struct ForgetResult {
  std::vector<PolicyGroup> groups;
  std::vector<Id> removed;  // snapshot files deleted (or that would be, with dry_run)
  uint64_t kept = 0;
};

// Loads snapshots and holds, applies the policy and, unless dry_run,
// deletes the snapshot files of the removed snapshots. InvalidArgument for
// an empty policy (or an empty per-source one); PermissionDenied in an append-only session (unless
// dry_run). The caller holds an exclusive lock, so no hold can be placed
// between reading the holds and deleting; each hold is re-read before its
// snapshot is deleted all the same (fail safe).
Result<ForgetResult> Forget(const Repository& repo, const ForgetOptions& options);

// `forget ID`: removes one snapshot that is signed by this repository but
// does not decode (so no listing or policy sees it). `id_or_prefix` names it
// by hex id or a unique prefix. NotFound when no snapshot file matches,
// InvalidArgument when a prefix is ambiguous, Refused when the snapshot reads
// fine (retention rules decide about those) or is under a hold, Corruption
// when the file is not signed by this repository's key (then it is evidence,
// not ours to delete). Returns the id removed and why it was damaged.
struct DamagedForget {
  Id id;
  std::string problem;
};
Result<DamagedForget> ForgetDamagedSnapshot(const Repository& repo,
                                            const std::string& id_or_prefix);

}  // namespace tidemark
