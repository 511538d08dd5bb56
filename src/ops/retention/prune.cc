#include "ops/retention/prune.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/crash_point.h"
#include "base/logging.h"
#include "base/progress.h"
#include "records/encoding.h"
#include "repo/format.h"
#include "repo/index.h"
#include "repo/lock.h"
#include "repo/pack.h"
#include "repo/small_file.h"
#include "repo/temp_files.h"
#include "snapshot/manifest.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

Status Step(const PruneOptions& o, std::string_view step) {
  CrashPoint(("prune-" + std::string(step)).c_str());  // TIDEMARK_CRASH_AT=prune-index-written
  if (o.crash_point) TM_RETURN_IF_ERROR(o.crash_point(step));
  if (o.keep_going) TM_RETURN_IF_ERROR(o.keep_going());
  return Status::OK();
}

Status MarkLeaf(const TreeNode& node, BlobMarker* marker, std::string_view what) {
  for (const TreeNode::Entry& e : node.entries) {
    Record rec;
    TM_RETURN_IF_ERROR(DecodeRecord(e.value, what, &rec));
    for (const Value& v : rec) {
      if (!v.ref()) continue;
      TM_ASSIGN_OR_RETURN(LargeValue lv, LargeValue::Decode(v.bytes()));
      for (const std::string& c : lv.chunk_ids) {
        TM_RETURN_IF_ERROR(marker->Mark(Id::FromBytes(c), what).status());
      }
    }
  }
  return Status::OK();
}

// Every root object id of every kind, listed before the index is loaded:
// a writer makes its index files durable before the object that uses them
// (FORMAT.md §11), so every blob a listed object references is indexed.
Result<std::vector<std::pair<size_t, Id>>> ListRoots(const Repository& repo,
                                                     const std::vector<ReachabilityRoot>& roots) {
  std::vector<std::pair<size_t, Id>> all;
  for (size_t k = 0; k < roots.size(); k++) {
    TM_ASSIGN_OR_RETURN(std::vector<Id> ids, roots[k].list(repo));
    for (const Id& id : ids) all.emplace_back(k, id);
  }
  return all;
}

// Walks the listed roots not in `skip` (sorted) into marker.
Status MarkRoots(Repository* repo, BlobStore* store, const PruneOptions& o,
                 const std::vector<std::pair<size_t, Id>>& roots, const std::vector<Id>& skip,
                 BlobMarker* marker, const char* label) {
  Progress progress(label, roots.size(), Progress::Unit::kCount, o.show_progress);
  for (const auto& [kind, id] : roots) {
    progress.Add(1);
    if (std::binary_search(skip.begin(), skip.end(), id)) continue;
    Status s = o.roots[kind].mark(*repo, store, id, marker);
    if (s.IsNotFound()) continue;  // removed meanwhile: it keeps nothing
    TM_RETURN_IF_ERROR(s);
    if (o.keep_going) TM_RETURN_IF_ERROR(o.keep_going());
  }
  progress.Finish();
  return Status::OK();
}

Status AddDuplicatePacks(Repository* repo, PruneMark* mark, PruneReport* report);

// Phase 1: the unreferenced blobs, and the packs that hold them.
Result<PruneMark> MarkPhase(Repository* repo, const PruneOptions& o, PruneReport* report) {
  TM_ASSIGN_OR_RETURN(auto roots, ListRoots(*repo, o.roots));
  BlobStore store(repo);
  TM_RETURN_IF_ERROR(store.LoadIndex());
  store.CompactIndex();
  BlobMarker marker(&store);
  TM_RETURN_IF_ERROR(MarkRoots(repo, &store, o, roots, {}, &marker, "prune: mark"));
  PruneMark mark;
  for (const auto& r : roots) mark.roots.push_back(r.second);
  std::sort(mark.roots.begin(), mark.roots.end());
  mark.roots.erase(std::unique(mark.roots.begin(), mark.roots.end()), mark.roots.end());
  const MemIndex& idx = store.index();
  for (size_t pos = 0; pos < marker.size(); pos++) {
    if (marker.IsMarked(pos)) continue;
    const BlobLocation loc = idx.LocationAt(pos);
    mark.candidates.push_back(idx.IdAt(pos));  // positions are in id order
    mark.packs.push_back(loc.pack_id);
    report->candidate_bytes += loc.sealed_len;
  }
  std::sort(mark.packs.begin(), mark.packs.end());
  mark.packs.erase(std::unique(mark.packs.begin(), mark.packs.end()), mark.packs.end());
  TM_RETURN_IF_ERROR(AddDuplicatePacks(repo, &mark, report));
  TM_RETURN_IF_ERROR(repo->backend()->List(FileKind::kPack, [&](const FileInfo& f) {
    auto id = Id::FromHex(f.handle.name);
    if (id.ok() && !idx.HasPack(*id)) mark.unindexed_packs.push_back(*id);
    return Status::OK();
  }));
  std::sort(mark.unindexed_packs.begin(), mark.unindexed_packs.end());
  report->roots += mark.roots.size();
  report->blobs += marker.size();
  report->blobs_used += marker.marked();
  report->candidates += mark.candidates.size();
  report->index_memory_bytes = idx.MemoryBytes() + marker.MemoryBytes();
  return mark;
}

enum class Fate { kKeep, kRepack, kDelete };

struct PackPlan {
  Fate fate = Fate::kKeep;
  std::vector<PackEntry> live;  // kRepack: the entries to copy
  uint64_t garbage = 0;         // entries
};

// What phase 2 does with the index: per affected pack its fate, the index
// files to delete, and what the new index must list.
struct SweepPlan {
  std::map<Id, PackPlan> packs;    // affected packs that are listed
  std::vector<std::string> stale;  // index files naming a pack to delete or repack
  std::vector<IndexPack> keep;     // the other packs those files list
  std::vector<Id> unindexed;       // unindexed packs to delete
};

using IndexListing = std::vector<std::pair<std::string, std::vector<IndexPack>>>;

// Every index file, decoded: (file name, its packs).
Result<IndexListing> ReadIndexFiles(Repository* repo) {
  std::vector<FileInfo> files;
  TM_RETURN_IF_ERROR(repo->backend()->List(FileKind::kIndex, [&](const FileInfo& f) {
    files.push_back(f);
    return Status::OK();
  }));
  IndexListing out;
  for (const FileInfo& f : files) {
    TM_ASSIGN_OR_RETURN(std::string data,
                        ReadSmallFile(repo->backend(), f.handle, kMaxIndexFileSize));
    std::vector<IndexPack> packs;
    TM_RETURN_IF_ERROR(
        DecodeIndexFile(f.handle.name, data, repo->keys().data_key, [&](IndexPack&& p) {
          packs.push_back(std::move(p));
          return Status::OK();
        }));
    out.emplace_back(f.handle.name, std::move(packs));
  }
  return out;
}

// Copies of a blob stored in more than one pack (left by an interrupted
// sweep, or by two writers racing): every (blob, pack) copy that goes. One
// copy of each stays: one in a pack outside `affected` (sorted) when there
// is one, since such a pack is not touched, else the one in the smallest
// pack id, which stays live (and is copied if its pack is repacked).
using CopySet = std::set<std::pair<Id, Id>>;
CopySet DuplicateCopies(const IndexListing& listing, const std::vector<Id>& affected) {
  std::unordered_map<Id, std::vector<Id>, IdHash> packs_of;
  for (const auto& [name, packs] : listing) {
    for (const IndexPack& p : packs) {
      for (const PackEntry& e : p.blobs) packs_of[e.id].push_back(p.pack_id);
    }
  }
  CopySet out;
  for (auto& [blob, packs] : packs_of) {
    std::sort(packs.begin(), packs.end());
    packs.erase(std::unique(packs.begin(), packs.end()), packs.end());
    if (packs.size() < 2) continue;
    Id keep = packs.front();
    for (const Id& p : packs) {
      if (!std::binary_search(affected.begin(), affected.end(), p)) {
        keep = p;
        break;
      }
    }
    for (const Id& p : packs) {
      if (p != keep) out.insert({blob, p});
    }
  }
  return out;
}

// Plans with `garbage(id)`, whether the blob is to go from an affected
// pack, and the duplicate copies that go.
Status PlanSweep(Repository* repo, const PruneMark& mark, double max_unused,
                 const std::function<bool(const Id&)>& garbage, SweepPlan* plan) {
  TM_ASSIGN_OR_RETURN(IndexListing listing, ReadIndexFiles(repo));
  const CopySet duplicates = DuplicateCopies(listing, mark.packs);
  std::unordered_set<Id, IdHash> listed;
  for (auto& [name, packs] : listing) {
    bool stale = false;
    std::vector<IndexPack> others;
    for (IndexPack& p : packs) {
      listed.insert(p.pack_id);
      if (!std::binary_search(mark.packs.begin(), mark.packs.end(), p.pack_id)) {
        others.push_back(std::move(p));
        continue;
      }
      auto [it, fresh] = plan->packs.try_emplace(p.pack_id);
      PackPlan& pp = it->second;
      if (fresh) {
        uint64_t total = 0, unused = 0;
        for (const PackEntry& e : p.blobs) {
          total += e.sealed_len;
          if (garbage(e.id) || duplicates.count({e.id, p.pack_id})) {
            unused += e.sealed_len;
            pp.garbage++;
          } else {
            pp.live.push_back(e);
          }
        }
        if (pp.live.empty()) {
          pp.fate = Fate::kDelete;
        } else if (static_cast<double>(unused) > max_unused * static_cast<double>(total)) {
          pp.fate = Fate::kRepack;
        } else {
          pp.live.clear();
        }
      }
      if (pp.fate != Fate::kKeep) {
        stale = true;
      } else {
        others.push_back(std::move(p));
      }
    }
    if (stale) {
      plan->stale.push_back(name);
      for (IndexPack& p : others) plan->keep.push_back(std::move(p));
    }
  }
  // A pack listed by a stale file and by another: the new index lists it once.
  std::sort(plan->keep.begin(), plan->keep.end(),
            [](const IndexPack& a, const IndexPack& b) { return a.pack_id < b.pack_id; });
  plan->keep.erase(
      std::unique(plan->keep.begin(), plan->keep.end(),
                  [](const IndexPack& a, const IndexPack& b) { return a.pack_id == b.pack_id; }),
      plan->keep.end());
  for (const Id& u : mark.unindexed_packs) {
    if (!listed.count(u)) plan->unindexed.push_back(u);
  }
  return Status::OK();
}

// Object Lock (FORMAT.md §5.2): true when storage still retains pack `h`;
// counts it. Such a pack is left in place, unindexed, for a later prune.
Result<bool> StillRetained(Repository* repo, const FileHandle& h, PruneReport* report) {
  if (!repo->config().object_lock()) return false;
  Result<FileInfo> info = repo->backend()->Stat(h);
  if (info.status().IsNotFound()) return false;
  if (!info.ok()) return info.status();
  if (info->retain_until_us <= repo->clock()->NowMicros()) return false;
  report->locked_kept++;
  report->locked_until_us = std::max(report->locked_until_us, info->retain_until_us);
  return true;
}

// Adds to mark.packs the packs holding a duplicate copy that goes.
Status AddDuplicatePacks(Repository* repo, PruneMark* mark, PruneReport* report) {
  TM_ASSIGN_OR_RETURN(IndexListing listing, ReadIndexFiles(repo));
  const CopySet duplicates = DuplicateCopies(listing, mark->packs);
  report->duplicate_copies += duplicates.size();
  for (const auto& [blob, pack] : duplicates) mark->packs.push_back(pack);
  std::sort(mark->packs.begin(), mark->packs.end());
  mark->packs.erase(std::unique(mark->packs.begin(), mark->packs.end()), mark->packs.end());
  return Status::OK();
}

// Copies the live blobs of the packs to repack into new packs.
Status Repack(Repository* repo, const PruneOptions& o, const SweepPlan& plan,
              std::vector<IndexPack>* written, PruneReport* report) {
  uint64_t total = 0;
  for (const auto& [id, pp] : plan.packs) {
    if (pp.fate == Fate::kRepack) total += pp.live.size();
  }
  Progress progress("prune: repack", total, Progress::Unit::kCount, o.show_progress);
  PackWriter writer;
  std::unordered_set<Id, IdHash> copied;
  auto flush = [&]() -> Status {
    if (writer.empty()) return Status::OK();
    IndexPack p;
    const std::string file = writer.Finish(repo->keys().data_key, &p.blobs);
    p.pack_id = PackIdOf(file);
    Status s = repo->backend()->Put(PackHandle(p.pack_id), file);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
    report->packs_written++;
    report->bytes_written += file.size();
    written->push_back(std::move(p));
    return Step(o, "pack-written");
  };
  for (const auto& [id, pp] : plan.packs) {
    if (pp.fate != Fate::kRepack) continue;
    TM_ASSIGN_OR_RETURN(std::string file, repo->backend()->Get(PackHandle(id)));
    if (PackIdOf(file) != id) {
      return Status::Corruption("pack " + id.Hex() +
                                ": content does not hash to the pack id; prune stopped before "
                                "copying from it (run `tidemark check --read-data`)");
    }
    for (const PackEntry& e : pp.live) {
      progress.Add(1);
      if (!copied.insert(e.id).second) continue;
      if (e.offset + e.sealed_len > file.size()) {
        return Status::Corruption("pack " + id.Hex() + ": blob " + e.id.Short() +
                                  " lies past the end of the pack");
      }
      EncodedBlob blob{e.id, file.substr(e.offset, e.sealed_len), e.raw_len};
      writer.Add(e.type, blob);
      if (writer.size() >= repo->config().pack_target ||
          writer.count() >= format::kMaxBlobsPerPack) {
        TM_RETURN_IF_ERROR(flush());
      }
    }
    report->packs_repacked++;
  }
  return flush();
}

// Writes the new index (packs written + packs kept from stale files), in
// files of at most ~100,000 blobs.
Status WriteIndex(Repository* repo, const PruneOptions& o, std::vector<IndexPack> packs,
                  PruneReport* report) {
  size_t i = 0;
  while (i < packs.size()) {
    std::vector<IndexPack> chunk;
    size_t blobs = 0;
    while (i < packs.size() && (chunk.empty() || blobs + packs[i].blobs.size() <= 100000)) {
      blobs += packs[i].blobs.size();
      chunk.push_back(std::move(packs[i++]));
    }
    const std::string file = EncodeIndexFile(chunk, repo->keys().data_key);
    Status s = repo->backend()->Put(IndexHandle(PackIdOf(file)), file);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
    report->index_written++;
    report->bytes_written += file.size();
    TM_RETURN_IF_ERROR(Step(o, "index-written"));
  }
  return Status::OK();
}

Status RemoveCounted(Repository* repo, const FileHandle& h, uint64_t* bytes) {
  auto info = repo->backend()->Stat(h);
  Status s = repo->backend()->Remove(h);
  if (s.IsNotFound()) return Status::OK();  // gone already (an earlier, interrupted run)
  if (s.ok() && info.ok()) *bytes += info->size;
  return s;
}

// Steps 4-6 of phase 2 (prune.md §4): new packs and index first, then
// deletions, in an order that leaves a valid repository at every point.
Status ExecuteSweep(Repository* repo, const PruneOptions& o, const SweepPlan& plan,
                    PruneReport* report) {
  std::vector<IndexPack> written;
  TM_RETURN_IF_ERROR(Repack(repo, o, plan, &written, report));
  std::vector<IndexPack> listing = written;
  listing.insert(listing.end(), plan.keep.begin(), plan.keep.end());
  TM_RETURN_IF_ERROR(WriteIndex(repo, o, std::move(listing), report));
  for (const std::string& name : plan.stale) {
    TM_RETURN_IF_ERROR(RemoveCounted(repo, {FileKind::kIndex, name}, &report->bytes_deleted));
    report->index_deleted++;
    TM_RETURN_IF_ERROR(Step(o, "index-deleted"));
  }
  Progress progress("prune: delete", plan.packs.size() + plan.unindexed.size(),
                    Progress::Unit::kCount, o.show_progress);
  for (const auto& [id, pp] : plan.packs) {
    progress.Add(1);
    if (pp.fate == Fate::kKeep) continue;
    TM_ASSIGN_OR_RETURN(bool retained, StillRetained(repo, PackHandle(id), report));
    if (retained) continue;  // out of the index now; its file goes when the lock ends
    TM_RETURN_IF_ERROR(RemoveCounted(repo, PackHandle(id), &report->bytes_deleted));
    report->packs_deleted++;
    report->blobs_deleted += pp.garbage;
    TM_RETURN_IF_ERROR(Step(o, "pack-deleted"));
  }
  for (const Id& id : plan.unindexed) {
    progress.Add(1);
    TM_ASSIGN_OR_RETURN(bool retained, StillRetained(repo, PackHandle(id), report));
    if (retained) continue;
    TM_RETURN_IF_ERROR(RemoveCounted(repo, PackHandle(id), &report->bytes_deleted));
    report->unindexed_deleted++;
    TM_RETURN_IF_ERROR(Step(o, "pack-deleted"));
  }
  return Status::OK();
}

// The locks of `wait` that still exist, described.
Result<std::vector<std::string>> StillHeld(const Repository& repo,
                                           const std::vector<std::string>& wait) {
  TM_ASSIGN_OR_RETURN(std::vector<LockInfo> locks, ListLocks(&repo));
  std::vector<std::string> out;
  const int64_t now = repo.clock()->NowMicros();
  for (const LockInfo& l : locks) {
    if (std::find(wait.begin(), wait.end(), l.id) == wait.end()) continue;
    // A provably stale lock (dead pid on this host, or not refreshed for
    // kLockStaleMicros, 6 refresh intervals) has no running holder that
    // could still use a candidate: it does not hold the sweep back.
    if (l.IsStale(now, CurrentHost())) {
      TM_LOG(kInfo, "prune: not waiting for stale ", l.Describe());
      continue;
    }
    out.push_back(l.Describe());
  }
  return out;
}

// The locks present now, but ours.
Result<std::vector<std::string>> OtherLocks(const Repository& repo, const std::string& own) {
  TM_ASSIGN_OR_RETURN(std::vector<LockInfo> locks, ListLocks(&repo));
  std::vector<std::string> ids;
  for (const LockInfo& l : locks) {
    if (l.id != own) ids.push_back(l.id);
  }
  return ids;
}

// Phase 2 for one mark. *waiting is set (and nothing done) while a lock the
// mark waits for exists.
Status Sweep(Repository* repo, const PruneMark& mark, const PruneOptions& o, PruneReport* report,
             bool* waiting) {
  auto wait = ReadPruneWaitList(*repo, mark.name);
  if (wait.status().IsNotFound()) {
    // A crash came between the mark and its wait list: every lock present
    // now is a superset of those that were present then and still are.
    TM_ASSIGN_OR_RETURN(std::vector<std::string> now, OtherLocks(*repo, o.own_lock));
    Status s = WritePruneWaitList(*repo, mark.name, now);
    if (!s.ok() && !s.IsAlreadyExists()) return s;
    wait = ReadPruneWaitList(*repo, mark.name);
  }
  if (wait.status().IsCorruption()) {
    // Like a damaged mark: nothing was deleted on its behalf that a kept
    // snapshot needs, so dropping mark and list only lets writers
    // deduplicate again; a new mark follows in this run.
    TM_LOG(kWarning, "setting aside prune mark ", mark.name, ": ", wait.status().ToString());
    report->set_aside.push_back(mark.name + ".wait: " + wait.status().message());
    return RemovePruneMark(*repo, mark.name);
  }
  if (!wait.ok()) return wait.status();
  TM_ASSIGN_OR_RETURN(std::vector<std::string> held, StillHeld(*repo, *wait));
  if (!held.empty()) {
    *waiting = true;
    for (std::string& h : held) report->waiting_for.push_back(std::move(h));
    return Status::OK();
  }
  // Every operation that may have seen the candidates as live has ended.
  // Spare those that roots written since the marking reference.
  TM_ASSIGN_OR_RETURN(auto roots, ListRoots(*repo, o.roots));
  std::vector<bool> spared(mark.candidates.size(), false);
  {
    BlobStore store(repo);
    TM_RETURN_IF_ERROR(store.LoadIndex());
    store.CompactIndex();
    BlobMarker marker(&store);
    TM_RETURN_IF_ERROR(MarkRoots(repo, &store, o, roots, mark.roots, &marker, "prune: recheck"));
    for (size_t i = 0; i < mark.candidates.size(); i++) {
      auto pos = store.index().PositionOf(mark.candidates[i]);
      if (pos && marker.IsMarked(*pos)) {
        spared[i] = true;
        report->blobs_spared++;
      }
    }
  }
  auto garbage = [&](const Id& id) {
    auto it = std::lower_bound(mark.candidates.begin(), mark.candidates.end(), id);
    return it != mark.candidates.end() && *it == id &&
           !spared[static_cast<size_t>(it - mark.candidates.begin())];
  };
  SweepPlan plan;
  TM_RETURN_IF_ERROR(PlanSweep(repo, mark, o.max_unused, garbage, &plan));
  TM_RETURN_IF_ERROR(ExecuteSweep(repo, o, plan, report));
  TM_RETURN_IF_ERROR(RemovePruneMark(*repo, mark.name));
  report->marks_swept++;
  return Step(o, "mark-removed");
}

// Object Lock (docs/guide/s3.md, "Object Lock"): moves the retention of
// every file kept snapshots still need to a full lock_days from now, when
// less than half of it is left, so that a kept snapshot never loses its
// protection while it is kept. Runs after the sweep: packs that hold only
// candidates, or that left the index, are left to expire; every other
// retained file is extended.
Status ExtendLocks(Repository* repo, const PruneMark& mark, PruneReport* report) {
  const RepoConfig& cfg = repo->config();
  if (!cfg.object_lock()) return Status::OK();
  const int64_t day = 86400LL * 1000000;
  const int64_t now = repo->clock()->NowMicros();
  const int64_t until = now + cfg.lock_days * day;
  const int64_t due = now + cfg.lock_days * day / 2;
  auto extend = [&](const FileHandle& h) -> Status {
    TM_ASSIGN_OR_RETURN(FileInfo info, repo->backend()->Stat(h));
    if (info.retain_until_us >= due) return Status::OK();
    TM_RETURN_IF_ERROR(repo->backend()->ExtendRetention(h, until));
    report->locks_extended++;
    return Status::OK();
  };
  TM_ASSIGN_OR_RETURN(IndexListing listing, ReadIndexFiles(repo));
  std::set<Id> live;
  for (const auto& [name, packs] : listing) {
    for (const IndexPack& p : packs) {
      for (const PackEntry& e : p.blobs) {
        if (!std::binary_search(mark.candidates.begin(), mark.candidates.end(), e.id)) {
          live.insert(p.pack_id);
          break;
        }
      }
    }
  }
  for (const Id& id : live) TM_RETURN_IF_ERROR(extend(PackHandle(id)));
  for (FileKind k : {FileKind::kConfig, FileKind::kKey, FileKind::kSnapshot, FileKind::kLedger,
                     FileKind::kDrill}) {
    std::vector<FileHandle> files;
    TM_RETURN_IF_ERROR(repo->backend()->List(k, [&](const FileInfo& f) {
      files.push_back(f.handle);
      return Status::OK();
    }));
    for (const FileHandle& h : files) TM_RETURN_IF_ERROR(extend(h));
  }
  return Status::OK();
}

// Refuses when another prune holds a live lock: two sweeps at once could
// each delete the index file that lists the other's new packs. A stale
// prune lock (its process is gone) protects nothing.
Status ExcludeOtherPrunes(const Repository& repo, const std::string& own) {
  TM_ASSIGN_OR_RETURN(std::vector<LockInfo> locks, ListLocks(&repo));
  const int64_t now = repo.clock()->NowMicros();
  for (const LockInfo& l : locks) {
    if (l.id != own && l.command.rfind("prune", 0) == 0 && !l.IsStale(now, CurrentHost())) {
      return Status::Refused("another prune is running: " + l.Describe() +
                             ". Wait for it to finish; if that process is gone, run "
                             "`tidemark unlock` (removes stale locks)");
    }
  }
  return Status::OK();
}

Status DryRun(Repository* repo, const PruneOptions& o, PruneReport* report) {
  TM_ASSIGN_OR_RETURN(PruneMark mark, MarkPhase(repo, o, report));
  auto garbage = [&](const Id& id) {
    return std::binary_search(mark.candidates.begin(), mark.candidates.end(), id);
  };
  SweepPlan plan;
  TM_RETURN_IF_ERROR(PlanSweep(repo, mark, o.max_unused, garbage, &plan));
  for (const auto& [id, pp] : plan.packs) {
    if (pp.fate == Fate::kKeep) continue;
    (pp.fate == Fate::kDelete ? report->would_delete_packs : report->would_repack_packs)++;
    auto info = repo->backend()->Stat(PackHandle(id));
    if (info.ok()) report->would_free_bytes += info->size;
  }
  report->would_delete_packs += plan.unindexed.size();
  return Status::OK();
}

}  // namespace

BlobMarker::BlobMarker(const BlobStore* store)
    : index_(store->index()), count_(index_.blob_count()), bits_((count_ + 63) / 64, 0) {}

Result<bool> BlobMarker::Mark(const Id& id, std::string_view referrer) {
  auto pos = index_.PositionOf(id);
  if (!pos) {
    return Status::Corruption(std::string(referrer) + " references blob " + id.Hex() +
                              " that no index lists; prune stopped without deleting anything "
                              "(run `tidemark check --read-data`)");
  }
  uint64_t& word = bits_[*pos / 64];
  const uint64_t bit = uint64_t{1} << (*pos % 64);
  if (word & bit) return false;
  word |= bit;
  marked_++;
  return true;
}

Status MarkTree(BlobStore* store, const Id& root, BlobMarker* marker, std::string_view what) {
  TM_ASSIGN_OR_RETURN(bool fresh, marker->Mark(root, what));
  if (!fresh) return Status::OK();  // a subtree already walked
  TM_ASSIGN_OR_RETURN(std::string data, store->Get(root));
  TM_ASSIGN_OR_RETURN(TreeNode node, DecodeTreeNode(data, "tree node " + root.Short()));
  if (node.level == 0) return MarkLeaf(node, marker, what);
  for (const TreeNode::Entry& e : node.entries) {
    TM_RETURN_IF_ERROR(MarkTree(store, e.child, marker, what));
  }
  return Status::OK();
}

ReachabilityRoot SnapshotRoots() {
  ReachabilityRoot r;
  r.kind = "snapshot";
  r.list = [](const Repository& repo) { return ListSnapshots(repo); };
  r.mark = [](const Repository& repo, BlobStore* store, const Id& id,
              BlobMarker* marker) -> Status {
    TM_ASSIGN_OR_RETURN(Manifest m, ReadSnapshot(repo, id));
    const std::string what = "snapshot " + id.Short();
    for (const SnapshotTable& t : m.tables) {
      if (!t.schema.has_records()) continue;
      TM_RETURN_IF_ERROR(MarkTree(store, t.root.id, marker, what + " table " + t.schema.name));
    }
    return Status::OK();
  };
  return r;
}

std::vector<ReachabilityRoot> DefaultRoots() { return {SnapshotRoots()}; }

Result<PruneReport> Prune(Repository* repo, const PruneOptions& o) {
  PruneReport report;
  if (o.dry_run) {
    TM_RETURN_IF_ERROR(DryRun(repo, o, &report));
    return report;
  }
  TM_RETURN_IF_ERROR(repo->CheckMayDelete("prune"));
  TM_RETURN_IF_ERROR(ExcludeOtherPrunes(*repo, o.own_lock));
  {
    TM_ASSIGN_OR_RETURN(TempCleanup temp, RemoveOldTempFiles(*repo));
    report.temp_removed = temp.removed.size();
    report.temp_bytes_removed = temp.bytes_removed;
  }
  TM_ASSIGN_OR_RETURN(std::vector<std::string> orphans, ListOrphanWaitLists(*repo));
  for (const std::string& m : orphans) TM_RETURN_IF_ERROR(RemovePruneMark(*repo, m));
  TM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListPruneMarks(*repo));
  bool waiting = false;
  for (const std::string& name : names) {
    auto mark = ReadPruneMark(*repo, name);
    if (mark.status().IsNotFound()) continue;
    if (!mark.ok()) {
      // Nothing was deleted on an unreadable mark's behalf; dropping it
      // only lets writers deduplicate again.
      TM_LOG(kWarning, "removing unreadable ", mark.status().ToString());
      report.set_aside.push_back(name + ": " + mark.status().message());
      TM_RETURN_IF_ERROR(RemovePruneMark(*repo, name));
      continue;
    }
    TM_RETURN_IF_ERROR(Sweep(repo, *mark, o, &report, &waiting));
  }
  if (waiting) return report;  // a new mark would only wait for the same locks
  TM_ASSIGN_OR_RETURN(PruneMark mark, MarkPhase(repo, o, &report));
  if (mark.candidates.empty() && mark.unindexed_packs.empty() && report.duplicate_copies == 0) {
    TM_RETURN_IF_ERROR(ExtendLocks(repo, mark, &report));
    return report;
  }
  mark.name = NewPruneMarkName();
  mark.created_us = repo->clock()->NowMicros();
  mark.prune_lock = o.own_lock;
  TM_RETURN_IF_ERROR(WritePruneMark(*repo, mark));
  TM_RETURN_IF_ERROR(Step(o, "mark-written"));
  TM_ASSIGN_OR_RETURN(std::vector<std::string> present, OtherLocks(*repo, o.own_lock));
  TM_RETURN_IF_ERROR(WritePruneWaitList(*repo, mark.name, present));
  TM_RETURN_IF_ERROR(Step(o, "wait-written"));
  report.mark = mark.name;
  TM_RETURN_IF_ERROR(Sweep(repo, mark, o, &report, &waiting));
  TM_RETURN_IF_ERROR(ExtendLocks(repo, mark, &report));
  return report;
}

}  // namespace tidemark
