#include "ops/retention/forget.h"

#include <time.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "snapshot/catalog.h"
#include "snapshot/holds.h"

namespace tidemark {
namespace {

struct tm BrokenDown(int64_t time_us, bool utc) {
  int64_t secs = time_us / 1000000;
  if (time_us % 1000000 < 0) secs--;  // floor
  const time_t t = static_cast<time_t>(secs);
  struct tm out = {};
  if (utc) {
    gmtime_r(&t, &out);
  } else {
    localtime_r(&t, &out);
  }
  return out;
}

int64_t IsoWeek(const struct tm& t) {
  char buf[16];
  strftime(buf, sizeof buf, "%G%V", &t);
  return std::stoll(buf);
}

// A calendar rule: keeps the newest snapshot of each of the `count` newest
// buckets (restic's semantics).
struct Bucket {
  int count;
  const char* reason;
  int64_t (*value)(const struct tm& t, size_t nr);
  std::optional<int64_t> last;
};

int64_t LastValue(const struct tm&, size_t nr) { return static_cast<int64_t>(nr); }
int64_t HourValue(const struct tm& t, size_t) {
  return (t.tm_year + 1900LL) * 1000000 + (t.tm_mon + 1) * 10000 + t.tm_mday * 100 + t.tm_hour;
}
int64_t DayValue(const struct tm& t, size_t) {
  return (t.tm_year + 1900LL) * 10000 + (t.tm_mon + 1) * 100 + t.tm_mday;
}
int64_t WeekValue(const struct tm& t, size_t) { return IsoWeek(t); }
int64_t MonthValue(const struct tm& t, size_t) { return (t.tm_year + 1900LL) * 100 + t.tm_mon + 1; }
int64_t YearValue(const struct tm& t, size_t) { return t.tm_year + 1900LL; }

// The newest time (exclusive) that --keep-within still keeps: `latest`
// minus the calendar years, months and days (normalised as mktime does:
// 31 March minus one month is 3 March), minus the hours.
int64_t WithinThreshold(int64_t latest_us, const KeepWithin& w, bool utc) {
  struct tm t = BrokenDown(latest_us, utc);
  t.tm_year -= w.years;
  t.tm_mon -= w.months;
  t.tm_mday -= w.days;
  t.tm_isdst = -1;
  const time_t secs = utc ? timegm(&t) : mktime(&t);
  int64_t frac = latest_us % 1000000;
  if (frac < 0) frac += 1000000;
  return (static_cast<int64_t>(secs) - static_cast<int64_t>(w.hours) * 3600) * 1000000 + frac;
}

std::string GroupKey(const PolicyItem& item, GroupBy g) {
  switch (g) {
    case GroupBy::kSource:
      return item.source;
    case GroupBy::kSourceAndTags: {
      std::vector<std::string> tags = item.tags;
      std::sort(tags.begin(), tags.end());
      std::string key = item.source + " [";
      for (size_t i = 0; i < tags.size(); i++) key += (i ? "," : "") + tags[i];
      return key + "]";
    }
    case GroupBy::kNone:
      return "";
  }
  return "";
}

void ApplyToGroup(PolicyGroup* group, const RetentionPolicy& p) {
  std::vector<PolicyDecision>& list = group->decisions;
  std::sort(list.begin(), list.end(), [](const PolicyDecision& a, const PolicyDecision& b) {
    if (a.item.time_us != b.item.time_us) return a.item.time_us > b.item.time_us;
    return b.item.id < a.item.id;
  });
  Bucket buckets[] = {{p.last, "last", LastValue, {}},        {p.hourly, "hourly", HourValue, {}},
                      {p.daily, "daily", DayValue, {}},       {p.weekly, "weekly", WeekValue, {}},
                      {p.monthly, "monthly", MonthValue, {}}, {p.yearly, "yearly", YearValue, {}}};
  const bool within = !p.within.empty() && !list.empty();
  const int64_t threshold = within ? WithinThreshold(list[0].item.time_us, p.within, p.utc) : 0;
  for (size_t nr = 0; nr < list.size(); nr++) {
    PolicyDecision& d = list[nr];
    if (d.item.held) d.reasons.push_back("hold");
    for (const std::string& tag : p.keep_tags) {
      if (std::find(d.item.tags.begin(), d.item.tags.end(), tag) != d.item.tags.end()) {
        d.reasons.push_back("tag " + tag);
      }
    }
    if (within && d.item.time_us > threshold) d.reasons.push_back("within " + p.within.ToString());
    const struct tm t = BrokenDown(d.item.time_us, p.utc);
    for (Bucket& b : buckets) {
      if (b.count == 0) continue;
      const int64_t v = b.value(t, nr);
      const bool oldest = nr + 1 == list.size();
      if (b.last == v && !oldest) continue;
      // restic keeps the oldest snapshot too while a rule has room left, so
      // that the history a rule covers reaches as far back as it can.
      d.reasons.push_back(b.last == v ? std::string("oldest ") + b.reason : b.reason);
      b.last = v;
      if (b.count > 0) b.count--;
    }
    d.keep = !d.reasons.empty();
  }
}

}  // namespace

std::string KeepWithin::ToString() const {
  std::string out;
  if (years) out += std::to_string(years) + "y";
  if (months) out += std::to_string(months) + "m";
  if (days) out += std::to_string(days) + "d";
  if (hours) out += std::to_string(hours) + "h";
  return out;
}

Result<KeepWithin> ParseKeepWithin(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--keep-within " + std::string(text) + ": " + why +
                                   "; use a number with a unit y, m, d or h, e.g. 1y6m or 36h");
  };
  KeepWithin w;
  std::set<char> seen;
  size_t i = 0;
  if (text.empty()) return bad("empty duration");
  while (i < text.size()) {
    size_t j = i;
    int64_t n = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      n = n * 10 + (text[j] - '0');
      if (n > 1000000) return bad("number too large");
      j++;
    }
    if (j == i) return bad("expected a number at '" + std::string(text.substr(i)) + "'");
    if (j == text.size()) return bad("number " + std::to_string(n) + " has no unit");
    const char unit = text[j];
    if (!seen.insert(unit).second) return bad(std::string("unit ") + unit + " given twice");
    switch (unit) {
      case 'y':
        w.years = static_cast<int>(n);
        break;
      case 'm':
        w.months = static_cast<int>(n);
        break;
      case 'd':
        w.days = static_cast<int>(n);
        break;
      case 'h':
        w.hours = static_cast<int>(n);
        break;
      default:
        return bad(std::string("unknown unit '") + unit + "'");
    }
    i = j + 1;
  }
  return w;
}

bool RetentionPolicy::empty() const {
  return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 &&
         within.empty() && keep_tags.empty();
}

std::string RetentionPolicy::Describe() const {
  std::string out;
  auto add = [&](const char* name, int n) {
    if (n == 0) return;
    out += (out.empty() ? "" : ", ") + std::string(name) + " " +
           (n < 0 ? std::string("unlimited") : std::to_string(n));
  };
  add("last", last);
  add("hourly", hourly);
  add("daily", daily);
  add("weekly", weekly);
  add("monthly", monthly);
  add("yearly", yearly);
  if (!within.empty())
    out += (out.empty() ? "" : ", ") + std::string("within ") + within.ToString();
  for (const std::string& t : keep_tags) out += (out.empty() ? "" : ", ") + std::string("tag ") + t;
  if (!out.empty()) out += utc ? " (UTC)" : " (local time)";
  return out;
}

Result<GroupBy> ParseGroupBy(std::string_view text) {
  if (text == "source") return GroupBy::kSource;
  if (text == "source,tags") return GroupBy::kSourceAndTags;
  if (text == "none" || text.empty()) return GroupBy::kNone;
  return Status::InvalidArgument("--group-by " + std::string(text) +
                                 ": use source, source,tags or none");
}

std::vector<PolicyGroup> ApplyRetention(std::vector<PolicyItem> items,
                                        const RetentionPolicy& policy, GroupBy group_by) {
  std::map<std::string, PolicyGroup> groups;
  for (PolicyItem& item : items) {
    const std::string key = GroupKey(item, group_by);
    PolicyGroup& g = groups[key];
    g.key = key;
    g.decisions.push_back(PolicyDecision{std::move(item), false, {}});
  }
  std::vector<PolicyGroup> out;
  for (auto& [key, g] : groups) {
    ApplyToGroup(&g, policy);
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::set<Id>> HeldSnapshots(const Repository& repo) {
  TM_ASSIGN_OR_RETURN(std::vector<Hold> holds, ListHolds(repo));
  std::set<Id> held;
  for (const Hold& h : holds) held.insert(h.snapshot);
  return held;
}

std::vector<PolicyItem> PolicyItemsOf(const std::vector<SnapshotInfo>& snaps,
                                      const std::set<Id>& held, std::string_view source,
                                      const std::vector<std::string>& tags) {
  std::vector<PolicyItem> items;
  for (const SnapshotInfo& s : snaps) {
    if (!source.empty() && s.manifest.source != source) continue;
    bool match = true;
    for (const std::string& t : tags) match = match && s.manifest.HasTag(t);
    if (!match) continue;
    items.push_back(PolicyItem{s.id, s.manifest.time_us, s.manifest.source, s.manifest.tags,
                               held.count(s.id) > 0});
  }
  return items;
}

std::vector<PolicyGroup> ApplySourcePolicies(const std::vector<SnapshotInfo>& snaps,
                                             const std::set<Id>& held,
                                             const std::vector<SourcePolicy>& policies) {
  std::vector<PolicyGroup> out;
  for (const SourcePolicy& p : policies) {
    std::vector<PolicyItem> items = PolicyItemsOf(snaps, held, p.source, {});
    if (items.empty() || p.policy.empty()) continue;
    for (PolicyGroup& g : ApplyRetention(std::move(items), p.policy, GroupBy::kSource)) {
      out.push_back(std::move(g));
    }
  }
  return out;
}

Result<ForgetResult> Forget(const Repository& repo, const ForgetOptions& options) {
  const bool catalog = !options.per_source.empty();
  if (!catalog && options.policy.empty()) {
    return Status::InvalidArgument(
        "no retention rule given: use --keep-last, --keep-hourly, --keep-daily, --keep-weekly, "
        "--keep-monthly, --keep-yearly, --keep-within or --keep-tag");
  }
  for (const SourcePolicy& p : options.per_source) {
    if (p.policy.empty()) {
      return Status::InvalidArgument("source " + p.source + " has no retention rule");
    }
  }
  if (!options.dry_run) TM_RETURN_IF_ERROR(repo.CheckMayDelete("forget"));
  TM_ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snaps,
                      LoadSnapshots(repo, catalog ? "" : options.source));
  TM_ASSIGN_OR_RETURN(std::set<Id> held, HeldSnapshots(repo));
  ForgetResult result;
  result.groups = catalog ? ApplySourcePolicies(snaps, held, options.per_source)
                          : ApplyRetention(PolicyItemsOf(snaps, held, "", options.tags),
                                           options.policy, options.group_by);
  for (const PolicyGroup& g : result.groups) {
    for (const PolicyDecision& d : g.decisions) {
      if (d.keep) {
        result.kept++;
      } else {
        result.removed.push_back(d.item.id);
      }
    }
  }
  if (options.dry_run) return result;
  for (const Id& id : result.removed) {
    // Fail safe: a hold file that appeared meanwhile keeps the snapshot.
    auto hold = repo.backend()->Stat({FileKind::kHold, id.Hex()});
    if (hold.ok()) {
      return Status::Refused("snapshot " + id.Short() +
                             " was put under a hold while forget ran; nothing more was removed");
    }
    if (!hold.status().IsNotFound()) return hold.status();
    Status s = repo.backend()->Remove({FileKind::kSnapshot, id.Hex()});
    if (!s.ok() && !s.IsNotFound()) {
      return s.WithContext("removing snapshot " + id.Short());
    }
  }
  return result;
}

namespace {

Result<Id> FindSnapshotId(const Repository& repo, const std::string& prefix) {
  TM_ASSIGN_OR_RETURN(std::vector<Id> ids, ListSnapshots(repo));
  std::vector<Id> found;
  for (const Id& id : ids) {
    if (!prefix.empty() && id.Hex().rfind(prefix, 0) == 0) found.push_back(id);
  }
  if (found.empty()) {
    return Status::NotFound("no snapshot file " + prefix + "; `tidemark check` lists damaged ones");
  }
  if (found.size() > 1) {
    return Status::InvalidArgument("snapshot prefix " + prefix + " matches " +
                                   std::to_string(found.size()) + " snapshots; give more digits");
  }
  return found[0];
}

}  // namespace

Result<DamagedForget> ForgetDamagedSnapshot(const Repository& repo,
                                            const std::string& id_or_prefix) {
  TM_RETURN_IF_ERROR(repo.CheckMayDelete("forget"));
  TM_ASSIGN_OR_RETURN(Id id, FindSnapshotId(repo, id_or_prefix));
  TM_ASSIGN_OR_RETURN(std::string bytes, ReadSnapshotBytes(repo, id));  // signed by us, or stop
  Result<Manifest> m = DecodeManifest(bytes, "snapshot " + id.Short());
  if (m.ok()) {
    return Status::Refused("snapshot " + id.Short() +
                           " reads fine: forget ID is for damaged snapshots; use a retention "
                           "rule (--keep-*) for the others");
  }
  auto hold = repo.backend()->Stat({FileKind::kHold, id.Hex()});
  if (hold.ok()) {
    return Status::Refused("snapshot " + id.Short() +
                           " is under a hold; `tidemark hold remove` it first");
  }
  if (!hold.status().IsNotFound()) return hold.status();
  Status s = repo.backend()->Remove({FileKind::kSnapshot, id.Hex()});
  if (!s.ok() && !s.IsNotFound()) return s.WithContext("removing snapshot " + id.Short());
  return DamagedForget{id, m.status().message()};
}

}  // namespace tidemark
