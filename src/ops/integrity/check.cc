#include "ops/integrity/check.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "repo/blob.h"
#include "repo/index.h"
#include "repo/lock.h"
#include "repo/pack.h"
#include "repo/prune_mark.h"
#include "repo/small_file.h"
#include "repo/temp_files.h"
#include "snapshot/holds.h"
#include "snapshot/manifest.h"

namespace tidemark {
namespace {

class Checker {
 public:
  Checker(const Repository* repo, const CheckOptions& options)
      : repo_(repo), backend_(repo->backend()), options_(options) {}

  Result<CheckReport> Run() {
    TM_RETURN_IF_ERROR(CheckKeys());
    // Index files before packs: a writer puts a pack before its index
    // (FORMAT.md §11), so a pack named by an index we read is already
    // listable, even while a backup runs beside us.
    TM_RETURN_IF_ERROR(LoadIndexFiles());
    TM_RETURN_IF_ERROR(ListPacks());
    CheckIndexedPacksExist();
    CheckPackHeaders();
    if (options_.read_data) ReadData();
    if (!stopped_.ok()) return stopped_;
    CheckLocks();
    CheckSnapshots();
    CheckHolds();
    CheckPruneFiles();
    CheckTempFiles();
    CheckWorm();
    if (options_.read_data && (!damaged_blobs_.empty() || damaged_index_files_ > 0)) MapDamage();
    if (!stopped_.ok()) return stopped_;
    if (options_.check_ledger) CheckLedger();
    return std::move(report_);
  }

 private:
  // The WORM probe (docs/guide/s3.md, "Object Lock"): a locked canary whose
  // deletion storage must refuse.
  void CheckWorm() {
    const RepoConfig& cfg = repo_->config();
    if (!cfg.object_lock()) {
      if (options_.require_worm) {
        report_.damage.push_back({"repository",
                                  "not under Object Lock (it was made without "
                                  "`init --object-lock`), and --require-worm "
                                  "asks for immutable storage"});
      }
      return;
    }
    Result<WormProbe> probe = repo_->backend()->ProbeWorm();
    report_.worm_probed = probe.ok();
    auto& unsafe = options_.require_worm ? report_.damage : report_.warnings;
    if (!probe.ok()) {
      unsafe.push_back({"WORM probe", "could not run: " + probe.status().message()});
      return;
    }
    report_.worm_enforced = probe->enforced;
    if (probe->enforced) {
      report_.notes.push_back({"WORM probe", "Object Lock is enforced: " + probe->detail});
      return;
    }
    unsafe.push_back({"WORM probe", "THE STORAGE DOES NOT ENFORCE OBJECT LOCK: " + probe->detail +
                                        "; anyone with the bucket's credentials can delete "
                                        "this repository's files"});
  }

  bool KeepGoing() {
    if (stopped_.ok() && options_.keep_going) stopped_ = options_.keep_going();
    return stopped_.ok();
  }

  struct Listing {
    std::string index;  // the index file that lists the pack
    std::vector<PackEntry> blobs;
  };

  void Damage(std::string object, std::string message) {
    // Messages from decoders start with the object's name; say it once.
    if (message.rfind(object + ": ", 0) == 0) message.erase(0, object.size() + 2);
    report_.damage.push_back({std::move(object), std::move(message)});
  }
  void Note(std::string object, std::string message) {
    report_.notes.push_back({std::move(object), std::move(message)});
  }
  void Warn(std::string object, std::string message) {
    report_.warnings.push_back({std::move(object), std::move(message)});
  }

  // Every key slot decodes (the one in use was already unwrapped by Open).
  Status CheckKeys() {
    return backend_->List(FileKind::kKey, [&](const FileInfo& f) {
      report_.keys++;
      auto data = ReadSmallFile(backend_, f.handle, kMaxKeyFileSize);
      if (data.status().IsNotFound()) return Status::OK();  // removed meanwhile
      if (!data.ok()) {
        Damage("key " + f.handle.name, data.status().message());
        return Status::OK();
      }
      auto key = KeyFile::Decode(f.handle.name, *data);
      if (!key.ok()) Damage("key " + f.handle.name, key.status().message());
      return Status::OK();
    });
  }

  Status ListPacks() {
    return backend_->List(FileKind::kPack, [&](const FileInfo& f) {
      auto id = Id::FromHex(f.handle.name);
      if (!id.ok()) {
        Note("pack " + f.handle.name, "file name is not a pack id; ignored");
      } else {
        pack_sizes_[*id] = f.size;
      }
      return Status::OK();
    });
  }

  // Decodes every index file; records which blobs each pack should hold.
  Status LoadIndexFiles() {
    std::vector<FileInfo> files;
    TM_RETURN_IF_ERROR(backend_->List(FileKind::kIndex, [&](const FileInfo& f) {
      files.push_back(f);
      return Status::OK();
    }));
    Progress progress("check index", files.size(), Progress::Unit::kCount, options_.show_progress);
    for (const FileInfo& f : files) {
      report_.index_files++;
      progress.Add(1);
      auto data = ReadSmallFile(backend_, f.handle, kMaxIndexFileSize);
      if (!data.ok()) {
        damaged_index_files_++;
        Damage("index " + f.handle.name, data.status().message());
        continue;
      }
      Status s = DecodeIndexFile(f.handle.name, *data, repo_->keys().data_key, [&](IndexPack&& p) {
        AddIndexedPack(f.handle.name, std::move(p));
        return Status::OK();
      });
      if (!s.ok()) {
        damaged_index_files_++;
        Damage("index " + f.handle.name, s.message());
      }
    }
    return Status::OK();
  }

  // Every listing of a pack is kept: each must agree with the pack header,
  // since the index loader may serve a blob from any of them.
  void AddIndexedPack(const std::string& index_name, IndexPack&& p) {
    std::vector<Listing>& listings = indexed_[p.pack_id];
    if (!listings.empty()) {
      Note("pack " + p.pack_id.Hex(), "listed by more than one index file (" +
                                          listings.front().index + " and " + index_name + ")");
    }
    for (const PackEntry& e : p.blobs) {
      if (listings.empty() && !seen_blobs_.insert(e.id).second) {
        Note("blob " + e.id.Hex(), "stored in more than one pack (harmless)");
      }
    }
    listings.push_back({index_name, std::move(p.blobs)});
  }

  void CheckIndexedPacksExist() {
    for (const auto& [id, listings] : indexed_) {
      if (!pack_sizes_.count(id)) {
        Damage("pack " + id.Hex(), "named by index " + listings.front().index + " but missing");
        BlobsOfPackDamaged(id, "its pack " + id.Hex() + " is missing");
      }
    }
  }

  // For the damage map: every blob the index places in `pack`.
  void BlobsOfPackDamaged(const Id& pack, const std::string& problem) {
    for (const Listing& l : indexed_[pack]) {
      for (const PackEntry& e : l.blobs) BlobDamaged(e.id, problem);
    }
  }
  void BlobDamaged(const Id& blob, const std::string& problem) {
    auto [it, inserted] = damaged_blobs_.emplace(blob, problem);
    if (!inserted && it->second.find(problem) == std::string::npos) it->second += "; " + problem;
  }

  // Every pack's header decodes and agrees with what the index says.
  void CheckPackHeaders() {
    Progress progress("check packs", pack_sizes_.size(), Progress::Unit::kCount,
                      options_.show_progress);
    for (const auto& [id, size] : pack_sizes_) {
      if (!KeepGoing()) return;
      report_.packs++;
      progress.Add(1);
      auto indexed = indexed_.find(id);
      if (indexed == indexed_.end()) {
        if (damaged_index_files_ > 0) {
          Damage("pack " + id.Hex(),
                 "not referenced by any readable index: it may be listed by a damaged index "
                 "file; do not delete it");
        } else {
          Note("pack " + id.Hex(),
               "not referenced by any index (left by an interrupted write; harmless)");
        }
        continue;
      }
      auto header = ReadPackHeader(backend_, repo_->keys().data_key, id);
      if (!header.ok()) {
        Damage("pack " + id.Hex(), header.status().message());
        // Its blobs may still read through the index, but the pack can no
        // longer be re-indexed (repair index) or repacked: count them lost.
        BlobsOfPackDamaged(id, "its pack " + id.Hex() + " has a damaged header");
        continue;
      }
      report_.blobs += header->size();
      for (const Listing& l : indexed->second) CompareWithIndex(id, *header, l);
    }
  }

  void CompareWithIndex(const Id& pack, const std::vector<PackEntry>& header,
                        const Listing& listing) {
    std::unordered_map<Id, const PackEntry*, IdHash> by_id;
    for (const PackEntry& e : header) by_id[e.id] = &e;
    for (const PackEntry& e : listing.blobs) {
      auto it = by_id.find(e.id);
      if (it == by_id.end()) {
        Damage("pack " + pack.Hex(), "index " + listing.index + " lists blob " + e.id.Hex() +
                                         " that the pack header lacks");
        continue;
      }
      const std::string fields = DifferingFields(e, *it->second);
      if (!fields.empty()) {
        Damage("pack " + pack.Hex(), "index " + listing.index + " and the pack header disagree " +
                                         "about blob " + e.id.Hex() + ": " + fields);
      }
    }
  }

  // "offset 10 vs 12, raw_len 5 vs 6" (index value first), or "".
  static std::string DifferingFields(const PackEntry& index, const PackEntry& header) {
    std::string out;
    auto add = [&](const char* name, uint64_t a, uint64_t b) {
      if (a == b) return;
      out += (out.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(a) + " in the " +
             "index vs " + std::to_string(b) + " in the header";
    };
    add("offset", index.offset, header.offset);
    add("sealed_len", index.sealed_len, header.sealed_len);
    add("raw_len", index.raw_len, header.raw_len);
    add("type", static_cast<uint64_t>(index.type), static_cast<uint64_t>(header.type));
    return out;
  }

  std::vector<Id> PacksToRead() {
    std::vector<Id> packs;
    for (const auto& [id, blobs] : indexed_) {
      if (pack_sizes_.count(id)) packs.push_back(id);
    }
    if (options_.read_data_fraction < 1.0) {
      std::shuffle(packs.begin(), packs.end(), std::mt19937_64(std::random_device{}()));
      const size_t n = static_cast<size_t>(
          std::ceil(options_.read_data_fraction * static_cast<double>(packs.size())));
      packs.resize(std::min(packs.size(), n));
    }
    return packs;
  }

  // Reads whole packs: the file hashes to its id, and every blob opens,
  // decompresses and hashes to its id.
  void ReadData() {
    const std::vector<Id> packs = PacksToRead();
    uint64_t total = 0;
    for (const Id& id : packs) total += pack_sizes_[id];
    Progress progress("read data", total, Progress::Unit::kBytes, options_.show_progress);
    for (const Id& id : packs) {
      if (!KeepGoing()) return;
      auto file = backend_->Get(PackHandle(id));
      progress.Add(pack_sizes_[id]);
      if (!file.ok()) {
        Damage("pack " + id.Hex(), file.status().message());
        BlobsOfPackDamaged(id, "its pack " + id.Hex() + " cannot be read");
        continue;
      }
      report_.packs_read++;
      report_.bytes_read += file->size();
      if (PackIdOf(*file) != id) Damage("pack " + id.Hex(), "content does not hash to the pack id");
      ReadBlobs(id, *file);
    }
  }

  void ReadBlobs(const Id& pack, std::string_view file) {
    // Each blob once, at each distinct place some listing gives for it.
    std::set<std::pair<Id, uint64_t>> seen;
    for (const Listing& l : indexed_[pack]) {
      for (const PackEntry& e : l.blobs) {
        if (seen.insert({e.id, e.offset}).second) ReadBlob(pack, file, e);
      }
    }
  }

  void ReadBlob(const Id& pack, std::string_view file, const PackEntry& e) {
    const std::string where = "pack " + pack.Short() + " offset " + std::to_string(e.offset);
    if (e.offset + e.sealed_len > file.size()) {
      Damage("blob " + e.id.Hex(), where + ": past the end of the pack");
      BlobDamaged(e.id, where + ": past the end of the pack");
      return;
    }
    report_.blobs_read++;
    auto content =
        DecodeBlob(repo_->keys(), e.id, file.substr(e.offset, e.sealed_len), e.raw_len, where);
    if (!content.ok()) {
      Damage("blob " + e.id.Hex(), content.status().message());
      BlobDamaged(e.id, content.status().message());
    }
  }

  void CheckLocks() {
    auto locks = ListLocks(repo_);
    if (!locks.ok()) {
      Note("locks", locks.status().message());
      return;
    }
    for (const LockInfo& l : *locks) {
      if (!l.damage.empty()) {
        Note("lock " + l.id, "does not decode (" + l.damage + "); `tidemark unlock` removes it");
      } else if (l.IsStale(repo_->clock()->NowMicros(), CurrentHost())) {
        Note("lock " + l.id, "stale: " + l.Describe() + "; `tidemark unlock` removes it");
      }
    }
  }

  // Every snapshot file must decrypt, verify its signature and id, and name
  // tree roots the index holds. (Whether every node below a root is intact is
  // what --read-data checks blob by blob.)
  void CheckSnapshots() {
    auto ids = ListSnapshots(*repo_);
    if (!ids.ok()) {
      Damage("snapshots", ids.status().message());
      return;
    }
    for (const Id& id : *ids) {
      report_.snapshots++;
      auto m = ReadSnapshot(*repo_, id);
      if (!m.ok()) {
        // Signed by this repository but undecodable: `forget ID` removes it.
        const bool signed_ok = ReadSnapshotBytes(*repo_, id).ok();
        Damage("snapshot " + id.Hex(),
               m.status().message() +
                   (signed_ok ? "; it is signed by this repository: `tidemark forget " +
                                    id.Short() + "` removes it"
                              : ""));
        continue;
      }
      readable_snapshots_.emplace_back(m->time_us, id);
      for (const SnapshotTable& t : m->tables) {
        if (t.schema.has_records() && !seen_blobs_.count(t.root.id)) {
          Damage("snapshot " + id.Hex(),
                 "table " + t.schema.name + ": root node " + t.root.id.Hex() + " is in no index");
        }
      }
    }
  }

  // Temporary files of killed writers: space to give back, not damage.
  void CheckTempFiles() {
    auto files = ListTempFiles(*repo_);
    if (!files.ok()) {
      Note("temporary files", files.status().message());
      return;
    }
    const int64_t now = repo_->clock()->NowMicros();
    for (const TempFileInfo& t : *files) {
      report_.temp_files++;
      report_.temp_bytes += t.size;
      const int64_t age_h = std::max<int64_t>(0, now - t.modified_us) / 3600000000;
      Note("temporary file " + t.path,
           std::to_string(t.size) + " bytes, last written " + std::to_string(age_h) +
               " h ago: left by an interrupted write (harmless); " +
               (now - t.modified_us > kTempFileGraceMicros
                    ? "`tidemark prune` or `tidemark unlock` removes it"
                    : "`tidemark prune` or `tidemark unlock` removes it once 24 h old (a "
                      "younger one may still be being written)"));
    }
  }

  // Every hold file verifies. A damaged hold still keeps its snapshot
  // (holds.md), but it can no longer say who placed it or why.
  void CheckHolds() {
    auto holds = ListHolds(*repo_);
    if (!holds.ok()) {
      Damage("holds", holds.status().message());
      return;
    }
    std::unordered_set<Id, IdHash> snapshots;
    for (const auto& [time, id] : readable_snapshots_) snapshots.insert(id);
    for (const Hold& h : *holds) {
      report_.holds++;
      if (!h.damage.empty()) {
        Damage("hold " + h.snapshot.Hex(),
               h.damage + " (it still keeps snapshot " + h.snapshot.Short() +
                   "; `tidemark hold remove` and `hold add` rewrite it)");
      } else if (!snapshots.count(h.snapshot)) {
        Note("hold " + h.snapshot.Hex(), "names no readable snapshot (forgotten or damaged)");
      }
    }
  }

  // Every pending-deletion mark and wait list verifies (prune.md). prune
  // sets a damaged one aside (removes it) and marks anew, so the finding
  // says so; it is still damage, since storage changed a byte.
  void CheckPruneFiles() {
    auto marks = ListPruneMarks(*repo_);
    if (!marks.ok()) {
      Damage("prune", marks.status().message());
      return;
    }
    const std::string next =
        "; the next `tidemark prune` sets the mark aside and marks anew (nothing was deleted on "
        "its behalf that the repository still needs)";
    for (const std::string& name : *marks) {
      report_.prune_files++;
      auto m = ReadPruneMark(*repo_, name);
      if (!m.ok() && !m.status().IsNotFound()) {
        Damage("prune mark " + name, m.status().message() + next);
        continue;
      }
      auto wait = ReadPruneWaitList(*repo_, name);
      if (wait.ok()) report_.prune_files++;
      if (!wait.ok() && !wait.status().IsNotFound()) {
        report_.prune_files++;
        Damage("prune wait list " + name + ".wait", wait.status().message() + next);
      }
    }
    auto orphans = ListOrphanWaitLists(*repo_);
    if (!orphans.ok()) return;
    for (const std::string& o : *orphans) {
      report_.prune_files++;
      Note("prune wait list " + o + ".wait",
           "its mark is gone (left by an interrupted prune); the next `tidemark prune` removes "
           "it");
    }
  }

  // Reads a blob through the index that check loaded (a damaged index file
  // must not stop the map, so BlobStore::LoadIndex is not used).
  Result<std::string> ReadIndexed(const MemIndex& index, const Id& id) {
    auto loc = index.Find(id);
    if (!loc) return Status::NotFound("no readable index lists it");
    auto sealed = backend_->Get(PackHandle(loc->pack_id), loc->offset, loc->sealed_len);
    const std::string where =
        "pack " + loc->pack_id.Short() + " offset " + std::to_string(loc->offset);
    if (sealed.status().IsNotFound() || sealed.status().IsInvalidArgument() ||
        (sealed.ok() && sealed->size() != loc->sealed_len)) {
      return Status::Corruption(where + ": pack missing or truncated");
    }
    if (!sealed.ok()) return sealed.status();
    return DecodeBlob(repo_->keys(), id, *sealed, loc->raw_len, where);
  }

  // Walks every readable snapshot (oldest first) to find what depends on
  // the damaged blobs. Damage found only now (a node outside the packs a
  // subset read) is reported too.
  void MapDamage() {
    MemIndex index;
    for (const auto& [pack, listings] : indexed_) {
      for (const Listing& l : listings) index.AddPack({pack, l.blobs});
    }
    DamageWalkSource source;
    source.read = [&](const Id& id) { return ReadIndexed(index, id); };
    source.present = [&](const Id& id) { return index.Contains(id); };
    source.known_damaged = damaged_blobs_;
    DamageWalker walker(std::move(source));
    std::sort(readable_snapshots_.begin(), readable_snapshots_.end());
    Progress progress("map damage", 0, Progress::Unit::kCount, options_.show_progress);
    for (const auto& [time, id] : readable_snapshots_) {
      auto m = ReadSnapshot(*repo_, id);
      if (!m.ok()) continue;  // reported by CheckSnapshots (or removed meanwhile)
      Status s = walker.AddSnapshot(id, *m, &progress,
                                    [this] { return KeepGoing() ? Status::OK() : stopped_; });
      if (!stopped_.ok()) return;
      if (!s.ok()) {
        Damage("damage map", "could not be completed: " + s.ToString());
        return;
      }
    }
    progress.Finish();
    report_.damage_mapped = true;
    report_.damage_map = walker.Finish();
    report_.snapshots_affected = walker.affected();
    report_.snapshots_restorable = walker.untouched();
    for (const DamagedBlob& d : report_.damage_map) {
      if (!damaged_blobs_.count(d.blob)) Damage("blob " + d.blob.Hex(), d.problem);
    }
  }

  void CheckLedger() {
    Ledger ledger(repo_);
    auto verified = ledger.Verify(options_.expect_ledger_head);
    if (!verified.ok()) {
      Damage("ledger", verified.status().message());
      return;
    }
    report_.ledger_entries = verified->entries_checked;
    for (const auto& p : verified->problems) {
      Damage(p.seq ? "ledger entry " + std::to_string(p.seq) : std::string("ledger"), p.message);
    }
    if (verified->problems.empty()) CheckSnapshotsRecorded(ledger);
  }

  // A backup killed after writing its snapshot file but before its ledger
  // entry leaves a readable, restorable snapshot that the ledger does not
  // know: worth a decision, not damage.
  void CheckSnapshotsRecorded(const Ledger& ledger) {
    std::unordered_set<std::string> recorded;
    Status s = ledger.ForEach(1, [&](const LedgerEntry& e) {
      for (const std::string& t : e.record.targets) {
        if (t.rfind("snapshot ", 0) == 0) recorded.insert(t.substr(9));
      }
      return Status::OK();
    });
    if (!s.ok()) return;  // Verify read the same entries; nothing to add
    std::sort(readable_snapshots_.begin(), readable_snapshots_.end());
    for (const auto& [time, id] : readable_snapshots_) {
      if (recorded.count(id.Hex())) continue;
      Warn("snapshot " + id.Hex(),
           "readable and restorable, but no ledger entry records it (a backup killed after "
           "writing it?); nothing to repair: keep it, or let `tidemark forget` drop it under "
           "your retention policy");
    }
  }

  const Repository* repo_;
  Backend* backend_;
  const CheckOptions options_;
  CheckReport report_;
  std::map<Id, uint64_t> pack_sizes_;                             // packs present in storage
  std::unordered_map<Id, std::vector<Listing>, IdHash> indexed_;  // packs the index names
  std::unordered_set<Id, IdHash> seen_blobs_;
  std::unordered_map<Id, std::string, IdHash> damaged_blobs_;  // blob -> problem, for the map
  std::vector<std::pair<int64_t, Id>> readable_snapshots_;     // (time, id)
  int damaged_index_files_ = 0;
  Status stopped_;  // set when keep_going said stop
};

}  // namespace

Result<CheckReport> CheckRepository(const Repository* repo, const CheckOptions& options) {
  Checker checker(repo, options);
  return checker.Run();
}

}  // namespace tidemark
