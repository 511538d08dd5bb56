#include "ops/integrity/repair_index.h"

#include <algorithm>
#include <set>

#include "base/crash_point.h"
#include "base/progress.h"
#include "repo/index.h"
#include "repo/pack.h"
#include "repo/small_file.h"

namespace tidemark {
namespace {

// Blobs per new index file, as prune writes them: a file stays far below
// the 256 MiB a reader accepts (FORMAT.md §2).
constexpr size_t kBlobsPerIndexFile = 100000;

struct OldIndexFile {
  std::string name;
  std::string damage;     // non-empty when the file does not decode
  std::vector<Id> packs;  // the packs it lists
};

Status Step(const RepairIndexOptions& o, std::string_view step, const char* crash_name) {
  CrashPoint(crash_name);
  if (o.crash_point) TM_RETURN_IF_ERROR(o.crash_point(step));
  if (o.keep_going) TM_RETURN_IF_ERROR(o.keep_going());
  return Status::OK();
}

// Every index file present now, decoded to the packs it lists. A file that
// fails a check is marked damaged; a failure to read at all stops the repair.
Result<std::vector<OldIndexFile>> ReadOldIndex(const Repository* repo) {
  std::vector<OldIndexFile> files;
  TM_RETURN_IF_ERROR(repo->backend()->List(FileKind::kIndex, [&](const FileInfo& f) {
    files.push_back({f.handle.name, "", {}});
    return Status::OK();
  }));
  std::sort(files.begin(), files.end(),
            [](const OldIndexFile& a, const OldIndexFile& b) { return a.name < b.name; });
  for (OldIndexFile& f : files) {
    auto data = ReadSmallFile(repo->backend(), {FileKind::kIndex, f.name}, kMaxIndexFileSize);
    Status s = data.status();
    if (s.ok()) {
      s = DecodeIndexFile(f.name, *data, repo->keys().data_key, [&](IndexPack&& p) {
        f.packs.push_back(p.pack_id);
        return Status::OK();
      });
    }
    if (s.IsCorruption()) {
      f.packs.clear();
      f.damage = s.message();
      const std::string prefix = "index " + f.name + ": ";  // decoders name the file first
      if (f.damage.rfind(prefix, 0) == 0) f.damage.erase(0, prefix.size());
    } else if (!s.ok() && !s.IsNotFound()) {
      return s.WithContext("reading index " + f.name);
    }
  }
  return files;
}

// Pack ids in data/, sorted; other names go to report->ignored_files.
Result<std::vector<Id>> ListPackIds(const Repository* repo, RepairIndexReport* report) {
  std::vector<Id> packs;
  TM_RETURN_IF_ERROR(repo->backend()->List(FileKind::kPack, [&](const FileInfo& f) {
    auto id = Id::FromHex(f.handle.name);
    if (id.ok()) {
      packs.push_back(*id);
    } else {
      report->ignored_files.push_back(f.handle.name);
    }
    return Status::OK();
  }));
  std::sort(packs.begin(), packs.end());
  return packs;
}

// Collects pack listings and writes them as index files of at most
// kBlobsPerIndexFile blobs, each durable before Add or Flush returns.
class IndexFileWriter {
 public:
  IndexFileWriter(const Repository* repo, const RepairIndexOptions& o, RepairIndexReport* report)
      : repo_(repo), o_(o), report_(report) {}

  Status Add(IndexPack pack) {
    if (!pending_.empty() && blobs_ + pack.blobs.size() > kBlobsPerIndexFile) {
      TM_RETURN_IF_ERROR(Flush());
    }
    blobs_ += pack.blobs.size();
    pending_.push_back(std::move(pack));
    return Status::OK();
  }

  Status Flush() {
    if (pending_.empty()) return Status::OK();
    const std::string file = EncodeIndexFile(pending_, repo_->keys().data_key);
    pending_.clear();
    blobs_ = 0;
    report_->index_written++;
    if (o_.dry_run) return Status::OK();
    const std::string name = PackIdOf(file).Hex();
    Status s = repo_->backend()->Put({FileKind::kIndex, name}, file);
    if (!s.ok() && !s.IsAlreadyExists()) return s.WithContext("writing index " + name);
    report_->bytes_written += file.size();
    written_.insert(name);
    return Step(o_, "index-written", "repair-index-written");
  }

  const std::set<std::string>& written() const { return written_; }

 private:
  const Repository* repo_;
  const RepairIndexOptions& o_;
  RepairIndexReport* report_;
  std::vector<IndexPack> pending_;
  size_t blobs_ = 0;
  std::set<std::string> written_;
};

// Reads every pack header and indexes the readable packs (in an
// append-only session only those no readable old file lists).
Status IndexPacks(const Repository* repo, const RepairIndexOptions& o, const std::vector<Id>& packs,
                  const std::set<Id>& listed_before, IndexFileWriter* writer,
                  RepairIndexReport* report) {
  Progress progress("repair index", packs.size(), Progress::Unit::kCount, o.show_progress);
  for (const Id& id : packs) {
    progress.Add(1);
    if (o.keep_going) TM_RETURN_IF_ERROR(o.keep_going());
    if (report->append_only && listed_before.count(id)) continue;
    auto header = ReadPackHeader(repo->backend(), repo->keys().data_key, id);
    if (header.status().IsNotFound()) continue;  // removed since the listing
    if (header.status().IsCorruption()) {
      report->unreadable_packs.emplace_back(id, header.status().message());
      continue;
    }
    if (!header.ok()) return header.status().WithContext("reading the header of pack " + id.Hex());
    report->packs_indexed++;
    report->blobs_indexed += header->size();
    TM_RETURN_IF_ERROR(writer->Add(IndexPack{id, std::move(*header)}));
  }
  return writer->Flush();
}

// Decides the fate of each old index file, and removes the replaced ones
// (after every new file is durable).
Status ReplaceOldFiles(const Repository* repo, const RepairIndexOptions& o,
                       const std::vector<OldIndexFile>& old, const std::set<std::string>& written,
                       RepairIndexReport* report) {
  std::set<Id> unreadable;
  for (const auto& [id, problem] : report->unreadable_packs) unreadable.insert(id);
  for (const OldIndexFile& f : old) {
    if (written.count(f.name)) continue;  // the same content was written again
    auto damaged_pack = std::find_if(f.packs.begin(), f.packs.end(),
                                     [&](const Id& p) { return unreadable.count(p) > 0; });
    if (damaged_pack != f.packs.end()) {
      report->index_kept.push_back(f.name + ": lists pack " + damaged_pack->Hex() +
                                   ", whose header is damaged (its blobs may still be readable "
                                   "through this file)");
      continue;
    }
    if (report->append_only) {
      if (!f.damage.empty()) report->removal_refused.push_back(f.name);
      continue;
    }
    report->index_removed.push_back(f.name);
    if (o.dry_run) continue;
    Status s = repo->backend()->Remove({FileKind::kIndex, f.name});
    if (!s.ok() && !s.IsNotFound()) return s.WithContext("removing index " + f.name);
    TM_RETURN_IF_ERROR(Step(o, "index-removed", "repair-index-removed"));
  }
  return Status::OK();
}

}  // namespace

Result<RepairIndexReport> RepairIndex(const Repository* repo, const RepairIndexOptions& o) {
  RepairIndexReport report;
  report.append_only = repo->append_only();
  // Old files first: everything listed now was written before the packs
  // are listed, so no pack an old file names can be missed below.
  TM_ASSIGN_OR_RETURN(std::vector<OldIndexFile> old, ReadOldIndex(repo));
  report.old_index_files = old.size();
  std::set<Id> listed_before;
  for (const OldIndexFile& f : old) {
    if (!f.damage.empty()) report.damaged_index_files.push_back(f.name + ": " + f.damage);
    listed_before.insert(f.packs.begin(), f.packs.end());
  }
  TM_ASSIGN_OR_RETURN(std::vector<Id> packs, ListPackIds(repo, &report));
  report.packs = packs.size();
  for (const Id& id : listed_before) {
    if (!std::binary_search(packs.begin(), packs.end(), id)) report.missing_packs.push_back(id);
  }
  IndexFileWriter writer(repo, o, &report);
  TM_RETURN_IF_ERROR(IndexPacks(repo, o, packs, listed_before, &writer, &report));
  TM_RETURN_IF_ERROR(ReplaceOldFiles(repo, o, old, writer.written(), &report));
  return report;
}

}  // namespace tidemark
